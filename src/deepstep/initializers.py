"""Parameter initialisation: ``W[l]`` drawn at random, ``b[l]`` zero.

All draws come from one explicit generator (``random_state``); NumPy's global
random state is never touched. An integer ``random_state`` seeds a
``numpy.random.RandomState``, whose stream is the one of ``np.random.seed``:
``initialize_parameters_deep([5, 4, 3])`` (``random_state=3``) therefore prints
the same numbers as the course's ``np.random.seed(3)`` version.

Initialisers are registered by name in :data:`INITIALIZERS`; each maps
``(n_l, n_prev, rng)`` to a float64 weight matrix of shape (n_l, n_prev).
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ._memory import check_parameters_fit
from ._validation import check_finite, check_positive_int, describe

__all__ = [
    "INITIALIZERS",
    "check_random_state",
    "glorot_uniform_layers",
    "initialize_parameters",
    "initialize_parameters_deep",
]

RandomLike = int | np.random.RandomState | np.random.Generator | None
Initializer = Callable[[int, int, Any], NDArray[np.float64]]


def check_random_state(random_state: Any, *, func: str = "") -> Any:
    """Turn ``random_state`` into a generator without touching the global one.

    Parameters
    ----------
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator
        ``None`` gives a fresh, unpredictable ``Generator``; an int seeds a
        ``RandomState`` (the stream of ``np.random.seed``, for parity with the
        course); a ``RandomState`` or ``Generator`` is used as it is.

    Returns
    -------
    numpy.random.RandomState or numpy.random.Generator
    """
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, (np.random.RandomState, np.random.Generator)):
        return random_state
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if not 0 <= int(random_state) < 2**32:
            raise ValueError(
                f"{func + ': ' if func else ''}random_state must be in [0, 2**32), "
                f"got {random_state}"
            )
        return np.random.RandomState(int(random_state))
    raise TypeError(
        f"{func + ': ' if func else ''}random_state must be None, an int, a "
        f"numpy.random.RandomState or a numpy.random.Generator, got {describe(random_state)}"
    )


def _course(n_l: int, n_prev: int, rng: Any) -> NDArray[np.float64]:
    # The step-by-step assignment: small weights, randn * 0.01.
    return rng.standard_normal((n_l, n_prev)) * 0.01


def _lecun(n_l: int, n_prev: int, rng: Any) -> NDArray[np.float64]:
    # The course's application (deep model): randn / sqrt(n_prev), variance 1/fan_in.
    return rng.standard_normal((n_l, n_prev)) / np.sqrt(n_prev)


def _glorot(n_l: int, n_prev: int, rng: Any) -> NDArray[np.float64]:
    # Glorot & Bengio (2010), uniform: U(-r, r), r = sqrt(6 / (fan_in + fan_out)).
    r = np.sqrt(6.0 / (n_prev + n_l))
    return rng.uniform(-r, r, size=(n_l, n_prev))


def _he(n_l: int, n_prev: int, rng: Any) -> NDArray[np.float64]:
    # He et al. (2015) for ReLU layers: randn * sqrt(2 / fan_in).
    return rng.standard_normal((n_l, n_prev)) * np.sqrt(2.0 / n_prev)


def _normal(n_l: int, n_prev: int, rng: Any) -> NDArray[np.float64]:
    # Keras's RandomNormal default: N(0, 0.05^2).
    return rng.standard_normal((n_l, n_prev)) * 0.05


def _uniform(n_l: int, n_prev: int, rng: Any) -> NDArray[np.float64]:
    # Keras's RandomUniform default: U(-0.05, 0.05).
    return rng.uniform(-0.05, 0.05, size=(n_l, n_prev))


#: Weight initialisers by name: ``course`` (randn * 0.01), ``lecun``
#: (randn / sqrt(fan_in)), ``glorot`` (Xavier uniform), ``he``
#: (randn * sqrt(2 / fan_in)), ``normal`` (N(0, 0.05^2)), ``uniform`` (U(-0.05, 0.05)).
INITIALIZERS: dict[str, Initializer] = {
    "course": _course,
    "lecun": _lecun,
    "glorot": _glorot,
    "xavier": _glorot,
    "he": _he,
    "normal": _normal,
    "uniform": _uniform,
}


def _get_initializer(init: Any, func: str) -> Initializer:
    if callable(init):
        return init
    if isinstance(init, str) and init in INITIALIZERS:
        return INITIALIZERS[init]
    raise ValueError(
        f"{func}: unknown init {init!r}; expected one of "
        f"{', '.join(repr(k) for k in INITIALIZERS)} or a callable (n_l, n_prev, rng) -> W"
    )


def _check_dtype(dtype: DTypeLike, func: str) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{func}: dtype must be float32 or float64, got {dtype!r}") from None
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"{func}: dtype must be float32 or float64, got {dt}")
    return dt


def initialize_parameters(
    n_x: int,
    n_h: int,
    n_y: int,
    random_state: RandomLike = 1,
    *,
    dtype: DTypeLike = np.float64,
) -> dict[str, NDArray[np.floating]]:
    """Parameters of the 2-layer network LINEAR -> RELU -> LINEAR -> SIGMOID.

    Weights are ``randn * 0.01`` (W1 drawn first, then W2) and biases zero,
    as in the course; ``random_state=1`` reproduces its ``np.random.seed(1)``.

    Parameters
    ----------
    n_x : int
        Size of the input layer.
    n_h : int
        Size of the hidden layer.
    n_y : int
        Size of the output layer.
    random_state : None, int, RandomState or Generator, default=1
        Source of the random draws (see :func:`check_random_state`).
    dtype : float32 or float64, default=float64
        Dtype of the returned arrays.

    Returns
    -------
    parameters : dict
        ``W1`` of shape (n_h, n_x), ``b1`` of shape (n_h, 1),
        ``W2`` of shape (n_y, n_h), ``b2`` of shape (n_y, 1).
    """
    func = "initialize_parameters"
    n_x = check_positive_int(n_x, "n_x", func=func)
    n_h = check_positive_int(n_h, "n_h", func=func)
    n_y = check_positive_int(n_y, "n_y", func=func)
    return initialize_parameters_deep([n_x, n_h, n_y], random_state, init="course",
                                      dtype=dtype, _func=func)


def initialize_parameters_deep(
    layer_dims: Sequence[int],
    random_state: RandomLike = 3,
    *,
    init: str | Initializer = "course",
    dtype: DTypeLike = np.float64,
    _func: str = "initialize_parameters_deep",
) -> dict[str, NDArray[np.floating]]:
    """Parameters of an L-layer network.

    Parameters
    ----------
    layer_dims : sequence of int, length L + 1 >= 2
        Number of units of each layer, the input layer first; ``[2, 4, 1]``
        has 2 inputs, 4 hidden units and 1 output.
    random_state : None, int, RandomState or Generator, default=3
        Source of the random draws; the default reproduces the course's
        ``np.random.seed(3)``.
    init : str or callable, default="course"
        Weight initialiser, a key of :data:`INITIALIZERS` (``"course"``:
        randn * 0.01; ``"lecun"``: randn / sqrt(n_prev), the course's
        application) or a callable ``(n_l, n_prev, rng) -> W``.
    dtype : float32 or float64, default=float64
        Dtype of the returned arrays (the draws are made in float64 and cast,
        so both dtypes start from the same numbers).

    Returns
    -------
    parameters : dict
        ``"W{l}"`` of shape (layer_dims[l], layer_dims[l-1]) and ``"b{l}"`` of
        shape (layer_dims[l], 1) for l = 1, ..., L.
    """
    dims = _check_layer_dims(layer_dims, _func)
    dt = _check_dtype(dtype, _func)
    check_parameters_fit(dims, dt, _func)
    draw = _get_initializer(init, _func)
    rng = check_random_state(random_state, func=_func)
    parameters: dict[str, NDArray[np.floating]] = {}
    for l in range(1, len(dims)):
        W = np.asarray(draw(dims[l], dims[l - 1], rng))
        if W.shape != (dims[l], dims[l - 1]):
            raise ValueError(
                f"{_func}: the initialiser returned W{l} of shape {W.shape}, "
                f"expected {(dims[l], dims[l - 1])}"
            )
        if W.dtype.kind not in "biuf":  # complex, strings, objects: no silent cast
            raise TypeError(f"{_func}: the initialiser returned W{l} of dtype {W.dtype}, "
                            "expected real numbers")
        with np.errstate(over="ignore", invalid="ignore"):  # 1e300 in float32: inf, refused
            W = W.astype(dt, copy=False)
        check_finite(W, f"the initialiser's W{l}", func=_func)
        parameters[f"W{l}"] = W
        parameters[f"b{l}"] = np.zeros((dims[l], 1), dtype=dt)
    return parameters


def glorot_uniform_layers(layer_dims: Sequence[int], rng: Any, *, factor: float = 6.0,
                          dtype: DTypeLike = np.float64) -> list[list[NDArray[np.floating]]]:
    """Glorot-uniform weights *and* biases, in scikit-learn's MLP's order of draws.

    For each layer, ``r = sqrt(factor / (fan_in + fan_out))``; first the
    weights are drawn as a (fan_in, fan_out) matrix from U(-r, r), then the
    biases (fan_out,) from the same interval, exactly as scikit-learn's
    ``MLPClassifier`` does (``factor`` 6, or 2 for a logistic network), so
    the same ``RandomState`` gives the same numbers; the weights are then
    handed over in the engine's orientation.

    Parameters
    ----------
    layer_dims : sequence of int
        ``[n_x, *hidden, n_y]``.
    rng : numpy.random.RandomState or Generator
    factor : float, default=6.0
    dtype : float32 or float64, default=float64
        The draws are made in float64 and cast.

    Returns
    -------
    weights : list of [W, b]
        W of shape (fan_out, fan_in), C-contiguous; b of shape (fan_out, 1).
    """
    dims = _check_layer_dims(layer_dims, "glorot_uniform_layers")
    dt = _check_dtype(dtype, "glorot_uniform_layers")
    check_parameters_fit(dims, dt, "glorot_uniform_layers")
    weights = []
    for fan_in, fan_out in itertools.pairwise(dims):
        r = np.sqrt(factor / (fan_in + fan_out))
        coef = rng.uniform(-r, r, (fan_in, fan_out))
        bias = rng.uniform(-r, r, fan_out)
        weights.append([np.ascontiguousarray(coef.T, dtype=dt),
                        bias.reshape(-1, 1).astype(dt)])
    return weights


def _check_layer_dims(layer_dims: Any, func: str) -> list[int]:
    if isinstance(layer_dims, (str, bytes)) or not isinstance(layer_dims, (Sequence, np.ndarray)):
        raise TypeError(
            f"{func}: layer_dims must be a list of layer sizes such as [12288, 20, 1], "
            f"got {describe(layer_dims)}"
        )
    dims = list(layer_dims)
    if len(dims) < 2:
        raise ValueError(
            f"{func}: layer_dims must list at least 2 sizes (input and output layer), "
            f"got {len(dims)}: {dims}"
        )
    return [check_positive_int(d, f"layer_dims[{i}]", func=func) for i, d in enumerate(dims)]
