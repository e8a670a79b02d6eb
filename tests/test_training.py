"""The training loop and its callbacks."""

import numpy as np

from deepstep.initializers import initialize_parameters_deep
from deepstep.losses import LOSSES
from deepstep.optimizers import GradientDescent
from deepstep.propagation import resolve_activations
from deepstep.training import Callback, CostPrinter, ProgressBar, Trainer


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
