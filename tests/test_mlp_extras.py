"""deepstep's additions to MLPClassifier / MLPRegressor (issue 24), each against an oracle.

The oracles are independent of the code under test: scikit-learn's
``compute_sample_weight`` and the same estimator fitted with the matching
``sample_weight``, hand computations, finite differences.
"""

import itertools
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import QuantileRegressor
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.class_weight import compute_sample_weight

import deepstep
from deepstep import MLPClassifier, MLPRegressor
from deepstep.losses import LOSSES, huber_loss, quantile_loss


def _data(loader=load_iris, n=90, seed=0):
    X, y = loader(return_X_y=True)
    idx = np.random.default_rng(seed).permutation(len(y))[:n]
    return StandardScaler().fit_transform(X[idx]), y[idx]


def _fit(model, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y, **kw)


def _same_weights(a, b):
    for ca, cb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        np.testing.assert_array_equal(ca, cb)


# -- class_weight ---------------------------------------------------------------------------
@pytest.mark.parametrize("solver", ["lbfgs", "adam", "sgd"])
@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("class_weight", ["balanced", {0: 3.0, 1: 0.5}])
def test_class_weight_is_the_matching_sample_weight_fit(solver, binary, class_weight):
    X, y = _data()
    if binary:
        y = (y == 0).astype(int)
    kw = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=15, random_state=0)
    weighted = _fit(MLPClassifier(class_weight=class_weight, **kw), X, y)
    oracle = _fit(MLPClassifier(**kw), X, y,
                  sample_weight=compute_sample_weight(class_weight, y))
    _same_weights(weighted, oracle)
    plain = _fit(MLPClassifier(**kw), X, y)
    assert not np.array_equal(weighted.coefs_[0], plain.coefs_[0])


