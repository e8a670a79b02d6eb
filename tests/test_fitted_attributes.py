"""The DNN classes under scikit-learn's fitted attributes and contract (estimators/fitted.py)."""

import re
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor

from deepstep import DNNClassifier, DNNRegressor


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X[:400] / 16), y[:400]


CASES = [  # (deepstep estimator, scikit-learn's, target maker)
    (DNNClassifier, SkMLPClassifier, lambda y: y % 2),          # binary: one logistic unit
    (DNNClassifier, SkMLPClassifier, lambda y: y),              # multiclass: softmax
    (DNNRegressor, SkMLPRegressor, lambda y: y.astype(float)),  # one output
    (DNNRegressor, SkMLPRegressor, lambda y: np.c_[y, -y].astype(float)),  # two outputs
]


@pytest.mark.parametrize(("ours", "theirs", "target"), CASES)
def test_the_sklearn_attributes_have_scikit_learns_shapes_and_values(digits, ours, theirs,
                                                                     target):
    X, y = digits
    y = target(y)
    kw = dict(hidden_layer_sizes=(7, 5), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a, b = ours(**kw).fit(X, y), theirs(**kw).fit(X, y)
    assert [c.shape for c in a.coefs_] == [c.shape for c in b.coefs_]
    assert [i.shape for i in a.intercepts_] == [i.shape for i in b.intercepts_]
    assert (a.n_layers_, a.n_outputs_, a.out_activation_) == \
        (b.n_layers_, b.n_outputs_, b.out_activation_)
    assert a.t_ == b.t_ == 3 * len(X)  # every sample seen once per epoch


def test_coefs_and_intercepts_are_views_of_the_parameters(digits):
    X, y = digits
    clf = DNNClassifier(hidden_layer_sizes=(6,), max_iter=2, tol=None, random_state=0).fit(X, y)
    for l, (coef, intercept) in enumerate(zip(clf.coefs_, clf.intercepts_, strict=True), 1):
        assert np.shares_memory(coef, clf.parameters_[f"W{l}"])
        np.testing.assert_array_equal(coef, clf.parameters_[f"W{l}"].T)
        assert np.shares_memory(intercept, clf.parameters_[f"b{l}"])
        np.testing.assert_array_equal(intercept, clf.parameters_[f"b{l}"][:, 0])
    before = clf.predict_proba(X[:5])
    clf.coefs_[-1][...] = 0.0      # written through the view ...
    clf.intercepts_[-1][...] = 0.0
    np.testing.assert_allclose(clf.predict_proba(X[:5]), np.full_like(before, 0.1))  # ... used
    assert not np.allclose(before, 0.1)


def test_unfitted_estimators_have_none_of_them():
    for name in ("coefs_", "intercepts_", "n_layers_", "t_"):
        assert not hasattr(DNNClassifier(), name)


def test_t_counts_samples_across_partial_fit_calls_and_warm_starts(digits):
    X, y = digits
    clf = DNNClassifier(random_state=0)
    for _ in range(3):
        clf.partial_fit(X, y, classes=np.unique(y))
    assert clf.t_ == 3 * len(X)
    warm = DNNClassifier(max_iter=2, tol=None, warm_start=True, random_state=0).fit(X, y)
    warm.fit(X, y)
    assert warm.t_ == 4 * len(X)


def test_best_validation_score_is_scikit_learns(digits):
    X, y = digits
    clf = DNNClassifier(early_stopping=True, max_iter=8, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert DNNClassifier(max_iter=2, tol=None, random_state=0).fit(X, y).best_validation_score_ \
        is None


@pytest.mark.parametrize("est", [DNNClassifier, DNNRegressor])
def test_a_warm_start_that_runs_out_of_max_iter_warns(digits, est):
    # scikit-learn's test_mlp_warm_start_no_convergence, for the DNN classes
    X, y = digits
    model = est(max_iter=3, warm_start=True, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    model.set_params(max_iter=4)
    with pytest.warns(ConvergenceWarning, match="max_iter=4"):
        model.fit(X, y)
    assert model.n_iter_ == 4


@pytest.mark.parametrize("patience", [None, np.inf])
def test_infinite_patience_never_stops_early(digits, patience):
    X, y = digits
    clf = DNNClassifier(early_stopping=True, patience=patience, max_iter=40, learning_rate=0.05,
                        random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert clf.n_iter_ == 40
    # a finite patience does stop this run early: the test can tell the two apart
    short = DNNClassifier(early_stopping=True, patience=2, max_iter=40, learning_rate=0.05,
                          random_state=0).fit(X, y)
    assert short.n_iter_ < 40


@pytest.mark.parametrize("bad", [0, -1, 2.5, "10"])
def test_a_bad_patience_is_still_refused(digits, bad):
    X, y = digits
    with pytest.raises((TypeError, ValueError), match=r"^DNNClassifier: patience"):
        DNNClassifier(patience=bad).fit(X, y)


def test_partial_fit_with_verbose_prints_scikit_learns_line_per_call(digits, capsys):
    X, y = digits
    clf = DNNClassifier(verbose=True, random_state=0)
    for _ in range(3):
        clf.partial_fit(X, y, classes=np.unique(y))
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert [re.sub(r"loss = \S+", "loss = L", line) for line in lines] == \
        [f"Iteration {k}, loss = L" for k in (1, 2, 3)]
    losses = [float(line.rsplit("= ", 1)[1]) for line in lines]
    np.testing.assert_allclose(losses, clf.loss_curve_, rtol=1e-7)
    assert "%" not in out.err  # no one-step progress bar
