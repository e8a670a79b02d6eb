"""deepstep.diagnose: each check trips on a case built to trip it, and stays ok on one built not to.

Oracles are computed here, independently: entropies and variances by hand,
dead units from Z = X W + b in NumPy, gradients by centred differences of a
cost written out in this file, the initial loss from the first step's cost
of a full-batch fit (the cost a step reports is the one before its update).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import deepstep
from deepstep import DNNClassifier, DNNRegressor, MLPClassifier, MLPRegressor
from deepstep.diagnostics import Check, Diagnosis, view
from deepstep.diagnostics.data_checks import chance_loss, cost_curve
from deepstep.gradient_check import gradcheck, gradcheck_details, kinks
from deepstep.initializers import initialize_parameters_deep

CHECKS = ["initial loss", "feature scale", "class balance", "examples vs parameters",
          "cost curve", "constant predictor", "dead and saturated units", "gradient flow",
          "update-to-weight ratio", "train/test gap", "gradient check"]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(converge|Maximum iterations).*")
        yield


def _blobs(m=200, n=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


def _mlp(X, y, **kw):
    params = dict(hidden_layer_sizes=(8,), max_iter=300, random_state=0)
    params.update(kw)
    return MLPClassifier(**params).fit(X, y)


def _status(diagnosis, name):
    return diagnosis.get(name).status


# ------------------------------------------------------------------ the result's shape

def test_diagnosis_lists_every_check_with_one_line_findings_and_serialises():
    X, y = _blobs()
    d = deepstep.diagnose(_mlp(X, y), X, y, X_test=X, y_test=y)
    assert isinstance(d, Diagnosis) and [c.name for c in d] == CHECKS
    for c in d:
        assert isinstance(c, Check) and c.status in ("ok", "warn", "fail")
        assert c.finding and "\n" not in c.finding and c.advice and "\n" not in c.advice
    assert all(c.status != "ok" for c in d.failing())
    text = str(d)
    assert all(name in text for name in CHECKS)
    json.dumps(d.to_dict())  # plain values only
    assert [c["name"] for c in d.to_dict()["checks"]] == CHECKS
    with pytest.raises(KeyError, match="no check named"):
        d.get("nope")


def test_bad_input_names_the_argument():
    X, y = _blobs()
    model = _mlp(X, y)
    with pytest.raises(TypeError, match="model must be a fitted"):
        deepstep.diagnose(object(), X, y)
    with pytest.raises(ValueError, match="X: X must have shape"):
        deepstep.diagnose(model, X[:, :3], y)
    with pytest.raises(ValueError, match="X_test and y_test"):
        deepstep.diagnose(model, X, y, X_test=X)
    with pytest.raises(ValueError, match="y has 199"):
        deepstep.diagnose(model, X, y[:-1])
    with pytest.raises(ValueError, match="status must be"):
        Check("x", "bad", "f", "a")


# ------------------------------------------------------------------ initial loss

def test_chance_levels_are_the_entropies_and_variance():
    X, y = _blobs(m=100)
    y = (np.arange(100) < 30).astype(int)  # 30% positive
    v = view(_mlp(X, y, max_iter=5))
    p = 0.3
    assert chance_loss(v, v.targets(y)) == pytest.approx(-(p * np.log(p) + (1 - p) * np.log(1 - p)))
    y3 = np.arange(99) % 3
    v3 = view(_mlp(X[:99], y3, max_iter=5))
    assert chance_loss(v3, v3.targets(y3)) == pytest.approx(np.log(3))
    t = X[:, 0] * 3 + 1
    vr = view(MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, t))
    assert chance_loss(vr, vr.targets(t)) == pytest.approx(0.5 * np.var(t))


def test_initial_loss_is_the_loss_of_the_estimators_own_initialisation():
    X, y = _blobs()
    # Full-batch gradient descent: the first recorded cost is the one before the first update.
    model = DNNClassifier(hidden_layer_sizes=(6,), solver="gd", batch_size=None, alpha=0.0,
                          max_iter=3, learning_rate=0.01, random_state=0).fit(X, y)
    check = deepstep.diagnose(model, X, y).get("initial loss")
    assert check.details["initial_loss"] == pytest.approx(model.loss_curve_[0], rel=1e-12)
    assert check.status == "ok"


def test_initial_loss_trips_on_large_initial_weights_and_unscaled_inputs():
    X, y = _blobs()
    bad = DNNClassifier(hidden_layer_sizes=(6,), init="normal", solver="gd", alpha=0.0,
                        max_iter=3, learning_rate=1e-9, random_state=0).fit(X * 1000, y)
    check = deepstep.diagnose(bad, X * 1000, y).get("initial loss")
    assert check.status == "fail" and check.details["initial_loss"] > 3 * np.log(2)


# ------------------------------------------------------------------ feature scale

@pytest.mark.parametrize("scale, status", [("pixels", "fail"), ("huge", "fail"),
                                           ("mixed", "warn"), ("standard", "ok")])
def test_feature_scale(scale, status):
    rng = np.random.default_rng(1)
    X, y = _blobs(m=120)
    if scale == "pixels":
        X = rng.integers(0, 256, size=X.shape).astype(float)
    elif scale == "huge":
        X = X * 1000.0
    elif scale == "mixed":
        X = X * np.array([1.0, 2.0, 300.0 / 3.5, 0.5]) / 10  # stds differ by ~170x, |x| < 10
    model = _mlp(X, y, max_iter=5)
    check = deepstep.diagnose(model, X, y).get("feature scale")
    assert check.status == status, check.finding
    if scale == "pixels":
        assert "255" in check.advice


# ------------------------------------------------------------------ class balance

def test_class_balance_between_splits():
    X, y = _blobs(m=200)
    y = (np.arange(200) % 50 < 17).astype(int)  # 34% positive
    model = _mlp(X, y, max_iter=5)
    y_test = (np.arange(200) % 50 < 33).astype(int)  # 66% positive
    check = deepstep.diagnose(model, X, y, X_test=X, y_test=y_test).get("class balance")
    assert check.status == "fail" and "34%" in check.finding and "66%" in check.finding
    same = deepstep.diagnose(model, X, y, X_test=X[::-1], y_test=y[::-1]).get("class balance")
    assert same.status == "ok"
    rare = (np.arange(200) % 20 == 0).astype(int)  # 5%
    alone = deepstep.diagnose(_mlp(X, rare, max_iter=5), X, rare).get("class balance")
    assert alone.status == "warn" and "5%" in alone.finding


def test_target_balance_for_regression():
    X, _ = _blobs(m=200)
    t = X[:, 0]
    model = MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, t)
    shifted = deepstep.diagnose(model, X, t, X_test=X, y_test=t + 3).get("target balance")
    assert shifted.status == "fail"
    assert deepstep.diagnose(model, X, t, X_test=X, y_test=t).get("target balance").status == "ok"


# ------------------------------------------------------------------ examples vs parameters

def test_examples_against_parameters():
    X, y = _blobs(m=50, n=20)
    big = _mlp(X, y, hidden_layer_sizes=(64,), max_iter=5)
    check = deepstep.diagnose(big, X, y).get("examples vs parameters")
    assert check.details["parameters"] == (20 + 1) * 64 + (64 + 1) * 1  # counted by hand
    assert check.status == "warn"
    Xs, ys = _blobs(m=500, n=2)
    small = _mlp(Xs, ys, hidden_layer_sizes=(3,), max_iter=5)
    assert deepstep.diagnose(small, Xs, ys).get("examples vs parameters").status == "ok"


# ------------------------------------------------------------------ cost curve

@pytest.mark.parametrize("curve, status, word", [
    ([0.7, 0.8, 1.0, 2.0, 5.0], "fail", "going up"),
    ([0.7, 0.6, float("nan")], "fail", "nan"),
    ([0.7, 0.5, 0.6, 0.45, 0.55, 0.4, 0.5, 0.38, 0.47, 0.36], "warn", "rises"),
    ([0.693, 0.6929, 0.6929, 0.6928, 0.6928, 0.6928], "warn", "barely"),
    (list(np.linspace(1.0, 0.2, 50)), "warn", "still falling"),
    (list(0.1 + 0.6 * np.exp(-np.arange(200) / 10)), "ok", "settled"),
])
def test_cost_curve(curve, status, word):
    check = cost_curve(curve)
    assert check.status == status and word in check.finding


# ------------------------------------------------------------------ constant predictor

def test_constant_predictor_trips_when_the_output_ignores_the_input():
    X, y = _blobs()
    model = _mlp(X, y)
    assert deepstep.diagnose(model, X, y).get("constant predictor").status == "ok"
    model.coefs_[-1][:] = 0.0
    model.intercepts_[-1][:] = -5.0  # always class 0
    check = deepstep.diagnose(model, X, y).get("constant predictor")
    assert check.status == "fail" and "100%" in check.finding


def test_constant_regressor():
    X, _ = _blobs()
    t = X[:, 0] * 2
    model = MLPRegressor(hidden_layer_sizes=(6,), max_iter=500, random_state=0).fit(X, t)
    assert deepstep.diagnose(model, X, t).get("constant predictor").status == "ok"
    model.coefs_[-1][:] = 0.0
    assert deepstep.diagnose(model, X, t).get("constant predictor").status == "fail"


def test_the_cat_model_at_learning_rate_0_1_answers_non_cat_for_everything(cat_dir):
    data = deepstep.datasets.load_catvnoncat(cat_dir)
    X = data.train_x.reshape(len(data.train_x), -1) / 255.0
    Xt = data.test_x.reshape(len(data.test_x), -1) / 255.0
    model = DNNClassifier.from_course(hidden_layer_sizes=(20, 7, 5), learning_rate=0.1,
                                      max_iter=2500, random_state=1).fit(X, data.train_y)
    assert np.all(model.predict(X) == 0)  # the issue's case, as the issue found it
    d = deepstep.diagnose(model, X, data.train_y, X_test=Xt, y_test=data.test_y)
    constant = d.get("constant predictor")
    assert constant.status == "fail" and "100%" in constant.finding
    balance = d.get("class balance")  # 72 of 209 cats in train, 33 of 50 in test
    assert balance.status == "fail" and "34%" in balance.finding and "66%" in balance.finding
    assert d.get("feature scale").status == "ok"


# ------------------------------------------------------------------ dead and saturated units

def test_dead_units_match_numpy_and_trip_when_a_layer_is_dead():
    X, y = _blobs()
    model = _mlp(X, y, hidden_layer_sizes=(10,))
    model.intercepts_[0][:5] = -100.0  # half the units never fire
    Z = X @ model.coefs_[0] + model.intercepts_[0]
    expected = float(np.mean(np.all(Z <= 0, axis=0)))
    check = deepstep.diagnose(model, X, y).get("dead and saturated units")
    assert check.details["layers"][0]["dead_fraction"] == pytest.approx(expected)
    assert expected >= 0.5 and check.status == "fail"
    healthy = _mlp(X, y, hidden_layer_sizes=(10,))
    assert deepstep.diagnose(healthy, X, y).get("dead and saturated units").status == "ok"


def test_saturated_tanh_units():
    X, y = _blobs()
    model = _mlp(X, y, hidden_layer_sizes=(10,), activation="tanh")
    assert deepstep.diagnose(model, X, y).get("dead and saturated units").status == "ok"
    model.coefs_[0] *= 1000.0
    A = np.tanh(X @ model.coefs_[0] + model.intercepts_[0])
    expected = float(np.mean(np.mean(1 - A * A < 0.01, axis=0) > 0.9))
    check = deepstep.diagnose(model, X, y).get("dead and saturated units")
    assert check.details["layers"][0]["saturated_fraction"] == pytest.approx(expected)
    assert check.status == "fail"


# ------------------------------------------------------------------ gradient flow

def _bce_cost(X, y, coefs, intercepts, hidden):
    """The binary cross-entropy of an MLP, written out here (the oracle's own forward)."""
    A = X
    for W, b in zip(coefs[:-1], intercepts[:-1], strict=True):
        Z = A @ W + b
        A = np.maximum(Z, 0) if hidden == "relu" else 1 / (1 + np.exp(-Z))
    p = 1 / (1 + np.exp(-(A @ coefs[-1] + intercepts[-1]))).ravel()
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def test_gradient_norms_match_centred_differences():
    X, y = _blobs(m=60, n=3)
    model = _mlp(X, y, hidden_layer_sizes=(4,), alpha=0.0, max_iter=50)
    check = deepstep.diagnose(model, X, y).get("gradient flow")
    coefs = [c.copy() for c in model.coefs_]
    eps = 1e-6
    for l, expected_norm in enumerate(check.details["gradient_norms"]):
        grad = np.zeros_like(coefs[l])
        for idx in np.ndindex(coefs[l].shape):
            plus = [c.copy() for c in coefs]
            minus = [c.copy() for c in coefs]
            plus[l][idx] += eps
            minus[l][idx] -= eps
            grad[idx] = (_bce_cost(X, y, plus, model.intercepts_, "relu")
                         - _bce_cost(X, y, minus, model.intercepts_, "relu")) / (2 * eps)
        assert expected_norm == pytest.approx(np.linalg.norm(grad), rel=1e-5)


def test_gradient_flow_trips_on_dead_layers_and_vanishing_gradients():
    X, y = _blobs()
    model = _mlp(X, y, hidden_layer_sizes=(6, 6))
    assert deepstep.diagnose(model, X, y).get("gradient flow").status == "ok"
    model.intercepts_[0][:] = -100.0  # layer 1 dead: layers 1 and 2 get no gradient
    dead = deepstep.diagnose(model, X, y).get("gradient flow")
    assert dead.status == "fail" and "no gradient" in dead.finding
    deep = _mlp(X, y, hidden_layer_sizes=(6,) * 6, activation="logistic", max_iter=5)
    for c in deep.coefs_[1:-1]:
        c *= 0.05  # each sigmoid layer shrinks the backward signal by about 0.25 * 0.05 * 6
    vanishing = deepstep.diagnose(deep, X, y).get("gradient flow")
    assert vanishing.status == "warn" and "vanishing" in vanishing.finding


# ------------------------------------------------------------------ update ratio

def _history(ratio, layers=2):
    return [{"epoch": e, "layer": l, "update_ratio": ratio} for e in range(3)
            for l in range(1, layers + 1)]


@pytest.mark.parametrize("ratio, status", [(0.5, "fail"), (0.03, "warn"), (1e-3, "ok"),
                                           (1e-7, "warn")])
def test_update_ratio_from_recorded_statistics(ratio, status):
    X, y = _blobs()
    model = _mlp(X, y, max_iter=5)
    check = deepstep.diagnose(model, X, y, statistics=_history(ratio)).get(
        "update-to-weight ratio")
    assert check.status == status and check.details["ratios"] == pytest.approx([ratio] * 2)


def test_update_ratio_estimated_from_one_gradient_descent_step():
    X, y = _blobs()
    model = DNNClassifier(hidden_layer_sizes=(6,), solver="gd", batch_size=None, alpha=0.0,
                          max_iter=20, learning_rate=0.01, random_state=0).fit(X, y)
    check = deepstep.diagnose(model, X, y).get("update-to-weight ratio")
    norms = deepstep.diagnose(model, X, y).get("gradient flow").details["gradient_norms"]
    W = [model.parameters_["W1"], model.parameters_["W2"]]
    expected = [0.01 * g / np.linalg.norm(w) for g, w in zip(norms, W, strict=True)]
    assert check.details["ratios"] == pytest.approx(expected) and check.status == "ok"
    model.set_params(learning_rate=1000.0)  # what one more step would do at this rate
    assert deepstep.diagnose(model, X, y).get("update-to-weight ratio").status == "fail"


# ------------------------------------------------------------------ train/test gap

def test_train_test_gap_trips_on_memorised_random_labels():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((60, 10))
    y = rng.integers(0, 2, 60)
    model = _mlp(X, y, hidden_layer_sizes=(200,), max_iter=2000, alpha=0.0)
    assert model.score(X, y) == 1.0
    X_test, y_test = rng.standard_normal((200, 10)), rng.integers(0, 2, 200)
    check = deepstep.diagnose(model, X, y, X_test=X_test, y_test=y_test).get("train/test gap")
    assert check.status == "fail" and check.details["gap"] > 0.25
    same = deepstep.diagnose(model, X, y, X_test=X, y_test=y).get("train/test gap")
    assert same.status == "ok" and same.details["gap"] == 0.0


# ------------------------------------------------------------------ gradient check

def _dead_first_layer(n=200, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.random((n, 10))  # positive, like pixels / 255
    Y = (rng.random((1, 10)) > 0.5).astype(float)
    p = initialize_parameters_deep([n, 3, 2, 1], seed)
    p["W1"] = -np.abs(p["W1"])  # every Z1 < 0: A1 = 0, and with b2 = 0, Z2 = 0 exactly
    return p, X, Y


def test_gradcheck_on_relus_kink_is_recognised_and_checked_again_away_from_it():
    p, X, Y = _dead_first_layer()
    plain = gradcheck(p, X, Y, epsilon=1e-7)
    assert plain > 1e-4  # the issue's symptom: a correct backprop "fails" the 2e-7 rule
    result = gradcheck_details(p, X, Y, epsilon=1e-7)
    assert result.error == plain
    assert result.kinks == {2: 20}  # 2 units x 10 examples, all exactly at 0
    assert result.error_away < 1e-7 and result.kinks_away == {}
    assert result.shift == pytest.approx(1e-4)


def test_kinks_are_not_reported_away_from_zero():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((4, 7))
    Y = (rng.random((1, 7)) > 0.5).astype(float)
    p = initialize_parameters_deep([4, 5, 1], rng, init="lecun")
    p["b1"] = 0.1 * rng.standard_normal((5, 1))
    assert kinks(p, X) == {}
    result = gradcheck_details(p, X, Y)
    assert result.kinks == {} and result.error_away is None and result.error < 1e-7
    with pytest.raises(ValueError, match="max_parameters"):
        gradcheck_details(p, X, Y, max_parameters=0)


def test_gradcheck_details_on_a_subset_of_parameters_still_catches_a_wrong_gradient(
        monkeypatch):
    import deepstep.gradient_check as gc

    rng = np.random.default_rng(3)
    X = rng.standard_normal((3, 5))
    Y = np.array([[0, 1, 1, 0, 1]])
    p = initialize_parameters_deep([3, 4, 1], rng, init="lecun")
    assert gradcheck_details(p, X, Y, max_parameters=6).error < 1e-7
    real = gc.L_model_backward

    def wrong(*args, **kwargs):
        grads = real(*args, **kwargs)
        grads["dW1"] = grads["dW1"] * 1.05
        return grads

    monkeypatch.setattr(gc, "L_model_backward", wrong)
    assert gradcheck_details(p, X, Y, max_parameters=6).error > 1e-4


def test_diagnose_gradient_check_trips_on_a_wrong_backprop_and_passes_a_right_one(
        monkeypatch):
    X, y = _blobs()
    model = _mlp(X, y)
    assert deepstep.diagnose(model, X, y).get("gradient check").status == "ok"
    import deepstep.network as network

    real = network.backward

    def wrong(*args, **kwargs):
        grads = real(*args, **kwargs)
        for key in grads:
            if key.startswith("dW"):
                grads[key] *= 1.1
        return grads

    monkeypatch.setattr(network, "backward", wrong)
    check = deepstep.diagnose(model, X, y).get("gradient check")
    assert check.status == "fail"


def test_diagnose_says_when_the_gradient_check_sat_on_a_kink():
    X, y = _blobs(m=50, n=6)
    X = np.abs(X)
    model = _mlp(X, y, hidden_layer_sizes=(3, 2), max_iter=5)
    model.coefs_[0][:] = -np.abs(model.coefs_[0])  # layer 1 dead: Z2 = b2
    model.intercepts_[0][:] = 0.0
    model.intercepts_[1][:] = 0.0  # ... = 0, on the kink
    check = deepstep.diagnose(model, X, y).get("gradient check")
    assert "kink" in check.finding and check.details["kinks"] == {"2": 2 * 8}
    assert check.status == "ok" and check.details["error_away"] < 1e-5


# ------------------------------------------------------------------ every estimator

@pytest.mark.parametrize("make, target", [
    (lambda: DNNClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0), "binary"),
    (lambda: DNNClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0), "multi"),
    (lambda: DNNRegressor(hidden_layer_sizes=(5,), max_iter=20, random_state=0), "real"),
    (lambda: MLPClassifier((5,), max_iter=20, random_state=0), "multi"),
    (lambda: MLPClassifier((5,), max_iter=20, random_state=0), "multilabel"),
    (lambda: MLPRegressor(hidden_layer_sizes=(5,), max_iter=20, random_state=0), "real"),
    (lambda: MLPClassifier((5,), solver="lbfgs", max_iter=20, random_state=0), "binary"),
])
def test_every_estimator_and_kind_is_diagnosed(make, target):
    X, y = _blobs(m=90)
    y = {"binary": y, "multi": np.arange(90) % 3, "real": X[:, 0],
         "multilabel": np.stack([y, 1 - y * (X[:, 2] > 0)], axis=1)}[target]
    model = make().fit(X, y)
    v = view(model)
    kind = {"binary": "binary", "multi": "multiclass", "real": "regression",
            "multilabel": "multilabel"}[target]
    assert v.kind == kind and v.layer_sizes[0] == 4 and v.network().n_parameters == \
        v.n_parameters
    d = deepstep.diagnose(model, X, y, X_test=X, y_test=y)
    assert len(d) == len(CHECKS)
    assert d.get("gradient check").status == "ok"


