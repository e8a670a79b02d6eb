"""scikit-learn's contract in DNNClassifier and DNNRegressor (issue 15, item 4).

Changed label sets under warm_start/partial_fit, divergence by a rising cost,
predict_log_proba, sparse X, the stratified validation split, and attribute
names that say what they hold. scikit-learn's MLPClassifier/MLPRegressor are
the reference for the behaviour (not for the code).
"""

import warnings

import numpy as np
import pytest

import deepstep
from deepstep import DNNClassifier, DNNRegressor


def _three_classes(seed=0, m=90):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, 4))
    y = np.select([X[:, 0] > 0.5, X[:, 1] > 0], [2, 1], 0)
    return X, y


def _small(**kw):
    base = dict(hidden_layer_sizes=(6,), learning_rate=0.1, max_iter=20, random_state=0)
    return base | kw


# ------------------------------------------------------- 1. changed label sets


def test_warm_start_with_other_labels_raises_naming_both_sets():
    X, y = _three_classes()
    clf = DNNClassifier.from_course(**_small(warm_start=True)).fit(X, y)
    before = {k: v.copy() for k, v in clf.parameters_.items()}
    with pytest.raises(ValueError, match=r"warm_start.*expected \[0, 1, 2\], got \[0, 1, 3\]"):
        clf.fit(X, np.where(y == 2, 3, y))
    for k, v in before.items():  # refused before any training
        np.testing.assert_array_equal(clf.parameters_[k], v)
    clf.fit(X, y)  # the same labels still continue


def test_warm_start_with_a_missing_label_raises():
    X, y = _three_classes()
    clf = DNNClassifier.from_course(**_small(warm_start=True)).fit(X, y)
    keep = y != 2
    with pytest.raises(ValueError, match=r"expected \[0, 1, 2\], got \[0, 1\]"):
        clf.fit(X[keep], y[keep])


def test_without_warm_start_other_labels_start_afresh():
    X, y = _three_classes()
    clf = DNNClassifier.from_course(**_small()).fit(X, y)
    clf.fit(X, np.where(y == 2, 3, y))
    assert clf.classes_.tolist() == [0, 1, 3]


def test_partial_fit_with_other_classes_raises():
    X, y = _three_classes()
    clf = DNNClassifier.from_course(**_small()).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=r"classes=\[1, 2\] is not .* started with, \[0, 1, 2\]"):
        clf.partial_fit(X[y > 0], y[y > 0], classes=[1, 2])
    clf.partial_fit(X, y, classes=[2, 1, 0])  # the same set, in any order, is fine
    clf.partial_fit(X, y)


def test_partial_fit_after_fit_checks_classes_too():
    X, y = _three_classes()
    clf = DNNClassifier.from_course(**_small()).fit(X, y)
    with pytest.raises(ValueError, match=r"classes=\[0, 1, 2, 5\]"):
        clf.partial_fit(X, y, classes=[0, 1, 2, 5])


def test_partial_fit_with_labels_outside_the_classes_raises():
    X, y = _three_classes()
    clf = DNNClassifier.from_course(**_small()).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=r"y holds labels \[7\] .* started with, \[0, 1, 2\]"):
        clf.partial_fit(X, np.where(y == 2, 7, y))
    with pytest.raises(ValueError, match=r"labels \[7\]"):
        DNNClassifier.from_course(**_small()).partial_fit(X, np.where(y == 2, 7, y), classes=[0,
                                  1, 2])
    clf.partial_fit(X[y < 2], y[y < 2])  # a subset of the classes is fine


# ------------------------------------------------------------ 3. predict_log_proba


