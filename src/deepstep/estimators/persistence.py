"""Estimators to model files and back: what a saved model holds, and how it is rebuilt.

:mod:`deepstep.io` writes and verifies the files (a config dict and named
arrays) without knowing what an estimator is; this module knows both sides:
:func:`model_config` turns a fitted estimator into the config and arrays that
``io.save_arrays`` writes, and :func:`load` rebuilds a fitted estimator from
what ``io.load_arrays`` read and verified, checking everything the file says
about the estimator (its class, classes, loss, activations, parameters).

Only the classes marked with :func:`loadable` can be built from a file: a
file names its estimator by a string, and loading must never instantiate
anything else.

Two families share the format. A DNNClassifier's or DNNRegressor's file
holds its ``parameters_`` as they are. An MLPClassifier's or MLPRegressor's
(:class:`MLPFile`) holds the same arrays in the same orientation, the
engine's: ``W{l}`` = ``coefs_[l - 1].T`` of shape (n_l, n_{l-1}) and ``b{l}``
= ``intercepts_[l - 1]`` as a column (n_l, 1), so that :mod:`deepstep.io`
checks every array against the config's ``layer_sizes`` whichever family
wrote it. Its config adds scikit-learn's fitted state (``mlp_state``: the
label binarizer's target type, ``t_``, ``loss_``, ``loss_curve_``,
``best_loss_``, the validation scores, ...), with a non-finite float written
as ``{"float": "inf"}`` (JSON has no infinity), and its ``activations`` are
the engine's names of ``activation`` and ``out_activation_``.
"""

from __future__ import annotations

import json
import numbers
import os
from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray
from sklearn.utils.validation import check_is_fitted

from ..activations import ACTIVATIONS
from ..io import ModelFileError, check_output_path, load_arrays, save_arrays
from ..losses import LOSSES

#: deepstep's output activation -> scikit-learn's name (``out_activation_``).
OUT_ACTIVATIONS = {"sigmoid": "logistic", "softmax": "softmax", "identity": "identity"}

__all__ = ["MLPFile", "ModelFile", "check_class_names", "check_input_shape", "load", "loadable",
           "model_config", "model_dtype", "save_model"]

T = TypeVar("T", bound=type)

#: Class name (as written in a file's config) -> estimator class.
_LOADABLE: dict[str, type] = {}


def loadable(cls: T) -> T:
    """Class decorator: allow :func:`load` to build ``cls`` from a file naming it."""
    _LOADABLE[cls.__name__] = cls
    return cls


# ------------------------------------------------------------------ save


class ModelFile:
    """``save``, the same for every estimator: a model file :func:`load` rebuilds.

    A DNN class's file holds its ``parameters_`` and configuration; an MLP
    class's the scikit-learn state as well (:func:`_mlp_config`,
    :func:`_rebuild_mlp`).
    """

    def save(self, path: str | os.PathLike[str], *,
             input_shape: Sequence[int] | None = None,
             class_names: Sequence[str] | None = None) -> None:
        """Save the fitted model to ``path``, atomically (see :func:`save_model`).

        Parameters
        ----------
        path : str or path-like
            Checked first: an OSError names it when its folder is missing.
        input_shape, class_names : sequence, optional
            One example's shape (``data.train_x.shape[1:]``) and one name per
            ``classes_`` (``data.classes``): ``metadata_`` for ``deepstep predict``.
        """
        save_model(self, path, input_shape=input_shape, class_names=class_names)


class MLPFile(ModelFile):
    """:class:`ModelFile` of the MLP classes: their files hold scikit-learn's state too."""


def model_dtype(model: Any) -> np.dtype:
    """The float type of a fitted estimator's weights, whichever family it is.

    Parameters
    ----------
    model : DNNClassifier, DNNRegressor, MLPClassifier or MLPRegressor
        Fitted.

    Returns
    -------
    numpy dtype
        float32 or float64: the dtype of the rows ``predict`` computes in.
    """
    if isinstance(model, MLPFile):
        return np.dtype(model.coefs_[0].dtype)
    return np.dtype(model.parameters_["W1"].dtype)


