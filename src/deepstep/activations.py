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

from ._backend import is_foreign, namespace
from ._validation import as_float_array, finite_result

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "exp",
    "exp_backward",
    "get_activation",
    "identity",
    "identity_backward",
    "leaky_relu",
    "leaky_relu_backward",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "softmax",
    "softmax_backward",
    "tanh",
    "tanh_backward",
]

#: Slope of leaky_relu for Z < 0.
LEAKY_SLOPE = 0.01

Array = NDArray[np.floating]


def _expit(Z: Array) -> Array:
    """Numerically stable logistic function 1 / (1 + exp(-Z)).

    ``exp(-|Z|)`` lies in (0, 1], so it never overflows, and for Z < 0 the
    algebraically equal form exp(Z) / (1 + exp(Z)) keeps full precision
    instead of rounding 1 + exp(-Z) to infinity (the course's form warns of
    overflow at Z = -1000).
    """
    xp = namespace(Z)
    E = xp.exp(-xp.abs(Z))
    S = 1.0 / (1.0 + E)
    return xp.where(Z >= 0, S, E * S)


@finite_result("sigmoid")
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
    return _sigmoid_kernel(Z)


def _sigmoid_kernel(Z: Array) -> tuple[Array, Array]:
    """:func:`sigmoid` without its input checks (the training loop's)."""
    return _expit(Z), Z


@finite_result("sigmoid_backward")
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
    return _sigmoid_backward_kernel(dA, Z)


def _sigmoid_backward_kernel(dA: Array, Z: Array) -> Array:
    """:func:`sigmoid_backward` without its input checks (the training loop's)."""
    s = _expit(Z)
    return dA * s * (1.0 - s)


@finite_result("relu")
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
    return _relu_kernel(Z)


def _relu_kernel(Z: Array) -> tuple[Array, Array]:
    """:func:`relu` without its input checks (the training loop's)."""
    return namespace(Z).maximum(Z, 0.0), Z


def _relu_into(Z: Array) -> tuple[Array, None]:
    """:func:`_relu_kernel` writing A over Z (NumPy; no cache: prediction only)."""
    return np.maximum(Z, 0.0, out=Z), None


@finite_result("relu_backward")
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
    return _relu_backward_kernel(dA, Z)


def _relu_backward_kernel(dA: Array, Z: Array) -> Array:
    """:func:`relu_backward` without its input checks (the training loop's)."""
    # The course's convention: the derivative at Z == 0 is taken as 0.
    # Multiplying by the 0/1 mask is several times faster than np.where; it
    # leaves -0.0 where dA < 0 and Z <= 0, and adding +0.0 turns those into 0.0.
    if is_foreign(Z):
        return namespace(Z).where(Z > 0, dA, 0.0)
    dZ = dA * (Z > 0)
    dZ += 0.0
    return dZ


@finite_result("leaky_relu")
def leaky_relu(Z: ArrayLike) -> tuple[Array, Array]:
    """Leaky ReLU, A = Z for Z > 0 and 0.01 Z otherwise.

    Parameters
    ----------
    Z : ndarray of any shape, e.g. (n_l, m)

    Returns
    -------
    A : ndarray of the same shape and dtype as Z
    cache : ndarray
        ``Z`` itself.
    """
    Z = as_float_array(Z, "Z", ndim=None, func="leaky_relu")
    return _leaky_relu_kernel(Z)


def _leaky_relu_kernel(Z: Array) -> tuple[Array, Array]:
    """:func:`leaky_relu` without its input checks (the training loop's)."""
    return namespace(Z).where(Z > 0, Z, LEAKY_SLOPE * Z), Z


@finite_result("leaky_relu_backward")
def leaky_relu_backward(dA: ArrayLike, cache: ArrayLike) -> Array:
    """Backward pass of :func:`leaky_relu`: dZ = dA where Z > 0, 0.01 dA elsewhere.

    Parameters
    ----------
    dA : ndarray of shape (n_l, m)
    cache : ndarray of shape (n_l, m)
        The ``Z`` returned by :func:`leaky_relu`.

    Returns
    -------
    dZ : ndarray of shape (n_l, m)
    """
    dA, Z = _check_backward_pair(dA, cache, "leaky_relu_backward")
    return _leaky_relu_backward_kernel(dA, Z)


def _relu_backward_into(dA: Array, Z: Array) -> Array:
    """relu's backward written into ``dA``, a temporary of the training loop's own.

    ``dZ = dA * (Z > 0)`` as :func:`_relu_backward_kernel`, without a new array
    and the ``+ 0.0`` pass: where dA < 0 and Z <= 0 it leaves -0.0, which the
    products and sums that follow treat exactly as 0.0.
    """
    if is_foreign(Z):
        return _relu_backward_kernel(dA, Z)
    np.multiply(dA, Z > 0, out=dA)
    return dA


