"""DNNClassifier(loss="binary_cross_entropy") on 3 classes: one-vs-rest probabilities never NaN.

Every sigmoid of an extreme row can underflow to exactly 0; normalising the
scores as ``p / p.sum()`` then divides 0 by 0. The oracle for ordinary rows
is that plain formula, computed here from the network's own sigmoid outputs.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from deepstep import DNNClassifier
from deepstep.estimators import prediction

EXTREME = np.array([[0.0, 3388.0]])


def _ovr_model(dtype):
    # Three blobs, none of them up the second feature's axis: far up it, every
    # one-vs-rest logit is below -745 (with this seed), where even float64's
    # sigmoid is exactly 0. The test checks that, so it cannot pass vacuously.
    rng = np.random.default_rng(38)
    centers = np.array([[-3.0, 0.0], [3.0, 0.0], [0.0, -3.0]])
    y = np.repeat([0, 1, 2], 10)
    X = (centers[y] + 0.5 * rng.standard_normal((30, 2))).astype(dtype)
    clf = DNNClassifier(hidden_layer_sizes=(3,), loss="binary_cross_entropy", max_iter=200,
                        solver="adam", learning_rate=0.05, tol=None, random_state=38)
    return clf.fit(X, y), X


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_row_where_every_sigmoid_underflows_gets_finite_probabilities(dtype):
    clf, X = _ovr_model(dtype)
    row = EXTREME.astype(dtype)
    assert clf.score(X, np.repeat([0, 1, 2], 10)) == 1.0
    sigmoids = prediction.network_output(clf, row)
    assert sigmoids.shape == (1, 3) and np.all(sigmoids == 0)  # the 0 / 0 case, for real
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning, nor any other
        proba = clf.predict_proba(row)
        log_proba = clf.predict_log_proba(row)
    assert proba.dtype == dtype and proba.shape == (1, 3)
    assert np.all(np.isfinite(proba)) and np.all(np.isfinite(log_proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    # The least unlikely class: the largest logit (log p_k ~ z_k far below 0).
    Z = prediction.network_logits(clf, row)
    assert np.argmax(proba) == np.argmax(Z)
    np.testing.assert_allclose(np.exp(log_proba), proba, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_ordinary_rows_agree_with_the_plain_normalisation(dtype):
    clf, X = _ovr_model(dtype)
    rows = np.vstack([X, np.random.default_rng(0).standard_normal((20, 2)).astype(dtype) * 3])
    sigmoids = prediction.network_output(clf, rows)
    expected = sigmoids / sigmoids.sum(axis=1, keepdims=True)
    proba = clf.predict_proba(rows)
    assert proba.dtype == dtype
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(proba, expected, rtol=rtol, atol=rtol * 1e-3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=rtol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_predict_names_the_class_predict_proba_favours_on_the_extreme_row(dtype):
    clf, X = _ovr_model(dtype)
    rows = np.vstack([EXTREME, X]).astype(dtype)
    expected = clf.classes_[np.argmax(prediction.network_logits(clf, rows), axis=1)]
    np.testing.assert_array_equal(clf.predict(rows), expected)
    np.testing.assert_array_equal(clf.predict(rows),
                                  clf.classes_[np.argmax(clf.predict_proba(rows), axis=1)])
