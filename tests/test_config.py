"""deepstep.config_context / set_config / get_config: checked, per thread, read by predict."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import scipy.sparse as sp

import deepstep
from deepstep import DNNClassifier, MLPClassifier, config_context, get_config, set_config
from deepstep.estimators import prediction
from deepstep.estimators.mlp import _network

DEFAULTS = {"predict_block_bytes": 16 * 2**20, "predict_max_rows": 16384, "device": "cpu"}


@pytest.fixture(autouse=True)
def _restore():
    before = get_config()
    yield
    set_config(**before)


def test_defaults_and_get_config_is_a_copy():
    assert get_config() == DEFAULTS
    get_config()["predict_max_rows"] = 3
    assert get_config() == DEFAULTS


def test_context_sets_and_restores_even_on_error():
    with config_context(predict_max_rows=10):
        assert get_config() == {**DEFAULTS, "predict_max_rows": 10}
        with config_context(predict_block_bytes=1000):
            assert get_config() == {**DEFAULTS, "predict_block_bytes": 1000,
                                    "predict_max_rows": 10}
        assert get_config()["predict_block_bytes"] == DEFAULTS["predict_block_bytes"]
    assert get_config() == DEFAULTS
    with pytest.raises(KeyError), config_context(predict_max_rows=5):
        raise KeyError("inside")
    assert get_config() == DEFAULTS


def test_set_config_changes_only_what_it_is_given():
    set_config(predict_max_rows=100)
    set_config(predict_block_bytes=4096)
    assert get_config() == {**DEFAULTS, "predict_block_bytes": 4096, "predict_max_rows": 100}


@pytest.mark.parametrize("key", ["predict_block_bytes", "predict_max_rows"])
@pytest.mark.parametrize("value, error", [(0, ValueError), (-5, ValueError), (1.5, TypeError),
                                          ("100", TypeError), (True, TypeError),
                                          (np.float64(8.0), TypeError)])
def test_bad_values_are_refused_by_name_and_change_nothing(key, value, error):
    with pytest.raises(error, match=rf"{key} must be a positive int|{key} must be an int"):
        set_config(**{key: value})
    with pytest.raises(error, match=key), config_context(**{key: value}):
        pass
    assert get_config() == DEFAULTS


def test_a_numpy_integer_is_accepted():
    set_config(predict_max_rows=np.int64(7))
    assert get_config()["predict_max_rows"] == 7 and type(get_config()["predict_max_rows"]) is int


def test_an_unknown_setting_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="predict_rows"):
        set_config(predict_rows=10)
    with pytest.raises(TypeError, match="predict_rows"):
        with config_context(predict_rows=10):
            pass


def test_settings_are_per_thread():
    seen = {}
    ready, done = threading.Event(), threading.Event()

    def other():
        seen["start"] = get_config()
        set_config(predict_max_rows=3)
        ready.set()
        done.wait(5)
        seen["end"] = get_config()

    thread = threading.Thread(target=other)
    with config_context(predict_max_rows=11):
        thread.start()
        ready.wait(5)
        assert get_config()["predict_max_rows"] == 11  # the other thread's set_config: not here
        done.set()
        thread.join()
    assert seen["start"] == DEFAULTS  # a new thread starts from the defaults
    assert seen["end"]["predict_max_rows"] == 3  # this thread's context did not reach it


def test_block_rows_follows_the_settings():
    sizes, f64 = [64, 100, 10], np.float64
    per_row = 2 * (100 + 10) * 8
    assert prediction.block_rows(sizes, f64) == min(16384, 16 * 2**20 // per_row)
    with config_context(predict_max_rows=500):
        assert prediction.block_rows(sizes, f64) == 500
    with config_context(predict_block_bytes=per_row * 300):
        assert prediction.block_rows(sizes, f64) == 300
        assert prediction.block_rows(sizes, np.float32) == 600
    with config_context(predict_block_bytes=1):
        assert prediction.block_rows(sizes, f64) == prediction.MIN_BLOCK_ROWS


def _recording_forward(monkeypatch):
    """Record the number of rows of every block the shared blocked forward pass runs."""
    rows = []
    real = prediction.forward

    def forward(A, *args, **kwargs):
        rows.append(A.shape[1])
        return real(A, *args, **kwargs)

    monkeypatch.setattr(prediction, "forward", forward)
    return rows


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_both_families_predict_in_blocks_of_the_configured_size(monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 4))
    y = (X[:, 0] > 0).astype(int)
    dnn = DNNClassifier(hidden_layer_sizes=(5,), max_iter=3, tol=None, random_state=0).fit(X, y)
    mlp = MLPClassifier(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=3,
                        random_state=0).fit(X, y)
    rows = _recording_forward(monkeypatch)
    for model in (dnn, mlp):
        whole = model.predict_proba(X)
        assert rows == [300]
        rows.clear()
        with config_context(predict_max_rows=128):
            blocked = model.predict_proba(X)
        assert rows == [128, 128, 44]
        rows.clear()
        np.testing.assert_allclose(blocked, whole, rtol=1e-12, atol=1e-15)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_mlp_sparse_input_is_densified_one_block_at_a_time(monkeypatch):
    rng = np.random.default_rng(0)
    X = sp.random(200, 50, density=0.1, format="csc", random_state=0, dtype=np.float32)
    y = rng.integers(0, 3, 200)
    mlp = MLPClassifier(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=3,
                        random_state=0).fit(X, y)
    largest = []
    original = sp.csr_matrix.toarray

    def spy(self, *args, **kwargs):
        largest.append(self.shape[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(sp.csr_matrix, "toarray", spy)
    monkeypatch.setattr(sp.csc_matrix, "toarray", spy)
    dense = mlp.predict_proba(X.toarray())
    largest.clear()
    with config_context(predict_block_bytes=50 * 4 * 64):  # 64 float32 rows of 50 features
        proba = mlp.predict_proba(X)
    assert largest and max(largest) == 64
    assert proba.dtype == np.float32
    np.testing.assert_allclose(proba, dense, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_predict_raw_keeps_the_weights_dtype(dtype):
    rng = np.random.default_rng(0)
    weights = [(rng.standard_normal((3, 4)).astype(dtype), np.zeros((3, 1), dtype)),
               (rng.standard_normal((2, 3)).astype(dtype), np.zeros((2, 1), dtype))]
    acts = _network.hidden_and_output("relu", "softmax", 3)
    X = rng.standard_normal((10, 4)).astype(dtype)
    out = _network.predict_raw(X, weights, acts)
    assert out.dtype == dtype and out.shape == (10, 2)
    # An independent computation of the same network.
    H = np.maximum(X @ weights[0][0].T, 0) @ weights[1][0].T
    expected = np.exp(H - H.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(out, expected, rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_config_is_exported():
    assert {"config_context", "get_config", "set_config"} <= set(deepstep.__all__)
    assert deepstep.config_context is config_context


def test_device_is_checked_and_scoped():
    with config_context(device="gpu"):
        assert get_config()["device"] == "gpu"
    assert get_config()["device"] == "cpu"
    with pytest.raises(ValueError, match="device must be 'cpu' or 'gpu', got 'tpu'"):
        set_config(device="tpu")
    with pytest.raises(TypeError, match="device must be 'cpu' or 'gpu', got int 1"):
        set_config(device=1)
    assert get_config() == DEFAULTS