@pytest.mark.parametrize("kind", ["binary", "multiclass", "ovr", "multilabel"])
def test_predict_log_proba_is_the_log_of_predict_proba(kind):
    X, y = _three_classes()
    kw = {}
    if kind == "binary":
        y = (y > 0).astype(int)
    elif kind == "ovr":
        kw = dict(loss="binary_cross_entropy")
    elif kind == "multilabel":
        y = np.c_[X[:, 0] > 0, X[:, 1] > 0].astype(int)
    clf = DNNClassifier.from_course(**_small(**kw)).fit(X, y)
    log_p = clf.predict_log_proba(X)
    assert log_p.shape == clf.predict_proba(X).shape
    np.testing.assert_allclose(log_p, np.log(clf.predict_proba(X)), rtol=1e-10, atol=1e-12)


def test_predict_log_proba_stays_finite_where_probabilities_underflow():
    X, y = _three_classes()
    for target in (y, (y > 0).astype(int)):
        clf = DNNClassifier.from_course(**_small()).fit(X, target)
        far = X * 1e4  # huge logits: some probabilities are exactly 0 or 1
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            log_p = clf.predict_log_proba(far)
            assert np.all(np.isfinite(log_p)) and np.all(log_p <= 0)
        assert (clf.predict_proba(far) == 0).any()
        assert log_p.min() < -500


# ------------------------------------------------------------ 6. attribute names


def test_attributes_say_what_they_hold(tmp_path):
    X, y = _three_classes()
    clf = DNNClassifier.from_course(**_small()).fit(X, y)
    assert clf.loss_function_ == "categorical_cross_entropy"
    assert clf.out_activation_ == "softmax" and clf.n_outputs_ == 3
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.validation_losses_ == []
    binary = DNNClassifier.from_course(**_small()).fit(X, (y > 0).astype(int))
    assert (binary.out_activation_, binary.n_outputs_) == ("logistic", 1)
    assert binary.loss_function_ == "binary_cross_entropy"
    reg = DNNRegressor.from_course(**_small()).fit(X, np.c_[X[:, 0], X[:, 1]])
    assert (reg.out_activation_, reg.n_outputs_, reg.loss_function_) == (
        "identity", 2, "squared_error")
    # A model file keeps the loss's name under its config key "loss"; loading maps it back.
    clf.save(tmp_path / "m.npz")
    loaded = deepstep.load(tmp_path / "m.npz")
    assert loaded.loss_function_ == "categorical_cross_entropy"
    assert (loaded.out_activation_, loaded.n_outputs_) == ("softmax", 3)
    assert loaded.best_loss_ == clf.best_loss_
    np.testing.assert_array_equal(loaded.predict_log_proba(X), clf.predict_log_proba(X))


def test_validation_losses_and_best_loss_with_early_stopping():
    X, y = _three_classes(m=120)
    clf = DNNClassifier.from_course(**_small(early_stopping=True, max_iter=40)).fit(X, y)
    h = clf.history_.history
    assert clf.validation_losses_ == h["val_loss"] and len(h["val_loss"]) == clf.n_iter_
    assert clf.best_loss_ is None  # as scikit-learn: early stopping judges on validation data


def test_pre_redesign_model_files_get_the_new_attributes():
    from pathlib import Path
    files = sorted((Path(__file__).parent / "data" / "pre_refactor").glob("*.npz"))
    assert files
    for path in files:
        model = deepstep.load(path)
        assert model.loss_function_ in ("binary_cross_entropy", "categorical_cross_entropy",
                                        "squared_error")
        assert model.out_activation_ in ("logistic", "softmax", "identity")
        assert model.n_outputs_ == model.layer_sizes_[-1]


# ------------------------------------------------------ 2. a cost that keeps rising


def _blobs(seed=0, m=60):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, 4))
    return X, (X[:, 0] > 0).astype(int)


def _log_loss(clf, X, y):
    p = np.clip(clf.predict_proba(X)[np.arange(len(y)), y], 1e-15, 1)
    return float(-np.mean(np.log(p)))


@pytest.mark.parametrize("kw", [dict(), dict(batch_size=16, solver="adam")],
                         ids=["full-batch-gd", "minibatch-adam"])
