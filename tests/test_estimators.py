"""DNNClassifier: scikit-learn conventions, any two labels, dtypes, errors."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from deepstep import DNNClassifier, DNNRegressor


def _blobs(n=120, d=5, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


def _clf(**kw):
    params = dict(hidden_layer_sizes=(6,), learning_rate=0.5, max_iter=200, random_state=0)
    params.update(kw)
    return DNNClassifier.from_course(**params)


def test_fit_returns_self_and_sets_fitted_attributes():
    X, y = _blobs()
    clf = _clf()
    assert clf.fit(X, y) is clf
    assert clf.n_features_in_ == 5 and clf.n_iter_ == 200
    assert len(clf.loss_curve_) == 200 and clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.layer_sizes_ == [5, 6, 1] and clf.activations_ == ["relu", "sigmoid"]
    assert clf.score(X, y) > 0.9
    assert clf.history_.history["loss"] == clf.loss_curve_


def test_init_only_stores():
    clf = DNNClassifier.from_course(hidden_layer_sizes="nonsense", learning_rate=-3)
    assert clf.hidden_layer_sizes == "nonsense" and clf.learning_rate == -3
    assert not hasattr(clf, "classes_")


@pytest.mark.parametrize("labels", [("cat", "dog"), (-1, 1), (False, True), (0.0, 1.0), (3, 7)])
def test_any_two_labels(labels):
    X, y = _blobs()
    y_named = np.array(labels, dtype=object if isinstance(labels[0], str) else None)[y]
    clf = _clf().fit(X, y_named)
    assert list(clf.classes_) == sorted(labels)
    assert set(clf.predict(X)) <= set(labels)
    np.testing.assert_array_equal(clf.predict(X) == labels[1], _clf().fit(X, y).predict(X) == 1)


def test_predict_proba_rows_sum_to_one_and_match_predict():
    X, y = _blobs()
    clf = _clf().fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[(proba[:, 1] > 0.5).astype(int)])


def test_predict_in_blocks_equals_one_block():
    import deepstep

    X, y = _blobs(n=50)
    clf = _clf().fit(X, y)
    whole = clf.predict_proba(X)
    with deepstep.config_context(predict_max_rows=7):
        # BLAS may round the last bit differently for other block shapes
        np.testing.assert_allclose(clf.predict_proba(X), whole, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(dtype):
    X, y = _blobs(dtype=dtype)
    clf = _clf().fit(X, y)
    assert all(v.dtype == dtype for v in clf.parameters_.values())
    assert clf.predict_proba(X).dtype == dtype


def test_reproducible_with_random_state_and_global_rng_untouched():
    X, y = _blobs()
    np.random.seed(0)
    before = np.random.get_state()[1].copy()
    a = _clf(random_state=3).fit(X, y)
    b = _clf(random_state=3).fit(X, y)
    np.testing.assert_array_equal(np.random.get_state()[1], before)
    for k in a.parameters_:
        np.testing.assert_array_equal(a.parameters_[k], b.parameters_[k])


def test_errors():
    X, y = _blobs()
    with pytest.raises(ValueError, match="at least 2 classes, got 1 class"):
        _clf().fit(X, np.zeros(len(X)))
    with pytest.raises(NotFittedError):
        _clf().predict(X)
    clf = _clf().fit(X, y)
    with pytest.raises(ValueError, match="5 features"):
        clf.predict(X[:, :3])
    with pytest.raises(ValueError, match="learning_rate must be a finite number > 0"):
        _clf(learning_rate=0).fit(X, y)
    with pytest.raises(ValueError, match=r"hidden_layer_sizes\[1\] must be an integer > 0"):
        _clf(hidden_layer_sizes=(3, 0)).fit(X, y)
    with pytest.raises(ValueError, match="unknown activation 'sigmod'"):
        _clf(activation="sigmod").fit(X, y)
    Xn = X.copy()
    Xn[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        _clf().fit(Xn, y)


@pytest.mark.parametrize("solver", ["gd", "momentum", "nesterov", "adam"])
def test_solvers_train(solver):
    X, y = _blobs()
    lr = 0.01 if solver == "adam" else 0.5
    clf = _clf(solver=solver, learning_rate=lr).fit(X, y)
    assert clf.loss_curve_[-1] < 0.5 * clf.loss_curve_[0] and clf.score(X, y) > 0.9


def test_l2_shrinks_the_weights():
    X, y = _blobs()
    plain = _clf().fit(X, y)
    ridge = _clf(alpha=5.0).fit(X, y)
    norm = lambda c: sum(np.sum(c.parameters_[f"W{l}"] ** 2) for l in (1, 2))  # noqa: E731
    assert norm(ridge) < 0.8 * norm(plain)


def test_warm_start_continues_training():
    X, y = _blobs()
    once = _clf(max_iter=60).fit(X, y)
    twice = _clf(max_iter=30, warm_start=True).fit(X, y)
    twice.fit(X, y)
    for k in once.parameters_:
        np.testing.assert_allclose(twice.parameters_[k], once.parameters_[k], rtol=1e-12)


def test_summary_table(capsys):
    X, y = _blobs()
    _clf(hidden_layer_sizes=(6, 3)).fit(X, y).summary()
    out = capsys.readouterr().out
    assert "(6, 5)" in out and "(3, 6)" in out and "softmax" not in out
    assert f"total parameters: {6 * 5 + 6 + 3 * 6 + 3 + 1 * 3 + 1}" in out


def test_bad_solver_and_alpha():
    X, y = _blobs()
    with pytest.raises(ValueError, match="unknown solver 'sgdd'"):
        _clf(solver="sgdd").fit(X, y)
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0"):
        _clf(alpha=-1.0).fit(X, y)


# ----------------------------------------------------------- training control in the estimators


@pytest.mark.parametrize("n_features", [5, 300])  # 300 > m: fit takes the Gram path
def test_partial_fit_n_times_equals_fit_for_n_epochs(n_features):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, n_features))
    y = (X[:, 0] > 0).astype(int)
    full = _clf(max_iter=25, learning_rate=0.05).fit(X, y)
    inc = _clf(max_iter=25, learning_rate=0.05)
    for _ in range(25):
        inc.partial_fit(X, y, classes=[0, 1])
    assert inc.n_iter_ == 25
    np.testing.assert_allclose(inc.loss_curve_, full.loss_curve_, rtol=1e-9)
    for k in full.parameters_:
        np.testing.assert_allclose(inc.parameters_[k], full.parameters_[k], rtol=1e-9,
                                   atol=1e-12)


def test_partial_fit_needs_classes_first():
    X, y = _blobs()
    with pytest.raises(ValueError, match="pass classes"):
        _clf().partial_fit(X, y)


def test_minibatch_adam_with_early_stopping_and_history():
    X, y = _blobs(n=400)
    clf = _clf(solver="adam", learning_rate=0.01, batch_size=32, max_iter=500,
               early_stopping=True, patience=5, random_state=0).fit(X, y)
    h = clf.history_.history
    assert clf.n_iter_ < 500 and len(h["loss"]) == clf.n_iter_
    assert set(h) == {"loss", "val_loss", "accuracy", "val_accuracy"}
    assert clf.validation_losses_ == h["val_loss"]
    assert clf.validation_scores_ == h["val_accuracy"]
    assert clf.score(X, y) > 0.9


def test_validation_data_is_logged():
    X, y = _blobs(n=200)
    clf = _clf(max_iter=30).fit(X[:150], y[:150], validation_data=(X[150:], y[150:]))
    assert len(clf.history_.history["val_loss"]) == 30
    assert clf.history_.history["val_accuracy"][-1] == pytest.approx(
        clf.score(X[150:], y[150:]))


def test_sample_weight_and_class_weight():
    X, y = _blobs()
    w = np.where(y == 1, 3.0, 1.0)
    a = _clf().fit(X, y, sample_weight=w)
    b = _clf(class_weight={0: 1.0, 1: 3.0}).fit(X, y)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-12)
    _clf(class_weight="balanced").fit(X, y)
    with pytest.raises(ValueError, match=r"(non-zero|must not all be zero)"):
        _clf().fit(X, y, sample_weight=np.zeros(len(y)))
    with pytest.raises(ValueError):
        _clf().fit(X, y, sample_weight=-w)


@pytest.mark.parametrize("schedule", ["constant", "step", "exponential", "inverse_time",
                                      "plateau"])
def test_learning_rate_schedules(schedule):
    X, y = _blobs()
    clf = _clf(learning_rate_schedule=schedule, max_iter=150).fit(X, y)
    lr = clf._trainer.optimizer.learning_rate
    expected = {"constant": 0.5, "step": 0.5 * 0.5, "exponential": 0.5 * 0.99 ** 149,
                "inverse_time": 0.5 / (1 + 0.01 * 149)}
    if schedule in expected:
        assert lr == pytest.approx(expected[schedule])
    else:
        assert lr <= 0.5
    assert clf.score(X, y) > 0.85


def test_activation_per_layer():
    X, y = _blobs()
    clf = _clf(hidden_layer_sizes=(6, 4), activation=["tanh", "leaky_relu"]).fit(X, y)
    assert clf.activations_ == ["tanh", "leaky_relu", "sigmoid"]
    with pytest.raises(ValueError, match="one per hidden layer"):
        _clf(hidden_layer_sizes=(6, 4), activation=["tanh"]).fit(X, y)
    with pytest.raises(ValueError, match="unknown learning_rate_schedule"):
        _clf(learning_rate_schedule="cosine").fit(X, y)


def test_dropout_rate_zero_equals_no_dropout_and_dropout_is_off_at_predict():
    X, y = _blobs()
    a = _clf(max_iter=50).fit(X, y)
    b = _clf(max_iter=50, dropout=0.0).fit(X, y)
    for k in a.parameters_:
        np.testing.assert_array_equal(a.parameters_[k], b.parameters_[k])
    c = _clf(max_iter=200, dropout=0.3, hidden_layer_sizes=(32,)).fit(X, y)
    d = _clf(max_iter=200, dropout=0.3, hidden_layer_sizes=(32,)).fit(X, y)
    np.testing.assert_array_equal(c.parameters_["W1"], d.parameters_["W1"])  # own seeded rng
    assert not np.array_equal(c.parameters_["W1"], _clf(max_iter=200, hidden_layer_sizes=(32,))
                              .fit(X, y).parameters_["W1"])
    np.testing.assert_array_equal(c.predict_proba(X), c.predict_proba(X))  # deterministic
    assert c.score(X, y) > 0.9
    with pytest.raises(ValueError, match="dropout must be in"):
        _clf(dropout=1.0).fit(X, y)


def test_dropout_masks_are_inverted_and_used_in_backprop():
    from deepstep.propagation import backward, forward, resolve_activations

    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 2000))
    W = [(np.eye(4), np.zeros((4, 1))), (np.ones((1, 4)), np.zeros((1, 1)))]
    acts = resolve_activations(["identity", "identity"], 2, "t")
    masks = []
    AL, caches = forward(X, W, acts, dropout=0.25, rng=np.random.default_rng(1), masks=masks)
    assert len(masks) == 1 and set(np.unique(masks[0])) == {0.0, 1 / 0.75}
    assert masks[0].mean() == pytest.approx(1.0, abs=0.02)
    np.testing.assert_allclose(AL, np.sum(X * masks[0], axis=0, keepdims=True))
    grads = backward(np.ones_like(AL), caches, acts, masks=masks)
    np.testing.assert_allclose(grads["dA0"], masks[0])  # d(sum of masked X)/dX = mask


def test_explicit_loss_choice():
    X, y = _blobs()
    soft = _clf(loss="categorical_cross_entropy").fit(X, y)
    assert soft.activations_[-1] == "softmax" and soft.layer_sizes_[-1] == 2
    np.testing.assert_allclose(soft.predict_proba(X).sum(axis=1), 1)
    assert soft.score(X, y) > 0.9
    y3 = np.digitize(X[:, 0], [-0.5, 0.5])
    ovr = _clf(loss="binary_cross_entropy", max_iter=400).fit(X, y3)
    assert ovr.activations_[-1] == "sigmoid" and ovr.layer_sizes_[-1] == 3
    np.testing.assert_allclose(ovr.predict_proba(X).sum(axis=1), 1)
    assert ovr.score(X, y3) > 0.8
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        _clf(loss="hinge").fit(X, y)


@pytest.mark.parametrize("options", [
    dict(solver="adam", learning_rate=0.01, batch_size=16),
    dict(solver="nesterov", dropout=0.2, alpha=0.1, learning_rate_schedule="step"),
    dict(early_stopping=True, clip_norm=1.0, class_weight="balanced"),
])
def test_float32_end_to_end_with_every_feature(options):
    X, y = _blobs(dtype=np.float32)
    clf = _clf(**options).fit(X, y)
    assert all(v.dtype == np.float32 for v in clf.parameters_.values())
    assert clf.predict_proba(X).dtype == np.float32
    rng = np.random.default_rng(0)
    reg_options = {k: v for k, v in options.items() if k != "class_weight"}
    reg = DNNRegressor.from_course(hidden_layer_sizes=(4,), max_iter=20, random_state=0,
                                   **reg_options)
    reg.fit(X, rng.standard_normal(len(X)).astype(np.float32))
    assert reg.predict(X).dtype == np.float32
