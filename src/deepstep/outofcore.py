"""Training on data larger than memory: h5py datasets, Dask arrays, Dask clusters.

The examples are read in blocks of rows, never all at once. Two ways to train:

* **Mini-batches** (``batch_size`` set): every epoch visits the blocks in a
  shuffled order and, inside each block, draws shuffled mini-batches; only
  one block is in memory at a time. When the block size is not a multiple of
  the batch size, every block ends in a shorter batch (blocks of whole
  batches avoid it, and unshuffled they give the in-memory fit bit for bit).
* **Full batch** (``batch_size=None``): the gradient of the mean cost is a sum
  over examples, so each step adds up :func:`block_gradient` over the blocks.
  That is the same arithmetic as the in-memory step, summed in a different
  order (equal within rounding, about 1e-15 relative).

With a ``dask.distributed`` client, the blocks are the Dask array's chunks,
held by the workers, and training happens there
(:class:`DaskClusterSource`, in the mode :func:`cluster_mode` chooses):
data-parallel steps (full batch and large batches: every worker computes its
chunks' share of each step's gradient) or the model travelling from chunk to
chunk (:mod:`deepstep.training.remote`, smaller mini-batches). Only the
parameters, the optimizer's state and small results travel; the rows stay.

:func:`block_gradient` is the unit of work of the full-batch and
data-parallel steps; it is :meth:`deepstep.network.Network.loss_and_gradient`
on the block, like every other training step, with the whole batch's 1/m and
without L2 (added once to the sum by the step).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import CancelledError
from contextlib import contextmanager
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._backend import aligned
from .network import Gradient, Network

__all__ = ["DATA_PARALLEL_ROWS_PER_WORKER", "DaskClusterSource", "RowSource", "block_gradient",
           "cluster_mode", "cluster_outputs", "dask_rows", "is_out_of_core"]

Array = NDArray[np.floating]

#: Target size of one block of rows read from disk (bytes).
BLOCK_BYTES = 64 * 2**20


def is_out_of_core(X: Any) -> bool:
    """True for an h5py dataset or a Dask array or DataFrame (read in blocks, never whole).

    Parameters
    ----------
    X : object

    Returns
    -------
    bool
    """
    module = type(X).__module__
    return module.startswith(("h5py", "dask.array", "dask.dataframe", "dask_expr"))


def dask_rows(X: Any) -> Any:
    """X as an array of rows with known lengths: a Dask DataFrame's values, counted.

    A Dask DataFrame (or its ``.values``, whose chunk lengths Dask does not
    know) is counted partition by partition where the partitions are; only
    the lengths travel. Anything else is returned as it is.

    Parameters
    ----------
    X : object

    Returns
    -------
    object
    """
    module = type(X).__module__
    if module.startswith(("dask.dataframe", "dask_expr")):
        return X.to_dask_array(lengths=True)
    if module.startswith("dask.array") and X.ndim >= 1 and any(np.isnan(X.chunks[0])):
        return X.compute_chunk_sizes()
    return X


def block_gradient(X_rows: Array, Y: Array, weights: Sequence[tuple[Array, Array]],
                   activations: Sequence[str], loss: str, m_total: int,
                   scale: float = 1.0, rows: NDArray[np.intp] | None = None
                   ) -> tuple[float, dict[str, Array]]:
    """One block's share of the full-batch cost and gradient.

    Parameters
    ----------
    X_rows : ndarray of shape (k, n_x)
        The block's examples, one per row (as stored on disk).
    Y : ndarray of shape (n_y, k)
        Their targets.
    weights : sequence of (W, b)
    activations : sequence of str
        One activation name per layer.
    loss : str
        A key of :data:`deepstep.losses.LOSSES`.
    m_total : int
        The number of examples of the whole data set: the block's cost and
        gradients are divided by it, so the blocks' results simply add up.
    scale : float, default=1.0
        Multiplies the gradients (the learning rate, for plain gradient descent).
    rows : ndarray of int, optional
        Only these rows of the block (a mini-batch's share of it).

    Returns
    -------
    cost : float
        ``k / m_total`` times the block's mean cost (k: the rows used).
    grads : dict
        ``dW{l}`` and ``db{l}``, the block's share of ``scale * dJ/dW``.
    """
    # On a worker the rows may have arrived unaligned in a message (the
    # weights are copied into the network's own buffer).
    X_rows = aligned(np.asarray(X_rows))
    if rows is not None:
        X_rows, Y = X_rows[rows], Y[:, rows]
    X = X_rows.T
    net = Network(weights, activations, loss)
    # The whole data set's 1/m (not the block's), so the blocks' shares add up.
    cost, grad = net.loss_and_gradient(X, Y, m=m_total, scale=scale, penalty=False,
                                       check_finite=False)
    return float(cost) * X.shape[1] / m_total, grad.views


def _sum(parts: Iterable[tuple[float, dict[str, Array]]], out: dict[str, Array] | None = None
         ) -> tuple[float, dict[str, Array]]:
    """The blocks' costs and gradients added up in the order given (a reproducible sum).

    With ``out`` (arrays of the gradients' shapes) the sum is written there.
    """
    cost, grads = 0.0, None
    for part_cost, part_grads in parts:
        cost += part_cost
        if grads is None:
            if out is None:
                grads = part_grads
            else:
                grads = out
                for key, value in part_grads.items():
                    np.copyto(out[key], value)
        else:
            for key, value in part_grads.items():
                grads[key] += value
    if grads is None:
        raise ValueError("no blocks of rows to compute a gradient from (X has no rows)")
    return cost, grads


class RowSource:
    """Examples stored as rows of an array-like read block by block (in-process).

    Parameters
    ----------
    X : h5py.Dataset, dask array or ndarray of shape (m, n_x)
    dtype : numpy dtype
        float32 or float64; each block is converted on reading.
    block_rows : int, optional
        Rows per block; by default about :data:`BLOCK_BYTES` per block.
    """

    #: How a Dask cluster trains on these rows (:func:`cluster_mode`); None in-process.
    mode: str | None = None
    #: Whether each mini-batch is drawn from all the rows and its gradient
    #: summed over the blocks (a cluster's data-parallel mode), not block by block.
    data_parallel = False

    def __init__(self, X: Any, dtype: Any, block_rows: int | None = None) -> None:
        self.X = X
        self.dtype = np.dtype(dtype)
        m, n_x = X.shape
        self.shape = (n_x, m)  # the engine's orientation: one example per column
        self.block_rows = block_rows or max(1, BLOCK_BYTES // max(1, n_x * self.dtype.itemsize))

    def starts(self) -> range:
        return range(0, self.shape[1], self.block_rows)

    def read(self, start: int) -> Array:
        """Rows ``start`` to ``start + block_rows`` as an in-memory (k, n_x) array."""
        block = self.X[start:start + self.block_rows]
        if hasattr(block, "compute"):
            block = block.compute()
        # Blocks from a cluster's workers can arrive unaligned (see aligned()).
        return aligned(np.ascontiguousarray(block, dtype=self.dtype))

    def head(self, k: int) -> Array:
        """The first ``k`` rows (from the first block)."""
        return self.read(0)[:k]

    def blocks(self, order: Sequence[int] | None = None) -> Iterator[tuple[int, Array]]:
        """``(start, rows)`` for every block, in ``order`` (block indices) or in sequence."""
        starts = list(self.starts())
        for i in (range(len(starts)) if order is None else order):
            yield starts[i], self.read(starts[i])

    def gradient(self, Y: Array, weights: Sequence[tuple[Array, Array]],
                 activations: Sequence[str], loss: str, scale: float,
                 out: dict[str, Array] | None = None) -> tuple[float, dict[str, Array]]:
        """The full-batch cost and (scaled) gradient, summed block by block (into ``out``)."""
        return _sum((block_gradient(rows, Y[:, start:start + len(rows)], weights, activations,
                                    loss, self.shape[1], scale)
                     for start, rows in self.blocks()), out)

    def loss_and_gradient(self, net: Network, Y: Array, scale: float = 1.0,
                          out: Gradient | None = None) -> tuple[float, Gradient]:
        """``net``'s full-batch cost and gradient on these rows: the blocks' shares, then L2.

        Every block's share comes from :meth:`gradient` (the whole data set's
        1/m, no L2), summed into ``out``; the L2 penalty and gradient are
        added once, to the sum. The in-memory
        :meth:`~deepstep.network.Network.loss_and_gradient`, summed in another
        order. Used by the full-batch step and by the MLP's L-BFGS out of core.

        Parameters
        ----------
        net : Network
        Y : ndarray of shape (n_y, m)
        scale : float, default=1.0
            Folded into the gradient (the learning rate of plain gradient descent).
        out : Gradient, optional
            Written into (a new one otherwise).

        Returns
        -------
        cost : float
            With the L2 penalty.
        grad : Gradient
        """
        grad = net.new_gradient() if out is None else out
        m = self.shape[1]
        cost, _ = self.gradient(Y, [(W, b) for W, b in net.weights],
                                [a.name for a in net.activations], net.loss.name, scale,
                                out=grad.views)
        net.add_l2_gradient(grad, m, scale)
        return cost + net.penalty(m), grad

    def check_finite(self, name: str = "X") -> None:
        """Raise ValueError if any value is NaN or infinite (one pass over the data).

        Each block is checked as a cluster's worker checks its chunk
        (:func:`check_block`), with the same message.
        """
        n_x = self.shape[0]
        for start, rows in self.blocks():
            _check_results([(start, start + len(rows))], [check_block(rows, n_x)], n_x, name)


#: Rows of a mini-batch per worker from which each step's gradient is
#: computed on every worker at once (see :func:`cluster_mode`).
DATA_PARALLEL_ROWS_PER_WORKER = 16384


def cluster_mode(batch_size: int | None, n_workers: int) -> str:
    """How a fit on a Dask cluster trains: the one place the choice is made.

    * ``"data-parallel"``, for full batch (``batch_size=None``) and for
      batches of at least :data:`DATA_PARALLEL_ROWS_PER_WORKER` rows per
      worker: every step sends the parameters to all the workers, each
      computes its chunks' share of the batch's gradient, and the client adds
      the shares up in chunk order and updates. Each step costs a round trip
      (a few milliseconds) and the parameters out and the gradients back,
      paid once per step whatever the batch; it pays when the batch's
      compute, split over the workers, outweighs that.
    * ``"model-to-data"``, for smaller batches: the parameters and the
      optimizer's state travel from block to block, and each block's
      mini-batches are trained on the worker that holds it; the blocks stay
      where they are. Sequential, as mini-batch training is, but one
      transfer of the model per block instead of a round trip per step.

    Parameters
    ----------
    batch_size : int or None
    n_workers : int

    Returns
    -------
    {"data-parallel", "model-to-data"}
    """
    if batch_size is None or batch_size >= DATA_PARALLEL_ROWS_PER_WORKER * max(1, n_workers):
        return "data-parallel"
    return "model-to-data"


def _row_chunks(X: Any) -> tuple[Any, list[tuple[int, int]]]:
    """A Dask array with whole rows in each chunk, and each chunk's (first, end) row."""
    if len(X.chunks[1]) != 1:
        X = X.rechunk({1: -1})
    return X, [(int(a), int(b)) for a, b in itertools.pairwise(np.cumsum((0, *X.chunks[0])))]


def check_block(X_rows: Any, n_x: int) -> tuple[tuple[int, ...], int]:
    """On a worker: one chunk's shape and its first row holding NaN or infinity (-1: none)."""
    rows = np.asarray(X_rows)
    if rows.ndim != 2 or rows.shape[1] != n_x:
        return tuple(rows.shape), -1
    bad = ~np.isfinite(rows).all(axis=1)
    return tuple(rows.shape), int(np.argmax(bad)) if bad.any() else -1


def _check_results(bounds: Sequence[tuple[int, int]], results: Iterable[tuple[Any, int]],
                   n_x: int, name: str) -> None:
    """Raise for the first chunk :func:`check_block` found with a wrong shape or a bad row."""
    for (a, b), (shape, bad) in zip(bounds, results, strict=True):
        if shape != (b - a, n_x):
            raise ValueError(f"{name}: the chunk of rows {a} to {b} holds an array of "
                             f"shape {shape}, not the ({b - a}, {n_x}) X's chunks promise")
        if bad >= 0:
            raise ValueError(f"{name} holds NaN or infinite values (first in row {a + bad})")


def block_output(X_rows: Any, n_x: int, forward: Any) -> tuple[tuple[int, ...], int, Any]:
    """On a worker: one chunk checked (:func:`check_block`), then ``forward(rows)`` if it passed."""
    shape, bad = check_block(X_rows, n_x)
    if bad >= 0 or len(shape) != 2 or shape[1] != n_x:
        return shape, bad, None
    return shape, bad, forward(aligned(np.asarray(X_rows)))


def cluster_outputs(X: Any, client: Any, forward: Any, name: str = "X") -> Array:
    """``forward`` of every row of a Dask array, computed on the workers holding its chunks.

    Each chunk is checked there (shape, NaN, infinity) and only its outputs
    come back: the rows stay where they are.

    Parameters
    ----------
    X : dask.array.Array of shape (m, n_x)
    client : distributed.Client
    forward : callable (ndarray of shape (k, n_x)) -> ndarray of shape (k, n_out)
        Picklable (it travels to the workers): a module-level function, or a
        ``functools.partial`` of one with the weights.
    name : str, default="X"
        For messages.

    Returns
    -------
    ndarray of shape (m, n_out)

    Raises
    ------
    ValueError
        For a chunk of the wrong shape or the first row holding NaN or infinity.
    """
    from dask import delayed

    X, bounds = _row_chunks(X)
    n_x = int(X.shape[1])
    # The forward (with its weights) goes to the cluster once, not once per chunk.
    held = client.submit(_held, forward, pure=False)
    tasks = [delayed(block_output, pure=True)(part, n_x, held)
             for part in X.to_delayed().ravel()]
    results = client.gather(client.compute(tasks))
    _check_results(bounds, [(shape, bad) for shape, bad, _ in results], n_x, name)
    return np.concatenate([out for _, _, out in results])


def _held(value: Any) -> Any:
    """A task returning its argument: a value on the cluster that Dask can recompute.

    (``client.scatter`` would put it there with no way back if its worker dies.)
    """
    return value


class DaskClusterSource(RowSource):
    """A Dask array trained on where its row-chunks live, on a ``dask.distributed`` cluster.

    Two modes (:func:`cluster_mode`): data-parallel steps, whose gradient is
    summed over every chunk on its worker (:meth:`gradient`, for full batch
    and large batches), and model-to-data epochs, in which the model travels
    from chunk to chunk (:mod:`deepstep.training.remote`). Either way only
    the parameters, the optimizer's state, the targets and small results
    travel; the rows of X never reach the client. The checks of X (shape,
    finiteness) run on the workers too.

    Everything put on the cluster is a task Dask can compute again: the
    chunks (from X's own graph), the targets and the parameters (values in
    task specifications, never scattered), and no task is pinned to a worker.
    When a worker dies, Dask recomputes what it held on the others and the
    fit goes on, to the same result; what cannot be recomputed ends the fit
    with a :class:`RuntimeError` (:meth:`faults`).

    Parameters
    ----------
    X : dask.array.Array of shape (m, n_x), chunked along the rows only
    Y : ndarray of shape (n_y, m)
        The targets, in memory; each chunk's part goes to the cluster as a
        value Dask can recompute.
    client : distributed.Client
    dtype : numpy dtype
    batch_size : int or None, default=None
        Chooses the mode.
    """

    def __init__(self, X: Any, Y: Array, client: Any, dtype: Any,
                 batch_size: int | None = None) -> None:
        super().__init__(X, dtype)
        X, self.bounds = _row_chunks(X)
        X = X.astype(self.dtype)
        self.client = client
        self.block_sizes = [b - a for a, b in self.bounds]
        #: The workers at the start, to name one that is lost.
        self.workers = sorted(client.scheduler_info()["workers"])
        self.mode = cluster_mode(batch_size, len(self.workers))
        self.data_parallel = self.mode == "data-parallel"
        self.x_parts = list(X.to_delayed().ravel())
        from dask import delayed

        self.y_futures = client.compute([delayed(np.ascontiguousarray(Y[:, a:b]), pure=True)
                                         for a, b in self.bounds])
        self.x_futures: list[Any] = []
        if self.data_parallel:
            # Every step reads every chunk: they are computed once and held,
            # spread over the workers as a preference, not a pin (a chunk whose
            # worker is gone is recomputed anywhere).
            n = len(self.workers)  # none yet (a cluster scaling up): the scheduler's choice
            self.x_futures = [client.compute(part, workers=[self.workers[i % n]],
                                             allow_other_workers=True) if n
                              else client.compute(part) for i, part in enumerate(self.x_parts)]
            from distributed import wait

            with self.faults():
                wait(self.x_futures)

    def head(self, k: int) -> Array:
        """The first ``k`` rows, here (only they travel)."""
        return aligned(np.ascontiguousarray(self.X[:k].compute(), dtype=self.dtype))

    def chunks(self) -> list[Any]:
        """Each chunk as the cluster holds it: a held future, or its task in X's graph."""
        return self.x_futures or self.x_parts

    @contextmanager
    def faults(self) -> Iterator[None]:
        """Turn the loss of work Dask cannot recompute into one clear :class:`RuntimeError`."""
        from distributed.scheduler import KilledWorker

        try:
            yield
        except (KilledWorker, CancelledError) as exc:  # FutureCancelledError is one
            now = set(self.client.scheduler_info()["workers"])
            lost = sorted(set(self.workers) - now) or ["(unknown)"]
            raise RuntimeError(
                f"the Dask worker {', '.join(lost)} was lost during training and Dask could "
                f"not recompute its work ({type(exc).__name__}: {exc}). Build X from a "
                "source every worker can read (da.from_zarr, da.from_array of a file) "
                "rather than from scattered data, and resume from a BackupAndRestore "
                "checkpoint on the cluster as it is now") from exc

    def check_finite(self, name: str = "X") -> None:
        """Check every chunk's shape and values on its worker; only small results come back.

        Raises
        ------
        ValueError
            For a chunk whose shape is not the one X's metadata promise, or
            the first row holding NaN or infinity.
        """
        from dask import delayed

        n_x = self.shape[0]
        checks = [delayed(check_block, pure=True)(part, n_x) for part in self.chunks()]
        with self.faults():
            results = self.client.gather(self.client.compute(checks))
        _check_results(self.bounds, results, n_x, name)

    def gradient(self, Y: Array, weights: Sequence[tuple[Array, Array]],
                 activations: Sequence[str], loss: str, scale: float,
                 out: dict[str, Array] | None = None,
                 rows: Sequence[NDArray[np.intp] | None] | None = None,
                 m: int | None = None) -> tuple[float, dict[str, Array]]:
        """A step's cost and gradient, each chunk's share computed on its worker.

        Parameters
        ----------
        Y : ndarray of shape (n_y, m)
            Unused: each chunk's targets are on the cluster already.
        weights, activations, loss, scale, out
            As :meth:`RowSource.gradient`.
        rows : sequence of (ndarray of int or None), optional
            A mini-batch: the rows of each chunk it takes (None: all the data).
        m : int, optional
            The number of rows of the batch (all of X's by default).

        Returns
        -------
        cost : float
        grads : dict of str to ndarray
            Summed in chunk order, so the sum is reproducible.
        """
        client = self.client
        m = self.shape[1] if m is None else m
        w = client.submit(_held, [(W, b) for W, b in weights], pure=False)
        take = [(i, None if rows is None else rows[i]) for i in range(len(self.bounds))
                if rows is None or len(rows[i])]
        chunks = self.chunks()
        parts = [client.submit(block_gradient, chunks[i], self.y_futures[i], w,
                               list(activations), loss, m, scale, idx, pure=False)
                 for i, idx in take]
        with self.faults():
            return _sum(client.gather(parts), out)  # in chunk order

    def batch(self, idx: NDArray[np.intp]) -> _ClusterBatch:
        """The mini-batch of rows ``idx`` (indices into X), for a data-parallel step."""
        starts = np.array([a for a, _ in self.bounds])
        which = np.searchsorted(starts, idx, side="right") - 1
        rows = [idx[which == i] - a for i, (a, _) in enumerate(self.bounds)]
        return _ClusterBatch(self, rows, len(idx))


class _ClusterBatch(RowSource):
    """A mini-batch of a :class:`DaskClusterSource`'s rows, its gradient summed on the workers.

    What a data-parallel step takes as X: shape (n_x, batch rows), and
    :meth:`RowSource.loss_and_gradient` with the batch's own 1/m and L2.
    """

    def __init__(self, source: DaskClusterSource, rows: list[NDArray[np.intp]], m: int) -> None:
        self.source, self.rows = source, rows
        self.dtype = source.dtype
        self.shape = (source.shape[0], m)

    def gradient(self, Y: Array, weights: Sequence[tuple[Array, Array]],
                 activations: Sequence[str], loss: str, scale: float,
                 out: dict[str, Array] | None = None) -> tuple[float, dict[str, Array]]:
        """The batch's cost and gradient: each chunk's rows of it on that chunk's worker."""
        return self.source.gradient(Y, weights, activations, loss, scale, out,
                                    rows=self.rows, m=self.shape[1])
