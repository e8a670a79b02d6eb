"""What ``fit`` trains on, in memory: the per-example weights and the validation set."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import is_classifier
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import _check_sample_weight, validate_data

__all__ = ["held_out", "sample_weights", "validation_set"]

Array = NDArray[np.floating]


def sample_weights(estimator: Any, sample_weight: Any, X: Array, y: Any) -> Array | None:
    """Per-example weights of the cost, shape (m,), or None when all are equal.

    ``sample_weight`` times the classifier's ``class_weight`` (balanced or
    per class), in X's dtype; they must be >= 0 and not all zero.
    """
    class_weight = getattr(estimator, "class_weight", None)
    if sample_weight is None and class_weight is None:
        return None  # the plain mean: no weights array at all, the fast path
    w = _check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)
    if class_weight is not None:
        w = w * compute_sample_weight(class_weight, y).astype(X.dtype)
    if not np.sum(w) > 0:
        raise ValueError(f"{type(estimator).__name__}.fit: sample weights must not all be zero")
    return w


def validation_set(estimator: Any, X: Array, Y: Array, weights: Array | None, rng: Any,
                   validation_data: Any, partial: bool) -> tuple[Array, Array, Any, Any]:
    """The data evaluated after every epoch, and what is left to train on.

    Parameters
    ----------
    estimator : DNNClassifier or DNNRegressor
    X : ndarray or SciPy sparse matrix (CSR) of shape (m, n_x)
        Validated training rows.
    Y : ndarray of shape (n_y, m)
        Encoded targets.
    weights : ndarray of shape (m,) or None
    rng : numpy.random.RandomState or Generator
        Draws the held-out split.
    validation_data : (X_val, y_val) or None
        Given to ``fit``: validated and encoded like the training data.
    partial : bool
        ``partial_fit`` never holds data out.

    Returns
    -------
    X, Y, weights
        The training data, without the held-out examples (the remaining rows
        keep their order).
    validation : (X_val of shape (n_x, m_val), Y_val of shape (n_y, m_val)) or None
        ``validation_data``, else with ``early_stopping`` a random
        ``validation_fraction`` of the training data (stratified by class
        for the classifier's single-label targets, as scikit-learn's
        ``train_test_split(stratify=y)``), else None.

    Raises
    ------
    ValueError
        When the split leaves fewer than 2 examples on either side, or (when
        stratified) a class with fewer than 2 members or fewer examples on a
        side than there are classes; the message says which
        ``validation_fraction`` would work.
    """
    if validation_data is not None:
        Xv, yv = validation_data
        Xv = validate_data(estimator, Xv, reset=False, accept_sparse=("csr", "csc"),
                           dtype=[np.float64, np.float32])
        Yv, _ = estimator._encode_targets(np.asarray(yv), X.dtype,
                                          getattr(estimator, "classes_", None), store=False)
        return X, Y, weights, (Xv.astype(X.dtype, copy=False).T, Yv)
    if not estimator.early_stopping or partial:
        return X, Y, weights, None
    m, fraction = X.shape[0], estimator.validation_fraction
    n_val = max(1, round(fraction * m))
    name = type(estimator).__name__
    if n_val < 2 or m - n_val < 2:
        raise ValueError(
            f"{name}: early stopping holds out validation_fraction={fraction} of the {m} "
            f"samples: {n_val} to validate on and {m - n_val} to train on, and each side "
            f"needs at least 2; " + (f"a validation_fraction between {2 / m:.3g} and "
                                     f"{(m - 2) / m:.3g} would work" if m >= 4 else
                                     "that takes at least 4 samples"))
    labels = _stratification_labels(estimator, Y)
    if labels is not None:
        _check_stratifiable(name, labels, n_val, fraction)
        state = rng if isinstance(rng, np.random.RandomState) else \
            np.random.RandomState(int(rng.integers(0, 2**32)))
        rng = state
    val, train = held_out(m, n_val, labels, rng, sort_train=True)
    weights = None if weights is None else weights[train]
    return X[train], Y[:, train], weights, (X[val].T, Y[:, val])


def _stratification_labels(estimator: Any, Y: Array) -> NDArray[np.intp] | None:
    """Each example's class index, for a stratified split; None when not stratified.

    As scikit-learn's MLPClassifier: a classifier's single-label targets are
    stratified, multi-label targets and a regressor's are not.
    """
    if not is_classifier(estimator) or getattr(estimator, "_multilabel", False):
        return None
    return (Y[0] > 0.5).astype(np.intp) if Y.shape[0] == 1 else Y.argmax(axis=0)


def held_out(m: int, n_val: int, labels: Any, rng: Any, *,
             sort_train: bool) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """The one validation split of both estimator families: held-out and training indices.

    scikit-learn's ``train_test_split`` draws, whoever calls: without
    ``labels`` the first ``n_val`` of ``rng.permutation(m)`` are held out
    (``ShuffleSplit``), with them ``StratifiedShuffleSplit`` keeps each
    class's share on both sides (and raises scikit-learn's own errors).

    Parameters
    ----------
    m : int
        Number of examples.
    n_val : int
        How many to hold out (the DNN classes round ``fraction * m``, the MLP
        classes take scikit-learn's ceiling).
    labels : array-like of shape (m,) or (m, k), or None
        Stratify by these (rows of a 2-D array are one label each, as in
        scikit-learn); None: a plain shuffle.
    rng : numpy.random.RandomState
        The draws' source.
    sort_train : bool
        Keep the training examples in their order (the DNN classes), or in
        the drawn order (the MLP classes, as scikit-learn).

    Returns
    -------
    val, train : ndarray of int
    """
    if labels is None:
        order = rng.permutation(m)
        val, train = order[:n_val], order[n_val:]
    else:
        split = StratifiedShuffleSplit(n_splits=1, test_size=n_val, train_size=m - n_val,
                                       random_state=rng)
        train, val = next(split.split(np.zeros((m, 1)), labels))
    return val, (np.sort(train) if sort_train else train)


def _check_stratifiable(name: str, labels: NDArray[np.intp], n_val: int,
                        fraction: float) -> None:
    """The DNN classes' own messages for a split that cannot be stratified."""
    m = len(labels)
    present, counts = np.unique(labels, return_counts=True)
    k = len(present)
    if counts.min() < 2:
        rare = int(present[counts.argmin()])
        raise ValueError(
            f"{name}: the stratified validation split of early stopping needs every class "
            f"at least twice (one on each side), but class index {rare} of the {k} classes "
            f"has {int(counts.min())} member(s) among the {m} samples; give "
            "validation_data=(X_val, y_val) instead, or more examples of that class")
    if n_val < k or m - n_val < k:
        raise ValueError(
            f"{name}: validation_fraction={fraction} holds out {n_val} of the {m} samples, "
            f"leaving {m - n_val} to train on; a stratified split of {k} classes needs at "
            f"least {k} on each side: a validation_fraction between {k / m:.3g} and "
            f"{(m - k) / m:.3g} would work")