def model_config(model: Any) -> tuple[dict[str, Any], dict[str, NDArray[np.floating]]]:
    """The config and arrays that describe a fitted estimator in a model file.

    Parameters
    ----------
    model : DNNClassifier, DNNRegressor, MLPClassifier or MLPRegressor
        Fitted; its optional ``metadata_`` dict (input shape, class names) is
        included. An MLP's config is :func:`_mlp_config`'s.

    Returns
    -------
    config : dict
        JSON-serialisable: the estimator's class, layer sizes, activations,
        dtype, classes, the JSON-serialisable ``get_params()`` (callbacks
        never), iterations, loss, loss curve, metadata.
    arrays : dict of str to ndarray
        ``W1`` of shape (n_1, n_x), ``b1`` of shape (n_1, 1), ..., ``bL``.
    """
    if isinstance(model, MLPFile):
        return _mlp_config(model)
    check_is_fitted(model, "parameters_")
    dtype = model.parameters_["W1"].dtype
    classes = getattr(model, "classes_", None)
    config = {
        "estimator": type(model).__name__,
        "layer_sizes": [int(n) for n in model.layer_sizes_],
        "activations": list(model.activations_),
        "dtype": str(dtype),
        "classes": None if classes is None else [c.item() if hasattr(c, "item") else c
                                                 for c in classes],
        "params": {k: v for k, v in model.get_params().items()
                   if k != "callbacks" and _jsonable(v)},
        "n_iter": int(model.n_iter_),
        # The loss by name; an object unpickled from before loss_function_
        # existed has it in loss_. The key stays "loss": the format is unchanged.
        "loss": getattr(model, "loss_function_", None) or getattr(model, "loss_", None),
        "multilabel": bool(getattr(model, "_multilabel", False)),
        "single_output": bool(getattr(model, "_single_output", True)),
        "loss_curve": [float(c) for c in model.loss_curve_],
        "metadata": dict(getattr(model, "metadata_", {}) or {}),
    }
    return config, dict(model.parameters_)


def save_model(model: Any, path: str | os.PathLike[str], *,
               input_shape: Sequence[int] | None = None,
               class_names: Sequence[str] | None = None) -> None:
    """Save a fitted estimator to ``path``, atomically: what ``model.save(path, ...)`` does.

    Parameters
    ----------
    model : DNNClassifier, DNNRegressor, MLPClassifier or MLPRegressor
        Fitted.
    path : str or path-like
        Checked before anything else (:func:`deepstep.io.check_output_path`):
        its folder must exist and be writable and it must not be a folder.
        An existing file is replaced only once the new one is completely
        written, and keeps its permissions; a new one gets ``0o666`` less the
        umask, as any other output.
    input_shape : sequence of int, optional
        The shape of one example before it was flattened into a row of ``X``,
        e.g. ``data.train_x.shape[1:]``, (64, 64, 3) for the course's images;
        its product must be ``n_features_in_``. With an image shape (height,
        width, channels) ``deepstep predict`` and ``deepstep evaluate``
        accept the model.
    class_names : sequence of str, optional
        A name for each of ``model.classes_``, in that order (classifiers
        only), e.g. ``data.classes``, ``["non-cat", "cat"]``; bytes are
        decoded as UTF-8. The command line prints them instead of the labels.

    Both are stored in the file's metadata: the loaded model's
    ``metadata_["input_shape"]`` and ``metadata_["class_names"]`` (lists).

    Raises
    ------
    OSError
        If ``path`` cannot be written (FileNotFoundError when its folder does
        not exist, IsADirectoryError when it is a folder, ...); the message
        names ``path``, never the temporary file.
    ValueError
        If ``input_shape`` or ``class_names`` do not fit the model.

    Examples
    --------
    >>> clf.save("cat.npz", input_shape=data.train_x.shape[1:],
    ...          class_names=data.classes)  # doctest: +SKIP
    """
    name = os.fspath(path)
    func = f"{type(model).__name__}.save"
    check_output_path(name, f"{func}: {name}")
    config, arrays = model_config(model)
    metadata = config["metadata"]
    if input_shape is not None:
        metadata["input_shape"] = check_input_shape(input_shape, model, func)
    if class_names is not None:
        metadata["class_names"] = check_class_names(class_names, model, func)
    names = getattr(model, "feature_names_in_", None)
    if names is not None:  # a DataFrame's columns: checked again by predict after load
        config["feature_names"] = [str(n) for n in names]
    save_arrays(name, config, arrays)


