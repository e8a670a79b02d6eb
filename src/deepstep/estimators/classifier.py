"""The classifier: :class:`DNNClassifier`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

from ..training import Callback
from ._params import LOSS, check_param
from .base import _BaseDNN
from .persistence import loadable

__all__ = ["DNNClassifier"]

Array = NDArray[np.floating]


@loadable
class DNNClassifier(ClassifierMixin, _BaseDNN):
    __doc__ = _BaseDNN.__doc__ + """
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the cost (multiplying any ``sample_weight``).
    loss : {"auto", "binary_cross_entropy", "categorical_cross_entropy"}, default="auto"
        The output layer and loss: "auto" infers them from ``y`` (above);
        "categorical_cross_entropy" forces a softmax layer (also for two
        classes); "binary_cross_entropy" forces sigmoid outputs (for more than
        two classes, one independent sigmoid per class, one-vs-rest).
    """

    def __init__(self, hidden_layer_sizes: Sequence[int] = (20, 7, 5),
                 activation: str = "relu", init: str = "lecun", solver: str = "gd",
                 learning_rate: float = 0.0075, max_iter: int = 2500, alpha: float = 0.0,
                 clip_norm: float | None = None, dropout: float = 0.0,
                 learning_rate_schedule: str = "constant",
                 batch_size: int | None = None,
                 shuffle: bool = True, early_stopping: bool = False,
                 validation_fraction: float = 0.1, patience: int = 10, min_delta: float = 0.0,
                 restore_best_weights: bool = True, warm_start: bool = False,
                 class_weight: Any = None, loss: str = "auto", random_state: Any = None,
                 verbose: bool | int = False,
                 callbacks: Sequence[Callback] | None = None, device: str = "cpu") -> None:
        super().__init__(hidden_layer_sizes, activation, init, solver, learning_rate, max_iter,
                         alpha, clip_norm, dropout, learning_rate_schedule, batch_size,
                         shuffle,
                         early_stopping,
                         validation_fraction, patience, min_delta, restore_best_weights,
                         warm_start, random_state, verbose, callbacks, device)
        self.class_weight = class_weight
        self.loss = loss

    def partial_fit(self, X: ArrayLike, y: ArrayLike, classes: ArrayLike | None = None,
                    sample_weight: ArrayLike | None = None) -> DNNClassifier:
        """One more epoch of training on (X, y), keeping the weights and optimiser state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like, optional
            All the classes, required on the first call (as in scikit-learn).
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self : DNNClassifier
        """
        if classes is None and not hasattr(self, "_trainer"):
            raise ValueError("DNNClassifier.partial_fit: pass classes=... on the first call")
        self._fit(X, y, sample_weight, None, partial=True, classes=classes)
        return self

    def _metrics(self) -> dict[str, Any]:
        if getattr(self, "_multilabel", False):
            return {"accuracy": lambda AL, Y: float(np.mean((AL > 0.5) == (Y > 0.5)))}
        if self.layer_sizes_[-1] == 1:
            return {"accuracy": lambda AL, Y: float(np.mean((AL > 0.5) == (Y > 0.5)))}
        return {"accuracy": lambda AL, Y: float(np.mean(AL.argmax(0) == Y.argmax(0)))}

    def _encode_targets(self, y: Any, dtype: Any, classes: Any = None,
                        store: bool = True) -> tuple[Array, str]:
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if y.ndim == 2:
            if type_of_target(y) != "multilabel-indicator":
                raise ValueError("DNNClassifier.fit: a 2-D y must be a 0/1 indicator matrix "
                                 f"(multi-label), got {type_of_target(y)} targets")
            if store:
                self.classes_ = np.arange(y.shape[1])
                self._multilabel = True
            return np.asarray(y, dtype=dtype).T.copy(), "binary_cross_entropy"
        check_classification_targets(y)
        if classes is not None:
            classes = np.unique(classes)
            unseen = np.setdiff1d(np.unique(y), classes)
            if len(unseen):
                raise ValueError(f"DNNClassifier: y holds labels not in classes: "
                                 f"{unseen[:5].tolist()}")
            idx = np.searchsorted(classes, y)
        else:
            classes, idx = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                f"DNNClassifier.fit: y must contain at least 2 classes, got 1 class: "
                f"{classes[0]!r}"
            )
        if store:
            self.classes_ = classes
            self._multilabel = False
        check_param(self, "loss", LOSS)  # here, not in fit's table: see LOSS
        if len(classes) == 2 and self.loss != "categorical_cross_entropy":
            return idx.reshape(1, -1).astype(dtype), "binary_cross_entropy"
        Y = np.zeros((len(classes), len(idx)), dtype=dtype)
        Y[idx, np.arange(len(idx))] = 1
        if self.loss == "binary_cross_entropy":
            return Y, "binary_cross_entropy"  # one sigmoid per class, one-vs-rest
        return Y, "categorical_cross_entropy"

    def predict_proba(self, X: ArrayLike) -> Array:
        """Probability of each class (of each label, for multi-label targets).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``; rows sum to 1 unless multi-label.
        """
        out = self._output(X)
        if out.shape[1] == 1:
            p = out[:, 0]
            return np.column_stack([1 - p, p])
        if self.loss_ == "binary_cross_entropy" and not getattr(self, "_multilabel", False):
            return out / out.sum(axis=1, keepdims=True)  # one-vs-rest scores, normalised
        return out

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """Predicted labels.

        Binary: ``classes_[1]`` where its probability is strictly above 0.5.
        Multi-class: the most probable class. Multi-label: 1 for each label
        whose probability is strictly above 0.5.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        out = self._output(X)
        if getattr(self, "_multilabel", False):
            return (out > 0.5).astype(int)
        if out.shape[1] == 1:
            return self.classes_[(out[:, 0] > 0.5).astype(int)]
        return self.classes_[np.argmax(out, axis=1)]