def test_float32_models_are_diagnosed():
    X, y = _blobs()
    model = DNNClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0).fit(
        X.astype(np.float32), y)
    assert view(model).dtype == np.float32
    d = deepstep.diagnose(model, X.astype(np.float32), y)
    assert d.get("gradient check").status == "ok"


# ------------------------------------------------------------------ deepstep train

def test_deepstep_train_prints_the_failing_checks(tmp_path, cat_dir, capsys):
    from deepstep.cli import main

    assert main(["train", "--data", str(cat_dir), "--quiet", "--plot", "none",
                 "--learning-rate", "0.1", "--out", str(tmp_path / "m.npz")]) == 0
    out = capsys.readouterr().out
    assert "FAIL constant predictor: predicts 0 for 100% of the 209" in out
    assert "FAIL class balance" in out and "OK " not in out


def test_the_issues_gradcheck_on_the_cat_images_is_explained_by_a_kink(cat_dir):
    # [12288, 3, 2, 1], 10 cat images, the default initialisation (random_state=3): a dead
    # first layer and zero biases put Z2 on ReLU's kink, and the course's 2e-7 rule "fails".
    data = deepstep.datasets.load_catvnoncat(cat_dir)
    X = data.train_x[:10].reshape(10, -1).T / 255.0
    Y = data.train_y[:10].reshape(1, -1)
    p = initialize_parameters_deep([12288, 3, 2, 1])
    assert np.all(p["b2"] == 0) and kinks(p, X, epsilon=1e-7) == {2: 10}
    result = gradcheck_details(p, X, Y, epsilon=1e-7, max_parameters=3000)
    assert result.error > 2e-7 and result.kinks == {2: 10}
    assert result.error_away < 2e-7 and result.kinks_away == {}


