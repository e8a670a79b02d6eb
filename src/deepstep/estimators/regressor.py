"""The regressor: :class:`DNNRegressor`."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import RegressorMixin

from .base import _BaseDNN
from .persistence import loadable

__all__ = ["DNNRegressor"]

Array = NDArray[np.floating]


@loadable
class DNNRegressor(RegressorMixin, _BaseDNN):
    """Deep neural network regressor: [LINEAR -> ACT] x (L-1) -> LINEAR -> IDENTITY.

    Trained on the squared error ``J = (1/m) sum ||a - y||^2 / 2``. Takes the
    same parameters as :class:`DNNClassifier`.

    Attributes
    ----------
    n_outputs_ : int
        Number of targets (columns of y).
    parameters_, layer_sizes_, activations_, loss_curve_, n_iter_, history_
        As for :class:`DNNClassifier`.
    """

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