def test_a_cost_far_above_its_start_stops_with_a_warning(kw):
    X, y = _blobs()
    clf = DNNClassifier.from_course(learning_rate=1e6, max_iter=200, random_state=0, **kw)
    with pytest.warns(deepstep.training.DivergenceWarning,
                      match=r"cost rose from .* Lower the learning rate \(now 1000000.0\)"):
        clf.fit(X, y)
    assert clf.n_iter_ < 20  # stopped early, not after 200 epochs at a saturated cost
    first = clf.loss_curve_[0] if not kw else np.log(2)  # the first batch's cost is ~log 2
    # The parameters kept are the starting ones, those of an unfitted twin.
    assert _log_loss(clf, X, y) <= max(10 * first, first + 1)
    twin = DNNClassifier.from_course(learning_rate=1e6, max_iter=1, random_state=0, **kw)
    twin.set_params(learning_rate=1e-300).fit(X, y)  # one step that changes nothing
    for k, v in twin.parameters_.items():
        np.testing.assert_allclose(clf.parameters_[k], v, rtol=0, atol=1e-12)
    assert np.all([np.all(np.isfinite(v)) for v in clf.parameters_.values()])


def test_partial_fit_counts_rising_epochs_across_calls():
    X, y = _blobs()
    clf = DNNClassifier.from_course(learning_rate=1e6, random_state=0)
    start = DNNClassifier.from_course(learning_rate=1e-300, random_state=0).partial_fit(X, y, [0,
                                      1])
    calls = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        while not caught and calls < 12:
            clf.partial_fit(X, y, classes=[0, 1])
            calls += 1
    assert caught and "cost rose" in str(caught[0].message)
    assert 6 <= calls < 12  # J0, then at least 5 rising epochs, one per call
    for k, v in start.parameters_.items():  # back to the first call's start
        np.testing.assert_allclose(clf.parameters_[k], v, rtol=0, atol=1e-12)


def test_rising_cost_raises_in_raise_mode_with_the_kept_parameters():
    from deepstep.initializers import initialize_parameters_deep
    from deepstep.losses import LOSSES
    from deepstep.optimizers import GradientDescent
    from deepstep.propagation import resolve_activations
    from deepstep.training import TerminateOnRisingCost, Trainer

    X, y = _blobs()
    p = initialize_parameters_deep([4, 20, 7, 5, 1], np.random.RandomState(0), init="lecun")
    start = {k: v.copy() for k, v in p.items()}
    weights = [[p[f"W{l}"], p[f"b{l}"]] for l in range(1, 5)]
    check = TerminateOnRisingCost("raise")
    t = Trainer(weights, resolve_activations(["relu"] * 3 + ["sigmoid"], 4, "t"),
                LOSSES["binary_cross_entropy"], GradientDescent(1e6), [check])
    with pytest.raises(FloatingPointError, match=r"now 1000000.0"):
        t.fit(X.T, y[None].astype(float), 100)
    assert check.stopped_epoch is not None and t.diverged_at == check.stopped_epoch
    kept = t.parameters
    cost = LOSSES["binary_cross_entropy"].cost(
        deepstep.steps.L_model_forward(X.T, kept)[0], y[None].astype(float))
    assert cost <= check.bound
    for k, v in start.items():  # back to where it started
        np.testing.assert_array_equal(kept[k], v)