def test_print_failing_prints_only_the_checks_not_ok_and_survives_bad_test_labels(capsys):
    X, y = _blobs()
    model = _mlp(X, y)
    model.coefs_[-1][:] = 0.0
    model.intercepts_[-1][:] = -5.0
    d = deepstep.diagnostics.print_failing(model, X, y)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [c.line() for c in d.failing()] and lines
    assert any(line.startswith("FAIL constant predictor") for line in lines)
    assert deepstep.diagnostics.print_failing(model, X, y, X_test=X, y_test=y + 5) is None
    assert "checks not run" in capsys.readouterr().out


def test_lbfgs_has_no_learning_rate_to_judge():
    X, y = _blobs()
    model = _mlp(X, y, solver="lbfgs", max_iter=50)
    check = deepstep.diagnose(model, X, y).get("update-to-weight ratio")
    assert check.status == "ok" and "L-BFGS" in check.finding
    assert deepstep.diagnose(model, X, y).get("initial loss").details["source"] == \
        "not available"  # no Trainer runs: no initial weights to see, no loss curve


def test_the_view_of_an_mlp_follows_its_added_activations_and_losses():
    import warnings

    from deepstep import MLPClassifier, MLPRegressor
    from deepstep.diagnostics import view
    from deepstep.losses import LOSSES

    X = np.random.default_rng(0).standard_normal((60, 3))
    y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = MLPClassifier((4, 3), activation=("leaky_relu", "tanh"), max_iter=5,
                            random_state=0).fit(X, y)
        reg = MLPRegressor(loss="absolute_error", hidden_layer_sizes=(4,), max_iter=5,
                           random_state=0).fit(X, X[:, 0])
    assert view(clf).activations == ["leaky_relu", "tanh", "sigmoid"]
    assert view(reg).loss is LOSSES["absolute_error"]
    assert len(deepstep.diagnose(clf, X, y)) == len(deepstep.diagnose(reg, X, X[:, 0]))
