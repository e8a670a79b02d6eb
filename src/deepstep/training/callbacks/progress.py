"""Showing progress: the course's cost printout, scikit-learn's epoch line, a tqdm bar."""

from __future__ import annotations

import sys
from typing import Any

from .base import Callback, Logs

__all__ = ["CostPrinter", "ProgressBar"]


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


class IterationPrinter(Callback):
    """Print scikit-learn's verbose line after every epoch: ``Iteration 3, loss = 0.12345678``.

    What ``partial_fit`` shows with ``verbose``: one line per call, numbered
    across calls (a one-step progress bar would say nothing).

    Parameters
    ----------
    stream : file-like, default=sys.stdout
    """

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Print the epoch's line.

        Parameters
        ----------
        epoch : int
        logs : dict of str to float, optional
        """
        if logs and "loss" in logs:
            print(f"Iteration {epoch + 1}, loss = {logs['loss']:.8f}",
                  file=self.stream or sys.stdout)


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
