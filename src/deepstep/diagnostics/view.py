"""One view of a fitted network, whichever estimator trained it.

:func:`view` reads a fitted ``DNNClassifier``, ``DNNRegressor``,
``MLPClassifier`` or ``MLPRegressor`` into a :class:`ModelView`: its layer
sizes, the engine's activation names, its weights in the engine's
orientation (W of shape (n_l, n_{l-1}), b of shape (n_l, 1)), the kind of
problem, its classes, cost curves, and a :class:`~deepstep.network.Network`
of those weights (the one cost and gradient chain). The diagnostics and the
report read models only through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._backend import to_numpy
from ..activations import get_activation
from ..estimators import DNNClassifier
from ..estimators.mlp._network import hidden_and_output, loss_for
from ..losses import LOSSES, Loss
from ..network import Network

__all__ = ["ModelView", "view"]

Array = NDArray[np.floating]



class ModelView:
    """A fitted network as the diagnostics see it.

    Parameters
    ----------
    model : DNNClassifier, DNNRegressor, MLPClassifier or MLPRegressor
        Fitted.

    Attributes
    ----------
    model : estimator
    layer_sizes : list of int
        ``[n_x, n_1, ..., n_y]``.
    activations : list of str
        The engine's names, one per weight layer, the output's last.
    weights : list of (W, b)
        NumPy arrays, W of shape (n_l, n_{l-1}), b of shape (n_l, 1).
    kind : {"binary", "multiclass", "multilabel", "regression"}
    classes : ndarray or None
    loss : Loss
        The training loss (as the engine computes it, without L2).
    alpha : float
        The L2 strength.
    loss_curve : list of float
    validation_loss_curve : list of float
        Empty when no validation loss was recorded.
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        name = type(model).__name__
        if hasattr(model, "parameters_") and hasattr(model, "activations_"):
            params = model.parameters_
            L = len(model.layer_sizes_) - 1
            self.weights = [(to_numpy(params[f"W{l}"]), to_numpy(params[f"b{l}"]))
                            for l in range(1, L + 1)]
            self.activations = list(model.activations_)
            self.loss: Loss = LOSSES[model.loss_function_]
            self._dnn = True
        elif hasattr(model, "coefs_") and hasattr(model, "out_activation_"):
            self.weights = [(to_numpy(c).T, to_numpy(b).reshape(-1, 1))
                            for c, b in zip(model.coefs_, model.intercepts_, strict=True)]
            # The MLP face's own translation: one activation or one per hidden layer,
            # leaky_relu, and the regressor's robust losses with their parameters.
            self.activations = [a.name for a in hidden_and_output(
                model.activation, model.out_activation_, len(self.weights) + 1)]
            self.loss = loss_for(model.out_activation_, getattr(model, "loss", None),
                                 huber_delta=getattr(model, "huber_delta", 1.0),
                                 quantile=getattr(model, "quantile", 0.5))
            self._dnn = False
        else:
            raise TypeError(f"view: model must be a fitted DNNClassifier, DNNRegressor, "
                            f"MLPClassifier or MLPRegressor, got {name}")
        for act in self.activations:
            get_activation(act, func="view")
        self.layer_sizes = [int(self.weights[0][0].shape[1])] + [
            int(W.shape[0]) for W, _ in self.weights]
        self.alpha = float(getattr(model, "alpha", 0.0) or 0.0)
        self.classes = getattr(model, "classes_", None)
        self.kind = self._kind()
        self.loss_curve = [float(v) for v in (getattr(model, "loss_curve_", None) or [])]
        self.validation_loss_curve = [
            float(v) for v in (getattr(model, "validation_losses_", None) or [])]

    def _kind(self) -> str:
        out = self.activations[-1]
        if self.classes is None:
            return "regression"
        if out == "softmax":
            return "multiclass"
        if self.layer_sizes[-1] == 1:
            return "binary"
        if self._dnn and not getattr(self.model, "_multilabel", False):
            return "multiclass"  # one sigmoid per class (one-vs-rest)
        if not self._dnn and getattr(getattr(self.model, "_label_binarizer", None),
                                     "y_type_", "") != "multilabel-indicator":
            return "multiclass"
        return "multilabel"

    @property
    def dtype(self) -> Any:
        """The weights' dtype."""
        return self.weights[0][0].dtype

    @property
    def n_parameters(self) -> int:
        """The number of weights and biases."""
        return int(sum(W.size + b.size for W, b in self.weights))

    def network(self, weights: list[tuple[Array, Array]] | None = None) -> Network:
        """A :class:`~deepstep.network.Network` of these weights (or of ``weights``), a copy.

        Parameters
        ----------
        weights : list of (W, b), optional
            Other weights of the same shapes (the initial ones, say).

        Returns
        -------
        Network
            With the model's activations, loss and L2 strength.
        """
        return Network(self.weights if weights is None else weights, self.activations,
                       self.loss, alpha=self.alpha)

    def predict(self, X: Any) -> Any:
        """The model's own ``predict``."""
        return self.model.predict(X)

    def predict_proba(self, X: Any) -> Any:
        """The model's ``predict_proba``, or None for a regressor."""
        if self.classes is None or not hasattr(self.model, "predict_proba"):
            return None
        return self.model.predict_proba(X)

    def inputs(self, X: Any) -> Array:
        """X of shape (m, n_x) as the engine's (n_x, m) (a transposed view), in the weights' dtype.

        Raises
        ------
        ValueError
            When X is not 2-D with ``layer_sizes[0]`` columns.
        """
        X = np.asarray(X)
        if X.ndim > 2:  # images: one row per example
            X = X.reshape(X.shape[0], -1)
        if X.ndim != 2 or X.shape[1] != self.layer_sizes[0]:
            raise ValueError(f"X must have shape (n_samples, {self.layer_sizes[0]}), got "
                             f"{X.shape}")
        # the examples as contiguous rows, X.T a view: W @ X is then BLAS's fast case
        return np.ascontiguousarray(X, dtype=self.dtype).T

    def targets(self, y: Any) -> Array:
        """y as the engine's targets Y of shape (n_y, m), as the training encoded it.

        Raises
        ------
        ValueError
            When y holds labels the model was not trained on, or has the wrong shape.
        """
        y = np.asarray(y)
        n_y = self.layer_sizes[-1]
        if self.kind in ("binary", "multiclass"):
            unseen = np.setdiff1d(np.unique(y), self.classes)
            if len(unseen):  # scikit-learn's LabelBinarizer would encode them as all zeros
                raise ValueError(f"y holds labels {unseen.tolist()[:5]} the model was not "
                                 f"trained on (its classes: {self.classes.tolist()})")
        if self._dnn:
            Y, _ = self.model._encode_targets(y, self.dtype, classes=self.classes, store=False)
            Y = np.asarray(Y, dtype=self.dtype)
        elif self.classes is not None:
            Y = np.asarray(self.model._label_binarizer.transform(y), dtype=self.dtype).T
        else:
            Y = np.asarray(y, dtype=self.dtype).reshape(len(y), -1).T
        if Y.shape[0] != n_y:
            raise ValueError(f"y must encode {n_y} outputs for this model, got {Y.shape[0]}")
        return np.ascontiguousarray(Y)


def view(model: Any) -> ModelView:
    """A :class:`ModelView` of a fitted estimator.

    Parameters
    ----------
    model : DNNClassifier, DNNRegressor, MLPClassifier, MLPRegressor or dict
        Fitted; or the course's ``parameters`` dict (``W1``, ``b1``, ...),
        read through :meth:`DNNClassifier.from_parameters` with the course's
        activations (relu hidden layers, a sigmoid output) and classes 0, 1.

    Returns
    -------
    ModelView

    Raises
    ------
    TypeError
        For anything else, or an estimator not fitted yet.
    """
    if isinstance(model, ModelView):
        return model
    if isinstance(model, Mapping):
        model = DNNClassifier.from_parameters(model)
    return ModelView(model)
