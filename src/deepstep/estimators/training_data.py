"""What ``fit`` trains on, in memory: the per-example weights and the validation set."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import _check_sample_weight, validate_data

__all__ = ["sample_weights", "validation_set"]

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
    X : ndarray of shape (m, n_x)
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
        ``validation_fraction`` of the training data, else None.
    """
    if validation_data is not None:
        Xv, yv = validation_data
        Xv = validate_data(estimator, Xv, reset=False, dtype=[np.float64, np.float32])
        Yv, _ = estimator._encode_targets(np.asarray(yv), X.dtype,
                                          getattr(estimator, "classes_", None), store=False)
        return X, Y, weights, (Xv.astype(X.dtype, copy=False).T, Yv)
    if not estimator.early_stopping or partial:
        return X, Y, weights, None
    n_val = max(1, round(estimator.validation_fraction * X.shape[0]))
    if n_val >= X.shape[0]:
        raise ValueError(f"{type(estimator).__name__}: validation_fraction="
                         f"{estimator.validation_fraction} leaves no training data")
    order = rng.permutation(X.shape[0])
    val, train = order[:n_val], np.sort(order[n_val:])
    weights = None if weights is None else weights[train]
    return X[train], Y[:, train], weights, (X[val].T, Y[:, val])
