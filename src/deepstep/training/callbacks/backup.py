"""BackupAndRestore: atomic training checkpoints, and resuming from them."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ...io import check_output_path, load_arrays, save_arrays
from .base import Callback, Logs

__all__ = ["BackupAndRestore"]


class BackupAndRestore(Callback):
    """Checkpoint training every ``every`` epochs; a restarted fit resumes from it.

    Like Keras's callback of the same name: if a fit is interrupted (even by
    SIGKILL or a power cut), running the same fit again with the same
    callback continues from the last checkpoint instead of starting over,
    and with the same ``random_state`` ends bit-identical to a fit that was
    never interrupted: parameters, optimizer moments, learning rate, the
    shuffling and dropout generators and the history are all restored.
    Checkpoints are written atomically (a complete file or the previous
    one, never a torn one) and deleted when the fit completes.

    Parameters
    ----------
    path : str or path-like
        The checkpoint file.
    every : int, default=1
        Epochs (iterations, when full-batch) between checkpoints.
    delete_on_success : bool, default=True
        Remove the checkpoint once the fit has run to its end.

    Notes
    -----
    The states of other callbacks (EarlyStopping's patience counter,
    ReduceLROnPlateau's) are not part of the checkpoint.
    """

    def __init__(self, path: Any, every: int = 1, delete_on_success: bool = True) -> None:
        self.path = path
        self.every = every
        self.delete_on_success = delete_on_success

    def on_train_begin(self, logs: Logs | None = None) -> None:
        """Resume from the checkpoint, when there is one.

        Parameters
        ----------
        logs : dict, optional
        """
        if not isinstance(self.every, int) or isinstance(self.every, bool) or self.every < 1:
            raise ValueError(f"BackupAndRestore: every must be a positive integer, "
                             f"got {self.every!r}")
        if not os.path.lexists(self.path):
            # the first checkpoint is epochs away: a path it cannot be
            # written to is an error now, naming it, not after that training
            check_output_path(self.path, f"BackupAndRestore: {os.fspath(self.path)}")
            return
        config, parameters, extra = load_arrays(self.path, with_extra=True)
        state = config.get("training_state")
        if not isinstance(state, dict):
            raise ValueError(f"BackupAndRestore: {os.fspath(self.path)} is a model file, "
                             "not a training checkpoint")
        self.trainer.set_state(state, parameters, extra)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Write the checkpoint every ``every`` epochs.

        Parameters
        ----------
        epoch : int
        logs : dict, optional
        """
        if (epoch + 1) % self.every:
            return
        trainer = self.trainer
        state, parameters, extra = trainer.get_state()
        sizes = [trainer.weights[0][0].shape[1]] + [W.shape[0] for W, _ in trainer.weights]
        config = {
            "estimator": "checkpoint",
            "layer_sizes": sizes,
            "activations": [a.name for a in trainer.activations],
            "dtype": np.dtype(trainer.weights[0][0].dtype).name,
            "classes": None,
            "training_state": state,
        }
        save_arrays(self.path, config, parameters, extra)

    def on_train_end(self, logs: Logs | None = None) -> None:
        """Delete the checkpoint after a complete fit.

        Parameters
        ----------
        logs : dict, optional
        """
        if self.delete_on_success and self.trainer.diverged_at is None:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
