"""One layer: the LINEAR step and the LINEAR -> ACTIVATION step, forward beside backward.

Shapes follow the course: examples are columns, so a layer with ``n_prev``
inputs and ``n_l`` units maps ``A_prev`` of shape (n_prev, m) to ``Z`` and
``A`` of shape (n_l, m) with ``W`` of shape (n_l, n_prev) and ``b`` of shape
(n_l, 1).

Equations (numbers as in the seeds)::

    Z[l]      = W[l] A[l-1] + b[l]                        (4)
    dW[l]     = (1/m) dZ[l] A[l-1]^T                      (8)
    db[l]     = (1/m) sum_i dZ[l](i)                      (9)
    dA[l-1]   = W[l]^T dZ[l]                              (10)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import issparse

from ._backend import is_foreign, namespace
from ._validation import as_float_array, check_finite, finite_result
from .activations import Activation, get_activation

__all__ = [
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
]

Array = NDArray[np.floating]
LinearCache = tuple[Array, Array, Array]
LayerCache = tuple[LinearCache, Array]


# ---------------------------------------------------------------------------
# LINEAR
# ---------------------------------------------------------------------------

@finite_result("linear_forward")
def linear_forward(A: ArrayLike, W: ArrayLike, b: ArrayLike) -> tuple[Array, LinearCache]:
    """Linear part of a layer's forward propagation, Z = W A + b.

    Parameters
    ----------
    A : ndarray of shape (n_prev, m)
        Activations of the previous layer (or the input data X).
    W : ndarray of shape (n_l, n_prev)
        Weight matrix.
    b : ndarray of shape (n_l, 1)
        Bias vector, broadcast over the m columns.

    Returns
    -------
    Z : ndarray of shape (n_l, m)
        Pre-activation values.
    cache : tuple (A, W, b)
        Kept for :func:`linear_backward`.
    """
    A, W, b = _check_linear(A, W, b, "linear_forward")
    return _linear(A, W, b), (A, W, b)


def _linear(A: Array, W: Array, b: Array) -> Array:
    Z = W @ A
    Z += b
    return Z


@finite_result("linear_backward")
def linear_backward(dZ: ArrayLike, cache: Any) -> tuple[Array, Array, Array]:
    """Linear part of a layer's backward propagation, equations (8)-(10).

    Parameters
    ----------
    dZ : ndarray of shape (n_l, m)
        Gradient of the cost with respect to this layer's Z.
    cache : tuple (A_prev, W, b)
        The cache returned by :func:`linear_forward` for this layer.

    Returns
    -------
    dA_prev : ndarray of shape (n_prev, m)
        Gradient of the cost with respect to the previous layer's activations.
    dW : ndarray of shape (n_l, n_prev)
        Gradient of the cost with respect to W.
    db : ndarray of shape (n_l, 1)
        Gradient of the cost with respect to b.
    """
    A_prev, W, _ = _unpack_linear_cache(cache, "linear_backward")
    dZ = as_float_array(dZ, "dZ", func="linear_backward")
    expected = (W.shape[0], A_prev.shape[1])
    if A_prev.shape[1] == 0:
        raise ValueError("linear_backward: the cache holds m = 0 examples; the gradients "
                         "of a mean over no examples are undefined")
    if dZ.shape != expected:
        raise ValueError(
            f"linear_backward: dZ must have shape (n_l, m) = {expected} to match the cache "
            f"(W {W.shape}, A_prev {A_prev.shape}), got {dZ.shape}"
        )
    return _linear_backward(dZ, A_prev, W)


def _linear_backward(
    dZ: Array, A_prev: Array, W: Array, *, need_dA_prev: bool = True, premeaned: bool = False,
    out: tuple[Array, Array] | None = None,
) -> tuple[Array | None, Array, Array]:
    # Equations (8)-(10); the 1/m of (8) and (9) is applied here unless
    # premeaned. The keywords are the training loop's:
    # need_dA_prev=False skips W^T dZ for the input layer, whose dA0 no one uses.
    # premeaned=True: dZ already carries the 1/m of the mean cost (training
    # applies it once to the output layer's small dZ, losses.scaled_output_delta),
    # so dW and db are not divided again; that saves a pass over every dW.
    # out=(dW, db) writes into the training loop's preallocated buffers: a
    # fresh dW every mini-batch costs page faults comparable to the product.
    m = 1 if premeaned else A_prev.shape[1]
    dW = _times_transpose(dZ, A_prev, None if out is None else out[0])
    if m != 1:
        dW /= m
    db = _bias_gradient(dZ, m, out=None if out is None else out[1])
    dA_prev = W.T @ dZ if need_dA_prev else None
    return dA_prev, dW, db


def _times_transpose(dZ: Array, A_prev: Any, out: Array | None) -> Array:
    """``dZ @ A_prev.T`` (equation 8 before its 1/m), into ``out`` when given.

    ``A_prev`` may be a SciPy sparse matrix (the input X of the first layer,
    the estimators' sparse training data): the product is then the sparse one,
    ``(A_prev @ dZ.T).T``, so X is never densified; ``W @ A`` of the forward
    pass needs nothing special, NumPy hands it to SciPy.
    """
    if issparse(A_prev):
        dW = (A_prev @ dZ.T).T
        if out is None:
            return np.ascontiguousarray(dW)
        np.copyto(out, dW)
        return out
    return dZ @ A_prev.T if out is None else np.matmul(dZ, A_prev.T, out=out)


def _bias_gradient(dZ: Array, m: int, *, out: Array | None = None) -> Array:
    """Equation (9): db = (1/m) sum over the examples of dZ."""
    # np.add.reduce is what np.sum calls, without its Python wrapper (a few
    # microseconds, much of the work on the small layers of the cat model).
    if is_foreign(dZ):
        db = namespace(dZ).sum(dZ, axis=1, keepdims=True)
    else:
        db = np.add.reduce(dZ, axis=1, keepdims=True, out=out)
    if m != 1:
        db /= m
    return db


# ---------------------------------------------------------------------------
# LINEAR -> ACTIVATION
# ---------------------------------------------------------------------------

@finite_result("linear_activation_forward")
def linear_activation_forward(
    A_prev: ArrayLike, W: ArrayLike, b: ArrayLike, activation: str
) -> tuple[Array, LayerCache]:
    """Forward propagation for the LINEAR -> ACTIVATION layer, A = g(W A_prev + b).

    Parameters
    ----------
    A_prev : ndarray of shape (n_prev, m)
        Activations of the previous layer (or the input data X).
    W : ndarray of shape (n_l, n_prev)
        Weight matrix.
    b : ndarray of shape (n_l, 1)
        Bias vector.
    activation : str
        Name of the activation g, a key of :data:`deepstep.activations.ACTIVATIONS`
        (``"relu"`` or ``"sigmoid"`` in the course).

    Returns
    -------
    A : ndarray of shape (n_l, m)
        Post-activation values.
    cache : tuple (linear_cache, activation_cache)
        ``((A_prev, W, b), Z)``, kept for :func:`linear_activation_backward`.
    """
    act = get_activation(activation, func="linear_activation_forward")
    A_prev, W, b = _check_linear(A_prev, W, b, "linear_activation_forward")
    return _linear_activation_forward(A_prev, W, b, act)


def _linear_activation_forward(
    A_prev: Array, W: Array, b: Array, act: Activation
) -> tuple[Array, LayerCache]:
    Z = _linear(A_prev, W, b)
    A, activation_cache = act.forward(Z)
    return A, ((A_prev, W, b), activation_cache)


@finite_result("linear_activation_backward")
def linear_activation_backward(
    dA: ArrayLike, cache: Any, activation: str
) -> tuple[Array, Array, Array]:
    """Backward propagation for the LINEAR -> ACTIVATION layer.

    Computes dZ = dA * g'(Z) with the activation's backward function, then
    the linear gradients with :func:`linear_backward`.

    Parameters
    ----------
    dA : ndarray of shape (n_l, m)
        Gradient of the cost with respect to this layer's activations.
    cache : tuple (linear_cache, activation_cache)
        The cache returned by :func:`linear_activation_forward`.
    activation : str
        The activation used in the forward pass.

    Returns
    -------
    dA_prev : ndarray of shape (n_prev, m)
    dW : ndarray of shape (n_l, n_prev)
    db : ndarray of shape (n_l, 1)
    """
    act = get_activation(activation, func="linear_activation_backward")
    linear_cache, activation_cache = _unpack_layer_cache(cache, "linear_activation_backward")
    dZ = act.backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)


# ---------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------

def _check_linear(A: Any, W: Any, b: Any, func: str) -> tuple[Array, Array, Array]:
    A = as_float_array(A, "A", func=func)
    W = as_float_array(W, "W", func=func)
    b = as_float_array(b, "b", func=func)
    if W.shape[1] != A.shape[0]:
        raise ValueError(
            f"{func}: W must have shape (n_l, n_prev) with n_prev = A.shape[0] = {A.shape[0]}, "
            f"got W of shape {W.shape} for A of shape {A.shape}"
        )
    if b.shape != (W.shape[0], 1):
        raise ValueError(
            f"{func}: b must have shape (n_l, 1) = {(W.shape[0], 1)} to match W of shape "
            f"{W.shape}, got {b.shape}"
        )
    for name, arr in (("A", A), ("W", W), ("b", b)):
        check_finite(arr, name, func=func)
    return A, W, b


def _unpack_linear_cache(cache: Any, func: str) -> LinearCache:
    if not isinstance(cache, (tuple, list)) or len(cache) != 3:
        raise TypeError(
            f"{func}: cache must be the tuple (A_prev, W, b) from linear_forward, "
            f"got {type(cache).__name__}"
            + (f" of length {len(cache)}" if isinstance(cache, (tuple, list)) else "")
        )
    A_prev = as_float_array(cache[0], "cache A_prev", func=func)
    W = as_float_array(cache[1], "cache W", func=func)
    b = as_float_array(cache[2], "cache b", func=func)
    if W.shape[1] != A_prev.shape[0] or b.shape != (W.shape[0], 1):
        raise ValueError(
            f"{func}: inconsistent cache: A_prev {A_prev.shape}, W {W.shape}, b {b.shape}; "
            f"expected W of shape (n_l, {A_prev.shape[0]}) and b of shape (n_l, 1)"
        )
    return A_prev, W, b


def _unpack_layer_cache(cache: Any, func: str) -> LayerCache:
    if not isinstance(cache, (tuple, list)) or len(cache) != 2:
        raise TypeError(
            f"{func}: cache must be the tuple (linear_cache, activation_cache) from "
            f"linear_activation_forward, got {type(cache).__name__}"
            + (f" of length {len(cache)}" if isinstance(cache, (tuple, list)) else "")
        )
    return cache[0], cache[1]