def _no_divergence_warning(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("error", deepstep.training.DivergenceWarning)
        return est.fit(X, y)


@pytest.mark.parametrize("kw", [
    dict(solver="adam", learning_rate=0.01, batch_size=8, max_iter=60),
    dict(solver="momentum", learning_rate=0.3, batch_size=4, max_iter=60),
    dict(solver="gd", learning_rate=1.0, batch_size=2, max_iter=40),
    dict(solver="adam", learning_rate=0.05, batch_size=16, max_iter=60, dropout=0.5),
])
def test_noisy_minibatch_training_never_triggers_it(kw):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((120, 5))
    y = rng.integers(0, 3, 120)  # random labels: nothing to learn, a noisy cost
    clf = _no_divergence_warning(DNNClassifier.from_course(hidden_layer_sizes=(16,),
                                                           random_state=0, **kw),
                                 X, y)
    assert clf.n_iter_ == kw["max_iter"]
    t = X @ rng.standard_normal(5) * 100 + rng.standard_normal(120) * 30  # large targets
    reg = _no_divergence_warning(DNNRegressor.from_course(hidden_layer_sizes=(16,), random_state=0,
                                                          **(kw | dict(learning_rate=1e-5))), X, t)
    assert reg.n_iter_ == kw["max_iter"]


def test_a_warm_start_that_diverges_goes_back_to_the_fitted_weights():
    X, y = _blobs()
    clf = DNNClassifier.from_course(**_small(warm_start=True, max_iter=30)).fit(X, y)
    fitted = {k: v.copy() for k, v in clf.parameters_.items()}
    with pytest.warns(deepstep.training.DivergenceWarning, match="cost rose"):
        clf.set_params(learning_rate=1e6).fit(X, y)
    for k, v in fitted.items():
        np.testing.assert_array_equal(clf.parameters_[k], v)


def test_an_estimator_that_stopped_on_a_rising_cost_still_pickles():
    import pickle
    X, y = _blobs()
    with pytest.warns(deepstep.training.DivergenceWarning):
        clf = DNNClassifier.from_course(learning_rate=1e6, random_state=0).partial_fit(X, y, [0, 1])
        for _ in range(11):
            clf.partial_fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_the_course_model_on_the_cat_data_never_triggers_it(cat_dir):
    from deepstep.datasets import load_catvnoncat
    data = load_catvnoncat(cat_dir)
    X = data.train_x.reshape(len(data.train_x), -1) / 255
    clf = _no_divergence_warning(DNNClassifier.from_course(max_iter=300, random_state=1), X,
                                                           data.train_y)
    assert clf.n_iter_ == 300
    warm = clf.set_params(warm_start=True, max_iter=10, solver="adam", learning_rate=1e-3,
                          batch_size=32)
    _no_divergence_warning(warm, X, data.train_y)  # from a cost near 0: the margin


# ------------------------------------------------------ 5. stratified validation split


def _split_of(clf, X, y):
    """The encoded (train, validation) targets of early stopping's split."""
    from deepstep.estimators import training_data
    from deepstep.initializers import check_random_state
    clf._multilabel = np.ndim(y) == 2
    Y, _ = clf._encode_targets(np.asarray(y), np.float64)
    _, Yt, _, (_, Yv) = training_data.validation_set(
        clf, X, Y, None, check_random_state(clf.random_state), None, False)
    return Yt, Yv


def test_the_classifier_split_is_stratified_like_train_test_split():
    from sklearn.model_selection import train_test_split
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3))
    y = np.r_[np.zeros(170, int), np.ones(20, int), np.full(10, 2)]
    clf = DNNClassifier.from_course(early_stopping=True, validation_fraction=0.2, random_state=0)
    Yt, Yv = _split_of(clf, X, y)
    assert Yv.sum(axis=1).tolist() == [34, 4, 2] and Yt.sum(axis=1).tolist() == [136, 16, 8]
    # The same split as scikit-learn's, drawn from the estimator's random state.
    _, y_val = train_test_split(y, test_size=40, train_size=160, stratify=y,
                                random_state=np.random.RandomState(0))
    np.testing.assert_array_equal(Yv.argmax(0), y_val)
    # A Generator as random_state works too, and is reproducible.
    gen = DNNClassifier.from_course(early_stopping=True, validation_fraction=0.2,
                                    random_state=np.random.default_rng(5))
    assert _split_of(gen, X, y)[1].sum(axis=1).tolist() == [34, 4, 2]


def test_binary_split_is_stratified_and_the_fit_runs():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((100, 3))
    y = (np.arange(100) < 10).astype(int)  # 10 % positives
    clf = DNNClassifier.from_course(early_stopping=True, validation_fraction=0.2, random_state=3)
    Yt, Yv = _split_of(clf, X, y)
    assert Yv.sum() == 2 and Yt.sum() == 8
    fitted = DNNClassifier.from_course(**_small(early_stopping=True,
                                       validation_fraction=0.2)).fit(X, y)
    assert len(fitted.validation_losses_) == fitted.n_iter_