def _leaky_relu_backward_kernel(dA: Array, Z: Array) -> Array:
    """:func:`leaky_relu_backward` without its input checks (the training loop's)."""
    return namespace(Z).where(Z > 0, dA, LEAKY_SLOPE * dA)


@finite_result("tanh")
def tanh(Z: ArrayLike) -> tuple[Array, Array]:
    """Hyperbolic tangent, A = tanh(Z) (never overflows).

    Parameters
    ----------
    Z : ndarray of any shape, e.g. (n_l, m)

    Returns
    -------
    A : ndarray of the same shape and dtype as Z
    cache : ndarray
        ``Z`` itself.
    """
    Z = as_float_array(Z, "Z", ndim=None, func="tanh")
    return _tanh_kernel(Z)


def _tanh_kernel(Z: Array) -> tuple[Array, Array]:
    """:func:`tanh` without its input checks (the training loop's)."""
    return namespace(Z).tanh(Z), Z


def _tanh_into(Z: Array) -> tuple[Array, None]:
    """:func:`_tanh_kernel` writing A over Z (NumPy; no cache: prediction only)."""
    return np.tanh(Z, out=Z), None


@finite_result("tanh_backward")
def tanh_backward(dA: ArrayLike, cache: ArrayLike) -> Array:
    """Backward pass of :func:`tanh`: dZ = dA (1 - tanh(Z)^2).

    Parameters
    ----------
    dA : ndarray of shape (n_l, m)
    cache : ndarray of shape (n_l, m)
        The ``Z`` returned by :func:`tanh`.

    Returns
    -------
    dZ : ndarray of shape (n_l, m)
    """
    dA, Z = _check_backward_pair(dA, cache, "tanh_backward")
    return _tanh_backward_kernel(dA, Z)


def _tanh_backward_kernel(dA: Array, Z: Array) -> Array:
    """:func:`tanh_backward` without its input checks (the training loop's)."""
    t = namespace(Z).tanh(Z)
    return dA * (1 - t * t)


@finite_result("identity")
def identity(Z: ArrayLike) -> tuple[Array, Array]:
    """Identity (linear) activation, A = Z; the output of a regressor.

    Parameters
    ----------
    Z : ndarray of any shape

    Returns
    -------
    A : ndarray
        ``Z`` itself.
    cache : ndarray
        ``Z`` itself.
    """
    Z = as_float_array(Z, "Z", ndim=None, func="identity")
    return _identity_kernel(Z)


def _identity_kernel(Z: Array) -> tuple[Array, Array]:
    """:func:`identity` without its input checks (the training loop's)."""
    return Z, Z


@finite_result("identity_backward")
def identity_backward(dA: ArrayLike, cache: ArrayLike) -> Array:
    """Backward pass of :func:`identity`: dZ = dA.

    Parameters
    ----------
    dA : ndarray of shape (n_l, m)
    cache : ndarray of shape (n_l, m)

    Returns
    -------
    dZ : ndarray of shape (n_l, m)
    """
    dA, Z = _check_backward_pair(dA, cache, "identity_backward")
    return _identity_backward_kernel(dA, Z)


def _identity_backward_kernel(dA: Array, Z: Array) -> Array:
    """:func:`identity_backward` without its input checks (the training loop's)."""
    return dA


@finite_result("exp")
def exp(Z: ArrayLike) -> tuple[Array, Array]:
    """Exponential activation, A = exp(Z): the log-link output of a Poisson regressor.

    Parameters
    ----------
    Z : ndarray of any shape, e.g. (n_l, m)

    Returns
    -------
    A : ndarray of the same shape and dtype as Z
        Positive values (a rate); ``inf`` once Z exceeds log of the dtype's
        maximum, which the public function reports as a ``ValueError``.
    cache : ndarray
        ``Z`` itself.
    """
    Z = as_float_array(Z, "Z", ndim=None, func="exp")
    return _exp_kernel(Z)


def _exp_kernel(Z: Array) -> tuple[Array, Array]:
    """:func:`exp` without its input checks (the training loop's)."""
    return namespace(Z).exp(Z), Z


@finite_result("exp_backward")
def exp_backward(dA: ArrayLike, cache: ArrayLike) -> Array:
    """Backward pass of :func:`exp`: dZ = dA * exp(Z).

    Parameters
    ----------
    dA : ndarray of shape (n_l, m)
    cache : ndarray of shape (n_l, m)
        The ``Z`` returned by :func:`exp`.

    Returns
    -------
    dZ : ndarray of shape (n_l, m)
    """
    dA, Z = _check_backward_pair(dA, cache, "exp_backward")
    return _exp_backward_kernel(dA, Z)


