"""The estimators' common part: hyperparameters, ``fit``, outputs, files.

``DNNClassifier`` and ``DNNRegressor`` follow scikit-learn's conventions: ``X``
has shape (n_samples, n_features) and ``y`` shape (n_samples,), ``__init__``
only stores its arguments, ``fit`` validates and returns ``self``, and fitted
attributes end in ``_``. Internally the examples become columns (``X.T``, a
view, not a copy) and training is the course's loop run by
:class:`deepstep.training.Trainer`.

:class:`_BaseDNN` is the DNN face of :class:`.core.EstimatorCore` (the
one fit of every estimator): its hyperparameter table (:mod:`._params`),
its training data (:mod:`.training_data`), its translation into a training
plan and its record of the run (:mod:`.fitting`); shared with the MLP
classes are where the data live (:mod:`.placement`), the plan and its run
(:mod:`.plan`), blocked prediction (:mod:`.prediction`) and model files
(:mod:`.persistence`).

The defaults are scikit-learn's ``MLPClassifier`` defaults with Glorot
initialisation and a learning rate of 0.002, measured to score at least as
well as ``MLPClassifier()`` on scikit-learn's bundled data sets (README,
"Coming from scikit-learn"); the regressor's own ``alpha`` and
``output_bias`` defaults are explained in :class:`~.regressor.DNNRegressor`.
The course's settings are
:data:`deepstep.COURSE_SETTINGS`: ``DNNClassifier.from_course()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator

from ..training import Callback
from . import fitting, prediction, training_data
from .core import EstimatorCore, FitData
from .course import COURSE_SETTINGS
from .fitted import FittedNetwork
from .persistence import ModelFile
from .plan import TrainingPlan

__all__ = ["_BaseDNN"]

Array = NDArray[np.floating]


class _BaseDNN(EstimatorCore, FittedNetwork, ModelFile, BaseEstimator):
    """Deep neural network classifier: [LINEAR -> ACT] x (L-1) -> LINEAR -> output.

    The output layer and the loss follow from ``y`` (see ``loss_function_``): two
    classes give one sigmoid unit and the binary cross-entropy (the course's
    network); more classes give a softmax layer and the categorical
    cross-entropy; a 2-D indicator matrix (multi-label) gives one sigmoid per
    label and the binary cross-entropy summed over labels.

    Parameters
    ----------
    hidden_layer_sizes : sequence of int, default=(100,)
        Units of each hidden layer (the course's deep model: (20, 7, 5)).
    activation : str or sequence of str, default="relu"
        Activation of the hidden layers ("relu", "leaky_relu", "tanh",
        "sigmoid", "identity"), or one name per hidden layer.
    init : str, default="glorot"
        Weight initialiser: ``"glorot"`` (uniform, sqrt(6 / (fan_in +
        fan_out))), ``"lecun"`` (randn / sqrt(n_prev), the course's
        application), ``"course"`` (randn * 0.01), ``"he"``, ``"normal"``,
        ``"uniform"``, or a callable (n_l, n_prev, rng) -> W.
    solver : {"gd", "momentum", "nesterov", "adam"}, default="adam"
        The optimiser: plain gradient descent (the course's), momentum
        (beta 0.9), Nesterov momentum, or Adam (0.9, 0.999, 1e-8).
    learning_rate : float, default=0.002
        Step size (the course's: 0.0075).
    learning_rate_schedule : {"constant", "step", "exponential", "inverse_time", "plateau"}
        How the step size changes per epoch (default "constant"): halved every
        100 epochs, times 0.99 per epoch, divided by (1 + 0.01 epoch), or
        halved when the training loss stalls for 10 epochs.
    max_iter : int, default=200
        Most epochs (full-batch iterations, when ``batch_size=None``); the
        course's run is 2500.
    alpha : float, default=0.0001
        L2 regularisation of the weights (not biases), added to the cost as
        ``(alpha / (2 m)) sum ||W||^2``, scikit-learn's and the course's scaling.
    clip_norm : float or None, default=None
        Rescale gradients whose global L2 norm exceeds this value.
    dropout : float in [0, 1), default=0.0
        Inverted dropout rate of the hidden layers while training (its masks
        come from their own generator, seeded from ``random_state``); off
        when predicting.
    batch_size : int, "auto" or None, default="auto"
        Examples per update; None is full-batch gradient descent (the
        course's), "auto" is scikit-learn's ``min(200, n_samples)``.
    shuffle : bool, default=True
        Reshuffle the examples before each epoch of mini-batches.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (or use
        ``validation_data`` given to ``fit``) and stop when its loss has not
        improved by more than ``min_delta`` for ``patience`` epochs.
    validation_fraction : float, default=0.1
    patience : int, None or np.inf, default=10
        Epochs without improvement early stopping tolerates; None or
        ``np.inf``: never stop early (the best weights still come back).
    min_delta : float, default=0.0
    restore_best_weights : bool, default=True
        With early stopping, end with the weights of the best validation epoch.
    warm_start : bool, default=False
        When True, ``fit`` continues from the fitted weights instead of
        re-initialising (the layer sizes must not change).
    random_state : None, int, RandomState or Generator, default=None
        Seed of the initialisation; an int makes ``fit`` reproducible and
        ``random_state=1`` reproduces the course's ``np.random.seed(1)``.
    verbose : bool or int, default=False
        ``True`` or 1 shows a progress bar; 2 prints the cost every 100 iterations.
    callbacks : sequence of Callback, optional
        Extra callbacks run during ``fit``.
    tol : float or None, default=0.0001
        scikit-learn's stopping rule on the training loss (without early
        stopping): more than ``n_iter_no_change`` epochs in a row that do not
        lower the best loss by more than ``tol`` end the fit. When ``max_iter``
        runs out first (or early stopping has not fired), ``fit`` warns with a
        ``sklearn.exceptions.ConvergenceWarning``. None: no tolerance, exactly
        ``max_iter`` epochs, no warning.
    n_iter_no_change : int or np.inf, default=10
        Epochs without a ``tol`` improvement tolerated (see ``tol``).
    device : {"cpu", "gpu"}, default="cpu"
        Where training and prediction run: NumPy on the CPU, or CuPy on a CUDA
        GPU (``pip install 'deepstep[gpu]'``). The fitted ``parameters_`` are
        NumPy arrays either way, so a model trained on a GPU saves, loads and
        predicts on a machine without one.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels; for two classes ``classes_[1]`` is the positive class.
    loss_ : float
        The final training loss (``loss_curve_[-1]``), as scikit-learn's.
    loss_function_ : str
        The loss trained on, by name: ``"binary_cross_entropy"`` or
        ``"categorical_cross_entropy"`` (``"squared_error"`` for the regressor).
    best_loss_ : float or None
        The lowest of ``loss_curve_``; None with early stopping (as sklearn).
    n_outputs_ : int
        Output units: 1 for two classes, else one per class or label (one
        per target for the regressor).
    out_activation_ : {"logistic", "softmax", "identity"}
        The output activation, by scikit-learn's name (``activations_[-1]``
        holds deepstep's: ``"sigmoid"``, ``"softmax"``, ``"identity"``).
    validation_losses_ : list of float
        The validation loss after every epoch (``validation_data`` or early
        stopping's split), when there is validation data.
    validation_scores_ : list of float
        The validation score after every epoch (what ``score`` returns:
        accuracy, R^2 for the regressor), when there is validation data.
    n_features_in_ : int
        Number of features seen in ``fit``.
    parameters_ : dict
        ``"W{l}"`` of shape (n_l, n_{l-1}) and ``"b{l}"`` of shape (n_l, 1).
    layer_sizes_ : list of int
        ``[n_features_in_, *hidden_layer_sizes, n_outputs]``.
    activations_ : list of str
        The activation of each layer.
    loss_curve_ : list of float
        The cost at every iteration (before that iteration's update).
    n_iter_ : int
        Number of iterations run.
    history_ : deepstep.training.History
        The training history (``history_.history["loss"]``).
    coefs_, intercepts_, n_layers_, t_, best_validation_score_
        scikit-learn's names (``coefs_``/``intercepts_``: views of ``parameters_``;
        ``t_``: samples trained on), see :class:`.fitted.FittedNetwork`.

    Examples
    --------
    >>> import numpy as np
    >>> from deepstep import DNNClassifier
    >>> X = np.random.default_rng(0).standard_normal((100, 4))
    >>> y = np.where(X[:, 0] > 0, "yes", "no")
    >>> clf = DNNClassifier(random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    """

    # NumPy's floating-point warnings (from scikit-learn's validation of
    # inf/-inf input, from a cast to float32, from a diverging step) are not
    # how a user learns about bad input: explicit checks raise ValueError, and
    # divergence is reported once by the training loop.
    _fit_errstate: ClassVar[dict[str, str]] = dict.fromkeys(
        ("over", "invalid", "divide", "under"), "ignore")

    def __init__(
        self,
        hidden_layer_sizes: Sequence[int] = (100,),
        activation: str = "relu",
        init: str = "glorot",
        solver: str = "adam",
        learning_rate: float = 0.002,
        max_iter: int = 200,
        alpha: float = 0.0001,
        clip_norm: float | None = None,
        dropout: float = 0.0,
        learning_rate_schedule: str = "constant",
        batch_size: int | str | None = "auto",
        shuffle: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        patience: int = 10,
        min_delta: float = 0.0,
        restore_best_weights: bool = True,
        warm_start: bool = False,
        random_state: Any = None,
        verbose: bool | int = False,
        callbacks: Sequence[Callback] | None = None,
        device: str = "cpu",
        tol: float | None = 0.0001,
        n_iter_no_change: int = 10,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.alpha = alpha
        self.clip_norm = clip_norm
        self.dropout = dropout
        self.learning_rate_schedule = learning_rate_schedule
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.min_delta = min_delta
        self.restore_best_weights = restore_best_weights
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.device = device
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change

    # ------------------------------------------------------------------ fit

    @classmethod
    def from_course(cls, **overrides: Any) -> Any:
        """An estimator with the course's settings (:data:`COURSE_SETTINGS`), and ``overrides``.

        Parameters
        ----------
        **overrides
            Any constructor parameter (``random_state=1`` is the course's seed).

        Returns
        -------
        estimator
            ``cls(**{**COURSE_SETTINGS, **overrides})``: an ordinary estimator,
            cloned, saved and searched over like any other.
        """
        return cls(**{**COURSE_SETTINGS, **overrides})

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None,
            validation_data: tuple[ArrayLike, ArrayLike] | None = None) -> _BaseDNN:
        """Train the network on (X, y).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 stays float32, anything else becomes float64.
            A SciPy CSR/CSC matrix stays sparse: full-batch training multiplies
            the first layer by it sparsely, mini-batches are densified one at
            a time.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels of any type (or a 0/1 indicator matrix, multi-label)
            for the classifier; real targets for the regressor.
        sample_weight : array-like of shape (n_samples,), optional
            Per-example weights; the cost is their weighted mean (multiplied
            by ``class_weight`` for the classifier).
        validation_data : (X_val, y_val), optional
            Evaluated after every epoch (``history_.history["val_loss"]``); used
            by early stopping instead of a split of the training data.

        Returns
        -------
        self : estimator
        """
        return self._fit(X, y, sample_weight, partial=False, validation_data=validation_data)

    # ------------------------------------------------ the core's four steps

    def _training_data(self, X: Any, y: Any, sample_weight: Any, partial: bool,
                       validation_data: Any = None, classes: Any = None) -> FitData:
        return training_data.in_memory(self, X, y, sample_weight, partial, validation_data,
                                       classes)

    def _out_of_core_data(self, X: Any, y: Any, sample_weight: Any, partial: bool,
                          validation_data: Any = None, classes: Any = None) -> FitData:
        return training_data.out_of_core(self, X, y, sample_weight, partial, validation_data)

    def _training_plan(self, data: FitData) -> TrainingPlan:
        return fitting.training_plan(self, data)

    def _fitted(self, training: TrainingPlan, data: FitData) -> None:
        fitting.record(self, training, data)

    _SCORE = "accuracy"  # the logged metric that equals score: validation_scores_

    def _metrics(self) -> dict[str, Any] | None:
        return None

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # CSR/CSC X, never densified whole
        return tags

    # -------------------------------------------------------------- outputs

    def _output(self, X: ArrayLike) -> Array:
        """The network's output for X, shape (n_samples, n_outputs), in blocks of rows."""
        return prediction.network_output(self, X)

