"""The engine on a GPU (CuPy): the same results as on the CPU.

The ``cupy`` cases are skipped unless CuPy finds a CUDA GPU, so they run on GPU
machines only. So that this file itself is proven on every CI run, each test
also runs with ``array_api_strict`` standing in for CuPy behind
``device="gpu"``. The oracle is the CPU: NumPy runs of the same functions,
which the rest of the suite checks against the course's printed outputs and
numerical gradients.
"""

import numpy as np
import pytest

import deepstep._backend as backend
import deepstep.estimators.placement as placement
from deepstep import DNNClassifier, DNNRegressor, load, steps
from deepstep.datasets import load_catvnoncat
from deepstep.initializers import initialize_parameters_deep


@pytest.fixture(params=["cupy", "array_api_strict"])
def gpu(request, monkeypatch):
    """The GPU's array namespace (or a skip naming what is missing), or the stand-in."""
    if request.param == "cupy":
        try:
            return backend.device_namespace("gpu")
        except ValueError as exc:
            pytest.skip(str(exc))
    standin = pytest.importorskip(request.param)
    real = backend.device_namespace

    def device_namespace(device):
        return standin if device == "gpu" else real(device)

    monkeypatch.setattr(backend, "device_namespace", device_namespace)
    monkeypatch.setattr(placement, "device_namespace", device_namespace)
    return standin


def on_gpu(a):
    """A NumPy array's copy on the GPU, checked to be there."""
    return backend.device_namespace("gpu").asarray(np.array(a, copy=True))


def host(a):
    assert backend.is_foreign(a), f"expected a GPU array, got {type(a)}"
    return backend.to_numpy(a)


def rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_the_course_steps_on_the_gpu_equal_the_cpu(gpu, dtype, tol):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 64)).astype(dtype)
    Y = (X[:1] > X[1:2]).astype(dtype)
    p = {k: v.astype(dtype) for k, v in
         initialize_parameters_deep([40, 16, 8, 1], rng, init="lecun").items()}
    AL, caches = steps.L_model_forward(X, p)
    ALg, cachesg = steps.L_model_forward(on_gpu(X), {k: on_gpu(v) for k, v in p.items()})
    assert host(ALg).dtype == dtype
    np.testing.assert_allclose(host(ALg), AL, rtol=tol)
    assert rel(steps.compute_cost(ALg, on_gpu(Y)), steps.compute_cost(AL, Y)) < tol
    grads = steps.L_model_backward(AL, Y, caches)
    gradsg = steps.L_model_backward(ALg, on_gpu(Y), cachesg)
    for key, value in grads.items():
        assert host(gradsg[key]).dtype == dtype
        np.testing.assert_allclose(host(gradsg[key]), value, rtol=tol * 100,
                                   atol=tol * float(np.abs(value).max()))


def test_the_cat_model_has_the_cpu_costs_on_the_gpu(gpu, cat_dir):
    """The issue's criterion: the same costs within 1e-6 (relative) in float64.

    On the CPU this fit takes the exact Gram-matrix path (n_x > m); on the GPU
    the plain loop, so the two sides share no code beyond the course's steps.
    """
    data = load_catvnoncat(cat_dir)
    X, X_test = (x.reshape(len(x), -1) / 255 for x in (data.train_x, data.test_x))
    kw = {"hidden_layer_sizes": (20, 7, 5), "learning_rate": 0.0075, "max_iter": 300,
          "random_state": 1}
    cpu = DNNClassifier.from_course(**kw).fit(X, data.train_y)
    dev = DNNClassifier.from_course(device="gpu", **kw).fit(X, data.train_y)
    assert len(dev.loss_curve_) == 300
    assert rel(dev.loss_curve_, cpu.loss_curve_) < 1e-6
    np.testing.assert_array_equal(dev.predict(X_test), cpu.predict(X_test))


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-6), (np.float32, 1e-2)])
def test_minibatch_adam_with_dropout_and_l2_on_the_gpu_equals_the_cpu(gpu, dtype, tol):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((500, 30)).astype(dtype)
    y = np.argmax(X[:, :3], axis=1)
    kw = {"hidden_layer_sizes": (32, 16), "solver": "adam", "learning_rate": 0.003,
          "batch_size": 64, "max_iter": 8, "dropout": 0.2, "alpha": 0.01, "random_state": 0}
    cpu = DNNClassifier.from_course(**kw).fit(X, y)
    dev = DNNClassifier.from_course(device="gpu", **kw).fit(X, y)
    assert all(v.dtype == dtype and isinstance(v, np.ndarray) for v in dev.parameters_.values())
    assert rel(dev.loss_curve_, cpu.loss_curve_) < tol
    assert dev.predict_proba(X).dtype == dtype
    np.testing.assert_allclose(dev.predict_proba(X), cpu.predict_proba(X), rtol=tol * 10,
                               atol=tol)


