"""Stopping on a tolerance: ``n_iter_no_change`` epochs without an improvement of ``tol``.

scikit-learn's MLP rule, as a callback any estimator can use: after every
epoch the monitored value is compared with the best so far; an epoch that
does not beat it *by more than* ``tol`` counts one more, an epoch that does
resets the count; once the count exceeds ``n_iter_no_change`` training stops
(or ``on_plateau`` decides otherwise, e.g. cuts the learning rate and goes
on). The best value itself is updated on any strict improvement, however
small, so ``tol`` only decides what counts as progress.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .base import Logs
from .monitor import Monitor

__all__ = ["NoImprovementStopping"]


class NoImprovementStopping(Monitor):
    """Stop after more than ``n_iter_no_change`` epochs without a ``tol`` improvement.

    Parameters
    ----------
    monitor : str, default="loss"
        Key of the epoch logs to watch (a callback earlier in the list may
        add its own, e.g. a validation score).
    tol : float, default=1e-4
        An epoch improves only if it beats the best value by more than tol.
    n_iter_no_change : int or float, default=10
        How many epochs without improvement are tolerated (``np.inf``: never stop).
    mode : {"min", "max"}, default="min"
        Whether lower (a loss) or higher (a score) is better.
    restore_best_weights : bool, default=False
        Keep a copy of the parameters at every new best value and put it back
        at the end of training.
    on_plateau : callable () -> bool, optional
        Called when the count is exceeded; True stops training, False resets
        the count and goes on (a learning-rate cut). By default: stop.
    best : float, optional
        The best value so far, to continue an earlier run's count (with
        ``wait``); by default +inf (``mode="min"``) or -inf (``"max"``).
    wait : int, default=0
        Epochs without improvement already counted.
    best_weights : dict of str to ndarray, optional
        The parameters of that best value (the course's dict).

    Attributes
    ----------
    best : float
    wait : int
    best_weights : dict of str to ndarray or None
    stopped_epoch : int or None
        The epoch at which training stopped, if it did.
    """

    def __init__(self, monitor: str = "loss", tol: float = 1e-4,
                 n_iter_no_change: float = 10, mode: str = "min",
                 restore_best_weights: bool = False,
                 on_plateau: Callable[[], bool] | None = None, best: float | None = None,
                 wait: int = 0, best_weights: dict[str, Any] | None = None) -> None:
        super().__init__(monitor, mode, restore_best_weights)
        self.tol, self.n_iter_no_change = float(tol), n_iter_no_change
        self.on_plateau = on_plateau
        if best is not None:
            self.best = float(best)
        self.wait = int(wait)
        self.best_weights = best_weights

    def _improves(self, value: float, margin: float) -> bool:
        # Written as scikit-learn compares (a NaN "improves" nothing and is
        # counted as no stall either: both comparisons are False).
        if self.mode == "min":
            return not value > self.best - margin
        return not value < self.best + margin

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Count the epoch, keep a new best, stop (or ask ``on_plateau``) past the limit.

        Parameters
        ----------
        epoch : int
        logs : dict of str to float, optional
        """
        value = float(self.value(logs))
        self.wait = 0 if self._improves(value, self.tol) else self.wait + 1
        if self.beats_best(value):
            self.best = value
            self.keep_best_weights()
        if self.wait > self.n_iter_no_change:
            if self.on_plateau is None or self.on_plateau():
                self.stop(epoch)
            else:
                self.wait = 0
