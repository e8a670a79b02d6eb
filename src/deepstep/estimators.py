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
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._validation import check_positive_float, check_positive_int
from .activations import get_activation
from .initializers import INITIALIZERS, initialize_parameters_deep
from .losses import LOSSES
from .optimizers import GradientDescent
from .propagation import forward, resolve_activations
from .training import Callback, CostPrinter, ProgressBar, Trainer

__all__ = ["DNNClassifier"]

Array = NDArray[np.floating]

#: Rows per block in predict_proba, so memory stays bounded on large inputs.
PREDICT_BATCH_ROWS = 8192


class DNNClassifier(ClassifierMixin, BaseEstimator):
    """Deep neural network binary classifier: [LINEAR -> ACT] x (L-1) -> LINEAR -> SIGMOID.

    Parameters
    ----------
    hidden_layer_sizes : sequence of int, default=(20, 7, 5)
        Units of each hidden layer (the course's deep model by default).
    activation : str, default="relu"
        Activation of the hidden layers.
    init : str, default="lecun"
        Weight initialiser: ``"lecun"`` (randn / sqrt(n_prev), the course's
        application) or ``"course"`` (randn * 0.01).
    learning_rate : float, default=0.0075
        Gradient descent step size.
    max_iter : int, default=2500
        Number of full-batch gradient descent iterations.
    random_state : None, int, RandomState or Generator, default=None
        Seed of the initialisation; an int makes ``fit`` reproducible and
        ``random_state=1`` reproduces the course's ``np.random.seed(1)``.
    verbose : bool or int, default=False
        ``True`` or 1 shows a progress bar; 2 prints the cost every 100 iterations.
    callbacks : sequence of Callback, optional
        Extra callbacks run during ``fit``.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two labels; ``classes_[1]`` is the positive class.
    n_features_in_ : int
        Number of features seen in ``fit``.
    parameters_ : dict
        ``"W{l}"`` of shape (n_l, n_{l-1}) and ``"b{l}"`` of shape (n_l, 1).
    layer_sizes_ : list of int
        ``[n_features_in_, *hidden_layer_sizes, 1]``.
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
        learning_rate: float = 0.0075,
        max_iter: int = 2500,
        random_state: Any = None,
        verbose: bool | int = False,
        callbacks: Sequence[Callback] | None = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks

    # ------------------------------------------------------------------ fit

    def fit(self, X: ArrayLike, y: ArrayLike) -> DNNClassifier:
        """Train the network on (X, y) by full-batch gradient descent.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; float32 stays float32, anything else becomes float64.
        y : array-like of shape (n_samples,)
            Two distinct labels of any type.

        Returns
        -------
        self : DNNClassifier
        """
        hidden, learning_rate, max_iter = self._check_params()
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        classes, y_idx = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                f"DNNClassifier.fit: y must contain 2 classes, got 1 class: {classes[0]!r}"
            )
        if len(classes) > 2:
            raise ValueError(
                f"DNNClassifier.fit: y must contain exactly 2 classes (binary), got "
                f"{len(classes)}: {classes[:10].tolist()}"
            )
        self.classes_ = classes
        dims = [X.shape[1], *hidden, 1]
        activations = [self.activation] * len(hidden) + [LOSSES["binary_cross_entropy"]
                                                          .output_activation]
        acts = resolve_activations(activations, len(dims) - 1, "DNNClassifier.fit")
        parameters = initialize_parameters_deep(dims, self.random_state, init=self.init,
                                                dtype=X.dtype)
        weights = [[parameters[f"W{l}"], parameters[f"b{l}"]] for l in range(1, len(dims))]
        trainer = Trainer(weights, acts, LOSSES["binary_cross_entropy"],
                          GradientDescent(learning_rate), self._callbacks(max_iter))
        Y = y_idx.reshape(1, -1).astype(X.dtype)
        history = trainer.fit(X.T, Y, max_iter)
        self.parameters_ = trainer.parameters
        self.layer_sizes_ = dims
        self.activations_ = activations
        self.loss_curve_ = list(history.history.get("loss", []))
        self.n_iter_ = trainer.epoch
        self.history_ = history
        return self

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
        get_activation(self.activation, func=func)
        if not callable(self.init) and self.init not in INITIALIZERS:
            raise ValueError(f"{func}: unknown init {self.init!r}; expected one of "
                             f"{', '.join(map(repr, INITIALIZERS))}")
        learning_rate = check_positive_float(self.learning_rate, "learning_rate", func=func)
        max_iter = check_positive_int(self.max_iter, "max_iter", func=func)
        return hidden, learning_rate, max_iter

    def _callbacks(self, max_iter: int) -> list[Callback]:
        callbacks: list[Callback] = list(self.callbacks or [])
        if self.verbose == 2:
            callbacks.append(CostPrinter(100))
        elif self.verbose:
            callbacks.append(ProgressBar(max_iter))
        return callbacks

    # -------------------------------------------------------------- predict

    def predict_proba(self, X: ArrayLike) -> Array:
        """Probability of each class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, 2)
            Columns follow ``classes_``; rows sum to 1.
        """
        p = self._positive_proba(X)
        return np.column_stack([1 - p, p])

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """Predicted labels: ``classes_[1]`` where its probability is strictly above 0.5.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        p = self._positive_proba(X)
        return self.classes_[(p > 0.5).astype(int)]

    def _positive_proba(self, X: ArrayLike) -> Array:
        check_is_fitted(self, "parameters_")
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        dtype = self.parameters_["W1"].dtype
        X = X.astype(dtype, copy=False)
        weights = self._weights()
        acts = resolve_activations(self.activations_, len(weights), "DNNClassifier.predict")
        out = np.empty(X.shape[0], dtype=dtype)
        # Blocks of rows bound the memory of the intermediate activations.
        for start in range(0, X.shape[0], PREDICT_BATCH_ROWS):
            stop = start + PREDICT_BATCH_ROWS
            AL, _ = forward(X[start:stop].T, weights, acts)
            out[start:stop] = AL[0]
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
