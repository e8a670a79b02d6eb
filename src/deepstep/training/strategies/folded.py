"""Folded gradient descent: the learning rate joins the 1/m on the output delta."""

from __future__ import annotations

from .base import Step

__all__ = ["FoldedStep"]


class FoldedStep(Step):
    """Plain gradient descent (no clipping) with ``lr / m`` applied once.

    ``theta - lr * dtheta`` is linear in the gradient, and backpropagation is
    linear in the output delta, so multiplying the n_L x m delta by
    ``lr / m`` makes backpropagation return the finished steps ``lr * dW``
    (:func:`deepstep.losses.scaled_output_delta`); the optimizer's
    ``update(prescaled=True)`` subtracts them with no pass over the
    gradients. Full batch, the update writes into spare arrays so that the
    previous parameters are the divergence checkpoint with no copy
    (``Step._double_buffered``). Same arithmetic as :class:`PlainStep`, the
    factors reordered: ``tests/test_fast_paths.py`` checks both against the
    course's functions run by hand.
    """

    fold = True
