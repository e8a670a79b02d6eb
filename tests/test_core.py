"""The one fit of all four estimators (estimators/core.py) and where their warnings point."""

from __future__ import annotations

import warnings

import h5py
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from deepstep import DNNClassifier, DNNRegressor, MLPClassifier, MLPRegressor
from deepstep.estimators import core, plan

ESTIMATORS = {
    "DNNClassifier": lambda **kw: DNNClassifier((4,), max_iter=3, random_state=0, **kw),
    "DNNRegressor": lambda **kw: DNNRegressor((4,), max_iter=3, random_state=0, **kw),
    "MLPClassifier-adam": lambda **kw: MLPClassifier((4,), max_iter=3, random_state=0, **kw),
    "MLPClassifier-lbfgs": lambda **kw: MLPClassifier((4,), solver="lbfgs", max_iter=3,
                                                      random_state=0, **kw),
    "MLPRegressor-sgd": lambda **kw: MLPRegressor(hidden_layer_sizes=(4,), solver="sgd",
                                                  max_iter=3, random_state=0, **kw),
}


def _data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    return X, (X[:, 0] > 0).astype(int)


@pytest.fixture
def runs(monkeypatch):
    """Every plan.run call, with the plan it ran."""
    seen = []
    real = plan.run

    def spy(training):
        seen.append(training)
        return real(training)

    monkeypatch.setattr(plan, "run", spy)
    return seen


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_every_fit_is_the_core_fit_and_one_run_of_a_plan(name, runs):
    X, y = _data()
    est = ESTIMATORS[name]()
    assert isinstance(est, core.EstimatorCore)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    assert len(runs) == 1 and isinstance(runs[0], plan.TrainingPlan)
    # The plan holds the examples as columns (a view of the validated rows).
    assert runs[0].X.shape == (3, 40)
    stepper = runs[0].minimize if "lbfgs" in name else runs[0].trainer
    assert stepper is not None


@pytest.mark.parametrize("name", ["DNNClassifier", "MLPClassifier-adam"])
def test_partial_fit_and_out_of_core_fit_take_the_same_path(name, runs, tmp_path):
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ESTIMATORS[name]().partial_fit(X, y, classes=[0, 1])
        with h5py.File(tmp_path / "x.h5", "w") as f:
            f["X"] = X
        with h5py.File(tmp_path / "x.h5", "r") as f:
            ESTIMATORS[name]().fit(f["X"], y)
    assert len(runs) == 2
    assert runs[0].epochs == 1  # partial_fit: one epoch
    assert runs[1].X.shape == (3, 40)  # a RowSource of the file's rows, as columns


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_a_fit_warning_points_at_the_line_that_called_fit(name):
    X, y = _data()
    with pytest.warns(ConvergenceWarning) as record:
        ESTIMATORS[name](tol=0.0).fit(X, y)
    assert {w.filename for w in record if w.category is ConvergenceWarning} == {__file__}


def test_the_batch_size_warning_points_at_the_users_line_too():
    X, y = _data()
    with pytest.warns(UserWarning, match="batch_size") as record:
        MLPClassifier((3,), batch_size=500, max_iter=1).fit(X, y)
    assert {w.filename for w in record if "batch_size" in str(w.message)} == {__file__}
