"""deepstep.network.Network: one flat buffer with views, and its loss_and_gradient.

The oracles are independent: the cost is written out here in plain NumPy
(forward pass, each loss's formula, the L2 term), and the gradient is its
centred finite differences; neither uses the code under test.
"""

import numpy as np
import pytest

from deepstep.initializers import initialize_parameters_deep
from deepstep.losses import LOSSES
from deepstep.network import Network
from deepstep.optimizers import GradientDescent
from deepstep.training import Trainer

PLAIN_ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "identity": lambda z: z,
    "exp": np.exp,
    "softmax": lambda z: np.exp(z - z.max(0)) / np.exp(z - z.max(0)).sum(0),
}


def _plain_cost(params, X, Y, acts, loss, alpha, w=None, l2_per_weight=False):
    """The regularised (weighted) mean cost, from the formulas, in float64."""
    A = X
    L = len(acts)
    for l in range(1, L + 1):
        A = PLAIN_ACTIVATIONS[acts[l - 1]](params[f"W{l}"] @ A + params[f"b{l}"])
    if loss == "binary_cross_entropy":
        per = -(Y * np.log(A) + (1 - Y) * np.log(1 - A)).sum(0)
    elif loss == "categorical_cross_entropy":
        per = -(Y * np.log(A)).sum(0)
    elif loss == "squared_error":
        per = 0.5 * ((A - Y) ** 2).sum(0)
    else:  # poisson: half deviance with y log y
        ylogy = np.where(Y > 0, Y * np.log(np.where(Y > 0, Y, 1)), 0)
        per = (ylogy - Y * np.log(A) - Y + A).sum(0)
    m = X.shape[1]
    weights = np.ones(m) if w is None else w
    cost = (per * weights).sum() / weights.sum()
    count = weights.sum() if (l2_per_weight and w is not None) else m
    squares = sum((params[f"W{l}"] ** 2).sum() for l in range(1, L + 1))
    return cost + alpha / (2 * count) * squares


def _problem(loss, hidden, dtype=np.float64, seed=0, m=13):
    rng = np.random.default_rng(seed)
    n_x, n_L = 4, (3 if loss == "categorical_cross_entropy" else 2)
    X = rng.standard_normal((n_x, m)).astype(dtype)
    if loss == "categorical_cross_entropy":
        Y = np.eye(n_L)[:, rng.integers(0, n_L, m)]
    elif loss == "binary_cross_entropy":
        Y = (rng.random((n_L, m)) > 0.5) * 1.0
    elif loss == "poisson":
        Y = rng.poisson(1.5, (n_L, m)) * 1.0
    else:
        Y = rng.standard_normal((n_L, m))
    p = initialize_parameters_deep([n_x, 5, 3, n_L], rng, init="lecun", dtype=dtype)
    for l in (1, 2, 3):  # non-zero biases, so that db is exercised
        p[f"b{l}"] = (0.1 * rng.standard_normal(p[f"b{l}"].shape)).astype(dtype)
    acts = [hidden, hidden, LOSSES[loss].output_activation]
    return X, Y.astype(dtype), p, acts


@pytest.mark.parametrize("loss", ["binary_cross_entropy", "categorical_cross_entropy",
                                  "squared_error", "poisson"])
@pytest.mark.parametrize("hidden", ["tanh", "sigmoid", "relu"])
@pytest.mark.parametrize("l2_per_weight", [False, True])
def test_loss_and_gradient_is_the_numerical_gradient_of_the_written_out_cost(
        loss, hidden, l2_per_weight):
    X, Y, p, acts = _problem(loss, hidden)
    w = np.random.default_rng(1).random(X.shape[1]) + 0.5
    alpha = 0.7
    net = Network.from_parameters(p, acts, loss, alpha=alpha, l2_per_weight=l2_per_weight)
    cost, grad = net.loss_and_gradient(X, Y, w)
    expected = _plain_cost(p, X, Y, acts, loss, alpha, w, l2_per_weight)
    np.testing.assert_allclose(float(cost), expected, rtol=1e-12)
    # centred differences of the plain cost, entry by entry, in the flat layout
    eps = 1e-6
    numeric = []
    for key in [k for l in (1, 2, 3) for k in (f"W{l}", f"b{l}")]:
        theta = p[key]
        approx = np.empty_like(theta)
        for idx in np.ndindex(theta.shape):
            orig = theta[idx]
            theta[idx] = orig + eps
            plus = _plain_cost(p, X, Y, acts, loss, alpha, w, l2_per_weight)
            theta[idx] = orig - eps
            minus = _plain_cost(p, X, Y, acts, loss, alpha, w, l2_per_weight)
            theta[idx] = orig
            approx[idx] = (plus - minus) / (2 * eps)
        numeric.append(approx.ravel())
    numeric = np.concatenate(numeric)
    assert grad.flat.shape == (net.n_parameters,) == numeric.shape
    err = np.linalg.norm(grad.flat - numeric) / (np.linalg.norm(grad.flat)
                                                 + np.linalg.norm(numeric))
    assert err < 1e-7
    # the per-layer views are that same buffer
    np.testing.assert_array_equal(grad["dW1"].ravel(), grad.flat[:net.weights[0][0].size])


