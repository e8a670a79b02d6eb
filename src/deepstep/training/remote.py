"""Model-to-data epochs: mini-batches trained on the Dask workers that hold the blocks.

On a ``dask.distributed`` cluster, mini-batches smaller than the
data-parallel size (:func:`deepstep.outofcore.cluster_mode`) are trained
where the data live. The client draws the epoch's order of blocks and each
block's order of rows from the fit's generator, exactly as an in-process
out-of-core epoch draws them (:class:`~deepstep.training.batching.MiniBatches`),
and submits one chain of tasks: block after block, :func:`train_block` runs
that block's mini-batches with the fit's own step strategy on the worker
holding the block, and hands the parameters and the optimizer's state on to
the next block's task. The rows never travel; the model does, once per block.
Each block's batch costs come back as soon as the block is done, and the
batch callbacks (a progress bar, :class:`TerminateOnNaN`) are called with
them then, in order, on the client: they see the costs, but what they would
change between batches cannot reach the worker (a user's batch callback gets
a warning saying so).

Every input of the chain is a value in a task's specification (the starting
state, the orders) or a task of X's own graph, so when a worker dies Dask
recomputes what it held on the others, and the arithmetic, being the same,
gives the same model.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from math import isfinite
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._backend import aligned
from .._warnings import warn
from ..network import Network
from ..optimizers import Optimizer
from .batching import MiniBatches
from .guard import DivergenceGuard

__all__ = ["Recipe", "Travelling", "epoch", "train_block"]

Array = NDArray[np.floating]


@dataclass
class Travelling:
    """What goes from block to block: the network and the optimizer, with its state.

    Attributes
    ----------
    net : Network
        The parameters in its flat buffer, with the activations, loss and L2
        it brings (a Network pickles and copies with its views rebuilt).
    optimizer : Optimizer
    checkpoint : ndarray or None
        The parameters at the start of the last block at which they were
        finite, kept only while the network's are not (the in-process guard's rule).
    diverged : bool
        A batch cost was not finite: the later blocks pass the state on untouched.
    """

    net: Network
    optimizer: Optimizer
    checkpoint: Array | None = None
    diverged: bool = False


@dataclass(frozen=True)
class Recipe:
    """The fit's step strategy and batch size, which a worker runs around a :class:`Travelling`."""

    step: type
    batch_size: int


class _Given:
    """A generator stand-in whose ``permutation`` is the order the client drew."""

    def __init__(self, order: NDArray[np.intp]) -> None:
        self.order = order

    def permutation(self, m: int) -> NDArray[np.intp]:
        return self.order


def train_block(state: Travelling, X_rows: Any, Y: Array, order: NDArray[np.intp] | None,
                recipe: Recipe) -> tuple[Travelling, list[tuple[float, int]]]:
    """On a worker: one block's mini-batches, each a step of the fit's own strategy.

    Parameters
    ----------
    state : Travelling
        From the previous block (or the client, for the first).
    X_rows : ndarray of shape (k, n_x)
        The block, where it lives.
    Y : ndarray of shape (n_y, k)
    order : ndarray of int or None
        The block's order of rows (None: unshuffled).
    recipe : Recipe

    Returns
    -------
    state : Travelling
        For the next block.
    costs : list of (float, int)
        Each batch's cost and number of rows, in order (up to a non-finite one).
    """
    if state.diverged:
        return state, []
    # Copies: a task may run again after a lost worker (or share the client's
    # objects, on a cluster of threads), and must find its input intact.
    net, optimizer = copy.deepcopy(state.net), copy.deepcopy(state.optimizer)
    step = recipe.step(net, optimizer, DivergenceGuard(), full_batch=False)
    start = state.net.arrays[0]
    checkpoint = start if np.all(np.isfinite(start)) else state.checkpoint
    batches = MiniBatches(recipe.batch_size, order is not None,
                          None if order is None else _Given(order))
    X = aligned(np.ascontiguousarray(X_rows, dtype=start.dtype)).T  # see aligned()
    costs, diverged = [], False
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for Xb, Yb, _ in batches(X, np.asarray(Y, dtype=start.dtype), None):
            cost = float(step(Xb, Yb, None))
            costs.append((cost, Xb.shape[1]))
            if not isfinite(cost):
                diverged = True
                break
    step.close()
    if diverged:  # back to this block's start, as the in-process guard restores
        np.copyto(net.arrays[0], checkpoint)
        return Travelling(net, optimizer, None, True), costs
    finite_now = bool(np.all(np.isfinite(net.arrays[0])))
    return Travelling(net, optimizer, None if finite_now else checkpoint), costs


