"""Golden tests: every expected output printed in the three seed documents.

Seeds (in ../shared/seeds/):
* 000 - "Building a deep neural network" (English notebook, prints its outputs);
* 001 - a blog version whose outputs are screenshots only (no printed text):
  its test-case generators are checked against independent oracles;
* 002 - the course's canonical notebook (testCases v4a), which wins for
  initialisation.

Inputs are drawn with ``np.random.RandomState(seed).randn`` in the order the
course's ``np.random.seed(seed); np.random.randn(...)`` draws them (the same
stream), so these tests never touch NumPy's global random state. Printed
arrays have 8 decimals, so they are compared with ``atol=5e-9``.
"""

import numpy as np
import pytest

from deepstep import steps

PRINTED = dict(rtol=0, atol=5e-9)


def _draw(seed, *shapes):
    rng = np.random.RandomState(seed)
    return [rng.randn(*shape) for shape in shapes]


# ---------------------------------------------------------------- initialisation


def test_002_initialize_parameters_deep_5_4_3():
    """002 cell In[25]: the canonical randn * 0.01, zero biases, seed 3."""
    p = steps.initialize_parameters_deep([5, 4, 3])
    np.testing.assert_allclose(p["W1"], [
        [0.01788628, 0.0043651, 0.00096497, -0.01863493, -0.00277388],
        [-0.00354759, -0.00082741, -0.00627001, -0.00043818, -0.00477218],
        [-0.01313865, 0.00884622, 0.00881318, 0.01709573, 0.00050034],
        [-0.00404677, -0.0054536, -0.01546477, 0.00982367, -0.01101068]], **PRINTED)
    np.testing.assert_array_equal(p["b1"], np.zeros((4, 1)))
    np.testing.assert_allclose(p["W2"], [
        [-0.01185047, -0.0020565, 0.01486148, 0.00236716],
        [-0.01023785, -0.00712993, 0.00625245, -0.00160513],
        [-0.00768836, -0.00230031, 0.00745056, 0.01976111]], **PRINTED)
    np.testing.assert_array_equal(p["b2"], np.zeros((3, 1)))


def test_000_initialise_parameters_deep_differs_only_by_the_course_scale():
    """000 In[107] prints W1 without the 0.01 scale (and draws random biases).

    The canonical W1 is 0.01 x the printed one. 000's b1, W2 and b2 differ from
    the canonical ones because its random biases consume the stream; the
    canonical values are those of 002 (test above).
    """
    p = steps.initialize_parameters_deep([5, 4, 3])
    printed_W1 = np.array([
        [1.78862847, 0.43650985, 0.09649747, -1.8634927, -0.2773882],
        [-0.35475898, -0.08274148, -0.62700068, -0.04381817, -0.47721803],
        [-1.31386475, 0.88462238, 0.88131804, 1.70957306, 0.05003364],
        [-0.40467741, -0.54535995, -1.54647732, 0.98236743, -1.10106763]])
    np.testing.assert_allclose(p["W1"], 0.01 * printed_W1, rtol=0, atol=5e-11)


def test_000_initialise_parameters_3_2_1():
    """000 In[105]: W1 is drawn first, so the canonical W1 equals the printed W1.

    000 then draws b1 at random; the canonical 2-layer initialisation has zero
    biases and draws W2 right after W1 (course: np.random.seed(1)).
    """
    p = steps.initialize_parameters(3, 2, 1)
    np.testing.assert_allclose(p["W1"], [[0.01624345, -0.00611756, -0.00528172],
                                         [-0.01072969, 0.00865408, -0.02301539]], **PRINTED)
    np.testing.assert_array_equal(p["b1"], np.zeros((2, 1)))
    np.testing.assert_array_equal(p["b2"], np.zeros((1, 1)))
    _, W2 = _draw(1, (2, 3), (1, 2))
    np.testing.assert_array_equal(p["W2"], W2 * 0.01)


