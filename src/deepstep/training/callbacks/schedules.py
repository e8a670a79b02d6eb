"""Learning-rate callbacks: a schedule per epoch, or a cut when the loss stalls."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Callback, Logs

__all__ = ["LearningRateScheduler", "ReduceLROnPlateau"]


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
