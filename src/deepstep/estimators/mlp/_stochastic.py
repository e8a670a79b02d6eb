"""``solver="sgd"`` and ``"adam"``: scikit-learn's epoch loop as a Trainer with callbacks.

What scikit-learn's MLP does per fit, in its order: a new optimizer (kept
across ``partial_fit`` calls), the held-out split of early stopping (drawn
from the same random state right after the initial weights), then epochs
of shuffled mini-batches. Each epoch ends with the bookkeeping
(:class:`._callbacks.EpochRecord`), the validation score, the stopping rule
(:class:`deepstep.training.NoImprovementStopping`, whose plateau hook is
the "adaptive" learning rate's cut by 5) and the "invscaling" schedule.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from ..._backend import copy
from ..._warnings import warn
from ...network import Network
from ...optimizers import Optimizer
from ...training import Callback, NoImprovementStopping, Trainer
from ...training.callbacks.schedules import InverseScaling, SampleScheduler, divide_on_plateau
from .. import placement, plan
from ..plan import TrainingPlan
from ..training_data import held_out
from ._callbacks import EpochRecord, ValidationScore
from ._network import fitted_views, predict_raw

__all__ = ["NON_FINITE_MESSAGE", "make_optimizer", "record", "stochastic_plan"]

#: scikit-learn's error when training leaves non-finite weights, word for word.
NON_FINITE_MESSAGE = ("Solver produced non-finite parameter weights. The input data may contain "
                      "large values and need to be preprocessed.")


def make_optimizer(est: Any) -> Optimizer:
    """The engine's optimizer for ``est.solver`` with scikit-learn's arithmetic.

    Parameters
    ----------
    est : MLPClassifier or MLPRegressor

    Returns
    -------
    HeavyBall or EfficientAdam
        From :func:`deepstep.estimators.plan.make_optimizer`, the one factory:
        scikit-learn's ``"sgd"`` is its heavy ball, its ``"adam"`` the
        ``"sklearn_adam"`` ordering.
    """
    return plan.make_optimizer("sgd" if est.solver == "sgd" else "sklearn_adam",
                               est.learning_rate_init, name=type(est).__name__,
                               momentum=est.momentum, nesterov=est.nesterovs_momentum,
                               beta_1=est.beta_1, beta_2=est.beta_2, epsilon=est.epsilon)


def _split(est: Any, X: Any, Y: Any, sample_weight: Any) -> tuple[Any, ...]:
    """Early stopping's held-out split, drawn as scikit-learn's ``train_test_split`` draws it.

    Through :func:`~deepstep.estimators.training_data.held_out`, the split of
    both estimator families: scikit-learn's size (``ceil(fraction * m)``),
    the drawn order, stratified for single-output classification on the
    boolean indicator (so an error about a class too small to split names
    it as 'True'/'False', as there).
    """
    m = X.shape[0]
    n_val = math.ceil(est.validation_fraction * m)
    # (m, 1) as scikit-learn passes it: its rows become the class names 'True'/'False'.
    labels = Y.astype(bool) if is_classifier(est) and est.n_outputs_ == 1 else None
    val, train = held_out(m, n_val, labels, check_random_state(est._random_state),
                          sort_train=False)
    if len(val) < 2:
        raise ValueError("The validation set is too small. Increase 'validation_fraction' "
                         "or the size of your dataset.")
    X_train, X_val, Y_train, Y_val = X[train], X[val], Y[train], Y[val]
    sw_train, sw_val = (None, None) if sample_weight is None else \
        (sample_weight[train], sample_weight[val])
    labels_val = est._label_binarizer.inverse_transform(Y_val) if is_classifier(est) else Y_val
    return X_train, Y_train, sw_train, X_val, (labels_val, Y_val), sw_val


def _plateau(est: Any, optimizer: Optimizer) -> Any:
    """The stopping rule's plateau hook: None (stop), or the adaptive cut by 5."""
    if est.solver != "sgd" or est.learning_rate != "adaptive":
        return None
    return divide_on_plateau(optimizer, factor=5.0, min_lr=1e-6)


