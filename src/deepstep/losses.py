"""Cost functions and their derivatives with respect to the network's output.

Registered losses (:data:`LOSSES`), each with the output activation it is
paired with:

* ``binary_cross_entropy`` with ``sigmoid``: two classes, or several
  independent labels (multi-label, one sigmoid per output row);
* ``categorical_cross_entropy`` with ``softmax``: several exclusive classes;
* ``squared_error`` with ``identity``: regression, ``J = (1/m) sum ||a - y||^2 / 2``;
* ``poisson`` with ``exp`` (a log link): counts or rates ``y >= 0``, the half
  Poisson deviance ``J = (1/m) sum [y log(y / a) - y + a]``;
* ``absolute_error``, ``huber`` and ``quantile`` with ``identity``: robust
  regression and conditional quantiles, ``J = (1/m) sum rho(a - y)`` with
  ``rho(r) = |r|``; ``r^2 / 2`` for ``|r| <= delta``, ``delta (|r| - delta / 2)``
  beyond; the pinball loss ``max(q (y - a), (q - 1) (y - a))``. Their
  parameters: :func:`huber_loss` and :func:`quantile_loss` (the registered
  ``huber`` has ``delta=1``, ``quantile`` the median, ``q=0.5``).

The course's cost is the binary cross-entropy (equation 7 of the seeds)::

    J = -(1/m) sum_i [ y(i) log a(i) + (1 - y(i)) log(1 - a(i)) ]

and its derivative with respect to AL is
``dAL = -(Y / AL - (1 - Y) / (1 - AL))``.

Numerical safety
----------------
A sigmoid output can round to exactly 0 or 1 (for float64 once |Z| > ~37),
where ``log`` and the divisions above return -inf or divide by zero. Like
scikit-learn's ``log_loss``, probabilities are clipped to
``[eps, 1 - eps]`` with ``eps = np.finfo(AL.dtype).eps`` before the logarithm
and the division, so the cost stays finite (at most ``-log(eps)``, about 36 in
float64 and 16 in float32) and no RuntimeWarning is raised. Values inside
``[eps, 1 - eps]`` are used exactly as given, so ordinary costs are unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._backend import astype, is_foreign, namespace, squared_norm
from ._validation import as_float_array, check_binary_labels, check_finite, finite_result

__all__ = [
    "LOSSES",
    "Loss",
    "binary_cross_entropy_backward",
    "compute_cost",
    "get_loss",
    "huber_loss",
    "l2_decay",
    "l2_gradient",
    "l2_penalty",
    "quantile_loss",
    "scaled_output_delta",
]

Array = NDArray[np.floating]


@finite_result("compute_cost")
def compute_cost(AL: ArrayLike, Y: ArrayLike) -> np.floating:
    """Cross-entropy cost, equation (7) of the seeds.

    Parameters
    ----------
    AL : ndarray of shape (1, m)
        Predicted probabilities, each in [0, 1] (the output of ``L_model_forward``).
    Y : ndarray of shape (1, m), or (m,)
        True labels, each 0 or 1.

    Returns
    -------
    cost : numpy floating scalar of AL's dtype
        The mean cross-entropy (a ``np.float64`` is also a Python ``float``).

    Notes
    -----
    AL is clipped to ``[eps, 1 - eps]`` (see the module documentation), so an
    output of exactly 0 or 1 gives a large but finite cost.
    """
    AL, Y = _check_output_and_labels(AL, Y, "compute_cost")
    xp = namespace(AL)
    if bool(xp.any((AL < 0) | (AL > 1))):
        raise ValueError(
            f"compute_cost: AL must hold probabilities in [0, 1], got values in "
            f"[{float(xp.min(AL))!r}, {float(xp.max(AL))!r}]"
        )
    return _binary_cross_entropy(AL, Y)


def _mean(per_example: Array, m: int, sample_weight: Array | None) -> Any:
    """(1/m) sum over examples, or the sample_weight-weighted average."""
    xp = namespace(per_example)
    if sample_weight is None:
        # -(1/m) * sum in the course's order of operations, so the printed
        # digits of the seeds come out exactly.
        return (1.0 / m) * xp.sum(per_example)
    return xp.sum(per_example * sample_weight) / xp.sum(sample_weight)


def _scalar(cost: Any, AL: Array) -> Any:
    # A NumPy scalar of AL's dtype, or a Python float for other libraries
    # (one device-to-host transfer per cost on a GPU).
    return float(cost) if is_foreign(AL) else AL.dtype.type(cost)


def _binary_cross_entropy(AL: Array, Y: Array, sample_weight: Array | None = None
                          ) -> np.floating:
    # One or several independent sigmoid outputs (multi-label): summed over
    # the rows, averaged over the examples.
    xp = namespace(AL)
    eps = float(xp.finfo(AL.dtype).eps)
    # np.clip's and np.sum's Python wrappers cost more than the arithmetic on a
    # (1, m) output (the full-batch cat model computes this every iteration):
    # on NumPy the ufuncs they call do it.
    foreign = is_foreign(AL)
    P = xp.clip(AL, eps, 1 - eps) if foreign else np.minimum(np.maximum(AL, eps), 1 - eps)
    if sample_weight is None:
        terms = Y * xp.log(P) + (1 - Y) * xp.log1p(-P)
        cost = (-1.0 / AL.shape[1]) * (xp.sum(terms) if foreign
                                       else np.add.reduce(terms, axis=None))
    else:
        per_example = -xp.sum(Y * xp.log(P) + (1 - Y) * xp.log1p(-P), axis=0)
        cost = _mean(per_example, AL.shape[1], sample_weight)
    return _scalar(cost, AL)


def _categorical_cross_entropy(AL: Array, Y: Array, sample_weight: Array | None = None
                               ) -> np.floating:
    # J = -(1/m) sum_i sum_k y_k(i) log a_k(i), with a clipped to [eps, 1].
    xp = namespace(AL)
    eps = float(xp.finfo(AL.dtype).eps)
    if sample_weight is None and not is_foreign(AL):
        # Every mini-batch computes this: on NumPy the ufuncs themselves, in
        # one temporary, without np.clip's and np.sum's Python wrappers (more
        # than the arithmetic on a 10 x 128 output). The same sums in the same
        # order as below: per example, then over the examples.
        P = np.maximum(AL, eps)
        np.minimum(P, 1.0, out=P)
        np.log(P, out=P)
        P *= Y
        return _scalar((-1.0 / AL.shape[1]) * np.add.reduce(np.add.reduce(P, axis=0)), AL)
    per_example = -xp.sum(Y * xp.log(xp.clip(AL, eps, 1.0)), axis=0)
    return _scalar(_mean(per_example, AL.shape[1], sample_weight), AL)


def _squared_error(AL: Array, Y: Array, sample_weight: Array | None = None) -> np.floating:
    # J = (1/m) sum_i (1/2) ||a(i) - y(i)||^2, scikit-learn's convention.
    per_example = 0.5 * namespace(AL).sum((AL - Y) ** 2, axis=0)
    return _scalar(_mean(per_example, AL.shape[1], sample_weight), AL)


def _poisson(AL: Array, Y: Array, sample_weight: Array | None = None) -> np.floating:
    # J = (1/m) sum_i sum_k [y log(y / a) - y + a] (scikit-learn's MLPRegressor's
    # "poisson": half the deviance, with the constant y log y - y kept so a
    # perfect fit costs 0). y log y is 0 at y = 0 (the limit, scipy's xlogy);
    # a = exp(z) may underflow to 0, so log a is taken of a clipped to the
    # dtype's smallest normal number: the cost stays finite and is unchanged
    # wherever a is representable.
    xp = namespace(AL)
    tiny = float(xp.finfo(AL.dtype).smallest_normal)
    y_log_y = Y * xp.log(xp.where(Y > 0, Y, 1.0))
    per_example = xp.sum(y_log_y - Y * xp.log(xp.clip(AL, tiny, None)) - Y + AL, axis=0)
    return _scalar(_mean(per_example, AL.shape[1], sample_weight), AL)


def _squared_error_per_output(AL: Array, Y: Array, sample_weight: Array | None = None
                              ) -> np.floating:
    # scikit-learn's MLPRegressor reports the squared loss averaged over the
    # outputs as well: (1/(2 m n_L)) sum ||a(i) - y(i)||^2, while its gradient
    # is that of the per-example sum (output_delta = AL - Y, as squared_error).
    # With one output the two costs are the same numbers.
    per_example = 0.5 * namespace(AL).sum((AL - Y) ** 2, axis=0)
    if AL.shape[0] != 1:
        per_example = per_example / AL.shape[0]
    return _scalar(_mean(per_example, AL.shape[1], sample_weight), AL)


@finite_result("binary_cross_entropy_backward")
def binary_cross_entropy_backward(AL: ArrayLike, Y: ArrayLike) -> Array:
    """Derivative of the cross-entropy cost with respect to AL (before the 1/m).

    ``dAL = -(Y / AL - (1 - Y) / (1 - AL))``, as in the course's
    ``L_model_backward``; on that course path the 1/m of the mean is applied
    by ``linear_backward`` (equations 8 and 9).

    Parameters
    ----------
    AL : ndarray of shape (1, m)
        Output of the forward pass.
    Y : ndarray of shape (1, m), or (m,)
        True labels, each 0 or 1.

    Returns
    -------
    dAL : ndarray of shape (1, m)

    Notes
    -----
    Values of AL inside [0, 1] are clipped to ``[eps, 1 - eps]`` so that an
    output of exactly 0 or 1 gives a finite gradient. Values outside [0, 1]
    are not probabilities and are used as given (the course's own test case
    for ``L_model_backward`` feeds such values and prints the result).
    """
    AL, Y = _check_output_and_labels(AL, Y, "L_model_backward")
    return _binary_cross_entropy_backward(AL, Y)


def _binary_cross_entropy_backward(AL: Array, Y: Array) -> Array:
    xp = namespace(AL)
    eps = float(xp.finfo(AL.dtype).eps)
    inside = (AL >= 0) & (AL <= 1)
    P = xp.where(inside, xp.clip(AL, eps, 1 - eps), AL)
    return -(Y / P - (1 - Y) / (1 - P))


def _check_output_and_labels(AL: Any, Y: Any, func: str, *, binary: bool = True
                             ) -> tuple[Array, Array]:
    # binary=False: the course's application computes with any finite Y
    # (its grader draws Y with randn); the caller warns.
    AL = as_float_array(AL, "AL", func=func)
    Y = as_float_array(Y, "Y", ndim=None, func=func)
    if Y.shape != AL.shape:
        # The course reshapes a label vector of length m to AL's (1, m).
        if Y.ndim == 1 and AL.shape[0] == 1 and Y.shape[0] == AL.shape[1]:
            Y = Y.reshape(AL.shape)
        else:
            raise ValueError(
                f"{func}: Y must have the same shape as AL {AL.shape} (or be a vector of "
                f"length m = {AL.shape[1]}), got Y of shape {Y.shape}"
            )
    if AL.shape[1] == 0:
        raise ValueError(f"{func}: AL and Y must hold at least one example, got m = 0")
    check_finite(AL, "AL", func=func)
    if binary:
        check_binary_labels(Y, "Y", func=func)
    else:
        check_finite(Y, "Y", func=func)
    return AL, astype(Y, AL.dtype, copy=False)


def _output_minus_target(AL: Array, Y: Array, sample_weight: Array | None = None) -> Array:
    # With each loss's matching output activation (sigmoid for binary
    # cross-entropy, softmax for categorical, identity for squared error, exp
    # for Poisson: d/dz [exp(z) - y z] = exp(z) - y),
    # dZ[L] = dAL * g'(Z[L]) simplifies exactly to AL - Y: no division, so it
    # stays exact when AL saturates at 0 or 1.
    delta = AL - Y
    if sample_weight is not None:
        # The 1/m comes later (scaled_output_delta); the weighted mean divides
        # by sum(w) instead, so the weights are rescaled by m / sum(w) here.
        delta *= sample_weight * (AL.shape[1] / namespace(AL).sum(sample_weight))
    return delta


def _weighted(delta: Array, sample_weight: Array | None) -> Array:
    # The weighted mean divides by sum(w), not m: the weights rescaled by
    # m / sum(w), as _output_minus_target does (the 1/m comes later).
    if sample_weight is not None:
        delta *= sample_weight * (delta.shape[1] / namespace(delta).sum(sample_weight))
    return delta


def _absolute_error(AL: Array, Y: Array, sample_weight: Array | None = None) -> np.floating:
    # J = (1/m) sum_i sum_k |a - y| (scikit-learn's "absolute_error" elsewhere).
    per_example = namespace(AL).sum(abs(AL - Y), axis=0)
    return _scalar(_mean(per_example, AL.shape[1], sample_weight), AL)


def _absolute_error_delta(AL: Array, Y: Array, sample_weight: Array | None = None) -> Array:
    # dJ/da = sign(a - y) (0 where a == y, a subgradient), times m.
    return _weighted(namespace(AL).sign(AL - Y), sample_weight)


def huber_loss(delta: float = 1.0) -> Loss:
    """The Huber loss with threshold ``delta``, paired with an identity output.

    Per output, ``rho(r) = r^2 / 2`` for ``|r| <= delta`` and
    ``delta (|r| - delta / 2)`` beyond, with ``r = a - y``; the cost is its
    sum over the outputs, averaged over the examples. Its derivative is
    ``clip(r, -delta, delta)``.

    Parameters
    ----------
    delta : float, default=1.0
        Where the square becomes linear (> 0).

    Returns
    -------
    Loss
        Named ``"huber"``.
    """
    if not (isinstance(delta, (int, float, np.floating, np.integer)) and delta > 0):
        raise ValueError(f"huber_loss: delta must be a number > 0, got {delta!r}")
    d = float(delta)

    def cost(AL: Array, Y: Array, sample_weight: Array | None = None) -> np.floating:
        xp = namespace(AL)
        r = abs(AL - Y)
        per_example = xp.sum(xp.where(r <= d, 0.5 * r * r, d * (r - 0.5 * d)), axis=0)
        return _scalar(_mean(per_example, AL.shape[1], sample_weight), AL)

    def output_delta(AL: Array, Y: Array, sample_weight: Array | None = None) -> Array:
        return _weighted(namespace(AL).clip(AL - Y, -d, d), sample_weight)

    return Loss("huber", "identity", cost, output_delta)


def quantile_loss(quantile: float = 0.5) -> Loss:
    """The pinball loss of the ``quantile`` level, paired with an identity output.

    Per output, ``rho = q (y - a)`` where ``y >= a`` and ``(1 - q) (a - y)``
    where ``y < a``: minimised by the conditional q-quantile. The cost is its
    sum over the outputs, averaged over the examples; its derivative in a is
    ``-q`` where ``y > a``, ``1 - q`` elsewhere (scikit-learn's
    HistGradientBoosting's choice at ``y == a``).

    Parameters
    ----------
    quantile : float, default=0.5
        The level q, strictly between 0 and 1.

    Returns
    -------
    Loss
        Named ``"quantile"``.
    """
    if not (isinstance(quantile, (int, float, np.floating, np.integer)) and 0 < quantile < 1):
        raise ValueError(f"quantile_loss: quantile must be a number in (0, 1), got {quantile!r}")
    q = float(quantile)

    def cost(AL: Array, Y: Array, sample_weight: Array | None = None) -> np.floating:
        xp = namespace(AL)
        r = Y - AL
        per_example = xp.sum(xp.where(r >= 0, q * r, (q - 1.0) * r), axis=0)
        return _scalar(_mean(per_example, AL.shape[1], sample_weight), AL)

    def output_delta(AL: Array, Y: Array, sample_weight: Array | None = None) -> Array:
        xp = namespace(AL)
        return _weighted(astype(xp.where(Y > AL, -q, 1.0 - q), AL.dtype, copy=False),
                         sample_weight)

    return Loss("quantile", "identity", cost, output_delta)


class Loss(NamedTuple):
    """A cost function paired with the output activation it is the natural loss for.

    ``cost(AL, Y, sample_weight=None)`` is the mean cost (the weighted mean
    when per-example weights of shape (m,) are given); ``output_delta(AL, Y,
    sample_weight=None)`` is ``m * dJ/dZ[L]`` for that output activation. The
    1/m is not in it: :func:`scaled_output_delta` applies it for training.
    """

    name: str
    output_activation: str
    cost: Callable[..., np.floating]
    output_delta: Callable[..., Array]


#: Losses by name.
LOSSES: dict[str, Loss] = {
    "binary_cross_entropy": Loss(
        "binary_cross_entropy", "sigmoid", _binary_cross_entropy, _output_minus_target
    ),
    "categorical_cross_entropy": Loss(
        "categorical_cross_entropy", "softmax", _categorical_cross_entropy, _output_minus_target
    ),
    "squared_error": Loss("squared_error", "identity", _squared_error, _output_minus_target),
    # scikit-learn's MLPRegressor convention (see _squared_error_per_output):
    # the same gradient, the cost reported per output.
    "squared_error_per_output": Loss("squared_error_per_output", "identity",
                                     _squared_error_per_output, _output_minus_target),
    "poisson": Loss("poisson", "exp", _poisson, _output_minus_target),
    "absolute_error": Loss("absolute_error", "identity", _absolute_error,
                           _absolute_error_delta),
}
LOSSES["huber"] = huber_loss(1.0)
LOSSES["quantile"] = quantile_loss(0.5)


def get_loss(name: Any, *, func: str = "") -> Loss:
    """Look up a loss by name, with a clear error for unknown names.

    Parameters
    ----------
    name : str
        A key of :data:`LOSSES`.
    func : str
        Name of the caller, used in the error message.

    Returns
    -------
    Loss
    """
    prefix = f"{func}: " if func else ""
    if isinstance(name, str) and name in LOSSES:
        return LOSSES[name]
    raise ValueError(
        f"{prefix}unknown loss {name!r}; expected one of {', '.join(map(repr, LOSSES))}"
    )


def scaled_output_delta(loss: Loss, AL: Array, Y: Array, sample_weight: Array | None = None,
                        *, m: int | None = None, scale: float = 1.0) -> Array:
    """``scale * dJ/dZ[L]`` of the mean cost: where training applies the 1/m, once.

    The course's path divides every ``dW`` and ``db`` by m in
    ``linear_backward`` (equations 8 and 9). Backpropagation is linear in the
    output delta, so every training path instead multiplies the output
    layer's n_L x m delta by ``scale / m`` here and calls
    ``backward(..., premeaned=True)``: each layer's gradient then comes out
    already averaged (and, with ``scale`` the learning rate of plain gradient
    descent, already the step ``lr * dW``).

    Parameters
    ----------
    loss : Loss
    AL : ndarray of shape (n_L, k)
        The network's output for k examples.
    Y : ndarray of shape (n_L, k)
    sample_weight : ndarray of shape (k,), optional
    m : int, optional
        The number of examples the cost averages over (default k; the whole
        data set's size when the k examples are one block of it).
    scale : float, default=1.0
        A further factor (the learning rate, when it is folded in).

    Returns
    -------
    delta : ndarray of shape (n_L, k)
    """
    delta = loss.output_delta(AL, Y, sample_weight)
    delta *= scale / (AL.shape[1] if m is None else m)
    return delta


def l2_penalty(weights: Any, alpha: float, m: int, *, squares: float | None = None) -> float:
    """L2 regularisation of the weights (not the biases): ``(alpha / (2 m)) sum_l ||W[l]||^2``.

    This is the course's (and scikit-learn's MLP's) scaling; its gradient,
    added to each ``dW[l]``, is ``(alpha / m) W[l]`` (:func:`l2_gradient`).

    Parameters
    ----------
    weights : sequence of (W, b) pairs
    alpha : float
        Regularisation strength lambda >= 0.
    m : int
        Number of examples the cost averages over.
    squares : float, optional
        ``sum_l ||W[l]||^2`` when the caller knows it without the weights
        (the Gram-matrix path tracks ``||W1||^2`` without forming W1).

    Returns
    -------
    float
    """
    if alpha == 0:
        return 0.0
    if squares is None:
        squares = sum(squared_norm(W) for W, _ in weights)
    return alpha / (2 * m) * squares


def l2_gradient(dW: Array, W: Array, alpha: float, m: int, scale: float = 1.0) -> None:
    """Add the L2 term's gradient to ``dW`` in place: ``dW += scale (alpha / m) W``.

    Parameters
    ----------
    dW : ndarray of shape (n_l, n_prev)
        The cost's gradient (already times ``scale``, if folded).
    W : ndarray of shape (n_l, n_prev)
    alpha : float
    m : int
    scale : float, default=1.0
        The factor ``dW`` already carries (the folded learning rate).
    """
    if alpha:
        dW += (scale * alpha / m) * W


def l2_decay(alpha: float, m: int, scale: float) -> float:
    """The L2 gradient as a decay: ``W - s (dW + (alpha/m) W) = gamma W - s dW``.

    ``gamma = 1 - s alpha / m`` is :func:`l2_gradient`'s term reordered, for
    an update that never forms W (the Gram-matrix path scales W1 implicitly).

    Parameters
    ----------
    alpha : float
    m : int
    scale : float
        The step size s (the learning rate of plain gradient descent).

    Returns
    -------
    gamma : float
    """
    return 1.0 - scale * alpha / m
