"""MLPClassifier/MLPRegressor on out-of-core X (h5py datasets, Dask arrays), read in blocks.

The oracles: the same estimator fitted on the same rows in memory (itself
checked against scikit-learn in tests/test_mlp.py), and scikit-learn's own
MLP on those rows.
"""

import tracemalloc
import warnings

import h5py
import numpy as np
import pytest
from sklearn import neural_network as sk
from sklearn.exceptions import ConvergenceWarning

import deepstep.outofcore as ooc
from deepstep import MLPClassifier, MLPRegressor

da = pytest.importorskip("dask.array")

M, N_X, BATCH = 240, 6, 20


def _data(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((M, N_X)).astype(dtype)
    labels = (X[:, 0] > 0).astype(int) + (X[:, 1] - X[:, 2] > 0.5)
    y = np.array(["low", "mid", "high"])[labels]
    target = np.stack([X[:, 0] - 2 * X[:, 3], X[:, 1] * X[:, 2]], axis=1)
    return X, y, target


@pytest.fixture
def small_blocks(monkeypatch):
    # 60 rows of 6 float64 per block: four blocks, each of three whole batches of 20
    monkeypatch.setattr(ooc, "BLOCK_BYTES", 60 * N_X * 8)


def _h5(tmp_path, X, name="data.h5"):
    with h5py.File(tmp_path / name, "w") as f:
        f.create_dataset("X", data=X, chunks=(32, X.shape[1]))
    return h5py.File(tmp_path / name, "r")


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def _assert_same_fit(a, b, rtol=1e-12, atol=1e-14):
    for name in ("n_iter_", "t_", "n_layers_", "n_outputs_", "out_activation_",
                 "n_features_in_"):
        assert getattr(a, name) == getattr(b, name), name
    for ca, cb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        assert ca.shape == cb.shape and ca.dtype == cb.dtype
        np.testing.assert_allclose(ca, cb, rtol=rtol, atol=atol)
    assert a.loss_ == pytest.approx(b.loss_, rel=rtol)
    if hasattr(b, "loss_curve_"):
        np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=rtol)