def test_a_regressor_with_momentum_on_the_gpu_equals_the_cpu(gpu):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((300, 12))
    y = np.c_[X[:, 0] - 2 * X[:, 1], np.tanh(X[:, 2])]
    kw = {"hidden_layer_sizes": (24,), "solver": "momentum", "learning_rate": 0.05,
          "batch_size": 50, "max_iter": 10, "random_state": 0}
    cpu = DNNRegressor.from_course(**kw).fit(X, y)
    dev = DNNRegressor.from_course(device="gpu", **kw).fit(X, y)
    assert rel(dev.loss_curve_, cpu.loss_curve_) < 1e-6
    np.testing.assert_allclose(dev.predict(X), cpu.predict(X), rtol=1e-6, atol=1e-9)


def test_a_model_trained_on_the_gpu_loads_and_predicts_on_a_cpu(gpu, tmp_path, monkeypatch):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((200, 10))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    dev = DNNClassifier.from_course(hidden_layer_sizes=(16,), max_iter=50, learning_rate=0.1,
                                    device="gpu", random_state=0).fit(X, y)
    expected, labels = dev.predict_proba(X), dev.predict(X)
    dev.save(tmp_path / "gpu.npz")

    def no_gpu(device):
        if device == "gpu":
            raise ValueError("no GPU on this machine")
        return np

    monkeypatch.setattr(placement, "device_namespace", no_gpu)
    loaded = load(tmp_path / "gpu.npz")
    assert loaded.device == "cpu"
    np.testing.assert_allclose(loaded.predict_proba(X), expected, rtol=1e-10, atol=1e-15)
    np.testing.assert_array_equal(loaded.predict(X), labels)


# -- the MLP classes: scikit-learn's constructors, so the device is a setting ---------


@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_an_mlp_trained_on_the_gpu_equals_the_cpu(gpu, monkeypatch, solver, early_stopping):
    import deepstep
    from deepstep import MLPClassifier
    from deepstep.estimators import plan

    rng = np.random.default_rng(1)
    X = rng.standard_normal((120, 6))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    kw = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=4, random_state=0,
              early_stopping=early_stopping, tol=0.0)
    seen = []
    real_run = plan.run

    def spy(training):  # plan.run now takes the plan and copies X to the device itself
        trainer, real_fit = training.trainer, training.trainer.fit

        def fit(X, *args, **kwargs):
            seen.append((backend.is_foreign(X), backend.is_foreign(trainer.net.weights[0][0])))
            return real_fit(X, *args, **kwargs)

        trainer.fit = fit
        return real_run(training)

    monkeypatch.setattr(plan, "run", spy)
    with pytest.warns(Warning):  # max_iter runs out: scikit-learn's ConvergenceWarning
        cpu = MLPClassifier(**kw).fit(X, y)
        with deepstep.config_context(device="gpu"):
            on = MLPClassifier(**kw).fit(X, y)
            proba_on = on.predict_proba(X)
    assert seen == [(False, False), (True, True)]  # the second fit ran on the device
    assert all(isinstance(c, np.ndarray) for c in [*on.coefs_, *on.intercepts_])
    for a, b in zip(on.coefs_, cpu.coefs_, strict=True):
        assert rel(a, b) < 1e-10
    np.testing.assert_allclose(on.loss_curve_, cpu.loss_curve_, rtol=1e-10)
    np.testing.assert_allclose(proba_on, cpu.predict_proba(X), rtol=1e-10, atol=1e-12)


def test_lbfgs_refuses_the_gpu_naming_what_works(gpu):
    import deepstep
    from deepstep import MLPRegressor

    X = np.random.default_rng(0).standard_normal((30, 3))
    with deepstep.config_context(device="gpu"), \
            pytest.raises(ValueError, match=r"MLPRegressor.fit: solver='lbfgs'.*'adam' or 'sgd'"):
        MLPRegressor(solver="lbfgs").fit(X, X[:, 0])


def test_out_of_core_mlp_data_trains_on_the_cpu_only(gpu, tmp_path):
    import h5py

    import deepstep
    from deepstep import MLPClassifier

    X = np.random.default_rng(0).standard_normal((40, 3))
    with h5py.File(tmp_path / "x.h5", "w") as f:
        f["X"] = X
    with h5py.File(tmp_path / "x.h5", "r") as f, deepstep.config_context(device="gpu"), \
            pytest.raises(ValueError, match=r"MLPClassifier\.fit: device='gpu' needs X in memory"):
        MLPClassifier(max_iter=2).fit(f["X"], (X[:, 0] > 0).astype(int))
