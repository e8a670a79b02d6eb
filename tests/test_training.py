"""The training loop and its callbacks."""

import numpy as np
import pytest

from deepstep import steps
from deepstep.initializers import initialize_parameters_deep
from deepstep.losses import LOSSES
from deepstep.optimizers import GradientDescent
from deepstep.propagation import resolve_activations
from deepstep.training import (
    Callback,
    CostPrinter,
    EarlyStopping,
    ProgressBar,
    TerminateOnNaN,
    Trainer,
)
from deepstep.training.guard import DivergenceGuard
from deepstep.training.strategies import GramStep, Network, choose_step


def _trainer(callbacks=()):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 40))
    Y = (X[:1] > 0).astype(float)
    p = initialize_parameters_deep([3, 4, 1], rng, init="lecun")
    weights = [[p["W1"], p["b1"]], [p["W2"], p["b2"]]]
    t = Trainer(weights, resolve_activations(None, 2, "t"), LOSSES["binary_cross_entropy"],
                GradientDescent(0.5), callbacks)
    return t, X, Y


class Recorder(Callback):
    def __init__(self):
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append("begin")

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(f"e{epoch}")

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(f"/e{epoch}")
        assert np.isfinite(logs["loss"])

    def on_train_end(self, logs=None):
        self.events.append("end")


def test_hooks_are_called_in_order():
    rec = Recorder()
    t, X, Y = _trainer([rec])
    history = t.fit(X, Y, 2)
    assert rec.events == ["begin", "e0", "/e0", "e1", "/e1", "end"]
    assert history.epoch == [0, 1] and len(history.history["loss"]) == 2