def check_input_shape(input_shape: Any, model: Any, func: str) -> list[int]:
    """``input_shape`` as a list of positive ints whose product is ``model.n_features_in_``."""
    n = int(model.n_features_in_)
    expected = (f"{func}: input_shape must be a tuple of positive integers whose product is "
                f"the model's {n} features per example, such as {(n,)}")
    shape = _as_list(input_shape)
    if shape is None:
        raise ValueError(f"{expected}; got {input_shape!r}")
    if not shape or not all(isinstance(d, numbers.Integral) and not isinstance(d, bool)
                            and int(d) > 0 for d in shape):
        raise ValueError(f"{expected}; got {tuple(shape)!r}")
    shape = [int(d) for d in shape]
    if int(np.prod(shape, dtype=np.int64)) != n:
        raise ValueError(f"{expected}; got {tuple(shape)}, whose product is "
                         f"{int(np.prod(shape, dtype=np.int64))}")
    return shape


def check_class_names(class_names: Any, model: Any, func: str) -> list[str]:
    """``class_names`` as a list of one string per class (bytes are decoded as UTF-8)."""
    classes = getattr(model, "classes_", None)
    if classes is None:
        raise ValueError(f"{func}: class_names is for classifiers; a {type(model).__name__} "
                         "has no classes")
    k = len(classes)
    expected = (f"{func}: class_names must be {k} strings, one for each of classes_ "
                f"{[c.item() if hasattr(c, 'item') else c for c in classes]}")
    names = _as_list(class_names)
    if names is None:
        raise ValueError(f"{expected}; got {class_names!r}")
    try:
        names = [n.decode("utf-8") if isinstance(n, bytes) else n for n in names]
    except UnicodeDecodeError as exc:
        raise ValueError(f"{expected}; got a name that is not UTF-8 ({exc})") from None
    if len(names) != k or not all(isinstance(n, str) for n in names):
        raise ValueError(f"{expected}; got {len(names)}: {str(names)[:120]}")
    return [str(n) for n in names]


def _as_list(values: Any) -> list[Any] | None:
    """``list(values)`` for a sequence or array of values; None for a string or a scalar."""
    if isinstance(values, (str, bytes)):
        return None
    try:
        return list(values)
    except TypeError:
        return None


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


# ------------------------------------------------------------------ load


def load(path: str | os.PathLike[str]) -> Any:
    """Load a model saved with ``model.save(path)``.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    estimator
        A fitted estimator of the saved class, predicting exactly as the
        saved one did.

    Raises
    ------
    ModelFileError
        If the file is not a valid deepstep model file (see
        :func:`deepstep.io.load_arrays`) or does not describe a consistent
        estimator.
    """
    config, arrays = load_arrays(path)
    name = os.fspath(path)
    cls = _LOADABLE.get(config["estimator"])
    if cls is None:
        raise ModelFileError(f"{name}: unknown estimator {config['estimator']!r}")
    unknown = [a for a in config["activations"] if a not in ACTIVATIONS]
    if unknown:
        raise ModelFileError(f"{name}: unknown activation(s) {unknown}")
    try:
        rebuild = _rebuild_mlp if issubclass(cls, MLPFile) else _rebuild
        return _set_feature_names(rebuild(cls, config, arrays, name), config, name)
    except ModelFileError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        raise ModelFileError(f"{name}: inconsistent model configuration "
                             f"({type(exc).__name__}: {exc})") from None


def _set_feature_names(model: Any, config: dict[str, Any], name: str) -> Any:
    """``feature_names_in_`` from the file (a model fitted on a DataFrame), checked."""
    names = config.get("feature_names")
    if names is None:
        return model
    if (not isinstance(names, list) or not all(isinstance(n, str) for n in names)
            or len(names) != model.n_features_in_):
        raise ModelFileError(f"{name}: 'feature_names' must be a list of "
                             f"{model.n_features_in_} strings, got {str(names)[:80]}")
    model.feature_names_in_ = np.asarray(names, dtype=object)
    return model


