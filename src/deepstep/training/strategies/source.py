"""Full-batch steps whose gradient is summed over blocks of an out-of-core source."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ...optimizers import Optimizer
from ..guard import DivergenceGuard
from .base import Network, Step

__all__ = ["SourceStep"]

Array = NDArray[np.floating]


class SourceStep(Step):
    """One full-batch iteration on an h5py dataset or a Dask array, block by block.

    Also a data-parallel mini-batch step on a Dask cluster (``full_batch=False``:
    X is then the batch, :meth:`~deepstep.outofcore.DaskClusterSource.batch`).

    The blocks come from disk, or from the workers of a Dask cluster, through
    the source's ``gradient`` (:mod:`deepstep.outofcore`, where each block's
    share is :func:`~deepstep.outofcore.block_gradient`: the network's
    ``loss_and_gradient`` without L2, with the 1/m of the whole data set),
    summed into this step's gradient buffer; L2 is added once to the sum.
    The sum is the in-memory gradient added in another order; the update is
    :class:`FoldedStep`'s for plain gradient descent and :class:`PlainStep`'s
    otherwise.
    """

    def __init__(self, net: Network, optimizer: Optimizer, guard: DivergenceGuard,
                 full_batch: bool = True) -> None:
        super().__init__(net, optimizer, guard, full_batch=full_batch)
        self.fold = optimizer.step_scale is not None

    def __call__(self, X: Any, Y: Array, sample_weight: Array | None = None) -> Any:
        """One step on the source X (a RowSource); sample weights are not supported.

        Parameters
        ----------
        X : RowSource
        Y : ndarray of shape (n_y, m)
        sample_weight : None

        Returns
        -------
        cost : numpy floating scalar
        """
        net = self.net
        scale = self.scale()
        cost, grad = X.loss_and_gradient(net, Y, 1.0 if scale is None else scale,
                                         out=self._gradient())
        cost = net.weights[0][0].dtype.type(cost)
        if not np.isfinite(cost):
            return cost
        self._remember()
        self._update(grad.arrays)
        return cost