def test_balanced_is_n_over_classes_times_count_by_hand():
    # Iris subset with unequal counts: weight of class k is n / (n_classes * n_k).
    X, y = _data(n=70)
    n, counts = len(y), np.bincount(y)
    by_hand = {k: n / (len(counts) * counts[k]) for k in range(len(counts))}
    assert len(set(counts)) > 1
    kw = dict(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=20, random_state=1)
    balanced = _fit(MLPClassifier(class_weight="balanced", **kw), X, y)
    hand = _fit(MLPClassifier(class_weight=by_hand, **kw), X, y)
    for a, b in zip(balanced.coefs_, hand.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_class_weight_multiplies_sample_weight_and_early_stopping_split():
    X, y = _data(load_wine, n=150)
    sw = np.random.default_rng(3).uniform(0.5, 2.0, len(y))
    kw = dict(hidden_layer_sizes=(6,), solver="adam", max_iter=12, random_state=0,
              early_stopping=True, validation_fraction=0.2, n_iter_no_change=50)
    weighted = _fit(MLPClassifier(class_weight="balanced", **kw), X, y, sample_weight=sw)
    oracle = _fit(MLPClassifier(**kw), X, y,
                  sample_weight=sw * compute_sample_weight("balanced", y))
    _same_weights(weighted, oracle)
    np.testing.assert_array_equal(weighted.validation_scores_, oracle.validation_scores_)


def test_class_weight_in_partial_fit():
    X, y = _data()
    cw = {0: 2.0, 1: 1.0, 2: 0.25}
    a = MLPClassifier(hidden_layer_sizes=(5,), class_weight=cw, random_state=0)
    b = MLPClassifier(hidden_layer_sizes=(5,), random_state=0)
    for lo in (0, 45):
        a.partial_fit(X[lo:lo + 45], y[lo:lo + 45], classes=[0, 1, 2])
        b.partial_fit(X[lo:lo + 45], y[lo:lo + 45], classes=[0, 1, 2],
                      sample_weight=compute_sample_weight(cw, y[lo:lo + 45]))
    _same_weights(a, b)


@pytest.mark.parametrize("bad", ["balance", 3, [1.0, 2.0]])
def test_bad_class_weight_is_scikit_learns_parameter_error(bad):
    X, y = _data()
    with pytest.raises(InvalidParameterError, match="'class_weight' parameter of MLPClassifier"):
        MLPClassifier(class_weight=bad).fit(X, y)


# -- model files ----------------------------------------------------------------------------
def _round_trip(model, X, tmp_path):
    model.save(tmp_path / "m.npz")
    loaded = deepstep.load(tmp_path / "m.npz")
    assert type(loaded) is type(model)
    assert loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    return loaded


@pytest.mark.parametrize("class_weight", ["balanced", {0: 2.5, 1: 1.0, 2: 0.5},
                                          {np.int64(0): 2.0}])
def test_class_weight_survives_a_model_file(class_weight, tmp_path):
    X, y = _data()
    model = _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0,
                               class_weight=class_weight), X, y)
    loaded = _round_trip(model, X, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


# -- regression losses ----------------------------------------------------------------------
def _regression(n=120, seed=0):
    X, y = load_diabetes(return_X_y=True)
    idx = np.random.default_rng(seed).permutation(len(y))[:n]
    return StandardScaler().fit_transform(X[idx]), (y[idx] - y.mean()) / y.std()


def _pinball(y, p, q):
    r = y - p
    return np.mean(np.maximum(q * r, (q - 1) * r))


@pytest.mark.parametrize("q", [0.2, 0.5, 0.9])
def test_a_linear_quantile_network_reaches_scikit_learns_linear_quantile_fit(q):
    # With identity activations the network is a linear model: its best pinball
    # cost is QuantileRegressor's (alpha=0, an exact linear program).
    X, y = _regression()
    oracle = QuantileRegressor(quantile=q, alpha=0.0).fit(X, y)
    best = _pinball(y, oracle.predict(X), q)
    ours = _fit(MLPRegressor(loss="quantile", quantile=q, hidden_layer_sizes=(8,),
                             activation="identity", solver="adam", learning_rate_init=0.01,
                             alpha=0.0, max_iter=600, n_iter_no_change=600, random_state=0),
                X, y)
    assert ours.loss_ == pytest.approx(_pinball(y, ours.predict(X), q), rel=0.05)
    assert best <= _pinball(y, ours.predict(X), q) <= best * 1.03
    # the q-quantile: about a fraction q of the targets lie below the predictions
    assert abs(np.mean(y <= ours.predict(X)) - q) < 0.06


@pytest.mark.parametrize("loss,engine", [("absolute_error", LOSSES["absolute_error"]),
                                         ("huber", huber_loss(0.7)),
                                         ("quantile", quantile_loss(0.3))])
@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_regressor_minimises_the_engine_loss(loss, engine, solver):
    X, y = _regression()
    model = _fit(MLPRegressor(loss=loss, huber_delta=0.7, quantile=0.3, hidden_layer_sizes=(6,),
                              solver=solver, max_iter=200, alpha=0.0, random_state=0), X, y)
    assert model.out_activation_ == "identity"
    cost = float(engine.cost(model.predict(X)[None, :], y[None, :]))
    if solver == "lbfgs":  # full batch: loss_ is the final cost itself
        assert model.loss_ == pytest.approx(cost, rel=1e-6)
    untrained = _fit(MLPRegressor(loss=loss, huber_delta=0.7, quantile=0.3,
                                  hidden_layer_sizes=(6,), solver=solver, max_iter=1,
                                  alpha=0.0, random_state=0), X, y)
    assert cost < 0.8 * float(engine.cost(untrained.predict(X)[None, :], y[None, :]))


def test_default_regressor_loss_is_unchanged_by_the_new_parameters():
    X, y = _regression()
    kw = dict(hidden_layer_sizes=(5,), max_iter=20, random_state=0)
    a = _fit(MLPRegressor(huber_delta=3.0, quantile=0.9, **kw), X, y)
    b = _fit(MLPRegressor(**kw), X, y)
    _same_weights(a, b)


@pytest.mark.parametrize("bad", [dict(loss="pinball"), dict(huber_delta=0),
                                 dict(quantile=1.0), dict(quantile=0)])
def test_bad_regression_loss_parameters(bad):
    X, y = _regression()
    name = next(iter(bad))
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of MLPRegressor"):
        MLPRegressor(**bad).fit(X, y)


@pytest.mark.parametrize("loss", ["absolute_error", "huber", "quantile"])
def test_robust_loss_survives_a_model_file(loss, tmp_path):
    X, y = _regression()
    model = _fit(MLPRegressor(loss=loss, huber_delta=0.4, quantile=0.75, hidden_layer_sizes=(4,),
                              max_iter=5, random_state=0), X, y)
    loaded = _round_trip(model, X, tmp_path)
    assert (loaded.loss, loaded.huber_delta, loaded.quantile) == (loss, 0.4, 0.75)


@pytest.mark.parametrize("model", [MLPRegressor(loss="huber"),
                                   MLPClassifier(class_weight="balanced")])
def test_out_of_core_refuses_the_additions_by_name(model):
    da = pytest.importorskip("dask.array")
    X, y = _data()
    with pytest.raises(ValueError, match=r"fit: (loss='huber'|class_weight) is not supported "
                                         "with out-of-core X"):
        model.fit(da.from_array(X, chunks=(30, 4)), y)


# -- leaky_relu, one activation per hidden layer --------------------------------------------
def _forward_by_hand(model, X):
    # Written out from the definitions: relu max(z, 0), leaky 0.01 z below 0, tanh, logistic.
    g = {"relu": lambda z: np.maximum(z, 0), "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
         "tanh": np.tanh, "logistic": lambda z: 1 / (1 + np.exp(-z)), "identity": lambda z: z}
    acts = model.activation
    acts = [acts] * (model.n_layers_ - 2) if isinstance(acts, str) else list(acts)
    a = X
    for c, b, name in zip(model.coefs_[:-1], model.intercepts_[:-1], acts, strict=True):
        a = g[name](a @ c + b)
    return a @ model.coefs_[-1] + model.intercepts_[-1]


@pytest.mark.parametrize("activation", ["leaky_relu", ("tanh", "leaky_relu"),
                                        ["logistic", "relu"]])
def test_predictions_are_the_hand_written_forward_pass(activation):
    X, y = _regression()
    model = _fit(MLPRegressor(hidden_layer_sizes=(6, 3), activation=activation, max_iter=30,
                              random_state=0), X, y)
    np.testing.assert_allclose(model.predict(X), _forward_by_hand(model, X).ravel(),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_an_all_equal_sequence_is_the_single_name_fit(solver):
    X, y = _data()
    kw = dict(hidden_layer_sizes=(5, 4), solver=solver, max_iter=10, random_state=0)
    for name in ("logistic", "relu"):
        _same_weights(_fit(MLPClassifier(activation=(name, name), **kw), X, y),
                      _fit(MLPClassifier(activation=name, **kw), X, y))


def test_per_layer_initialisation_follows_each_layers_activation():
    # scikit-learn's Glorot bound sqrt(factor / (fan_in + fan_out)): factor 2 for logistic.
    model = MLPRegressor(hidden_layer_sizes=(50, 40), activation=("logistic", "relu"))
    model._random_state = np.random.RandomState(0)
    model._initialize([4, 50, 40, 3], np.float64)
    bounds = [np.sqrt(f / (a + b)) for f, a, b in [(2, 4, 50), (6, 50, 40), (6, 40, 3)]]
    for c, bound in zip(model.coefs_, bounds, strict=True):
        assert np.abs(c).max() <= bound and np.abs(c).max() > 0.9 * bound


@pytest.mark.parametrize("solver", ["lbfgs", "sgd"])
def test_leaky_relu_gradient_is_the_finite_difference(solver):
    # The MLP's network, as fit builds it, against central differences of its cost.
    X, y = _regression(n=20)
    model = _fit(MLPRegressor(hidden_layer_sizes=(4, 3), activation=("leaky_relu", "tanh"),
                              solver=solver, max_iter=2, alpha=0.01, random_state=0), X, y)
    net, _ = model._network()
    Xt, Yt = X.T, y[None, :]
    _, grad = net.loss_and_gradient(Xt, Yt)
    flat, analytic = net.flat, grad.flat.copy()
    numeric = np.zeros_like(analytic)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + 1e-6
        up = net.loss_and_gradient(Xt, Yt)[0]
        flat[i] = keep - 1e-6
        down = net.loss_and_gradient(Xt, Yt)[0]
        flat[i] = keep
        numeric[i] = (up - down) / 2e-6
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("bad,match", [
    ("softmax", "'activation' parameter of MLPClassifier must be a str among"),
    (("relu",), r"MLPClassifier.fit: activation must be one of .* one per hidden layer \(2\), "
                r"got \('relu',\)"),
    (("relu", "softmax"), r"got \('relu', 'softmax'\)"),
])
def test_bad_activations(bad, match):
    X, y = _data()
    with pytest.raises(ValueError, match=match):
        MLPClassifier(hidden_layer_sizes=(3, 3), activation=bad).fit(X, y)


def test_per_layer_activations_survive_a_model_file(tmp_path):
    X, y = _data()
    model = _fit(MLPClassifier(hidden_layer_sizes=(5, 4), activation=("leaky_relu", "tanh"),
                               max_iter=5, random_state=0), X, y)
    loaded = _round_trip(model, X, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


# -- dropout --------------------------------------------------------------------------------
def _one_sgd_step_by_hand(X, y, hidden, p, lr, seed):
    # scikit-learn's initial weights (Glorot uniform, its order of draws), then the
    # masks' generator seeded by the next draw; one full-batch SGD step without
    # momentum on (1/2m) sum (a - y)^2 with inverted dropout on the hidden layer.
    rs = np.random.RandomState(seed)
    dims = [X.shape[1], hidden, 1]
    params = []
    for fan_in, fan_out in itertools.pairwise(dims):
        r = np.sqrt(6.0 / (fan_in + fan_out))
        params.append([rs.uniform(-r, r, (fan_in, fan_out)), rs.uniform(-r, r, fan_out)])
    masks = np.random.default_rng(int(rs.randint(0, 2**31 - 1)))
    (W1, b1), (W2, b2) = params
    m = len(y)
    Z1 = X @ W1 + b1
    keep = (masks.random((hidden, m)) >= p).T / (1 - p)
    A1 = np.maximum(Z1, 0) * keep
    out = A1 @ W2 + b2
    d2 = (out - y[:, None]) / m
    d1 = (d2 @ W2.T) * keep * (Z1 > 0)
    return [W1 - lr * X.T @ d1, W2 - lr * A1.T @ d2], [b1 - lr * d1.sum(0), b2 - lr * d2.sum(0)]


def test_one_dropout_step_is_the_hand_computation():
    X, y = _regression(n=30)
    model = _fit(MLPRegressor(hidden_layer_sizes=(7,), solver="sgd", momentum=0.0,
                              learning_rate_init=0.1, batch_size=30, shuffle=False, max_iter=1,
                              alpha=0.0, dropout=0.4, random_state=3), X, y)
    coefs, intercepts = _one_sgd_step_by_hand(X, y, 7, 0.4, 0.1, 3)
    for a, b in zip(model.coefs_ + model.intercepts_, coefs + intercepts, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_dropout_changes_training_not_prediction():
    X, y = _data()
    kw = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    plain = _fit(MLPClassifier(**kw), X, y)
    dropped = _fit(MLPClassifier(dropout=0.5, **kw), X, y)
    again = _fit(MLPClassifier(dropout=0.5, **kw), X, y)
    assert dropped.loss_curve_ != plain.loss_curve_
    assert dropped.loss_curve_ == again.loss_curve_  # seeded from random_state
    # prediction uses every unit: the hand-written forward pass of the fitted weights
    z = np.maximum(X @ dropped.coefs_[0] + dropped.intercepts_[0], 0)
    z = z @ dropped.coefs_[1] + dropped.intercepts_[1]
    softmax = np.exp(z - z.max(1, keepdims=True))
    np.testing.assert_allclose(dropped.predict_proba(X), softmax / softmax.sum(1, keepdims=True),
                               rtol=1e-12)


def test_dropout_with_lbfgs_is_refused_by_name():
    X, y = _data()
    with pytest.raises(ValueError, match=r"MLPClassifier.fit: dropout=0.3 needs solver='adam' "
                                         r"or 'sgd' .* got solver='lbfgs'"):
        MLPClassifier(solver="lbfgs", dropout=0.3).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'dropout' parameter of MLPRegressor"):
        MLPRegressor(dropout=1.0).fit(*_regression())


def test_dropout_survives_a_model_file(tmp_path):
    X, y = _data()
    model = _fit(MLPClassifier(hidden_layer_sizes=(5,), dropout=0.25, max_iter=5,
                               random_state=0), X, y)
    assert _round_trip(model, X, tmp_path).dropout == 0.25


# -- the validation loss per epoch ----------------------------------------------------------
def _held_out_rows(n, dims, seed, fraction, stratify=None):
    # scikit-learn's draws: the Glorot weights first, then train_test_split's.
    from sklearn.model_selection import train_test_split
    rs = np.random.RandomState(seed)
    for fan_in, fan_out in itertools.pairwise(dims):
        r = np.sqrt(6.0 / (fan_in + fan_out))
        rs.uniform(-r, r, (fan_in, fan_out))
        rs.uniform(-r, r, fan_out)
    return train_test_split(np.arange(n), random_state=rs, test_size=fraction,
                            stratify=stratify)[1]


@pytest.mark.parametrize("kind", ["regressor", "binary"])
def test_validation_loss_curve_is_the_held_out_loss_of_the_best_weights(kind):
    from sklearn.metrics import log_loss, mean_squared_error
    if kind == "regressor":
        X, y = _regression(n=100)
        model = MLPRegressor
    else:
        X, y = _data(n=100)
        y = (y == 1).astype(int)
        model = MLPClassifier
    est = _fit(model(hidden_layer_sizes=(6,), early_stopping=True, validation_fraction=0.25,
                     max_iter=25, n_iter_no_change=100, tol=0.0, random_state=2), X, y)
    val = _held_out_rows(len(y), [X.shape[1], 6, 1], 2, 0.25,
                         None if kind == "regressor" else y[:, None].astype(bool))
    assert len(est.validation_loss_curve_) == len(est.validation_scores_) == est.n_iter_ == 25
    best = int(np.argmax(est.validation_scores_))
    if kind == "regressor":
        expected = mean_squared_error(y[val], est.predict(X[val])) / 2
    else:
        expected = log_loss(y[val], est.predict_proba(X[val]))
    assert est.validation_loss_curve_[best] == pytest.approx(expected, rel=1e-10)
    assert est.validation_loss_curve_[-1] < est.validation_loss_curve_[0]


def test_validation_loss_curve_is_none_without_early_stopping_and_survives_a_file(tmp_path):
    X, y = _data()
    plain = _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0), X, y)
    assert plain.validation_loss_curve_ is None
    early = _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0,
                               early_stopping=True), X, y)
    loaded = _round_trip(early, X, tmp_path)
    assert loaded.validation_loss_curve_ == early.validation_loss_curve_
    assert len(early.validation_loss_curve_) == 3


