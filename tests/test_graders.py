"""The contract of the course's own graders (issue 23 item 1), checked by our own tests.

The public tests shipped with the newest "Building your Deep Neural Network:
Step by Step" and "Deep Neural Network - Application" notebooks call each
course function with NumPy's global seed set, then compare every returned
value *and its type and shape*: the costs of ``two_layer_model`` and
``L_layer_model`` are compared as the course returns them, a list of 0-d
ndarrays (``np.squeeze`` of the cost); ``two_layer_model`` is trained on
labels drawn with ``np.random.randn`` (the course computes the cost with
them). These tests draw the same kind of inputs (from a local
``RandomState``, the stream of ``np.random.seed``, without touching the
global one) and compare with an independent plain-NumPy transcription of the
course's loop below; the step functions' printed values are the seeds'
(``../shared/seeds``, also checked value by value in ``tests/test_seeds.py``).
"""

import itertools

import numpy as np
import pytest

from deepstep import steps


def _reference_model(X, Y, dims, learning_rate, num_iterations, two_layer):
    """The course's gradient descent, written out: initialisation, forward, cost, backward."""
    rs = np.random.RandomState(1)
    W, b = [], []
    for n_prev, n in itertools.pairwise(dims):
        scale = 0.01 if two_layer else 1 / np.sqrt(n_prev)
        W.append(rs.randn(n, n_prev) * scale)
        b.append(np.zeros((n, 1)))
    m, L, costs = X.shape[1], len(W), []
    for i in range(num_iterations):
        As, Zs, A = [X], [], X
        for l in range(L):
            Z = W[l] @ A + b[l]
            A = 1 / (1 + np.exp(-Z)) if l == L - 1 else np.maximum(0, Z)
            Zs.append(Z)
            As.append(A)
        cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
        if i % 100 == 0:
            costs.append(cost)
        dA = -(Y / A - (1 - Y) / (1 - A))
        for l in reversed(range(L)):
            if l == L - 1:
                s = 1 / (1 + np.exp(-Zs[l]))
                dZ = dA * s * (1 - s)
            else:
                dZ = dA * (Zs[l] > 0)
            dW, db = dZ @ As[l].T / m, np.sum(dZ, axis=1, keepdims=True) / m
            dA = W[l].T @ dZ
            W[l], b[l] = W[l] - learning_rate * dW, b[l] - learning_rate * db
    params = {}
    for l in range(L):
        params[f"W{l + 1}"], params[f"b{l + 1}"] = W[l], b[l]
    return params, costs


def _check_like_the_grader(result, expected):
    """Same keys, types, shapes and values (the grader's three checks)."""
    params, costs = result
    exp_params, exp_costs = expected
    assert isinstance(params, dict) and set(params) == set(exp_params)
    for key, value in exp_params.items():
        assert isinstance(params[key], np.ndarray)
        assert params[key].shape == value.shape
        np.testing.assert_allclose(params[key], value, rtol=1e-10, atol=1e-15)
    assert isinstance(costs, list) and len(costs) == len(exp_costs)
    for cost, exp in zip(costs, exp_costs, strict=True):
        assert isinstance(cost, np.ndarray), type(cost)  # the course's np.squeeze(cost)
        assert cost.shape == () and cost.dtype == np.float64
        np.testing.assert_allclose(cost, exp, rtol=1e-12)


def _grader_inputs(n_x=10, m=10):
    rs = np.random.RandomState(1)  # the grader's np.random.seed(1)
    return rs, rs.randn(n_x, m)


@pytest.mark.parametrize("learning_rate, num_iterations", [(0.0075, 2), (0.1, 3)])
def test_two_layer_model_on_real_valued_labels(learning_rate, num_iterations):
    rs, X = _grader_inputs()
    Y = rs.randn(1, 10)  # real-valued labels, as the Application's grader draws them
    args = (X, Y, (10, 4, 1), learning_rate, num_iterations, False)  # positional, as it calls
    with pytest.warns(UserWarning, match=r"two_layer_model: Y holds 10 value\(s\) other than"):
        result = steps.two_layer_model(*args)
    _check_like_the_grader(result, _reference_model(*args[:5], two_layer=True))


@pytest.mark.parametrize("learning_rate, num_iterations", [(0.0075, 2), (0.02, 3)])
def test_L_layer_model_returns_the_course_types(learning_rate, num_iterations):
    _, X = _grader_inputs()
    Y = np.array([[1, 1, 1, 1, 0, 0, 0, 1, 1, 0]])
    args = (X, Y, (10, 5, 6, 1), learning_rate, num_iterations)
    _check_like_the_grader(steps.L_layer_model(*args),
                           _reference_model(*args, two_layer=False))


def test_L_layer_model_on_real_valued_labels():
    rs, X = _grader_inputs()
    Y = rs.randn(1, 10)
    with pytest.warns(UserWarning, match="L_layer_model: Y holds"):
        result = steps.L_layer_model(X, Y, (10, 5, 1), 0.0075, 201)
    _check_like_the_grader(result, _reference_model(X, Y, (10, 5, 1), 0.0075, 201, False))


