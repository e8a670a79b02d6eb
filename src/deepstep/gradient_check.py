"""Gradient checking: backpropagation against centred finite differences.

For every parameter theta_i (every entry of every W[l] and b[l])::

    gradapprox_i = (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)

and the result is the relative error of the two gradient vectors::

    ||grad - gradapprox||_2 / (||grad||_2 + ||gradapprox||_2)

Well below 1e-7 means backpropagation is right; the centred difference's
own error is O(eps^2).

ReLU is not differentiable at 0. Where a pre-activation sits within the
difference's reach of 0 (the issue-23 case: a dead first layer and zero
biases put every ``Z2`` exactly on the kink), the two one-sided slopes
differ and the check reports a large error for a correct backpropagation.
:func:`gradcheck_details` finds those pre-activations, says how many there
are, and checks again at a point moved slightly away from them (the kinked
layers' biases shifted by about ``1000 epsilon``), reporting both errors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_float_array, check_finite, check_positive_float
from .losses import _check_output_and_labels, compute_cost, get_loss
from .network import Network
from .propagation import (
    L_model_backward,
    L_model_forward,
    check_parameters,
    forward,
    resolve_activations,
)

__all__ = ["GradcheckResult", "gradcheck", "gradcheck_details", "kinks"]

#: Activations with a kink at 0 (one-sided slopes that differ).
KINKED = ("relu", "leaky_relu")


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
    larger error for a correct backpropagation (a dead layer with zero
    biases puts the next layer's pre-activations exactly there):
    :func:`gradcheck_details` finds such kinks and checks again away from them.
    """
    func = "gradcheck"
    epsilon = check_positive_float(epsilon, "epsilon", func=func)
    X, params = _inputs(parameters, X, func)
    return _relative_error(params, X, Y, activations, epsilon, loss, alpha, None)


def _inputs(parameters: Any, X: Any, func: str) -> tuple[Any, dict]:
    """X and the parameters as float64 copies, checked."""
    X = as_float_array(X, "X", func=func).astype(np.float64)
    check_finite(X, "X", func=func)
    weights = check_parameters(parameters, X.shape[0], func)
    params = {}
    for l, (W, b) in enumerate(weights, start=1):
        params[f"W{l}"] = W.astype(np.float64)
        params[f"b{l}"] = b.astype(np.float64)
    return X, params


def _relative_error(params: dict, X: Any, Y: Any, activations: Any, epsilon: float,
                    loss: str | None, alpha: float, max_parameters: int | None) -> float:
    """The relative error over every parameter, or about ``max_parameters`` evenly spaced."""
    if loss is None and alpha == 0:
        grads, cost = _course_gradient(params, X, Y, activations)
    else:
        grads, cost = _engine_gradient(params, X, Y, activations, loss, alpha)
    total = sum(p.size for p in params.values())
    analytic, numeric = [], []
    for key in params:
        size = params[key].size
        if max_parameters is None or total <= max_parameters:
            which = None
        else:  # evenly spaced entries of each array, in proportion to its size
            count = max(1, round(max_parameters * size / total))
            which = np.unique(np.linspace(0, size - 1, count).round().astype(np.intp))
        g = grads["d" + key].ravel()
        analytic.append(g if which is None else g[which])
        numeric.append(_centred_differences(params, key, cost, epsilon, which).ravel())
    grad, gradapprox = np.concatenate(analytic), np.concatenate(numeric)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(grad - gradapprox) / denominator)


@dataclass(frozen=True)
class GradcheckResult:
    """What :func:`gradcheck_details` found.

    Attributes
    ----------
    error : float
        The relative error at the given parameters (what :func:`gradcheck` returns).
    kinks : dict of int to int
        Per layer (1-based) with a kinked activation, the number of
        pre-activations within the difference's reach of 0.
    error_away : float or None
        The relative error again at the point moved off the kinks (None
        when there were none).
    shift : float
        How far the kinked layers' biases were moved (0.0 when not).
    kinks_away : dict of int to int
        The kinks left at the moved point.
    """

    error: float
    kinks: dict[int, int] = field(default_factory=dict)
    error_away: float | None = None
    shift: float = 0.0
    kinks_away: dict[int, int] = field(default_factory=dict)

    @property
    def n_kinks(self) -> int:
        """Pre-activations on a kink at the given parameters, over every layer."""
        return sum(self.kinks.values())