def test_scale_m_and_penalty_are_the_factors_they_say():
    X, Y, p, acts = _problem("squared_error", "tanh")
    net = Network.from_parameters(p, acts, "squared_error", alpha=0.3)
    cost, g = net.loss_and_gradient(X, Y)
    g1 = g.flat.copy()
    _, g = net.loss_and_gradient(X, Y, scale=0.25, out=g)
    np.testing.assert_allclose(g.flat, 0.25 * g1, rtol=1e-14)
    # two blocks' shares without L2, with the whole set's m, add up to the gradient
    total = np.zeros_like(g1)
    costs = 0.0
    for cols in (slice(0, 6), slice(6, 13)):
        c, part = net.loss_and_gradient(X[:, cols], Y[:, cols], m=13, penalty=False)
        total += part.flat
        costs += float(c) * (cols.stop - cols.start) / 13
    net.add_l2_gradient(g, 13)  # g now holds 0.25 * gradient: make it the sum's check
    part_l2 = Network.from_parameters(p, acts, "squared_error", alpha=0.3).new_gradient()
    part_l2.flat[...] = total
    net.add_l2_gradient(part_l2, 13)
    np.testing.assert_allclose(part_l2.flat, g1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(costs + net.penalty(13), float(cost), rtol=1e-13)


def test_views_are_views_of_the_one_buffer():
    _, _, p, acts = _problem("binary_cross_entropy", "relu")
    net = Network.from_parameters(p, acts, "binary_cross_entropy")
    flat = net.flat
    assert flat.ndim == 1 and flat.size == sum(v.size for v in p.values())
    # copied once: the network does not share the caller's arrays
    assert not any(np.shares_memory(flat, v) for v in p.values())
    for key, value in net.parameters.items():
        np.testing.assert_array_equal(value, p[key])
        assert np.shares_memory(value, flat) and value.flags.c_contiguous
    net.parameters["W1"][0, 0] = 123.0
    assert flat[0] == 123.0
    n_W1 = net.weights[0][0].size
    net.coefs[0][1, 0] = -7.0          # coefs[0] is W1.T: (n_in, n_out)
    assert net.weights[0][0][0, 1] == -7.0 and flat[1] == -7.0
    net.intercepts[0][2] = 5.0
    assert flat[n_W1 + 2] == 5.0 and net.parameters["b1"][2, 0] == 5.0
    assert [c.shape for c in net.coefs] == [(4, 5), (5, 3), (3, 2)]
    assert [b.shape for b in net.intercepts] == [(5,), (3,), (2,)]


def test_from_sklearn_is_the_transposed_dict():
    _, _, p, acts = _problem("squared_error", "tanh")
    coefs = [np.ascontiguousarray(p[f"W{l}"].T) for l in (1, 2, 3)]
    intercepts = [p[f"b{l}"].ravel().copy() for l in (1, 2, 3)]
    a = Network.from_sklearn(coefs, intercepts, acts, "squared_error")
    b = Network.from_parameters(p, acts, "squared_error")
    np.testing.assert_array_equal(a.flat, b.flat)
    for c, c_view in zip(coefs, a.coefs, strict=True):
        np.testing.assert_array_equal(c, c_view)


def test_float32_stays_float32():
    X, Y, p, acts = _problem("categorical_cross_entropy", "relu", dtype=np.float32)
    net = Network.from_parameters(p, acts, "categorical_cross_entropy", alpha=0.1)
    cost, grad = net.loss_and_gradient(X, Y, np.ones(X.shape[1], np.float32))
    assert net.flat.dtype == np.float32 and grad.flat.dtype == np.float32
    assert all(v.dtype == np.float32 for v in net.parameters.values())
    assert all(g.dtype == np.float32 for pair in grad.pairs for g in pair)
    assert cost.dtype == np.float32
    # and it agrees with the float64 computation to float32 rounding
    p64 = {k: v.astype(np.float64) for k, v in p.items()}
    net64 = Network.from_parameters(p64, acts, "categorical_cross_entropy", alpha=0.1)
    _, g64 = net64.loss_and_gradient(X.astype(np.float64), Y.astype(np.float64))
    np.testing.assert_allclose(grad.flat, g64.flat, rtol=1e-3, atol=1e-5)


def test_a_trainer_on_a_network_leaves_the_result_in_the_network_s_own_buffer():
    X, Y, p, acts = _problem("binary_cross_entropy", "relu")
    net = Network.from_parameters(p, acts, "binary_cross_entropy")
    flat = net.flat
    W1 = net.weights[0][0]
    t = Trainer(net, optimizer=GradientDescent(0.3), gram=False)
    t.fit(X, Y, 3)   # an odd number of double-buffered swaps
    assert net.flat is flat and net.weights[0][0] is W1
    weights = [[p[f"W{l}"].copy(), p[f"b{l}"].copy()] for l in (1, 2, 3)]
    Trainer(weights, net.activations, net.loss, GradientDescent(0.3), gram=False).fit(X, Y, 3)
    for (W, b), (W_ref, b_ref) in zip(net.weights, weights, strict=True):
        np.testing.assert_array_equal(W, W_ref)
        np.testing.assert_array_equal(b, b_ref)


@pytest.mark.parametrize("call, argument", [
    (lambda p, a: Network([(p["W1"], p["b1"]), (p["W3"], p["b3"])], a[:2], "squared_error"),
     "W2"),
    (lambda p, a: Network.from_parameters(p, a[:2], "squared_error"), "activations"),
    (lambda p, a: Network.from_parameters(p, a, "squared_error", alpha=-1.0), "alpha"),
    (lambda p, a: Network.from_parameters(p, a, "squared_error", dropout=1.5), "dropout"),
    (lambda p, a: Network.from_parameters(p, a, "no_such_loss"), "loss"),
    (lambda p, a: Network.from_parameters({"W1": p["W1"]}, a, "squared_error"), "parameters"),
    (lambda p, a: Network.from_sklearn([p["W1"]], [], a, "squared_error"), "coefs"),
])
def test_bad_arguments_name_the_argument(call, argument):
    _, _, p, acts = _problem("squared_error", "tanh")
    with pytest.raises(ValueError, match=argument):
        call(p, acts)


def test_bad_data_names_the_argument():
    X, Y, p, acts = _problem("squared_error", "tanh")
    net = Network.from_parameters(p, acts, "squared_error")
    with pytest.raises(ValueError, match="X of shape"):
        net.loss_and_gradient(X[:3], Y)
    with pytest.raises(ValueError, match="Y of shape"):
        net.loss_and_gradient(X, Y[:, :4])
    with pytest.raises(ValueError, match="sample_weight"):
        net.loss_and_gradient(X, Y, np.ones(4))


def test_a_pickled_network_still_has_views_of_one_buffer():
    import pickle

    X, Y, p, acts = _problem("binary_cross_entropy", "relu")
    net = pickle.loads(pickle.dumps(Network.from_parameters(p, acts, "binary_cross_entropy")))
    np.testing.assert_array_equal(net.parameters["W2"], p["W2"])
    net.parameters["b3"][...] = 2.5
    assert np.all(net.flat[-2:] == 2.5)
    cost, _ = net.loss_and_gradient(X, Y)
    assert np.isfinite(cost)


def test_per_parameter_optimizer_moments_are_joined_into_the_flat_layout():
    # A checkpoint written before the flat buffer keeps a moment per parameter;
    # element-wise moments concatenated in layer order are the same state.
    from deepstep.optimizers import Momentum

    X, Y, p, acts = _problem("binary_cross_entropy", "tanh")
    rng = np.random.default_rng(4)
    moments = [rng.standard_normal(p[k].shape) * 0.01
               for l in (1, 2, 3) for k in (f"W{l}", f"b{l}")]
    results = []
    for velocity in (moments, [np.concatenate([v.ravel() for v in moments])]):
        net = Network.from_parameters(p, acts, "binary_cross_entropy")
        opt = Momentum(0.1)
        opt.velocity = [v.copy() for v in velocity]
        Trainer(net, optimizer=opt).fit(X, Y, 3)
        assert len(opt.velocity) == 1
        results.append(net.flat.copy())
    np.testing.assert_array_equal(results[0], results[1])
    # the oracle: the course's gradients and the momentum update written out
    from deepstep import steps

    params = {k: v.copy() for k, v in p.items()}
    keys = [k for l in (1, 2, 3) for k in (f"W{l}", f"b{l}")]
    v = dict(zip(keys, [m.copy() for m in moments], strict=True))
    for _ in range(3):
        AL, caches = steps.L_model_forward(X, params, acts)
        grads = steps.L_model_backward(AL, Y, caches, acts)
        for k in keys:
            v[k] = 0.9 * v[k] + 0.1 * grads["d" + k]
            params[k] = params[k] - 0.1 * v[k]
    np.testing.assert_allclose(results[0], np.concatenate([params[k].ravel() for k in keys]),
                               rtol=1e-12, atol=1e-14)
