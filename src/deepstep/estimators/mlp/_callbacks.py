"""The MLP estimators' bookkeeping as training callbacks (the public Trainer API only).

Each epoch, in scikit-learn's order: :class:`EpochRecord` counts it
(``n_iter_``, ``t_``, ``loss_``, ``loss_curve_``), :class:`ValidationScore`
adds the held-out score to the logs (for the stopping rule that follows it
in the list). The learning-rate schedules are deepstep.training's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...training import Callback
from ...training.callbacks import Logs

__all__ = ["EpochRecord", "ValidationScore"]


class EpochRecord(Callback):
    """Write each epoch's count and loss into the estimator's fitted attributes.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
    n_samples : int
        Training examples per epoch (what ``t_`` grows by).
    """

    def __init__(self, estimator: Any, n_samples: int) -> None:
        self.estimator, self.n_samples = estimator, n_samples

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Record the epoch.

        Parameters
        ----------
        epoch : int
        logs : dict of str to float, optional
            ``logs["loss"]``: the mean of the batch costs (with their L2 terms).
        """
        est = self.estimator
        est.n_iter_ += 1
        est.t_ += self.n_samples
        est.loss_ = float((logs or {})["loss"])
        est.loss_curve_.append(est.loss_)
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")


class ValidationScore(Callback):
    """Score the current weights on held-out data and log it as ``logs[name]``.

    Parameters
    ----------
    score : callable (weights) -> float
        Accuracy or R^2 of a network with these ``[W, b]`` pairs on the
        validation data (NaN for non-finite predictions).
    scores : list of float
        Receives every epoch's score (the estimator's ``validation_scores_``).
    name : str, default="val_score"
    verbose : bool, default=False
    """

    def __init__(self, score: Callable[[Any], float], scores: list[float],
                 name: str = "val_score", verbose: bool = False) -> None:
        self.score, self.scores, self.name, self.verbose = score, scores, name, verbose

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Compute the score and add it to ``logs``.

        Parameters
        ----------
        epoch : int
        logs : dict of str to float
        """
        value = float(self.score(self.trainer.weights))
        self.scores.append(value)
        if logs is not None:
            logs[self.name] = value
        if self.verbose:
            print(f"Validation score: {value:f}")
