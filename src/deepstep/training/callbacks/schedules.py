"""Learning-rate schedules, all of them: the rules, and the callbacks that apply them.

A rule is a plain callable ``(lr0, step) -> lr`` (:class:`StepDecay`,
:class:`ExponentialDecay`, :class:`InverseTimeDecay` by epoch;
:class:`InverseScaling` by samples seen); a callback applies one between
epochs (:class:`LearningRateScheduler`, :class:`SampleScheduler`) or cuts the
rate when a monitored value stalls (:class:`ReduceLROnPlateau`;
:func:`divide_on_plateau`, scikit-learn's "adaptive" rate, is the hook its
stopping rule calls). The optimizers only read ``learning_rate``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .base import Callback, Logs
from .monitor import Monitor

__all__ = ["SCHEDULES", "ExponentialDecay", "InverseScaling", "InverseTimeDecay",
           "LearningRateScheduler", "ReduceLROnPlateau", "SampleScheduler", "StepDecay",
           "divide_on_plateau"]


class StepDecay:
    """``lr = lr0 * factor ** (epoch // every)``.

    Parameters
    ----------
    every : int, default=100
    factor : float, default=0.5
    """

    def __init__(self, every: int = 100, factor: float = 0.5) -> None:
        self.every, self.factor = every, factor

    def __call__(self, lr0: float, epoch: int) -> float:
        """The learning rate of ``epoch`` given the initial ``lr0``.

        Parameters
        ----------
        lr0 : float
        epoch : int

        Returns
        -------
        float
        """
        return lr0 * self.factor ** (epoch // self.every)


class ExponentialDecay:
    """``lr = lr0 * rate ** epoch``.

    Parameters
    ----------
    rate : float, default=0.99
    """

    def __init__(self, rate: float = 0.99) -> None:
        self.rate = rate

    def __call__(self, lr0: float, epoch: int) -> float:
        """The learning rate of ``epoch`` given the initial ``lr0``.

        Parameters
        ----------
        lr0 : float
        epoch : int

        Returns
        -------
        float
        """
        return lr0 * self.rate ** epoch


class InverseTimeDecay:
    """``lr = lr0 / (1 + decay * epoch)`` (the course's learning-rate decay).

    Parameters
    ----------
    decay : float, default=0.01
    """

    def __init__(self, decay: float = 0.01) -> None:
        self.decay = decay

    def __call__(self, lr0: float, epoch: int) -> float:
        """The learning rate of ``epoch`` given the initial ``lr0``.

        Parameters
        ----------
        lr0 : float
        epoch : int

        Returns
        -------
        float
        """
        return lr0 / (1 + self.decay * epoch)


class InverseScaling:
    """``lr = lr0 / (t + 1) ** power_t``, t the samples seen (scikit-learn's "invscaling").

    Parameters
    ----------
    power_t : float, default=0.5
    """

    def __init__(self, power_t: float = 0.5) -> None:
        self.power_t = power_t

    def __call__(self, lr0: float, t: int) -> float:
        """The learning rate after ``t`` samples given the initial ``lr0``.

        Parameters
        ----------
        lr0 : float
        t : int

        Returns
        -------
        float
        """
        return float(lr0) / (t + 1) ** self.power_t


#: Schedules by name ("constant" keeps the learning rate; "plateau" is
#: :class:`ReduceLROnPlateau`).
SCHEDULES = {"step": StepDecay, "exponential": ExponentialDecay,
             "inverse_time": InverseTimeDecay}


class LearningRateScheduler(Callback):
    """Set the optimiser's learning rate before each epoch from ``schedule(lr0, epoch)``.

    Parameters
    ----------
    schedule : callable (lr0, epoch) -> float
        E.g. :class:`StepDecay`, :class:`ExponentialDecay` or :class:`InverseTimeDecay`.
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


class ReduceLROnPlateau(Monitor):
    """Multiply the learning rate by ``factor`` when ``monitor`` stalls for ``patience`` epochs.

    Parameters
    ----------
    monitor : str, default="loss"
        Lower is better; an epoch whose logs lack it is skipped.
    factor : float, default=0.5
    patience : int, default=10
    min_delta : float, default=0.0
    min_lr : float, default=0.0
    """

    def __init__(self, monitor: str = "loss", factor: float = 0.5, patience: int = 10,
                 min_delta: float = 0.0, min_lr: float = 0.0) -> None:
        super().__init__(monitor, "min")
        self.factor, self.patience = factor, patience
        self.min_delta, self.min_lr = min_delta, min_lr

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
        if self.beats_best(value, self.min_delta):
            self.best, self.wait = value, 0
            return
        self.wait += 1
        if self.wait >= self.patience:
            opt = self.trainer.optimizer
            opt.learning_rate = max(self.min_lr, opt.learning_rate * self.factor)
            self.wait = 0


class SampleScheduler(Callback):
    """Set the learning rate after each epoch from ``schedule(lr0, samples seen)``.

    Parameters
    ----------
    schedule : callable (lr0, t) -> float
        E.g. :class:`InverseScaling`.
    lr0 : float
        The initial learning rate (given, since ``partial_fit`` builds a new
        trainer around an optimizer whose rate is already scheduled).
    samples_seen : callable () -> int
        The count so far (the MLP's ``t_``, updated by an earlier callback).
    """

    def __init__(self, schedule: Callable[[float, int], float], lr0: float,
                 samples_seen: Callable[[], int]) -> None:
        self.schedule, self.lr0, self.samples_seen = schedule, lr0, samples_seen

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Set the learning rate of the next epoch.

        Parameters
        ----------
        epoch : int
        logs : dict of str to float, optional
        """
        self.trainer.optimizer.learning_rate = self.schedule(self.lr0, self.samples_seen())


def divide_on_plateau(optimizer: Any, factor: float = 5.0,
                      min_lr: float = 1e-6) -> Callable[[], bool]:
    """A stalled-loss hook: divide the rate by ``factor``, or stop once it is at most ``min_lr``.

    scikit-learn's ``learning_rate="adaptive"``, as the ``on_plateau`` of
    :class:`~deepstep.training.NoImprovementStopping`.

    Parameters
    ----------
    optimizer : Optimizer
    factor : float, default=5.0
    min_lr : float, default=1e-6

    Returns
    -------
    callable () -> bool
        True: stop training; False: the rate was cut, go on.
    """
    def cut() -> bool:
        if optimizer.learning_rate <= min_lr:
            return True
        optimizer.learning_rate /= factor
        return False

    return cut