def stochastic_plan(est: Any, net: Network, X: Any, Y: Any, sample_weight: Any,
                    incremental: bool, device: str = "cpu") -> TrainingPlan:
    """scikit-learn's stochastic solvers as a training plan for ``net``.

    Parameters
    ----------
    est : MLPClassifier or MLPRegressor
        Its hyperparameters; its bookkeeping callbacks write ``loss_curve_``,
        ``n_iter_``, ``t_``, ... as the epochs run.
    net : Network
        The weights to train (engine orientation) and what the cost depends on.
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
        Targets in X's dtype (a class indicator matrix for a classifier).
    sample_weight : ndarray of shape (n_samples,) or None
    incremental : bool
        ``partial_fit``: one epoch, the optimizer kept from the last call.
    device : str, default="cpu"
        Where ``net`` lives: the data are copied there once, after the split.

    Returns
    -------
    TrainingPlan
        With the stopping rule in ``stopping``, recorded by :func:`record`.
    """
    if not incremental or not hasattr(est, "_optimizer"):
        est._optimizer = make_optimizer(est)
    if est.early_stopping and incremental:
        raise ValueError("partial_fit does not support early_stopping=True")
    early = est.early_stopping
    if early:
        X, Y, sample_weight, X_val, Y_val, sw_val = _split(est, X, Y, sample_weight)
    n_samples = X.shape[0]
    batch = plan.batch_size(est.batch_size, n_samples, warn=True)
    callbacks: list[Callback] = [EpochRecord(est, n_samples)]
    xp = placement.namespace(device)
    if early:
        callbacks.append(ValidationScore(_held_out_score(est, net, X_val, Y_val, sw_val, xp),
                                         est.validation_scores_, verbose=bool(est.verbose)))
        if est._best_weights is None:  # before any epoch: the initial weights are the best
            est._best_weights = {f"{p}{l}": copy(a) for l, pair in enumerate(net.weights, 1)
                                 for p, a in zip("Wb", pair, strict=True)}
    stopping = NoImprovementStopping(
        "val_score" if early else "loss", est.tol, est.n_iter_no_change,
        "max" if early else "min", restore_best_weights=early,
        on_plateau=_plateau(est, est._optimizer),
        best=est.best_validation_score_ if early else est.best_loss_,
        wait=est._no_improvement_count, best_weights=est._best_weights if early else None)
    callbacks.append(stopping)
    if est.solver == "sgd" and est.learning_rate == "invscaling":
        callbacks.append(SampleScheduler(InverseScaling(est.power_t), est.learning_rate_init,
                                         lambda: est.t_))
    # scikit-learn raises its ValueError when a fit ends on non-finite
    # weights; under early stopping the best (finite) weights come back
    # instead, so a diverging fit ends there with a warning, as it does.
    trainer = Trainer(net, optimizer=est._optimizer, callbacks=callbacks,
                      on_divergence="warn" if early else "raise")
    est.n_iter_ = 0
    return TrainingPlan(trainer, X.T, Y.T, 1 if incremental else est.max_iter, batch=batch,
                        shuffle=bool(est.shuffle), rng=est._random_state,
                        sample_weight=sample_weight, device=device, name=type(est).__name__,
                        on_error=_as_sklearn_does, callbacks=callbacks, stopping=stopping)


def _held_out_score(est: Any, net: Network, X_val: Any, Y_val: tuple[Any, Any], sw_val: Any,
                    xp: Any) -> Any:
    """Each epoch's validation score, recording the validation loss on the way.

    One forward pass over the held-out rows gives both: the score (accuracy
    or R^2, what the stopping rule watches, scikit-learn's
    ``validation_scores_``) and deepstep's ``validation_loss_curve_``, the
    training loss's data term (no L2) on those rows, weighted by their sample
    weights as the training loss is.

    Parameters
    ----------
    est : MLPClassifier or MLPRegressor
    net : Network
        Its loss and activations.
    X_val : ndarray of shape (n_val, n_features)
    Y_val : (labels, targets)
        The labels the score compares with, and the (n_val, n_outputs) targets
        in X's dtype the loss takes (the class indicators for a classifier).
    sw_val : ndarray of shape (n_val,) or None
    xp : module

    Returns
    -------
    callable (weights) -> float
    """
    labels, targets = Y_val
    targets_t = targets.T
    if getattr(est, "validation_loss_curve_", None) is None:
        est.validation_loss_curve_ = []
    curve, acts, loss = est.validation_loss_curve_, net.activations, net.loss

    def score(weights: Any) -> float:
        raw = predict_raw(X_val, weights, acts, xp)
        with np.errstate(all="ignore"):
            curve.append(float(loss.cost(raw.T, targets_t, sw_val)))
        return est._score_raw(raw, labels, sw_val)

    return score


def _as_sklearn_does(error: BaseException) -> None:
    """Ctrl-C ends the fit with a warning; a non-finite step is scikit-learn's ValueError."""
    if isinstance(error, KeyboardInterrupt):
        warn("Training interrupted by user.")
        return
    raise ValueError(NON_FINITE_MESSAGE) from error


def record(est: Any, training: TrainingPlan, incremental: bool) -> None:
    """The attributes the epochs' callbacks do not write: weights, stopping state, warning.

    Parameters
    ----------
    est : MLPClassifier or MLPRegressor
    training : TrainingPlan
        From :func:`stochastic_plan`, after its run.
    incremental : bool
        ``partial_fit``: never warns about ``max_iter``.
    """
    stopping = training.stopping
    est.coefs_, est.intercepts_ = fitted_views(training.trainer.net)
    est._no_improvement_count = stopping.wait
    if est.early_stopping:
        est.best_validation_score_ = stopping.best
        est._best_weights = stopping.best_weights
    else:
        est.best_loss_ = stopping.best
    if not incremental and stopping.stopped_epoch is None and est.n_iter_ == est.max_iter:
        warn(f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) reached and the "
             "optimization hasn't converged yet.", ConvergenceWarning)