def _exp_backward_kernel(dA: Array, Z: Array) -> Array:
    """:func:`exp_backward` without its input checks (the training loop's)."""
    return dA * namespace(Z).exp(Z)


def _softmax(Z: Array, out: Array | None = None) -> Array:
    # Subtracting each column's maximum leaves softmax unchanged and keeps
    # every exponent <= 0, so nothing overflows. ``out`` (NumPy only, Z
    # itself for prediction) receives the result instead of a new array.
    if not is_foreign(Z):  # the ufuncs without np.max's and np.sum's wrappers, one array
        E = np.subtract(Z, np.maximum.reduce(Z, axis=0, keepdims=True), out=out)
        np.exp(E, out=E)
        E /= np.add.reduce(E, axis=0, keepdims=True)
        return E
    xp = namespace(Z)
    E = xp.exp(Z - xp.max(Z, axis=0, keepdims=True))
    E /= xp.sum(E, axis=0, keepdims=True)
    return E


@finite_result("softmax")
def softmax(Z: ArrayLike) -> tuple[Array, Array]:
    """Softmax over the units of each example (each column), A_k = exp(Z_k) / sum_j exp(Z_j).

    Parameters
    ----------
    Z : ndarray of shape (n_classes, m)

    Returns
    -------
    A : ndarray of shape (n_classes, m)
        Each column sums to 1.
    cache : ndarray
        ``Z`` itself.
    """
    Z = as_float_array(Z, "Z", func="softmax")
    return _softmax_kernel(Z)


def _softmax_kernel(Z: Array) -> tuple[Array, Array]:
    """:func:`softmax` without its input checks (the training loop's)."""
    return _softmax(Z), Z


def _softmax_into(Z: Array) -> tuple[Array, None]:
    """:func:`_softmax_kernel` writing A over Z (NumPy; no cache: prediction only)."""
    return _softmax(Z, out=Z), None


@finite_result("softmax_backward")
def softmax_backward(dA: ArrayLike, cache: ArrayLike) -> Array:
    """Backward pass of :func:`softmax`: dZ = A * (dA - sum_k dA_k A_k), column by column.

    This is the product of dA with softmax's Jacobian, diag(A) - A A^T.

    Parameters
    ----------
    dA : ndarray of shape (n_classes, m)
    cache : ndarray of shape (n_classes, m)
        The ``Z`` returned by :func:`softmax`.

    Returns
    -------
    dZ : ndarray of shape (n_classes, m)
    """
    dA, Z = _check_backward_pair(dA, cache, "softmax_backward")
    return _softmax_backward_kernel(dA, Z)


def _softmax_backward_kernel(dA: Array, Z: Array) -> Array:
    """:func:`softmax_backward` without its input checks (the training loop's)."""
    A = _softmax(Z)
    return A * (dA - namespace(A).sum(dA * A, axis=0, keepdims=True))


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
    """A registered activation: its forward ``(Z) -> (A, Z)`` and backward ``(dA, Z) -> dZ``.

    ``backward_into``, where there is one, is the same backward allowed to
    write dZ into dA (the training loop's backpropagation, whose dA arrays
    are its own temporaries); None: :attr:`backward` is used.
    ``forward_into``, likewise, is the same forward writing A over Z, with
    no cache (prediction, whose Z is each layer's fresh product; NumPy only).
    """

    forward: Any
    backward: Any
    name: str = ""
    backward_into: Any = None
    forward_into: Any = None


#: Activations by name. A forward and its backward are always registered together.
#: The registry holds the kernels: each public function's arithmetic without
#: its input checks and final finiteness check (the training loop passes
#: validated arrays and handles divergence on its own; on the cat model the
#: checks were a fifth of an iteration). Their module-level names keep
#: fitted models picklable.
ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation(_relu_kernel, _relu_backward_kernel, "relu", _relu_backward_into,
                       _relu_into),
    "leaky_relu": Activation(_leaky_relu_kernel, _leaky_relu_backward_kernel, "leaky_relu"),
    "tanh": Activation(_tanh_kernel, _tanh_backward_kernel, "tanh", forward_into=_tanh_into),
    "sigmoid": Activation(_sigmoid_kernel, _sigmoid_backward_kernel, "sigmoid"),
    "identity": Activation(_identity_kernel, _identity_backward_kernel, "identity"),
    "softmax": Activation(_softmax_kernel, _softmax_backward_kernel, "softmax",
                          forward_into=_softmax_into),
    "exp": Activation(_exp_kernel, _exp_backward_kernel, "exp"),
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
