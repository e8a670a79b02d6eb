"""The training loop: epochs, batches, callbacks; each step is a strategy's.

One iteration of full-batch gradient descent is the course's loop body::

    AL, caches = L_model_forward(X, parameters)
    cost = compute_cost(AL, Y)
    grads = L_model_backward(AL, Y, caches)
    parameters = update_parameters(parameters, grads, learning_rate)

:class:`Trainer` repeats a step like that over epochs (and mini-batches),
calling its callbacks at every hook, as Keras does. *How* a step is taken
(the plain loop body, folded gradient descent, the Gram-matrix path, blocks
of an out-of-core source) is a strategy of :mod:`deepstep.training.strategies`,
chosen once per fit by :func:`~deepstep.training.strategies.choose_step`;
mini-batches are :mod:`~deepstep.training.batching`'s, the fall-back on
divergence :mod:`~deepstep.training.guard`'s, checkpoint state
:mod:`~deepstep.training.state`'s. Everything else (recording the cost,
printing, progress bars, stopping early, schedules) is a callback.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from math import isfinite
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._backend import assign
from ..activations import Activation
from ..losses import Loss
from ..network import Network
from ..optimizers import Optimizer
from ..outofcore import RowSource
from . import remote, state
from .batching import MiniBatches
from .callbacks import Callback, History, TerminateOnNaN
from .callbacks.statistics import active_recorders
from .evaluation import evaluate
from .guard import DivergenceGuard
from .strategies import Step, choose_step
from .threads import BlasThreads

__all__ = ["Trainer"]

Array = NDArray[np.floating]


class Trainer:
    """Runs the training loop over a network's weights, in place.

    Parameters
    ----------
    weights : Network, or list of [W, b] pairs
        The network to train (:class:`deepstep.network.Network`, its flat
        buffer updated in place; it brings its activations, loss, ``alpha``,
        dropout and ``l2_per_weight``, so those arguments are left out), or
        the parameters layer by layer: each fit then copies them into a
        Network of its own and the results back into these arrays at the
        end (pass copies).
    activations : sequence of Activation
        One per layer (with a list of weights).
    loss : Loss
        The cost and its output-layer gradient (with a list of weights).
    optimizer : Optimizer
        Applies each update.
    callbacks : sequence of Callback, optional
        Called at every hook; a :class:`History` is always added first.
    alpha : float, default=0.0
        L2 regularisation of the weights, ``(alpha / (2 m)) sum ||W||^2``.
    dropout : float in [0, 1), default=0.0
        Inverted dropout rate of the hidden layers during training.
    dropout_rng : numpy.random.Generator, optional
        The dropout masks' own generator (required when ``dropout`` > 0).
    on_divergence : {"warn", "raise"}, default="warn"
        What the built-in :class:`TerminateOnNaN` does at a non-finite cost.
    gram : {"auto", True, False}, default="auto"
        Use the Gram-matrix path (:mod:`deepstep.training.strategies.gram`):
        "auto" when it is exact and cheaper, True to require it (plain
        gradient descent only), False never.
    l2_per_weight : bool, default=False
        With sample weights, divide the L2 term by each batch's total weight
        rather than its size (scikit-learn's MLP).

    Attributes
    ----------
    history : History
    stop_training : bool
        Set by a callback to end training after the current epoch.
    epoch : int
        Number of epochs completed.
    diverged_at : int or None
        The epoch at which training diverged, if it did.
    data : (X, Y) or None
        The running fit's inputs and targets (for callbacks that look at the
        data, such as :class:`~deepstep.training.LayerStatistics`).
    end_epoch : int
        The epoch count the running fit ends at unless stopped earlier.
    """

    def __init__(self, weights: Network | list[list[Array]],
                 activations: Sequence[Activation] | None = None, loss: Loss | None = None,
                 optimizer: Optimizer | None = None, callbacks: Sequence[Callback] = (),
                 gram: bool | str = "auto", alpha: float = 0.0, dropout: float = 0.0,
                 dropout_rng: Any = None, on_divergence: str = "warn",
                 l2_per_weight: bool = False) -> None:
        if gram not in ("auto", True, False):
            raise ValueError(f"Trainer: gram must be 'auto', True or False, got {gram!r}")
        if optimizer is None:
            raise TypeError("Trainer: optimizer is required (an Optimizer such as "
                            "GradientDescent), got None")
        self.net = weights if isinstance(weights, Network) else None
        activations, loss, alpha, dropout, dropout_rng, l2_per_weight = _network_arguments(
            weights, activations, loss, alpha, dropout, dropout_rng, l2_per_weight)
        self._weights = None if isinstance(weights, Network) else weights
        self._live: Network | None = None  # the fit's own Network, for a list of weights
        self.activations = list(activations)
        self.loss = loss
        self.optimizer = optimizer
        self.alpha = float(alpha)
        self.dropout = float(dropout)
        self.dropout_rng = dropout_rng
        self.gram = gram
        self.l2_per_weight = bool(l2_per_weight)
        self.history = History()
        self.terminate_on_nan = TerminateOnNaN(on_divergence)
        self.callbacks = [self.history, self.terminate_on_nan, *callbacks]
        self.stop_training = False
        self.epoch = 0
        self.diverged_at: int | None = None
        self.rng: Any = None
        self.data: tuple[Any, Any] | None = None
        self.end_epoch = 0
        self.guard = DivergenceGuard()
        self._step: Step | None = None
        self._resume: dict[str, Array] = {}

    @property
    def weights(self) -> list[list[Array]]:
        """The ``[W, b]`` pairs holding the current parameters (the live ones during a fit)."""
        if self.net is not None:
            return self.net.weights
        return self._weights if self._live is None else self._live.weights

    def _open(self) -> Network:
        """The network this fit trains: the one given, or the list's values copied into one."""
        if self.net is not None:
            return self.net
        self._live = Network(self._weights, self.activations, self.loss, self.alpha,
                             self.dropout, self.dropout_rng, self.l2_per_weight)
        return self._live

    def _start(self, X: Any, epochs: int, batch_size: int | None) -> Network:
        """This fit's network, BLAS thread governor and step strategy."""
        # forward and two backward products per example and epoch (an estimate
        # of the work: the Gram path does less)
        sizes = [self.weights[0][0].shape[1]] + [W.shape[0] for W, _ in self.weights]
        self._threads = BlasThreads(macs=3.0 * epochs * X.shape[1] * sum(
            a * b for a, b in itertools.pairwise(sizes)))
        net = self._open()
        try:
            self._step = choose_step(net, self.optimizer, self.guard, X, epochs=epochs,
                                     batch_size=batch_size, gram=self.gram,
                                     resume=self._resume)
        except BaseException:
            self._live = None  # nothing ran: the caller's arrays are unchanged
            raise
        self._resume = {}
        return net

    def _close(self) -> None:
        """After a fit on a list of weights: the results back in the caller's arrays."""
        if self._live is not None:
            for (W, b), (W_new, b_new) in zip(self._weights, self._live.weights, strict=True):
                assign(W, W_new)
                assign(b, b_new)
            self._live = None

    @property
    def parameters(self) -> dict[str, Array]:
        """The current parameters as the course's dict (the arrays themselves, not copies)."""
        if self._step is not None:
            self._step.sync()
        out = {}
        for l, (W, b) in enumerate(self.weights, start=1):
            out[f"W{l}"], out[f"b{l}"] = W, b
        return out

    def restore_last_finite(self) -> None:
        """Put back the parameters of the last update whose cost was finite."""
        self.guard.restore()

    def step_state(self) -> dict[str, Array]:
        """The running step's own arrays for a checkpoint (see ``Step.state``)."""
        return {} if self._step is None else self._step.state()

    def get_state(self) -> tuple[dict[str, Any], dict[str, Array], dict[str, Array]]:
        """Everything a resumed fit needs to continue bit for bit (:func:`state.get_state`).

        Returns
        -------
        state : dict
        parameters : dict of str to ndarray
        extra : dict of str to ndarray
        """
        return state.get_state(self)

    def set_state(self, state_: dict[str, Any], parameters: dict[str, Array],
                  extra: dict[str, Array]) -> None:
        """Continue from what :meth:`get_state` returned (called at ``on_train_begin``).

        Parameters
        ----------
        state_ : dict
        parameters : dict of str to ndarray
        extra : dict of str to ndarray
        """
        self._resume = state.set_state(self, state_, parameters, extra)

    def _call(self, hook: str, *args: Any) -> None:
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    def _listeners(self, hook: str) -> list[Any]:
        """The bound ``hook`` methods of the callbacks that override the base's no-op."""
        noop = getattr(Callback, hook)
        return [method for method in (getattr(cb, hook) for cb in self.callbacks)
                if getattr(method, "__func__", None) is not noop]

    def fit(self, X: Any, Y: Array, epochs: int, *, batch_size: int | None = None,
            shuffle: bool = True, rng: Any = None, sample_weight: Array | None = None,
            validation_data: tuple[Array, Array] | None = None,
            metrics: dict[str, Any] | None = None) -> History:
        """Run ``epochs`` epochs of training on (X, Y).

        Parameters
        ----------
        X : ndarray of shape (n_x, m), or a RowSource (:mod:`deepstep.outofcore`)
            Inputs, one example per column (a transposed view is fine).
        Y : ndarray of shape (n_y, m)
            Targets, in the weights' dtype.
        epochs : int
            Number of passes over the data (iterations, when full-batch).
        batch_size : int or None, default=None
            Examples per update; None (or >= m) is full-batch gradient descent.
        shuffle : bool, default=True
            Reshuffle the examples before each epoch of mini-batches.
        rng : numpy.random.Generator or RandomState, optional
            Source of the shuffling (required when shuffling mini-batches).
        sample_weight : ndarray of shape (m,), optional
            Per-example weights: the cost is their weighted mean.
        validation_data : (X_val, Y_val), optional
            Evaluated after every epoch as ``logs["val_loss"]`` (no update).
        metrics : dict of name to callable (AL, Y) -> float, optional
            Extra values logged per epoch on the training data (and as
            ``val_<name>`` on the validation data).

        Returns
        -------
        History
        """
        m = X.shape[1]
        if batch_size is not None and batch_size >= m:
            batch_size = None
        if batch_size is not None and shuffle and rng is None:
            raise ValueError("Trainer.fit: shuffling mini-batches needs an explicit rng")
        # the recorders of open deepstep.recording() blocks join this fit only
        recorders = [r for r in active_recorders() if r not in self.callbacks]
        self.callbacks = [*self.callbacks, *recorders]
        for cb in self.callbacks:
            cb.set_trainer(self)
        self.stop_training, self.diverged_at, self.rng = False, None, rng
        self.guard.reset()
        end = self.end_epoch = self.epoch + epochs
        self.data = (X, Y)
        self._call("on_train_begin", {})  # may restore a checkpoint (BackupAndRestore)
        net = self._start(X, epochs, batch_size)
        batches = None if batch_size is None else MiniBatches(batch_size, shuffle, rng)
        try:
            self._threads.__enter__()
            for epoch in range(self.epoch, end):
                self._call("on_epoch_begin", epoch, {})
                # Overflow inside a diverging step is reported once, as a
                # DivergenceWarning naming the iteration, not as NumPy noise.
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    cost = self._epoch(self._step, X, Y, sample_weight, batches)
                if self.diverged_at is not None:
                    break
                self.epoch = epoch + 1
                logs = {"loss": float(cost)}
                if metrics or validation_data is not None:
                    self._step.sync()
                    logs.update(evaluate(net, X, Y, validation_data, metrics))
                self._call("on_epoch_end", epoch, logs)
                if self.stop_training:
                    break
            if self.guard.finish(self.parameters, self.epoch, self.terminate_on_nan.mode,
                                 diverged=self.diverged_at is not None):
                self.diverged_at = self.epoch
        finally:
            self._threads.__exit__(None, None, None)
            self._step.close()
            self._step = None
            self._close()
            if batches is not None:
                batches.release()
            if recorders:
                self.callbacks = [cb for cb in self.callbacks if cb not in recorders]
        self._call("on_train_end", {})
        self.data = None
        return self.history

    def _epoch(self, step: Step, X: Any, Y: Array, sample_weight: Array | None,
               batches: MiniBatches | None) -> float:
        """One epoch: one full-batch step, or every mini-batch of every part of the data.

        Returns the epoch's cost: the step's, or the mean of the batch costs
        (a non-finite batch cost ends the epoch at once).
        """
        threads = self._threads
        if batches is None:
            threads.check()
            self._call("on_batch_begin", 0, {})
            cost = step(X, Y, sample_weight)
            self._call("on_batch_end", 0, {"loss": float(cost)})
            return cost
        total = 0.0
        # Only the callbacks that do something per batch are called per batch (looked
        # up once per epoch: a call is a few microseconds, a step a millisecond or two).
        begin, end = self._listeners("on_batch_begin"), self._listeners("on_batch_end")
        if isinstance(X, RowSource) and X.mode == "model-to-data":  # where its blocks live
            return remote.epoch(self, step, X, batches, begin, end)
        for X_part, Y_part, w_part in batches.parts(X, Y, sample_weight):
            self.guard.remember_if_finite(step.params)  # once per epoch (or block)
            for batch, (Xb, Yb, wb) in enumerate(batches(X_part, Y_part, w_part)):
                threads.check()
                for hook in begin:
                    hook(batch, {})
                value, k = float(step(Xb, Yb, wb)), Xb.shape[1]
                del Xb
                logs = {"loss": value}
                for hook in end:
                    hook(batch, logs)
                if not isfinite(value):
                    return value
                total += value * k
        return total / X.shape[1]


