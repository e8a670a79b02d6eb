"""Whole-model forward and backward: oracles, saturation, dtypes, errors."""

import numpy as np
import pytest

from deepstep.initializers import initialize_parameters_deep
from deepstep.propagation import L_model_backward, L_model_forward


def _problem(dims, m=6, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((dims[0], m)).astype(dtype)
    Y = (rng.random((1, m)) > 0.5).astype(int)
    params = initialize_parameters_deep(dims, rng, init="lecun", dtype=dtype)
    return X, Y, params


def _oracle_forward(X, params):
    """Independent forward pass, one example at a time with explicit sums."""
    L = len(params) // 2
    out = []
    for i in range(X.shape[1]):
        a = list(X[:, i])
        for l in range(1, L + 1):
            W, b = params[f"W{l}"], params[f"b{l}"]
            z = [sum(W[j, k] * a[k] for k in range(len(a))) + b[j, 0] for j in range(W.shape[0])]
            a = [max(0.0, v) for v in z] if l < L else [1 / (1 + np.exp(-v)) for v in z]
        out.append(a[0])
    return np.array([out])


def test_forward_matches_an_example_by_example_oracle():
    X, _, params = _problem([4, 3, 2, 1])
    AL, caches = L_model_forward(X, params)
    np.testing.assert_allclose(AL, _oracle_forward(X, params), rtol=1e-12)
    assert len(caches) == 3
    (A0, W1, b1), Z1 = caches[0]
    assert A0 is not None and W1.shape == (3, 4) and b1.shape == (3, 1) and Z1.shape == (3, 6)


def test_backward_keys_and_shapes():
    X, Y, params = _problem([4, 3, 2, 1])
    AL, caches = L_model_forward(X, params)
    grads = L_model_backward(AL, Y, caches)
    assert set(grads) == {"dA0", "dA1", "dA2", "dW1", "dW2", "dW3", "db1", "db2", "db3"}
    for l in (1, 2, 3):
        assert grads[f"dW{l}"].shape == params[f"W{l}"].shape
        assert grads[f"db{l}"].shape == params[f"b{l}"].shape
        assert grads[f"dA{l - 1}"].shape == caches[l - 1][0][0].shape


def test_output_layer_gradient_is_AL_minus_Y():
    # For sigmoid + cross-entropy, dZ[L] = A[L] - Y, so db[L] = mean(AL - Y).
    X, Y, params = _problem([3, 4, 1], m=9)
    AL, caches = L_model_forward(X, params)
    grads = L_model_backward(AL, Y, caches)
    np.testing.assert_allclose(grads["db2"], np.mean(AL - Y, keepdims=True), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_end_to_end(dtype):
    X, Y, params = _problem([4, 3, 1], dtype=dtype)
    AL, caches = L_model_forward(X, params)
    grads = L_model_backward(AL, Y, caches)
    assert AL.dtype == dtype
    assert all(g.dtype == dtype for g in grads.values())


@pytest.mark.parametrize("scale", [1000.0, -1000.0])
def test_saturated_network_stays_finite_without_warnings(scale):
    # Pre-activations of magnitude ~1000 drive AL to exactly 0 or 1.
    X = np.array([[1.0, -1.0, 2.0]])
    params = {"W1": np.array([[1.0]]), "b1": np.zeros((1, 1)),
              "W2": np.array([[scale]]), "b2": np.zeros((1, 1))}
    AL, caches = L_model_forward(X, params)
    assert set(np.unique(AL)) <= {0.0, 0.5, 1.0}
    grads = L_model_backward(AL, np.array([[0, 1, 0]]), caches)
    assert all(np.all(np.isfinite(g)) for g in grads.values())


def test_X_must_be_finite():
    X, _, params = _problem([3, 2, 1])
    X[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"L_model_forward: X must be finite.*\(1, 2\)"):
        L_model_forward(X, params)


def test_X_must_be_2d():
    _, _, params = _problem([3, 2, 1])
    with pytest.raises(ValueError, match=r"X must be a 2-D array, got 1-D array of shape \(3,\)"):
        L_model_forward(np.ones(3), params)


def test_X_rows_must_match_W1():
    _, _, params = _problem([3, 2, 1])
    pattern = r"W1 must have 4 columns \(X.shape\[0\]\), got .*\(2, 3\)"
    with pytest.raises(ValueError, match=pattern):
        L_model_forward(np.ones((4, 5)), params)


def test_layer_chain_mismatch():
    _, _, params = _problem([3, 2, 1])
    params["W2"] = np.ones((1, 5))
    with pytest.raises(ValueError, match=r"W2 must have 2 columns \(W1.shape\[0\]\)"):
        L_model_forward(np.ones((3, 5)), params)


def test_activations_list_length_and_names():
    X, _, params = _problem([3, 2, 1])
    with pytest.raises(ValueError, match="one activation per layer"):
        L_model_forward(X, params, ["relu"])
    with pytest.raises(ValueError, match=r"unknown activations\[0\] 'rleu'"):
        L_model_forward(X, params, ["rleu", "sigmoid"])


def test_backward_Y_shape_and_labels():
    X, Y, params = _problem([3, 2, 1])
    AL, caches = L_model_forward(X, params)
    with pytest.raises(ValueError, match=r"Y must have the same shape as AL \(1, 6\)"):
        L_model_backward(AL, Y[:, :4], caches)
    with pytest.raises(ValueError, match="binary labels"):
        L_model_backward(AL, Y * 3, caches)


def test_backward_caches_must_match_AL():
    X, Y, params = _problem([3, 2, 1])
    AL, caches = L_model_forward(X, params)
    with pytest.raises(ValueError, match="does not match the last cache"):
        L_model_backward(AL, Y, caches[:1])
    with pytest.raises(TypeError, match="caches must be the non-empty list"):
        L_model_backward(AL, Y, [])


@pytest.mark.parametrize("hidden", ["relu", "tanh", "leaky_relu"])
def test_backward_writing_dz_into_da_gives_the_same_gradients(hidden):
    from deepstep.activations import get_activation
    from deepstep.propagation import backward, forward

    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 15))
    params = initialize_parameters_deep([6, 5, 4, 1], 3)
    weights = [(params[f"W{l}"], params[f"b{l}"]) for l in (1, 2, 3)]
    acts = [get_activation(hidden)] * 2 + [get_activation("sigmoid")]
    AL, caches = forward(X, weights, acts)
    dZL = AL - (X[:1] > 0)
    plain = backward(dZL, caches, acts)
    into = backward(dZL, caches, acts, overwrite_dA=True)
    assert not any(k.startswith("dA") for k in into if k != "dA0")
    for key in ("dW1", "db1", "dW2", "db2", "dW3", "db3"):
        np.testing.assert_array_equal(into[key], plain[key])
    for l, (_, Z) in enumerate(caches[:-1], start=1):   # the caches are left as they were
        np.testing.assert_array_equal(Z, forward(X, weights, acts)[1][l - 1][1])