def _check_outputs(cls: type, config: dict[str, Any], name: str) -> Any:
    """The file's classes, after checking they and its loss fit the class and output layer."""
    sizes = config["layer_sizes"]
    classes = config.get("classes", "missing")
    if classes == "missing":
        raise ModelFileError(f"{name}: the configuration has no 'classes' entry")
    classifier = cls.__name__ == "DNNClassifier"
    if classifier:
        n_out = sizes[-1]
        if not isinstance(classes, list) or not (
                (n_out == 1 and len(classes) == 2) or (n_out >= 2 and len(classes) == n_out)):
            raise ModelFileError(f"{name}: a classifier with {n_out} output(s) needs "
                                 f"{2 if n_out == 1 else n_out} classes, got {str(classes)[:80]}")
    elif classes is not None:
        raise ModelFileError(f"{name}: a {cls.__name__} has no classes, got {str(classes)[:80]}")
    loss = config.get("loss")
    allowed = (("binary_cross_entropy", "categorical_cross_entropy")
               if classifier else ("squared_error",))
    if loss not in allowed:
        raise ModelFileError(f"{name}: a {cls.__name__} is trained with "
                             f"{' or '.join(allowed)}, got loss {str(loss)[:40]!r}")
    if config["activations"][-1] != LOSSES[loss].output_activation:
        raise ModelFileError(f"{name}: the output activation of a {loss} model is "
                             f"{LOSSES[loss].output_activation!r}, got "
                             f"{config['activations'][-1]!r}")
    return classes


def _rebuild(cls: type, config: dict[str, Any], arrays: dict[str, Any], name: str) -> Any:
    """The estimator a model file describes; any malformed field raises (load wraps it)."""
    classes = _check_outputs(cls, config, name)
    params = config.get("params") or {}
    if not isinstance(params, dict):
        raise ModelFileError(f"{name}: 'params' must be an object, got {type(params).__name__}")
    model = cls()
    valid = set(model.get_params())
    # A model file holds host (NumPy) arrays and loads onto the CPU, wherever it
    # was trained; set_params(device="gpu") moves prediction to a GPU again.
    # JSON has no tuples: a list was a tuple (hidden_layer_sizes) when saved.
    model.set_params(**{k: tuple(v) if isinstance(v, list) else v
                        for k, v in params.items() if k in valid and k != "device"})
    if classes is not None:
        model.classes_ = np.array(classes)
    model.parameters_ = arrays
    model.layer_sizes_ = list(config["layer_sizes"])
    model.activations_ = list(config["activations"])
    model.n_features_in_ = model.layer_sizes_[0]
    n_iter = config.get("n_iter", 0)
    if not isinstance(n_iter, int) or isinstance(n_iter, bool) or n_iter < 0:
        raise ModelFileError(f"{name}: 'n_iter' must be a non-negative integer, got {n_iter!r}")
    model.n_iter_ = n_iter
    curve = config.get("loss_curve", [])
    if not isinstance(curve, list) or not all(isinstance(c, (int, float)) for c in curve):
        raise ModelFileError(f"{name}: 'loss_curve' must be a list of numbers")
    model.loss_curve_ = [float(c) for c in curve]
    metadata = config.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise ModelFileError(f"{name}: 'metadata' must be an object")
    model.metadata_ = dict(metadata)
    model.loss_function_ = config.get("loss")
    model.loss_ = model.loss_curve_[-1] if model.loss_curve_ else None
    model.out_activation_ = OUT_ACTIVATIONS[model.activations_[-1]]
    model.best_loss_ = min(model.loss_curve_) if model.loss_curve_ else None
    model._multilabel = bool(config.get("multilabel", False))
    model._single_output = bool(config.get("single_output", True))
    model.n_outputs_ = model.layer_sizes_[-1]
    return model


# ------------------------------------------------------------------ MLP

#: scikit-learn's fitted attributes an MLP file keeps besides its weights,
#: each where the fit set it (lbfgs sets none of the stochastic solvers'):
#: counts, numbers (or None), and lists of numbers (or None).
_MLP_COUNTS = ("n_iter_", "t_", "_no_improvement_count")
_MLP_NUMBERS = ("loss_", "best_loss_", "best_validation_score_")
_MLP_CURVES = ("loss_curve_", "validation_scores_", "validation_loss_curve_")
_MLP_REQUIRED = ("n_iter_", "t_")
#: The label binarizer's target types, scikit-learn's names.
_Y_TYPES = ("binary", "multiclass", "multilabel-indicator")