def test_001_initialisation_uses_the_canonical_normal_draws():
    """001 draws np.random.rand (uniform) with seeds 1 and 2 and prints only screenshots.

    The canonical behaviour (002 wins for initialisation) is randn * 0.01:
    every weight of 001's layer sizes [3, 4, 5, 2] has the canonical shapes,
    zero biases, and the normal draws of the given seed.
    """
    p = steps.initialize_parameters_deep([3, 4, 5, 2], random_state=2)
    draws = _draw(2, (4, 3), (5, 4), (2, 5))
    for l, W in enumerate(draws, start=1):
        np.testing.assert_array_equal(p[f"W{l}"], W * 0.01)
        np.testing.assert_array_equal(p[f"b{l}"], np.zeros((W.shape[0], 1)))


def test_initialisation_is_repeatable_and_leaves_global_state_alone():
    state = np.random.get_state()[1].copy()
    a = steps.initialize_parameters_deep([5, 4, 3])
    b = steps.initialize_parameters_deep([5, 4, 3])
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    np.testing.assert_array_equal(np.random.get_state()[1], state)


# ---------------------------------------------------------------- forward


def test_linear_forward_000_and_002():
    """000 In[109] and 002 In[27]: Z = [[ 3.26295337 -1.23429987]] (seed 1)."""
    A, W, b = _draw(1, (3, 2), (1, 3), (1, 1))
    Z, cache = steps.linear_forward(A, W, b)
    np.testing.assert_allclose(Z, [[3.26295337, -1.23429987]], **PRINTED)
    assert cache[0] is A and cache[1] is W and cache[2] is b


def test_linear_activation_forward_000_and_002():
    """000 In[113] and 002 In[29]: sigmoid and ReLU outputs (seed 2)."""
    A_prev, W, b = _draw(2, (3, 2), (1, 3), (1, 1))
    A, cache = steps.linear_activation_forward(A_prev, W, b, activation="sigmoid")
    np.testing.assert_allclose(A, [[0.96890023, 0.11013289]], **PRINTED)
    A, cache = steps.linear_activation_forward(A_prev, W, b, activation="relu")
    np.testing.assert_allclose(A, [[3.43896131, 0.0]], **PRINTED)
    (linear_cache, Z) = cache
    assert linear_cache[0] is A_prev
    np.testing.assert_allclose(Z, W @ A_prev + b)


def _L_model_forward_test_case_2hidden():
    X, W1, b1, W2, b2, W3, b3 = _draw(6, (5, 4), (4, 5), (4, 1), (3, 4), (3, 1), (1, 3), (1, 1))
    return X, {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "W3": W3, "b3": b3}


def test_L_model_forward_000_and_002():
    """000 In[115] and 002 In[31]: AL and the length of caches (seed 6)."""
    X, parameters = _L_model_forward_test_case_2hidden()
    AL, caches = steps.L_model_forward(X, parameters)
    np.testing.assert_allclose(AL, [[0.03921668, 0.70498921, 0.19734387, 0.04728177]],
                               **PRINTED)
    assert len(caches) == 3


def test_001_L_model_forward_test_case_against_an_oracle():
    """001's L_model_forward_test_case (seed 1, 2 layers on X (4, 2)); outputs are images.

    Oracle: the forward pass written out with explicit sums per example.
    """
    X, W1, b1, W2, b2 = _draw(1, (4, 2), (3, 4), (3, 1), (1, 3), (1, 1))
    AL, caches = steps.L_model_forward(X, {"W1": W1, "b1": b1, "W2": W2, "b2": b2})
    for i in range(2):
        a1 = [max(0.0, sum(W1[j, k] * X[k, i] for k in range(4)) + b1[j, 0]) for j in range(3)]
        z2 = sum(W2[0, j] * a1[j] for j in range(3)) + b2[0, 0]
        assert AL[0, i] == pytest.approx(1 / (1 + np.exp(-z2)), rel=1e-12)
    assert len(caches) == 2 and AL.shape == (1, 2)


# ---------------------------------------------------------------- cost


