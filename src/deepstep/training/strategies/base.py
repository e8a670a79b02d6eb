"""What every way of taking a training step shares: the network, the update rules.

A step is built once per fit (by :func:`deepstep.training.strategies.choose_step`)
and called once per iteration or mini-batch as ``cost = step(X, Y, sample_weight)``:
forward, cost, a finiteness check, gradient, update. The parameters are
updated in place; ``close()`` at the end of the fit hands them back in the
network's own buffer (the one it was built with).

The chain itself (forward, cost, output delta, backward, L2) is
:meth:`deepstep.network.Network.loss_and_gradient`, the one place it is
written, with the 1/m, the folded learning rate and L2 each applied in one
named place (see :mod:`deepstep.network`). A step adds what is its own:
which factor it folds in, the divergence checkpoint, and the update, on the
network's flat buffer (one optimizer call for all the parameters).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..._backend import namespace
from ...network import Gradient, Network
from ...optimizers import Optimizer
from ..guard import DivergenceGuard

__all__ = ["Network", "PlainStep", "Step"]

Array = NDArray[np.floating]


class Step:
    """Base of the step strategies: one training step per call, parameters in place.

    Parameters
    ----------
    net : Network
    optimizer : Optimizer
    guard : DivergenceGuard
        Receives the state to fall back on before each update.
    full_batch : bool
        One step per epoch on all the data (the guard then keeps every
        step's state; with mini-batches the trainer keeps one per epoch).
    """

    #: Whether the learning rate is folded into backpropagation (plain
    #: gradient descent only): the update rule this step applies.
    fold = False

    def __init__(self, net: Network, optimizer: Optimizer, guard: DivergenceGuard, *,
                 full_batch: bool) -> None:
        self.net = net
        self.optimizer = optimizer
        self.guard = guard
        self.full_batch = full_batch
        self._grad: Gradient | None = None
        self._spare: list[Array] | None = None
        _match_moments(optimizer, net.arrays)

    @property
    def params(self) -> list[Array]:
        """The arrays this step updates: the network's flat buffer (``[flat]``)."""
        return self.net.arrays

    def __call__(self, X: Any, Y: Array, sample_weight: Array | None = None) -> Any:
        """One step on (X, Y): ``net.loss_and_gradient``, then the update.

        Parameters
        ----------
        X : ndarray of shape (n_x, m)
        Y : ndarray of shape (n_y, m)
        sample_weight : ndarray of shape (m,), optional

        Returns
        -------
        cost : numpy floating scalar
            The cost before the update (no update when it is not finite).
        """
        scale = self.scale()
        cost, grad = self.net.loss_and_gradient(X, Y, sample_weight,
                                                scale=1.0 if scale is None else scale,
                                                out=self._gradient())
        if grad is not None:
            self._remember()
            self._update(grad.arrays)
        return cost

    def scale(self) -> float | None:
        """The factor folded into the gradients (the learning rate), or None."""
        return self.optimizer.step_scale if self.fold else None

    def _remember(self) -> None:
        """Before an update whose cost was finite: hand the guard its state."""
        if self.full_batch and not self.fold:  # folded steps double-buffer instead
            self.guard.remember(self.params)

    def _update(self, grads: list[Array]) -> None:
        """Apply the optimizer's update to :attr:`params` (gradients in the same layout)."""
        if not self.fold:
            self.optimizer.update(self.params, grads, overwrite_grads=True)
        elif not self.full_batch:
            self.optimizer.update(self.params, grads, prescaled=True)
        else:
            self._double_buffered(grads)

    def _double_buffered(self, steps: list[Array]) -> None:
        """The folded update, written into a spare buffer that is then swapped in.

        The previous parameters stay untouched: they are the checkpoint a
        diverging fit returns to, at one pass over the parameters instead of
        a copy plus an in-place update. :meth:`close` hands the network's
        own buffer back at the end.
        """
        net = self.net
        if self._spare is None:
            self._spare = net.empty_arrays()
        new, previous = self._spare, net.arrays
        self.optimizer.update(previous, steps, prescaled=True, out=new)
        net.bind(new)
        self._spare = previous
        self.guard.adopt(new, previous)

    def _gradient(self) -> Gradient:
        """The gradient buffer, allocated once per fit and overwritten by every step."""
        if self._grad is None:
            self._grad = self.net.new_gradient()
        return self._grad

    def sync(self) -> None:
        """Make the network's arrays hold the current parameters (a no-op but for Gram)."""

    def state(self) -> dict[str, Array]:
        """The step's own arrays a checkpoint must keep to resume bit for bit (none here)."""
        return {}

    def close(self) -> None:
        """End of fit: the results in the network's own buffer, buffers released."""
        self.sync()
        self.net.bind_home()
        self._spare = None
        self._grad = None


def _match_moments(optimizer: Optimizer, arrays: list[Array]) -> None:
    """Optimizer moments kept per parameter (an older checkpoint) joined into the flat layout.

    The moments are element-wise, so ``[m_W1, m_b1, ...]`` raveled and
    concatenated is the same state for the one flat buffer, in its order.
    """
    if len(arrays) != 1:
        return
    for key, value in list(vars(optimizer).items()):
        if isinstance(value, list) and len(value) > 1 and \
                sum(int(np.prod(v.shape)) for v in value) == arrays[0].shape[0]:
            xp = namespace(arrays[0])
            setattr(optimizer, key, [xp.concat([xp.reshape(v, (-1,)) for v in value])])


class PlainStep(Step):
    """Forward, cost, backward, ``optimizer.update``: the course's loop body, any optimizer.

    The learning rate reaches the optimizer's ``update`` with raw (mean)
    gradients; momentum, Nesterov, Adam and clipped gradient descent run here.
    """

    fold = False
