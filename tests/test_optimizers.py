"""Gradient descent update: maths, no mutation, errors."""

import numpy as np
import pytest

from deepstep.optimizers import update_parameters


def _params():
    return {"W1": np.array([[1.0, 2.0]]), "b1": np.array([[3.0]])}


def test_update_hand_worked_and_does_not_mutate():
    params = _params()
    W1, b1 = params["W1"], params["b1"]
    grads = {"dW1": np.array([[10.0, -10.0]]), "db1": np.array([[1.0]]), "dA0": np.ones((2, 1))}
    new = update_parameters(params, grads, 0.1)
    np.testing.assert_allclose(new["W1"], [[0.0, 3.0]])
    np.testing.assert_allclose(new["b1"], [[2.9]])
    assert new is not params and new["W1"] is not W1
    np.testing.assert_array_equal(W1, [[1.0, 2.0]])  # caller's arrays untouched
    np.testing.assert_array_equal(b1, [[3.0]])
    assert params["W1"] is W1


def test_float32_preserved():
    params = {k: v.astype(np.float32) for k, v in _params().items()}
    grads = {"dW1": np.ones((1, 2), np.float32), "db1": np.ones((1, 1), np.float32)}
    assert all(v.dtype == np.float32 for v in update_parameters(params, grads, 0.5).values())


def test_missing_gradient():
    with pytest.raises(ValueError, match="grads is missing 'db1'"):
        update_parameters(_params(), {"dW1": np.ones((1, 2))}, 0.1)


def test_gradient_shape_mismatch():
    pattern = r"grads\['dW1'\] must have the shape .*\(1, 2\).*\(2, 1\)"
    with pytest.raises(ValueError, match=pattern):
        update_parameters(_params(), {"dW1": np.ones((2, 1)), "db1": np.ones((1, 1))}, 0.1)


@pytest.mark.parametrize("lr", [0, -0.1, np.nan, np.inf])
def test_bad_learning_rate(lr):
    with pytest.raises(ValueError, match="learning_rate must be a finite number > 0"):
        update_parameters(_params(), {"dW1": np.ones((1, 2)), "db1": np.ones((1, 1))}, lr)


def test_learning_rate_type():
    with pytest.raises(TypeError, match="learning_rate must be a real number"):
        update_parameters(_params(), {"dW1": np.ones((1, 2)), "db1": np.ones((1, 1))}, "0.1")


def test_malformed_parameter_dict():
    with pytest.raises(ValueError, match="parameters must have keys 'W1', 'b1'"):
        update_parameters({"W1": np.ones((1, 2))}, {}, 0.1)
