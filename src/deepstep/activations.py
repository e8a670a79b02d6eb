"""Activation functions, each forward beside its backward.

Every forward ``g(Z)`` returns ``(A, cache)`` where the cache is ``Z`` itself,
and every backward takes exactly that cache: ``dZ = g_backward(dA, Z)``
computes ``dZ = dA * g'(Z)`` (the seeds' equation ``dZ[l] = dA[l] * g'(Z[l])``).

The functions are registered by name in :data:`ACTIVATIONS`, which is what
``linear_activation_forward(..., activation="relu")`` looks up.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_float_array

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "get_activation",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
]

Array = NDArray[np.floating]


def _expit(Z: Array) -> Array:
    """Numerically stable logistic function 1 / (1 + exp(-Z)).

    ``exp(-|Z|)`` lies in (0, 1], so it never overflows, and for Z < 0 the
    algebraically equal form exp(Z) / (1 + exp(Z)) keeps full precision
    instead of rounding 1 + exp(-Z) to infinity (the course's form warns of
    overflow at Z = -1000).
    """
    E = np.exp(-np.abs(Z))
    S = 1.0 / (1.0 + E)
    return np.where(Z >= 0, S, E * S)


def sigmoid(Z: ArrayLike) -> tuple[Array, Array]:
    """Sigmoid activation, A = 1 / (1 + exp(-Z)).

    Parameters
    ----------
    Z : ndarray of any shape, e.g. (n_l, m)
        Pre-activation values.

    Returns
    -------
    A : ndarray of the same shape and dtype as Z
        Activations in [0, 1].
    cache : ndarray
        ``Z`` itself, kept for :func:`sigmoid_backward`.
    """
    Z = as_float_array(Z, "Z", ndim=None, func="sigmoid")
    return _expit(Z), Z


def sigmoid_backward(dA: ArrayLike, cache: ArrayLike) -> Array:
    """Backward pass of :func:`sigmoid`, dZ = dA * s * (1 - s) with s = sigmoid(Z).

    Parameters
    ----------
    dA : ndarray of shape (n_l, m)
        Gradient of the cost with respect to the activations A.
    cache : ndarray of shape (n_l, m)
        The ``Z`` returned by :func:`sigmoid`.

    Returns
    -------
    dZ : ndarray of shape (n_l, m)
        Gradient of the cost with respect to Z.
    """
    dA, Z = _check_backward_pair(dA, cache, "sigmoid_backward")
    s = _expit(Z)
    return dA * s * (1.0 - s)


def relu(Z: ArrayLike) -> tuple[Array, Array]:
    """Rectified linear unit, A = max(0, Z).

    Parameters
    ----------
    Z : ndarray of any shape, e.g. (n_l, m)
        Pre-activation values.

    Returns
    -------
    A : ndarray of the same shape and dtype as Z
    cache : ndarray
        ``Z`` itself, kept for :func:`relu_backward`.
    """
    Z = as_float_array(Z, "Z", ndim=None, func="relu")
    return np.maximum(Z, 0), Z


def relu_backward(dA: ArrayLike, cache: ArrayLike) -> Array:
    """Backward pass of :func:`relu`: dZ = dA where Z > 0, and 0 where Z <= 0.

    Parameters
    ----------
    dA : ndarray of shape (n_l, m)
        Gradient of the cost with respect to the activations A.
    cache : ndarray of shape (n_l, m)
        The ``Z`` returned by :func:`relu`.

    Returns
    -------
    dZ : ndarray of shape (n_l, m)
        Gradient of the cost with respect to Z (a new array; dA is untouched).
    """
    dA, Z = _check_backward_pair(dA, cache, "relu_backward")
    # The course's convention: the derivative at Z == 0 is taken as 0.
    return np.where(Z > 0, dA, 0).astype(np.result_type(dA, Z), copy=False)


def _check_backward_pair(dA: Any, cache: Any, func: str) -> tuple[Array, Array]:
    dA = as_float_array(dA, "dA", ndim=None, func=func)
    Z = as_float_array(cache, "cache (Z)", ndim=None, func=func)
    if dA.shape != Z.shape:
        raise ValueError(
            f"{func}: dA and the cached Z must have the same shape, "
            f"got dA of shape {dA.shape} and Z of shape {Z.shape}"
        )
    return dA, Z


class Activation(NamedTuple):
    """A registered activation: its forward ``(Z) -> (A, Z)`` and backward ``(dA, Z) -> dZ``."""

    forward: Any
    backward: Any


#: Activations by name. A forward and its backward are always registered together.
ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation(relu, relu_backward),
    "sigmoid": Activation(sigmoid, sigmoid_backward),
}


def get_activation(name: Any, *, func: str = "", argument: str = "activation") -> Activation:
    """Look up an activation by name, with a clear error for unknown names.

    Parameters
    ----------
    name : str
        A key of :data:`ACTIVATIONS`.
    func, argument : str
        Names used in the error message.

    Returns
    -------
    Activation
        The (forward, backward) pair.
    """
    prefix = f"{func}: " if func else ""
    if not isinstance(name, str):
        raise TypeError(
            f"{prefix}{argument} must be a string naming an activation "
            f"({', '.join(sorted(ACTIVATIONS))}), got {type(name).__name__} {name!r}"
        )
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"{prefix}unknown {argument} {name!r}; expected one of "
            f"{', '.join(repr(k) for k in sorted(ACTIVATIONS))}"
        ) from None
