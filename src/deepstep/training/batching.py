"""Mini-batches: shuffled batches of examples gathered into one reused buffer.

The data come in parts: in memory, one part (all of X); out of core, the
blocks of an h5py dataset or Dask array, visited in a shuffled order, one in
memory at a time. Each part is cut into shuffled mini-batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import issparse

from .._backend import c_contiguous, is_foreign, namespace
from ..outofcore import RowSource

__all__ = ["MiniBatches"]

Array = NDArray[np.floating]
Batch = tuple[Array, Array, "Array | None"]


class MiniBatches:
    """Shuffled mini-batches of ``batch_size`` examples (columns).

    Parameters
    ----------
    batch_size : int
    shuffle : bool
        Draw a new order of the examples (and of the blocks) every epoch.
    rng : numpy.random.Generator or RandomState, optional
        Source of the shuffling (required when ``shuffle``).
    """

    def __init__(self, batch_size: int, shuffle: bool, rng: Any) -> None:
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.rng = rng
        self._buffer: Array | None = None

    def parts(self, X: Any, Y: Array, sample_weight: Array | None) -> Iterator[Batch]:
        """The data as ``(X, Y, sample_weight)`` parts: all of it, or a source's blocks.

        Parameters
        ----------
        X : ndarray of shape (n_x, m), or RowSource
        Y : ndarray of shape (n_y, m)
        sample_weight : ndarray of shape (m,), optional
            In memory only (out-of-core training takes none).

        Yields
        ------
        X_part : ndarray of shape (n_x, k)
        Y_part : ndarray of shape (n_y, k)
        sample_weight_part : ndarray of shape (k,) or None
        """
        if not isinstance(X, RowSource) or X.data_parallel:
            # In memory, or a cluster's chunks whose every batch is drawn from
            # all the rows (as in memory) and computed where they live.
            yield X, Y, sample_weight
            return
        n_blocks = len(X.starts())
        order = self.rng.permutation(n_blocks) if self.shuffle else range(n_blocks)
        for start, rows in X.blocks(order):
            yield rows.T, Y[:, start:start + rows.shape[0]], None

    def __call__(self, X: Array, Y: Array, sample_weight: Array | None) -> Iterator[Batch]:
        """The mini-batches of one part, in a freshly shuffled order.

        Parameters
        ----------
        X : ndarray or SciPy sparse matrix of shape (n_x, k), or DaskClusterSource
            Sparse (the transpose of CSR rows): each batch is densified alone.
            A data-parallel Dask cluster's rows: each batch is the rows'
            ``batch(idx)``, gathered on the workers by its step.
        Y : ndarray of shape (n_y, k)
        sample_weight : ndarray of shape (k,), optional

        Yields
        ------
        X_batch : ndarray of shape (n_x, batch_size) (the last may be smaller)
            A view of the reused buffer: valid until the next batch is drawn.
        Y_batch : ndarray of shape (n_y, batch_size)
        sample_weight_batch : ndarray of shape (batch_size,) or None
        """
        m, B = X.shape[1], self.batch_size
        order = self.rng.permutation(m) if self.shuffle else np.arange(m)
        if isinstance(X, RowSource):  # data-parallel rows (parts() split the others)
            for start in range(0, m, B):
                idx = order[start:start + B]
                yield X.batch(idx), Y[:, idx], None
            return
        if issparse(X):
            yield from self._sparse(X, Y, sample_weight, order)
            return
        # One reused buffer: a new (n_x, B) array per batch would cost an
        # allocation and page faults every step. When the examples are
        # contiguous rows (X is the transposed view of a C-ordered (m, n_x)
        # array, the usual case) the buffer holds rows, else columns.
        foreign = is_foreign(X)
        rows = c_contiguous(X.T)
        shape = (B, X.shape[0]) if rows else (X.shape[0], B)
        if not foreign and (self._buffer is None or self._buffer.shape != shape
                            or self._buffer.dtype != X.dtype):
            self._buffer = np.empty(shape, dtype=X.dtype)
        xp = namespace(X)
        for start in range(0, m, B):
            idx = order[start:start + B]
            if foreign:  # another array library: its take(), no reused buffer
                where = xp.asarray(idx)
                w = None if sample_weight is None else xp.take(sample_weight, where, axis=0)
                # Gathering contiguous rows reads whole examples; gathering the
                # columns of a transposed array can copy it whole (PyTorch does).
                Xb = xp.take(X.T, where, axis=0).T if rows else xp.take(X, where, axis=1)
                Yb = xp.take(Y, where, axis=1)
            else:
                w = None if sample_weight is None else sample_weight[idx]
                if rows:
                    Xb = np.take(X.T, idx, axis=0, out=self._buffer[:len(idx)], mode="clip").T
                elif len(idx) == B:
                    Xb = np.take(X, idx, axis=1, out=self._buffer, mode="clip")
                else:
                    Xb = X[:, idx]
                Yb = Y[:, idx]
            yield Xb, Yb, w
            del Xb  # a fallback batch would otherwise live on while the next is gathered

    def _sparse(self, X: Any, Y: Array, sample_weight: Array | None,
                order: NDArray[np.intp]) -> Iterator[Batch]:
        """Mini-batches of a SciPy sparse X: each batch's rows gathered, then densified.

        Only one batch is ever dense, in the reused (B, n_x) buffer of rows,
        the layout the dense path uses for C-ordered data, so a sparse fit
        runs the very same products as the dense fit of ``X.toarray()``.
        ``X`` is (n_x, m); ``X.T`` is best CSR (the estimators' is), whose
        rows gather cheaply.
        """
        rows, B = X.T, self.batch_size
        shape = (B, X.shape[0])
        if self._buffer is None or self._buffer.shape != shape or self._buffer.dtype != X.dtype:
            self._buffer = np.empty(shape, dtype=X.dtype)
        for start in range(0, X.shape[1], B):
            idx = order[start:start + B]
            Xb = rows[idx].toarray(out=self._buffer[:len(idx)]).T
            w = None if sample_weight is None else sample_weight[idx]
            yield Xb, Y[:, idx], w
            del Xb

    def release(self) -> None:
        """Free the buffer (at the end of a fit)."""
        self._buffer = None
