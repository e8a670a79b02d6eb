"""scikit-learn compatibility: check_estimator, Pipeline, GridSearchCV, cross_val_score."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import deepstep
from deepstep import DNNClassifier, DNNRegressor

SMALL = dict(hidden_layer_sizes=(5,), max_iter=50, learning_rate=0.1, random_state=0)


@parametrize_with_checks([DNNClassifier.from_course(**SMALL), DNNRegressor.from_course(**SMALL)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# The defaults (adam, mini-batches of "auto", tol stopping) are another path
# through fit: the same checks on them, with fewer epochs to stay quick.
@parametrize_with_checks([DNNClassifier(max_iter=20, random_state=0),
                          DNNRegressor(max_iter=20, random_state=0)])
def test_sklearn_estimator_checks_with_the_defaults(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((90, 4)) * [1, 10, 100, 0.1] + 5
    y = np.select([X[:, 0] > 5.5, X[:, 1] > 5], ["a", "b"], "c")
    return X, y


def test_pipeline_and_grid_search():
    X, y = _data()
    pipe = make_pipeline(StandardScaler(), DNNClassifier.from_course(hidden_layer_sizes=(8,),
                                                         learning_rate=0.5, max_iter=300,
                                                                     random_state=0))
    search = GridSearchCV(pipe, {"dnnclassifier__learning_rate": [0.001, 0.5]}, cv=3)
    search.fit(X, y)
    assert search.best_params_["dnnclassifier__learning_rate"] == 0.5
    assert search.score(X, y) > 0.8


def test_cross_val_score_regressor():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((120, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.standard_normal(120)
    scores = cross_val_score(DNNRegressor.from_course(hidden_layer_sizes=(8,), learning_rate=0.05,
                                                      max_iter=500, random_state=0), X, y, cv=3)
    assert scores.mean() > 0.9


def test_multiclass_and_multilabel_and_multioutput():
    X, y = _data()
    Xs = StandardScaler().fit_transform(X)
    clf = DNNClassifier.from_course(hidden_layer_sizes=(8,), learning_rate=0.5, max_iter=400,
                                    random_state=0).fit(Xs, y)
    assert clf.loss_function_ == "categorical_cross_entropy" and clf.activations_[-1] == "softmax"
    proba = clf.predict_proba(Xs)
    assert proba.shape == (90, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert clf.score(Xs, y) > 0.9
    Y = np.c_[Xs[:, 0] > 0, Xs[:, 1] > 0].astype(int)
    ml = DNNClassifier.from_course(hidden_layer_sizes=(8,), learning_rate=0.5, max_iter=400,
                                   random_state=0).fit(Xs, Y)
    assert ml.loss_function_ == "binary_cross_entropy" and ml.predict(Xs).shape == (90, 2)
    assert (ml.predict(Xs) == Y).mean() > 0.9
    reg = DNNRegressor.from_course(hidden_layer_sizes=(8,), learning_rate=0.05, max_iter=300,
                                   random_state=0).fit(Xs, np.c_[Xs[:, 0], -Xs[:, 1]])
    assert reg.predict(Xs).shape == (90, 2) and reg.n_outputs_ == 2


@pytest.mark.parametrize("est", [DNNClassifier, DNNRegressor])
def test_save_and_load_all_kinds(tmp_path, est):
    X, y = _data()
    X = StandardScaler().fit_transform(X)
    target = y if est is DNNClassifier else np.c_[X[:, 0], X[:, 1]]
    model = est.from_course(hidden_layer_sizes=(4,), learning_rate=0.1, max_iter=20,
                            random_state=0)
    model.fit(X, target)
    model.save(tmp_path / "m.npz")
    loaded = deepstep.load(tmp_path / "m.npz")
    assert type(loaded) is est
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
