"""What every way of taking a training step shares: the network, the update rules.

A step is built once per fit (by :func:`deepstep.training.strategies.choose_step`)
and called once per iteration or mini-batch as ``cost = step(X, Y, sample_weight)``:
forward, cost, a finiteness check, gradient, update. The parameters are
updated in place; ``close()`` at the end of the fit hands them back in the
arrays the caller passed.

Where each factor is applied
----------------------------
* 1/m (equations 8 and 9): once, on the output layer's delta, by
  :func:`deepstep.losses.scaled_output_delta`; ``backward(premeaned=True)``
  then divides nothing again.
* the learning rate: by the optimizer's ``update`` (:class:`PlainStep`), or,
  for plain gradient descent, folded into that same delta
  (:class:`~deepstep.training.strategies.folded.FoldedStep`), so that
  backpropagation returns the finished steps ``lr * dW`` and
  ``update(prescaled=True)`` only subtracts them.
* L2: its penalty by :func:`deepstep.losses.l2_penalty`, its gradient by
  :func:`deepstep.losses.l2_gradient`, carrying the same factor as the
  gradients it joins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..._backend import assign, is_foreign, namespace
from ...activations import Activation
from ...losses import Loss, l2_gradient, l2_penalty, scaled_output_delta
from ...optimizers import Optimizer
from ...propagation import Grads, backward, forward
from ..guard import DivergenceGuard

__all__ = ["Network", "PlainStep", "Step"]

Array = NDArray[np.floating]


@dataclass
class Network:
    """The network being trained and what its cost depends on.

    Attributes
    ----------
    weights : list of [W, b] pairs
        The parameters, layer by layer (the trainer's own lists).
    activations : list of Activation
    loss : Loss
    alpha : float
        L2 regularisation of the weights.
    dropout : float
        Inverted dropout rate of the hidden layers.
    dropout_rng : numpy.random.Generator or None
        The dropout masks' own generator.
    l2_per_weight : bool
        Divide the L2 term by the batch's total sample weight instead of its
        size (scikit-learn's MLP), when there are sample weights.
    """

    weights: list[list[Array]]
    activations: list[Activation]
    loss: Loss
    alpha: float = 0.0
    dropout: float = 0.0
    dropout_rng: Any = None
    l2_per_weight: bool = False

    def l2_count(self, m: int, sample_weight: Array | None) -> Any:
        """The ``m`` of the L2 term ``(alpha / (2 m)) sum ||W||^2`` for a batch of m examples."""
        if self.l2_per_weight and sample_weight is not None:
            return float(namespace(sample_weight).sum(sample_weight))
        return m

    def forward(self, X: Array, masks: list[Array], Z1: Array | None = None) -> Any:
        """The engine's forward pass with this network's dropout (masks appended to ``masks``)."""
        return forward(X, self.weights, self.activations, Z1=Z1, dropout=self.dropout,
                       rng=self.dropout_rng, masks=masks)

    def cost(self, AL: Array, Y: Array, sample_weight: Array | None, m: int) -> Any:
        """The mean cost plus the L2 penalty."""
        return self.loss.cost(AL, Y, sample_weight) + l2_penalty(self.weights, self.alpha, m)


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

    Attributes
    ----------
    params : list of ndarray
        ``[W1, b1, W2, b2, ...]``: the arrays this step updates.
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
        self.params = [p for pair in net.weights for p in pair]
        self._originals = list(self.params)
        self._buffers: Grads | None = None
        self._spare: list[Array] | None = None

    def __call__(self, X: Any, Y: Array, sample_weight: Array | None = None) -> Any:
        """One step on (X, Y): forward, cost, backward, update.

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
        net = self.net
        masks: list[Array] = []
        AL, caches = net.forward(X, masks)
        m = net.l2_count(X.shape[1], sample_weight)
        cost = net.cost(AL, Y, sample_weight, m)
        if not self._keep(cost):
            return cost
        scale = self.scale()
        delta = scaled_output_delta(net.loss, AL, Y, sample_weight,
                                    scale=1.0 if scale is None else scale)
        grads = backward(delta, caches, net.activations, need_dA0=False, masks=masks,
                         premeaned=True, out=self._gradient_buffers(with_dW1=True),
                         overwrite_dA=True)
        self._update(grads, scale, m)
        return cost

    def scale(self) -> float | None:
        """The factor folded into the gradients (the learning rate), or None."""
        return self.optimizer.step_scale if self.fold else None

    def _keep(self, cost: Any) -> bool:
        """Before an update: False if the cost is not finite, else hand the guard its state."""
        if not np.isfinite(cost):
            return False
        if self.full_batch and not self.fold:  # folded steps double-buffer instead
            self.guard.remember(self.params)
        return True

    def _update(self, grads: Grads, scale: float | None, m: int) -> None:
        """Add the L2 gradient and apply the optimizer's update to :attr:`params`."""
        flat = []
        for l, (W, _) in enumerate(self.net.weights, start=1):
            l2_gradient(grads[f"dW{l}"], W, self.net.alpha, m, 1.0 if scale is None else scale)
            flat += [grads[f"dW{l}"], grads[f"db{l}"]]
        if not self.fold:
            self.optimizer.update(self.params, flat, overwrite_grads=True)
        elif not self.full_batch:
            self.optimizer.update(self.params, flat, prescaled=True)
        else:
            self._double_buffered(flat)

    def _double_buffered(self, steps: list[Array]) -> None:
        """The folded update, written into spare arrays that are then swapped in.

        The previous parameters stay untouched: they are the checkpoint a
        diverging fit returns to, at one pass over the parameters instead of
        a copy plus an in-place update. :meth:`close` hands the caller's
        arrays back at the end.
        """
        if self._spare is None:
            self._spare = [namespace(p).empty_like(p) for p in self.params]
        new = self._spare
        self.optimizer.update(self.params, steps, prescaled=True, out=new)
        previous = list(self.params)
        self.params[:] = new
        self._spare = previous
        self.guard.adopt(self.params, previous)
        self._rebind()

    def _rebind(self) -> None:
        """Point the network's ``[W, b]`` pairs at :attr:`params` (all, or all but W1)."""
        flat = iter(self.params)
        skip_W1 = len(self.params) == 2 * len(self.net.weights) - 1
        for l, pair in enumerate(self.net.weights):
            if not (l == 0 and skip_W1):
                pair[0] = next(flat)
            pair[1] = next(flat)

    def _gradient_buffers(self, with_dW1: bool) -> Grads | None:
        """The gradients' arrays, allocated once per fit and overwritten by every step.

        NumPy only (``out=`` is not part of the array API): None otherwise.
        """
        if is_foreign(self.net.weights[0][0]):
            return None
        buffers = self._buffers
        if buffers is None or ("dW1" in buffers) != with_dW1:
            buffers = {}
            for l, (W, b) in enumerate(self.net.weights, start=1):
                if l > 1 or with_dW1:
                    buffers[f"dW{l}"] = np.empty_like(W)
                buffers[f"db{l}"] = np.empty_like(b)
            self._buffers = buffers
        return buffers

    def sync(self) -> None:
        """Make the network's arrays hold the current parameters (a no-op but for Gram)."""

    def state(self) -> dict[str, Array]:
        """The step's own arrays a checkpoint must keep to resume bit for bit (none here)."""
        return {}

    def close(self) -> None:
        """End of fit: the results in the caller's arrays, buffers released."""
        self.sync()
        if any(a is not b for a, b in zip(self.params, self._originals, strict=True)):
            for orig, current in zip(self._originals, self.params, strict=True):
                assign(orig, current)
            self.params[:] = self._originals
            self._rebind()
        self._spare = None
        self._buffers = None


class PlainStep(Step):
    """Forward, cost, backward, ``optimizer.update``: the course's loop body, any optimizer.

    The learning rate reaches the optimizer's ``update`` with raw (mean)
    gradients; momentum, Nesterov, Adam and clipped gradient descent run here.
    """

    fold = False
