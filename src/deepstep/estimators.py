"""scikit-learn estimators built on the step engine.

``DNNClassifier`` follows scikit-learn's conventions: ``X`` has shape
(n_samples, n_features) and ``y`` shape (n_samples,), ``__init__`` only stores
its arguments, ``fit`` validates and returns ``self``, and fitted attributes
end in ``_``. Internally the examples become columns (``X.T``, a view, not a
copy) and training is the course's loop run by :class:`deepstep.training.Trainer`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ._backend import device_namespace, is_numpy, to_numpy
from ._validation import check_positive_float, check_positive_int
from .activations import get_activation
from .initializers import INITIALIZERS, check_random_state, initialize_parameters_deep
from .losses import LOSSES
from .optimizers import SCHEDULES, Adam, GradientDescent, Momentum, Optimizer
from .outofcore import DaskClusterSource, RowSource, is_out_of_core
from .propagation import forward, resolve_activations
from .training import (
    Callback,
    CostPrinter,
    EarlyStopping,
    LearningRateScheduler,
    ProgressBar,
    ReduceLROnPlateau,
    Trainer,
)

__all__ = ["DNNClassifier", "DNNRegressor"]

Array = NDArray[np.floating]

#: Most rows per block in predict_proba, so memory stays bounded on large inputs.
PREDICT_BATCH_ROWS = 8192
#: Memory budget of one block's intermediate activations in predict (bytes).
PREDICT_BLOCK_BYTES = 8 * 2**20


class _BaseDNN(BaseEstimator):
    """Deep neural network classifier: [LINEAR -> ACT] x (L-1) -> LINEAR -> output.

    The output layer and the loss follow from ``y`` (see ``loss_``): two
    classes give one sigmoid unit and the binary cross-entropy (the course's
    network); more classes give a softmax layer and the categorical
    cross-entropy; a 2-D indicator matrix (multi-label) gives one sigmoid per
    label and the binary cross-entropy summed over labels.

    Parameters
    ----------
    hidden_layer_sizes : sequence of int, default=(20, 7, 5)
        Units of each hidden layer (the course's deep model by default).
    activation : str or sequence of str, default="relu"
        Activation of the hidden layers ("relu", "leaky_relu", "tanh",
        "sigmoid", "identity"), or one name per hidden layer.
    init : str, default="lecun"
        Weight initialiser: ``"lecun"`` (randn / sqrt(n_prev), the course's
        application) or ``"course"`` (randn * 0.01).
    solver : {"gd", "momentum", "nesterov", "adam"}, default="gd"
        The optimiser: plain gradient descent (the course's), momentum
        (beta 0.9), Nesterov momentum, or Adam (0.9, 0.999, 1e-8).
    learning_rate : float, default=0.0075
        Step size.
    learning_rate_schedule : {"constant", "step", "exponential", "inverse_time", "plateau"}
        How the step size changes per epoch (default "constant"): halved every
        100 epochs, times 0.99 per epoch, divided by (1 + 0.01 epoch), or
        halved when the training loss stalls for 10 epochs.
    max_iter : int, default=2500
        Number of full-batch iterations.
    alpha : float, default=0.0
        L2 regularisation of the weights (not biases), added to the cost as
        ``(alpha / (2 m)) sum ||W||^2``, scikit-learn's and the course's scaling.
    clip_norm : float or None, default=None
        Rescale gradients whose global L2 norm exceeds this value.
    dropout : float in [0, 1), default=0.0
        Inverted dropout rate of the hidden layers while training (its masks
        come from their own generator, seeded from ``random_state``); off
        when predicting.
    batch_size : int or None, default=None
        Examples per update; None is full-batch gradient descent (the course's).
    shuffle : bool, default=True
        Reshuffle the examples before each epoch of mini-batches.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (or use
        ``validation_data`` given to ``fit``) and stop when its loss has not
        improved by more than ``min_delta`` for ``patience`` epochs.
    validation_fraction : float, default=0.1
    patience : int, default=10
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
    device : {"cpu", "gpu"}, default="cpu"
        Where training and prediction run: NumPy on the CPU, or CuPy on a CUDA
        GPU (``pip install 'deepstep[gpu]'``). The fitted ``parameters_`` are
        NumPy arrays either way, so a model trained on a GPU saves, loads and
        predicts on a machine without one.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels; for two classes ``classes_[1]`` is the positive class.
    loss_ : str
        ``"binary_cross_entropy"`` or ``"categorical_cross_entropy"``
        (``"squared_error"`` for the regressor).
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

    Examples
    --------
    >>> import numpy as np
    >>> from deepstep import DNNClassifier
    >>> X = np.random.default_rng(0).standard_normal((100, 4))
    >>> y = np.where(X[:, 0] > 0, "yes", "no")
    >>> clf = DNNClassifier(hidden_layer_sizes=(8,), learning_rate=0.5, max_iter=300,
    ...                     random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    """

    def __init__(
        self,
        hidden_layer_sizes: Sequence[int] = (20, 7, 5),
        activation: str = "relu",
        init: str = "lecun",
        solver: str = "gd",
        learning_rate: float = 0.0075,
        max_iter: int = 2500,
        alpha: float = 0.0,
        clip_norm: float | None = None,
        dropout: float = 0.0,
        learning_rate_schedule: str = "constant",
        batch_size: int | None = None,
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

    # ------------------------------------------------------------------ fit

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None,
            validation_data: tuple[ArrayLike, ArrayLike] | None = None) -> _BaseDNN:
        """Train the network on (X, y).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; float32 stays float32, anything else becomes float64.
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
        return self._fit(X, y, sample_weight, validation_data, partial=False)

    def _fit(self, X: Any, y: Any, sample_weight: Any, validation_data: Any, partial: bool,
             classes: Any = None) -> _BaseDNN:
        # NumPy's floating-point warnings (from scikit-learn's validation of
        # inf/-inf input, from a cast to float32, from a diverging step) are not
        # how a user learns about bad input: explicit checks raise ValueError,
        # and divergence is reported once by the training loop.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return self._fit_checked(X, y, sample_weight, validation_data, partial, classes)

    def _fit_checked(self, X: Any, y: Any, sample_weight: Any, validation_data: Any,
                     partial: bool, classes: Any = None) -> _BaseDNN:
        hidden, learning_rate, max_iter = self._check_params()
        continuing = partial and hasattr(self, "_trainer")
        if is_out_of_core(X):
            return self._fit_out_of_core(X, y, sample_weight, validation_data, partial,
                                         hidden, learning_rate, max_iter)
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], multi_output=True,
                             y_numeric=isinstance(self, RegressorMixin), reset=not continuing)
        if continuing:
            X = X.astype(self.parameters_["W1"].dtype, copy=False)
        Y, loss_name = self._encode_targets(y, X.dtype, classes if not continuing
                                            else getattr(self, "classes_", None))
        if not np.all(np.isfinite(Y)):
            raise ValueError(f"{type(self).__name__}.fit: y holds values that are not finite "
                             f"in {X.dtype} (beyond its range?)")
        if continuing and Y.shape[0] != self.layer_sizes_[-1]:
            raise ValueError(f"{type(self).__name__}.partial_fit: y has {Y.shape[0]} output(s) "
                             f"per example, the model was started with {self.layer_sizes_[-1]}")
        weights_m = self._sample_weights(sample_weight, X, y)
        rng = check_random_state(self.random_state)
        validation = None
        if validation_data is not None:
            Xv, yv = validation_data
            Xv = validate_data(self, Xv, reset=False, dtype=[np.float64, np.float32])
            Yv, _ = self._encode_targets(np.asarray(yv), X.dtype, getattr(self, "classes_", None),
                                         store=False)
            validation = (Xv.astype(X.dtype, copy=False).T, Yv)
        elif self.early_stopping and not partial:
            n_val = max(1, round(self.validation_fraction * X.shape[0]))
            if n_val >= X.shape[0]:
                raise ValueError(f"{type(self).__name__}: validation_fraction="
                                 f"{self.validation_fraction} leaves no training data")
            order = rng.permutation(X.shape[0])
            val, train = order[:n_val], np.sort(order[n_val:])
            validation = (X[val].T, Y[:, val])
            X, Y = X[train], Y[:, train]
            weights_m = None if weights_m is None else weights_m[train]
        return self._train(X.T, Y, loss_name, rng, weights_m, validation, partial, continuing,
                           hidden, learning_rate, max_iter)

    def _fit_out_of_core(self, X: Any, y: Any, sample_weight: Any, validation_data: Any,
                         partial: bool, hidden: list[int], learning_rate: float,
                         max_iter: int) -> _BaseDNN:
        """fit on an h5py dataset or a Dask array: read in blocks, never loaded whole."""
        name = type(self).__name__
        unsupported = {"partial_fit": partial, "sample_weight": sample_weight is not None,
                       "validation_data": validation_data is not None,
                       "early_stopping": bool(self.early_stopping),
                       "class_weight": getattr(self, "class_weight", None) is not None,
                       "dropout": bool(self.dropout)}
        used = [k for k, v in unsupported.items() if v]
        if used:
            raise ValueError(f"{name}.fit: {', '.join(used)} is not supported with out-of-core "
                             f"X ({type(X).__name__}); load the data into memory for that")
        if len(X.shape) != 2 or X.shape[0] < 1 or X.shape[1] < 1:
            raise ValueError(f"{name}.fit: X must be 2-D with at least one row and column, "
                             f"got shape {tuple(X.shape)}")
        if np.dtype(X.dtype).kind not in "fiub":
            raise TypeError(f"{name}.fit: X must hold numbers, got dtype {X.dtype}")
        dtype = np.float32 if np.dtype(X.dtype) == np.float32 else np.float64
        y = np.asarray(y)
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"{name}.fit: X has {X.shape[0]} rows but y has {y.shape[0]}")
        if isinstance(self, RegressorMixin):
            y = y.astype(np.float64)
        self.n_features_in_ = int(X.shape[1])
        Y, loss_name = self._encode_targets(y, dtype, None)
        source: RowSource = RowSource(X, dtype)
        client = _distributed_client() if hasattr(X, "to_delayed") else None
        if client is not None and self.batch_size is None:
            source = DaskClusterSource(X, Y, client, dtype)
        source.check_finite()
        rng = check_random_state(self.random_state)
        return self._train(source, Y, loss_name, rng, None, None, False, False, hidden,
                           learning_rate, max_iter)

    def _train(self, X: Any, Y: Array, loss_name: str, rng: Any, weights_m: Array | None,
               validation: Any, partial: bool, continuing: bool, hidden: list[int],
               learning_rate: float, max_iter: int) -> _BaseDNN:
        """Build (or continue) the trainer and run it; X is (n_x, m) or a RowSource."""
        loss = LOSSES[loss_name]
        dtype = Y.dtype
        xp = device_namespace(self.device)
        if not is_numpy(xp):
            if isinstance(X, RowSource):
                raise ValueError(f"{type(self).__name__}.fit: device={self.device!r} needs X "
                                 "in memory; out-of-core data trains on the CPU")
            # Copied once to the device; the whole fit then runs there. X goes
            # as (m, n_x) rows, the layout in which mini-batches gather whole
            # examples, and is used through its transpose.
            X, Y = xp.asarray(X.T).T, xp.asarray(Y)
            weights_m = None if weights_m is None else xp.asarray(weights_m)
            if validation is not None:
                validation = (xp.asarray(validation[0]), xp.asarray(validation[1]))
        if continuing:
            trainer = self._trainer
            epochs, callbacks = 1, []
        else:
            dims = [X.shape[0], *hidden, Y.shape[0]]
            hidden_acts = ([self.activation] * len(hidden) if isinstance(self.activation, str)
                           else list(self.activation))
            activations = [*hidden_acts, loss.output_activation]
            acts = resolve_activations(activations, len(dims) - 1, type(self).__name__ + ".fit")
            if (self.warm_start and hasattr(self, "parameters_") and self.layer_sizes_ == dims
                    and self.parameters_["W1"].dtype == dtype):
                parameters = {k: v.copy() for k, v in self.parameters_.items()}
            else:
                parameters = initialize_parameters_deep(dims, rng, init=self.init, dtype=dtype)
            weights = [[xp.asarray(parameters[f"W{l}"]), xp.asarray(parameters[f"b{l}"])]
                       for l in range(1, len(dims))]
            epochs = 1 if partial else max_iter
            callbacks = self._callbacks(epochs)
            if self.early_stopping and validation is not None and not partial:
                callbacks.append(EarlyStopping("val_loss", self.patience, self.min_delta,
                                               self.restore_best_weights))
            dropout_rng = None
            if self.dropout:
                draw = rng.integers if isinstance(rng, np.random.Generator) else rng.randint
                dropout_rng = np.random.default_rng(int(draw(0, 2**31 - 1)))
            trainer = Trainer(weights, acts, loss, self._optimizer(learning_rate), callbacks,
                              alpha=self.alpha, dropout=self.dropout, dropout_rng=dropout_rng)
            self.layer_sizes_ = dims
            self.activations_ = activations
            self.loss_ = loss_name
            self.loss_curve_ = []
            self.validation_scores_ = []
            self.n_iter_ = 0
            self.history_ = trainer.history
        trainer.callbacks = [trainer.history, trainer.terminate_on_nan, *callbacks]
        trainer.fit(X, Y, epochs, batch_size=self.batch_size, shuffle=self.shuffle, rng=rng,
                    sample_weight=weights_m, validation_data=validation,
                    metrics=self._metrics() if validation is not None else None)
        self._trainer = trainer
        # On the host, whatever the device: saving, loading and predicting on a
        # CPU need nothing else (a copy from a GPU, the arrays themselves on NumPy).
        self.parameters_ = {k: to_numpy(v) for k, v in trainer.parameters.items()}
        self.loss_curve_ = list(trainer.history.history.get("loss", []))
        self.validation_scores_ = list(trainer.history.history.get("val_loss", []))
        self.n_iter_ = trainer.epoch
        return self

    def _sample_weights(self, sample_weight: Any, X: Array, y: Any) -> Array | None:
        class_weight = getattr(self, "class_weight", None)
        if sample_weight is None and class_weight is None:
            return None
        w = _check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)
        if class_weight is not None:
            w = w * compute_sample_weight(class_weight, y).astype(X.dtype)
        if not np.sum(w) > 0:
            raise ValueError(f"{type(self).__name__}.fit: sample weights must not all be zero")
        return w

    def _metrics(self) -> dict[str, Any] | None:
        return None

    def _check_params(self) -> tuple[list[int], float, int]:
        func = "DNNClassifier"
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, (int, np.integer)) and not isinstance(sizes, bool):
            sizes = [sizes]
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (Sequence, np.ndarray)):
            raise TypeError(f"{func}: hidden_layer_sizes must be a sequence of positive ints, "
                            f"got {type(sizes).__name__}")
        hidden = [check_positive_int(s, f"hidden_layer_sizes[{i}]", func=func)
                  for i, s in enumerate(sizes)]
        names = [self.activation] if isinstance(self.activation, str) else self.activation
        if isinstance(names, Sequence) and not isinstance(names, str) and \
                not isinstance(self.activation, str) and len(names) != len(hidden):
            raise ValueError(f"{func}: activation must be one name or one per hidden layer "
                             f"({len(hidden)}), got {len(names)}: {list(names)}")
        for name in names:
            get_activation(name, func=func)
        if self.learning_rate_schedule not in ("constant", "plateau", *SCHEDULES):
            raise ValueError(f"{func}: unknown learning_rate_schedule "
                             f"{self.learning_rate_schedule!r}; expected 'constant', "
                             f"{', '.join(map(repr, SCHEDULES))} or 'plateau'")
        if not callable(self.init) and self.init not in INITIALIZERS:
            raise ValueError(f"{func}: unknown init {self.init!r}; expected one of "
                             f"{', '.join(map(repr, INITIALIZERS))}")
        if getattr(self, "device", "cpu") not in ("cpu", "gpu"):
            raise ValueError(f"{func}: device must be 'cpu' or 'gpu', got {self.device!r}")
        learning_rate = check_positive_float(self.learning_rate, "learning_rate", func=func)
        check_positive_float(self.alpha, "alpha", func=func, allow_zero=True)
        if self.clip_norm is not None:
            check_positive_float(self.clip_norm, "clip_norm", func=func)
        self._optimizer(learning_rate)  # validates solver
        if self.batch_size is not None:
            check_positive_int(self.batch_size, "batch_size", func=func)
        check_positive_int(self.patience, "patience", func=func)
        rate = check_positive_float(self.dropout, "dropout", func=func, allow_zero=True)
        if rate >= 1:
            raise ValueError(f"{func}: dropout must be in [0, 1), got {rate}")
        check_positive_float(self.min_delta, "min_delta", func=func, allow_zero=True)
        fraction = check_positive_float(self.validation_fraction, "validation_fraction",
                                        func=func)
        if fraction >= 1:
            raise ValueError(f"{func}: validation_fraction must be in (0, 1), got {fraction}")
        max_iter = check_positive_int(self.max_iter, "max_iter", func=func)
        return hidden, learning_rate, max_iter

    def _optimizer(self, learning_rate: float) -> Optimizer:
        clip = self.clip_norm
        if self.solver == "gd":
            return GradientDescent(learning_rate, clip_norm=clip)
        if self.solver in ("momentum", "nesterov"):
            return Momentum(learning_rate, nesterov=self.solver == "nesterov", clip_norm=clip)
        if self.solver == "adam":
            return Adam(learning_rate, clip_norm=clip)
        raise ValueError(f"{type(self).__name__}: unknown solver {self.solver!r}; expected "
                         "'gd', 'momentum', 'nesterov' or 'adam'")

    def summary(self, file: Any = None) -> None:
        """Print a table of the layers: units, activation, weight shapes, parameter counts.

        Parameters
        ----------
        file : file-like, optional
            Where to print (default: standard output).
        """
        check_is_fitted(self, "parameters_")
        rows = [("layer", "units", "activation", "W shape", "b shape", "parameters")]
        rows.append(("0 (input)", str(self.layer_sizes_[0]), "", "", "", "0"))
        total = 0
        for l in range(1, len(self.layer_sizes_)):
            W, b = self.parameters_[f"W{l}"], self.parameters_[f"b{l}"]
            total += W.size + b.size
            rows.append((str(l), str(W.shape[0]), self.activations_[l - 1], str(W.shape),
                         str(b.shape), f"{W.size + b.size:,}"))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        line = "-" * (sum(widths) + 2 * (len(widths) - 1))
        out = [f"{type(self).__name__}: loss {self.loss_}, dtype {self.parameters_['W1'].dtype}",
               line]
        for i, r in enumerate(rows):
            out.append("  ".join(c.ljust(w) if j < 3 else c.rjust(w)
                                 for j, (c, w) in enumerate(zip(r, widths, strict=True))))
            if i == 0:
                out.append(line)
        out += [line, f"total parameters: {total:,}"]
        print("\n".join(out), file=file)

    def _callbacks(self, max_iter: int) -> list[Callback]:
        callbacks: list[Callback] = list(self.callbacks or [])
        if self.learning_rate_schedule == "plateau":
            callbacks.append(ReduceLROnPlateau())
        elif self.learning_rate_schedule != "constant":
            callbacks.append(LearningRateScheduler(SCHEDULES[self.learning_rate_schedule]()))
        if self.verbose == 2:
            callbacks.append(CostPrinter(100))
        elif self.verbose:
            callbacks.append(ProgressBar(max_iter))
        return callbacks

    # -------------------------------------------------------------- outputs

    def _output(self, X: ArrayLike) -> Array:
        """The network's output for X, shape (n_samples, n_outputs), in blocks of rows."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            out = self._output_unchecked(X)
        if not np.all(np.isfinite(out)):
            raise ValueError(f"{type(self).__name__}: the network's output overflows for this "
                             "X (values far larger than those it was trained on?)")
        return out

    def _output_unchecked(self, X: ArrayLike) -> Array:
        check_is_fitted(self, "parameters_")
        dtype = self.parameters_["W1"].dtype
        if is_out_of_core(X):
            if len(X.shape) != 2 or X.shape[1] != self.n_features_in_:
                raise ValueError(f"{type(self).__name__}: X has shape {tuple(X.shape)}, the "
                                 f"model expects {self.n_features_in_} features")
            source = RowSource(X, dtype)
            source.check_finite()
            out = np.empty((X.shape[0], self.layer_sizes_[-1]), dtype=dtype)
            for start, rows in source.blocks():
                # Checked once, whole, by _output, which called this.
                out[start:start + len(rows)] = self._output_unchecked(rows)
            return out
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        Xd = X.astype(dtype, copy=False)
        if Xd is not X and not np.all(np.isfinite(Xd)):
            raise ValueError(f"{type(self).__name__}: X holds values beyond the range of the "
                             f"model's {np.dtype(dtype).name}")
        X = Xd
        weights = self._weights()
        xp = device_namespace(getattr(self, "device", "cpu"))
        if not is_numpy(xp):
            weights = [(xp.asarray(W), xp.asarray(b)) for W, b in weights]
        acts = resolve_activations(self.activations_, len(weights), type(self).__name__)
        out = np.empty((X.shape[0], self.layer_sizes_[-1]), dtype=dtype)
        # Blocks of rows bound the memory of the intermediate activations (a Z
        # and an A per layer) to about PREDICT_BLOCK_BYTES, whatever the width.
        per_row = 2 * sum(self.layer_sizes_[1:]) * np.dtype(dtype).itemsize
        block = max(64, min(PREDICT_BATCH_ROWS, PREDICT_BLOCK_BYTES // per_row))
        for start in range(0, X.shape[0], block):
            stop = start + block
            AL, _ = forward(xp.asarray(X[start:stop].T), weights, acts)
            out[start:stop] = to_numpy(AL).T
        return out

    def _weights(self) -> list[tuple[Array, Array]]:
        L = len(self.layer_sizes_) - 1
        return [(self.parameters_[f"W{l}"], self.parameters_[f"b{l}"]) for l in range(1, L + 1)]

    # ------------------------------------------------------------ files

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the fitted model to ``path`` (atomically; see :func:`deepstep.load`).

        Parameters
        ----------
        path : str or path-like
            Destination file; an existing file is replaced only once the new
            one is completely written.
        """
        from .io import save_model

        save_model(self, path)