# -- Monte-Carlo dropout --------------------------------------------------------------------
def _mc_by_hand(model, X, n_passes, seed):
    # Each pass: the forward pass written out, every hidden unit kept with
    # probability 1 - p (masks drawn layer by layer from default_rng(seed)) and
    # scaled by 1 / (1 - p); then np.mean and np.std over the passes.
    rng, p = np.random.default_rng(seed), model.dropout
    outs = []
    for _ in range(n_passes):
        a = X
        for c, b in zip(model.coefs_[:-1], model.intercepts_[:-1], strict=True):
            a = np.maximum(a @ c + b, 0)
            a = a * (rng.random(a.T.shape) >= p).T / (1 - p)
        outs.append(a @ model.coefs_[-1] + model.intercepts_[-1])
    return np.stack(outs)


def test_predict_mc_is_the_mean_and_std_of_hand_written_passes():
    X, y = _regression(n=40)
    model = _fit(MLPRegressor(hidden_layer_sizes=(6, 5), dropout=0.3, max_iter=20,
                              random_state=0), X, y)
    mean, std = model.predict_mc(X, n_passes=12, random_state=7)
    outs = _mc_by_hand(model, X, 12, 7)[:, :, 0]
    np.testing.assert_allclose(mean, outs.mean(axis=0), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(std, outs.std(axis=0), rtol=1e-9, atol=1e-12)
    assert (std > 0).mean() > 0.9  # a row whose units are all off has none
    again = model.predict_mc(X, n_passes=12, random_state=7)
    np.testing.assert_array_equal(again[0], mean)


def test_predict_proba_mc_is_softmax_of_hand_written_passes():
    X, y = _data()
    model = _fit(MLPClassifier(hidden_layer_sizes=(6,), dropout=0.5, max_iter=20,
                               random_state=0), X, y)
    z = _mc_by_hand(model, X, 9, 3)
    p = np.exp(z - z.max(axis=2, keepdims=True))
    p /= p.sum(axis=2, keepdims=True)
    mean, std = model.predict_proba_mc(X, n_passes=9, random_state=3)
    np.testing.assert_allclose(mean, p.mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(std, p.std(axis=0), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(mean.sum(axis=1), 1.0)


def test_binary_mc_probabilities_are_two_columns():
    X, y = _data()
    model = _fit(MLPClassifier(hidden_layer_sizes=(6,), dropout=0.2, max_iter=10,
                               random_state=0), X, (y == 1).astype(int))
    mean, std = model.predict_proba_mc(X, n_passes=5, random_state=0)
    assert mean.shape == std.shape == (len(y), 2)
    np.testing.assert_allclose(mean.sum(axis=1), 1.0)
    np.testing.assert_array_equal(std[:, 0], std[:, 1])


def test_mc_mean_of_a_linear_network_tends_to_predict():
    # With identity activations dropout's expectation is the full network, so the
    # mean over many passes approaches predict (within a few standard errors).
    X, y = _regression(n=30)
    model = _fit(MLPRegressor(hidden_layer_sizes=(10,), activation="identity", dropout=0.2,
                              max_iter=20, random_state=0), X, y)
    n = 4000
    mean, std = model.predict_mc(X, n_passes=n, random_state=0)
    assert np.all(np.abs(mean - model.predict(X)) <= 5 * std / np.sqrt(n) + 1e-12)


def test_mc_errors_name_the_method():
    X, y = _regression(n=30)
    plain = _fit(MLPRegressor(hidden_layer_sizes=(3,), max_iter=2, random_state=0), X, y)
    with pytest.raises(ValueError, match=r"MLPRegressor.predict_mc: Monte-Carlo dropout needs a "
                                         r"model fitted with dropout > 0, got dropout=0.0"):
        plain.predict_mc(X)
    plain.set_params(dropout=0.1)
    with pytest.raises(ValueError, match=r"predict_mc: n_passes must be an int >= 1, got 0"):
        plain.predict_mc(X, n_passes=0)
    with pytest.raises(TypeError, match=r"predict_mc: random_state must be .* got str"):
        plain.predict_mc(X, random_state="x")


def test_mc_keeps_float32():
    X, y = _regression(n=30)
    X = X.astype(np.float32)
    model = _fit(MLPRegressor(hidden_layer_sizes=(4,), dropout=0.2, max_iter=3,
                              random_state=0), X, y)
    mean, std = model.predict_mc(X.astype(np.float64), n_passes=3, random_state=0)
    assert mean.dtype == std.dtype == np.float32


def test_monte_carlo_dropout_on_sparse_x_never_densifies_it():
    # Wide and sparse: densified, X alone would take 80 MB; the passes hold the
    # network's activations only. The same numbers as the dense X's, to rounding.
    import tracemalloc

    import scipy.sparse as sp

    X = sp.random(500, 20000, density=0.001, format="csr", random_state=0)
    y = np.random.default_rng(0).standard_normal(500)
    model = MLPRegressor(hidden_layer_sizes=(8,), dropout=0.3, max_iter=3,
                         random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    tracemalloc.start()
    mean, std = model.predict_mc(X, n_passes=4, random_state=1)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < X.shape[0] * X.shape[1] * 8 / 10, peak
    dense_mean, dense_std = model.predict_mc(X.toarray(), n_passes=4, random_state=1)
    np.testing.assert_allclose(mean, dense_mean, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(std, dense_std, rtol=1e-8, atol=1e-12)
