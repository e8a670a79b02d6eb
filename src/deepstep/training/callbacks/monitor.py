"""What the stopping and plateau callbacks share: one logged value, its best, a count.

:class:`Monitor` reads the watched value from the epoch logs, keeps the best
value seen and the epochs since an improvement (``wait``), and can keep the
weights of the best epoch and put them back at the end of training. Each
subclass states only its own rule: what counts as an improvement and what
happens after too many epochs without one (:class:`EarlyStopping` stops,
Keras's rule; :class:`NoImprovementStopping` stops or asks ``on_plateau``,
scikit-learn's rule; :class:`ReduceLROnPlateau` lowers the learning rate).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._backend import assign, copy
from .base import Callback, Logs

__all__ = ["Monitor"]


class Monitor(Callback):
    """Base of callbacks that watch one value of the epoch logs.

    Parameters
    ----------
    monitor : str
        Key of the epoch logs to watch.
    mode : {"min", "max"}, default="min"
        Whether lower (a loss) or higher (a score) is better.
    restore_best_weights : bool, default=False
        Keep a copy of the parameters at every new best value
        (:meth:`keep_best_weights`) and put it back at the end of training.

    Attributes
    ----------
    best : float
        The best value so far (+inf or -inf before the first).
    wait : int
        Epochs since the last improvement.
    best_weights : dict of str to ndarray or None
        The parameters of the best epoch, when kept.
    stopped_epoch : int or None
        The epoch at which this callback stopped training, if it did.
    """

    def __init__(self, monitor: str, mode: str = "min",
                 restore_best_weights: bool = False) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"{type(self).__name__}: mode must be 'min' or 'max', got {mode!r}")
        self.monitor, self.mode = monitor, mode
        self.restore_best_weights = restore_best_weights
        self.best = self.worst()
        self.wait = 0
        self.best_weights: dict[str, Any] | None = None
        self.stopped_epoch: int | None = None

    def worst(self) -> float:
        """The starting ``best``: +inf when lower is better, -inf otherwise."""
        return np.inf if self.mode == "min" else -np.inf

    def value(self, logs: Logs | None, hint: str = "") -> float:
        """The watched value of this epoch; a ValueError naming what was logged if absent.

        Parameters
        ----------
        logs : dict of str to float or None
        hint : str, optional
            Appended to the message (what to do about it).
        """
        if not logs or self.monitor not in logs:
            raise ValueError(f"{type(self).__name__}: {self.monitor!r} is not among the logged "
                             f"values {sorted(logs or {})}{hint}")
        return logs[self.monitor]

    def beats_best(self, value: float, margin: float = 0.0) -> bool:
        """Whether ``value`` is better than :attr:`best` by more than ``margin`` (NaN never is)."""
        if self.mode == "min":
            return bool(value < self.best - margin)
        return bool(value > self.best + margin)

    def keep_best_weights(self) -> None:
        """Copy the current parameters as the best epoch's, if asked to restore them."""
        if self.restore_best_weights:
            self.best_weights = {k: copy(v) for k, v in self.trainer.parameters.items()}

    def stop(self, epoch: int) -> None:
        """End training after this epoch."""
        self.stopped_epoch = epoch
        self.trainer.stop_training = True

    def on_train_end(self, logs: Logs | None = None) -> None:
        """Put the best weights back, if asked to and there are any.

        Parameters
        ----------
        logs : dict of str to float, optional
        """
        if self.restore_best_weights and self.best_weights is not None:
            for key, value in self.trainer.parameters.items():
                assign(value, self.best_weights[key])
