"""History: the logs of every epoch, as Keras records them."""

from __future__ import annotations

from .base import Callback, Logs

__all__ = ["History"]


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
