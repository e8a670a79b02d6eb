"""A fit whose last finite-cost checkpoint holds infinities ends on its initial parameters.

Found by the long fuzz profile: full-batch gradient descent (the folded step,
whose checkpoint is the previous update, judged by its cost) on inputs of
1e300 reached a cost of 0.69 with W1 already holding -inf, and the fit
returned that -inf under a warning saying the last finite parameters were kept.
"""

import warnings

import numpy as np
import pytest

from deepstep import DNNClassifier
from deepstep.initializers import initialize_parameters_deep
from deepstep.training import DivergenceWarning

X = np.array([[0.0, 1e300], [1e300, 1e300], [1e300, 1e-300]])
Y = np.array([0, 0, 1])


def test_the_fit_goes_back_to_its_initial_parameters_never_to_infinities():
    clf = DNNClassifier.from_course(hidden_layer_sizes=(3,), max_iter=3, random_state=3,
                                    learning_rate=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        with pytest.warns(DivergenceWarning, match="the initial parameters were kept"):
            clf.fit(X, Y)
    # The oracle: the course's initialisation drawn again, independently, with the same seed.
    start = initialize_parameters_deep([2, 3, 1], 3, init="lecun")
    for key, value in start.items():
        np.testing.assert_array_equal(clf.parameters_[key], value)
    assert np.isfinite(clf.predict_proba(X)).all()


def test_a_fit_stopped_by_a_nan_cost_does_not_return_infinities_either():
    # The fuzz's second example: the cost turns NaN at iteration 3, and the parameters
    # of iteration 2 (cost 0.23, finite) already hold -inf.
    X2 = np.array([[1e300, 0.0], [1e300, 1e300], [1e-300, 1e300]])
    clf = DNNClassifier.from_course(hidden_layer_sizes=(3,), max_iter=4, random_state=3,
                                    learning_rate=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        with pytest.warns(DivergenceWarning, match="the initial parameters were kept"):
            clf.fit(X2, Y)
    start = initialize_parameters_deep([2, 3, 1], 3, init="lecun")
    for key, value in start.items():
        np.testing.assert_array_equal(clf.parameters_[key], value)