def _mlp_config(model: Any) -> tuple[dict[str, Any], dict[str, NDArray[np.floating]]]:
    """An MLP's config and arrays: its weights in the engine's orientation, its fitted state.

    Parameters
    ----------
    model : MLPClassifier or MLPRegressor
        Fitted.

    Returns
    -------
    config : dict
        ``layer_sizes`` [n_features_in_, *hidden, n_outputs_], the engine's
        ``activations``, ``dtype``, ``classes``, the JSON-able ``params``,
        ``mlp_state`` (scikit-learn's fitted attributes, the label
        binarizer's ``y_type`` and ``sparse_input``), ``metadata``.
    arrays : dict of str to ndarray
        ``W{l}`` = ``coefs_[l - 1].T`` of shape (n_l, n_{l-1}), ``b{l}`` of
        shape (n_l, 1).
    """
    from .mlp._network import hidden_and_output

    check_is_fitted(model, "coefs_")
    sizes = [int(model.coefs_[0].shape[0])] + [int(c.shape[1]) for c in model.coefs_]
    arrays = {}
    for l, (c, b) in enumerate(zip(model.coefs_, model.intercepts_, strict=True), 1):
        arrays[f"W{l}"] = np.ascontiguousarray(c.T)
        arrays[f"b{l}"] = np.asarray(b).reshape(-1, 1)
    state: dict[str, Any] = {}
    for key in (*_MLP_COUNTS, *_MLP_NUMBERS, *_MLP_CURVES):
        if hasattr(model, key):
            value = getattr(model, key)
            if value is None or key in _MLP_COUNTS:
                state[key] = value if value is None else int(value)
            elif key in _MLP_NUMBERS:
                state[key] = _encode_float(value)
            else:
                state[key] = [_encode_float(v) for v in value]
    classes = getattr(model, "classes_", None)
    if classes is not None:
        binarizer = model._label_binarizer
        state["y_type"] = str(binarizer.y_type_)
        state["sparse_input"] = bool(binarizer.sparse_input_)
    config = {
        "estimator": type(model).__name__,
        "layer_sizes": sizes,
        "activations": [a.name for a in hidden_and_output(model.activation,
                                                          model.out_activation_, len(sizes))],
        "dtype": str(model.coefs_[0].dtype),
        "classes": None if classes is None else [c.item() if hasattr(c, "item") else c
                                                 for c in classes],
        "params": _mlp_params(model),
        "mlp_state": state,
        "metadata": dict(getattr(model, "metadata_", {}) or {}),
    }
    return config, arrays


def _mlp_params(model: Any) -> dict[str, Any]:
    """``get_params()`` as JSON: NumPy values as Python's, infinities tagged, the rest dropped.

    A RandomState instance (or anything else JSON cannot hold) is dropped, as
    the DNN's files drop it: the loaded model has that parameter's default.
    """
    params = {}
    for key, value in model.get_params().items():
        if isinstance(value, (np.generic, np.ndarray)):
            value = value.tolist()
        if isinstance(value, dict):  # class_weight: labels may be numbers, JSON keys are not
            value = {"dict": [[k.item() if hasattr(k, "item") else k, float(v)]
                              for k, v in value.items()]}
        elif isinstance(value, float) and not np.isfinite(value):
            value = _encode_float(value)
        if _jsonable(value):
            params[key] = value
    return params


def _encode_float(value: Any) -> Any:
    """A float as JSON: itself when finite, else ``{"float": "nan" | "inf" | "-inf"}``."""
    value = float(value)
    if np.isfinite(value):
        return value
    return {"float": "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")}


