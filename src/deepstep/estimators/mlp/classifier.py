"""MLPClassifier: scikit-learn 1.9's multi-layer perceptron classifier on deepstep's engine."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import column_or_1d
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _check_partial_fit_first_call, type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from ..persistence import MLPFile, loadable
from ..placement import check_finite_rows
from ._base import BaseMLP
from ._constraints import CLASSIFIER_CONSTRAINTS
from ._montecarlo import mc_outputs
from ._signature import store

__all__ = ["MLPClassifier"]


@loadable
class MLPClassifier(ClassifierMixin, MLPFile, BaseMLP):
    """Multi-layer perceptron classifier: the log-loss by L-BFGS, SGD or Adam.

    A drop-in for :class:`sklearn.neural_network.MLPClassifier` (same
    parameters, defaults, validation, fitted attributes, warnings and
    errors) whose training runs on deepstep's engine. The output is a
    logistic layer for two classes or several labels, softmax otherwise.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
    activation : {"identity", "logistic", "tanh", "relu", "leaky_relu"} or sequence, \
default="relu"
        deepstep adds ``"leaky_relu"`` (slope 0.01 below 0) and a sequence of
        names, one per hidden layer.
    solver : {"lbfgs", "sgd", "adam"}, default="adam"
    alpha : float, default=0.0001
        L2 strength; the term ``(alpha / 2) sum ||W||^2`` is divided by the
        (mini-)batch's size.
    batch_size : int or "auto", default="auto"
        ``min(200, n_samples)`` when "auto".
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        sgd only: constant; ``learning_rate_init / (t + 1) ** power_t`` with t
        the samples seen; divided by 5 on each plateau.
    learning_rate_init : float, default=0.001
    power_t : float, default=0.5
    max_iter : int, default=200
        Epochs (sgd, adam) or iterations (lbfgs).
    shuffle : bool, default=True
    random_state : int, RandomState instance or None, default=None
    tol : float, default=1e-4
    verbose : bool, default=False
    warm_start : bool, default=False
    momentum : float in [0, 1], default=0.9
    nesterovs_momentum : bool, default=True
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` (stratified for one output) and stop
        on its accuracy; the best epoch's weights are kept.
    validation_fraction : float, default=0.1
    beta_1, beta_2 : float in [0, 1), default=0.9, 0.999
    epsilon : float, default=1e-8
    n_iter_no_change : int or inf, default=10
    max_fun : int, default=15000
    class_weight : dict, "balanced" or None, default=None
        deepstep's addition: weights of the classes in the cost, multiplying
        any ``sample_weight`` (``compute_sample_weight(class_weight, y)``, so
        the fit equals the one given those sample weights). "balanced" weighs
        class k by ``n_samples / (n_classes * n_k)``; a dict maps labels to
        weights (absent labels weigh 1). In ``partial_fit``, "balanced" is
        computed on each call's ``y``.
    dropout : float in [0, 1), default=0.0
        deepstep's addition: inverted dropout on every hidden layer's output
        while training (sgd and adam only); its masks come from their own
        generator, seeded from ``random_state`` after the initial weights.
        Prediction uses all units (no rescaling needed).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    loss_ : float
    best_loss_ : float or None
    loss_curve_ : list of float
    validation_scores_ : list of float or None
    validation_loss_curve_ : list of float or None
        deepstep's addition: with ``early_stopping`` (sgd, adam), each epoch's
        loss on the held-out rows, beside ``validation_scores_``: the training
        loss without its L2 term, weighted as it is; None otherwise.
    best_validation_score_ : float or None
    t_ : int
        Training samples seen.
    coefs_ : list of ndarray of shape (n_in, n_out)
    intercepts_ : list of ndarray of shape (n_out,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
    n_iter_ : int
    n_layers_ : int
    n_outputs_ : int
    out_activation_ : str
    """

    #: The loss scikit-learn's classifier records (not a parameter).
    loss = "log_loss"
    _parameter_constraints: dict = CLASSIFIER_CONSTRAINTS
    _score_function = staticmethod(accuracy_score)

    def __init__(self, hidden_layer_sizes: Any = (100,), activation: str = "relu", *,
                 solver: str = "adam", alpha: float = 0.0001, batch_size: Any = "auto",
                 learning_rate: str = "constant", learning_rate_init: float = 0.001,
                 power_t: float = 0.5, max_iter: int = 200, shuffle: bool = True,
                 random_state: Any = None, tol: float = 1e-4, verbose: bool = False,
                 warm_start: bool = False, momentum: float = 0.9,
                 nesterovs_momentum: bool = True, early_stopping: bool = False,
                 validation_fraction: float = 0.1, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-8, n_iter_no_change: Any = 10,
                 max_fun: int = 15000, class_weight: Any = None, dropout: float = 0.0) -> None:
        store(self, hidden_layer_sizes=hidden_layer_sizes, activation=activation,
              solver=solver, alpha=alpha, batch_size=batch_size, learning_rate=learning_rate,
              learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
              shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
              warm_start=warm_start, momentum=momentum,
              nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
              validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
              epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
              class_weight=class_weight, dropout=dropout)

    def _output_activation(self) -> str:
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _validate_input(self, X: Any, y: Any, incremental: bool, reset: bool) -> Any:
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             dtype=(np.float64, np.float32), reset=reset,
                             ensure_all_finite=False)
        check_finite_rows(X, type(self).__name__)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes as in "
                        f"the previous call to fit. Previously got {self.classes_}, `y` has "
                        f"{classes}")
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError("`y` has classes not in `self.classes_`. `self.classes_` has "
                                 f"{self.classes_}. 'y' has {classes}.")
        # bool, not the float dtype yet: fit casts it to X's dtype.
        return X, self._label_binarizer.transform(y).astype(bool)

    def _from_raw(self, raw: Any) -> Any:
        if self.n_outputs_ == 1:
            raw = raw.ravel()
        return self._label_binarizer.inverse_transform(raw)

    def predict(self, X: Any) -> Any:
        """Predict the classes of X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self._predict(X)

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None,
                    classes: Any = None) -> MLPClassifier:
        """One epoch over (X, y) (sgd and adam only).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        classes : array of shape (n_classes,), default=None
            Every class of all calls; required on the first call.

        Returns
        -------
        self
        """
        self._validate_params()
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight, partial=True)

    def predict_proba(self, X: Any) -> Any:
        """Probability of each class, in the order of ``classes_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        y_pred = self._forward_pass_fast(X)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        if y_pred.ndim == 1:
            return np.vstack([1 - y_pred, y_pred]).T
        return y_pred

    def predict_proba_mc(self, X: Any, n_passes: int = 30,
                         random_state: Any = None) -> tuple[Any, Any]:
        """Monte-Carlo dropout: the mean and spread of ``predict_proba`` with dropout on.

        deepstep's addition, for a model fitted with ``dropout`` > 0: each of
        ``n_passes`` forward passes keeps every hidden unit with probability
        ``1 - dropout`` (masks from ``numpy.random.default_rng(random_state)``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        n_passes : int, default=30
        random_state : None, int, numpy Generator or RandomState, default=None
            Seeds the masks; the same seed gives the same result.

        Returns
        -------
        mean : ndarray of shape (n_samples, n_classes)
            The passes' mean probabilities, in the order of ``classes_``.
        std : ndarray of shape (n_samples, n_classes)
            Their standard deviation over the passes (``ddof=0``).
        """
        mean, std = mc_outputs(self, X, n_passes, random_state, "predict_proba_mc")
        if self.n_outputs_ == 1:  # one logistic output: P(second class) and its complement
            return np.hstack([1 - mean, mean]), np.hstack([std, std])
        return mean, std

    def predict_log_proba(self, X: Any) -> Any:
        """``log(predict_proba(X))``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        y_prob = self.predict_proba(X)
        return np.log(y_prob, out=y_prob)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
