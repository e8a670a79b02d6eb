"""The regressor: :class:`DNNRegressor`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import RegressorMixin

from ..training import Callback
from .base import _BaseDNN
from .persistence import loadable

__all__ = ["DNNRegressor"]

Array = NDArray[np.floating]


@loadable
class DNNRegressor(RegressorMixin, _BaseDNN):
    """Deep neural network regressor: [LINEAR -> ACT] x (L-1) -> LINEAR -> IDENTITY.

    Trained on the squared error ``J = (1/m) sum ||a - y||^2 / 2``. Takes the
    parameters of :class:`DNNClassifier` (``class_weight`` and ``loss``
    aside), two with the regressor's own defaults:

    alpha : float, default=1.0
        L2 regularisation, ``(alpha / (2 m)) sum ||W||^2`` (the classifier's
        and scikit-learn's default: 0.0001). A regression network on a few
        hundred noisy rows otherwise fits the noise: on diabetes with the
        target standardised, R^2 0.41 at 0.0001 against 0.45 at 1.0 (README,
        "Coming from scikit-learn"). The penalty is divided by m, so it fades
        as the data grow.
    output_bias : {"mean", "zeros"}, default="mean"
        The output layer's bias starts at the targets' (weighted) mean, so the
        network starts by predicting the mean and learns the deviations from
        it, whatever the targets' offset; "zeros" is the course's
        initialisation (``from_course()`` uses it). With ``partial_fit``, the
        mean of the first call's targets.

    Attributes
    ----------
    n_outputs_ : int
        Number of targets (columns of y).
    parameters_, layer_sizes_, activations_, loss_curve_, n_iter_, history_
        As for :class:`DNNClassifier`.
    """

    def __init__(self, hidden_layer_sizes: Sequence[int] = (100,),
                 activation: str = "relu", init: str = "glorot", solver: str = "adam",
                 learning_rate: float = 0.002, max_iter: int = 200, alpha: float = 1.0,
                 clip_norm: float | None = None, dropout: float = 0.0,
                 learning_rate_schedule: str = "constant",
                 batch_size: int | str | None = "auto",
                 shuffle: bool = True, early_stopping: bool = False,
                 validation_fraction: float = 0.1, patience: int = 10, min_delta: float = 0.0,
                 restore_best_weights: bool = True, warm_start: bool = False,
                 output_bias: str = "mean", random_state: Any = None,
                 verbose: bool | int = False,
                 callbacks: Sequence[Callback] | None = None, device: str = "cpu",
                 tol: float | None = 0.0001, n_iter_no_change: int = 10) -> None:
        super().__init__(hidden_layer_sizes, activation, init, solver, learning_rate, max_iter,
                         alpha, clip_norm, dropout, learning_rate_schedule, batch_size,
                         shuffle, early_stopping, validation_fraction, patience, min_delta,
                         restore_best_weights, warm_start, random_state, verbose, callbacks,
                         device, tol, n_iter_no_change)
        self.output_bias = output_bias

    @classmethod
    def from_course(cls, **overrides: Any) -> DNNRegressor:
        """The course's settings (:data:`COURSE_SETTINGS`) with its zero output bias.

        Parameters
        ----------
        **overrides
            Any constructor parameter.

        Returns
        -------
        DNNRegressor
        """
        return super().from_course(**{"output_bias": "zeros", **overrides})

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # y of shape (n_samples, n_outputs) is native
        return tags

    _SCORE = "r2"

    def _metrics(self) -> dict[str, Any]:
        return {"r2": _r2}

    def _check_labels(self, y: Any, continuing: bool) -> None:
        """No labels to check: any real targets continue a regressor."""

    def partial_fit(self, X: ArrayLike, y: ArrayLike,
                    sample_weight: ArrayLike | None = None) -> DNNRegressor:
        """One more epoch of training on (X, y), keeping the weights and optimiser state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self : DNNRegressor
        """
        self._fit(X, y, sample_weight, partial=True)
        return self

    def _encode_targets(self, y: Any, dtype: Any, classes: Any = None,
                        store: bool = True) -> tuple[Array, str]:
        Y = np.asarray(y, dtype=dtype)
        single = Y.ndim == 1
        Y = Y.reshape(len(Y), -1).T.copy()
        if store:
            self._single_output = single
            self.n_outputs_ = Y.shape[0]
        return Y, "squared_error"

    def predict(self, X: ArrayLike) -> Array:
        """Predicted targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        out = self._output(X)
        return out[:, 0] if getattr(self, "_single_output", out.shape[1] == 1) else out


def _r2(AL: Array, Y: Array) -> float:
    """R^2 of outputs AL against targets Y, both (n_outputs, m), averaged over outputs.

    What ``score`` (scikit-learn's ``r2_score``, uniform average) returns; a
    constant target scores 1 when predicted exactly, else 0, as there.
    """
    residual = ((Y - AL) ** 2).sum(axis=1)
    total = ((Y - Y.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
    safe = np.where(total > 0, total, 1)
    scores = np.where(total > 0, 1 - residual / safe, np.where(residual == 0, 1.0, 0.0))
    return float(np.mean(scores))