def test_multilabel_and_regressor_splits_are_not_stratified():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((40, 3))
    Y = np.c_[np.arange(40) < 1, np.arange(40) % 2].astype(int)  # label 0: one positive
    clf = DNNClassifier.from_course(**_small(early_stopping=True, validation_fraction=0.25))
    clf.fit(X, Y)  # no class-count error: multi-label is not stratified
    assert len(clf.validation_losses_) == clf.n_iter_
    reg = DNNRegressor.from_course(**_small(early_stopping=True)).fit(X, X[:, 0])
    assert len(reg.validation_losses_) == reg.n_iter_


@pytest.mark.parametrize("est", [DNNClassifier, DNNRegressor])
def test_a_split_with_fewer_than_two_samples_on_a_side_says_what_works(est):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    y = np.arange(20) % 2
    with pytest.raises(ValueError, match=r"validation_fraction=0.05 of the 20 samples: 1 to "
                       r"validate on and 19 to train on.*between 0.1 and 0.9 would work"):
        est.from_course(**_small(early_stopping=True, validation_fraction=0.05)).fit(X, y)
    with pytest.raises(ValueError, match=r"2 to validate on and 1 to train on"):
        est.from_course(**_small(early_stopping=True, validation_fraction=0.5)).fit(X[:3], y[:3])


def test_a_class_too_rare_to_stratify_is_named():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 3))
    y = np.r_[np.zeros(15, int), np.ones(14, int), 2]
    with pytest.raises(ValueError, match=r"every class at least twice .* class index 2 of the "
                       r"3 classes has 1 member\(s\) among the 30 samples"):
        DNNClassifier.from_course(**_small(early_stopping=True)).fit(X, y)


def test_fewer_validation_samples_than_classes_says_what_works():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 3))
    y = np.arange(30) % 5
    with pytest.raises(ValueError, match=r"holds out 3 of the 30 samples.*5 classes needs at "
                       r"least 5 on each side: a validation_fraction between 0.167 and 0.833"):
        DNNClassifier.from_course(**_small(early_stopping=True)).fit(X, y)
    DNNClassifier.from_course(**_small(early_stopping=True, validation_fraction=0.2)).fit(X, y)


# ------------------------------------------------------------ 4. sparse X


def _sparse_problem(seed=0, m=80, n=30, density=0.15):
    import scipy.sparse as sp
    rng = np.random.default_rng(seed)
    Xs = sp.random(m, n, density=density, format="csr", random_state=seed) * 3
    y = (np.asarray(Xs[:, :5].sum(axis=1)).ravel() > 0.6).astype(int) + (rng.random(m) > 0.7)
    return Xs, y


@pytest.mark.parametrize("fmt", ["csr", "csc", "csr_array"])
@pytest.mark.parametrize("kw", [
    dict(),                                                  # full batch, folded gd
    dict(solver="adam", learning_rate=0.01),                 # full batch, any optimizer
    dict(batch_size=16, solver="momentum"),                  # mini-batches
    dict(batch_size=16, solver="adam", learning_rate=0.01, dropout=0.3, alpha=0.1),
    dict(early_stopping=True, validation_fraction=0.25, class_weight="balanced"),
], ids=["gd", "adam", "mb-momentum", "mb-adam-dropout-l2", "early-stopping"])
def test_a_sparse_fit_equals_the_dense_fit(fmt, kw):
    import scipy.sparse as sp
    Xs, y = _sparse_problem()
    Xs = sp.csr_array(Xs) if fmt == "csr_array" else Xs.asformat(fmt)
    X = Xs.toarray()
    params = dict(hidden_layer_sizes=(8, 4), learning_rate=0.3, max_iter=40, random_state=0)
    sparse = DNNClassifier.from_course(**(params | kw)).fit(Xs, y)
    dense = DNNClassifier.from_course(**(params | kw)).fit(X, y)
    np.testing.assert_allclose(sparse.loss_curve_, dense.loss_curve_, rtol=1e-10, atol=1e-12)
    for k, v in dense.parameters_.items():
        np.testing.assert_allclose(sparse.parameters_[k], v, rtol=1e-10, atol=1e-12)
    for model in (sparse, dense):  # either model predicts from either input
        np.testing.assert_allclose(model.predict_proba(Xs), model.predict_proba(X),
                                   rtol=1e-12, atol=1e-14)
        np.testing.assert_array_equal(model.predict(Xs), model.predict(X))
        assert model.score(Xs, y) == model.score(X, y)
        np.testing.assert_allclose(model.predict_log_proba(Xs), model.predict_log_proba(X),
                                   rtol=1e-12, atol=1e-12)


