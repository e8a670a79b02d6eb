"""Early stopping on a monitored value, with the best weights restored."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._backend import assign, copy
from .base import Callback, Logs

__all__ = ["EarlyStopping"]


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
        self._best_weights: dict[str, Any] | None = None
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
                assign(value, self._best_weights[key])
