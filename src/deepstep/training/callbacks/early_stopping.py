"""Early stopping on a monitored value, with the best weights restored (Keras's rule)."""

from __future__ import annotations

import numpy as np

from .base import Logs
from .monitor import Monitor

__all__ = ["EarlyStopping"]


class EarlyStopping(Monitor):
    """Stop when a monitored value has not improved for ``patience`` epochs.

    Parameters
    ----------
    monitor : str, default="val_loss"
        Key of the epoch logs to watch (lower is better).
    patience : int, float or None, default=10
        Epochs without improvement before stopping; ``None`` or ``np.inf``:
        never stop (the best weights are still restored at the end).
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

    def __init__(self, monitor: str = "val_loss", patience: float | None = 10,
                 min_delta: float = 0.0, restore_best_weights: bool = True) -> None:
        super().__init__(monitor, "min", restore_best_weights)
        self.patience = np.inf if patience is None else patience
        self.min_delta = min_delta
        self.best_epoch = -1

    def on_train_begin(self, logs: Logs | None = None) -> None:
        """Reset the state.

        Parameters
        ----------
        logs : dict of str to float, optional
        """
        self.best, self.best_epoch, self.stopped_epoch = self.worst(), -1, None
        self.best_weights, self.wait = None, 0

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Record an improvement or count one more epoch without.

        Parameters
        ----------
        epoch : int
        logs : dict of str to float, optional
        """
        value = self.value(logs, "; give validation data or monitor 'loss'")
        if self.beats_best(value, self.min_delta):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            self.keep_best_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stop(epoch)
