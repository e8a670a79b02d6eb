"""deepstep's additions to MLPClassifier / MLPRegressor (issue 24), each against an oracle.

The oracles are independent of the code under test: scikit-learn's
``compute_sample_weight`` and the same estimator fitted with the matching
``sample_weight``, hand computations, finite differences.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.class_weight import compute_sample_weight

import deepstep
from deepstep import MLPClassifier


def _data(loader=load_iris, n=90, seed=0):
    X, y = loader(return_X_y=True)
    idx = np.random.default_rng(seed).permutation(len(y))[:n]
    return StandardScaler().fit_transform(X[idx]), y[idx]


def _fit(model, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y, **kw)


def _same_weights(a, b):
    for ca, cb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        np.testing.assert_array_equal(ca, cb)


# -- class_weight ---------------------------------------------------------------------------
@pytest.mark.parametrize("solver", ["lbfgs", "adam", "sgd"])
@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("class_weight", ["balanced", {0: 3.0, 1: 0.5}])
def test_class_weight_is_the_matching_sample_weight_fit(solver, binary, class_weight):
    X, y = _data()
    if binary:
        y = (y == 0).astype(int)
    kw = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=15, random_state=0)
    weighted = _fit(MLPClassifier(class_weight=class_weight, **kw), X, y)
    oracle = _fit(MLPClassifier(**kw), X, y,
                  sample_weight=compute_sample_weight(class_weight, y))
    _same_weights(weighted, oracle)
    plain = _fit(MLPClassifier(**kw), X, y)
    assert not np.array_equal(weighted.coefs_[0], plain.coefs_[0])


def test_balanced_is_n_over_classes_times_count_by_hand():
    # Iris subset with unequal counts: weight of class k is n / (n_classes * n_k).
    X, y = _data(n=70)
    n, counts = len(y), np.bincount(y)
    by_hand = {k: n / (len(counts) * counts[k]) for k in range(len(counts))}
    assert len(set(counts)) > 1
    kw = dict(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=20, random_state=1)
    balanced = _fit(MLPClassifier(class_weight="balanced", **kw), X, y)
    hand = _fit(MLPClassifier(class_weight=by_hand, **kw), X, y)
    for a, b in zip(balanced.coefs_, hand.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_class_weight_multiplies_sample_weight_and_early_stopping_split():
    X, y = _data(load_wine, n=150)
    sw = np.random.default_rng(3).uniform(0.5, 2.0, len(y))
    kw = dict(hidden_layer_sizes=(6,), solver="adam", max_iter=12, random_state=0,
              early_stopping=True, validation_fraction=0.2, n_iter_no_change=50)
    weighted = _fit(MLPClassifier(class_weight="balanced", **kw), X, y, sample_weight=sw)
    oracle = _fit(MLPClassifier(**kw), X, y,
                  sample_weight=sw * compute_sample_weight("balanced", y))
    _same_weights(weighted, oracle)
    np.testing.assert_array_equal(weighted.validation_scores_, oracle.validation_scores_)


def test_class_weight_in_partial_fit():
    X, y = _data()
    cw = {0: 2.0, 1: 1.0, 2: 0.25}
    a = MLPClassifier(hidden_layer_sizes=(5,), class_weight=cw, random_state=0)
    b = MLPClassifier(hidden_layer_sizes=(5,), random_state=0)
    for lo in (0, 45):
        a.partial_fit(X[lo:lo + 45], y[lo:lo + 45], classes=[0, 1, 2])
        b.partial_fit(X[lo:lo + 45], y[lo:lo + 45], classes=[0, 1, 2],
                      sample_weight=compute_sample_weight(cw, y[lo:lo + 45]))
    _same_weights(a, b)


@pytest.mark.parametrize("bad", ["balance", 3, [1.0, 2.0]])
def test_bad_class_weight_is_scikit_learns_parameter_error(bad):
    X, y = _data()
    with pytest.raises(InvalidParameterError, match="'class_weight' parameter of MLPClassifier"):
        MLPClassifier(class_weight=bad).fit(X, y)


# -- model files ----------------------------------------------------------------------------
def _round_trip(model, X, tmp_path):
    model.save(tmp_path / "m.npz")
    loaded = deepstep.load(tmp_path / "m.npz")
    assert type(loaded) is type(model)
    assert loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    return loaded


@pytest.mark.parametrize("class_weight", ["balanced", {0: 2.5, 1: 1.0, 2: 0.5},
                                          {np.int64(0): 2.0}])
def test_class_weight_survives_a_model_file(class_weight, tmp_path):
    X, y = _data()
    model = _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0,
                               class_weight=class_weight), X, y)
    loaded = _round_trip(model, X, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
