"""LayerStatistics and deepstep.recording(): what they record, for every estimator, checked by hand.

Oracles: the update ratio from two separate deterministic fits (n and n + 1
iterations of full-batch gradient descent), activations from a forward
pass written here, gradients by centred differences of a cost written here.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepstep
from deepstep import DNNClassifier, DNNRegressor, MLPClassifier, MLPRegressor, steps
from deepstep.training import LayerStatistics, recording

KEYS = {"epoch", "layer", "activation_quantiles", "dead_fraction", "saturated_fraction",
        "gradient_norm", "gradient_quantiles", "weight_norm", "update_ratio"}


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(converge|Maximum iterations).*")
        yield


def _data(m=40, n=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n))
    return X, (X[:, 0] - X[:, 1] > 0).astype(int)


def _gd(max_iter, **kw):
    return DNNClassifier(hidden_layer_sizes=(4,), solver="gd", batch_size=None, alpha=0.0,
                         learning_rate=0.05, max_iter=max_iter, random_state=0, **kw)


def test_every_epoch_every_layer_with_the_contract_keys():
    X, y = _data()
    stats = LayerStatistics(every=1)
    _gd(7, callbacks=[stats]).fit(X, y)
    assert [(r["epoch"], r["layer"]) for r in stats.history] == [
        (e, l) for e in range(7) for l in (1, 2)]
    for row in stats.history:
        assert set(row) == KEYS
        assert len(row["activation_quantiles"]) == 5 == len(row["gradient_quantiles"])
        assert row["activation_quantiles"] == sorted(row["activation_quantiles"])
        assert 0 <= row["dead_fraction"] <= 1 and 0 <= row["saturated_fraction"] <= 1


def test_every_n_records_those_epochs_and_the_last():
    X, y = _data()
    stats = LayerStatistics(every=3)
    _gd(8, callbacks=[stats]).fit(X, y)
    assert sorted({r["epoch"] for r in stats.history}) == [0, 3, 6, 7]


def test_auto_records_the_first_and_the_last_epoch():
    X, y = _data()
    stats = LayerStatistics()
    _gd(50, callbacks=[stats]).fit(X, y)
    epochs = sorted({r["epoch"] for r in stats.history})
    assert epochs[0] == 0 and epochs[-1] == 49


def test_update_ratio_is_the_epochs_real_update_over_the_weights():
    X, y = _data()
    stats = LayerStatistics(every=1)
    _gd(6, callbacks=[stats]).fit(X, y)
    before, after = _gd(4).fit(X, y), _gd(5).fit(X, y)  # deterministic: epoch 4's update
    for l in (1, 2):
        W0, W1 = before.parameters_[f"W{l}"], after.parameters_[f"W{l}"]
        row = next(r for r in stats.history if r["epoch"] == 4 and r["layer"] == l)
        assert row["update_ratio"] == pytest.approx(
            np.linalg.norm(W1 - W0) / np.linalg.norm(W0), rel=1e-9)
        assert row["weight_norm"] == pytest.approx(np.linalg.norm(W1), rel=1e-12)


def _cost(X, y, W1, b1, W2, b2):
    A1 = np.maximum(W1 @ X + b1, 0)
    p = 1 / (1 + np.exp(-(W2 @ A1 + b2)))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def test_activations_and_gradients_at_the_last_epoch_match_a_hand_computation():
    X, y = _data()
    stats = LayerStatistics(every=1, sample=1000)  # every column
    model = _gd(5, callbacks=[stats]).fit(X, y)
    p = model.parameters_
    XT = X.T
    A1 = np.maximum(p["W1"] @ XT + p["b1"], 0)
    last = [r for r in stats.history if r["epoch"] == 4]
    assert last[0]["activation_quantiles"] == pytest.approx(
        list(np.quantile(A1, [0.05, 0.25, 0.5, 0.75, 0.95])))
    assert last[0]["dead_fraction"] == pytest.approx(np.mean(np.all(A1 == 0, axis=1)))
    eps = 1e-6
    grad = np.zeros_like(p["W1"])
    for idx in np.ndindex(grad.shape):
        plus, minus = p["W1"].copy(), p["W1"].copy()
        plus[idx] += eps
        minus[idx] -= eps
        grad[idx] = (_cost(XT, y, plus, p["b1"], p["W2"], p["b2"])
                     - _cost(XT, y, minus, p["b1"], p["W2"], p["b2"])) / (2 * eps)
    assert last[0]["gradient_norm"] == pytest.approx(np.linalg.norm(grad), rel=1e-6)
    assert last[0]["gradient_quantiles"] == pytest.approx(
        list(np.quantile(grad, [0.05, 0.25, 0.5, 0.75, 0.95])), rel=1e-5, abs=1e-9)


@pytest.mark.parametrize("make, kind", [
    (lambda: MLPClassifier((5,), max_iter=4, random_state=0), "class"),
    (lambda: MLPRegressor(hidden_layer_sizes=(5,), max_iter=4, random_state=0), "real"),
    (lambda: DNNClassifier(hidden_layer_sizes=(5,), max_iter=4, random_state=0), "class"),
    (lambda: DNNRegressor(hidden_layer_sizes=(5,), max_iter=4, random_state=0), "real"),
])
def test_recording_works_with_every_estimator(make, kind):
    X, y = _data()
    target = y if kind == "class" else X[:, 0]
    with recording(every=1) as stats:
        make().fit(X, target)
    assert sorted({r["epoch"] for r in stats.history}) == [0, 1, 2, 3]
    assert {r["layer"] for r in stats.history} == {1, 2}


def test_recording_works_with_the_course_models():
    X, y = _data()
    XT, Y = X.T, y.reshape(1, -1).astype(float)
    with deepstep.recording(every=100) as stats:
        steps.L_layer_model(XT, Y, [3, 4, 2, 1], num_iterations=250)
    assert sorted({r["epoch"] for r in stats.history}) == [0, 100, 200, 249]
    assert {r["layer"] for r in stats.history} == {1, 2, 3}
    with deepstep.recording(every=50) as stats:
        steps.two_layer_model(XT, Y, (3, 4, 1), num_iterations=100)
    assert sorted({r["epoch"] for r in stats.history}) == [0, 50, 99]
    assert {r["layer"] for r in stats.history} == {1, 2}


def test_recording_ends_with_its_block_and_changes_no_result():
    X, y = _data()
    plain = DNNClassifier(hidden_layer_sizes=(5,), max_iter=5, dropout=0.3,
                          random_state=0).fit(X, y)
    with recording(every=1) as stats:
        recorded = DNNClassifier(hidden_layer_sizes=(5,), max_iter=5, dropout=0.3,
                                 random_state=0).fit(X, y)
    n = len(stats.history)
    # the statistics draw nothing from the dropout generator: the fit is bit for bit the same
    for key, value in plain.parameters_.items():
        np.testing.assert_array_equal(value, recorded.parameters_[key])
    MLPClassifier((5,), max_iter=3, random_state=0).fit(X, y)  # outside the block
    assert len(stats.history) == n > 0


def test_a_partial_fit_trainer_does_not_keep_recording_after_the_block():
    X, y = _data()
    model = DNNClassifier(hidden_layer_sizes=(5,), random_state=0)
    with recording(every=1) as stats:
        model.partial_fit(X, y, classes=[0, 1])
    n = len(stats.history)
    model.partial_fit(X, y)
    assert len(stats.history) == n == 2


def test_float32_fits_are_recorded():
    X, y = _data()
    stats = LayerStatistics(every=1)
    model = _gd(3, callbacks=[stats]).fit(X.astype(np.float32), y)
    assert model.parameters_["W1"].dtype == np.float32
    assert all(np.isfinite(r["gradient_norm"]) for r in stats.history)


@pytest.mark.parametrize("kwargs, match", [({"every": 0}, "every must be"),
                                           ({"every": "often"}, "every must be"),
                                           ({"every": True}, "every must be"),
                                           ({"sample": 0}, "sample must be")])
def test_bad_arguments_name_themselves(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LayerStatistics(**kwargs)


def test_statistics_feed_the_diagnosis():
    X, y = _data()
    with recording(every=1) as stats:
        model = _gd(5).fit(X, y)
    check = deepstep.diagnose(model, X, y, statistics=stats).get("update-to-weight ratio")
    expected = [float(np.median([r["update_ratio"] for r in stats.history if r["layer"] == l]))
                for l in (1, 2)]
    assert check.details["ratios"] == pytest.approx(expected)
    assert "recorded" in check.finding


def test_each_fit_in_a_recording_block_records_its_first_and_last_epoch():
    X, y = _data()
    with recording() as stats:
        _gd(30).fit(X, y)
        first = len(stats.history)
        MLPClassifier((5,), max_iter=12, random_state=0).fit(X, y)
    second = sorted({r["epoch"] for r in stats.history[first:]})
    assert second[0] == 0 and second[-1] == 11


def test_out_of_core_fits_are_recorded_from_their_first_block(tmp_path):
    h5py = pytest.importorskip("h5py")
    X, y = _data(m=60)
    path = tmp_path / "data.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("X", data=X)
    with h5py.File(path, "r") as f, recording(every=1, sample=1000) as stats:
        model = _gd(3).fit(f["X"], y)
    memory = LayerStatistics(every=1, sample=1000)
    _gd(3, callbacks=[memory]).fit(X, y)
    # the first block holds every row here: the same statistics as in memory
    assert [r["epoch"] for r in stats.history] == [0, 0, 1, 1, 2, 2]
    for a, b in zip(stats.history, memory.history, strict=True):
        assert a["gradient_norm"] == pytest.approx(b["gradient_norm"], rel=1e-9)
        assert a["activation_quantiles"] == pytest.approx(b["activation_quantiles"])
    assert model.n_iter_ == 3
