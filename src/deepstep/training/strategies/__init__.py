"""Ways of taking a training step, all with one interface, chosen in one place.

=================  ==========================================================
:class:`PlainStep`   forward, cost, backward, ``optimizer.update``: any optimizer
:class:`FoldedStep`  plain gradient descent, ``lr / m`` folded into the output delta
:class:`GramStep`    full-batch gradient descent through ``K = X^T X`` (n_x > m)
:class:`SourceStep`  full batch, the gradient summed over an out-of-core source's blocks
=================  ==========================================================

A new way of stepping (a full-batch quasi-Newton solver, say) is a
:class:`Step` subclass with the same ``__call__(X, Y, sample_weight) -> cost``,
``sync``, ``state`` and ``close``, and one more branch in :func:`choose_step`.
"""

from __future__ import annotations

from typing import Any

from ...optimizers import Optimizer
from ...outofcore import RowSource
from ..guard import DivergenceGuard
from .base import Network, PlainStep, Step
from .folded import FoldedStep
from .gram import GramStep
from .source import SourceStep

__all__ = ["FoldedStep", "GramStep", "Network", "PlainStep", "SourceStep", "Step",
           "choose_step"]


def choose_step(net: Network, optimizer: Optimizer, guard: DivergenceGuard, X: Any, *,
                epochs: int, batch_size: int | None, gram: bool | str = "auto",
                resume: dict[str, Any] | None = None) -> Step:
    """The step strategy for this fit.

    Parameters
    ----------
    net : Network
    optimizer : Optimizer
    guard : DivergenceGuard
    X : ndarray of shape (n_x, m), or RowSource
    epochs : int
        Epochs planned (the Gram path pays off over enough of them).
    batch_size : int or None
        None for full batch.
    gram : {"auto", True, False}, default="auto"
        See :meth:`GramStep.applies`.
    resume : dict of str to ndarray, optional
        A checkpoint's step state (see ``Step.state``).

    Returns
    -------
    Step
    """
    full_batch = batch_size is None
    if isinstance(X, RowSource):
        if full_batch or X.data_parallel:
            return SourceStep(net, optimizer, guard, full_batch=full_batch)
    elif full_batch and GramStep.applies(gram, optimizer, X, net.weights[0][0].shape[0],
                                         epochs):
        return GramStep(net, optimizer, guard, X, (resume or {}).get("gram_P"))
    if optimizer.step_scale is not None:
        return FoldedStep(net, optimizer, guard, full_batch=full_batch)
    return PlainStep(net, optimizer, guard, full_batch=full_batch)