def test_sparse_partial_fit_sample_weight_validation_data_and_the_regressor():
    Xs, y = _sparse_problem(1)
    X = Xs.toarray()
    w = np.linspace(0.5, 2, len(y))
    fits = []
    for data in (Xs, X):
        clf = DNNClassifier.from_course(hidden_layer_sizes=(6,), learning_rate=0.2, random_state=0,
                                        batch_size=10)
        for _ in range(3):
            clf.partial_fit(data, y, classes=[0, 1, 2], sample_weight=w)
        reg = DNNRegressor.from_course(hidden_layer_sizes=(6,), learning_rate=0.05, max_iter=30,
                                       random_state=0).fit(data[:60], X[:60, 0] * 2 - X[:60, 1],
                                               validation_data=(data[60:], X[60:, 0]))
        fits.append((clf, reg))
    (c1, r1), (c2, r2) = fits
    for a, b in ((c1, c2), (r1, r2)):
        for k, v in b.parameters_.items():
            np.testing.assert_allclose(a.parameters_[k], v, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(r1.validation_losses_, r2.validation_losses_, rtol=1e-10)
    np.testing.assert_allclose(r1.predict(Xs), r2.predict(X), rtol=1e-10, atol=1e-12)


def test_sparse_input_is_never_densified_whole(monkeypatch):
    import scipy.sparse as sp
    Xs, y = _sparse_problem(2, m=300, n=50)
    largest = []
    original = sp.csr_matrix.toarray

    def spy(self, *args, **kwargs):
        largest.append(self.shape[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(sp.csr_matrix, "toarray", spy)
    monkeypatch.setattr(sp.csc_matrix, "toarray", spy)
    full = DNNClassifier.from_course(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(Xs, y)
    assert largest == []  # full batch: the first layer multiplies the sparse X itself
    DNNClassifier.from_course(hidden_layer_sizes=(5,), max_iter=2, batch_size=32,
                              random_state=0).fit(Xs, y)
    assert largest and max(largest) == 32  # one mini-batch at a time
    largest.clear()
    with deepstep.config_context(predict_block_bytes=50 * 8 * 64):
        full.predict_proba(Xs)
    assert largest and max(largest) == 64  # one block of rows at a time


def test_sparse_tags_and_a_sparse_gpu_fit_is_refused(monkeypatch):
    assert DNNClassifier.from_course().__sklearn_tags__().input_tags.sparse
    assert DNNRegressor.from_course().__sklearn_tags__().input_tags.sparse
    Xs, y = _sparse_problem()
    import array_api_strict
    monkeypatch.setattr(deepstep.estimators.placement, "device_namespace",
                        lambda device: array_api_strict)
    with pytest.raises(ValueError, match=r"device='gpu' needs dense X"):
        DNNClassifier.from_course(device="gpu", max_iter=2).fit(Xs, y)


def test_wide_sparse_data_equals_the_dense_gram_path():
    # n_x > m: the dense fit takes the Gram-matrix path, the sparse one the plain
    # loop with a sparse first layer; the same arithmetic reordered.
    Xs, y = _sparse_problem(3, m=40, n=400, density=0.05)
    params = dict(hidden_layer_sizes=(6,), learning_rate=0.5, max_iter=200, random_state=0)
    sparse = DNNClassifier.from_course(**params).fit(Xs, y)
    dense = DNNClassifier.from_course(**params).fit(Xs.toarray(), y)
    np.testing.assert_allclose(sparse.loss_curve_, dense.loss_curve_, rtol=1e-10)
    for k, v in dense.parameters_.items():
        np.testing.assert_allclose(sparse.parameters_[k], v, rtol=1e-10, atol=1e-12)
    assert sparse.predict_proba(Xs).dtype == np.float64
    f32 = DNNClassifier.from_course(**params).fit(Xs.astype(np.float32), y)
    assert f32.parameters_["W1"].dtype == np.float32
    assert f32.predict_proba(Xs).dtype == np.float32



def test_loss_is_the_final_training_loss_and_scores_are_scores():
    X, y = _three_classes(m=120)
    clf = DNNClassifier.from_course(**_small(early_stopping=True, max_iter=30)).fit(X, y)
    assert isinstance(clf.loss_, float) and clf.loss_ == clf.loss_curve_[-1]
    h = clf.history_.history
    assert clf.validation_scores_ == h["val_accuracy"] != clf.validation_losses_
    assert all(0 <= s <= 1 for s in clf.validation_scores_)
    rng = np.random.default_rng(0)
    Xr = rng.standard_normal((80, 3))
    t = Xr @ [1.0, -2.0, 0.5]
    reg = DNNRegressor.from_course(**_small(learning_rate=0.05, max_iter=200)).fit(
        Xr[:60], t[:60], validation_data=(Xr[60:], t[60:]))
    np.testing.assert_allclose(reg.validation_scores_[-1], reg.score(Xr[60:], t[60:]),
                               rtol=1e-10)
    assert reg.loss_ == reg.loss_curve_[-1]


# ------------------------------------------- tol, n_iter_no_change, ConvergenceWarning

def test_tol_stops_on_the_training_loss_as_scikit_learn_counts():
    # The oracle is the rule written out on the recorded loss curve: the fit
    # ends at the first epoch where more than n_iter_no_change epochs in a row
    # did not beat the best loss by more than tol.
    X, y = _blobs(m=120)
    clf = DNNClassifier.from_course(hidden_layer_sizes=(8,), solver="adam", learning_rate=0.05,
                                    batch_size=16, max_iter=500, tol=1e-3, n_iter_no_change=4,
                                    random_state=0).fit(X, y)
    curve = clf.loss_curve_
    assert clf.n_iter_ == len(curve) < 500
    best, wait, stop = np.inf, 0, None
    for i, value in enumerate(curve):
        wait = wait + 1 if value > best - 1e-3 else 0
        best = min(best, value)
        if wait > 4:
            stop = i
            break
    assert stop == len(curve) - 1


def test_a_fit_that_runs_out_of_epochs_warns_of_convergence():
    from sklearn.exceptions import ConvergenceWarning

    X, y = _blobs()
    with pytest.warns(ConvergenceWarning, match=r"max_iter=5 epochs ran out.*tol=0.0001"):
        DNNClassifier.from_course(hidden_layer_sizes=(8,), max_iter=5, tol=1e-4,
                                  random_state=0).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="early stopping"):
        DNNClassifier.from_course(hidden_layer_sizes=(8,), max_iter=3, early_stopping=True,
                                  tol=1e-4,
                                  random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        DNNClassifier.from_course(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(X,
                                  y)  # tol=None
        clf = DNNClassifier.from_course(hidden_layer_sizes=(8,), max_iter=5, tol=1e-4,
                                        random_state=0)
        clf.partial_fit(X, y, classes=np.unique(y))  # one epoch on purpose: no warning


def test_batch_size_auto_is_min_200_n_samples():
    X, y = _blobs(m=60)
    auto = DNNClassifier.from_course(hidden_layer_sizes=(4,), solver="adam", batch_size="auto",
                                     max_iter=3, random_state=0).fit(X, y)
    full = DNNClassifier.from_course(hidden_layer_sizes=(4,), solver="adam", batch_size=60,
                                     max_iter=3,
                                     random_state=0).fit(X, y)
    np.testing.assert_array_equal(auto.parameters_["W1"], full.parameters_["W1"])
    rng = np.random.default_rng(0)
    Xl, yl = rng.standard_normal((450, 3)), rng.integers(0, 2, 450)
    counts = []

    class Count(deepstep.training.Callback):
        def on_batch_end(self, batch, logs=None):
            counts.append(batch)

    DNNClassifier.from_course(hidden_layer_sizes=(4,), solver="adam", batch_size="auto", max_iter=1,
                              callbacks=[Count()], random_state=0).fit(Xl, yl)
    assert len(counts) == 3  # ceil(450 / 200)
    with pytest.raises(ValueError,
                       match="batch_size must be an integer > 0, 'auto' or None, got 'full'"):
        DNNClassifier.from_course(batch_size="full").fit(X, y)


@pytest.mark.parametrize("n_features", [5, 60])  # 60 > 24 examples: the Gram path
def test_integer_sample_weights_with_l2_equal_repeated_rows(n_features):
    # scikit-learn's rule (check_sample_weight_equivalence): a weight of k is k
    # copies of the row, so the L2 term is divided by the weights' sum.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((24, n_features))
    y = (X[:, 0] > 0).astype(int)
    w = rng.integers(1, 4, 24)
    rep = np.repeat(np.arange(24), w)
    kw = dict(hidden_layer_sizes=(4,), alpha=0.5, max_iter=30, learning_rate=0.1,
              random_state=0)
    a = DNNClassifier.from_course(**kw).fit(X, y, sample_weight=w.astype(float))
    b = DNNClassifier.from_course(**kw).fit(X[rep], y[rep])
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-10)
    for key, value in b.parameters_.items():
        np.testing.assert_allclose(a.parameters_[key], value, rtol=1e-9, atol=1e-12)


def test_a_continued_model_refuses_another_kind_of_target():
    # Found by the long fuzz profile: a model started on a multi-label indicator
    # matrix accepted one label per example on the next partial_fit (and
    # silently became single-label, its three sigmoid units read as classes).
    X = np.random.default_rng(0).standard_normal((6, 2))
    Y = np.array([[0, 1, 1], [1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 0], [1, 0, 0]])
    ml = DNNClassifier.from_course(**_small()).partial_fit(X, Y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=r"started on multi-label targets .* one label per"):
        ml.partial_fit(X, np.array([0, 1, 2, 0, 1, 2]))
    assert ml._multilabel and ml.classes_.tolist() == [0, 1, 2]
    single = DNNClassifier.from_course(**_small()).partial_fit(X, np.arange(6) % 3,
                                                               classes=[0, 1, 2])
    with pytest.raises(ValueError, match=r"one label per example, classes .* indicator matrix"):
        single.partial_fit(X, Y)
    warm = DNNClassifier.from_course(**_small(warm_start=True)).fit(X, np.arange(6) % 3)
    with pytest.raises(ValueError, match=r"fit \(warm_start=True\): the model was started"):
        warm.fit(X, Y)


@pytest.mark.parametrize("est", [DNNClassifier, DNNRegressor])
@pytest.mark.parametrize(("param", "value"), [("learning_rate", -1.0), ("max_iter", 0),
                                              ("solver", "newton"), ("dropout", 1.5)])
def test_a_bad_hyperparameter_is_named_with_the_estimator_that_raised(est, param, value):
    X = np.arange(12.0).reshape(6, 2)
    y = np.array([0, 1, 0, 1, 0, 1])
    with pytest.raises((TypeError, ValueError), match=rf"^{est.__name__}: .*{param}"):
        est(**{param: value}).fit(X, y)