@pytest.mark.parametrize("model", [steps.two_layer_model, steps.L_layer_model])
def test_the_course_loop_refuses_real_labels_clearly(model):
    rs, X = _grader_inputs()
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="loop='course' calls "
                                                                    "L_model_backward"):
        model(X, rs.randn(1, 10), (10, 4, 1), 0.1, 2, loop="course")


@pytest.mark.parametrize("loop", ["fast", "course"])
@pytest.mark.parametrize("model, dims", [(steps.two_layer_model, (10, 4, 1)),
                                         (steps.L_layer_model, (10, 5, 6, 1))])
def test_print_cost_prints_the_last_iteration_too(model, dims, loop, capsys):
    _, X = _grader_inputs()
    Y = np.array([[1, 1, 1, 1, 0, 0, 0, 1, 1, 0]])
    _, costs = model(X, Y, dims, 0.01, 250, True, loop=loop)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        f"Cost after iteration {i}" for i in (0, 100, 200, 249)]
    assert lines[0] == f"Cost after iteration 0: {costs[0]}"
    assert len(costs) == 3  # the costs list keeps every 100th cost only, as the course
    model(X, Y, dims, 0.01, 1, True, loop=loop)  # the last iteration is the first
    assert capsys.readouterr().out.count("Cost after iteration 0:") == 1


def test_costs_keep_the_dtype_of_X():
    _, X = _grader_inputs()
    Y = np.array([[1, 1, 1, 1, 0, 0, 0, 1, 1, 0]])
    _, costs = steps.L_layer_model(X.astype(np.float32), Y, (10, 3, 1), 0.01, 101)
    assert all(isinstance(c, np.ndarray) and c.shape == () and c.dtype == np.float32
               for c in costs)


# ---------------------------------------------------------------- compute_cost


def test_compute_cost_returns_a_0d_array_with_the_seeds_value():
    # seed 002, In[33]: Y = [[1, 1, 0]], AL = [[.8, .9, .4]] prints 0.2797765635793422
    cost = steps.compute_cost(np.array([[0.8, 0.9, 0.4]]), np.asarray([[1, 1, 0]]))
    assert isinstance(cost, np.ndarray) and cost.shape == () and cost.dtype == np.float64
    assert str(cost) == "0.2797765635793422"
    cost32 = steps.compute_cost(np.array([[0.8, 0.9, 0.4]], np.float32), np.array([[1, 1, 0]]))
    assert cost32.shape == () and cost32.dtype == np.float32


def test_compute_cost_computes_with_real_labels_as_the_course():
    AL = np.array([[0.9, 0.5, 0.4]])
    Y = np.array([[2.0, 0.5, 1.0]])
    with pytest.warns(UserWarning, match=r"compute_cost: Y holds 2 value\(s\) other than 0 "
                                         r"and 1 \(e\.g\. 0\.5, 2\)"):
        cost = steps.compute_cost(AL, Y)
    by_hand = -(2 * np.log(0.9) - np.log(0.1) + 0.5 * np.log(0.5) + 0.5 * np.log(0.5)
                + np.log(0.4)) / 3
    np.testing.assert_allclose(cost, by_hand, rtol=1e-14)
    assert cost < 0  # real labels can make the "cost" negative: the reason for the warning


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_compute_cost_still_refuses_non_finite_labels(bad):
    with pytest.raises(ValueError, match="Y must be finite"):
        steps.compute_cost(np.array([[0.5, 0.5]]), np.array([[1, bad]]))


def test_the_library_cost_keeps_its_checks():
    from deepstep.losses import compute_cost

    with pytest.raises(ValueError, match="binary labels"):
        compute_cost(np.array([[0.5, 0.5]]), np.array([[1, 0.5]]))


# ---------------------------------------------------------------- step functions' types


def test_the_step_functions_return_the_course_structures():
    rs = np.random.RandomState(1)
    A, W, b = rs.randn(3, 2), rs.randn(1, 3), rs.randn(1, 1)
    Z, cache = steps.linear_forward(A, W, b)
    assert isinstance(Z, np.ndarray) and isinstance(cache, tuple) and len(cache) == 3
    assert str(Z) == "[[ 3.26295337 -1.23429987]]"  # seed 000, In[109]
    _, (lin, act) = steps.linear_activation_forward(A, W, b, "relu")
    assert isinstance(lin, tuple) and isinstance(act, np.ndarray)
    params = steps.initialize_parameters_deep([5, 4, 3, 1])
    X = rs.randn(5, 4)
    AL, caches = steps.L_model_forward(X, params)
    assert isinstance(caches, list) and len(caches) == 3 and AL.shape == (1, 4)
    grads = steps.L_model_backward(AL, np.array([[1, 0, 1, 0]]), caches)
    assert all(isinstance(v, np.ndarray) for v in grads.values())
    new = steps.update_parameters(params, grads, 0.1)
    assert isinstance(new, dict) and all(isinstance(v, np.ndarray) for v in new.values())
    p = steps.predict(X, None, new)
    assert isinstance(p, np.ndarray) and p.shape == (1, 4)
