"""Input checks shared by every public function.

Each check raises ``ValueError`` or ``TypeError`` whose message names the
argument, what was expected and what was received, so that a user never sees
an ``IndexError`` from deep inside NumPy or a silent NaN.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from ._backend import astype, is_foreign, namespace

__all__ = [
    "all_finite",
    "as_float_array",
    "check_binary_labels",
    "check_finite",
    "check_positive_float",
    "check_positive_int",
    "count_layers",
    "describe",
    "finite_result",
]


def describe(x: Any) -> str:
    """Short description of ``x`` for error messages (type, shape and dtype)."""
    if isinstance(x, np.ndarray) or is_foreign(x):
        return f"array of shape {tuple(x.shape)} and dtype {x.dtype}"
    if isinstance(x, (list, tuple)):
        return f"{type(x).__name__} of length {len(x)}"
    return f"{type(x).__name__} {x!r}" if np.isscalar(x) or x is None else type(x).__name__


def as_float_array(
    x: Any,
    name: str,
    *,
    ndim: int | None = 2,
    func: str = "",
) -> NDArray[np.floating]:
    """Return ``x`` as a floating NumPy array, keeping float32/float64 as they are.

    Integers and booleans become float64 and float16 becomes float32 (half
    precision is too coarse for the exponentials of the cost), but an array
    that is already float32 or float64 is returned without a copy.

    Parameters
    ----------
    x : array_like
        The value to check.
    name : str
        The argument's name, used in error messages.
    ndim : int or None, default=2
        Required number of dimensions, or None for any.
    func : str, default=""
        Name of the public function, used as the message's prefix.

    Returns
    -------
    ndarray
        ``x`` as an array of dtype float32 or float64.

    Raises
    ------
    TypeError
        If ``x`` is not numeric (strings, objects, complex numbers).
    ValueError
        If ``x`` does not have ``ndim`` dimensions.
    """
    prefix = f"{func}: " if func else ""
    if is_foreign(x):
        x = _as_float_foreign(x, name, prefix)
    else:
        x = _as_float_numpy(x, name, prefix)
    if ndim is not None and x.ndim != ndim:
        raise ValueError(
            f"{prefix}{name} must be a {ndim}-D array, got {x.ndim}-D array of shape "
            f"{tuple(x.shape)}"
        )
    return x


def _as_float_numpy(x: Any, name: str, prefix: str) -> NDArray[np.floating]:
    """The dtype part of as_float_array for anything NumPy can convert."""
    if not isinstance(x, np.ndarray):
        if x is None or isinstance(x, (str, bytes, dict, set)):
            raise TypeError(f"{prefix}{name} must be a numeric array, got {describe(x)}")
        try:
            x = np.asarray(x)
        except (ValueError, TypeError) as exc:  # ragged nested lists
            raise TypeError(
                f"{prefix}{name} must be a numeric array, got {type(x).__name__} "
                f"that NumPy cannot convert ({exc})"
            ) from None
    kind = x.dtype.kind
    if kind == "f":
        if x.dtype.itemsize < 4:
            x = x.astype(np.float32)
        elif x.dtype.itemsize > 8:
            x = x.astype(np.float64)
    elif kind in "iub":
        x = x.astype(np.float64)
    else:
        raise _not_real(x, name, prefix)
    return x


def _as_float_foreign(x: Any, name: str, prefix: str) -> Any:
    """The dtype part of as_float_array for another array-API library (kept in it)."""
    xp = namespace(x)
    if xp.isdtype(x.dtype, "real floating"):
        return x
    if xp.isdtype(x.dtype, ("integral", "bool")):
        return xp.astype(x, xp.float64)
    raise _not_real(x, name, prefix)


def _not_real(x: Any, name: str, prefix: str) -> TypeError:
    return TypeError(
        f"{prefix}{name} must hold real numbers (float, int or bool), got dtype {x.dtype}"
    )


def check_finite(x: NDArray[np.floating], name: str, *, func: str = "") -> None:
    """Raise ``ValueError`` if ``x`` holds NaN or infinity, saying how many and where."""
    if all_finite(x):
        return
    bad = ~namespace(x).isfinite(x)
    prefix = f"{func}: " if func else ""
    message = f"{prefix}{name} must be finite, got {_count(bad)} NaN or infinite value(s)"
    if is_foreign(x):
        raise ValueError(message)
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    raise ValueError(f"{message} (first at index {first}: {x[first]})")


def check_binary_labels(Y: NDArray[Any], name: str = "Y", *, func: str = "") -> None:
    """Raise ``ValueError`` unless every element of ``Y`` is exactly 0 or 1."""
    bad = (Y != 0) & (Y != 1)
    if not bool(namespace(Y).any(bad)):
        return
    prefix = f"{func}: " if func else ""
    message = f"{prefix}{name} must hold binary labels 0 or 1, got {_count(bad)} other value(s)"
    if is_foreign(Y):
        raise ValueError(message)
    values = ", ".join(f"{v:g}" for v in np.unique(Y[bad])[:5].tolist())
    raise ValueError(f"{message}, e.g. [{values}]")


def _count(mask: Any) -> int:
    """How many entries of a boolean array (of any library) are true."""
    xp = namespace(mask)
    return int(xp.sum(astype(mask, xp.int64)))


def check_positive_float(value: Any, name: str, *, func: str = "", allow_zero: bool = False
                         ) -> float:
    """Return ``value`` as a float after checking it is a finite number > 0 (or >= 0)."""
    prefix = f"{func}: " if func else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{prefix}{name} must be a real number, got {describe(value)}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{prefix}{name} must be a finite number {bound}, got {value!r}")
    return value


def check_positive_int(value: Any, name: str, *, func: str = "", allow_zero: bool = False
                       ) -> int:
    """Return ``value`` as an int after checking it is an integer > 0 (or >= 0)."""
    prefix = f"{func}: " if func else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{prefix}{name} must be an integer, got {describe(value)}")
    value = int(value)
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{prefix}{name} must be an integer {bound}, got {value}")
    return value


def count_layers(parameters: Any, func: str) -> int:
    """Number of layers L of a parameter dict holding exactly W1, b1, ..., WL, bL."""
    if not isinstance(parameters, Mapping):
        raise TypeError(
            f"{func}: parameters must be a dict with keys 'W1', 'b1', ..., got "
            f"{type(parameters).__name__}"
        )
    L = len(parameters) // 2
    expected = {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"}
    if L == 0 or set(parameters) != expected:
        raise ValueError(
            f"{func}: parameters must have keys 'W1', 'b1', ..., 'WL', 'bL', got "
            f"{sorted(map(str, parameters))}"
        )
    return L


F = TypeVar("F", bound=Callable[..., Any])


def finite_result(func: str) -> Callable[[F], F]:
    """Decorate a public step function: its result is finite, or a ValueError says why.

    Finite inputs can still overflow (``W @ A`` with entries near 1e308, a
    float32 update with a huge learning rate). The function runs with NumPy's
    floating-point warnings silenced and every array it returns is checked:
    a non-finite result raises ``ValueError`` naming the function, instead of
    a RuntimeWarning followed by a silent inf or NaN. The undecorated function
    stays available as ``__wrapped__`` (the training loop calls unchecked
    kernels instead: it has its own divergence handling).
    """
    def decorate(f: F) -> F:
        @functools.wraps(f)
        def checked(*args: Any, **kwargs: Any) -> Any:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                out = f(*args, **kwargs)
            if not all_finite(out):
                raise ValueError(
                    f"{func}: the result is not finite: the values overflow the floating-point "
                    "range (inputs, parameters or learning rate far too large)"
                )
            return out
        return checked  # type: ignore[return-value]
    return decorate


def all_finite(out: Any) -> bool:
    """True when every float array (NumPy or other) or scalar in ``out``, nested in
    tuples, lists and dicts, is finite."""
    if isinstance(out, np.ndarray):
        if out.dtype.kind not in "fc":
            return True
        with np.errstate(over="ignore", invalid="ignore"):
            total = np.sum(out)
        return bool(np.isfinite(total)) or bool(np.all(np.isfinite(out)))
    if isinstance(out, (float, np.floating)):
        return bool(np.isfinite(out))
    if isinstance(out, (tuple, list)):
        return all(all_finite(o) for o in out)
    if isinstance(out, Mapping):
        return all(all_finite(o) for o in out.values())
    if is_foreign(out):
        xp = namespace(out)
        return bool(xp.all(xp.isfinite(out)))
    return True
