"""Which array library an array belongs to: NumPy, or an array-API library (CuPy, PyTorch).

The engine's functions call ``xp = namespace(arrays...)`` and then only
functions of the array API standard on ``xp``, so the same code runs on NumPy
arrays and on CuPy arrays (on a GPU), on PyTorch tensors, or on
``array_api_strict`` arrays, which CI uses to prove that nothing NumPy-only
slipped in. NumPy arrays keep NumPy itself as their namespace, and a few hot
spots keep NumPy-only fast paths (``out=`` buffers) behind :func:`is_numpy`.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

__all__ = ["aligned", "assign", "astype", "c_contiguous", "copy", "device_namespace", "is_foreign",
           "is_numpy", "namespace", "squared_norm", "to_numpy"]


_WRAPPED_LIBRARIES = ("cupy", "torch")


def is_foreign(x: Any) -> bool:
    """True for an array of an array-API library other than NumPy."""
    if isinstance(x, np.ndarray):
        return False
    # CuPy and PyTorch arrays are recognised by their module too (older CuPy
    # releases and PyTorch define no __array_namespace__; array-api-compat
    # wraps them either way).
    return (hasattr(x, "__array_namespace__")
            or type(x).__module__.partition(".")[0] in _WRAPPED_LIBRARIES)


def namespace(*arrays: Any) -> ModuleType:
    """The array namespace of ``arrays``: NumPy itself for NumPy arrays (and scalars)."""
    foreign = [a for a in arrays if is_foreign(a)]
    if not foreign:
        return np
    try:
        from array_api_compat import array_namespace
    except ImportError:  # the library's own namespace still follows the standard
        return foreign[0].__array_namespace__()
    return array_namespace(*foreign)


def is_numpy(xp: ModuleType) -> bool:
    """True when ``xp`` is NumPy itself (the fast paths with ``out=`` apply)."""
    return xp is np


def to_numpy(x: Any) -> np.ndarray:
    """A NumPy copy of any array (from a GPU too); NumPy arrays are returned as they are."""
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "get"):           # CuPy
        return np.asarray(x.get())
    try:
        return np.asarray(x)
    except (TypeError, ValueError, RuntimeError):
        return np.from_dlpack(x)


def c_contiguous(x: Any) -> bool:
    """True when ``x`` is known to be C-contiguous (NumPy and CuPy flags, PyTorch).

    The array API standard says nothing of memory layout, so a library that
    does not tell (array_api_strict) gets False: the caller's general case.
    """
    flags = getattr(x, "flags", None)
    if flags is not None and hasattr(flags, "c_contiguous"):
        return bool(flags.c_contiguous)
    is_contiguous = getattr(x, "is_contiguous", None)
    return bool(is_contiguous()) if callable(is_contiguous) else False


def aligned(x: Any) -> Any:
    """``x``, or an aligned copy of it in the same layout where NumPy flags it unaligned.

    An array deserialized by ``dask.distributed`` (a ``compute()``'s result,
    a block streamed from the workers) can start at any byte of the message
    it came in, e.g. a float32 array at an odd address. NumPy then skips its
    fast paths: on a 100,000 x 100 float32 array, gathering a 256-row
    mini-batch with ``take`` took 20 ms instead of 5 microseconds, and a
    product with a (100, 64) matrix 250 ms instead of 40-60 ms (it does not
    call BLAS), so a fit on such data crawled. One copy restores them.

    Parameters
    ----------
    x : array-like of any shape
        Anything but an unaligned ndarray is returned as it is.

    Returns
    -------
    array-like of the same shape, dtype and memory order
    """
    if isinstance(x, np.ndarray) and not x.flags.aligned:
        return x.copy(order="K")
    return x


def astype(x: Any, dtype: Any, copy: bool = True) -> Any:
    """``x`` as ``dtype`` in its own library (NumPy before 2.1 has no ``np.astype``)."""
    if isinstance(x, np.ndarray):
        return x.astype(dtype, copy=copy)
    return namespace(x).astype(x, dtype, copy=copy)


def assign(dst: Any, src: Any) -> None:
    """``dst[...] = src``, in place, for NumPy (np.copyto) and other array libraries."""
    if isinstance(dst, np.ndarray) and isinstance(src, np.ndarray):
        np.copyto(dst, src)
    else:
        dst[...] = namespace(dst).asarray(src)


def copy(x: Any) -> Any:
    """A copy of ``x`` in its own library."""
    if isinstance(x, np.ndarray):
        return x.copy()
    return namespace(x).asarray(x, copy=True)


def device_namespace(device: str) -> ModuleType:
    """The array library for ``device``: NumPy for "cpu", CuPy for "gpu".

    Raises
    ------
    ValueError
        For another device, or "gpu" when CuPy (or a GPU) is not available.
    """
    if device == "cpu":
        return np
    if device == "gpu":
        try:
            import cupy
            from array_api_compat import array_namespace

            cupy.zeros(1)  # fails here, clearly, when there is no usable GPU
        except Exception as exc:  # ImportError, or CUDA errors of many types
            raise ValueError(
                "device='gpu' needs CuPy and a CUDA GPU (pip install 'deepstep[gpu]'); "
                f"{type(exc).__name__}: {exc}"
            ) from None
        return array_namespace(cupy.zeros(1))
    raise ValueError(f"device must be 'cpu' or 'gpu', got {device!r}")


def squared_norm(W: Any) -> float:
    """The sum of W's squared entries (``np.vdot`` for NumPy: no temporary)."""
    if is_foreign(W):
        return float(namespace(W).sum(W * W))
    return float(np.vdot(W, W))
