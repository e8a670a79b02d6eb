"""Where a fit's warnings point, and which filters silence them.

scikit-learn's gallery scripts silence the MLP's convergence warnings with
``warnings.filterwarnings("ignore", category=ConvergenceWarning,
module="sklearn")``: after ``from deepstep import MLPClassifier`` that line
must keep working (the drop-ins file their warnings under scikit-learn's
module), while every warning still shows the user's file and line.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from deepstep import DNNClassifier, DNNRegressor, MLPClassifier, MLPRegressor
from deepstep._warnings import DROP_IN_MODULE
from deepstep.optimizers import GradientDescent
from deepstep.training import DivergenceWarning

GALLERY_FILTER = ('warnings.filterwarnings("ignore", category=ConvergenceWarning, '
                  'module="sklearn")')


def _data(m=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, 4))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def _run_script(filter_line: str) -> str:
    """Run a short script as ``__main__`` in a fresh interpreter; its stderr."""
    script = textwrap.dedent(f"""\
        import warnings
        import numpy as np
        from sklearn.exceptions import ConvergenceWarning
        from deepstep import MLPClassifier, MLPRegressor, DNNClassifier
        warnings.simplefilter("always")
        {filter_line}
        rng = np.random.default_rng(0)
        X = rng.standard_normal((60, 4))
        y = (X[:, 0] > 0).astype(int)
        for solver in ("sgd", "adam", "lbfgs"):
            kw = dict(hidden_layer_sizes=(3,), solver=solver, max_iter=2, random_state=0)
            MLPClassifier(**kw).fit(X, y)
            MLPRegressor(**kw).fit(X, X[:, 0])
        DNNClassifier((3,), max_iter=2, tol=0.0, random_state=0).fit(X, y)
        """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, check=True)
    return done.stderr


def test_the_gallery_filter_silences_the_drop_ins_but_not_deepsteps_own_estimators():
    shown = _run_script("")  # the control: without the filter, every fit warns
    assert shown.count("ConvergenceWarning") == 7, shown
    kept = _run_script(GALLERY_FILTER)
    # the six drop-in fits are silenced; DNNClassifier's warning is deepstep's own
    assert kept.count("ConvergenceWarning") == 1, kept
    assert "DNNClassifier" in kept and "<string>:14" in kept, kept


def test_a_filter_on_the_category_alone_silences_every_estimator():
    assert "ConvergenceWarning" not in _run_script(
        'warnings.filterwarnings("ignore", category=ConvergenceWarning)')


def _y(X):
    return (X[:, 0] + X[:, 1] > 0).astype(int)


def _t(X):
    return X[:, 0]


# name: (estimator, X scale, target, category); each is fitted on one line of the test
CASES = {
    "DNNClassifier-convergence": (lambda: DNNClassifier((3,), max_iter=2, tol=0.0), 1, _y,
                                  ConvergenceWarning),
    "DNNRegressor-convergence": (lambda: DNNRegressor((3,), max_iter=2, tol=0.0), 1, _t,
                                 ConvergenceWarning),
    "MLPClassifier-adam-convergence": (lambda: MLPClassifier((3,), max_iter=2), 1, _y,
                                       ConvergenceWarning),
    "MLPRegressor-lbfgs-convergence": (lambda: MLPRegressor(hidden_layer_sizes=(3,),
                                                            solver="lbfgs", max_iter=2),
                                       1, _t, ConvergenceWarning),
    "MLPClassifier-batch-size": (lambda: MLPClassifier((3,), batch_size=500, max_iter=1), 1,
                                 _y, UserWarning),
    "DNNClassifier-batch-size": (lambda: DNNClassifier((3,), batch_size=500, max_iter=1,
                                                       solver="adam"), 1, _y, UserWarning),
    "DNNClassifier-cost-rose": (lambda: DNNClassifier.from_course(
        learning_rate=1e6, max_iter=50, random_state=0), 1, _y, DivergenceWarning),
    "DNNRegressor-cost-rose": (lambda: DNNRegressor((8,), learning_rate=1e8, max_iter=20,
                                                    random_state=0), 1e3, lambda X: X[:, 0] * 1e3,
                               DivergenceWarning),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_warning_raised_inside_fit_points_at_the_line_that_called_fit(case):
    make, scale, target, category = CASES[case]
    X = _data()[0] * scale
    est = make()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        line = sys._getframe().f_lineno + 1
        est.fit(X, target(X))
    caught = [w for w in record if issubclass(w.category, category)]
    assert caught, f"no {category.__name__}: {[str(w.message) for w in record]}"
    assert {(w.filename, w.lineno) for w in caught} == {(__file__, line)}


def _trainer_data():
    X = np.random.default_rng(0).standard_normal((3, 40))
    return X, (X[:1] > 0).astype(float)


def _trainer(optimizer):
    from deepstep.initializers import initialize_parameters_deep
    from deepstep.losses import LOSSES
    from deepstep.propagation import resolve_activations
    from deepstep.training import Trainer

    p = initialize_parameters_deep([3, 4, 1], np.random.default_rng(0), init="lecun")
    return Trainer([[p["W1"], p["b1"]], [p["W2"], p["b2"]]], resolve_activations(None, 2, "t"),
                   LOSSES["binary_cross_entropy"], optimizer)


def test_a_trainers_divergence_warning_points_at_the_trainers_caller():
    t = _trainer(GradientDescent(1e12))
    X, Y = _trainer_data()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        line = sys._getframe().f_lineno + 1
        t.fit(X * 1e3, Y, 200)
    caught = [w for w in record if "diverged at iteration" in str(w.message)]
    assert caught and {(w.filename, w.lineno) for w in caught} == {(__file__, line)}


def test_the_drop_ins_warnings_are_filed_under_sklearns_module_deepsteps_under_the_users():
    X, y = _data()
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        warnings.filterwarnings("error", module="sklearn.neural_network")
        with pytest.raises(ConvergenceWarning):
            MLPClassifier((3,), max_iter=2).fit(X, y)
        DNNClassifier((3,), max_iter=2, tol=0.0).fit(X, y)  # not an error: the user's module
        warnings.filterwarnings("error", module=__name__)
        with pytest.raises(ConvergenceWarning):
            DNNClassifier((3,), max_iter=2, tol=0.0).fit(X, y)
    assert DROP_IN_MODULE.startswith("sklearn.neural_network")


def test_the_guards_non_finite_warning_points_at_the_trainers_caller():
    from deepstep.training import Callback

    t = _trainer(GradientDescent(0.5))

    class Poison(Callback):  # an infinite bias behind a saturated sigmoid keeps the cost finite
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 4:
                self.trainer.weights[-1][1][...] = np.inf

    t.callbacks.append(Poison())
    X, Y = _trainer_data()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        line = sys._getframe().f_lineno + 1
        t.fit(X, Y, 5)
    caught = [w for w in record if "non-finite parameters" in str(w.message)]
    assert caught and {(w.filename, w.lineno) for w in caught} == {(__file__, line)}
