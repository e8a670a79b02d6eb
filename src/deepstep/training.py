"""The training loop: forward, cost, backward, update, repeated; callbacks do the rest.

One iteration of full-batch gradient descent is the course's loop body::

    AL, caches = L_model_forward(X, parameters)
    cost = compute_cost(AL, Y)
    grads = L_model_backward(AL, Y, caches)
    parameters = update_parameters(parameters, grads, learning_rate)

The Gram-matrix path (exact, automatic)
---------------------------------------
When there are more input features than examples (n_x > m: the cat images
have 12288 features and 209 examples) and the update is plain full-batch
gradient descent, the products with X dominate every iteration yet are not
needed: with ``K = X^T X`` (m x m, computed once), the update
``W1 <- W1 - (lr/m) dZ1 X^T`` moves the first layer's product ``P = W1 X`` by
``P <- P - (lr/m) dZ1 K``. The loop therefore keeps ``P`` and the running sum
``S = sum_t dZ1_t`` instead of W1, and materialises
``W1 = W1_start - (lr/m) S X^T`` only when someone asks (at the end of
``fit``, or when a callback reads :attr:`Trainer.parameters`). This is the
same arithmetic reordered, not an approximation: costs and parameters agree
with the plain loop to rounding error (tests check 1e-9). L2 regularisation
(weight decay) keeps it exact: each step scales W1 by ``1 - lr alpha / m``,
tracked as one scalar. It is used when ``gram="auto"`` (the default) finds it
cheaper, and not for momentum, Adam or gradient clipping.

:class:`Trainer` runs exactly that with the engine functions of
:mod:`deepstep.propagation`, :mod:`deepstep.losses` and
:mod:`deepstep.optimizers`. Everything else (recording the cost, printing,
progress bars, stopping early) is a :class:`Callback`, as in Keras, so the
loop itself has no special cases.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._backend import c_contiguous, copy, is_foreign, namespace, squared_norm, to_numpy
from ._validation import all_finite
from .activations import Activation
from .losses import Loss, l2_penalty
from .optimizers import GradientDescent, Optimizer
from .outofcore import RowSource
from .propagation import Grads, backward, forward

__all__ = [
    "Callback",
    "CostPrinter",
    "DivergenceWarning",
    "EarlyStopping",
    "History",
    "LearningRateScheduler",
    "ProgressBar",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
    "Trainer",
]


class DivergenceWarning(UserWarning):
    """Training stopped because the cost became NaN or infinite."""

Array = NDArray[np.floating]
Logs = dict[str, float]


class Callback:
    """Base class of training callbacks; every hook does nothing by default.

    A callback reaches the running :class:`Trainer` as ``self.trainer`` and
    can stop training by setting ``self.trainer.stop_training = True``.
    """

    trainer: Trainer

    def set_trainer(self, trainer: Trainer) -> None:
        """Attach the trainer; called before ``on_train_begin``.

        Parameters
        ----------
        trainer : Trainer
        """
        self.trainer = trainer

    def on_train_begin(self, logs: Logs | None = None) -> None:
        """Called once before the first epoch.

        Parameters
        ----------
        logs : dict of str to float, optional
            Values of the moment (empty at these hooks).
        """

    def on_train_end(self, logs: Logs | None = None) -> None:
        """Called once after the last epoch.

        Parameters
        ----------
        logs : dict of str to float, optional
            Values of the moment (empty at these hooks).
        """

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        """Called at the start of every epoch (0-based).

        Parameters
        ----------
        epoch : int
            The epoch, counted from 0.
        logs : dict of str to float, optional
            At the end of an epoch, ``logs["loss"]`` is its cost.
        """

    def on_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Called before each mini-batch update (every iteration when full-batch).

        Parameters
        ----------
        batch : int
            Index of the batch within the epoch.
        logs : dict of str to float, optional
        """

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Called after each mini-batch update with ``logs["loss"]``, the batch's cost.

        Parameters
        ----------
        batch : int
            Index of the batch within the epoch.
        logs : dict of str to float, optional
        """

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Called at the end of every epoch with ``logs["loss"]``, the epoch's cost.

        Parameters
        ----------
        epoch : int
            The epoch, counted from 0.
        logs : dict of str to float, optional
            At the end of an epoch, ``logs["loss"]`` is its cost.
        """


