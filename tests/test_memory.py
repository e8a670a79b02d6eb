"""Weights that cannot fit in memory are refused before anything is allocated (issue 23)."""

import numpy as np
import pytest

from deepstep import DNNClassifier, DNNRegressor, MLPClassifier, _memory, steps
from deepstep.initializers import glorot_uniform_layers

HUGE = [75, 68299410]  # what the long fuzz profile drew: 38.7 GiB of float64


def test_parameter_bytes_counts_weights_and_biases():
    # By hand: W1 4x3 + b1 4, W2 1x4 + b2 1 = 12 + 4 + 4 + 1 = 21 numbers.
    assert _memory.parameter_bytes([3, 4, 1], 8) == 21 * 8
    assert _memory.parameter_bytes(HUGE, 8) == 68299410 * 76 * 8


def test_meminfo_is_read_with_swap(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24683792 kB\nMemAvailable:    1000 kB\n"
                       "SwapFree:         24 kB\n")
    assert _memory.available_memory(meminfo, tmp_path / "none") == 1024 * 1024


def test_a_cgroup_limit_lowers_what_is_available(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemAvailable: 1000 kB\n")
    (tmp_path / "memory.max").write_text("300000\n")
    (tmp_path / "memory.current").write_text("100000\n")
    assert _memory.available_memory(meminfo, tmp_path) == 200000
    (tmp_path / "memory.max").write_text("max\n")
    assert _memory.available_memory(meminfo, tmp_path) == 1024000


def test_unknown_memory_skips_the_check(tmp_path, monkeypatch):
    monkeypatch.setattr(_memory, "_sysconf", lambda: None)
    assert _memory.available_memory(tmp_path / "none", tmp_path / "none") is None
    monkeypatch.setattr(_memory, "available_memory", lambda: None)
    _memory.check_parameters_fit(HUGE, np.dtype(np.float64), "f")  # nothing known: no refusal


def _small_machine(monkeypatch, nbytes=2**27):
    monkeypatch.setattr(_memory, "available_memory", lambda: nbytes)


def test_initialize_parameters_deep_refuses_what_cannot_fit(monkeypatch):
    _small_machine(monkeypatch)  # 128 MiB
    dims = [1000, 20000, 1]  # 160 MB of float64, 80 MB of float32
    needed = _memory.parameter_bytes(dims, 8)
    with pytest.raises(ValueError, match=rf"initialize_parameters_deep: layer sizes "
                                         rf"\[1000, 20000, 1\] need {needed:,} bytes "
                                         rf"\(0\.1 GiB\) of float64 .* 134,217,728 bytes"):
        steps.initialize_parameters_deep(dims)
    # the same sizes in float32 fit
    params = steps.initialize_parameters_deep(dims, dtype=np.float32)
    assert params["W1"].shape == (20000, 1000)


def test_the_refusal_comes_before_any_draw(monkeypatch):
    _small_machine(monkeypatch, 1)
    drawn = []
    with pytest.raises(ValueError, match="need"):
        steps.initialize_parameters_deep([100000, 1000], init=lambda *a: drawn.append(a))
    assert drawn == []
    with pytest.raises(ValueError, match=r"glorot_uniform_layers: layer sizes \[100000, 1000\]"):
        glorot_uniform_layers([100000, 1000], np.random.RandomState(0))


def test_the_fuzzers_draw_is_refused_on_this_machine():
    room = _memory.available_memory()
    if room is None or room >= _memory.parameter_bytes(HUGE, 8):
        pytest.skip("this machine could hold 38.7 GiB of weights")
    with pytest.raises(ValueError, match=r"\[75, 68299410\] need 41,526,041,280 bytes"):
        steps.initialize_parameters_deep(HUGE)


@pytest.mark.parametrize("make", [
    lambda: DNNClassifier(hidden_layer_sizes=(68299410,), max_iter=1),
    lambda: DNNRegressor(hidden_layer_sizes=(68299410,), max_iter=1),
    lambda: MLPClassifier(hidden_layer_sizes=(68299410,), max_iter=1),
])
def test_fit_refuses_hidden_layers_that_cannot_fit(make, monkeypatch):
    _small_machine(monkeypatch, 2**30)
    X = np.random.default_rng(0).standard_normal((6, 75))
    y = np.array([0, 1, 0, 1, 0, 1])
    # 8 bytes x (68299410 x 76 + 68299411), by hand
    est = make()
    with pytest.raises(ValueError,
                       match=r"\[75, 68299410, 1\] need 42,072,436,568 bytes \(39\.2 GiB\)"
                       ) as error:
        est.fit(X, y)
    message = str(error.value)
    assert message.startswith(f"{type(est).__name__}.fit: ")
    assert message.endswith("use smaller hidden_layer_sizes")