def _warn_batch_callbacks(source: Any, hooks: list[Any]) -> None:
    """Once per fit: a user's batch callbacks see each block's costs after it, on the client.

    deepstep's own batch callbacks only read the cost (a progress bar,
    :class:`TerminateOnNaN`); one that changes the optimizer or the
    parameters between batches cannot reach the worker running them.
    """
    theirs = sorted({type(h.__self__).__name__ for h in hooks
                     if not type(h.__self__).__module__.startswith("deepstep.")})
    if theirs and not getattr(source, "warned_batch_callbacks", False):
        source.warned_batch_callbacks = True
        warn(f"{', '.join(theirs)}: on a Dask cluster, mini-batches are trained on the "
             "workers holding the blocks, and on_batch_begin/on_batch_end run on this "
             "machine after each block, with its batches' costs; changes they make to the "
             "optimizer or the parameters do not reach the batches (use on_epoch_begin, or "
             "a batch_size of at least the data-parallel size)", UserWarning)


def epoch(trainer: Any, step: Any, source: Any, batches: MiniBatches, begin: list[Any],
          end: list[Any]) -> float:
    """One epoch of mini-batches trained block by block on the workers holding the blocks.

    Parameters
    ----------
    trainer : Trainer
        Its guard, optimizer and (through ``begin``/``end``) batch callbacks.
    step : Step
        The fit's step strategy; the workers build the same.
    source : DaskClusterSource
        In ``"model-to-data"`` mode.
    batches : MiniBatches
        The batch size, whether to shuffle, and the fit's generator.
    begin, end : list of callable
        The callbacks' ``on_batch_begin`` and ``on_batch_end`` to call.

    Returns
    -------
    float
        The mean of the batch costs weighted by their sizes (or the first
        non-finite one, as an in-process epoch).
    """
    from dask import delayed

    n_blocks = len(source.bounds)
    rng, shuffle = batches.rng, batches.shuffle
    # The draws of an in-process out-of-core epoch, in its order: blocks, then rows.
    blocks = rng.permutation(n_blocks) if shuffle else range(n_blocks)
    orders = [rng.permutation(source.block_sizes[i]) if shuffle else None for i in blocks]
    if step.net.dropout:  # its masks' generator would have to travel too
        raise ValueError("training where the data live does not take dropout (out of core)")
    trainer.guard.remember_if_finite(step.params)
    # A copy: the client's network stays its own while the chain runs.
    state: Any = delayed(Travelling(copy.deepcopy(step.net), trainer.optimizer), pure=False,
                         traverse=False)
    recipe = Recipe(type(step), int(batches.batch_size))
    chunks = source.chunks()
    costs = []
    for i, order in zip(blocks, orders, strict=True):
        state, cost = delayed(train_block, nout=2, pure=False)(
            state, chunks[i], source.y_futures[i], order, recipe)
        costs.append(cost)
    client = source.client
    _warn_batch_callbacks(source, begin + end)
    with source.faults():
        *futures, last = client.compute([*costs, state])
        try:
            total, m, value = 0.0, 0, None
            for future in futures:
                for batch, (cost, k) in enumerate(future.result()):
                    for hook in begin:
                        hook(batch, {})
                    logs = {"loss": cost}
                    for hook in end:
                        hook(batch, logs)
                    if not isfinite(cost):
                        value = cost
                    total, m = total + cost * k, m + k
            final = last.result()
        except BaseException:
            client.cancel([*futures, last])  # a callback raised: stop the rest of the chain
            raise
    np.copyto(step.params[0], final.net.arrays[0])
    trainer.optimizer.set_state(*final.optimizer.get_state())
    return total / m if value is None else value