KW = dict(hidden_layer_sizes=(7, 5), max_iter=6, batch_size=BATCH, shuffle=False,
          random_state=0, learning_rate_init=0.01, alpha=1e-3)


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_unshuffled_minibatches_from_h5_equal_the_in_memory_fit(tmp_path, solver):
    X, y, _ = _data()
    with _h5(tmp_path, X) as f:
        assert ooc.RowSource(f["X"], np.float64).block_rows == 60  # several blocks
        with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
            disk = MLPClassifier(solver=solver, **KW).fit(f["X"], y)
        memory = _fit(MLPClassifier(solver=solver, **KW), X, y)
        _assert_same_fit(disk, memory)
        np.testing.assert_array_equal(disk.classes_, memory.classes_)
        assert disk.best_loss_ == pytest.approx(memory.best_loss_, rel=1e-12)
        np.testing.assert_array_equal(disk.predict(f["X"]), memory.predict(X))
        np.testing.assert_allclose(disk.predict_proba(f["X"]), memory.predict_proba(X),
                                   rtol=1e-12, atol=1e-15)


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_fit_from_h5_is_scikit_learns_in_memory_fit(tmp_path, solver):
    # The peer library on the rows in memory: same draws, same batches.
    X, y, _ = _data()
    with _h5(tmp_path, X) as f:
        ours = _fit(MLPClassifier(solver=solver, **KW), f["X"], y)
        theirs = _fit(sk.MLPClassifier(solver=solver, **KW), X, y)
        _assert_same_fit(ours, theirs, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(ours.predict_proba(f["X"]), theirs.predict_proba(X),
                                   atol=1e-7)


@pytest.mark.usefixtures("small_blocks")
def test_lbfgs_on_h5_sums_the_gradient_over_blocks(tmp_path):
    X, y, _ = _data()
    kw = dict(KW, solver="lbfgs", max_iter=30)
    with _h5(tmp_path, X) as f:
        disk = _fit(MLPClassifier(**kw), f["X"], y)
        memory = _fit(MLPClassifier(**kw), X, y)
        assert not hasattr(disk, "loss_curve_")
        _assert_same_fit(disk, memory, rtol=1e-10, atol=1e-12)
        np.testing.assert_array_equal(disk.predict(f["X"]), memory.predict(X))


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_dask_array_equals_the_in_memory_fit(solver):
    X, y, _ = _data()
    Xd = da.from_array(X, chunks=(50, N_X))
    disk = _fit(MLPClassifier(solver=solver, **KW), Xd, y)
    memory = _fit(MLPClassifier(solver=solver, **KW), X, y)
    _assert_same_fit(disk, memory, rtol=1e-10 if solver == "lbfgs" else 1e-12)
    np.testing.assert_array_equal(disk.predict(Xd), memory.predict(X))


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_regressor_with_two_outputs(tmp_path, solver):
    X, _, target = _data()
    kw = dict(KW, solver=solver, activation="tanh")
    with _h5(tmp_path, X) as f:
        disk = _fit(MLPRegressor(**kw), f["X"], target)
        memory = _fit(MLPRegressor(**kw), X, target)
        assert disk.n_outputs_ == 2 and disk.out_activation_ == "identity"
        _assert_same_fit(disk, memory, rtol=1e-10 if solver == "lbfgs" else 1e-12)
        np.testing.assert_allclose(disk.predict(f["X"]), memory.predict(X), rtol=1e-10,
                                   atol=1e-12)
        np.testing.assert_allclose(disk.score(f["X"], target), memory.score(X, target),
                                   rtol=1e-10)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_float32_stays_float32(tmp_path, solver):
    X, y, _ = _data(np.float32)
    with _h5(tmp_path, X) as f:
        disk = _fit(MLPClassifier(solver=solver, **KW), f["X"], y)
        memory = _fit(MLPClassifier(solver=solver, **KW), X, y)
        assert all(c.dtype == np.float32 for c in disk.coefs_ + disk.intercepts_)
        assert disk.predict_proba(f["X"]).dtype == np.float32
        _assert_same_fit(disk, memory, rtol=1e-4, atol=1e-5)


@pytest.mark.usefixtures("small_blocks")
def test_shuffled_fit_is_reproducible_and_learns(tmp_path):
    X, y, _ = _data()
    kw = dict(KW, shuffle=True, max_iter=60)
    with _h5(tmp_path, X) as f:
        a = _fit(MLPClassifier(**kw), f["X"], y)
        b = _fit(MLPClassifier(**kw), f["X"], y)
        for ca, cb in zip(a.coefs_, b.coefs_, strict=True):
            np.testing.assert_array_equal(ca, cb)
        assert a.score(f["X"], y) > 0.9


def test_refused_options_are_named(tmp_path):
    X, y, _ = _data()
    with _h5(tmp_path, X) as f:
        Xh = f["X"]
        with pytest.raises(ValueError, match="early_stopping is not supported with out-of-core"):
            MLPClassifier(early_stopping=True).fit(Xh, y)
        with pytest.raises(ValueError, match="sample_weight is not supported"):
            MLPRegressor().fit(Xh, y.argsort().astype(float), sample_weight=np.ones(M))
        with pytest.raises(ValueError, match="partial_fit is not supported"):
            MLPClassifier().partial_fit(Xh, y, classes=np.unique(y))
        with pytest.raises(ValueError, match="X has 240 rows but y has 239"):
            MLPClassifier().fit(Xh, y[1:])
        with pytest.raises(ValueError, match="y contains NaN"):
            MLPRegressor().fit(Xh, np.full(M, np.nan))
        fitted = _fit(MLPClassifier(**KW), Xh, y)
        with pytest.raises(ValueError, match="model expects 6 features"):
            fitted.predict(da.from_array(X[:, :5]))
    X[7, 2] = np.nan
    with _h5(tmp_path, X, "nan.h5") as f, \
            pytest.raises(ValueError, match="NaN or infinite values \\(first in row 7\\)"):
        MLPClassifier().fit(f["X"], y)


def test_peak_memory_stays_far_below_the_data(tmp_path, monkeypatch):
    m, n_x = 8000, 250  # 16 MB of float64 on disk; blocks of about 1 MB
    monkeypatch.setattr(ooc, "BLOCK_BYTES", 2**20)
    rng = np.random.default_rng(1)
    with h5py.File(tmp_path / "big.h5", "w") as f:
        X = f.create_dataset("X", shape=(m, n_x), dtype="f8")
        for start in range(0, m, 1000):
            X[start:start + 1000] = rng.standard_normal((1000, n_x))
    y = rng.integers(0, 2, m)
    with h5py.File(tmp_path / "big.h5", "r") as f:
        for solver in ("adam", "lbfgs"):
            tracemalloc.start()
            try:
                est = _fit(MLPClassifier(hidden_layer_sizes=(8,), solver=solver, max_iter=2,
                                         random_state=0), f["X"], y)
                est.predict_proba(f["X"])
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            assert peak < m * n_x * 8 / 4, f"{solver}: peak {peak / 1e6:.1f} MB"
