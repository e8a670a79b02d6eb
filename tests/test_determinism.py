"""Same data and random_state give bit-identical models; predict is safe from many threads."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from deepstep import DNNClassifier, DNNRegressor


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((80, 12))
    return X, (X[:, 0] - X[:, 3] > 0).astype(int)


@pytest.mark.parametrize("params", [
    {},
    {"solver": "adam", "batch_size": 16, "dropout": 0.2},
    {"solver": "nesterov", "batch_size": 10, "early_stopping": True},
    {"solver": "gd", "alpha": 0.1, "learning_rate_schedule": "inverse_time"},
])
def test_same_random_state_gives_bit_identical_parameters(params):
    X, y = _data()
    a = DNNClassifier.from_course(hidden_layer_sizes=(7, 5), max_iter=30, random_state=4,
                                  **params).fit(X, y)
    b = DNNClassifier.from_course(hidden_layer_sizes=(7, 5), max_iter=30, random_state=4,
                                  **params).fit(X, y)
    assert a.loss_curve_ == b.loss_curve_
    for key, value in a.parameters_.items():
        np.testing.assert_array_equal(b.parameters_[key], value)
    c = DNNClassifier.from_course(hidden_layer_sizes=(7, 5), max_iter=30, random_state=5,
                                  **params).fit(X, y)
    assert not np.array_equal(c.parameters_["W1"], a.parameters_["W1"])


@pytest.mark.parametrize("make", [
    lambda: DNNClassifier.from_course(hidden_layer_sizes=(32, 16), max_iter=20, random_state=0),
    lambda: DNNRegressor.from_course(hidden_layer_sizes=(32,), max_iter=20, random_state=0),
])
def test_predict_from_many_threads_equals_sequential_predict(make):
    X, y = _data()
    model = make().fit(X, y)
    rng = np.random.default_rng(1)
    inputs = [rng.standard_normal((int(n), 12)) for n in rng.integers(1, 3000, 24)]
    method = model.predict_proba if hasattr(model, "predict_proba") else model.predict
    sequential = [method(x) for x in inputs]
    with ThreadPoolExecutor(8) as pool:
        for _ in range(3):
            threaded = list(pool.map(method, inputs))
            for s, t in zip(sequential, threaded, strict=True):
                np.testing.assert_array_equal(t, s)
