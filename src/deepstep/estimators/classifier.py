"""The classifier: :class:`DNNClassifier`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ..training import Callback
from . import prediction
from ._from_parameters import classifier_from_parameters
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

    def __init__(self, hidden_layer_sizes: Sequence[int] = (100,),
                 activation: str = "relu", init: str = "glorot", solver: str = "adam",
                 learning_rate: float = 0.002, max_iter: int = 200, alpha: float = 0.0001,
                 clip_norm: float | None = None, dropout: float = 0.0,
                 learning_rate_schedule: str = "constant",
                 batch_size: int | str | None = "auto",
                 shuffle: bool = True, early_stopping: bool = False,
                 validation_fraction: float = 0.1, patience: int = 10, min_delta: float = 0.0,
                 restore_best_weights: bool = True, warm_start: bool = False,
                 class_weight: Any = None, loss: str = "auto", random_state: Any = None,
                 verbose: bool | int = False,
                 callbacks: Sequence[Callback] | None = None, device: str = "cpu",
                 tol: float | None = 0.0001, n_iter_no_change: int = 10) -> None:
        super().__init__(hidden_layer_sizes, activation, init, solver, learning_rate, max_iter,
                         alpha, clip_norm, dropout, learning_rate_schedule, batch_size,
                         shuffle, early_stopping, validation_fraction, patience, min_delta,
                         restore_best_weights, warm_start, random_state, verbose, callbacks,
                         device, tol, n_iter_no_change)
        self.class_weight = class_weight
        self.loss = loss

    @classmethod
    def from_parameters(cls, parameters: Mapping[str, ArrayLike],
                        activations: Sequence[str] | None = None,
                        classes: ArrayLike | None = None) -> DNNClassifier:
        """A fitted classifier from the course's ``parameters`` dict (``L_layer_model``'s).

        The result predicts what the course's ``predict`` does (``predict_proba``
        gives the probabilities), and ``save``, ``score`` and the command line's
        ``predict``, ``evaluate`` and ``export`` take it as a trained model.
        Its hyperparameters are :data:`COURSE_SETTINGS` with the dict's layer
        sizes and activations, so ``fit`` retrains the same architecture.

        Parameters
        ----------
        parameters : dict
            ``"W{l}"`` of shape (n_l, n_{l-1}) and ``"b{l}"`` of shape (n_l, 1)
            for l = 1, ..., L (examples in columns, as in the course); copied.
        activations : sequence of str, optional
            One name per layer; by default the course's: ``relu`` for the hidden
            layers and ``sigmoid`` for the output. The output must be
            ``sigmoid`` (1 unit: two classes; several: one-vs-rest) or
            ``softmax`` (one unit per class).
        classes : array-like, optional
            The class labels, ``classes[k]`` that of output k (for one sigmoid
            output: ``classes[0]`` where the course predicts 0, ``classes[1]``
            where it predicts 1); by default 0, 1, ..., as the course's labels.
            Bytes (the course's ``classes`` array) become text.

        Returns
        -------
        DNNClassifier
            Fitted: ``parameters_``, ``classes_``, ``n_features_in_``,
            ``layer_sizes_``, ``activations_``; no training history.

        Examples
        --------
        >>> parameters, costs = steps.L_layer_model(train_x, train_y, [12288, 20, 7, 5, 1])
        >>> clf = DNNClassifier.from_parameters(parameters)
        >>> clf.save("cat.npz", input_shape=(64, 64, 3), class_names=["non-cat", "cat"])
        """
        return classifier_from_parameters(cls, parameters, activations, classes)

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
        if classes is not None and hasattr(self, "_trainer"):
            _check_same_classes(self.classes_, classes)
        self._fit(X, y, sample_weight, partial=True, classes=classes)
        return self

    def _check_labels(self, y: Any, continuing: bool) -> None:
        """Refuse labels the fitted output units cannot stand for (before any training).

        A continued model (``partial_fit`` after the first call, or ``fit``
        with ``warm_start=True``) keeps one output unit per class of its first
        fit: a label outside those classes (``partial_fit``), or any other set
        of labels (``warm_start``), would be trained into units that mean
        something else. scikit-learn's MLPClassifier refuses both.
        """
        fitted = getattr(self, "classes_", None)
        if fitted is None or not (continuing or (self.warm_start and hasattr(self, "parameters_"))):
            return
        # Its kind of target too: one sigmoid per label and one unit per class
        # are different networks, even with as many outputs.
        was_multilabel = bool(getattr(self, "_multilabel", False))
        multilabel = np.ndim(y) == 2 and np.shape(y)[1] != 1
        if multilabel != was_multilabel:
            call = "partial_fit" if continuing else "fit (warm_start=True)"
            was = (f"multi-label targets ({len(fitted)} labels, an indicator matrix)"
                   if was_multilabel else f"one label per example, classes {_show(fitted)}")
            got = "an indicator matrix (multi-label)" if multilabel else "one label per example"
            raise ValueError(f"DNNClassifier.{call}: the model was started on {was} and cannot "
                             f"continue on {got}; fit a new model (warm_start=False)")
        if was_multilabel or np.ndim(y) != 1:
            return
        labels = np.unique(y)
        if continuing:
            unseen = np.setdiff1d(labels, fitted)
            if len(unseen):
                raise ValueError(
                    f"DNNClassifier.partial_fit: y holds labels {_show(unseen)} that are not "
                    f"among the classes the model was started with, {_show(fitted)}; pass "
                    "every class to the first call's classes=...")
        elif not np.array_equal(labels, fitted):
            raise ValueError(
                f"DNNClassifier.fit: warm_start=True continues from the fitted output units "
                f"(one per class), so y must have the classes of the previous fit: expected "
                f"{_show(fitted)}, got {_show(labels)}; set warm_start=False to start afresh")

    def _metrics(self) -> dict[str, Any]:
        if getattr(self, "_multilabel", False):  # subset accuracy, as score
            return {"accuracy": lambda AL, Y: float(np.mean(np.all((AL > 0.5) == (Y > 0.5),
                                                                   axis=0)))}
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
        if y.dtype.kind not in "iub":  # integer labels are always classes: skip the scan
            check_classification_targets(y)
        if classes is not None:
            classes = np.unique(classes)
            unseen = np.setdiff1d(np.unique(y), classes)
            if len(unseen):
                raise ValueError(f"DNNClassifier.partial_fit: y holds labels {_show(unseen)} "
                                 f"not in classes={_show(classes)}")
            idx = np.searchsorted(classes, y)
        else:
            classes, idx = _unique_inverse(y)
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
            One-vs-rest sigmoids (``loss="binary_cross_entropy"`` with more
            than two classes) are normalised, ``p_k / sum_j p_j``, from their
            logits in log space, so a row where every sigmoid underflows to 0
            still gets finite probabilities (those of the least unlikely
            classes) instead of 0 / 0.
        """
        check_is_fitted(self, "parameters_")
        if self._one_vs_rest():
            return np.exp(self.predict_log_proba(X))
        out = self._output(X)
        if out.shape[1] == 1:
            p = out[:, 0]
            return np.column_stack([1 - p, p])
        return out

    def _one_vs_rest(self) -> bool:
        """True when the outputs are one sigmoid per class of a single-label target."""
        loss = getattr(self, "loss_function_", None) or self.loss_  # an older pickle: loss_
        return (loss == "binary_cross_entropy" and self.layer_sizes_[-1] > 1
                and not getattr(self, "_multilabel", False))

    def predict_log_proba(self, X: ArrayLike) -> Array:
        """Natural logarithm of :meth:`predict_proba`, computed from the output's logits.

        Where a probability underflows to 0, ``log(predict_proba(X))`` would
        be ``-inf`` with a RuntimeWarning; the log-probabilities are taken
        from the output layer's pre-activation ``Z`` instead (a log-softmax
        for softmax outputs, ``log sigmoid(z) = -log(1 + exp(-z))`` for sigmoid
        ones), so they stay finite and exact where the probabilities are not.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``; ``exp(log_proba)`` equals
            ``predict_proba(X)`` to rounding.
        """
        Z = prediction.network_logits(self, X)
        if self.activations_[-1] == "softmax":
            return Z - _logsumexp(Z)
        log_p = -np.logaddexp(0, -Z)  # log sigmoid(z), no overflow for any z
        if Z.shape[1] == 1:
            return np.column_stack([-np.logaddexp(0, Z[:, 0]), log_p[:, 0]])  # log(1 - p), log p
        if getattr(self, "_multilabel", False):
            return log_p
        return log_p - _logsumexp(log_p)  # one-vs-rest scores, normalised as predict_proba

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """Predicted labels.

        Binary: ``classes_[1]`` where its probability is strictly above 0.5.
        Multi-class: the most probable class (one-vs-rest: the largest logit,
        the class :meth:`predict_proba` favours even where every sigmoid
        underflows to 0). Multi-label: 1 for each label whose probability is
        strictly above 0.5.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        check_is_fitted(self, "parameters_")
        if self.layer_sizes_[-1] > 1 and self.activations_[-1] == "sigmoid" \
                and not getattr(self, "_multilabel", False):
            # One-vs-rest: sigmoid is increasing, so the largest logit is the
            # largest probability, and stays distinct where sigmoids tie at 0.
            return self.classes_[np.argmax(prediction.network_logits(self, X), axis=1)]
        out = self._output(X)
        if getattr(self, "_multilabel", False):
            return (out > 0.5).astype(int)
        if out.shape[1] == 1:
            return self.classes_[(out[:, 0] > 0.5).astype(int)]
        return self.classes_[np.argmax(out, axis=1)]


def _logsumexp(Z: Array) -> Array:
    """``log(sum(exp(Z), axis=1))`` of shape (n, 1), shifted by the row maximum (no overflow)."""
    top = Z.max(axis=1, keepdims=True)
    return top + np.log(np.exp(Z - top).sum(axis=1, keepdims=True))


def _unique_inverse(y: NDArray[Any]) -> tuple[NDArray[Any], NDArray[np.intp]]:
    """``np.unique(y, return_inverse=True)``, in one counting pass for small-range integers.

    Class labels are most often 0..K-1 (or a few other integers): counting
    them is a single pass where ``np.unique`` sorts every label (a few ms
    for 60,000 labels, a visible share of a fast epoch).
    """
    if y.dtype.kind in "iu" and y.size:
        low, high = int(y.min()), int(y.max())
        if high - low < 4 * y.size + 1024:
            present = np.bincount((y - low).astype(np.intp, copy=False),
                                  minlength=high - low + 1) > 0
            classes = (np.flatnonzero(present) + low).astype(y.dtype)
            index = np.cumsum(present) - 1
            return classes, index[(y - low).astype(np.intp, copy=False)]
    return np.unique(y, return_inverse=True)


def _show(labels: Any) -> list[Any]:
    """Labels for a message: a short plain list."""
    labels = np.asarray(labels).tolist()
    return labels if len(labels) <= 10 else [*labels[:10], "..."]


def _check_same_classes(fitted: Any, classes: Any) -> None:
    """``partial_fit(classes=...)`` after the first call must repeat the model's classes."""
    given = np.unique(np.asarray(classes))
    if not np.array_equal(given, fitted):
        raise ValueError(
            f"DNNClassifier.partial_fit: classes={_show(given)} is not the set of classes the "
            f"model was started with, {_show(fitted)}; classes= cannot change after the "
            "first call (fit a new model for other classes)")
