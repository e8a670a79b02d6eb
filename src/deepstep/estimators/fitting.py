"""The DNN classes' translation into a training plan, and their record of the run.

Steps 2 and 4 of :class:`.core.EstimatorCore`'s fit for ``DNNClassifier``
and ``DNNRegressor``: :func:`training_plan` holds out the validation set,
builds a new network and Trainer through :mod:`.plan` (or continues
``partial_fit``'s) with the always-on divergence checks; :func:`record`
warns with scikit-learn's ``ConvergenceWarning`` when ``max_iter`` ran out
first and writes the attributes a fitted estimator holds.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.exceptions import ConvergenceWarning

from .._backend import to_numpy
from .._memory import check_parameters_fit
from .._warnings import warn
from ..initializers import check_random_state
from ..losses import LOSSES
from ..training import TerminateOnRisingCost, Trainer
from ..training.callbacks.stopping import NoImprovementStopping
from . import placement, plan, training_data
from .core import FitData
from .persistence import OUT_ACTIVATIONS

__all__ = ["record", "training_plan"]

Array = NDArray[np.floating]


def training_plan(model: Any, data: FitData) -> plan.TrainingPlan:
    """The DNN classes' parameters translated into a run: a new trainer, or the one continued.

    Parameters
    ----------
    model : DNNClassifier or DNNRegressor
    data : FitData
        Rows X (or a RowSource), targets Y of shape (n_y, m), the checked
        parameters and the loss by name in ``data.options``.

    Returns
    -------
    TrainingPlan
        The trainer (a fresh network, a warm start from the fitted weights,
        or ``partial_fit``'s continued one) and the data as columns, with the
        validation set held out (drawn before the initial weights).
    """
    checked, loss_name = data.options["checked"], data.options["loss"]
    rng = check_random_state(model.random_state)
    X, Y, weights_m, validation = data.X, data.Y, data.sample_weight, None
    if not data.out_of_core:
        X, Y, weights_m, validation = training_data.validation_set(
            model, X, Y, weights_m, rng, data.options.get("validation_data"), data.partial)
        X = X.T  # the examples as columns: a view
    loss = LOSSES[loss_name]
    dtype = Y.dtype  # NumPy's, whatever the device
    xp = placement.namespace(model.device)
    seen = 0  # scikit-learn's t_: samples trained on, over every fit that continued
    if data.continuing:
        trainer, rising = model._trainer, model._rising_cost
        training = plan.TrainingPlan(trainer, None, None, 1,
                                     callbacks=plan.make_callbacks(model, 1, partial=True),
                                     name=type(model).__name__, device=model.device)
        seen = getattr(model, "t_", 0)
    else:
        epochs = 1 if data.partial else checked["max_iter"]
        dims = [X.shape[0], *checked["hidden_layer_sizes"], Y.shape[0]]
        check_parameters_fit(dims, dtype, f"{type(model).__name__}.fit",
                             fix="use smaller hidden_layer_sizes")
        early = bool(model.early_stopping and validation is not None and not data.partial)
        offset = _output_bias(checked["output_bias"], Y, weights_m)
        start = _StartingParameters(model, dims, dtype, rng, offset)
        training = plan.new_trainer(model, dims, dtype, loss, rng, checked["learning_rate"],
                                    epochs, early, xp, tol=checked["tol"],
                                    n_iter_no_change=checked["n_iter_no_change"],
                                    patience=checked["patience"], partial=data.partial,
                                    output_bias=offset)
        trainer = training.trainer
        start.settle(model, trainer)
        if start.warm is not None:
            seen = getattr(model, "t_", 0)
        # Always on, like TerminateOnNaN, in the same mode ("warn" or "raise").
        rising = TerminateOnRisingCost(trainer.terminate_on_nan.mode, initial=start)
        # A fit whose last finite checkpoint is not finite either goes back to the start.
        trainer.guard.fallback = functools.partial(_start_of, rising)
        _start_record(model, training, loss_name, early)
    trainer.callbacks = [trainer.history, trainer.terminate_on_nan, rising,
                         *training.callbacks]
    training.X, training.Y, training.sample_weight = X, Y, weights_m
    training.validation, training.rng, training.shuffle = validation, rng, model.shuffle
    training.batch = plan.batch_size(model.batch_size, X.shape[1])
    training.metrics = model._metrics() if validation is not None else None
    training.notes.update(rising=rising, seen=seen, first_epoch=trainer.epoch)
    return training


def _output_bias(choice: str, Y: Array, weights: Array | None) -> Array | None:
    """The output bias a fresh regressor starts from: the targets' (weighted) mean, or None.

    ``Y`` of shape (n_y, m) holds the training columns only (the validation
    split is already out); ``"zeros"`` (the classifier's) gives None.
    """
    if choice != "mean":
        return None
    return np.average(to_numpy(Y), axis=1, weights=None if weights is None
                      else to_numpy(weights)).astype(Y.dtype)


def _start_of(rising: TerminateOnRisingCost) -> dict[str, Any] | None:
    """The fit's initial parameters, while the estimator still knows them (picklable)."""
    return rising.initial() if rising.initial is not None else None


def record(model: Any, training: plan.TrainingPlan, data: FitData) -> None:
    """The fitted attributes after the run (a fit, or one more ``partial_fit``).

    scikit-learn's ``ConvergenceWarning`` when ``max_iter`` ran out before the
    stopping rule fired; the trainer kept for ``partial_fit``; ``parameters_``,
    the curves, ``n_iter_`` and ``t_``.
    """
    trainer, notes = training.trainer, training.notes
    if training.stopping is not None and not data.partial:
        _warn_if_not_converged(model, trainer, training.stopping, training.epochs)
    model._trainer, model._rising_cost = trainer, notes["rising"]
    if not data.partial:  # only partial_fit's later calls may still need the start
        notes["rising"].initial = None
    _record(model, trainer)
    model.t_ = notes["seen"] + (trainer.epoch - notes["first_epoch"]) * training.X.shape[1]


class _StartingParameters:
    """The parameters a fit starts from, rebuilt on demand instead of copied.

    :class:`TerminateOnRisingCost` goes back to them when the cost rises far;
    holding a copy for the whole fit would cost as much memory as the
    parameters. A warm start began from the fitted ``parameters_``, which
    the estimator keeps unchanged until the fit ends; a fresh network's
    initial weights are drawn again from a copy of the generator as it was
    before ``plan.new_trainer`` drew them (a few kB of state).
    """

    def __init__(self, model: Any, dims: list[int], dtype: Any, rng: Any,
                 output_bias: Array | None = None) -> None:
        self.dims, self.dtype, self.init = list(dims), dtype, model.init
        self.output_bias = output_bias
        self.rng = copy.deepcopy(rng)
        self.warm: dict[str, Array] | None = None

    def settle(self, model: Any, trainer: Trainer) -> None:
        """Note whether the new trainer started from the fitted weights (a warm start)."""
        old = getattr(model, "parameters_", None)
        W1 = trainer.weights[0][0]
        if (model.warm_start and old is not None and old["W1"].shape == W1.shape
                and np.array_equal(old["W1"], to_numpy(W1))):
            self.warm, self.rng = old, None

    def __call__(self) -> dict[str, Array]:
        if self.warm is not None:
            return self.warm
        return plan.initial_parameters(self.dims, copy.deepcopy(self.rng), self.init,
                                       self.dtype, self.output_bias)


def _warn_if_not_converged(model: Any, trainer: Trainer, stopping: Any,
                           epochs: int) -> None:
    """scikit-learn's ConvergenceWarning: max_iter ran out before the stopping rule fired."""
    if trainer.diverged_at is not None or stopping.stopped_epoch is not None:
        return
    if trainer.epoch < epochs:  # a user's callback stopped it
        return
    name = type(model).__name__
    if isinstance(stopping, NoImprovementStopping):
        rule = (f"the training loss stopped improving by tol={stopping.tol:g} for "
                f"n_iter_no_change={stopping.n_iter_no_change} epochs")
        fix = "raise max_iter, or set tol=None to train for exactly max_iter epochs"
    else:
        rule = (f"early stopping's validation loss stopped improving for "
                f"patience={stopping.patience} epochs")
        fix = "raise max_iter"
    warn(f"{name}: max_iter={epochs} epochs ran out before {rule}; the model may not have "
         f"converged ({fix})", ConvergenceWarning)


def _start_record(model: Any, net: plan.TrainingPlan, loss_name: str, early: bool) -> None:
    """A new network's fitted attributes, before its first epoch."""
    model.layer_sizes_ = net.layer_sizes
    model.activations_ = net.activations
    model.loss_function_ = loss_name
    model.out_activation_ = OUT_ACTIVATIONS[net.activations[-1]]
    model.n_outputs_ = net.layer_sizes[-1]
    model._early_stopping_used = early
    model.loss_curve_ = []
    model.validation_scores_ = []
    model.validation_losses_ = []
    model.n_iter_ = 0
    model.history_ = net.trainer.history


def _record(model: Any, trainer: Trainer) -> None:
    """The fitted attributes after a run of the trainer (a fit, or one more partial_fit)."""
    # On the host, whatever the device: saving, loading and predicting on a
    # CPU need nothing else (a copy from a GPU, the arrays themselves on NumPy).
    model.parameters_ = {k: to_numpy(v) for k, v in trainer.parameters.items()}
    history = trainer.history.history
    model.loss_curve_ = list(history.get("loss", []))
    model.validation_losses_ = list(history.get("val_loss", []))
    model.validation_scores_ = list(history.get(f"val_{model._SCORE}", []))
    model.loss_ = float(model.loss_curve_[-1]) if model.loss_curve_ else None
    # scikit-learn's best_loss_: the lowest training loss, None under early
    # stopping (where the validation data decide what is best).
    model.best_loss_ = (None if model._early_stopping_used or not model.loss_curve_
                        else float(min(model.loss_curve_)))
    model.n_iter_ = trainer.epoch
