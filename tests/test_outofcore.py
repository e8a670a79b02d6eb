"""Out-of-core training (h5py, Dask) and data-parallel training on a Dask cluster."""

import h5py
import numpy as np
import pytest

import deepstep.outofcore as ooc
from deepstep import DNNClassifier, DNNRegressor, steps
from deepstep.initializers import initialize_parameters_deep
from deepstep.outofcore import RowSource, block_gradient
from deepstep.propagation import backward, forward, resolve_activations

da = pytest.importorskip("dask.array")


def _data(m=300, n_x=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n_x))
    y = (X[:, 0] - 0.5 * X[:, 1] > 0).astype(int)
    return X, y


@pytest.fixture
def small_blocks(monkeypatch):
    # 50 rows per block for 8 float64 features: several blocks even on tiny data
    monkeypatch.setattr(ooc, "BLOCK_BYTES", 50 * 8 * 8)


@pytest.fixture
def h5_data(tmp_path):
    X, y = _data()
    path = tmp_path / "data.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("X", data=X, chunks=(64, 8))
    f = h5py.File(path, "r")
    yield f["X"], X, y
    f.close()


def test_block_gradients_add_up_to_the_course_gradient():
    X, y = _data(m=90)
    p = initialize_parameters_deep([8, 5, 1], 0, init="lecun")
    AL, caches = steps.L_model_forward(X.T, p)
    grads = steps.L_model_backward(AL, y.reshape(1, -1).astype(float), caches)
    weights = [(p["W1"], p["b1"]), (p["W2"], p["b2"])]
    Y = y.reshape(1, -1).astype(float)
    parts = [block_gradient(X[a:a + 30], Y[:, a:a + 30], weights, ["relu", "sigmoid"],
                            "binary_cross_entropy", 90) for a in (0, 30, 60)]
    cost = sum(c for c, _ in parts)
    np.testing.assert_allclose(cost, steps.compute_cost(AL, Y), rtol=1e-13)
    for key in ("dW1", "db1", "dW2", "db2"):
        np.testing.assert_allclose(sum(g[key] for _, g in parts), grads[key], rtol=1e-12,
                                   atol=1e-15)


