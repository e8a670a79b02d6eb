"""Training-health checks of a fitted network: :func:`diagnose`.

One call runs the checks a practitioner runs by hand (A. Karpathy, "A
Recipe for Training Neural Networks"; CS231n, "babysitting the learning
process") and says, for each, ok, warn or fail, what it found (with its
numbers) and what to do:

==========================  ===========================================================
initial loss                the loss at initialisation against chance (log K, the prior's
                            entropy, the targets' variance)
feature scale               raw 0-255 pixels, unscaled features
class balance               class shares in train, and between train and test
examples vs parameters      whether the network can memorise the data
cost curve                  diverging, oscillating, flat, still falling at the end
constant predictor          every example given one answer
dead and saturated units    per hidden layer
gradient flow               per-layer gradient norms: vanishing, exploding, none
update-to-weight ratio      per layer; about 1e-3 is healthy
train/test gap              overfitting
gradient check              backprop against finite differences, off ReLU's kinks
==========================  ===========================================================

:func:`view` gives the one view of a fitted model (DNN* or MLP*) that the
checks, and the report, read.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.base import clone

from ..training.callbacks.statistics import observing
from . import data_checks, network_checks
from .diagnosis import STATUSES, Check, Diagnosis
from .view import ModelView, view

__all__ = ["STATUSES", "Check", "Diagnosis", "ModelView", "diagnose", "print_failing", "view"]

#: The most examples the network checks (units, gradients) run on: evenly spaced columns.
MAX_EXAMPLES = 2000


def diagnose(model: Any, X: Any, y: Any, *, X_test: Any = None, y_test: Any = None,
             statistics: Any = None) -> Diagnosis:
    """Check a fitted network's training health.

    Parameters
    ----------
    model : DNNClassifier, DNNRegressor, MLPClassifier or MLPRegressor
        Fitted.
    X : array-like of shape (n_samples, n_features)
        The training data (images of shape (n_samples, h, w, c) are flattened).
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Its targets.
    X_test, y_test : array-like, optional
        Held-out data: the class balance between the splits and the
        train/test gap are checked with it.
    statistics : LayerStatistics or its ``history``, optional
        Recorded during training (:func:`deepstep.recording`): the update
        ratios then come from the real updates.

    Returns
    -------
    Diagnosis
        A sequence of :class:`Check`; ``.failing()`` lists those not ok.

    Raises
    ------
    TypeError
        For a model that is not a fitted deepstep network.
    ValueError
        For X or y of the wrong shape, or only one of X_test and y_test.

    Examples
    --------
    >>> import numpy as np, deepstep
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 4)); y = (X[:, 0] + X[:, 1] > 0).astype(int)
    >>> model = deepstep.MLPClassifier((8,), max_iter=300, random_state=0).fit(X, y)
    >>> diagnosis = deepstep.diagnose(model, X, y)
    >>> diagnosis.get("constant predictor").status
    'ok'
    """
    v = view(model)
    if (X_test is None) != (y_test is None):
        raise ValueError("diagnose: pass both X_test and y_test, or neither; got "
                         f"X_test {'None' if X_test is None else 'given'} and y_test "
                         f"{'None' if y_test is None else 'given'}")
    Xe, Ye = _engine_data(v, X, y, "X", "y")
    Xt = Yt = None
    if X_test is not None:
        Xt, Yt = _engine_data(v, X_test, y_test, "X_test", "y_test")
    loss0, source = initial_loss(v, X, y, Xe, Ye)
    Xs, Ys = _columns(Xe, Ye, MAX_EXAMPLES)
    with np.errstate(all="ignore"):
        checks = [
            data_checks.initial_loss(v, Ye, loss0, source),
            data_checks.feature_scale(Xe),
            data_checks.balance(v, Ye, Yt),
            data_checks.examples(v, Xe.shape[1]),
            data_checks.cost_curve(v.loss_curve),
            data_checks.constant_predictor(v, v.predict(_rows(X)), Ye, y),
            network_checks.units(v, Xs),
            network_checks.gradient_flow(v, Xs, Ys),
            network_checks.update_ratio(v, Xs, Ys, statistics),
            data_checks.train_test_gap(model, _rows(X), y, None if Xt is None else
                                       _rows(X_test), y_test, v.kind),
            network_checks.gradient_check(v, Xe, Ye),
        ]
    return Diagnosis(checks)


def _rows(X: Any) -> Any:
    """Images (n, h, w, c) as rows (n, h*w*c), as the model was trained on them."""
    X = np.asarray(X)
    return X.reshape(X.shape[0], -1) if X.ndim > 2 else X


def _engine_data(v: ModelView, X: Any, y: Any, xname: str, yname: str
                 ) -> tuple[np.ndarray, np.ndarray]:
    try:
        Xe = v.inputs(X)
    except ValueError as error:
        raise ValueError(f"diagnose: {xname}: {error}") from None
    try:
        Ye = v.targets(y)
    except ValueError as error:
        raise ValueError(f"diagnose: {yname}: {error}") from None
    if Ye.shape[1] != Xe.shape[1]:
        raise ValueError(f"diagnose: {xname} has {Xe.shape[1]} examples but {yname} has "
                         f"{Ye.shape[1]}")
    return Xe, Ye


def _columns(X: np.ndarray, Y: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """At most k evenly spaced columns of X and Y (all when there are fewer)."""
    m = X.shape[1]
    if m <= k:
        return X, Y
    idx = np.unique(np.linspace(0, m - 1, k).round().astype(np.intp))
    return np.asfortranarray(X[:, idx]), np.ascontiguousarray(Y[:, idx])


class _InitialWeights:
    """A callback that copies the weights a fit starts from and ends the fit there."""

    def __init__(self) -> None:
        self.weights: list[tuple[np.ndarray, np.ndarray]] | None = None

    def set_trainer(self, trainer: Any) -> None:
        self.trainer = trainer

    def on_train_begin(self, logs: Any = None) -> None:
        from .._backend import to_numpy

        self.weights = [(to_numpy(W).copy(), to_numpy(b).copy())
                        for W, b in self.trainer.weights]
        raise _EnoughError

    def __getattr__(self, name: str) -> Any:
        if name.startswith("on_"):
            return lambda *args: None
        raise AttributeError(name)


class _EnoughError(Exception):
    """Ends the re-initialising fit once its initial weights are copied."""


def initial_loss(v: ModelView, X: Any, y: Any, Xe: np.ndarray, Ye: np.ndarray
                 ) -> tuple[float | None, str]:
    """The loss at the estimator's own initialisation (a clone, same init and seed).

    A clone of the model starts a fit on (X, y) with a callback that copies
    the initial weights and stops it; their loss on (X, y) is the initial
    loss. Where no such fit runs (L-BFGS), the first value of the loss
    curve (after one epoch) stands in.

    Returns
    -------
    loss : float or None
    source : str
        How it was obtained.
    """
    grab = _InitialWeights()
    try:
        fresh = clone(v.model)
        quiet = {k: False for k in ("warm_start", "verbose") if k in fresh.get_params()}
        # No seed: seed 0, so that the same model is always diagnosed the same.
        seeded = fresh.get_params().get("random_state", 0) is not None
        fresh.set_params(**quiet, **({} if seeded else {"random_state": 0}))
        with warnings.catch_warnings(), observing(grab):
            warnings.simplefilter("ignore")
            fresh.fit(_rows(X), y)
    except Exception:  # _EnoughError, or whatever the estimator made of it
        pass
    if grab.weights is not None:
        net = v.network(grab.weights)
        with np.errstate(all="ignore"):
            cost, _ = net.loss_and_gradient(Xe, Ye, penalty=False, need_gradient=False)
        return float(cost), ("re-initialised with the model's init and seed" if seeded else
                             "re-initialised with the model's init, seed 0: it has none")
    if v.loss_curve:
        return v.loss_curve[0], "the first epoch's cost"
    return None, "not available"


def print_failing(model: Any, X: Any, y: Any, *, X_test: Any = None, y_test: Any = None,
                  file: Any = None) -> Diagnosis | None:
    """Print the one-line findings of the checks that are not ok (``deepstep train``'s).

    Parameters
    ----------
    model, X, y, X_test, y_test
        As :func:`diagnose`.
    file : file-like, optional
        Where to print (default: standard output).

    Returns
    -------
    Diagnosis or None
        None when the data cannot be diagnosed (test labels the model never
        saw, say): one line says why instead, and nothing is raised, since a
        trained model must not be lost to its diagnosis.
    """
    try:
        diagnosis = diagnose(model, X, y, X_test=X_test, y_test=y_test)
    except ValueError as error:
        print(f"training-health checks not run: {error}", file=file)
        return None
    for check in diagnosis.failing():
        print(check.line(), file=file)
    return diagnosis
