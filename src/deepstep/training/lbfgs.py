"""Full-batch L-BFGS-B (scipy) on the engine's cost and gradient.

A quasi-Newton solver needs the cost and gradient as functions of one flat
parameter vector; this unit is that adapter and nothing more. Each call
unpacks the vector into the network's ``[W, b]`` views and runs
:meth:`deepstep.network.Network.loss_and_gradient` once, exactly what a
training step computes, without an update. The L2 term is divided by the
examples' total weight when the network says so (``l2_per_weight``, as the
MLP estimators build it).

The vector is packed as scikit-learn's MLP packs it (every layer's weights
as (n_in, n_out) row-major, i.e. ``W`` column-major, then every bias), so
the same starting point gives scipy the same vector in the same order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.optimize
from numpy.typing import NDArray

from ..network import Network

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
    cost, grad = net.loss_and_gradient(X, Y, sample_weight, check_finite=False)
    return float(cost), pack(grad.pairs)


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
