"""Gradient descent update: maths, no mutation, errors."""

import numpy as np
import pytest

from deepstep.optimizers import (
    Adam,
    GradientDescent,
    Momentum,
    update_parameters,
)
from deepstep.training.callbacks.schedules import ExponentialDecay, InverseTimeDecay, StepDecay


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


# ------------------------------------------------------------------ beyond plain descent


def test_momentum_hand_worked_two_steps():
    theta = np.array([1.0])
    opt = Momentum(0.1, beta=0.5)
    opt.update([theta], [np.array([2.0])])  # v = 0.5*0 + 0.5*2 = 1 ; theta = 1 - 0.1 = 0.9
    np.testing.assert_allclose(theta, [0.9])
    opt.update([theta], [np.array([4.0])])  # v = 0.5*1 + 0.5*4 = 2.5 ; theta = 0.9 - 0.25
    np.testing.assert_allclose(theta, [0.65])


def test_nesterov_hand_worked():
    theta = np.array([1.0])
    opt = Momentum(0.1, beta=0.5, nesterov=True)
    opt.update([theta], [np.array([2.0])])  # v = 1 ; step = 0.5*1 + 0.5*2 = 1.5
    np.testing.assert_allclose(theta, [0.85])


def test_adam_hand_worked_first_two_steps():
    theta = np.array([1.0, -1.0])
    opt = Adam(0.1, beta1=0.9, beta2=0.999, epsilon=1e-8)
    g = np.array([0.5, -2.0])
    opt.update([theta], [g])
    # t=1: v_hat = g, s_hat = g^2, step = lr * g / (|g| + eps) = lr * sign(g)
    np.testing.assert_allclose(theta, [0.9, -0.9], rtol=1e-7)
    theta1 = np.array([1.0, -1.0]) - 0.1 * g / (np.abs(g) + 1e-8)
    np.testing.assert_array_equal(theta, theta1)
    opt.update([theta], [np.array([1.0, 1.0])])
    v = 0.9 * 0.1 * g + 0.1 * 1.0
    s = 0.999 * 0.001 * g**2 + 0.001 * 1.0
    step = 0.1 * (v / (1 - 0.81)) / (np.sqrt(s / (1 - 0.999**2)) + 1e-8)
    np.testing.assert_allclose(theta, theta1 - step, rtol=1e-12)


def test_gradient_clipping_by_global_norm():
    theta = np.zeros(2)
    GradientDescent(1.0, clip_norm=1.0).update([theta], [np.array([3.0, 4.0])])
    np.testing.assert_allclose(theta, [-0.6, -0.8])
    theta = np.zeros(2)
    GradientDescent(1.0, clip_norm=10.0).update([theta], [np.array([3.0, 4.0])])
    np.testing.assert_allclose(theta, [-3.0, -4.0])


def test_schedules():
    assert StepDecay(10, 0.5)(0.2, 25) == pytest.approx(0.05)
    assert ExponentialDecay(0.9)(1.0, 2) == pytest.approx(0.81)
    assert InverseTimeDecay(1.0)(1.0, 3) == pytest.approx(0.25)


@pytest.mark.parametrize("make", [lambda: Momentum(0.1, beta=1.0), lambda: Adam(beta2=-0.1),
                                  lambda: Adam(epsilon=0), lambda: GradientDescent(0.1, -1)])
def test_optimizer_arguments_are_checked(make):
    with pytest.raises(ValueError):
        make()


# ------------------------------------------------ one update rule, every path

def _params_and_grads(seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal((4, 3)), rng.standard_normal((4, 1))]
    return params, [rng.standard_normal(p.shape) for p in params]


@pytest.mark.parametrize("make", [lambda: GradientDescent(0.1), lambda: Momentum(0.1, beta=0.8),
                                  lambda: Momentum(0.1, nesterov=True), lambda: Adam(0.01)])
def test_update_into_out_equals_the_update_in_place_and_leaves_the_parameters(make):
    params, grads = _params_and_grads()
    in_place, into = make(), make()
    a = [p.copy() for p in params]
    in_place.update(a, [g.copy() for g in grads])
    out = [np.full_like(p, np.nan) for p in params]
    kept = [p.copy() for p in params]
    into.update(kept, [g.copy() for g in grads], out=out)
    for p, k in zip(params, kept, strict=True):
        np.testing.assert_array_equal(k, p)
    for x, y in zip(a, out, strict=True):
        np.testing.assert_array_equal(y, x)


def test_prescaled_gradient_descent_is_the_same_update_with_the_rate_folded_in():
    # The training loop folds lr into backpropagation: update(prescaled=True)
    # must give exactly what update gives the raw gradients.
    params, grads = _params_and_grads(1)
    a, b = [p.copy() for p in params], [p.copy() for p in params]
    GradientDescent(0.25).update(a, grads)
    GradientDescent(0.25).update(b, [0.25 * g for g in grads], prescaled=True)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(y, x)
    with pytest.raises(ValueError, match="prescaled"):
        GradientDescent(0.25, clip_norm=1.0).update(b, grads, prescaled=True)
    for opt in (Momentum(0.1), Adam()):
        with pytest.raises(ValueError, match="prescaled"):
            opt.update(b, grads, prescaled=True)


def test_only_an_optimizer_that_states_it_folds_its_rate():
    class Subclass(GradientDescent):  # might change the update: no promise inherited
        pass

    class Restated(GradientDescent):
        @property
        def step_scale(self):
            return self.learning_rate

    assert GradientDescent(0.5).step_scale == 0.5
    assert Subclass(0.5).step_scale is None and Momentum(0.5).step_scale is None
    assert Restated(0.5).step_scale == 0.5
