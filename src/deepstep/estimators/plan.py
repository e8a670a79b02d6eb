"""The training plan: what both estimator families hand the engine, and the one run of it.

An estimator's parameter table translates into a plan: the network
(:class:`deepstep.network.Network`), an optimizer from :func:`make_optimizer`
(the one factory: the DNN classes' ``gd``/``momentum``/``nesterov``/``adam``
and the MLP classes' ``sgd``/``sklearn_adam``), the callbacks, the batch size
(:func:`batch_size`). :func:`run` is the one place an estimator starts the
engine's :class:`~deepstep.training.Trainer`. :func:`new_trainer` is the DNN
classes' translation; the MLP classes' is :mod:`.mlp._stochastic`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import _warnings
from ..initializers import initialize_parameters_deep
from ..losses import Loss
from ..network import Network
from ..optimizers import Adam, EfficientAdam, GradientDescent, HeavyBall, Momentum, Optimizer
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
from . import placement

__all__ = ["TrainingPlan", "batch_size", "initial_parameters", "make_callbacks",
           "make_optimizer", "new_trainer", "run"]

Array = NDArray[np.floating]


@dataclass
class TrainingPlan:
    """One run of the engine, as an estimator's parameter table translates into it.

    Both families' ``fit`` build one (:class:`.core.EstimatorCore`): the
    DNN classes in :mod:`.fitting`, the MLP classes in :mod:`.mlp._stochastic`
    and :mod:`.mlp._base` (L-BFGS); :func:`run` runs it.
    """

    #: The trainer that steps (None when ``minimize`` does, as L-BFGS).
    trainer: Trainer | None
    #: The examples as columns, shape (n_x, m), or a RowSource; on the host.
    X: Any
    #: The targets, shape (n_y, m).
    Y: Any
    epochs: int
    #: Examples per update (:func:`batch_size`); None or m: full batch.
    batch: int | None = None
    shuffle: bool = False
    #: The estimator's generator: the mini-batches' order.
    rng: Any = None
    sample_weight: Any = None
    #: (X_val of shape (n_x, m_val), Y_val of shape (n_y, m_val)), or None.
    validation: Any = None
    metrics: dict[str, Any] | None = None
    #: Where the run happens ("cpu", "gpu"): the data are copied there once.
    device: str = "cpu"
    #: The estimator's class name, for messages.
    name: str = ""
    #: Another way of stepping, called as ``minimize(X, Y, sample_weight)``
    #: instead of the trainer (scikit-learn's L-BFGS).
    minimize: Callable[[Any, Any, Any], None] | None = None
    #: What an interruption or a FloatingPointError of the run becomes
    #: (scikit-learn's MLP warns on Ctrl-C and raises ValueError); None: raised.
    on_error: Callable[[BaseException], None] | None = None
    #: This fit's callbacks (the trainer's history and divergence checks go
    #: before them).
    callbacks: list[Callback] = field(default_factory=list)
    #: ``[n_x, *hidden, n_y]``.
    layer_sizes: list[int] = field(default_factory=list)
    #: The activation of each layer, the output's last.
    activations: list[str] = field(default_factory=list)
    #: The estimator's own stopping rule (tolerance, or early stopping), if any:
    #: a fit that runs out of epochs before it fires has not converged.
    stopping: Callback | None = None
    #: What the estimator needs back after the run to record its attributes.
    notes: dict[str, Any] = field(default_factory=dict)


def make_optimizer(solver: str, learning_rate: float, *, name: str,
                   clip_norm: float | None = None, momentum: float = 0.9,
                   nesterov: bool = True, beta_1: float = 0.9, beta_2: float = 0.999,
                   epsilon: float = 1e-8) -> Optimizer:
    """The optimizer ``solver`` names, for either estimator family.

    Parameters
    ----------
    solver : {"gd", "momentum", "nesterov", "adam", "sgd", "sklearn_adam"}
        The DNN classes': plain gradient descent (the course's), momentum and
        Nesterov momentum (beta 0.9, the course's exponentially weighted
        average), Adam. The MLP classes': ``"sgd"`` is scikit-learn's heavy
        ball (:class:`~deepstep.optimizers.HeavyBall`, ``momentum`` and
        ``nesterov``), ``"sklearn_adam"`` its Adam ordering
        (:class:`~deepstep.optimizers.EfficientAdam`).
    learning_rate : float
    name : str
        The estimator's class name, for the message of an unknown solver.
    clip_norm : float or None, default=None
        Gradient clipping (the DNN classes' solvers).
    momentum, nesterov, beta_1, beta_2, epsilon
        Their hyperparameters where the solver has them.

    Returns
    -------
    Optimizer
    """
    if solver == "gd":
        return GradientDescent(learning_rate, clip_norm=clip_norm)
    if solver in ("momentum", "nesterov"):
        return Momentum(learning_rate, nesterov=solver == "nesterov", clip_norm=clip_norm)
    if solver == "adam":
        return Adam(learning_rate, beta_1, beta_2, epsilon, clip_norm=clip_norm)
    if solver == "sgd":
        return HeavyBall(learning_rate, momentum, nesterov)
    if solver == "sklearn_adam":
        return EfficientAdam(learning_rate, beta_1, beta_2, epsilon)
    raise ValueError(f"{name}: unknown solver {solver!r}; expected "
                     "'gd', 'momentum', 'nesterov' or 'adam'")


def batch_size(value: Any, m: int, *, warn: bool = False) -> int:
    """The examples per update: ``"auto"`` is scikit-learn's ``min(200, m)``; at most ``m``.

    Parameters
    ----------
    value : int, "auto" or None
        None: full batch (``m``).
    m : int
        Training examples.
    warn : bool, default=False
        Warn as scikit-learn's MLP does when ``value`` exceeds ``m`` (the MLP
        classes); the DNN classes take more than ``m`` as full batch silently.

    Returns
    -------
    int
        Between 1 and ``m`` (the trainer runs ``m`` as one full batch).
    """
    if value is None:
        return m
    if isinstance(value, str):  # "auto", the only string the tables admit
        return min(200, m)
    if warn and value > m:
        _warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going to be "
                       "clipped")
    return int(np.clip(value, 1, m))


def run(plan: TrainingPlan) -> None:
    """Run ``plan``: the one place an estimator starts the engine.

    The data go to the plan's device (nothing to do on the CPU), then the
    trainer runs its epochs, or ``plan.minimize`` its iterations.

    Parameters
    ----------
    plan : TrainingPlan
        Built by the estimator's translation of its parameters.
    """
    xp = placement.namespace(plan.device)
    X, Y, sample_weight, validation = placement.to_device(
        xp, plan.X, plan.Y, plan.sample_weight, plan.validation, plan.name, plan.device)
    try:
        if plan.minimize is not None:
            plan.minimize(X, Y, sample_weight)
            return
        trainer = plan.trainer
        if placement.is_sparse(X):
            trainer.gram = False  # K = X^T X is the dense path's shortcut: sparse X multiplies W1
        trainer.fit(X, Y, plan.epochs, batch_size=plan.batch, shuffle=plan.shuffle,
                    rng=plan.rng, sample_weight=sample_weight, validation_data=validation,
                    metrics=plan.metrics)
    except (KeyboardInterrupt, FloatingPointError) as error:
        if plan.on_error is None:
            raise
        plan.on_error(error)


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


def initial_parameters(dims: Sequence[int], rng: Any, init: Any, dtype: Any,
                       output_bias: Array | None = None) -> dict[str, Array]:
    """A fresh network's parameters: the initialiser's, and the output bias given.

    Parameters
    ----------
    dims : sequence of int
    rng : numpy.random.RandomState or Generator
    init : str or callable
    dtype : numpy dtype
    output_bias : ndarray of shape (n_y,), optional
        The regressor's ``output_bias="mean"``: the targets' mean, so the
        network starts by predicting it (the draws of the weights are the
        same either way).

    Returns
    -------
    dict of str to ndarray
    """
    parameters = initialize_parameters_deep(dims, rng, init=init, dtype=dtype)
    if output_bias is not None:
        parameters[f"b{len(dims) - 1}"][:, 0] = output_bias
    return parameters


def new_trainer(estimator: Any, dims: Sequence[int], dtype: Any, loss: Loss, rng: Any,
                learning_rate: float, epochs: int, early_stopping: bool, xp: Any, *,
                tol: float | None = None, n_iter_no_change: float = 10,
                patience: float = 10, partial: bool = False,
                output_bias: Array | None = None) -> TrainingPlan:
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
    output_bias : ndarray of shape (n_y,), optional
        A fresh network's output bias (see :func:`initial_parameters`).
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
        parameters = initial_parameters(dims, rng, estimator.init, dtype, output_bias)
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
    optimizer = make_optimizer(estimator.solver, learning_rate, name=name,
                               clip_norm=estimator.clip_norm)
    # With sample weights the L2 term is divided by their sum, not by the
    # number of rows: weights then mean repetitions (scikit-learn's rule).
    net = Network(weights, acts, loss, alpha=estimator.alpha, dropout=estimator.dropout,
                  dropout_rng=dropout_rng, l2_per_weight=True)
    del weights
    trainer = Trainer(net, optimizer=optimizer, callbacks=callbacks)
    return TrainingPlan(trainer, None, None, epochs, callbacks=callbacks, layer_sizes=dims,
                        activations=activations, stopping=stopping,
                        name=name, device=getattr(estimator, "device", "cpu"))
