"""The engine pieces scikit-learn's MLP needs: exp + Poisson, HeavyBall, EfficientAdam,
Glorot-uniform in scikit-learn's draw order, NoImprovementStopping, L-BFGS on the engine."""

import numpy as np
import pytest
from scipy.optimize import check_grad
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

from deepstep.activations import ACTIVATIONS
from deepstep.initializers import glorot_uniform_layers
from deepstep.losses import LOSSES
from deepstep.optimizers import EfficientAdam, HeavyBall
from deepstep.propagation import resolve_activations
from deepstep.training import NoImprovementStopping, Trainer
from deepstep.training.lbfgs import _cost_and_gradient, pack, unpack
from deepstep.training.strategies import Network


def test_exp_and_its_backward():
    Z = np.linspace(-3, 3, 12).reshape(3, 4)
    A, cache = ACTIVATIONS["exp"].forward(Z)
    np.testing.assert_allclose(A, np.exp(Z))
    np.testing.assert_allclose(ACTIVATIONS["exp"].backward(np.ones_like(Z), cache), np.exp(Z))


def test_poisson_cost_is_half_deviance_and_stable():
    from scipy.special import xlogy
    rng = np.random.default_rng(0)
    Y = rng.poisson(2.0, (2, 6)).astype(float)
    AL = rng.random((2, 6)) + 0.1
    expected = np.mean(np.sum(xlogy(Y, Y / AL) - Y + AL, axis=0))
    assert LOSSES["poisson"].cost(AL, Y) == pytest.approx(expected, rel=1e-13)
    assert np.isfinite(LOSSES["poisson"].cost(np.zeros((1, 2)), np.array([[0.0, 3.0]])))
    assert LOSSES["poisson"].output_activation == "exp"


@pytest.mark.parametrize("nesterov", [True, False])
def test_heavy_ball_is_scikit_learns_sgd(nesterov):
    rng = np.random.default_rng(0)
    p = [rng.standard_normal((3, 4)), rng.standard_normal(4)]
    q = [a.copy() for a in p]
    ref = SGDOptimizer(q, 0.1, momentum=0.8, nesterov=nesterov)
    ours = HeavyBall(0.1, 0.8, nesterov)
    for _ in range(4):
        g = [rng.standard_normal(a.shape) for a in p]
        ref.update_params(q, [x.copy() for x in g])
        ours.update(p, [x.copy() for x in g], overwrite_grads=True)
    for a, b in zip(p, q, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-15)


def test_efficient_adam_is_scikit_learns_adam():
    rng = np.random.default_rng(1)
    p = [rng.standard_normal((3, 4)), rng.standard_normal(4)]
    q = [a.copy() for a in p]
    ref, ours = AdamOptimizer(q, 0.01), EfficientAdam(0.01)
    for _ in range(4):
        g = [rng.standard_normal(a.shape) for a in p]
        ref.update_params(q, g)
        ours.update(p, g)
    for a, b in zip(p, q, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-15)


def test_glorot_uniform_layers_follow_scikit_learns_draws():
    rs = np.random.RandomState(3)
    weights = glorot_uniform_layers([4, 5, 2], np.random.RandomState(3), factor=2.0)
    for (W, b), (fan_in, fan_out) in zip(weights, [(4, 5), (5, 2)], strict=True):
        r = np.sqrt(2.0 / (fan_in + fan_out))
        np.testing.assert_array_equal(W, rs.uniform(-r, r, (fan_in, fan_out)).T)
        np.testing.assert_array_equal(b.ravel(), rs.uniform(-r, r, fan_out))


def _problem(loss="binary_cross_entropy"):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 20))
    Y = (X[:1] > 0).astype(float) if loss != "poisson" else rng.poisson(1.0, (1, 20)) * 1.0
    weights = glorot_uniform_layers([3, 4, 1], np.random.RandomState(0))
    acts = resolve_activations(["tanh", LOSSES[loss].output_activation], 2, "t")
    return X, Y, Network(weights, acts, LOSSES[loss], alpha=0.3)


@pytest.mark.parametrize("loss", ["binary_cross_entropy", "squared_error", "poisson"])
def test_lbfgs_gradient_is_the_cost_s_gradient(loss):
    X, Y, net = _problem(loss)
    sw = np.random.default_rng(2).random(20) + 0.5
    theta = pack(net.weights)
    for w in (None, sw):
        err = check_grad(lambda t, w=w: _cost_and_gradient(t, net, X, Y, w)[0],
                         lambda t, w=w: _cost_and_gradient(t, net, X, Y, w)[1], theta)
        assert err < 1e-6
    unpack(theta, net.weights)
    np.testing.assert_array_equal(pack(net.weights), theta)


def test_no_improvement_stopping_counts_like_scikit_learn():
    _, _, net = _problem()
    losses = [1.0, 0.9, 0.89995, 0.8999, 0.91, 0.95]   # tol 1e-3: epochs 3.. do not improve
    stop = NoImprovementStopping("loss", tol=1e-3, n_iter_no_change=2)

    class Feed(NoImprovementStopping):
        pass

    t = Trainer(net.weights, net.activations, net.loss, HeavyBall(1e-9), [stop])
    for epoch, value in enumerate(losses):
        stop.set_trainer(t)
        stop.on_epoch_end(epoch, {"loss": value})
        if t.stop_training:
            break
    assert stop.stopped_epoch == 4 and stop.best == 0.8999 and stop.wait == 3
    t.stop_training = False
    cut = []
    plateau = NoImprovementStopping("s", 0.0, 1, mode="max", on_plateau=lambda: bool(cut.append(1)))
    plateau.set_trainer(t)
    for epoch, value in enumerate([0.5, 0.4, 0.4, 0.4]):
        plateau.on_epoch_end(epoch, {"s": value})
    assert cut == [1] and not t.stop_training and plateau.wait == 1