def _network_arguments(weights: Any, activations: Any, loss: Any, alpha: float, dropout: float,
                       dropout_rng: Any, l2_per_weight: bool) -> tuple[Any, ...]:
    """The Trainer's network arguments: a Network's own, or those given with a list of weights.

    Raises
    ------
    ValueError, TypeError
        For a Network given with arguments it brings itself, a list without
        activations or loss, a dropout rate outside [0, 1) or without its generator.
    """
    if isinstance(weights, Network):
        if activations is not None or loss is not None or alpha or dropout \
                or dropout_rng is not None or l2_per_weight:
            raise ValueError("Trainer: a Network brings its own activations, loss, alpha, "
                             "dropout and l2_per_weight; pass only optimizer= and the "
                             "loop's arguments with it")
        return (weights.activations, weights.loss, weights.alpha, weights.dropout,
                weights.dropout_rng, weights.l2_per_weight)
    if activations is None or loss is None:
        raise TypeError("Trainer: with a list of [W, b] pairs, activations and loss are "
                        "required")
    if not 0 <= dropout < 1:
        raise ValueError(f"Trainer: dropout must be in [0, 1), got {dropout}")
    if dropout and dropout_rng is None:
        raise ValueError("Trainer: dropout needs its own generator, dropout_rng")
    return activations, loss, alpha, dropout, dropout_rng, l2_per_weight
