"""The monitor base of the stopping and plateau callbacks (training/callbacks/monitor.py)."""

import numpy as np
import pytest

from deepstep.losses import LOSSES
from deepstep.optimizers import GradientDescent
from deepstep.propagation import resolve_activations
from deepstep.training import (
    EarlyStopping,
    Monitor,
    NoImprovementStopping,
    ReduceLROnPlateau,
    Trainer,
)


def _problem(seed=0, n_x=4, m=40):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    Y = (X[:1] + X[1:2] > 0).astype(float)
    weights = [[rng.standard_normal((3, n_x)) * 0.5, np.zeros((3, 1))],
               [rng.standard_normal((1, 3)) * 0.5, np.zeros((1, 1))]]
    return X, Y, weights


@pytest.mark.parametrize("cls", [EarlyStopping, NoImprovementStopping, ReduceLROnPlateau])
def test_every_stopping_and_plateau_callback_is_a_monitor(cls):
    assert issubclass(cls, Monitor)


@pytest.mark.parametrize("patience", [None, np.inf])
def test_early_stopping_with_infinite_patience_never_stops_and_still_restores(patience):
    X, Y, weights = _problem()
    stop = EarlyStopping("val_loss", patience=patience)
    t = Trainer(weights, resolve_activations(None, 2, "t"), LOSSES["binary_cross_entropy"],
                GradientDescent(2.0), [stop])
    # validation labels opposite to training: val_loss rises while training succeeds
    h = t.fit(X[:, :30], Y[:, :30], 60, validation_data=(X[:, 30:], 1 - Y[:, 30:]))
    assert stop.stopped_epoch is None and t.epoch == 60
    assert stop.best == min(h.history["val_loss"]) < h.history["val_loss"][-1]
    assert stop.best_weights is not None


def test_a_bad_mode_and_a_missing_value_are_named():
    with pytest.raises(ValueError, match=r"^NoImprovementStopping: mode must be 'min' or 'max'"):
        NoImprovementStopping(mode="up")
    stop = NoImprovementStopping("val_score")
    with pytest.raises(ValueError, match=r"'val_score' is not among the logged values \['loss'\]"):
        stop.on_epoch_end(0, {"loss": 1.0})


def test_beats_best_follows_the_mode_and_never_counts_nan():
    low, high = Monitor("loss", "min"), Monitor("score", "max")
    low.best, high.best = 1.0, 1.0
    assert low.beats_best(0.5) and not low.beats_best(0.95, margin=0.1)
    assert high.beats_best(1.5) and not high.beats_best(1.05, margin=0.1)
    assert not low.beats_best(np.nan) and not high.beats_best(np.nan)