def test_compute_cost_002():
    """002 In[33], testCases v4a: Y = [[1, 1, 0]], AL = [[.8, .9, .4]] -> 0.2797765635793422."""
    cost = steps.compute_cost(np.array([[0.8, 0.9, 0.4]]), np.asarray([[1, 1, 0]]))
    assert str(cost) == "0.2797765635793422"


def test_compute_cost_000_and_001():
    """000 In[117] (001 uses the same case): Y = [[1, 1, 1]] -> 0.41493159961539694."""
    cost = steps.compute_cost(np.array([[0.8, 0.9, 0.4]]), np.asarray([[1, 1, 1]]))
    assert str(cost) == "0.41493159961539694"


# ---------------------------------------------------------------- backward


def test_linear_backward_002():
    """002 In[35], testCases v4a: dZ (3, 4), A (5, 4), W (3, 5), b (3, 1), seed 1."""
    dZ, A, W, b = _draw(1, (3, 4), (5, 4), (3, 5), (3, 1))
    dA_prev, dW, db = steps.linear_backward(dZ, (A, W, b))
    np.testing.assert_allclose(dA_prev, [
        [-1.15171336, 0.06718465, -0.3204696, 2.09812712],
        [0.60345879, -3.72508701, 5.81700741, -3.84326836],
        [-0.4319552, -1.30987417, 1.72354705, 0.05070578],
        [-0.38981415, 0.60811244, -1.25938424, 1.47191593],
        [-2.52214926, 2.67882552, -0.67947465, 1.48119548]], **PRINTED)
    np.testing.assert_allclose(dW, [
        [0.07313866, -0.0976715, -0.87585828, 0.73763362, 0.00785716],
        [0.85508818, 0.37530413, -0.59912655, 0.71278189, -0.58931808],
        [0.97913304, -0.24376494, -0.08839671, 0.55151192, -0.10290907]], **PRINTED)
    np.testing.assert_allclose(db, [[-0.14713786], [-0.11313155], [-0.13209101]], **PRINTED)


def test_linear_backward_000():
    """000 In[119]: dZ (1, 2), A (3, 2), W (1, 3), b (1, 1), seed 1."""
    dZ, A, W, b = _draw(1, (1, 2), (3, 2), (1, 3), (1, 1))
    dA_prev, dW, db = steps.linear_backward(dZ, (A, W, b))
    np.testing.assert_allclose(dA_prev, [[0.51822968, -0.19517421],
                                         [-0.40506361, 0.15255393],
                                         [2.37496825, -0.89445391]], **PRINTED)
    np.testing.assert_allclose(dW, [[-0.10076895, 1.40685096, 1.64992505]], **PRINTED)
    np.testing.assert_allclose(db, [[0.50629448]], **PRINTED)


def test_001_linear_backward_test_case_against_an_oracle():
    """001's case (dZ (2, 2), A (3, 2), W (2, 3), seed 1) prints only a screenshot.

    001 squeezes db to shape (2,); the maths (equation 9) keeps (n_l, 1).
    Oracle: equations (8)-(10) written as explicit sums.
    """
    dZ, A, W, b = _draw(1, (2, 2), (3, 2), (2, 3), (2, 1))
    dA_prev, dW, db = steps.linear_backward(dZ, (A, W, b))
    m = 2
    for j in range(2):
        assert db[j, 0] == pytest.approx(sum(dZ[j, i] for i in range(m)) / m, rel=1e-14)
        for k in range(3):
            assert dW[j, k] == pytest.approx(sum(dZ[j, i] * A[k, i] for i in range(m)) / m,
                                             rel=1e-13)
    for k in range(3):
        for i in range(m):
            assert dA_prev[k, i] == pytest.approx(sum(W[j, k] * dZ[j, i] for j in range(2)),
                                                  rel=1e-13)
    assert db.shape == (2, 1)


def _linear_activation_backward_test_case():
    dA, A, W, b, Z = _draw(2, (1, 2), (3, 2), (1, 3), (1, 1), (1, 2))
    return dA, ((A, W, b), Z)


