"""The callback interface: hooks the training loop calls, each doing nothing by default.

A callback reaches the running trainer as ``self.trainer`` and uses only its
public API: ``parameters`` (the current weights, as the course's dict),
``weights`` and ``activations`` (the layers), ``optimizer`` (its
``learning_rate``), ``epoch``, ``history``, ``stop_training``,
``diverged_at``, ``restore_last_finite()`` and ``get_state()`` /
``set_state()``.
"""

from __future__ import annotations

from typing import Any

Logs = dict[str, float]

__all__ = ["Callback", "Logs"]


class Callback:
    """Base class of training callbacks; every hook does nothing by default.

    A callback reaches the running :class:`Trainer` as ``self.trainer`` and
    can stop training by setting ``self.trainer.stop_training = True``.
    """

    trainer: Any

    def set_trainer(self, trainer: Any) -> None:
        """Attach the trainer; called before ``on_train_begin``.

        Parameters
        ----------
        trainer : Trainer
        """
        self.trainer = trainer

    def on_train_begin(self, logs: Logs | None = None) -> None:
        """Called once before the first epoch.

        Parameters
        ----------
        logs : dict of str to float, optional
            Values of the moment (empty at these hooks).
        """

    def on_train_end(self, logs: Logs | None = None) -> None:
        """Called once after the last epoch.

        Parameters
        ----------
        logs : dict of str to float, optional
            Values of the moment (empty at these hooks).
        """

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        """Called at the start of every epoch (0-based).

        Parameters
        ----------
        epoch : int
            The epoch, counted from 0.
        logs : dict of str to float, optional
            At the end of an epoch, ``logs["loss"]`` is its cost.
        """

    def on_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Called before each mini-batch update (every iteration when full-batch).

        Parameters
        ----------
        batch : int
            Index of the batch within the epoch.
        logs : dict of str to float, optional
        """

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Called after each mini-batch update with ``logs["loss"]``, the batch's cost.

        Parameters
        ----------
        batch : int
            Index of the batch within the epoch.
        logs : dict of str to float, optional
        """

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Called at the end of every epoch with ``logs["loss"]``, the epoch's cost.

        Parameters
        ----------
        epoch : int
            The epoch, counted from 0.
        logs : dict of str to float, optional
            At the end of an epoch, ``logs["loss"]`` is its cost.
        """
