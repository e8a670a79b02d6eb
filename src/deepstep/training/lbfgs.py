"""Full-batch L-BFGS-B (scipy) on the engine's cost and gradient.

A quasi-Newton solver needs the cost and gradient as functions of one flat
parameter vector; this unit is that adapter and nothing more. Each call
unpacks the vector into the network's ``[W, b]`` arrays and runs the engine
once: :func:`deepstep.propagation.forward`, the loss's cost plus
:func:`deepstep.losses.l2_penalty`, :func:`deepstep.losses.scaled_output_delta`,
:func:`deepstep.propagation.backward` and :func:`deepstep.losses.l2_gradient`,
exactly what a training step computes, without an update.

The vector is packed as scikit-learn's MLP packs it (every layer's weights
as (n_in, n_out) row-major, i.e. ``W`` column-major, then every bias), so
the same starting point gives scipy the same vector in the same order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.optimize
from numpy.typing import NDArray

from ..losses import l2_gradient, l2_penalty, scaled_output_delta
from ..propagation import backward, forward
from .strategies import Network

__all__ = ["minimize_lbfgs", "pack", "unpack"]

Array = NDArray[np.floating]


def pack(weights: list[list[Array]]) -> Array:
    """The flat vector of ``[W, b]`` pairs: every ``W.T`` row-major, then every ``b``.

    Parameters
    ----------
    weights : list of [W, b]
        W of shape (n_out, n_in), b of shape (n_out, 1).

    Returns
    -------
    ndarray of shape (n_parameters,)
    """
    return np.concatenate([W.ravel(order="F") for W, _ in weights]
                          + [b.ravel() for _, b in weights])


def unpack(theta: Array, weights: list[list[Array]]) -> None:
    """Write the flat vector ``theta`` (see :func:`pack`) into ``weights``, in place.

    Parameters
    ----------
    theta : ndarray of shape (n_parameters,)
    weights : list of [W, b]
    """
    start = 0
    for W, _ in weights:
        W[...] = theta[start:start + W.size].reshape(W.shape, order="F")
        start += W.size
    for _, b in weights:
        b[...] = theta[start:start + b.size].reshape(b.shape)
        start += b.size


def _cost_and_gradient(theta: Array, net: Network, X: Array, Y: Array,
                       sample_weight: Array | None) -> tuple[float, Array]:
    """The engine's regularised cost at ``theta`` and its gradient, packed like ``theta``."""
    unpack(theta, net.weights)
    AL, caches = forward(X, net.weights, net.activations)
    # The L2 term is divided by the examples' total weight (their count
    # when unweighted), the denominator of the weighted mean cost.
    n = X.shape[1] if sample_weight is None else float(np.sum(sample_weight))
    cost = float(net.loss.cost(AL, Y, sample_weight)) + l2_penalty(net.weights, net.alpha, n)
    delta = scaled_output_delta(net.loss, AL, Y, sample_weight)
    grads = backward(delta, caches, net.activations, need_dA0=False, premeaned=True)
    pairs = []
    for l, (W, _) in enumerate(net.weights, start=1):
        l2_gradient(grads[f"dW{l}"], W, net.alpha, n)
        pairs.append([grads[f"dW{l}"], grads[f"db{l}"]])
    return cost, pack(pairs)


def minimize_lbfgs(net: Network, X: Array, Y: Array, sample_weight: Array | None = None, *,
                   max_iter: int, max_fun: int, tol: float) -> Any:
    """Minimise the network's cost on (X, Y) with scipy's L-BFGS-B; weights updated in place.

    Parameters
    ----------
    net : Network
        Its ``weights`` hold the starting point and receive the result.
    X : ndarray of shape (n_x, m)
    Y : ndarray of shape (n_y, m)
        In the weights' dtype.
    sample_weight : ndarray of shape (m,), optional
    max_iter : int
        scipy's ``maxiter``.
    max_fun : int
        scipy's ``maxfun`` (cost evaluations).
    tol : float
        scipy's ``gtol`` (projected gradient).

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``fun`` the final cost, ``nit`` the iterations, ``status`` and ``message``.
    """
    result = scipy.optimize.minimize(
        _cost_and_gradient, pack(net.weights), method="L-BFGS-B", jac=True,
        args=(net, X, Y, sample_weight),
        options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol})
    unpack(result.x, net.weights)
    return result
