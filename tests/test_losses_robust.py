"""The robust regression losses (absolute error, Huber, quantile): hand computations and
finite differences of the cost.
"""

import numpy as np
import pytest

from deepstep.losses import LOSSES, huber_loss, quantile_loss, scaled_output_delta
from deepstep.network import Network

AL = np.array([[0.5, -1.0, 3.0, 0.2], [2.0, 0.0, -0.5, 1.5]])
Y = np.array([[1.0, 1.0, 0.0, 0.0], [0.5, -2.5, -0.25, 1.0]])
W = np.array([1.0, 2.0, 0.5, 1.5])


def _by_hand(name):
    # r = a - y, element by element, written out from the definitions.
    r = AL - Y
    if name == "absolute_error":
        per = np.abs(r)
    elif name == "huber":  # delta = 1.5
        per = np.array([[0.5 * x * x if abs(x) <= 1.5 else 1.5 * (abs(x) - 0.75) for x in row]
                        for row in r])
    else:  # quantile, q = 0.8; y - a = -r
        per = np.array([[0.8 * -x if -x >= 0 else -0.2 * -x for x in row] for row in r])
    return per.sum(axis=0)


LOSS = {"absolute_error": LOSSES["absolute_error"], "huber": huber_loss(1.5),
        "quantile": quantile_loss(0.8)}


@pytest.mark.parametrize("name", list(LOSS))
def test_cost_is_the_hand_computation(name):
    per = _by_hand(name)
    assert LOSS[name].cost(AL, Y) == pytest.approx(per.mean(), rel=1e-14)
    assert LOSS[name].cost(AL, Y, W) == pytest.approx((per * W).sum() / W.sum(), rel=1e-14)


def test_hand_values_of_the_registered_defaults():
    # huber delta 1: r = 3 -> 1 * (3 - 0.5) = 2.5; r = 0.5 -> 0.125. pinball 0.5 = |r| / 2.
    a, y = np.array([[3.0, 0.5]]), np.zeros((1, 2))
    assert LOSSES["huber"].cost(a, y) == pytest.approx((2.5 + 0.125) / 2)
    assert LOSSES["quantile"].cost(a, y) == pytest.approx(LOSSES["absolute_error"].cost(a, y) / 2)


@pytest.mark.parametrize("name", list(LOSS))
@pytest.mark.parametrize("weighted", [False, True])
def test_output_delta_is_the_finite_difference_of_the_cost(name, weighted):
    loss, w = LOSS[name], (W if weighted else None)
    delta = scaled_output_delta(loss, AL.copy(), Y, w)
    h = 1e-6
    numeric = np.zeros_like(AL)
    for idx in np.ndindex(AL.shape):
        up, down = AL.copy(), AL.copy()
        up[idx] += h
        down[idx] -= h
        numeric[idx] = (loss.cost(up, Y, w) - loss.cost(down, Y, w)) / (2 * h)
    np.testing.assert_allclose(delta, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", list(LOSS))
def test_network_gradient_is_the_finite_difference_of_the_cost(name):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 7))
    Yn = 2.0 * rng.standard_normal((2, 7))
    net = Network.from_dims([3, 4, 2], ["tanh", "identity"], LOSS[name], rng=rng)
    _, grad = net.loss_and_gradient(X, Yn)
    flat, analytic = net.flat, grad.flat.copy()
    h, numeric = 1e-6, np.zeros_like(analytic)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + h
        up = net.loss_and_gradient(X, Yn)[0]
        flat[i] = keep - h
        down = net.loss_and_gradient(X, Yn)[0]
        flat[i] = keep
        numeric[i] = (up - down) / (2 * h)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(LOSS))
def test_dtype_is_kept(name, dtype):
    a, y = AL.astype(dtype), Y.astype(dtype)
    assert LOSS[name].cost(a, y).dtype == dtype
    assert scaled_output_delta(LOSS[name], a.copy(), y).dtype == dtype


@pytest.mark.parametrize("bad", [0, -1.0, "1"])
def test_bad_huber_delta(bad):
    with pytest.raises(ValueError, match="huber_loss: delta must be a number > 0, got"):
        huber_loss(bad)


@pytest.mark.parametrize("bad", [0, 1, 1.5, None])
def test_bad_quantile(bad):
    with pytest.raises(ValueError, match=r"quantile_loss: quantile must be a number in \(0, 1\)"):
        quantile_loss(bad)