def _decode_float(value: Any, what: str, name: str) -> float:
    """The float :func:`_encode_float` wrote, or ModelFileError naming ``what``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, dict) and list(value) == ["float"] and \
            value["float"] in ("nan", "inf", "-inf"):
        return float(value["float"])
    raise ModelFileError(f"{name}: {what} must be a number, got {str(value)[:40]}")


def _rebuild_mlp(cls: type, config: dict[str, Any], arrays: dict[str, Any], name: str) -> Any:
    """The MLPClassifier or MLPRegressor a model file describes, every field checked."""
    from sklearn.base import is_classifier

    from .mlp._network import hidden_and_output, to_sklearn

    sizes = config["layer_sizes"]
    params, state = config.get("params", {}), config.get("mlp_state")
    if not isinstance(params, dict) or not isinstance(state, dict):
        raise ModelFileError(f"{name}: an {cls.__name__} file needs 'params' and 'mlp_state' "
                             "objects")
    model = cls()
    valid = set(model.get_params())
    model.set_params(**{k: _param_from_json(v, k, name) for k, v in params.items()
                        if k in valid})
    model._validate_params()  # a hand-edited value is refused now, not at predict
    hidden = model._hidden_sizes()
    if hidden != sizes[1:-1]:
        raise ModelFileError(f"{name}: hidden_layer_sizes {hidden} do not match the layer "
                             f"sizes {sizes}")
    classes = config.get("classes")
    if is_classifier(model):
        model._label_binarizer = _label_binarizer(classes, state, sizes[-1], name)
        model.classes_ = model._label_binarizer.classes_
    elif classes is not None:
        raise ModelFileError(f"{name}: a {cls.__name__} has no classes, got {str(classes)[:80]}")
    out = model._output_activation()
    expected = [a.name for a in hidden_and_output(model.activation, out, len(sizes))]
    if config["activations"] != expected:
        raise ModelFileError(f"{name}: activations {config['activations']} do not match "
                             f"activation={model.activation!r} and the output {out!r}: "
                             f"expected {expected}")
    model.out_activation_ = out
    model.n_layers_, model.n_outputs_, model.n_features_in_ = len(sizes), sizes[-1], sizes[0]
    model.coefs_, model.intercepts_ = to_sklearn(
        [[arrays[f"W{l}"], arrays[f"b{l}"]] for l in range(1, len(sizes))])
    _set_mlp_state(model, state, name)
    # Under early stopping the fit ends on its best weights, which are coefs_:
    # a warm start from the loaded model takes them as the best so far, as it
    # would from the saved one.
    model._best_weights = None
    metadata = config.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise ModelFileError(f"{name}: 'metadata' must be an object")
    model.metadata_ = dict(metadata)
    return model


def _param_from_json(value: Any, key: str, name: str) -> Any:
    """A hyperparameter as :func:`_mlp_params` wrote it (a list was a tuple)."""
    if isinstance(value, dict) and list(value) == ["dict"]:
        pairs = value["dict"]
        if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2
                                                  for p in pairs):
            raise ModelFileError(f"{name}: params[{key!r}] must hold [label, value] pairs, "
                                 f"got {str(pairs)[:40]}")
        return {label: weight for label, weight in pairs}
    if isinstance(value, dict):
        return _decode_float(value, f"params[{key!r}]", name)
    return tuple(value) if isinstance(value, list) else value


def _label_binarizer(classes: Any, state: dict[str, Any], n_out: int, name: str) -> Any:
    """The classifier's fitted LabelBinarizer, after checking its classes fit the outputs."""
    from sklearn.preprocessing import LabelBinarizer

    y_type = state.get("y_type")
    if y_type not in _Y_TYPES:
        raise ModelFileError(f"{name}: 'y_type' must be one of {list(_Y_TYPES)}, got "
                             f"{str(y_type)[:40]!r}")
    if not isinstance(classes, list):
        raise ModelFileError(f"{name}: a classifier needs a list of classes, got "
                             f"{str(classes)[:80]}")
    k = len(classes)
    fits = {"binary": n_out == 1 and k in (1, 2),
            "multiclass": n_out == k >= 3,
            "multilabel-indicator": n_out == k and all(
                type(c) is int for c in classes) and classes == list(range(k))}[y_type]
    strings = {isinstance(c, str) for c in classes}
    values = np.array(classes)
    if not fits or len(strings) > 1 or not np.array_equal(np.unique(values), values):
        raise ModelFileError(f"{name}: a {y_type} classifier with {n_out} output(s) cannot "
                             f"have the classes {str(classes)[:80]}")
    sparse = state.get("sparse_input", False)
    if not isinstance(sparse, bool):
        raise ModelFileError(f"{name}: 'sparse_input' must be true or false, got {sparse!r}")
    binarizer = LabelBinarizer()
    binarizer.classes_, binarizer.y_type_, binarizer.sparse_input_ = values, y_type, sparse
    return binarizer


def _set_mlp_state(model: Any, state: dict[str, Any], name: str) -> None:
    """Set scikit-learn's fitted attributes the file holds (only those), each checked."""
    missing = [k for k in _MLP_REQUIRED if k not in state]
    if missing:
        raise ModelFileError(f"{name}: 'mlp_state' lacks {missing}")
    for key in _MLP_COUNTS:
        if key in state:
            value = state[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ModelFileError(f"{name}: {key} must be a non-negative integer, got "
                                     f"{str(value)[:40]}")
            setattr(model, key, value)
    for key in _MLP_NUMBERS:
        if key in state:
            value = state[key]
            setattr(model, key, None if value is None else _decode_float(value, key, name))
    for key in _MLP_CURVES:
        if key in state:
            value = state[key]
            if value is not None and not isinstance(value, list):
                raise ModelFileError(f"{name}: {key} must be a list of numbers or null")
            setattr(model, key, None if value is None else
                    [_decode_float(v, key, name) for v in value])