class History(Callback):
    """Records the logs of every epoch, like Keras's ``History``.

    Attributes
    ----------
    history : dict of str to list of float
        ``history["loss"][i]`` is the cost of epoch ``i``.
    epoch : list of int
        The epochs recorded.
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Append this epoch's logs.

        Parameters
        ----------
        epoch : int
            The epoch, counted from 0.
        logs : dict of str to float, optional
            At the end of an epoch, ``logs["loss"]`` is its cost.
        """
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class CostPrinter(Callback):
    """Prints the cost every ``every`` iterations, in the course's words.

    Parameters
    ----------
    every : int, default=100
        Print when ``epoch % every == 0``.
    stream : file-like, default=sys.stdout
    """

    def __init__(self, every: int = 100, stream: Any = None) -> None:
        self.every = every
        self.stream = stream

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Print ``Cost after iteration i: cost``.

        Parameters
        ----------
        epoch : int
            The epoch, counted from 0.
        logs : dict of str to float, optional
            At the end of an epoch, ``logs["loss"]`` is its cost.
        """
        if epoch % self.every == 0 and logs:
            print(f"Cost after iteration {epoch}: {logs['loss']}", file=self.stream or sys.stdout)


class ProgressBar(Callback):
    """A tqdm progress bar over the epochs showing the current cost.

    Parameters
    ----------
    total : int
        Number of epochs planned.
    every : int, default=10
        Refresh the displayed cost every ``every`` epochs (refreshing costs time).
    """

    def __init__(self, total: int, every: int = 10, **tqdm_kwargs: Any) -> None:
        self.total = total
        self.every = max(1, every)
        self.tqdm_kwargs = tqdm_kwargs
        self._bar: Any = None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        """Open the bar.

        Parameters
        ----------
        logs : dict of str to float, optional
            Values of the moment (empty at these hooks).
        """
        from tqdm.auto import tqdm

        kwargs = {"desc": "training", "unit": "it", "dynamic_ncols": True, **self.tqdm_kwargs}
        self._bar = tqdm(total=self.total, **kwargs)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Advance the bar, showing the cost.

        Parameters
        ----------
        epoch : int
            The epoch, counted from 0.
        logs : dict of str to float, optional
            At the end of an epoch, ``logs["loss"]`` is its cost.
        """
        if self._bar is None:
            return
        self._bar.update(1)
        if logs and (epoch % self.every == 0 or epoch + 1 == self.total):
            self._bar.set_postfix(cost=f"{logs['loss']:.6f}", refresh=False)

    def on_train_end(self, logs: Logs | None = None) -> None:
        """Close the bar.

        Parameters
        ----------
        logs : dict of str to float, optional
            Values of the moment (empty at these hooks).
        """
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class EarlyStopping(Callback):
    """Stop when a monitored value has not improved for ``patience`` epochs.

    Parameters
    ----------
    monitor : str, default="val_loss"
        Key of the epoch logs to watch (lower is better).
    patience : int, default=10
        Epochs without improvement before stopping.
    min_delta : float, default=0.0
        An improvement must lower the best value by more than this.
    restore_best_weights : bool, default=True
        On stopping (or at the end of training), put back the weights of the
        best epoch.

    Attributes
    ----------
    best : float
    best_epoch : int
    stopped_epoch : int or None
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 10, min_delta: float = 0.0,
                 restore_best_weights: bool = True) -> None:
        self.monitor = monitor
        self.patience = patience
        self.min_delta = min_delta
        self.restore_best_weights = restore_best_weights
        self.best = np.inf
        self.best_epoch = -1
        self.stopped_epoch: int | None = None
        self._best_weights: dict[str, Array] | None = None
        self._wait = 0

    def on_train_begin(self, logs: Logs | None = None) -> None:
        """Reset the state.

        Parameters
        ----------
        logs : dict of str to float, optional
        """
        self.best, self.best_epoch, self.stopped_epoch = np.inf, -1, None
        self._best_weights, self._wait = None, 0

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Record an improvement or count one more epoch without.

        Parameters
        ----------
        epoch : int
        logs : dict of str to float, optional
        """
        if not logs or self.monitor not in logs:
            raise ValueError(f"EarlyStopping: {self.monitor!r} is not among the logged values "
                             f"{sorted(logs or {})}; give validation data or monitor 'loss'")
        value = logs[self.monitor]
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self._wait = value, epoch, 0
            if self.restore_best_weights:
                self._best_weights = {k: copy(v) for k, v in self.trainer.parameters.items()}
            return
        self._wait += 1
        if self._wait >= self.patience:
            self.stopped_epoch = epoch
            self.trainer.stop_training = True

    def on_train_end(self, logs: Logs | None = None) -> None:
        """Restore the best weights if asked to.

        Parameters
        ----------
        logs : dict of str to float, optional
        """
        if self.restore_best_weights and self._best_weights is not None:
            for key, value in self.trainer.parameters.items():
                _assign(value, self._best_weights[key])


class LearningRateScheduler(Callback):
    """Set the optimiser's learning rate before each epoch from ``schedule(lr0, epoch)``.

    Parameters
    ----------
    schedule : callable (lr0, epoch) -> float
        E.g. :class:`deepstep.optimizers.StepDecay`, ``ExponentialDecay`` or
        ``InverseTimeDecay``.
    """

    def __init__(self, schedule: Any) -> None:
        self.schedule = schedule
        self.lr0: float | None = None

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        """Apply the schedule.

        Parameters
        ----------
        epoch : int
        logs : dict of str to float, optional
        """
        if self.lr0 is None:
            self.lr0 = self.trainer.optimizer.learning_rate
        self.trainer.optimizer.learning_rate = float(self.schedule(self.lr0, epoch))


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stalls for ``patience`` epochs.

    Parameters
    ----------
    monitor : str, default="loss"
    factor : float, default=0.5
    patience : int, default=10
    min_delta : float, default=0.0
    min_lr : float, default=0.0
    """

    def __init__(self, monitor: str = "loss", factor: float = 0.5, patience: int = 10,
                 min_delta: float = 0.0, min_lr: float = 0.0) -> None:
        self.monitor, self.factor, self.patience = monitor, factor, patience
        self.min_delta, self.min_lr = min_delta, min_lr
        self.best, self._wait = np.inf, 0

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Track the monitored value and lower the learning rate on a plateau.

        Parameters
        ----------
        epoch : int
        logs : dict of str to float, optional
        """
        value = (logs or {}).get(self.monitor)
        if value is None:
            return
        if value < self.best - self.min_delta:
            self.best, self._wait = value, 0
            return
        self._wait += 1
        if self._wait >= self.patience:
            opt = self.trainer.optimizer
            opt.learning_rate = max(self.min_lr, opt.learning_rate * self.factor)
            self._wait = 0


