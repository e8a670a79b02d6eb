"""Divergence: stop at the first non-finite cost, keeping the last finite parameters."""

from __future__ import annotations

import warnings

import numpy as np

from .base import Callback, Logs

__all__ = ["DivergenceWarning", "TerminateOnNaN"]


class DivergenceWarning(UserWarning):
    """Training stopped because the cost became NaN or infinite."""


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
        warnings.warn(message, DivergenceWarning, stacklevel=2)
