"""A fitted :class:`DNNClassifier` from a course ``parameters`` dict.

The course's ``L_layer_model`` returns ``{"W1": ..., "b1": ..., "WL": ...,
"bL": ...}`` (examples in columns, ``W{l}`` of shape (n_l, n_{l-1})), the
orientation the estimators keep in ``parameters_``; what the dict does not say
is what a model file needs besides: the activations (the course's relu hidden
layers and sigmoid output by default), the loss that goes with the output, and
the classes. :func:`classifier_from_parameters` supplies them, checked, and
sets the fitted attributes ``load`` sets, so that ``save``, ``predict``,
``evaluate`` and ``export`` take the result as they take a trained one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..propagation import check_parameters, default_activations, resolve_activations
from ._params import LOSS, PARAMETERS, check_param
from .persistence import OUT_ACTIVATIONS

__all__ = ["classifier_from_parameters"]


def classifier_from_parameters(cls: type, parameters: Mapping[str, Any],
                               activations: Sequence[str] | None,
                               classes: Any) -> Any:
    """The body of :meth:`DNNClassifier.from_parameters` (see there)."""
    func = f"{cls.__name__}.from_parameters"
    if not isinstance(parameters, Mapping):
        raise TypeError(f"{func}: parameters must be the course's dict of W1, b1, ..., WL, bL, "
                        f"got {type(parameters).__name__}")
    weights = check_parameters(parameters, None, func)
    L = len(weights)
    dtype = np.result_type(*(a for pair in weights for a in pair))
    if dtype not in (np.float32, np.float64):
        dtype = np.dtype(np.float64)
    if activations is not None and not isinstance(activations, str) \
            and isinstance(activations, Sequence):
        activations = list(activations)
    resolve_activations(activations, L, func)  # one known name per layer, or raises
    names = default_activations(L) if activations is None else list(activations)
    n_out = weights[-1][0].shape[0]
    loss = _output_loss(names[-1], n_out, func)
    classes = _check_classes(classes, n_out, func)
    hidden = tuple(int(W.shape[0]) for W, _ in weights[:-1])
    activation = names[0] if len(set(names[:-1])) <= 1 and L > 1 else names[:-1]
    if L == 1:
        activation = "relu"  # no hidden layer: the parameter is unused
    model = cls.from_course(hidden_layer_sizes=hidden, activation=activation,
                            loss="auto" if n_out == 1 or loss != "binary_cross_entropy"
                            else "binary_cross_entropy")
    checked = {"hidden_layer_sizes": list(hidden)}
    PARAMETERS["activation"].check(model.activation, "activation", func, checked)
    check_param(model, "loss", LOSS)
    # Copies: the estimator owns its arrays (the caller's dict may keep training).
    model.parameters_ = {}
    for l, (W, b) in enumerate(weights, start=1):
        model.parameters_[f"W{l}"] = np.array(W, dtype=dtype, order="C")
        model.parameters_[f"b{l}"] = np.array(b, dtype=dtype, order="C")
    model.classes_ = classes
    model.layer_sizes_ = [int(weights[0][0].shape[1]), *hidden, int(n_out)]
    model.activations_ = names
    model.n_features_in_ = model.layer_sizes_[0]
    model.n_outputs_ = int(n_out)
    model.loss_function_ = loss
    model.out_activation_ = OUT_ACTIVATIONS[names[-1]]
    model.n_iter_ = 0
    model.loss_curve_, model.validation_scores_, model.validation_losses_ = [], [], []
    model.loss_ = model.best_loss_ = None
    model.metadata_ = {}
    model._multilabel, model._single_output = False, True
    return model


def _output_loss(name: str, n_out: int, func: str) -> str:
    if name == "sigmoid":
        return "binary_cross_entropy"  # one output: two classes; several: one-vs-rest
    if name == "softmax":
        if n_out < 2:
            raise ValueError(f"{func}: a softmax output needs at least 2 units, got 1 (the "
                             "last W has 1 row): use 'sigmoid' for two classes")
        return "categorical_cross_entropy"
    raise ValueError(f"{func}: the output activation of a classifier must be 'sigmoid' or "
                     f"'softmax', got {name!r} (activations[-1])")


def _check_classes(classes: Any, n_out: int, func: str) -> np.ndarray:
    n_classes = 2 if n_out == 1 else n_out
    if classes is None:
        return np.arange(n_classes)
    if isinstance(classes, (str, bytes)) or not isinstance(classes, (Sequence, np.ndarray)):
        raise TypeError(f"{func}: classes must be a list of the {n_classes} class labels, "
                        f"got {type(classes).__name__}")
    # The course's data set names its classes as bytes (b'non-cat', b'cat'):
    # as text, so that a model file (JSON) can hold them.
    labels = [c.decode() if isinstance(c, (bytes, np.bytes_)) else c for c in list(classes)]
    arr = np.asarray(labels)
    if arr.ndim != 1 or len(arr) != n_classes:
        raise ValueError(f"{func}: an output layer of {n_out} unit(s) needs {n_classes} classes, "
                         f"got {len(labels)}: {labels[:5]}")
    if len(np.unique(arr)) != len(arr):
        raise ValueError(f"{func}: classes must be distinct, got {labels}")
    return arr