class TerminateOnNaN(Callback):
    """Stop at the first non-finite cost and keep the last finite parameters.

    The trainer always runs one (``on_divergence`` chooses its mode): the
    parameters are put back to those of the last update whose cost was
    finite, and a :class:`DivergenceWarning` is issued (``mode="warn"``) or a
    ``FloatingPointError`` raised (``mode="raise"``) naming the iteration,
    the cost and the learning rate.

    Parameters
    ----------
    mode : {"warn", "raise"}, default="warn"
    """

    def __init__(self, mode: str = "warn") -> None:
        if mode not in ("warn", "raise"):
            raise ValueError(f"TerminateOnNaN: mode must be 'warn' or 'raise', got {mode!r}")
        self.mode = mode

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Check the batch's cost.

        Parameters
        ----------
        batch : int
        logs : dict of str to float, optional
        """
        cost = (logs or {}).get("loss", 0.0)
        if np.isfinite(cost):
            return
        trainer = self.trainer
        trainer._restore()
        trainer.diverged_at = trainer.epoch
        trainer.stop_training = True
        lr = getattr(trainer.optimizer, "learning_rate", None)
        message = (f"training diverged at iteration {trainer.epoch}: the cost is {cost}; "
                   f"training stopped with the last finite parameters. Lower the learning "
                   f"rate (now {lr}).")
        if self.mode == "raise":
            if trainer._gram is not None:
                trainer._gram.materialize(trainer.weights[0][0])
                trainer._gram = None
            raise FloatingPointError(message)
        warnings.warn(message, DivergenceWarning, stacklevel=2)


def _assign(dst: Any, src: Any) -> None:
    """dst[...] = src, in place, for NumPy (np.copyto) and other array libraries."""
    if isinstance(dst, np.ndarray) and isinstance(src, np.ndarray):
        np.copyto(dst, src)
    else:
        dst[...] = namespace(dst).asarray(src)


def _rng_state(rng: Any) -> Any:
    if rng is None:
        return None
    if isinstance(rng, np.random.RandomState):
        name, keys, pos, has_gauss, gauss = rng.get_state()
        return {"RandomState": [name, keys.tolist(), int(pos), int(has_gauss), float(gauss)]}
    return {"Generator": rng.bit_generator.state}


def _set_rng_state(rng: Any, state: Any) -> None:
    if rng is None or state is None:
        if (rng is None) != (state is None):
            raise ValueError("Trainer.set_state: the checkpoint's random generators do not "
                             "match this fit's (shuffle or dropout changed?)")
        return
    if isinstance(rng, np.random.RandomState) and "RandomState" in state:
        name, keys, pos, has_gauss, gauss = state["RandomState"]
        rng.set_state((name, np.array(keys, dtype=np.uint32), pos, has_gauss, gauss))
    elif isinstance(rng, np.random.Generator) and "Generator" in state:
        rng.bit_generator.state = state["Generator"]
    else:
        raise ValueError("Trainer.set_state: the checkpoint's random generator is of "
                         "another kind than this fit's")


class BackupAndRestore(Callback):
    """Checkpoint training every ``every`` epochs; a restarted fit resumes from it.

    Like Keras's callback of the same name: if a fit is interrupted (even by
    SIGKILL or a power cut), running the same fit again with the same
    callback continues from the last checkpoint instead of starting over,
    and with the same ``random_state`` ends bit-identical to a fit that was
    never interrupted: parameters, optimizer moments, learning rate, the
    shuffling and dropout generators and the history are all restored.
    Checkpoints are written atomically (a complete file or the previous
    one, never a torn one) and deleted when the fit completes.

    Parameters
    ----------
    path : str or path-like
        The checkpoint file.
    every : int, default=1
        Epochs (iterations, when full-batch) between checkpoints.
    delete_on_success : bool, default=True
        Remove the checkpoint once the fit has run to its end.

    Notes
    -----
    The states of other callbacks (EarlyStopping's patience counter,
    ReduceLROnPlateau's) are not part of the checkpoint.
    """

    def __init__(self, path: Any, every: int = 1, delete_on_success: bool = True) -> None:
        self.path = path
        self.every = every
        self.delete_on_success = delete_on_success

    def on_train_begin(self, logs: Logs | None = None) -> None:
        """Resume from the checkpoint, when there is one.

        Parameters
        ----------
        logs : dict, optional
        """
        import os

        from .io import load_arrays

        if not isinstance(self.every, int) or isinstance(self.every, bool) or self.every < 1:
            raise ValueError(f"BackupAndRestore: every must be a positive integer, "
                             f"got {self.every!r}")
        if not os.path.lexists(self.path):
            return
        config, parameters, extra = load_arrays(self.path, with_extra=True)
        state = config.get("training_state")
        if not isinstance(state, dict):
            raise ValueError(f"BackupAndRestore: {os.fspath(self.path)} is a model file, "
                             "not a training checkpoint")
        self.trainer.set_state(state, parameters, extra)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Write the checkpoint every ``every`` epochs.

        Parameters
        ----------
        epoch : int
        logs : dict, optional
        """
        if (epoch + 1) % self.every:
            return
        from .io import save_arrays

        trainer = self.trainer
        state, parameters, extra = trainer.get_state()
        sizes = [trainer.weights[0][0].shape[1]] + [W.shape[0] for W, _ in trainer.weights]
        config = {
            "estimator": "checkpoint",
            "layer_sizes": sizes,
            "activations": [a.name for a in trainer.activations],
            "dtype": np.dtype(trainer.weights[0][0].dtype).name,
            "classes": None,
            "training_state": state,
        }
        save_arrays(self.path, config, parameters, extra)

    def on_train_end(self, logs: Logs | None = None) -> None:
        """Delete the checkpoint after a complete fit.

        Parameters
        ----------
        logs : dict, optional
        """
        import os

        if self.delete_on_success and self.trainer.diverged_at is None:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass


class Trainer:
    """Runs the training loop over a network's weights, in place.

    Parameters
    ----------
    weights : list of [W, b] pairs
        The parameters, layer by layer; updated in place (pass copies).
    activations : sequence of Activation
        One per layer.
    loss : Loss
        The cost and its output-layer gradient.
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
        Use the Gram-matrix path (see the module documentation): "auto" when
        it is exact and cheaper, True to require it (plain gradient descent
        only), False never.

    Attributes
    ----------
    history : History
    stop_training : bool
        Set by a callback to end training after the current epoch.
    epoch : int
        Number of epochs completed.
    """

    def __init__(
        self,
        weights: list[list[Array]],
        activations: Sequence[Activation],
        loss: Loss,
        optimizer: Optimizer,
        callbacks: Sequence[Callback] = (),
        gram: bool | str = "auto",
        alpha: float = 0.0,
        dropout: float = 0.0,
        dropout_rng: Any = None,
        on_divergence: str = "warn",
    ) -> None:
        self.alpha = float(alpha)
        if not 0 <= dropout < 1:
            raise ValueError(f"Trainer: dropout must be in [0, 1), got {dropout}")
        if dropout and dropout_rng is None:
            raise ValueError("Trainer: dropout needs its own generator, dropout_rng")
        self.dropout = float(dropout)
        self.dropout_rng = dropout_rng
        if gram not in ("auto", True, False):
            raise ValueError(f"Trainer: gram must be 'auto', True or False, got {gram!r}")
        self.gram = gram
        self._gram: _GramState | None = None
        self.weights = weights
        self.activations = list(activations)
        self.loss = loss
        self.optimizer = optimizer
        self.history = History()
        self.terminate_on_nan = TerminateOnNaN(on_divergence)
        self.callbacks = [self.history, self.terminate_on_nan, *callbacks]
        self.stop_training = False
        self.epoch = 0
        self.diverged_at: int | None = None
        self._saved: tuple[list[Array], list[Array]] | None = None
        self._checkpoint_every_step = True
        self._buffers: Grads | None = None
        self._spare: list[Array] | None = None
        self._batch: Array | None = None
        self._pending_gram_P: Array | None = None
        self.rng: Any = None

    @property
    def parameters(self) -> dict[str, Array]:
        """The current parameters as the course's dict (the arrays themselves, not copies)."""
        if self._gram is not None:
            self._gram.materialize(self.weights[0][0])
        out = {}
        for l, (W, b) in enumerate(self.weights, start=1):
            out[f"W{l}"], out[f"b{l}"] = W, b
        return out

    def get_state(self) -> tuple[dict[str, Any], dict[str, Array], dict[str, Array]]:
        """Everything a resumed fit needs to continue bit for bit.

        Returns
        -------
        state : dict
            JSON-serialisable: epoch, history, the optimizer's scalars, the
            states of the shuffling and dropout generators.
        parameters : dict of str to ndarray
            Copies of ``W1``, ``b1``, ...
        extra : dict of str to ndarray
            The optimizer's moments (``opt_<name>``) and, on the Gram-matrix
            path, its running product ``gram_P``.
        """
        parameters = {k: to_numpy(v).copy() for k, v in self.parameters.items()}
        scalars, moments = self.optimizer.get_state()
        extra = {f"opt_{k}": to_numpy(v).copy() for k, v in moments.items()}
        if self._gram is not None:
            extra["gram_P"] = self._gram.P.copy()
        state = {
            "epoch": self.epoch,
            "history": {"history": self.history.history, "epoch": self.history.epoch},
            "optimizer": {"class": type(self.optimizer).__name__, "scalars": scalars},
            "rng": _rng_state(self.rng),
            "dropout_rng": _rng_state(self.dropout_rng),
        }
        return state, parameters, extra

    def set_state(self, state: dict[str, Any], parameters: dict[str, Array],
                  extra: dict[str, Array]) -> None:
        """Continue from what :meth:`get_state` returned (called at ``on_train_begin``).

        Parameters
        ----------
        state : dict
        parameters : dict of str to ndarray
        extra : dict of str to ndarray
        """
        current = self.parameters
        if set(parameters) != set(current) or any(
                parameters[k].shape != v.shape for k, v in current.items()):
            raise ValueError("Trainer.set_state: the checkpoint's parameters do not match "
                             "this network's layers")
        if state["optimizer"]["class"] != type(self.optimizer).__name__:
            raise ValueError(f"Trainer.set_state: the checkpoint was written with "
                             f"{state['optimizer']['class']}, this fit uses "
                             f"{type(self.optimizer).__name__}")
        for key, value in current.items():
            _assign(value, parameters[key])
        xp = namespace(self.weights[0][0])
        self.optimizer.set_state(state["optimizer"]["scalars"],
                                 {k[4:]: xp.asarray(v) for k, v in extra.items()
                                  if k.startswith("opt_")})
        self._pending_gram_P = extra.get("gram_P")
        self.epoch = int(state["epoch"])
        self.history.history = {k: list(v) for k, v in state["history"]["history"].items()}
        self.history.epoch = list(state["history"]["epoch"])
        _set_rng_state(self.rng, state["rng"])
        _set_rng_state(self.dropout_rng, state["dropout_rng"])

    def _call(self, hook: str, *args: Any) -> None:
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    def fit(
        self,
        X: Array,
        Y: Array,
        epochs: int,
        *,
        batch_size: int | None = None,
        shuffle: bool = True,
        rng: Any = None,
        sample_weight: Array | None = None,
        validation_data: tuple[Array, Array] | None = None,
        metrics: dict[str, Any] | None = None,
    ) -> History:
        """Run ``epochs`` epochs of training on (X, Y).

        Parameters
        ----------
        X : ndarray of shape (n_x, m)
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
        for cb in self.callbacks:
            cb.set_trainer(self)
        self.stop_training = False
        self._saved = None
        self._buffers = None
        self._checkpoint_every_step = batch_size is None
        self.diverged_at = None
        self.rng = rng
        end = self.epoch + epochs
        source = X if isinstance(X, RowSource) else None
        use_gram = batch_size is None and source is None and self._use_gram(X, epochs)
        self._call("on_train_begin", {})  # may restore a checkpoint (BackupAndRestore)
        if use_gram:
            self._gram = _GramState(X, self.weights[0][0])
            if self._pending_gram_P is not None:
                self._gram.P[...] = self._pending_gram_P
                self._gram.P0[...] = self._pending_gram_P
            self._pending_gram_P = None
            flat_params = [p for pair in self.weights for p in pair][1:]  # all but W1
            step = self._gram_step
        else:
            flat_params = [p for pair in self.weights for p in pair]
            step = self.step if source is None else self._source_step
        originals = list(flat_params)
        self._spare = None
        try:
            for epoch in range(self.epoch, end):
                self._call("on_epoch_begin", epoch, {})
                # Overflow inside a diverging step is reported once, below, as a
                # DivergenceWarning naming the iteration, not as NumPy noise.
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    if batch_size is None:
                        self._call("on_batch_begin", 0, {})
                        cost = step(X, Y, flat_params, sample_weight)
                        self._call("on_batch_end", 0, {"loss": float(cost)})
                    elif source is not None:
                        cost = self._source_minibatch_epoch(source, Y, flat_params, batch_size,
                                                            shuffle, rng)
                    else:
                        cost = self._minibatch_epoch(X, Y, flat_params, batch_size, shuffle,
                                                     rng, sample_weight)
                if self.diverged_at is not None:
                    break
                self.epoch = epoch + 1
                logs = {"loss": float(cost)}
                if metrics or validation_data is not None:
                    logs.update(self.evaluate(X, Y, validation_data, metrics, sample_weight))
                self._call("on_epoch_end", epoch, logs)
                if self.stop_training:
                    break
            self._final_check()
        finally:
            if self._gram is not None:
                self._gram.materialize(self.weights[0][0])
                self._gram = None
            if any(a is not b for a, b in zip(flat_params, originals, strict=True)):
                # Double buffering (see _apply_steps) may leave the result in the
                # spare arrays: the caller's arrays get it back, as promised.
                for orig, current in zip(originals, flat_params, strict=True):
                    _assign(orig, current)
                flat_params[:] = originals
                self._rebind(flat_params)
            self._spare = None
            self._batch = None
        self._call("on_train_end", {})
        return self.history

    def _source_step(self, X: RowSource, Y: Array, flat_params: list[Array],
                     sample_weight: Array | None = None) -> Any:
        """One full-batch iteration whose gradient is summed over blocks of rows.

        The blocks come from disk, or from the workers of a Dask cluster
        (see :mod:`deepstep.outofcore`); the update is the same as :meth:`step`'s.
        """
        m = X.shape[1]
        scale = self.optimizer.step_scale
        names = [a.name for a in self.activations]
        cost, grads = X.gradient(Y, [(W, b) for W, b in self.weights], names, self.loss.name,
                                 1.0 if scale is None else scale)
        cost = self.weights[0][0].dtype.type(cost + l2_penalty(self.weights, self.alpha, m))
        if not self._checkpoint(cost, flat_params, copy=scale is None):
            return cost
        self._update(flat_params, grads, scale, m)
        return cost

    def _source_minibatch_epoch(self, X: RowSource, Y: Array, flat_params: list[Array],
                                batch_size: int, shuffle: bool, rng: Any) -> float:
        """Mini-batches over blocks read one at a time, in a shuffled order."""
        starts = list(X.starts())
        order = rng.permutation(len(starts)) if shuffle else range(len(starts))
        total = 0.0
        for start, rows in X.blocks(order):
            k = rows.shape[0]
            cost = self._minibatch_epoch(rows.T, Y[:, start:start + k], flat_params,
                                         batch_size, shuffle, rng, None)
            if not np.isfinite(cost):
                return cost
            total += cost * k
        return total / X.shape[1]

    def _final_check(self) -> None:
        """Every fit ends with finite parameters, whatever its costs looked like.

        A cost can stay finite while a parameter is not (an infinite bias
        behind a saturated sigmoid, say); such a fit is treated as diverged.
        """
        if self.diverged_at is not None:
            return
        if all_finite(self.parameters):
            return
        self._restore()
        self.diverged_at = self.epoch
        message = (f"training ended with non-finite parameters after iteration {self.epoch}; "
                   "the last finite parameters were kept. Lower the learning rate.")
        if self.terminate_on_nan.mode == "raise":
            raise FloatingPointError(message)
        warnings.warn(message, DivergenceWarning, stacklevel=3)

    def _minibatch_epoch(self, X: Array, Y: Array, flat_params: list[Array], batch_size: int,
                         shuffle: bool, rng: Any, sample_weight: Array | None) -> float:
        """One pass over shuffled mini-batches; returns the mean of the batch costs."""
        m = X.shape[1]
        order = rng.permutation(m) if shuffle else np.arange(m)
        # The last update of the previous epoch may have made the parameters
        # non-finite while its batch's cost (computed before it) was finite:
        # keep the older checkpoint then, so a divergence never restores NaN.
        if self._saved is None or all_finite(flat_params):
            self._remember(flat_params)
        # The batch is gathered into one reused buffer: a new (n_x, B) array per
        # batch would cost an allocation and page faults every step. When the
        # examples are contiguous rows (X is the transposed view of a C-ordered
        # (m, n_x) array, the usual case) the buffer holds rows, else columns.
        foreign = is_foreign(X)
        rows = c_contiguous(X.T)
        shape = (batch_size, X.shape[0]) if rows else (X.shape[0], batch_size)
        if not foreign and (self._batch is None or self._batch.shape != shape
                            or self._batch.dtype != X.dtype):
            self._batch = np.empty(shape, dtype=X.dtype)
        xp = namespace(X)
        total = 0.0
        for batch, start in enumerate(range(0, m, batch_size)):
            idx = order[start:start + batch_size]
            self._call("on_batch_begin", batch, {})
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
                    Xb = np.take(X.T, idx, axis=0, out=self._batch[:len(idx)], mode="clip").T
                elif len(idx) == batch_size:
                    Xb = np.take(X, idx, axis=1, out=self._batch, mode="clip")
                else:
                    Xb = X[:, idx]
                Yb = Y[:, idx]
            cost = self.step(Xb, Yb, flat_params, w)
            del Xb  # a fallback batch would otherwise live on while the next is gathered
            self._call("on_batch_end", batch, {"loss": float(cost)})
            if not np.isfinite(cost):
                return float(cost)
            total += float(cost) * len(idx)
        return total / m

    def evaluate(self, X: Array, Y: Array, validation_data: tuple[Array, Array] | None,
                 metrics: dict[str, Any] | None, sample_weight: Array | None = None
                 ) -> dict[str, float]:
        """Metrics on the training data and loss and metrics on validation data, no update.

        Parameters
        ----------
        X, Y : ndarray
            Training data (only used for ``metrics``).
        validation_data : (X_val, Y_val) or None
        metrics : dict of name to callable (AL, Y) -> float, or None
        sample_weight : ndarray of shape (m,), optional

        Returns
        -------
        dict of str to float
        """
        weights = self.parameters
        pairs = [(weights[f"W{l}"], weights[f"b{l}"]) for l in range(1, len(self.weights) + 1)]
        out: dict[str, float] = {}
        if metrics:
            AL, _ = forward(X, pairs, self.activations)
            for name, fn in metrics.items():
                out[name] = float(fn(AL, Y))
        if validation_data is not None:
            Xv, Yv = validation_data
            AL, _ = forward(Xv, pairs, self.activations)
            out["val_loss"] = float(self.loss.cost(AL, Yv)
                                    + l2_penalty(pairs, self.alpha, Xv.shape[1]))
            for name, fn in (metrics or {}).items():
                out[f"val_{name}"] = float(fn(AL, Yv))
        return out

    def _checkpoint(self, cost: np.floating, state: list[Array], copy: bool = True) -> bool:
        """Before an update: False if the cost is not finite, else remember ``state``.

        Full-batch: copying the parameters costs about 1/m of the iteration's
        products, and lets a diverging fit end with the last parameters whose
        cost was finite. Mini-batches: a copy per batch would cost as much as
        the update itself, so the state is remembered once per epoch (see
        :meth:`_minibatch_epoch`) and a divergence returns to the epoch's start.
        """
        if not np.isfinite(cost):
            return False
        if copy and self._checkpoint_every_step:
            self._remember(state)
        return True

    def _remember(self, state: list[Array]) -> None:
        if self._saved is None or len(self._saved[1]) != len(state):
            self._saved = (state, [copy(a) for a in state])
        else:
            for src, dst in zip(state, self._saved[1], strict=True):
                _assign(dst, src)
            self._saved = (state, self._saved[1])

    def _restore(self) -> None:
        """Put back the state remembered before the last update whose cost was finite."""
        if self._saved is not None:
            for dst, src in zip(*self._saved, strict=True):
                _assign(dst, src)

    def _use_gram(self, X: Array, epochs: int) -> bool:
        if self.gram is False or is_foreign(X):  # the Gram path is NumPy-only
            return False
        exact = type(self.optimizer) is GradientDescent and self.optimizer.clip_norm is None
        if self.gram is True:
            if not exact:
                raise ValueError("Trainer: gram=True needs plain GradientDescent without "
                                 f"clipping, got {type(self.optimizer).__name__}")
            return True
        n_x, m = X.shape
        n1 = self.weights[0][0].shape[0]
        # Multiply-adds: the plain path forms W1 X and dZ1 X^T every iteration;
        # the Gram path forms K = X^T X, W1 X and the final W1 once, then dZ1 K.
        plain = epochs * 2 * n1 * n_x * m
        gram = n_x * m * m + 2 * n1 * n_x * m + epochs * n1 * m * m
        return exact and n_x > m and gram < plain

    def _gram_step(self, X: Array, Y: Array, flat_params: list[Array],
                   sample_weight: Array | None = None) -> np.floating:
        """One iteration of the Gram-matrix path; same result as :meth:`step`."""
        state = self._gram
        assert state is not None
        b1 = self.weights[0][1]
        Z1 = state.P + b1
        masks: list[Array] = []
        AL, caches = forward(X, self.weights, self.activations, Z1=Z1, dropout=self.dropout,
                             rng=self.dropout_rng, masks=masks)
        m = X.shape[1]
        cost = self.loss.cost(AL, Y, sample_weight)
        if self.alpha:
            squares = state.squared_norm() + sum(squared_norm(W) for W, _ in self.weights[1:])
            cost = cost + AL.dtype.type(self.alpha / (2 * m) * squares)
        if not self._checkpoint(cost, [*flat_params, *state.arrays()]):
            return cost
        scale = self.optimizer.step_scale
        assert scale is not None  # _use_gram admits plain gradient descent only
        grads = backward(self._mean_delta(AL, Y, sample_weight, scale), caches,
                         self.activations, need_dA0=False, need_dW1=False, masks=masks,
                         premeaned=True, out=self._gradient_buffers(with_dW1=False))
        flat_grads = [grads["db1"]]
        for l in range(2, len(self.weights) + 1):
            if self.alpha:
                grads[f"dW{l}"] += (scale * self.alpha / m) * self.weights[l - 1][0]
            flat_grads += [grads[f"dW{l}"], grads[f"db{l}"]]
        self.optimizer.apply_steps(flat_params, flat_grads)
        state.advance(grads["dZ1"], 1.0 - scale * self.alpha / m)
        return cost

    def _mean_delta(self, AL: Array, Y: Array, sample_weight: Array | None,
                    scale: float | None = None) -> Array:
        # dJ/dZ[L] of the mean cost: the 1/m applied once here, to n_L x m
        # values, rather than to every layer's dW (see backward's premeaned).
        # With plain gradient descent the learning rate joins it (scale), so
        # backpropagation yields the finished steps lr * dW directly.
        delta = self.loss.output_delta(AL, Y, sample_weight)
        delta *= (1.0 if scale is None else scale) / AL.shape[1]
        return delta

    def step(self, X: Array, Y: Array, flat_params: list[Array],
             sample_weight: Array | None = None) -> np.floating:
        """One iteration: forward, cost, backward, update.

        Parameters
        ----------
        X : ndarray of shape (n_x, m)
        Y : ndarray of shape (n_y, m)
        flat_params : list of ndarray
            ``[W1, b1, W2, b2, ...]``, updated in place.
        sample_weight : ndarray of shape (m,), optional

        Returns
        -------
        cost : numpy floating scalar
            The cost before the update.
        """
        masks: list[Array] = []
        AL, caches = forward(X, self.weights, self.activations, dropout=self.dropout,
                             rng=self.dropout_rng, masks=masks)
        m = X.shape[1]
        cost = self.loss.cost(AL, Y, sample_weight) + l2_penalty(self.weights, self.alpha, m)
        scale = self.optimizer.step_scale
        # Plain gradient descent needs no copy for its checkpoint: see _apply_steps.
        if not self._checkpoint(cost, flat_params, copy=scale is None):
            return cost
        grads = backward(self._mean_delta(AL, Y, sample_weight, scale), caches,
                         self.activations, need_dA0=False, masks=masks, premeaned=True,
                         out=self._gradient_buffers(with_dW1=True))
        self._update(flat_params, grads, scale, m)
        return cost

    def _update(self, flat_params: list[Array], grads: Grads, scale: float | None,
                m: int) -> None:
        """Add the L2 gradient and apply the optimizer's step to ``[W1, b1, W2, ...]``.

        ``grads`` already carry ``scale`` (the learning rate, for plain gradient
        descent, see :meth:`_mean_delta`), so the L2 term is scaled the same way.
        """
        flat_grads = []
        for l, (W, _) in enumerate(self.weights, start=1):
            if self.alpha:
                grads[f"dW{l}"] += ((1.0 if scale is None else scale) * self.alpha / m) * W
            flat_grads += [grads[f"dW{l}"], grads[f"db{l}"]]
        if scale is None:
            self.optimizer.update(flat_params, flat_grads, overwrite_grads=True)
        else:
            self._apply_steps(flat_params, flat_grads)

    def _apply_steps(self, flat_params: list[Array], steps: list[Array]) -> None:
        """Plain gradient descent's update, double-buffered when full-batch.

        Writing ``theta - step`` into a spare set of arrays and swapping leaves
        the previous parameters untouched: they are the checkpoint a diverging
        fit returns to, with one pass over the parameters instead of a copy
        plus an in-place update. ``fit`` hands the caller's arrays back at the end.
        """
        if not self._checkpoint_every_step:
            self.optimizer.apply_steps(flat_params, steps)
            return
        if self._spare is None:
            self._spare = [namespace(p).empty_like(p) for p in flat_params]
        new = self._spare
        self.optimizer.apply_steps(flat_params, steps, out=new)
        previous = list(flat_params)
        flat_params[:] = new
        self._spare = previous
        self._saved = (flat_params, previous)
        self._rebind(flat_params)

    def _rebind(self, flat_params: list[Array]) -> None:
        """Point the ``[W, b]`` pairs at the arrays of ``flat_params`` (all, or all but W1)."""
        flat = iter(flat_params)
        skip_W1 = len(flat_params) == 2 * len(self.weights) - 1
        for l, pair in enumerate(self.weights):
            if not (l == 0 and skip_W1):
                pair[0] = next(flat)
            pair[1] = next(flat)

    def _gradient_buffers(self, with_dW1: bool) -> Grads | None:
        """The gradients' arrays, allocated once per fit and overwritten by every step.

        NumPy only (``out=`` is not part of the array API): None otherwise.
        """
        if is_foreign(self.weights[0][0]):
            return None
        buffers = self._buffers
        if buffers is None or ("dW1" in buffers) != with_dW1:
            buffers = {}
            for l, (W, b) in enumerate(self.weights, start=1):
                if l > 1 or with_dW1:
                    buffers[f"dW{l}"] = np.empty_like(W)
                buffers[f"db{l}"] = np.empty_like(b)
            self._buffers = buffers
        return buffers


class _GramState:
    """The Gram-matrix path's state, with W1 = a W1_0 - R X^T kept implicit.

    ``W1_0`` is the W1 array's content when the state was created or last
    materialised; the array itself is not touched in between. ``P = W1 X``
    is kept up to date through ``K = X^T X``. Without L2 the scalar ``a``
    stays 1; with L2 every step first decays W1 by ``gamma = 1 - lr alpha / m``,
    which scales ``a`` and ``R``, and ``Q = R K`` is kept so that ``||W1||^2``
    (the penalty) costs no product with X either. ``materialize`` writes W1.
    """

    def __init__(self, X: Array, W1: Array) -> None:
        self.X = X
        self.K = X.T @ X
        self.P = W1 @ X
        self.P0 = self.P.copy()
        self.R = np.zeros_like(self.P)
        self.Q = np.zeros_like(self.P)
        self.a = np.ones((), dtype=self.P.dtype)
        self.w0sq = float(np.vdot(W1, W1))
        self.dirty = False

    def arrays(self) -> list[Array]:
        """The arrays one step changes (what a divergence checkpoint must keep)."""
        return [self.P, self.R, self.Q, self.a]

    def advance(self, step: Array, decay: float = 1.0) -> None:
        # Gradient descent on W1, W1 <- decay W1 - step X^T with step = (lr/m) dZ1
        # (backpropagated already scaled), seen through X:
        # W1 X  <-  decay W1 X - step X^T X.
        SK = step @ self.K
        if decay == 1.0:
            self.P -= SK
            self.R += step
            self.Q += SK
        else:
            self.a *= decay
            self.R *= decay
            self.R += step
            self.Q *= decay
            self.Q += SK
            np.multiply(self.P0, self.a, out=self.P)
            self.P -= self.Q
        self.dirty = True

    def squared_norm(self) -> float:
        """||W1||^2 = a^2 ||W1_0||^2 - 2 a <W1_0 X, R> + <R K, R>, without W1."""
        a = float(self.a)
        return (a * a * self.w0sq - 2 * a * float(np.vdot(self.P0, self.R))
                + float(np.vdot(self.Q, self.R)))

    def materialize(self, W1: Array) -> None:
        if self.dirty:
            if self.a != 1:
                W1 *= self.a
            W1 -= self.R @ self.X.T
            self.a[...] = 1
            self.R[...] = 0
            self.Q[...] = 0
            self.P0[...] = self.P
            self.w0sq = float(np.vdot(W1, W1))
            self.dirty = False
