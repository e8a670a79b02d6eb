"""The engine is backend-agnostic: the same functions on other array libraries.

``array_api_strict`` implements the array API standard and nothing else, so any
NumPy-only call in the engine fails on it (CI runs it). PyTorch's CPU tensors,
where PyTorch is installed, are a second, real implementation with its own
kernels and its own conversions, closer to what CuPy is on a GPU, which runs
the same code (``tests/test_gpu.py`` runs on a GPU machine).
"""

import numpy as np
import pytest

from deepstep import DNNClassifier, load, steps
from deepstep.activations import ACTIVATIONS
from deepstep.initializers import initialize_parameters_deep
from deepstep.losses import LOSSES
from deepstep.optimizers import Adam, GradientDescent, Momentum
from deepstep.propagation import resolve_activations
from deepstep.training import Trainer


class Backend:
    """An array library: its namespace, and conversions to and from NumPy."""

    def __init__(self, name):
        self.name = name
        if name == "array_api_strict":
            self.xp = pytest.importorskip("array_api_strict")
        else:
            pytest.importorskip(name)
            compat = pytest.importorskip("array_api_compat")
            self.xp = compat.array_namespace(__import__(name).zeros(1))

    def to(self, a):
        """A new array of this library (a copy: the training loop trains in place)."""
        return self.xp.asarray(np.array(a, copy=True))

    def back(self, a):
        """The array as NumPy, after checking it is one of this library's (no NumPy leaked)."""
        assert type(a).__module__.partition(".")[0] == self.name, type(a)
        return np.from_dlpack(a)


@pytest.fixture(params=["array_api_strict", "torch"])
def backend(request):
    return Backend(request.param)


def _problem(n_x=5, m=24, dims=(4, 3, 1), seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    Y = (X[:1] - X[1:2] > 0).astype(float)
    p = initialize_parameters_deep([n_x, *dims], rng, init="lecun")
    return X, Y, p


def test_the_course_steps_on_another_library_equal_numpy(backend):
    X, Y, p = _problem()
    ps = {k: backend.to(v) for k, v in p.items()}
    AL, caches = steps.L_model_forward(X, p)
    ALs, cachess = steps.L_model_forward(backend.to(X), ps)
    np.testing.assert_allclose(backend.back(ALs), AL, rtol=1e-13)
    cost = steps.compute_cost(AL, Y)
    costs = steps.compute_cost(ALs, backend.to(Y))
    assert isinstance(costs, float)
    np.testing.assert_allclose(costs, cost, rtol=1e-13)
    grads = steps.L_model_backward(AL, Y, caches)
    gradss = steps.L_model_backward(ALs, backend.to(Y), cachess)
    for key, value in grads.items():
        np.testing.assert_allclose(backend.back(gradss[key]), value, rtol=1e-12, atol=1e-15)
    new = steps.update_parameters(p, grads, 0.1)
    news = steps.update_parameters(ps, gradss, 0.1)
    for key, value in new.items():
        np.testing.assert_allclose(backend.back(news[key]), value, rtol=1e-13)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_and_its_backward_on_another_library(name, backend):
    rng = np.random.default_rng(1)
    Z, dA = rng.standard_normal((3, 7)) * 3, rng.standard_normal((3, 7))
    act = ACTIVATIONS[name]
    A, cache = act.forward(Z)
    As, caches = act.forward(backend.to(Z))
    np.testing.assert_allclose(backend.back(As), A, rtol=1e-13)
    np.testing.assert_allclose(backend.back(act.backward(backend.to(dA), caches)),
                               act.backward(dA, cache), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("make,batch_size,loss", [
    (lambda: GradientDescent(0.3), None, "binary_cross_entropy"),
    (lambda: GradientDescent(0.3), 5, "binary_cross_entropy"),
    (lambda: Momentum(0.1, beta=0.8, nesterov=True), 6, "binary_cross_entropy"),
    (lambda: Adam(0.01), None, "squared_error"),
])
@pytest.mark.parametrize("examples_as_rows", [False, True])
def test_the_training_loop_on_another_library_equals_numpy(make, batch_size, loss, backend,
                                                           examples_as_rows):
    X, Y, p = _problem(n_x=30, m=24)  # n_x > m: NumPy takes the Gram path, the others do not
    spec = LOSSES[loss]
    acts = resolve_activations(["relu", "tanh", spec.output_activation], 3, "t")
    runs = []
    for convert in (np.array, backend.to):  # both copy: the loop trains in place
        weights = [[convert(p[f"W{l}"]), convert(p[f"b{l}"])] for l in (1, 2, 3)]
        t = Trainer(weights, acts, spec, make(), alpha=0.1)
        # X as the transpose of (m, n_x) rows (the estimators' layout), or as
        # (n_x, m) itself: mini-batches gather rows or columns accordingly.
        Xc = convert(X.T).T if examples_as_rows else convert(X)
        h = t.fit(Xc, convert(Y), 15, batch_size=batch_size, rng=np.random.default_rng(3))
        runs.append((h.history["loss"], t.parameters))
    (costs, params), (costs_s, params_s) = runs
    np.testing.assert_allclose(costs_s, costs, rtol=1e-10)
    for key, value in params.items():
        np.testing.assert_allclose(backend.back(params_s[key]), value, rtol=1e-9, atol=1e-12)


def test_an_estimator_on_another_device_trains_like_the_cpu_and_loads_on_the_cpu(
        monkeypatch, tmp_path, backend):
    import deepstep.estimators.placement as est

    real = est.device_namespace
    monkeypatch.setattr(est, "device_namespace",
                        lambda device: backend.xp if device == "gpu" else real(device))
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((60, 6)), rng.integers(0, 3, 60)
    kw = {"hidden_layer_sizes": (8,), "max_iter": 20, "random_state": 0, "solver": "adam",
          "learning_rate": 0.01, "batch_size": 16}
    cpu = DNNClassifier.from_course(**kw).fit(X, y)
    dev = DNNClassifier.from_course(device="gpu", **kw).fit(X, y)
    assert all(isinstance(v, np.ndarray) for v in dev.parameters_.values())
    np.testing.assert_allclose(dev.loss_curve_, cpu.loss_curve_, rtol=1e-10)
    np.testing.assert_allclose(dev.predict_proba(X), cpu.predict_proba(X), rtol=1e-9)
    expected = dev.predict_proba(X)
    dev.save(tmp_path / "m.npz")
    monkeypatch.setattr(est, "device_namespace", real)  # a machine without the device
    loaded = load(tmp_path / "m.npz")
    assert loaded.device == "cpu"
    np.testing.assert_allclose(loaded.predict_proba(X), expected, rtol=1e-12)


def test_device_errors_are_clear():
    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="device must be 'cpu' or 'gpu', got 'tpu'"):
        DNNClassifier.from_course(device="tpu").fit(X, y)
    try:
        import cupy  # noqa: F401
    except ImportError:
        with pytest.raises(ValueError, match=r"device='gpu' needs CuPy"):
            DNNClassifier.from_course(device="gpu", max_iter=1).fit(X, y)