def test_linear_activation_backward_000_002():
    """000 In[123] and 002 In[37] (seed 2); 000 prints -0. where 002 prints 0."""
    dAL, cache = _linear_activation_backward_test_case()
    dA_prev, dW, db = steps.linear_activation_backward(dAL, cache, activation="sigmoid")
    np.testing.assert_allclose(dA_prev, [[0.11017994, 0.01105339],
                                         [0.09466817, 0.00949723],
                                         [-0.05743092, -0.00576154]], **PRINTED)
    np.testing.assert_allclose(dW, [[0.10266786, 0.09778551, -0.01968084]], **PRINTED)
    np.testing.assert_allclose(db, [[-0.05729622]], **PRINTED)
    dA_prev, dW, db = steps.linear_activation_backward(dAL, cache, activation="relu")
    np.testing.assert_allclose(dA_prev, [[0.44090989, 0.0],
                                         [0.37883606, 0.0],
                                         [-0.2298228, 0.0]], **PRINTED)
    np.testing.assert_allclose(dW, [[0.44513824, 0.37371418, -0.10478989]], **PRINTED)
    np.testing.assert_allclose(db, [[-0.20837892]], **PRINTED)


def test_L_model_backward_000_002():
    """000 In[125] and 002 In[39] (seed 3).

    The case feeds AL = randn(1, 2), not probabilities, and a Z unrelated to
    AL; the printed numbers follow the course's chain dAL -> sigmoid_backward(Z).
    """
    AL, A1, W1, b1, Z1, A2, W2, b2, Z2 = _draw(
        3, (1, 2), (4, 2), (3, 4), (3, 1), (3, 2), (3, 2), (1, 3), (1, 1), (1, 2))
    Y = np.array([[1, 0]])
    caches = (((A1, W1, b1), Z1), ((A2, W2, b2), Z2))
    grads = steps.L_model_backward(AL, Y, caches)
    np.testing.assert_allclose(grads["dW1"], [
        [0.41010002, 0.07807203, 0.13798444, 0.10502167],
        [0.0, 0.0, 0.0, 0.0],
        [0.05283652, 0.01005865, 0.01777766, 0.0135308]], **PRINTED)
    np.testing.assert_allclose(grads["db1"], [[-0.22007063], [0.0], [-0.02835349]], **PRINTED)
    np.testing.assert_allclose(grads["dA1"], [[0.12913162, -0.44014127],
                                              [-0.14175655, 0.48317296],
                                              [0.01663708, -0.05670698]], **PRINTED)


# ---------------------------------------------------------------- update


def _update_parameters_test_case():
    W1, b1, W2, b2 = _draw(2, (3, 4), (3, 1), (1, 3), (1, 1))
    dW1, db1, dW2, db2 = _draw(3, (3, 4), (3, 1), (1, 3), (1, 1))
    return ({"W1": W1, "b1": b1, "W2": W2, "b2": b2},
            {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2})


def test_update_parameters_000_002():
    """000 In[127] and 002 In[41], learning rate 0.1."""
    parameters, grads = _update_parameters_test_case()
    originals = {k: v.copy() for k, v in parameters.items()}
    new = steps.update_parameters(parameters, grads, 0.1)
    np.testing.assert_allclose(new["W1"], [
        [-0.59562069, -0.09991781, -2.14584584, 1.82662008],
        [-1.76569676, -0.80627147, 0.51115557, -1.18258802],
        [-1.0535704, -0.86128581, 0.68284052, 2.20374577]], **PRINTED)
    np.testing.assert_allclose(new["b1"], [[-0.04659241], [-1.28888275], [0.53405496]],
                               **PRINTED)
    np.testing.assert_allclose(new["W2"], [[-0.55569196, 0.0354055, 1.32964895]], **PRINTED)
    np.testing.assert_allclose(new["b2"], [[-0.84610769]], **PRINTED)
    for key, value in originals.items():  # the caller's arrays are not mutated
        np.testing.assert_array_equal(parameters[key], value)