@pytest.mark.usefixtures("small_blocks")
def test_full_batch_fit_on_h5_equals_the_in_memory_fit(h5_data):
    Xh, X, y = h5_data
    assert RowSource(Xh, np.float64).block_rows == 50
    kw = {"hidden_layer_sizes": (6,), "max_iter": 40, "learning_rate": 0.1, "random_state": 0}
    disk = DNNClassifier.from_course(**kw).fit(Xh, y)
    memory = DNNClassifier.from_course(**kw).fit(X, y)
    np.testing.assert_allclose(disk.loss_curve_, memory.loss_curve_, rtol=1e-12)
    for key, value in memory.parameters_.items():
        np.testing.assert_allclose(disk.parameters_[key], value, rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(disk.predict_proba(Xh), memory.predict_proba(X), rtol=1e-11)
    np.testing.assert_array_equal(disk.predict(Xh), memory.predict(X))


@pytest.mark.usefixtures("small_blocks")
def test_unshuffled_minibatches_from_disk_equal_the_in_memory_minibatches(h5_data):
    Xh, X, y = h5_data
    kw = {"hidden_layer_sizes": (6,), "max_iter": 3, "batch_size": 25, "shuffle": False,
          "random_state": 0}
    disk = DNNClassifier.from_course(**kw).fit(Xh, y)
    memory = DNNClassifier.from_course(**kw).fit(X, y)
    np.testing.assert_allclose(disk.loss_curve_, memory.loss_curve_, rtol=1e-12)
    for key, value in memory.parameters_.items():
        np.testing.assert_allclose(disk.parameters_[key], value, rtol=1e-11, atol=1e-14)


@pytest.mark.usefixtures("small_blocks")
def test_shuffled_minibatches_from_a_dask_array_learn_and_are_reproducible():
    X, y = _data()
    Xd = da.from_array(X, chunks=(70, 8))
    kw = {"hidden_layer_sizes": (6,), "max_iter": 30, "batch_size": 16, "solver": "adam",
          "learning_rate": 0.01, "random_state": 2}
    a, b = DNNClassifier.from_course(**kw).fit(Xd, y), DNNClassifier.from_course(**kw).fit(Xd, y)
    assert a.loss_curve_ == b.loss_curve_
    assert a.loss_curve_[-1] < 0.5 * a.loss_curve_[0]
    assert a.score(X, y) > 0.9


def test_regressor_and_float32_out_of_core(tmp_path):
    X, _ = _data()
    target = X[:, 0] - 2 * X[:, 2]
    path = tmp_path / "r.h5"
    with h5py.File(path, "w") as f:
        f["X"] = X.astype(np.float32)
    with h5py.File(path, "r") as f:
        reg = DNNRegressor.from_course(hidden_layer_sizes=(8,), max_iter=50, batch_size=32,
                           solver="adam", learning_rate=0.01, random_state=0).fit(f["X"], target)
        assert reg.parameters_["W1"].dtype == np.float32
        assert reg.predict(f["X"]).dtype == np.float32


def test_out_of_core_input_errors(tmp_path, h5_data):
    Xh, X, y = h5_data
    with pytest.raises(ValueError, match="sample_weight is not supported with out-of-core"):
        DNNClassifier.from_course(max_iter=1).fit(Xh, y, sample_weight=np.ones(len(y)))
    with pytest.raises(ValueError, match="early_stopping"):
        DNNClassifier.from_course(max_iter=1, early_stopping=True).fit(Xh, y)
    with pytest.raises(ValueError, match="X has 300 rows but y has 299"):
        DNNClassifier.from_course(max_iter=1).fit(Xh, y[:-1])
    bad = X.copy()
    bad[123, 4] = np.nan
    path = tmp_path / "bad.h5"
    with h5py.File(path, "w") as f:
        f["X"] = bad
    with h5py.File(path, "r") as f, pytest.raises(ValueError, match=r"NaN or infinite.*row 123"):
        DNNClassifier.from_course(max_iter=1).fit(f["X"], y)
    fitted = DNNClassifier.from_course(max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="expects 8 features"):
        fitted.predict(da.zeros((4, 3)))


# ------------------------------------------------------------------ Dask cluster

@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_one_data_parallel_step_equals_the_in_memory_step(client):
    X, y = _data(m=400)
    Y = y.reshape(1, -1).astype(float)
    Xd = da.from_array(X, chunks=(100, 8))
    p = initialize_parameters_deep([8, 6, 4, 1], 3, init="lecun")
    weights = [(p[f"W{l}"], p[f"b{l}"]) for l in (1, 2, 3)]
    names = ["relu", "relu", "sigmoid"]
    source = ooc.DaskClusterSource(Xd, Y, client, np.float64)
    assert len(source.x_futures) == 4
    assert {w for w in client.who_has(source.x_futures).values() for w in w} == set(
        client.scheduler_info()["workers"])  # the chunks live on both workers
    cost, grads = source.gradient(Y, weights, names, "binary_cross_entropy", 1.0)
    acts = resolve_activations(names, 3, "t")
    AL, caches = forward(X.T, weights, acts)
    expected = backward((AL - Y) / 400, caches, acts, need_dA0=False, premeaned=True)
    np.testing.assert_allclose(cost, steps.compute_cost(AL, Y), rtol=1e-12)
    assert sorted(grads) == ["dW1", "dW2", "dW3", "db1", "db2", "db3"]
    for key in grads:
        np.testing.assert_allclose(grads[key], expected[key], rtol=1e-12, atol=1e-16)


def test_a_whole_data_parallel_fit_matches_the_in_memory_fit(client):
    X, y = _data(m=400)
    Xd = da.from_array(X, chunks=(100, 8))
    kw = {"hidden_layer_sizes": (6, 4), "max_iter": 30, "learning_rate": 0.2,
          "random_state": 0}
    cluster_fit = DNNClassifier.from_course(**kw).fit(Xd, y)
    memory_fit = DNNClassifier.from_course(**kw).fit(X, y)
    np.testing.assert_allclose(cluster_fit.loss_curve_, memory_fit.loss_curve_, rtol=1e-12)
    for key, value in memory_fit.parameters_.items():
        np.testing.assert_allclose(cluster_fit.parameters_[key], value, rtol=1e-10,
                                   atol=1e-13)
