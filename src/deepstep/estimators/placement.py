"""Where the estimators' data lives: in memory, out of core, on a device.

One unit for the three placements that ``fit`` and ``predict`` share:

* in memory: NumPy arrays validated by scikit-learn, cast to the model's dtype;
  SciPy sparse matrices (CSR/CSC) too, kept sparse: training multiplies the
  first layer by them sparsely (full batch) or densifies one mini-batch of
  rows at a time, and prediction densifies one block of rows at a time;
* out of core: an h5py dataset or a Dask array, read in blocks of rows by a
  :class:`~deepstep.outofcore.RowSource` (or, for full-batch training on a
  running ``dask.distributed`` cluster, summed on its workers by a
  :class:`~deepstep.outofcore.DaskClusterSource`), with the options that need
  the data in memory refused up front;
* on a device: NumPy on the CPU, or the array library that
  :data:`device_namespace` returns for ``"gpu"`` (CuPy), the data copied there
  once per ``fit`` and the weights once per ``predict``.

:func:`namespace` looks ``device_namespace`` up in this module's globals at
each call, so replacing ``deepstep.estimators.placement.device_namespace``
changes which library the estimators use (tests do, to stand in for a GPU).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import issparse

from .._backend import aligned, device_namespace, is_numpy
from ..outofcore import (
    DaskClusterSource,
    RowSource,
    cluster_outputs,
    dask_rows,
    is_out_of_core,
)

__all__ = [
    "as_model_dtype",
    "as_rows",
    "check_finite_rows",
    "check_out_of_core_fit",
    "dask_rows",
    "dense_rows",
    "device_namespace",
    "distributed_client",
    "is_out_of_core",
    "is_sparse",
    "namespace",
    "out_of_core_rows",
    "out_of_core_targets",
    "outputs_out_of_core",
    "to_device",
    "training_source",
    "weights_on",
]

Array = NDArray[np.floating]


# ------------------------------------------------------------------ device


def namespace(device: str) -> Any:
    """The array library of ``device`` (NumPy for ``"cpu"``), looked up at call time."""
    return device_namespace(device)


def to_device(xp: Any, X: Any, Y: Array, sample_weight: Array | None, validation: Any,
              name: str, device: str) -> tuple[Any, Any, Any, Any]:
    """Copy the training data to the device of ``xp`` (nothing to do for NumPy).

    Parameters
    ----------
    xp : module
        The device's array library.
    X : ndarray of shape (n_x, m) or RowSource
        The examples as columns (a transposed view of the (m, n_x) rows).
    Y : ndarray of shape (n_y, m)
    sample_weight : ndarray of shape (m,) or None
    validation : (X_val of shape (n_x, m_val), Y_val of shape (n_y, m_val)) or None
    name, device : str
        The estimator's class name and ``device`` parameter, for the message.

    Returns
    -------
    X, Y, sample_weight, validation
        On the device, in the same layouts.

    Raises
    ------
    ValueError
        For out-of-core X on a device other than the CPU.
    """
    if is_numpy(xp):
        return X, Y, sample_weight, validation
    if is_sparse(X) or (validation is not None and is_sparse(validation[0])):
        raise ValueError(f"{name}.fit: device={device!r} needs dense X; sparse X (and "
                         "validation data) trains on the CPU")
    if isinstance(X, RowSource):
        raise ValueError(f"{name}.fit: device={device!r} needs X "
                         "in memory; out-of-core data trains on the CPU")
    # Copied once to the device; the whole fit then runs there. X goes as
    # (m, n_x) rows, the layout in which mini-batches gather whole examples,
    # and is used through its transpose.
    X, Y = xp.asarray(X.T).T, xp.asarray(Y)
    sample_weight = None if sample_weight is None else xp.asarray(sample_weight)
    if validation is not None:
        validation = (xp.asarray(validation[0]), xp.asarray(validation[1]))
    return X, Y, sample_weight, validation


def weights_on(xp: Any, weights: Sequence[tuple[Array, Array]]) -> list[tuple[Any, Any]]:
    """The (W, b) pairs of the layers as arrays of ``xp`` (on the CPU, the NumPy arrays)."""
    if is_numpy(xp):
        return list(weights)
    return [(xp.asarray(W), xp.asarray(b)) for W, b in weights]


# --------------------------------------------------------------- in memory


def is_sparse(X: Any) -> bool:
    """True for a SciPy sparse matrix or array (kept sparse: never densified whole)."""
    return issparse(X)


def check_finite_rows(X: Any, estimator_name: str) -> None:
    """scikit-learn's check that X holds no NaN or infinity, at BLAS speed.

    scikit-learn sums X and looks at the sum (one single-threaded pass, the
    largest fixed cost of an epoch's fit on MNIST-sized float32 data); the
    row sums ``X @ 1``, one BLAS matrix-vector product on every core, carry
    any NaN or infinity just as well. Only when they are not all finite
    (bad values, or finite values whose sum overflows) does scikit-learn's
    own check run, so a bad X gets its exact error message. Like it, nothing
    is checked under ``sklearn.config_context(assume_finite=True)``.

    Parameters
    ----------
    X : ndarray or SciPy sparse matrix of shape (m, n_x)
        Validated rows (float32 or float64).
    estimator_name : str
        Named in the message, as scikit-learn names it.

    Raises
    ------
    ValueError
        "Input X contains NaN." / "... infinity or a value too large ...".
    """
    import sklearn

    values = X.data if is_sparse(X) else X
    if values.size == 0 or sklearn.get_config()["assume_finite"]:
        return
    with np.errstate(invalid="ignore", over="ignore"):
        if is_sparse(X) or values.ndim != 2:
            sums = np.add.reduce(values.reshape(-1))
        else:
            sums = values @ np.ones(values.shape[1], dtype=values.dtype)
        finite = bool(np.isfinite(np.add.reduce(sums, axis=None)))
    if not finite:
        from sklearn.utils.validation import _assert_all_finite

        with np.errstate(invalid="ignore", over="ignore"):
            _assert_all_finite(values, input_name="X", estimator_name=estimator_name)


def as_rows(X: Any) -> Any:
    """Validated in-memory training rows, shape (m, n_x): sparse ones as CSR.

    Mini-batches gather rows and prediction slices blocks of rows: CSR does
    both without touching the rest of the matrix (a CSC input is converted
    once, sparse to sparse). Dense rows NumPy flags unaligned (a Dask
    cluster's ``compute()`` can return them) are copied once: NumPy's
    gathers and products on them are orders of magnitude slower.
    """
    if is_sparse(X):
        return X.tocsr() if X.format != "csr" else X
    return aligned(X)


def dense_rows(X: Any, start: int, stop: int) -> Array:
    """Rows ``start:stop`` of X as a dense ndarray of shape (k, n_x).

    A view for a NumPy array; a sparse block densified alone (C-ordered, as
    the rows of a C-ordered array are).
    """
    block = X[start:stop]
    return block.toarray() if is_sparse(block) else block


def as_model_dtype(name: str, X: Array, dtype: Any) -> Array:
    """Validated input of shape (n_samples, n_features) in the model's dtype, still finite.

    A float64 value beyond float32's range becomes infinite in a float32
    model: say so, rather than predict from infinities. Sparse X stays
    sparse (its stored values are what is checked).
    """
    Xd = X.astype(dtype, copy=False)
    values = Xd.data if is_sparse(Xd) else Xd
    if Xd is not X and not np.all(np.isfinite(values)):
        raise ValueError(f"{name}: X holds values beyond the range of the "
                         f"model's {np.dtype(dtype).name}")
    return Xd


# ------------------------------------------------------------- out of core


def check_out_of_core_fit(name: str, X: Any, used: Mapping[str, bool]) -> type[np.floating]:
    """Refuse what out-of-core training cannot do; return the training dtype.

    Parameters
    ----------
    name : str
        The estimator's class name, for messages.
    X : h5py.Dataset or dask.array.Array of shape (n_samples, n_features)
    used : mapping of str to bool
        Option name -> whether this ``fit`` asks for it; every option listed
        needs the data in memory (a held-out split, per-example weights,
        dropout masks, a second pass over the rows).

    Returns
    -------
    type
        ``np.float32`` for float32 data, ``np.float64`` for any other numbers.
    """
    asked = [k for k, v in used.items() if v]
    if asked:
        method = "partial_fit" if used.get("partial_fit") else "fit"
        raise ValueError(f"{name}.{method}: {', '.join(asked)} is not supported with "
                         f"out-of-core X ({type(X).__name__}); load the data into memory "
                         "for that")
    if len(X.shape) != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"{name}.fit: X must be 2-D with at least one row and column, "
                         f"got shape {tuple(X.shape)}")
    if np.dtype(X.dtype).kind not in "fiub":
        raise TypeError(f"{name}.fit: X must hold numbers, got dtype {X.dtype}")
    return np.float32 if np.dtype(X.dtype) == np.float32 else np.float64


def out_of_core_targets(name: str, X: Any, y: Any, real: bool) -> NDArray[Any]:
    """``y`` in memory (it is small: one value per row), with as many rows as X.

    ``real`` makes the targets float64 (the regressor's).
    """
    y = np.asarray(y)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"{name}.fit: X has {X.shape[0]} rows but y has {y.shape[0]}")
    return y.astype(np.float64) if real else y


def training_source(X: Any, Y: Array, dtype: Any, batch_size: int | None) -> RowSource:
    """The blocks of rows ``fit`` reads, checked to be finite (one pass over X).

    On a running ``dask.distributed`` cluster, training happens on the
    workers that hold the chunks, in the mode :func:`~deepstep.outofcore.cluster_mode`
    chooses (data-parallel steps, or the model travelling from chunk to
    chunk); the checks of X run there too.
    ``batch_size`` is the examples per update as ``plan.batch_size`` resolves it
    (None: full batch).
    """
    client = distributed_client() if hasattr(X, "to_delayed") else None
    if batch_size is not None and batch_size >= X.shape[0]:
        batch_size = None  # one batch of every row is a full-batch step (the Trainer's rule)
    source = (RowSource(X, dtype) if client is None
              else DaskClusterSource(X, Y, client, dtype, batch_size))
    source.check_finite()
    return source


def outputs_out_of_core(name: str, X: Any, n_features: int, n_out: int, dtype: Any,
                        forward: Any, remote: Any) -> Array:
    """A network's outputs for out-of-core X: block by block here, or on a Dask cluster.

    Parameters
    ----------
    name : str
        The estimator's, for messages.
    X : h5py.Dataset, dask.array.Array or Dask DataFrame of shape (n_samples, n_features)
    n_features, n_out : int
        The model's input and output widths.
    dtype : numpy dtype
        The model's.
    forward : callable (ndarray of shape (k, n_features)) -> ndarray of shape (k, n_out)
        The estimator's own prediction of a block in memory, here.
    remote : callable
        The same, picklable, for the workers: with a ``dask.distributed``
        client, each chunk's outputs are computed (and the chunk checked)
        where it lives, and only the outputs come back.

    Returns
    -------
    ndarray of shape (n_samples, n_out)
    """
    X = dask_rows(X)
    client = distributed_client() if hasattr(X, "to_delayed") else None
    if client is None:
        source = out_of_core_rows(name, X, n_features, dtype)
        out = np.empty((X.shape[0], n_out), dtype=dtype)
        for start, rows in source.blocks():
            out[start:start + len(rows)] = forward(rows)
        return out
    _check_width(name, X, n_features)
    return cluster_outputs(X, client, remote).astype(dtype, copy=False)


def _check_width(name: str, X: Any, n_features: int) -> None:
    if len(X.shape) != 2 or X.shape[1] != n_features:
        raise ValueError(f"{name}: X has shape {tuple(X.shape)}, the "
                         f"model expects {n_features} features")


def out_of_core_rows(name: str, X: Any, n_features: int, dtype: Any) -> RowSource:
    """X, out of core, as blocks of rows to predict from, checked to be finite."""
    _check_width(name, X, n_features)
    source = RowSource(X, dtype)
    source.check_finite()
    return source


def distributed_client() -> Any:
    """The active ``dask.distributed`` client, or None (no cluster, or no distributed)."""
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:
        return None