def test_a_callback_can_stop_training():
    class StopAt3(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:
                self.trainer.stop_training = True

    t, X, Y = _trainer([StopAt3()])
    t.fit(X, Y, 100)
    assert t.epoch == 3


def test_fit_continues_where_it_stopped():
    t1, X, Y = _trainer()
    t1.fit(X, Y, 10)
    t2, _, _ = _trainer()
    t2.fit(X, Y, 4)
    t2.fit(X, Y, 6)
    assert t2.epoch == 10
    for a, b in zip(t1.parameters.values(), t2.parameters.values(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_cost_printer_and_progress_bar(capsys):
    t, X, Y = _trainer([CostPrinter(5), ProgressBar(10, every=2)])
    t.fit(X, Y, 10)
    captured = capsys.readouterr()
    assert "Cost after iteration 0:" in captured.out and "Cost after iteration 5:" in captured.out
    assert "10/10" in captured.err and "cost=" in captured.err


def _wide_problem(seed=0, n_x=300, m=40, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m)).astype(dtype)
    Y = (X[:1] + X[1:2] > 0).astype(dtype)
    p = initialize_parameters_deep([n_x, 6, 4, 1], rng, init="lecun", dtype=dtype)
    return X, Y, p


def _run(X, Y, p, gram, epochs=300, callbacks=(), alpha=0.0):
    weights = [[p[f"W{l}"].copy(), p[f"b{l}"].copy()] for l in (1, 2, 3)]
    t = Trainer(weights, resolve_activations(None, 3, "t"), LOSSES["binary_cross_entropy"],
                GradientDescent(0.05), callbacks, gram=gram, alpha=alpha)
    history = t.fit(X, Y, epochs)
    return t, history.history["loss"]


@pytest.mark.parametrize("alpha", [0.0, 0.7])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gram_path_equals_the_plain_path(dtype, alpha):
    X, Y, p = _wide_problem(dtype=dtype)
    t_gram, costs_gram = _run(X, Y, p, gram=True, alpha=alpha)
    t_plain, costs_plain = _run(X, Y, p, gram=False, alpha=alpha)
    rtol = 1e-9 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(costs_gram, costs_plain, rtol=rtol)
    for key, value in t_plain.parameters.items():
        np.testing.assert_allclose(t_gram.parameters[key], value, rtol=rtol,
                                   atol=rtol * np.abs(value).max())
        assert t_gram.parameters[key].dtype == dtype


def test_gram_auto_is_chosen_only_when_exact_and_cheaper():
    X, _, p = _wide_problem()
    weights = [[p[f"W{l}"], p[f"b{l}"]] for l in (1, 2, 3)]
    acts = resolve_activations(None, 3, "t")
    loss = LOSSES["binary_cross_entropy"]

    def uses_gram(optimizer, X, epochs, alpha=0.0, gram="auto"):
        # The strategy is chosen in one place, choose_step (it was Trainer._use_gram).
        step = choose_step(Network(weights, acts, loss, alpha=alpha), optimizer,
                           DivergenceGuard(), X, epochs=epochs, batch_size=None, gram=gram)
        return isinstance(step, GramStep)

    assert uses_gram(GradientDescent(0.1), X, 300)
    assert uses_gram(GradientDescent(0.1), X, 300, alpha=0.5)
    assert not uses_gram(GradientDescent(0.1, clip_norm=1.0), X, 300)
    assert not uses_gram(GradientDescent(0.1), X.T[:, :300].T, 1)
    assert not uses_gram(GradientDescent(0.1), X[:30], 300)

    class Other(GradientDescent):
        pass

    assert not uses_gram(Other(0.1), X, 300)
    with pytest.raises(ValueError, match="gram=True needs plain GradientDescent"):
        uses_gram(Other(0.1), X, 300, gram=True)


def test_callbacks_see_materialised_weights_during_gram_training():
    X, Y, p = _wide_problem()
    seen = {}

    class Snapshot(Callback):
        def __init__(self, key):
            self.key = key

        def on_epoch_end(self, epoch, logs=None):
            if epoch == 99:
                seen[self.key] = self.trainer.parameters["W1"].copy()

    _run(X, Y, p, gram=True, callbacks=[Snapshot("gram")])
    _run(X, Y, p, gram=False, callbacks=[Snapshot("plain")])
    np.testing.assert_allclose(seen["gram"], seen["plain"], rtol=1e-9, atol=1e-12)


def test_divergence_stops_at_the_first_non_finite_cost_with_a_warning():
    from deepstep.training import DivergenceWarning

    t, X, Y = _trainer()
    t.optimizer.learning_rate = 1e12
    with pytest.warns(DivergenceWarning, match=r"diverged at iteration \d+.*Lower the learning"):
        history = t.fit(X * 1e3, Y, 200)
    assert t.diverged_at is not None and t.epoch == t.diverged_at < 200
    assert all(np.isfinite(history.history["loss"]))


@pytest.mark.parametrize("gram", [False, True])
def test_divergence_keeps_the_last_finite_parameters(gram):
    from deepstep.training import DivergenceWarning

    X, Y, p = _wide_problem()
    acts = resolve_activations(["leaky_relu", "leaky_relu", "identity"], 3, "t")
    loss = LOSSES["squared_error"]  # unbounded, so a large step overflows it
    weights = [[p[f"W{l}"].copy(), p[f"b{l}"].copy()] for l in (1, 2, 3)]
    t = Trainer(weights, acts, loss, GradientDescent(5.0), gram=gram)
    with pytest.warns(DivergenceWarning):
        t.fit(X, Y, 100)
    k = t.diverged_at
    assert k is not None and k >= 1
    assert all(np.all(np.isfinite(a)) for a in t.parameters.values())
    # the kept parameters are those of iteration k - 1: replay k - 1 updates
    replay = [[p[f"W{l}"].copy(), p[f"b{l}"].copy()] for l in (1, 2, 3)]
    r = Trainer(replay, acts, loss, GradientDescent(5.0), gram=False)
    r.fit(X, Y, k - 1)
    for key, value in r.parameters.items():
        np.testing.assert_allclose(t.parameters[key], value, rtol=1e-6)


# ----------------------------------------------- mini-batches, weights, validation, stopping





def test_minibatches_without_shuffle_equal_the_course_steps_by_hand():
    X, Y, p = _wide_problem(n_x=5, m=10)

    weights = [[p[f"W{l}"].copy(), p[f"b{l}"].copy()] for l in (1, 2, 3)]
    t = Trainer(weights, resolve_activations(None, 3, "t"), LOSSES["binary_cross_entropy"],
                GradientDescent(0.05))
    t.fit(X, Y, 2, batch_size=4, shuffle=False)
    params = {k: v.copy() for k, v in p.items()}
    for _ in range(2):
        for start in (0, 4, 8):
            Xb, Yb = X[:, start:start + 4], Y[:, start:start + 4]
            AL, caches = steps.L_model_forward(Xb, params)
            grads = steps.L_model_backward(AL, Yb, caches)
            params = steps.update_parameters(params, grads, 0.05)
    for key, value in params.items():
        np.testing.assert_allclose(t.parameters[key], value, rtol=1e-12, atol=1e-15)


def test_shuffled_minibatches_are_reproducible_and_batch_hooks_run():
    X, Y, p = _wide_problem(n_x=5, m=10)
    results, counts = [], []

    class Count(Callback):
        n = 0

        def on_batch_end(self, batch, logs=None):
            Count.n += 1

    for _ in range(2):
        Count.n = 0
        weights = [[p[f"W{l}"].copy(), p[f"b{l}"].copy()] for l in (1, 2, 3)]
        t = Trainer(weights, resolve_activations(None, 3, "t"), LOSSES["binary_cross_entropy"],
                    GradientDescent(0.05), [Count()])
        t.fit(X, Y, 3, batch_size=3, rng=np.random.default_rng(0))
        results.append(t.parameters["W1"].copy())
        counts.append(Count.n)
    np.testing.assert_array_equal(results[0], results[1])
    assert counts == [12, 12]  # 4 batches of <= 3 examples, 3 epochs


def test_integer_sample_weights_equal_duplicated_examples():
    X, Y, p = _wide_problem(n_x=4, m=8)
    w = np.array([1.0, 2, 1, 3, 1, 1, 2, 1])
    rep = np.repeat(np.arange(8), w.astype(int))
    _, costs1 = _run(X, Y, p, gram=False, epochs=20)
    weights = [[p[f"W{l}"].copy(), p[f"b{l}"].copy()] for l in (1, 2, 3)]
    tw = Trainer(weights, resolve_activations(None, 3, "t"), LOSSES["binary_cross_entropy"],
                 GradientDescent(0.05))
    hw = tw.fit(X, Y, 20, sample_weight=w)
    _, costs_dup = _run(X[:, rep], Y[:, rep], p, gram=False, epochs=20)
    np.testing.assert_allclose(hw.history["loss"], costs_dup, rtol=1e-12)
    assert not np.allclose(costs1, costs_dup)


def test_validation_loss_and_metrics_are_logged():
    X, Y, p = _wide_problem(n_x=5, m=30)
    weights = [[p[f"W{l}"].copy(), p[f"b{l}"].copy()] for l in (1, 2, 3)]
    t = Trainer(weights, resolve_activations(None, 3, "t"), LOSSES["binary_cross_entropy"],
                GradientDescent(0.1))
    acc = {"accuracy": lambda AL, Yt: np.mean((AL > 0.5) == Yt)}
    h = t.fit(X[:, :20], Y[:, :20], 5, validation_data=(X[:, 20:], Y[:, 20:]), metrics=acc)
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    AL, _ = steps.L_model_forward(X[:, 20:], t.parameters)
    assert h.history["val_loss"][-1] == pytest.approx(steps.compute_cost(AL, Y[:, 20:]))


def test_early_stopping_stops_and_restores_the_best_weights():
    X, Y, p = _wide_problem(n_x=5, m=30)
    weights = [[p[f"W{l}"].copy(), p[f"b{l}"].copy()] for l in (1, 2, 3)]
    seen = {}

    class Keep(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen[epoch] = {k: v.copy() for k, v in self.trainer.parameters.items()}

    stop = EarlyStopping(monitor="val_loss", patience=3)
    t = Trainer(weights, resolve_activations(None, 3, "t"), LOSSES["binary_cross_entropy"],
                GradientDescent(3.0), [Keep(), stop])
    # validation labels opposite to training labels: val_loss rises as training succeeds
    h = t.fit(X[:, :20], Y[:, :20], 200, validation_data=(X[:, 20:], 1 - Y[:, 20:]))
    assert stop.stopped_epoch is not None and t.epoch == stop.stopped_epoch + 1 < 200
    assert stop.stopped_epoch - stop.best_epoch == 3
    assert min(h.history["val_loss"]) == stop.best
    for key, value in seen[stop.best_epoch].items():
        np.testing.assert_array_equal(t.parameters[key], value)


def test_early_stopping_needs_the_monitored_value():
    X, Y, p = _wide_problem(n_x=5, m=30)
    weights = [[p[f"W{l}"].copy(), p[f"b{l}"].copy()] for l in (1, 2, 3)]
    t = Trainer(weights, resolve_activations(None, 3, "t"), LOSSES["binary_cross_entropy"],
                GradientDescent(0.1), [EarlyStopping()])
    with pytest.raises(ValueError, match="give validation data or monitor 'loss'"):
        t.fit(X, Y, 3)


def test_divergence_can_raise_instead_and_still_keeps_finite_parameters():
    X, Y, p = _wide_problem()
    acts = resolve_activations(["leaky_relu", "leaky_relu", "identity"], 3, "t")
    weights = [[p[f"W{l}"].copy(), p[f"b{l}"].copy()] for l in (1, 2, 3)]
    t = Trainer(weights, acts, LOSSES["squared_error"], GradientDescent(5.0),
                on_divergence="raise")
    with pytest.raises(FloatingPointError, match=r"diverged at iteration \d+"):
        t.fit(X, Y, 100)
    assert all(np.all(np.isfinite(a)) for a in t.parameters.values())
    assert isinstance(t.callbacks[1], TerminateOnNaN)


def test_divergence_in_minibatches_stops_too():
    from deepstep.training import DivergenceWarning

    X, Y, p = _wide_problem(n_x=5, m=40)
    acts = resolve_activations(["leaky_relu", "leaky_relu", "identity"], 3, "t")
    weights = [[p[f"W{l}"].copy(), p[f"b{l}"].copy()] for l in (1, 2, 3)]
    t = Trainer(weights, acts, LOSSES["squared_error"], GradientDescent(50.0))
    with pytest.warns(DivergenceWarning):
        h = t.fit(X * 10, Y, 100, batch_size=8, rng=np.random.default_rng(0))
    assert t.diverged_at is not None and all(np.isfinite(h.history.get("loss", [])))
    assert all(np.all(np.isfinite(a)) for a in t.parameters.values())


def test_a_fit_never_ends_with_non_finite_parameters_even_when_the_cost_stays_finite():
    from deepstep.training import DivergenceWarning

    t, X, Y = _trainer()

    class Poison(Callback):  # an infinite bias behind a saturated sigmoid keeps the cost finite
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 4:
                self.trainer.weights[-1][1][...] = np.inf

    t.callbacks.append(Poison())
    with pytest.warns(DivergenceWarning, match="non-finite parameters"):
        t.fit(X, Y, 5)
    assert all(np.all(np.isfinite(a)) for a in t.parameters.values())


def test_gram_path_with_l2_equals_the_course_loop_with_l2_by_hand():
    # An independent oracle: the L2 gradient (alpha/m) W added to the course's
    # dW by hand, and the course's cost plus (alpha/(2m)) sum ||W||^2.
    X, Y, p = _wide_problem(n_x=120, m=30)
    alpha, lr, m = 0.9, 0.05, 30
    t, costs = _run(X, Y, p, gram=True, epochs=60, alpha=alpha)
    params = {k: v.copy() for k, v in p.items()}
    expected = []
    for _ in range(60):
        AL, caches = steps.L_model_forward(X, params)
        l2 = alpha / (2 * m) * sum(np.sum(params[f"W{l}"] ** 2) for l in (1, 2, 3))
        expected.append(steps.compute_cost(AL, Y) + l2)
        grads = steps.L_model_backward(AL, Y, caches)
        for l in (1, 2, 3):
            grads[f"dW{l}"] = grads[f"dW{l}"] + alpha / m * params[f"W{l}"]
        params = steps.update_parameters(params, grads, lr)
    np.testing.assert_allclose(costs, expected, rtol=1e-10)
    for key, value in params.items():
        np.testing.assert_allclose(t.parameters[key], value, rtol=1e-9, atol=1e-12)


def test_minibatch_divergence_right_after_an_epoch_never_restores_non_finite_parameters():
    # Found by tests/test_fuzz.py: epoch 1's last update overflows to NaN while
    # its cost was still finite; epoch 2 must not take those as its checkpoint.
    from deepstep import DNNClassifier
    from deepstep.training import DivergenceWarning

    X = np.array([[0.0], [3.0], [3.0], [3.0]])
    y = np.array([[0, 1], [1, 1], [1, 1], [1, 1]])
    clf = DNNClassifier.from_course(hidden_layer_sizes=(3,), max_iter=2, random_state=3,
                                    learning_rate=1e300,
                                    class_weight="balanced", batch_size=3)
    with pytest.warns(DivergenceWarning):
        clf.fit(X, y)
    assert clf._trainer.diverged_at == 1
    assert all(np.all(np.isfinite(v)) for v in clf.parameters_.values())


@pytest.mark.parametrize("alpha", [0.0, 0.5])
def test_gram_divergence_keeps_the_last_finite_parameters_when_a_callback_reads_them(alpha):
    # Found while redesigning the loop: a callback that reads the parameters
    # mid-fit (EarlyStopping, BackupAndRestore, any user callback) moves the
    # Gram path's basis; the divergence checkpoint, kept in the old basis,
    # then restored a W1 off by 1e115. The oracle replays k - 1 plain updates.
    from deepstep.training import DivergenceWarning

    X, Y, p = _wide_problem()
    acts = resolve_activations(["leaky_relu", "leaky_relu", "identity"], 3, "t")
    loss = LOSSES["squared_error"]

    class Read(Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.trainer.parameters  # noqa: B018 - reading is the point

    weights = [[p[f"W{l}"].copy(), p[f"b{l}"].copy()] for l in (1, 2, 3)]
    t = Trainer(weights, acts, loss, GradientDescent(5.0), [Read()], gram=True, alpha=alpha)
    with pytest.warns(DivergenceWarning):
        t.fit(X, Y, 100)
    k = t.diverged_at
    assert k is not None and k >= 2
    replay = [[p[f"W{l}"].copy(), p[f"b{l}"].copy()] for l in (1, 2, 3)]
    Trainer(replay, acts, loss, GradientDescent(5.0), gram=False, alpha=alpha).fit(X, Y, k - 1)
    for (W, b), (Wr, br) in zip(t.weights, replay, strict=True):
        np.testing.assert_allclose(W, Wr, rtol=1e-6, atol=1e-6 * np.abs(Wr).max())
        np.testing.assert_allclose(b, br, rtol=1e-6, atol=1e-6 * np.abs(br).max())
