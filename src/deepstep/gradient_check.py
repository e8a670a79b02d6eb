"""Gradient checking: backpropagation against centred finite differences.

For every parameter theta_i (every entry of every W[l] and b[l])::

    gradapprox_i = (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)

and the result is the relative error of the two gradient vectors::

    ||grad - gradapprox||_2 / (||grad||_2 + ||gradapprox||_2)

Well below 1e-7 means backpropagation is right; the centred difference's
own error is O(eps^2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_float_array, check_finite, check_positive_float
from .losses import _check_output_and_labels, compute_cost, get_loss
from .network import Network
from .propagation import L_model_backward, L_model_forward, check_parameters, resolve_activations

__all__ = ["gradcheck"]


def gradcheck(
    parameters: Mapping[str, ArrayLike],
    X: ArrayLike,
    Y: ArrayLike,
    activations: Sequence[str] | None = None,
    epsilon: float = 1e-6,
    loss: str | None = None,
    alpha: float = 0.0,
) -> float:
    """Relative error between ``L_model_backward`` and finite differences of ``compute_cost``.

    With ``loss`` (a key of ``deepstep.losses.LOSSES``) and/or ``alpha``, the
    training engine's gradient is checked instead: the loss's output-layer
    gradient, backpropagated, plus the L2 term ``(alpha / m) W``, against
    differences of the loss plus ``(alpha / (2 m)) sum ||W||^2``.

    Parameters
    ----------
    parameters : dict
        ``"W{l}"`` and ``"b{l}"`` as from ``initialize_parameters_deep``.
    X : ndarray of shape (n_x, m)
        Input data.
    Y : ndarray of shape (1, m)
        Binary labels.
    activations : sequence of str, optional
        One activation per layer (course default: relu ..., sigmoid).
    epsilon : float, default=1e-6
        Half-width of the centred difference.
    loss : str, optional
        Check the engine's gradient of this loss (default: the course's
        cross-entropy through ``L_model_backward``).
    alpha : float, default=0.0
        L2 regularisation strength (engine path).

    Returns
    -------
    float
        ``||grad - gradapprox|| / (||grad|| + ||gradapprox||)``; 0.0 when both
        gradients are exactly zero.

    Notes
    -----
    Everything is computed in float64 whatever the input dtype, since float32
    rounding alone would exceed the tolerances a gradient check looks for.
    The cost is evaluated 2 x (number of parameters) times: use small networks.
    ReLU is not differentiable at 0; a difference straddling a kink gives a
    larger error, which random data avoids with probability one.
    """
    func = "gradcheck"
    epsilon = check_positive_float(epsilon, "epsilon", func=func)
    X = as_float_array(X, "X", func=func).astype(np.float64)
    check_finite(X, "X", func=func)
    weights = check_parameters(parameters, X.shape[0], func)
    params = {}
    for l, (W, b) in enumerate(weights, start=1):
        params[f"W{l}"] = W.astype(np.float64)
        params[f"b{l}"] = b.astype(np.float64)
    if loss is None and alpha == 0:
        grads, cost = _course_gradient(params, X, Y, activations)
    else:
        grads, cost = _engine_gradient(params, X, Y, activations, loss, alpha)
    analytic, numeric = [], []
    for key in params:
        analytic.append(grads["d" + key].ravel())
        numeric.append(_centred_differences(params, key, cost, epsilon).ravel())
    grad, gradapprox = np.concatenate(analytic), np.concatenate(numeric)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(grad - gradapprox) / denominator)


def _course_gradient(params: dict, X: Any, Y: Any, activations: Any) -> tuple[dict, Any]:
    """``L_model_backward``'s gradient and ``compute_cost`` as a function of the parameters."""
    AL, caches = L_model_forward(X, params, activations)
    _, Yc = _check_output_and_labels(AL, Y, "gradcheck")
    grads = L_model_backward(AL, Yc, caches, activations)

    def cost(p: dict) -> float:
        return float(compute_cost(L_model_forward(X, p, activations)[0], Yc))
    return grads, cost


def _engine_gradient(params: dict, X: Any, Y: Any, activations: Any, loss: str | None,
                     alpha: float) -> tuple[dict, Any]:
    """The training engine's gradient (``Network.loss_and_gradient``) and its cost.

    ``params`` becomes the network's views: the centred differences perturb
    the network itself, and its cost (the same method, without the
    gradient) is evaluated at each perturbation.
    """
    func = "gradcheck"
    spec = get_loss(loss or "binary_cross_entropy", func=func)
    acts = resolve_activations(activations, len(params) // 2, func)
    Yc = as_float_array(Y, "Y", func=func).astype(np.float64)
    net = Network.from_parameters(params, acts, spec, alpha=alpha)
    _, grad = net.loss_and_gradient(X, Yc, check_finite=False)
    grads = {key: value.copy() for key, value in grad.views.items()}
    params.clear()
    params.update(net.parameters)

    def cost(p: dict) -> float:
        return float(net.loss_and_gradient(X, Yc, need_gradient=False)[0])
    return grads, cost


def _centred_differences(params: dict, key: str, cost: Any, epsilon: float) -> Any:
    """``(J(theta + eps) - J(theta - eps)) / (2 eps)`` for every entry of ``params[key]``."""
    theta = params[key]
    approx = np.empty_like(theta)
    for idx in np.ndindex(theta.shape):
        original = theta[idx]
        theta[idx] = original + epsilon
        plus = cost(params)
        theta[idx] = original - epsilon
        minus = cost(params)
        theta[idx] = original
        approx[idx] = (plus - minus) / (2 * epsilon)
    return approx
