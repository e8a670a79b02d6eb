"""Running a fit: the trainer built (or continued), its stopping rules, the fitted attributes.

:func:`train` is what ``fit`` and ``partial_fit`` do once the data are
validated and placed (:mod:`.placement`): a new network and Trainer from
:mod:`.plan` (or the one a ``partial_fit`` continues), the always-on
divergence checks, the run, scikit-learn's ``ConvergenceWarning`` when
``max_iter`` runs out first, and the attributes a fitted estimator holds.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.exceptions import ConvergenceWarning

from .._backend import to_numpy
from ..initializers import initialize_parameters_deep
from ..losses import LOSSES
from ..training import TerminateOnRisingCost, Trainer
from ..training.callbacks.stopping import NoImprovementStopping
from . import placement, plan
from .persistence import OUT_ACTIVATIONS

__all__ = ["train"]

Array = NDArray[np.floating]


def train(model: Any, X: Any, Y: Array, loss_name: str, rng: Any, weights_m: Array | None,
          validation: Any, partial: bool, continuing: bool, checked: dict[str, Any]) -> Any:
    """Build (or continue) the trainer and run it; X is (n_x, m) or a RowSource."""
    loss = LOSSES[loss_name]
    dtype = Y.dtype  # NumPy's, before Y may move to a device
    xp = placement.namespace(model.device)
    X, Y, weights_m, validation = placement.to_device(
        xp, X, Y, weights_m, validation, type(model).__name__, model.device)
    stopping = None
    seen = 0  # scikit-learn's t_: samples trained on, over every fit that continued
    if continuing:
        trainer, rising = model._trainer, model._rising_cost
        epochs, callbacks = 1, plan.make_callbacks(model, 1, partial=True)
        seen = getattr(model, "t_", 0)
    else:
        epochs = 1 if partial else checked["max_iter"]
        dims = [X.shape[0], *checked["hidden_layer_sizes"], Y.shape[0]]
        early = bool(model.early_stopping and validation is not None and not partial)
        start = _StartingParameters(model, dims, dtype, rng)
        net = plan.new_trainer(model, dims, dtype, loss, rng, checked["learning_rate"],
                                  epochs, early, xp, tol=checked["tol"],
                                  n_iter_no_change=checked["n_iter_no_change"],
                                  patience=checked["patience"], partial=partial)
        trainer, callbacks, stopping = net.trainer, net.callbacks, net.stopping
        start.settle(model, trainer)
        if start.warm is not None:
            seen = getattr(model, "t_", 0)
        # Always on, like TerminateOnNaN, in the same mode ("warn" or "raise").
        rising = TerminateOnRisingCost(trainer.terminate_on_nan.mode, initial=start)
        _start_record(model, net, loss_name, early)
    trainer.callbacks = [trainer.history, trainer.terminate_on_nan, rising, *callbacks]
    first_epoch = trainer.epoch
    plan.run(trainer, X, Y, epochs, batch=plan.batch_size(model.batch_size, X.shape[1]),
             shuffle=model.shuffle, rng=rng, sample_weight=weights_m, validation=validation,
             metrics=model._metrics() if validation is not None else None)
    if stopping is not None and not partial:
        _warn_if_not_converged(model, trainer, stopping, epochs)
    model._trainer, model._rising_cost = trainer, rising
    if not partial:  # only partial_fit's later calls may still need the start
        rising.initial = None
    _record(model, trainer)
    model.t_ = seen + (trainer.epoch - first_epoch) * X.shape[1]
    return model


class _StartingParameters:
    """The parameters a fit starts from, rebuilt on demand instead of copied.

    :class:`TerminateOnRisingCost` goes back to them when the cost rises far;
    holding a copy for the whole fit would cost as much memory as the
    parameters. A warm start began from the fitted ``parameters_``, which
    the estimator keeps unchanged until the fit ends; a fresh network's
    initial weights are drawn again from a copy of the generator as it was
    before ``plan.new_trainer`` drew them (a few kB of state).
    """

    def __init__(self, model: Any, dims: list[int], dtype: Any, rng: Any) -> None:
        self.dims, self.dtype, self.init = list(dims), dtype, model.init
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
        return initialize_parameters_deep(self.dims, copy.deepcopy(self.rng), init=self.init,
                                          dtype=self.dtype)


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
    warnings.warn(f"{name}: max_iter={epochs} epochs ran out before {rule}; the model may "
                  f"not have converged ({fix})", ConvergenceWarning, stacklevel=6)


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
