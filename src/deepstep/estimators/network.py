"""Building what ``fit`` trains: the layers, their weights, the optimiser, the callbacks.

:func:`new_trainer` turns an estimator's hyperparameters into a
:class:`deepstep.training.Trainer` (the course's loop); the estimator then
only runs it and copies the results into its fitted attributes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ..initializers import initialize_parameters_deep
from ..losses import Loss
from ..network import Network as TrainedNetwork
from ..optimizers import Adam, GradientDescent, Momentum, Optimizer
from ..propagation import resolve_activations
from ..training import (
    Callback,
    CostPrinter,
    EarlyStopping,
    IterationPrinter,
    LearningRateScheduler,
    ProgressBar,
    ReduceLROnPlateau,
    Trainer,
)
from ..training.callbacks.schedules import SCHEDULES
from ..training.callbacks.stopping import NoImprovementStopping

__all__ = ["Network", "make_callbacks", "make_optimizer", "new_trainer"]


class Network(NamedTuple):
    """A new trainer and what the estimator records about it."""

    trainer: Trainer
    #: This fit's callbacks (the estimator puts the trainer's history and
    #: divergence check before them).
    callbacks: list[Callback]
    #: ``[n_x, *hidden, n_y]``.
    layer_sizes: list[int]
    #: The activation of each layer, the output's last.
    activations: list[str]
    #: The estimator's own stopping rule (tolerance, or early stopping), if any:
    #: a fit that runs out of epochs before it fires has not converged.
    stopping: Callback | None = None


def make_optimizer(solver: str, learning_rate: float, clip_norm: float | None,
                   name: str) -> Optimizer:
    """The optimiser ``solver`` names (momentum beta 0.9, Adam's 0.9, 0.999, 1e-8).

    Parameters
    ----------
    solver : {"gd", "momentum", "nesterov", "adam"}
    learning_rate : float
    clip_norm : float or None
    name : str
        The estimator's class name, for the message of an unknown solver.
    """
    if solver == "gd":
        return GradientDescent(learning_rate, clip_norm=clip_norm)
    if solver in ("momentum", "nesterov"):
        return Momentum(learning_rate, nesterov=solver == "nesterov", clip_norm=clip_norm)
    if solver == "adam":
        return Adam(learning_rate, clip_norm=clip_norm)
    raise ValueError(f"{name}: unknown solver {solver!r}; expected "
                     "'gd', 'momentum', 'nesterov' or 'adam'")


def make_callbacks(estimator: Any, max_iter: int, partial: bool = False) -> list[Callback]:
    """The user's callbacks, then those the schedule and ``verbose`` ask for.

    Parameters
    ----------
    estimator : DNNClassifier or DNNRegressor
        Its ``callbacks``, ``learning_rate_schedule`` and ``verbose``.
    max_iter : int
        Epochs of this fit (the progress bar's length).
    partial : bool, default=False
        ``partial_fit``: ``verbose`` prints scikit-learn's line per call instead.
    """
    callbacks: list[Callback] = list(estimator.callbacks or [])
    schedule = estimator.learning_rate_schedule
    if schedule == "plateau":
        callbacks.append(ReduceLROnPlateau())
    elif schedule != "constant":
        callbacks.append(LearningRateScheduler(SCHEDULES[schedule]()))
    if estimator.verbose and partial:
        callbacks.append(IterationPrinter())
    elif estimator.verbose == 2:
        callbacks.append(CostPrinter(100))
    elif estimator.verbose:
        callbacks.append(ProgressBar(max_iter))
    return callbacks


def new_trainer(estimator: Any, dims: Sequence[int], dtype: Any, loss: Loss, rng: Any,
                learning_rate: float, epochs: int, early_stopping: bool, xp: Any, *,
                tol: float | None = None, n_iter_no_change: float = 10,
                patience: float = 10, partial: bool = False) -> Network:
    """A trainer for a fresh fit (or a warm start from the fitted weights).

    Parameters
    ----------
    estimator : DNNClassifier or DNNRegressor
        Its hyperparameters (and, with ``warm_start``, its fitted weights).
    dims : sequence of int
        ``[n_x, *hidden_layer_sizes, n_y]``, the layer sizes.
    dtype : numpy dtype
        The model's (float32 or float64), as a NumPy dtype whatever the device.
    loss : Loss
    rng : numpy.random.RandomState or Generator
        Draws the initial weights, then the seed of the dropout masks.
    learning_rate : float
    epochs : int
        Epochs this fit runs (the progress bar's length).
    early_stopping : bool
        Add an :class:`EarlyStopping` on the validation loss.
    xp : module
        The device's array library; the weights are created there.
    tol, n_iter_no_change : float or None, int or inf
        The checked stopping rule on the training loss (None: none), used
        without early stopping.
    patience : int or inf
        Early stopping's checked patience (inf: never stop).
    partial : bool, default=False
        A ``partial_fit``'s first call (see :func:`make_callbacks`).
    """
    name = type(estimator).__name__
    dims = list(dims)
    n_hidden = len(dims) - 2
    activation = estimator.activation
    hidden_acts = ([activation] * n_hidden if isinstance(activation, str)
                   else list(activation))
    activations = [*hidden_acts, loss.output_activation]
    acts = resolve_activations(activations, len(dims) - 1, name + ".fit")
    # A warm start keeps the fitted weights only if they fit the new network.
    if (estimator.warm_start and hasattr(estimator, "parameters_")
            and estimator.layer_sizes_ == dims and estimator.parameters_["W1"].dtype == dtype):
        parameters = {k: v.copy() for k, v in estimator.parameters_.items()}
    else:
        parameters = initialize_parameters_deep(dims, rng, init=estimator.init, dtype=dtype)
    weights = [[xp.asarray(parameters[f"W{l}"]), xp.asarray(parameters[f"b{l}"])]
               for l in range(1, len(dims))]
    del parameters  # the Network's buffer holds the only copy the fit needs
    callbacks = make_callbacks(estimator, epochs, partial)
    stopping: Callback | None = None
    if early_stopping:
        stopping = EarlyStopping("val_loss", patience, estimator.min_delta,
                                 estimator.restore_best_weights)
    elif tol is not None:
        # scikit-learn's rule on the training loss: more than n_iter_no_change
        # epochs without an improvement of tol end the fit.
        stopping = NoImprovementStopping("loss", tol, n_iter_no_change)
    if stopping is not None:
        callbacks.append(stopping)
    dropout_rng = None
    if estimator.dropout:
        # Dropout masks get their own generator, seeded from random_state
        # after the initial weights, so turning dropout on does not change them.
        draw = rng.integers if isinstance(rng, np.random.Generator) else rng.randint
        dropout_rng = np.random.default_rng(int(draw(0, 2**31 - 1)))
    optimizer = make_optimizer(estimator.solver, learning_rate, estimator.clip_norm, name)
    # With sample weights the L2 term is divided by their sum, not by the
    # number of rows: weights then mean repetitions (scikit-learn's rule).
    net = TrainedNetwork(weights, acts, loss, alpha=estimator.alpha, dropout=estimator.dropout,
                         dropout_rng=dropout_rng, l2_per_weight=True)
    del weights
    trainer = Trainer(net, optimizer=optimizer, callbacks=callbacks)
    return Network(trainer, callbacks, dims, activations, stopping)
