"""placement.check_finite_rows: scikit-learn's finiteness check of X, through row sums.

The oracle is scikit-learn's own ``check_array`` run on the same X: the same
inputs are refused, with the same message, and the same inputs pass.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.utils.validation import check_array

from deepstep import DNNClassifier, DNNRegressor
from deepstep.estimators.placement import check_finite_rows


def _sklearn_message(X):
    try:  # scikit-learn's sum of inf and -inf warns on its way to the error
        with np.errstate(invalid="ignore", over="ignore"):
            check_array(X, accept_sparse=("csr", "csc"), dtype=None,
                        estimator=DNNClassifier(), input_name="X")
    except ValueError as exc:
        return str(exc)
    return None


def _cases():
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        X = rng.standard_normal((50, 7)).astype(dtype)
        big = np.full((40, 6), np.finfo(dtype).max / 2, dtype=dtype)  # finite, sums overflow
        yield f"ordinary-{dtype.__name__}", X
        yield f"overflowing-sums-{dtype.__name__}", big
        for value, name in ((np.nan, "nan"), (np.inf, "inf"), (-np.inf, "-inf")):
            bad = X.copy()
            bad[13, 4] = value
            yield f"{name}-{dtype.__name__}", bad
        both = X.copy()
        both[3, 0], both[3, 1] = np.inf, -np.inf  # a row sum of NaN
        yield f"inf-and-minus-inf-{dtype.__name__}", both
        sparse = sp.random(30, 20, density=0.2, format="csr", random_state=0, dtype=dtype)
        yield f"sparse-{dtype.__name__}", sparse
        sparse_bad = sparse.copy()
        sparse_bad.data[5] = np.nan
        yield f"sparse-nan-{dtype.__name__}", sparse_bad


@pytest.mark.parametrize(("name", "X"), list(_cases()), ids=[n for n, _ in _cases()])
def test_the_same_inputs_pass_and_fail_with_scikit_learns_message(name, X):
    expected = _sklearn_message(X)
    if expected is None:
        check_finite_rows(X, "DNNClassifier")
    else:
        with pytest.raises(ValueError) as info:
            check_finite_rows(X, "DNNClassifier")
        assert str(info.value) == expected


@pytest.mark.parametrize("est", [DNNClassifier, DNNRegressor])
def test_fit_refuses_a_nan_before_training(est):
    X = np.random.default_rng(1).standard_normal((20, 3))
    X[7, 2] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est(max_iter=1).fit(X, np.arange(20) % 2)


@pytest.mark.parametrize("est", ["MLPClassifier", "MLPRegressor"])
def test_the_mlp_classes_refuse_it_with_scikit_learns_message_too(est):
    import deepstep

    X = np.random.default_rng(2).standard_normal((20, 3))
    X[4, 1] = np.inf
    with pytest.raises(ValueError, match=f"Input X contains infinity.*{est}|Input X contains inf"):
        getattr(deepstep, est)(max_iter=1).fit(X, np.arange(20) % 2)


def test_assume_finite_skips_the_check_as_scikit_learn_does():
    import sklearn

    X = np.full((4, 2), np.nan)
    with sklearn.config_context(assume_finite=True):
        check_finite_rows(X, "DNNClassifier")  # no error: the user vouched for X
