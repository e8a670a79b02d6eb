"""Divergence: a non-finite cost, or one that stays far above its start.

:class:`TerminateOnNaN` stops at the first NaN or infinite cost;
:class:`TerminateOnRisingCost` at a finite cost that keeps rising far above
the first one. Both keep parameters whose cost was good.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..._backend import assign, copy
from ..._warnings import warn
from .base import Callback, Logs

__all__ = ["DivergenceWarning", "TerminateOnNaN", "TerminateOnRisingCost"]


class DivergenceWarning(UserWarning):
    """Training stopped because the cost became NaN or infinite, or kept rising far."""


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
        trainer.restore_last_finite()
        trainer.diverged_at = trainer.epoch
        trainer.stop_training = True
        lr = getattr(trainer.optimizer, "learning_rate", None)
        message = (f"training diverged at iteration {trainer.epoch}: the cost is {cost}; "
                   f"training stopped with the last finite parameters. Lower the learning "
                   f"rate (now {lr}).")
        if self.mode == "raise":  # the trainer's fit hands the parameters back on its way out
            raise FloatingPointError(message)
        warn(message, DivergenceWarning)


class TerminateOnRisingCost(Callback):
    """Stop when the cost stays far above where training started; go back to the start.

    A learning rate far too large need not give a NaN: with the output
    probabilities clipped to ``[eps, 1 - eps]`` the cross-entropy saturates
    near ``-log(eps)`` and oscillates there for ever. This callback catches
    that case beside :class:`TerminateOnNaN`:

    * the reference ``J0`` is the first cost of the fit (the first batch's,
      before any update; an epoch's mean could already have diverged);
    * an epoch whose cost is above ``bound = max(factor * J0, J0 + margin)``
      counts as a rising epoch; ``patience`` of them in a row stop training.

    Ordinary training does not come near the bound: the cost falls from
    ``J0``, and the epoch means of noisy mini-batch training wander by far
    less than ten times it (the margin covers a ``J0`` near 0, as after a
    warm start). On stopping, the parameters go back to those training
    started from, the ones known to have a good cost (``J0`` itself), and a
    :class:`DivergenceWarning` is issued (``mode="warn"``) or a
    ``FloatingPointError`` raised (``mode="raise"``) naming the costs, the
    iteration and the learning rate.

    No later snapshot is kept: a copy of the parameters during the whole fit
    is memory the training loop otherwise does without (``tests/test_fast_paths``
    bounds a fit's memory), and a cost that rises tenfold means a learning
    rate to lower, not a model to keep.

    Parameters
    ----------
    mode : {"warn", "raise"}, default="warn"
    factor : float, default=10.0
    margin : float, default=1.0
    patience : int, default=5
    initial : callable () -> dict of str to ndarray, optional
        Returns the starting parameters when needed (an estimator rebuilds
        them at no memory cost; a picklable object, not a lambda, so that the
        estimator pickles); by default a copy is taken when a fit starts.

    Attributes
    ----------
    reference : float or None
        ``J0``.
    stopped_epoch : int or None
        The epoch after which the fit stopped, if it did.
    """

    def __init__(self, mode: str = "warn", factor: float = 10.0, margin: float = 1.0,
                 patience: int = 5, initial: Callable[[], dict[str, Any]] | None = None) -> None:
        if mode not in ("warn", "raise"):
            raise ValueError(f"TerminateOnRisingCost: mode must be 'warn' or 'raise', "
                             f"got {mode!r}")
        self.mode = mode
        self.factor, self.margin, self.patience = float(factor), float(margin), int(patience)
        self.initial = initial
        self.reference: float | None = None
        self.stopped_epoch: int | None = None
        self._rising = 0
        self._saved: dict[str, Any] | None = None
        self._message = ""

    @property
    def bound(self) -> float:
        """``max(factor * J0, J0 + margin)`` (infinite before ``J0`` is known)."""
        if self.reference is None:
            return np.inf
        return max(self.factor * self.reference, self.reference + self.margin)

    def on_train_begin(self, logs: Logs | None = None) -> None:
        """A new trainer starts afresh; one continued (``partial_fit``) keeps its state.

        Parameters
        ----------
        logs : dict of str to float, optional
        """
        self.stopped_epoch, self._message = None, ""
        if self.trainer.epoch == 0:
            self.reference, self._rising = None, 0
            self._saved = None if self.initial is not None else {
                k: copy(v) for k, v in self.trainer.parameters.items()}

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Take the fit's first cost as the reference.

        Parameters
        ----------
        batch : int
        logs : dict of str to float, optional
        """
        cost = (logs or {}).get("loss", np.nan)
        if self.reference is None and np.isfinite(cost):
            self.reference = float(cost)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Count a rising epoch; stop after ``patience`` in a row.

        Parameters
        ----------
        epoch : int
        logs : dict of str to float, optional
        """
        cost = float((logs or {}).get("loss", np.nan))
        if not cost > self.bound:  # within the bound (a NaN is TerminateOnNaN's)
            self._rising = 0
            return
        self._rising += 1
        if self._rising < self.patience:
            return
        trainer = self.trainer
        trainer.stop_training = True
        trainer.diverged_at = self.stopped_epoch = trainer.epoch
        lr = getattr(trainer.optimizer, "learning_rate", None)
        self._message = (
            f"training diverged: the cost rose from {self.reference:.6g} to {cost:.6g}, above "
            f"max({self.factor:g} x {self.reference:.6g}, {self.reference:.6g} + "
            f"{self.margin:g}) = {self.bound:.6g} for {self._rising} epochs in a row "
            f"(iteration {trainer.epoch}); training stopped with the parameters it started "
            f"from. Lower the learning rate (now {lr}).")
        self._rising = 0

    def on_train_end(self, logs: Logs | None = None) -> None:
        """Put the starting parameters back (once the step has handed its arrays back); report.

        Parameters
        ----------
        logs : dict of str to float, optional
        """
        if not self._message:
            return
        start = self.initial() if self.initial is not None else self._saved
        if start is None:  # nothing to go back to: the last finite parameters, at least
            self.trainer.restore_last_finite()
        else:
            for key, value in self.trainer.parameters.items():
                assign(value, start[key])
        message, self._message = self._message, ""
        if self.mode == "raise":
            raise FloatingPointError(message)
        warn(message, DivergenceWarning)
