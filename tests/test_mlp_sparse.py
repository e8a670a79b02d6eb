"""MLPClassifier/MLPRegressor on SciPy sparse X: trained without densifying the whole matrix."""

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier

from deepstep import MLPClassifier, MLPRegressor

N, D = 3000, 4000  # dense float64: 96 MB


@pytest.fixture(scope="module")
def data():
    X = sp.random(N, D, density=0.002, format="csr", random_state=0)
    y = np.random.default_rng(0).integers(0, 3, N)
    return X, y


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_peak_memory_stays_far_below_the_dense_matrix(data, solver):
    X, y = data
    dense_bytes = N * D * 8
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, solver=solver,
                          random_state=0).fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < dense_bytes / 5, f"peak {peak / 1e6:.1f} MB, dense {dense_bytes / 1e6:.1f} MB"


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_a_sparse_fit_equals_the_dense_fit(data, fmt, solver):
    X, y = data
    X = X[:400].asformat(fmt)
    kw = dict(hidden_layer_sizes=(6,), max_iter=3, solver=solver, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = MLPClassifier(**kw).fit(X, y[:400])
        b = MLPClassifier(**kw).fit(X.toarray(), y[:400])
    for ca, cb in zip(a.coefs_, b.coefs_, strict=True):
        np.testing.assert_allclose(ca, cb, rtol=0, atol=1e-12)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X.toarray()), atol=1e-12)


def test_a_sparse_fit_agrees_with_scikit_learns(data):
    X, y = data
    X, y = X[:500], y[:500]
    kw = dict(hidden_layer_sizes=(6,), max_iter=4, shuffle=False, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours, theirs = MLPClassifier(**kw).fit(X, y), SkMLPClassifier(**kw).fit(X, y)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-8)
    for a, b in zip(ours.coefs_, theirs.coefs_, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_a_sparse_regression_with_early_stopping_runs(data):
    X, _ = data
    target = np.asarray(X[:, :5].sum(axis=1)).ravel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, early_stopping=True,
                           random_state=0).fit(X, target)
    assert len(reg.validation_scores_) == reg.n_iter_ == 3
    assert reg.predict(X[:7]).shape == (7,)
