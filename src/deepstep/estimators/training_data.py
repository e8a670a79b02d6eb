"""What the DNN classes' ``fit`` trains on: X and y checked, the weights, the validation set.

:func:`in_memory` and :func:`out_of_core` are step 1 of
:class:`.core.EstimatorCore`'s fit for ``DNNClassifier``/``DNNRegressor``
(their parameter table checked, X and y validated, the targets encoded);
:func:`held_out` is the validation split of both families.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import RegressorMixin, is_classifier
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import _check_sample_weight, validate_data

__all__ = ["held_out", "in_memory", "out_of_core", "sample_weights", "validation_set"]

from . import placement, plan
from ._params import validate_params
from .core import FitData

Array = NDArray[np.floating]


def in_memory(model: Any, X: Any, y: Any, sample_weight: Any, partial: bool,
              validation_data: Any = None, classes: Any = None) -> FitData:
    """The parameters checked, X and y validated, the targets encoded as (n_y, m) columns.

    Parameters
    ----------
    model : DNNClassifier or DNNRegressor
    X : {array-like, sparse matrix} of shape (m, n_x)
    y : array-like of shape (m,) or (m, n_outputs)
    sample_weight : array-like of shape (m,) or None
    partial : bool
        ``partial_fit``; a started model continues in its own dtype and classes.
    validation_data : (X_val, y_val) or None
    classes : array-like or None
        ``partial_fit``'s first call.

    Returns
    -------
    FitData
        Rows X (CSR when sparse), Y of shape (n_y, m), the sample weights
        (with ``class_weight``), and in ``options`` the checked parameters,
        the loss by name and ``validation_data``.
    """
    checked = validate_params(model)
    name = type(model).__name__
    continuing = partial and hasattr(model, "_trainer")
    X, y = validate_data(model, X, y, accept_sparse=("csr", "csc"),
                         dtype=[np.float64, np.float32], multi_output=True,
                         y_numeric=isinstance(model, RegressorMixin), reset=not continuing,
                         ensure_all_finite=False)
    placement.check_finite_rows(X, name)
    X = placement.as_rows(X)  # sparse stays sparse, as CSR
    if continuing:  # partial_fit keeps the dtype it started with
        X = X.astype(model.parameters_["W1"].dtype, copy=False)
    model._check_labels(y, continuing)
    Y, loss_name = model._encode_targets(y, X.dtype, classes if not continuing
                                         else getattr(model, "classes_", None))
    if not np.all(np.isfinite(Y)):
        raise ValueError(f"{name}.fit: y holds values that are not finite "
                         f"in {X.dtype} (beyond its range?)")
    if continuing and Y.shape[0] != model.layer_sizes_[-1]:
        raise ValueError(f"{name}.partial_fit: y has {Y.shape[0]} output(s) "
                         f"per example, the model was started with {model.layer_sizes_[-1]}")
    weights_m = sample_weights(model, sample_weight, X, y)
    return FitData(X, Y, weights_m, partial, continuing=continuing,
                   options={"checked": checked, "loss": loss_name,
                            "validation_data": validation_data})


def out_of_core(model: Any, X: Any, y: Any, sample_weight: Any, partial: bool,
                validation_data: Any = None) -> FitData:
    """The same for an h5py dataset or a Dask array: read in blocks, never loaded whole.

    Options that need the rows in memory (``partial_fit``, sample and class
    weights, validation data, early stopping, dropout) are refused by name
    before anything is read.

    Returns
    -------
    FitData
        X a :class:`~deepstep.outofcore.RowSource` of shape (n_x, m).
    """
    checked = validate_params(model)
    name = type(model).__name__
    dtype = placement.check_out_of_core_fit(name, X, {
        "partial_fit": partial, "sample_weight": sample_weight is not None,
        "validation_data": validation_data is not None,
        "early_stopping": bool(model.early_stopping),
        "class_weight": getattr(model, "class_weight", None) is not None,
        "dropout": bool(model.dropout)})
    y = placement.out_of_core_targets(name, X, y, real=isinstance(model, RegressorMixin))
    model.n_features_in_ = int(X.shape[1])
    Y, loss_name = model._encode_targets(y, dtype, None)
    source = placement.training_source(X, Y, dtype,
                                       plan.batch_size(model.batch_size, X.shape[0]))
    return FitData(source, Y, None, False, out_of_core=True,
                   options={"checked": checked, "loss": loss_name})


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
        return X, Y, weights, (placement.as_rows(Xv.astype(X.dtype, copy=False)).T, Yv)
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
