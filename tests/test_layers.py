"""One layer: hand-worked values, dtypes and shape errors."""

import numpy as np
import pytest

from deepstep.layers import (
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
)


def test_linear_forward_hand_worked():
    # Equation (3) of the seed: each column of W A gets b added.
    W = np.array([[1.0, 2.0], [3.0, 4.0]])
    A = np.array([[1.0, 0.0, -1.0], [0.0, 1.0, 2.0]])
    b = np.array([[10.0], [20.0]])
    Z, cache = linear_forward(A, W, b)
    np.testing.assert_array_equal(Z, [[11.0, 12.0, 13.0], [23.0, 24.0, 25.0]])
    assert cache[0] is A and cache[1] is W and cache[2] is b


def test_linear_backward_hand_worked():
    A_prev = np.array([[1.0, 2.0], [3.0, 4.0]])
    W = np.array([[1.0, -1.0]])
    b = np.zeros((1, 1))
    dZ = np.array([[1.0, 3.0]])
    dA_prev, dW, db = linear_backward(dZ, (A_prev, W, b))
    # dW = dZ A^T / m = [1*1 + 3*2, 1*3 + 3*4] / 2 ; db = (1 + 3) / 2 ; dA = W^T dZ
    np.testing.assert_array_equal(dW, [[3.5, 7.5]])
    np.testing.assert_array_equal(db, [[2.0]])
    np.testing.assert_array_equal(dA_prev, [[1.0, 3.0], [-1.0, -3.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layer_keeps_dtype_forward_and_backward(dtype):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 5)).astype(dtype)
    W = rng.standard_normal((3, 4)).astype(dtype)
    b = rng.standard_normal((3, 1)).astype(dtype)
    for activation in ("relu", "sigmoid"):
        out, cache = linear_activation_forward(A, W, b, activation)
        assert out.dtype == dtype
        grads = linear_activation_backward(np.ones_like(out), cache, activation)
        assert all(g.dtype == dtype for g in grads)
        assert [g.shape for g in grads] == [A.shape, W.shape, b.shape]


def test_W_and_A_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"W .*\(3, 5\).*A of shape \(4, 2\)"):
        linear_forward(np.ones((4, 2)), np.ones((3, 5)), np.ones((3, 1)))


def test_wrong_bias_shape():
    with pytest.raises(ValueError, match=r"b must have shape \(n_l, 1\) = \(3, 1\).*\(3, 2\)"):
        linear_forward(np.ones((4, 2)), np.ones((3, 4)), np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"b must be a 2-D array, got 1-D array of shape \(3,\)"):
        linear_forward(np.ones((4, 2)), np.ones((3, 4)), np.ones(3))


@pytest.mark.parametrize("A", [np.ones(4), np.ones((4, 2, 1))])
def test_non_2d_input(A):
    with pytest.raises(ValueError, match=r"A must be a 2-D array, got \d-D"):
        linear_forward(A, np.ones((3, 4)), np.ones((3, 1)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input_is_rejected(bad):
    A = np.ones((4, 2))
    A[2, 1] = bad
    with pytest.raises(ValueError, match=r"A must be finite.*index \(2, 1\)"):
        linear_forward(A, np.ones((3, 4)), np.ones((3, 1)))


def test_unknown_activation_in_layer():
    with pytest.raises(ValueError, match="unknown activation 'tanhh'"):
        linear_activation_forward(np.ones((2, 1)), np.ones((1, 2)), np.ones((1, 1)), "tanhh")
    cache = ((np.ones((2, 1)), np.ones((1, 2)), np.ones((1, 1))), np.ones((1, 1)))
    with pytest.raises(ValueError, match="unknown activation 'Relu'"):
        linear_activation_backward(np.ones((1, 1)), cache, "Relu")


def test_dZ_shape_must_match_cache():
    cache = (np.ones((4, 2)), np.ones((3, 4)), np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"dZ must have shape .*\(3, 2\).*got \(2, 3\)"):
        linear_backward(np.ones((2, 3)), cache)


@pytest.mark.parametrize("cache", [None, (1, 2), [np.ones((2, 2))] * 4])
def test_malformed_cache_is_a_type_error(cache):
    with pytest.raises(TypeError, match="cache must be the tuple"):
        linear_backward(np.ones((1, 2)), cache)
