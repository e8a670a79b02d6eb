"""Backpropagation agrees with centred finite differences (relative error < 1e-7)."""

import numpy as np
import pytest

from deepstep import gradcheck
from deepstep.initializers import initialize_parameters_deep


@pytest.mark.parametrize(
    "dims",
    [[3, 1], [4, 5, 1], [5, 4, 3, 1], [2, 7, 1], [6, 3, 3, 3, 1], [8, 16, 4, 2, 1]],
)
@pytest.mark.parametrize("seed", [0, 1])
def test_backprop_matches_finite_differences(dims, seed):
    rng = np.random.default_rng(seed)
    m = 7
    X = rng.standard_normal((dims[0], m))
    Y = (rng.random((1, m)) > 0.5).astype(int)
    params = initialize_parameters_deep(dims, rng, init="lecun")
    for l in range(1, len(dims)):  # non-zero biases exercise db too
        params[f"b{l}"] = 0.1 * rng.standard_normal(params[f"b{l}"].shape)
    assert gradcheck(params, X, Y) < 1e-7


def test_gradcheck_detects_a_wrong_gradient(monkeypatch):
    # The check must be able to fail: corrupt backprop and watch the error grow.
    import deepstep.gradient_check as gc

    rng = np.random.default_rng(3)
    X = rng.standard_normal((3, 5))
    Y = np.array([[0, 1, 1, 0, 1]])
    params = initialize_parameters_deep([3, 4, 1], rng, init="lecun")
    real = gc.L_model_backward

    def wrong(*args, **kwargs):
        grads = real(*args, **kwargs)
        grads["dW1"] = grads["dW1"] * 1.01
        return grads

    monkeypatch.setattr(gc, "L_model_backward", wrong)
    assert gradcheck(params, X, Y) > 1e-4


def test_gradcheck_works_from_float32_inputs():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((3, 5)).astype(np.float32)
    params = initialize_parameters_deep([3, 4, 1], rng, init="lecun", dtype=np.float32)
    assert gradcheck(params, X, np.array([[0, 1, 1, 0, 1]])) < 1e-7


def test_gradcheck_bad_epsilon():
    with pytest.raises(ValueError, match="epsilon must be a finite number > 0"):
        gradcheck(initialize_parameters_deep([2, 1]), np.ones((2, 3)), np.ones((1, 3)), epsilon=0)


# ------------------------------------------------ every activation x output/loss, with L2

HIDDEN = ["relu", "leaky_relu", "tanh", "sigmoid", "identity"]
OUTPUTS = {  # output activation, loss, number of outputs, targets
    "binary": ("sigmoid", "binary_cross_entropy", 1),
    "multilabel": ("sigmoid", "binary_cross_entropy", 3),
    "multiclass": ("softmax", "categorical_cross_entropy", 3),
    "regression": ("identity", "squared_error", 2),
}


def _targets(kind, n_out, m, rng):
    if kind == "multiclass":
        return np.eye(n_out)[:, rng.integers(0, n_out, m)]
    if kind == "regression":
        return rng.standard_normal((n_out, m))
    return (rng.random((n_out, m)) > 0.5).astype(float)


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("kind", list(OUTPUTS))
@pytest.mark.parametrize("alpha", [0.0, 0.7])
def test_engine_gradients_for_every_combination(hidden, kind, alpha):
    output, loss, n_out = OUTPUTS[kind]
    rng = np.random.default_rng(5)
    m = 6
    X = rng.standard_normal((4, m))
    params = initialize_parameters_deep([4, 5, 3, n_out], rng, init="lecun")
    for l in (1, 2, 3):
        params[f"b{l}"] = 0.1 * rng.standard_normal(params[f"b{l}"].shape)
    Y = _targets(kind, n_out, m, rng)
    error = gradcheck(params, X, Y, activations=[hidden, hidden, output], loss=loss,
                      alpha=alpha)
    assert error < 1e-7