def kinks(parameters: Mapping[str, ArrayLike], X: ArrayLike,
          activations: Sequence[str] | None = None, epsilon: float = 1e-6
          ) -> dict[int, int]:
    """Per kinked layer, the pre-activations a centred difference of ``epsilon`` can cross.

    A pre-activation ``Z[l]`` entry counts when ``|Z| <= 10 epsilon
    max(1, max |A[l-1]|)``: a step of epsilon in one weight moves it by up
    to ``epsilon |A[l-1]|``, and in an earlier layer by about as much again
    through the layers between (the factor 10 leaves room for that).

    Parameters
    ----------
    parameters : dict
        ``"W{l}"`` and ``"b{l}"``.
    X : ndarray of shape (n_x, m)
    activations : sequence of str, optional
        One per layer (course default: relu ..., sigmoid).
    epsilon : float, default=1e-6

    Returns
    -------
    dict of int to int
        Layer (1-based) -> count, for the layers with a kinked activation
        (ReLU, leaky ReLU) and at least one such entry.
    """
    func = "kinks"
    epsilon = check_positive_float(epsilon, "epsilon", func=func)
    X, params = _inputs(parameters, X, func)
    weights = [(params[f"W{l}"], params[f"b{l}"]) for l in range(1, len(params) // 2 + 1)]
    acts = resolve_activations(activations, len(weights), func)
    _, caches = forward(X, weights, acts)
    found = {}
    for l, (((A_prev, _, _), Z), act) in enumerate(zip(caches, acts, strict=True), start=1):
        if act.name in KINKED:
            reach = 10 * epsilon * max(1.0, float(np.max(np.abs(A_prev), initial=0.0)))
            count = int(np.count_nonzero(np.abs(Z) <= reach))
            if count:
                found[l] = count
    return found


def gradcheck_details(
    parameters: Mapping[str, ArrayLike],
    X: ArrayLike,
    Y: ArrayLike,
    activations: Sequence[str] | None = None,
    epsilon: float = 1e-6,
    loss: str | None = None,
    alpha: float = 0.0,
    *,
    max_parameters: int | None = None,
) -> GradcheckResult:
    """:func:`gradcheck`, and where pre-activations sit on ReLU's kink, again away from them.

    Parameters
    ----------
    parameters, X, Y, activations, epsilon, loss, alpha
        As :func:`gradcheck`.
    max_parameters : int, optional
        Check about this many parameters, evenly spaced through each array
        (all by default): a large network's check in a bounded time.

    Returns
    -------
    GradcheckResult
        The error; the kinks per layer (see :func:`kinks`); when there are
        any, the error at a point whose kinked layers' biases are moved by
        ``shift = max(1000 epsilon, 1e-4)`` (half up, half down, in a fixed
        alternating pattern), where a correct backpropagation's error is
        small again.
    """
    func = "gradcheck_details"
    epsilon = check_positive_float(epsilon, "epsilon", func=func)
    if max_parameters is not None and (isinstance(max_parameters, bool) or not isinstance(
            max_parameters, (int, np.integer)) or max_parameters < 1):
        raise ValueError(f"{func}: max_parameters must be an int >= 1 or None, got "
                         f"{max_parameters!r}")
    X, params = _inputs(parameters, X, func)
    found = kinks(params, X, activations, epsilon)
    error = _relative_error(dict(params), X, Y, activations, epsilon, loss, alpha,
                            max_parameters)
    if not found:
        return GradcheckResult(error)
    shift = max(1000 * epsilon, 1e-4)
    moved = {k: v.copy() for k, v in params.items()}
    for l in found:
        b = moved[f"b{l}"]
        signs = np.where(np.arange(b.size) % 2 == 0, 1.0, -1.0).reshape(b.shape)
        b += shift * signs
    left = kinks(moved, X, activations, epsilon)
    away = _relative_error(moved, X, Y, activations, epsilon, loss, alpha, max_parameters)
    return GradcheckResult(error, found, away, shift, left)


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


def _centred_differences(params: dict, key: str, cost: Any, epsilon: float,
                         which: Any = None) -> Any:
    """``(J(theta + eps) - J(theta - eps)) / (2 eps)`` for the entries of ``params[key]``.

    Every entry, in order, or the flat indices ``which`` (a 1-D result).
    """
    theta = params[key]
    if which is None:
        approx = np.empty_like(theta)
        indices = list(np.ndindex(theta.shape))
    else:
        approx = np.empty(len(which))
        indices = [np.unravel_index(i, theta.shape) for i in which]
    for n, idx in enumerate(indices):
        out = idx if which is None else n
        original = theta[idx]
        theta[idx] = original + epsilon
        plus = cost(params)
        theta[idx] = original - epsilon
        minus = cost(params)
        theta[idx] = original
        approx[out] = (plus - minus) / (2 * epsilon)
    return approx
