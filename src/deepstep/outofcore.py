"""Training on data larger than memory: h5py datasets, Dask arrays, Dask clusters.

The examples are read in blocks of rows, never all at once. Two ways to train:

* **Mini-batches** (``batch_size`` set): every epoch visits the blocks in a
  shuffled order and, inside each block, draws shuffled mini-batches; only
  one block is in memory at a time.
* **Full batch** (``batch_size=None``): the gradient of the mean cost is a sum
  over examples, so each step adds up :func:`block_gradient` over the blocks.
  That is the same arithmetic as the in-memory step, summed in a different
  order (equal within rounding, about 1e-15 relative). With a
  ``dask.distributed`` client, the blocks are the Dask array's chunks, held
  by the workers, which compute their gradients where the data lives; only
  the parameters travel out and the gradients back.

:func:`block_gradient` is the unit of work in both cases; it is
:meth:`deepstep.network.Network.loss_and_gradient` on the block, like every
other training step, with the whole data set's 1/m and without L2 (added
once to the sum by the step).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._backend import aligned
from .network import Gradient, Network

__all__ = ["DaskClusterSource", "RowSource", "block_gradient", "is_out_of_core"]

Array = NDArray[np.floating]

#: Target size of one block of rows read from disk (bytes).
BLOCK_BYTES = 64 * 2**20


def is_out_of_core(X: Any) -> bool:
    """True for an h5py dataset or a Dask array (read in blocks, never loaded whole).

    Parameters
    ----------
    X : object

    Returns
    -------
    bool
    """
    module = type(X).__module__
    return module.startswith("h5py") or module.startswith("dask.array")


def block_gradient(X_rows: Array, Y: Array, weights: Sequence[tuple[Array, Array]],
                   activations: Sequence[str], loss: str, m_total: int,
                   scale: float = 1.0) -> tuple[float, dict[str, Array]]:
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

    Returns
    -------
    cost : float
        ``k / m_total`` times the block's mean cost.
    grads : dict
        ``dW{l}`` and ``db{l}``, the block's share of ``scale * dJ/dW``.
    """
    # On a worker the rows may have arrived unaligned in a message (the
    # weights are copied into the network's own buffer).
    X = aligned(np.asarray(X_rows)).T
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
        """Raise ValueError if any value is NaN or infinite (one pass over the data)."""
        for start, rows in self.blocks():
            if not np.all(np.isfinite(rows)):
                bad = start + int(np.argwhere(~np.isfinite(rows))[0][0])
                raise ValueError(f"{name} holds NaN or infinite values (first in row {bad})")


class DaskClusterSource(RowSource):
    """A Dask array whose row-chunks stay on the workers of a ``dask.distributed`` client.

    Each full-batch step sends the parameters to the workers, computes
    :func:`block_gradient` on every chunk where it lives, and adds the
    results up in chunk order (so the sum is reproducible).

    Parameters
    ----------
    X : dask.array.Array of shape (m, n_x), chunked along the rows only
    Y : ndarray of shape (n_y, m)
        The targets; split to match the chunks and sent to the workers once.
    client : distributed.Client
    dtype : numpy dtype
    """

    def __init__(self, X: Any, Y: Array, client: Any, dtype: Any) -> None:
        super().__init__(X, dtype)
        if len(X.chunks[1]) != 1:
            X = X.rechunk({1: -1})
        X = X.astype(self.dtype)
        self.client = client
        bounds = np.cumsum((0, *X.chunks[0]))
        self.bounds = [(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
        # Chunk i is computed on (and stays with) worker i mod n, its targets
        # beside it: the gradient work is spread over the whole cluster.
        workers = sorted(client.scheduler_info()["workers"])
        self.x_futures, self.y_futures = [], []
        for i, (part, (a, b)) in enumerate(zip(X.to_delayed().ravel(), self.bounds,
                                               strict=True)):
            where = [workers[i % len(workers)]]
            self.x_futures.append(client.compute(part, workers=where))
            self.y_futures.append(client.scatter(np.ascontiguousarray(Y[:, a:b]),
                                                 workers=where, hash=False))

    def gradient(self, Y: Array, weights: Sequence[tuple[Array, Array]],
                 activations: Sequence[str], loss: str, scale: float,
                 out: dict[str, Array] | None = None) -> tuple[float, dict[str, Array]]:
        """The full-batch cost and gradient, each chunk's share computed on its worker."""
        # hash=False: a fresh key every step. With content hashing, a parameter
        # that did not change (a zero bias) would get the previous step's key,
        # and releasing the previous step's futures would cancel this one.
        w = self.client.scatter([(W, b) for W, b in weights], broadcast=True, hash=False)
        parts = self.client.map(block_gradient, self.x_futures, self.y_futures,
                                weights=w, activations=list(activations), loss=loss,
                                m_total=self.shape[1], scale=scale, pure=False)
        return _sum(self.client.gather(parts), out)  # in chunk order