class DNNClassifier(ClassifierMixin, _BaseDNN):
    __doc__ = _BaseDNN.__doc__ + """
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the cost (multiplying any ``sample_weight``).
    loss : {"auto", "binary_cross_entropy", "categorical_cross_entropy"}, default="auto"
        The output layer and loss: "auto" infers them from ``y`` (above);
        "categorical_cross_entropy" forces a softmax layer (also for two
        classes); "binary_cross_entropy" forces sigmoid outputs (for more than
        two classes, one independent sigmoid per class, one-vs-rest).
    """

    def __init__(self, hidden_layer_sizes: Sequence[int] = (20, 7, 5),
                 activation: str = "relu", init: str = "lecun", solver: str = "gd",
                 learning_rate: float = 0.0075, max_iter: int = 2500, alpha: float = 0.0,
                 clip_norm: float | None = None, dropout: float = 0.0,
                 learning_rate_schedule: str = "constant",
                 batch_size: int | None = None,
                 shuffle: bool = True, early_stopping: bool = False,
                 validation_fraction: float = 0.1, patience: int = 10, min_delta: float = 0.0,
                 restore_best_weights: bool = True, warm_start: bool = False,
                 class_weight: Any = None, loss: str = "auto", random_state: Any = None,
                 verbose: bool | int = False,
                 callbacks: Sequence[Callback] | None = None, device: str = "cpu") -> None:
        super().__init__(hidden_layer_sizes, activation, init, solver, learning_rate, max_iter,
                         alpha, clip_norm, dropout, learning_rate_schedule, batch_size,
                         shuffle,
                         early_stopping,
                         validation_fraction, patience, min_delta, restore_best_weights,
                         warm_start, random_state, verbose, callbacks, device)
        self.class_weight = class_weight
        self.loss = loss

    def partial_fit(self, X: ArrayLike, y: ArrayLike, classes: ArrayLike | None = None,
                    sample_weight: ArrayLike | None = None) -> DNNClassifier:
        """One more epoch of training on (X, y), keeping the weights and optimiser state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like, optional
            All the classes, required on the first call (as in scikit-learn).
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self : DNNClassifier
        """
        if classes is None and not hasattr(self, "_trainer"):
            raise ValueError("DNNClassifier.partial_fit: pass classes=... on the first call")
        self._fit(X, y, sample_weight, None, partial=True, classes=classes)
        return self

    def _metrics(self) -> dict[str, Any]:
        if getattr(self, "_multilabel", False):
            return {"accuracy": lambda AL, Y: float(np.mean((AL > 0.5) == (Y > 0.5)))}
        if self.layer_sizes_[-1] == 1:
            return {"accuracy": lambda AL, Y: float(np.mean((AL > 0.5) == (Y > 0.5)))}
        return {"accuracy": lambda AL, Y: float(np.mean(AL.argmax(0) == Y.argmax(0)))}

    def _encode_targets(self, y: Any, dtype: Any, classes: Any = None,
                        store: bool = True) -> tuple[Array, str]:
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if y.ndim == 2:
            if type_of_target(y) != "multilabel-indicator":
                raise ValueError("DNNClassifier.fit: a 2-D y must be a 0/1 indicator matrix "
                                 f"(multi-label), got {type_of_target(y)} targets")
            if store:
                self.classes_ = np.arange(y.shape[1])
                self._multilabel = True
            return np.asarray(y, dtype=dtype).T.copy(), "binary_cross_entropy"
        check_classification_targets(y)
        if classes is not None:
            classes = np.unique(classes)
            unseen = np.setdiff1d(np.unique(y), classes)
            if len(unseen):
                raise ValueError(f"DNNClassifier: y holds labels not in classes: "
                                 f"{unseen[:5].tolist()}")
            idx = np.searchsorted(classes, y)
        else:
            classes, idx = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                f"DNNClassifier.fit: y must contain at least 2 classes, got 1 class: "
                f"{classes[0]!r}"
            )
        if store:
            self.classes_ = classes
            self._multilabel = False
        if self.loss not in ("auto", "binary_cross_entropy", "categorical_cross_entropy"):
            raise ValueError(f"DNNClassifier: unknown loss {self.loss!r}; expected 'auto', "
                             "'binary_cross_entropy' or 'categorical_cross_entropy'")
        if len(classes) == 2 and self.loss != "categorical_cross_entropy":
            return idx.reshape(1, -1).astype(dtype), "binary_cross_entropy"
        Y = np.zeros((len(classes), len(idx)), dtype=dtype)
        Y[idx, np.arange(len(idx))] = 1
        if self.loss == "binary_cross_entropy":
            return Y, "binary_cross_entropy"  # one sigmoid per class, one-vs-rest
        return Y, "categorical_cross_entropy"

    def predict_proba(self, X: ArrayLike) -> Array:
        """Probability of each class (of each label, for multi-label targets).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``; rows sum to 1 unless multi-label.
        """
        out = self._output(X)
        if out.shape[1] == 1:
            p = out[:, 0]
            return np.column_stack([1 - p, p])
        if self.loss_ == "binary_cross_entropy" and not getattr(self, "_multilabel", False):
            return out / out.sum(axis=1, keepdims=True)  # one-vs-rest scores, normalised
        return out

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """Predicted labels.

        Binary: ``classes_[1]`` where its probability is strictly above 0.5.
        Multi-class: the most probable class. Multi-label: 1 for each label
        whose probability is strictly above 0.5.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        out = self._output(X)
        if getattr(self, "_multilabel", False):
            return (out > 0.5).astype(int)
        if out.shape[1] == 1:
            return self.classes_[(out[:, 0] > 0.5).astype(int)]
        return self.classes_[np.argmax(out, axis=1)]


class DNNRegressor(RegressorMixin, _BaseDNN):
    """Deep neural network regressor: [LINEAR -> ACT] x (L-1) -> LINEAR -> IDENTITY.

    Trained on the squared error ``J = (1/m) sum ||a - y||^2 / 2``. Takes the
    same parameters as :class:`DNNClassifier`.

    Attributes
    ----------
    n_outputs_ : int
        Number of targets (columns of y).
    parameters_, layer_sizes_, activations_, loss_curve_, n_iter_, history_
        As for :class:`DNNClassifier`.
    """

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # y of shape (n_samples, n_outputs) is native
        return tags

    def partial_fit(self, X: ArrayLike, y: ArrayLike,
                    sample_weight: ArrayLike | None = None) -> DNNRegressor:
        """One more epoch of training on (X, y), keeping the weights and optimiser state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self : DNNRegressor
        """
        self._fit(X, y, sample_weight, None, partial=True)
        return self

    def _encode_targets(self, y: Any, dtype: Any, classes: Any = None,
                        store: bool = True) -> tuple[Array, str]:
        Y = np.asarray(y, dtype=dtype)
        single = Y.ndim == 1
        Y = Y.reshape(len(Y), -1).T.copy()
        if store:
            self._single_output = single
            self.n_outputs_ = Y.shape[0]
        return Y, "squared_error"

    def predict(self, X: ArrayLike) -> Array:
        """Predicted targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        out = self._output(X)
        return out[:, 0] if getattr(self, "_single_output", out.shape[1] == 1) else out


def _distributed_client() -> Any:
    """The active ``dask.distributed`` client, or None (no cluster, or no distributed)."""
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:
        return None
