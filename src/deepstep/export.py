"""ONNX export: a fitted estimator as an ONNX model, to deploy without Python or deepstep.

:func:`export_onnx` writes the network's forward pass as an ONNX graph that
any ONNX runtime can run (onnxruntime, ONNX.js, TensorRT, ...). The graph
takes the rows the estimator's ``predict`` takes and gives what
``predict`` and ``predict_proba`` give, following the conventions of
scikit-learn's converters (skl2onnx, without a ZipMap):

======================  ==========================================================
classifier              ``"label"`` (N,) the class values (int64 for integer
                        classes, string for string ones) and ``"probabilities"``
                        (N, n_classes) in the model's float type
multi-label classifier  ``"label"`` (N, n_labels) int64 0/1 and ``"probabilities"``
                        (N, n_labels)
regressor               ``"variable"`` (N, n_outputs)
======================  ==========================================================

Each layer is ``MatMul`` by ``W`` stored as (n_in, n_out), ``Add`` of the
bias (n_out,) and its activation. The input ``"X"`` and every initializer
have the model's dtype (float32 or float64): a float64 model runs in float64
end to end. onnx is an optional dependency (``pip install 'deepstep[onnx]'``),
imported only when :func:`export_onnx` is called. A scikit-learn
``Pipeline`` ending in one of the estimators is converted by skl2onnx, which
converts the estimators themselves with this module's graph once deepstep
has registered them (:mod:`deepstep.export_skl2onnx`).

In detail:

The graph's input is ``"X"`` of shape (N, n_features) in the model's
dtype, N any number of rows: the rows ``predict`` takes, after whatever
preprocessing the model was trained on (an image model takes flattened
pixels scaled as in training). Its outputs:

* classifier: ``"label"`` of shape (N,), the predicted values of
  ``classes_`` themselves (an int64 tensor for integer, boolean or
  integral float classes; a string tensor for string classes), equal to
  ``predict``; ``"probabilities"`` of shape (N, n_classes), equal to
  ``predict_proba`` (for one sigmoid output unit the columns
  ``[1 - p, p]``). A label is the most probable class, or for one
  sigmoid unit ``classes_[1]`` where ``p > 0.5`` strictly, as ``predict``.
* multi-label classifier: ``"label"`` of shape (N, n_labels), int64 1
  where a label's probability is strictly above 0.5, else 0;
  ``"probabilities"`` of shape (N, n_labels).
* regressor: ``"variable"`` of shape (N, n_outputs) (a single target is
  one column; ``predict`` returns it raveled).

Hidden activations map to ONNX's Relu, Tanh, Sigmoid, Softmax (over the
units), Exp, or nothing (identity); leaky_relu is LeakyRelu (slope
:data:`deepstep.activations.LEAKY_SLOPE`) in float32 and
``Max(Z, slope Z)`` in float64: LeakyRelu's alpha is a float32 attribute
(0.0099999998 in a float64 graph), and not every runtime has a float64
LeakyRelu kernel (onnxruntime's CPU provider long had float32 only).
"""

from __future__ import annotations

import os
import pathlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.utils.validation import check_is_fitted

from ._version import __version__
from .activations import LEAKY_SLOPE
from .estimators import DNNClassifier, DNNRegressor, MLPClassifier, MLPRegressor
from .estimators.mlp._network import hidden_and_output
from .io import check_output_path, write_atomically

__all__ = ["DEFAULT_OPSET", "MIN_OPSET", "export_onnx"]

#: The opset written when none is asked for: run by onnxruntime >= 1.14 and
#: written by onnx >= 1.12 (IR version 8).
DEFAULT_OPSET = 17
#: The oldest opset the graph can be written in (Softmax over one axis and
#: ReduceSum with its axes as an input are opset 13's).
MIN_OPSET = 13

_ESTIMATORS = (DNNClassifier, DNNRegressor, MLPClassifier, MLPRegressor)
_MISSING_ONNX = "export_onnx needs the onnx package: pip install 'deepstep[onnx]'"


@dataclass(frozen=True)
class _GraphSpec:
    """What the graph is built from, whichever estimator it came from.

    Attributes
    ----------
    name : str
        The estimator's class name.
    weights : list of (W, b)
        ``W`` of shape (n_in, n_out) and ``b`` of shape (n_out,), in ``dtype``.
    activations : list of str
        deepstep's name of each layer's activation (:data:`deepstep.activations.ACTIVATIONS`).
    dtype : numpy dtype
        float32 or float64.
    kind : {"binary", "multiclass", "one_vs_rest", "multilabel", "regressor"}
        How the output layer becomes the graph's outputs.
    classes : ndarray or None
        The classifier's ``classes_``.
    """

    name: str
    weights: list[tuple[NDArray[np.floating], NDArray[np.floating]]]
    activations: list[str]
    dtype: np.dtype
    kind: str
    classes: NDArray[Any] | None


# ---------------------------------------------------------------- the public function


def export_onnx(estimator: Any, path: str | os.PathLike[str], *,
                opset: int | None = None, input_dtype: Any = None) -> pathlib.Path:
    """Write a fitted estimator as an ONNX model file.

    Parameters
    ----------
    estimator : DNNClassifier, DNNRegressor, MLPClassifier, MLPRegressor or Pipeline
        Fitted, in float32 or float64 (the dtype of its weights, which the
        graph keeps). A scikit-learn ``Pipeline`` ending in one of them is
        converted by skl2onnx (``pip install skl2onnx``), its preprocessing
        (scalers, ``ColumnTransformer``, ...) by skl2onnx's converters and
        the network by this module's graph (:mod:`deepstep.export_skl2onnx`);
        its input is one tensor ``"X"`` of ``n_features_in_`` columns.
    path : str or path-like
        The file to write (conventionally ``*.onnx``); its directory must
        exist. An existing file is replaced only once the new one is complete
        (:func:`deepstep.io.write_atomically`, as model files); a new file
        gets ``0o666`` less the umask, a replaced one keeps its permissions.
    opset : int, optional
        The ONNX opset (default :data:`DEFAULT_OPSET`, 17); from
        :data:`MIN_OPSET` (13) to the newest the installed onnx knows. The
        runtime that runs the file must support it.
    input_dtype : {None, numpy.float32, numpy.float64}, default=None
        The dtype of the graph's input ``"X"``: by default the model's (a
        float32 model's graph then refuses float64 rows, as ONNX runtimes
        check types). ``numpy.float64`` for a float32 model gives a graph
        that takes float64 rows and casts them to float32 first (a ``Cast``
        node), as ``predict`` does; the outputs stay in the model's dtype.
        For a Pipeline it is the type of the pipeline's input (default: the
        final estimator's dtype), and the probabilities or values take that
        type too, as skl2onnx's converters do (:mod:`deepstep.export_skl2onnx`).

    Returns
    -------
    pathlib.Path
        ``path``, as a :class:`pathlib.Path`.

    Notes
    -----
    The graph's input and outputs, and how each activation is written, are
    described in this module's docstring (:mod:`deepstep.export`).

    Raises
    ------
    TypeError
        If ``estimator`` is not one of deepstep's estimators or a Pipeline
        ending in one, ``opset`` not an integer, or ``input_dtype`` neither
        float32 nor float64.
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError
        If ``path`` cannot be written (checked before anything is built);
        the message names ``path`` as given.
    ValueError
        If ``opset`` is out of range, or the classes cannot be an ONNX tensor.
    ImportError
        If onnx is not installed, or skl2onnx for a Pipeline.

    Examples
    --------
    >>> import numpy as np, deepstep
    >>> X = np.random.default_rng(0).standard_normal((40, 3))
    >>> clf = deepstep.DNNClassifier((4,), max_iter=5).fit(X, X[:, 0] > 0)
    >>> deepstep.export_onnx(clf, "model.onnx")  # doctest: +SKIP
    PosixPath('model.onnx')
    """
    from sklearn.pipeline import Pipeline

    pipeline = isinstance(estimator, Pipeline)
    network = None if pipeline else _describe(estimator)
    target = _check_path(path)
    try:
        import onnx
    except ImportError:
        raise ImportError(_MISSING_ONNX) from None
    opset = _check_opset(opset, onnx)
    if pipeline:
        model = _pipeline_model(estimator, opset, input_dtype)
    else:
        model = _build_model(network, opset, onnx, _check_input_dtype(input_dtype, network.dtype))
    onnx.checker.check_model(model, full_check=True)
    data = model.SerializeToString()
    write_atomically(target, lambda fh: fh.write(data))
    return target


# ---------------------------------------------------------------- the estimator


def _describe(estimator: Any) -> _GraphSpec:
    """The network of a fitted estimator, or TypeError / NotFittedError."""
    if not isinstance(estimator, _ESTIMATORS):
        what = type(estimator)
        raise TypeError(
            "export_onnx: expected a fitted deepstep estimator (DNNClassifier, DNNRegressor, "
            f"MLPClassifier or MLPRegressor), got {what.__module__}.{what.__qualname__}")
    if isinstance(estimator, (DNNClassifier, DNNRegressor)):
        check_is_fitted(estimator, "parameters_")
        return _dnn_network(estimator)
    check_is_fitted(estimator, "coefs_")
    return _mlp_network(estimator)


def _dnn_network(model: Any) -> _GraphSpec:
    """A DNNClassifier's or DNNRegressor's: ``parameters_`` W (n_l, n_{l-1}), b (n_l, 1)."""
    params = model.parameters_
    dtype = np.dtype(params["W1"].dtype)
    L = len(model.layer_sizes_) - 1
    weights = [(np.ascontiguousarray(params[f"W{l}"].T, dtype=dtype),
                np.asarray(params[f"b{l}"], dtype=dtype).ravel()) for l in range(1, L + 1)]
    activations = list(model.activations_)
    if isinstance(model, DNNRegressor):
        return _GraphSpec(type(model).__name__, weights, activations, dtype, "regressor", None)
    n_out = model.layer_sizes_[-1]
    loss = getattr(model, "loss_function_", None) or getattr(model, "loss_", None)
    if getattr(model, "_multilabel", False):
        kind = "multilabel"
    elif n_out == 1:
        kind = "binary"
    elif activations[-1] == "softmax":
        kind = "multiclass"
    elif loss == "binary_cross_entropy":
        kind = "one_vs_rest"  # one sigmoid per class, normalised as predict_proba does
    else:
        raise ValueError(f"export_onnx: {type(model).__name__} with {n_out} "
                         f"{activations[-1]} outputs and loss {loss!r} is not a known output")
    return _GraphSpec(type(model).__name__, weights, activations, dtype, kind,
                    np.asarray(model.classes_))


def _mlp_network(model: Any) -> _GraphSpec:
    """An MLPClassifier's or MLPRegressor's: ``coefs_`` (n_in, n_out), ``intercepts_``."""
    dtype = np.dtype(model.coefs_[0].dtype)
    weights = [(np.ascontiguousarray(c, dtype=dtype), np.asarray(b, dtype=dtype).ravel())
               for c, b in zip(model.coefs_, model.intercepts_, strict=True)]
    # One name, or one per hidden layer (deepstep's addition to the drop-ins).
    activations = [a.name for a in hidden_and_output(model.activation, model.out_activation_,
                                                     len(weights) + 1)]
    if isinstance(model, MLPRegressor):
        return _GraphSpec(type(model).__name__, weights, activations, dtype, "regressor", None)
    binarizer = getattr(model, "_label_binarizer", None)
    y_type = getattr(binarizer, "y_type_", None)
    if model.n_outputs_ == 1:
        kind = "binary"
    elif model.out_activation_ == "softmax":
        kind = "multiclass"
    elif y_type in (None, "multilabel-indicator"):
        kind = "multilabel"
    else:
        raise ValueError(f"export_onnx: MLPClassifier with {model.n_outputs_} "
                         f"{model.out_activation_} outputs for {y_type} targets is not a "
                         "known output")
    classes = np.asarray(model.classes_)
    if len(classes) == 1:  # trained on one class: predict gives it whatever p is
        classes = np.repeat(classes, 2)
    return _GraphSpec(type(model).__name__, weights, activations, dtype, kind, classes)


def _pipeline_model(pipeline: Any, opset: int, input_dtype: Any) -> Any:
    """A fitted Pipeline ending in a deepstep estimator as an ONNX ModelProto, by skl2onnx.

    The pipeline's input is one tensor ``"X"`` of shape (N, ``n_features_in_``)
    in ``input_dtype`` (default: the final estimator's dtype); the outputs
    are those of :func:`export_onnx` (no ZipMap). Importing skl2onnx
    registers deepstep's converters (``deepstep/__init__.py``,
    :mod:`deepstep.export_skl2onnx`).
    """
    final = pipeline.steps[-1][1]
    if not isinstance(final, _ESTIMATORS):
        what = type(final)
        raise TypeError("export_onnx: a Pipeline's last step must be a deepstep estimator "
                        "(DNNClassifier, DNNRegressor, MLPClassifier or MLPRegressor), got "
                        f"{what.__module__}.{what.__qualname__}")
    dtype = _check_input_dtype(input_dtype, _describe(final).dtype)
    check_is_fitted(pipeline)
    try:
        from skl2onnx import convert_sklearn
        from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType
    except ImportError:
        raise ImportError("export_onnx of a Pipeline needs skl2onnx: "
                          "pip install 'deepstep[onnx]'") from None
    tensor = DoubleTensorType if dtype == np.float64 else FloatTensorType
    options = {id(final): {"zipmap": False}} if hasattr(final, "classes_") else None
    return convert_sklearn(pipeline,
                           initial_types=[("X", tensor([None, int(pipeline.n_features_in_)]))],
                           target_opset=opset, options=options)


# ---------------------------------------------------------------- the arguments


def _check_path(path: Any) -> pathlib.Path:
    """``path`` as a Path, after checking a file can be written there (nothing is created)."""
    try:
        given = os.fspath(path)
    except TypeError:
        raise TypeError(f"export_onnx: path must be a str or path-like, got "
                        f"{type(path).__name__}") from None
    return check_output_path(given, f"export_onnx: {given}")


def _check_input_dtype(input_dtype: Any, default: np.dtype) -> np.dtype:
    """``input_dtype`` as float32 or float64 (``default`` for None), or TypeError."""
    if input_dtype is None:
        return np.dtype(default)
    try:
        dtype = np.dtype(input_dtype)
    except TypeError:
        dtype = None
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"export_onnx: input_dtype must be numpy.float32 or numpy.float64, "
                        f"got {input_dtype!r}")
    return dtype


def _check_opset(opset: Any, onnx: Any) -> int:
    """The opset to write: ``opset`` checked, or :data:`DEFAULT_OPSET`."""
    newest = int(onnx.defs.onnx_opset_version())
    if opset is None:
        return min(DEFAULT_OPSET, newest)
    if isinstance(opset, bool) or not isinstance(opset, (int, np.integer)):
        raise TypeError(f"export_onnx: opset must be an int, got {type(opset).__name__}")
    if not MIN_OPSET <= opset <= newest:
        raise ValueError(f"export_onnx: opset must be from {MIN_OPSET} to {newest} (the "
                         f"newest onnx {onnx.__version__} knows), got {opset}")
    return int(opset)


# ---------------------------------------------------------------- the graph


class _Graph:
    """Nodes and initializers being collected, with fresh names for intermediate values.

    ``names`` makes a fresh name from a stem (default: the stem and a
    counter); :mod:`deepstep.export_skl2onnx` passes skl2onnx's scope's, and
    overrides :meth:`tensor` and :meth:`add` to write into its container.
    """

    def __init__(self, onnx: Any, dtype: np.dtype, names: Any = None) -> None:
        self.onnx, self.dtype = onnx, dtype
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0
        self._names = names

    def _fresh(self, stem: str) -> str:
        if self._names is not None:
            return str(self._names(stem))
        self._count += 1
        return f"{stem}_{self._count}"

    def tensor(self, proto: Any) -> str:
        """Adds the TensorProto ``proto`` as an initializer; returns its name."""
        self.initializers.append(proto)
        return str(proto.name)

    def constant(self, stem: str, value: Any, dtype: Any = None) -> str:
        """An initializer holding ``value`` (in the model's dtype unless ``dtype``)."""
        array = np.asarray(value, dtype=self.dtype if dtype is None else dtype)
        return self.tensor(self.onnx.numpy_helper.from_array(array, self._fresh(stem)))

    def add(self, op: str, inputs: list[str], output: str | None = None, **attrs: Any) -> str:
        """A node ``op(inputs)``; returns its output's name (``output``, or a fresh one)."""
        output = output or self._fresh(op.lower())
        self.nodes.append(self.onnx.helper.make_node(op, inputs, [output],
                                                     name=self._fresh(op), **attrs))
        return output


def _activation(g: _Graph, name: str, Z: str) -> str:
    """The activation ``name`` (deepstep's) of ``Z`` of shape (N, n_units)."""
    if name == "identity":
        return Z
    if name == "leaky_relu":
        if g.dtype == np.float32:
            return g.add("LeakyRelu", [Z], alpha=LEAKY_SLOPE)
        # LeakyRelu's alpha is a float32 attribute, and not every runtime has a double
        # kernel: where(Z > 0, Z, a Z) is max(Z, a Z) for 0 < a < 1, bit for bit.
        return g.add("Max", [Z, g.add("Mul", [Z, g.constant("leaky_slope", LEAKY_SLOPE)])])
    ops = {"relu": "Relu", "tanh": "Tanh", "sigmoid": "Sigmoid", "exp": "Exp",
           "softmax": "Softmax"}
    if name not in ops:
        raise ValueError(f"export_onnx: no ONNX form of the activation {name!r}")
    if name == "softmax":  # deepstep's softmax is over the units of each example
        return g.add("Softmax", [Z], axis=1)
    return g.add(ops[name], [Z])


def _forward(g: _Graph, network: _GraphSpec, X: str = "X") -> str:
    """The network's output for the input named ``X``: [MatMul, Add, activation] per layer."""
    A = X
    for l, ((W, b), act) in enumerate(zip(network.weights, network.activations, strict=True),
                                      start=1):
        Z = g.add("Add", [g.add("MatMul", [A, g.constant(f"W{l}", W)]),
                          g.constant(f"b{l}", b)])
        A = _activation(g, act, Z)
    return A


def _classes_tensor(onnx: Any, classes: NDArray[Any], name: str = "classes") -> Any:
    """``classes_`` as a 1-D constant: int64 for integer-valued classes, else strings."""
    kind = classes.dtype.kind
    if kind in "biu" or (kind == "f" and np.all(np.mod(classes, 1) == 0)):
        return onnx.numpy_helper.from_array(classes.astype(np.int64), name)
    if kind == "S":
        values = [bytes(c) for c in classes]
    elif kind == "U" or (kind == "O" and all(isinstance(c, str) for c in classes)):
        values = [str(c).encode("utf-8") for c in classes]
    else:
        raise ValueError(f"export_onnx: classes_ {classes.tolist()[:10]} ({classes.dtype}) "
                         "cannot be an ONNX tensor: expected integer or string classes")
    return onnx.helper.make_tensor(name, onnx.TensorProto.STRING, [len(values)], values)


def _classifier_outputs(g: _Graph, network: _GraphSpec, out: str, label: str = "label",
                        probabilities: str = "probabilities") -> Any:
    """Nodes for ``label`` and ``probabilities`` from the output layer ``out``; label's type."""
    onnx = g.onnx
    if network.kind == "multilabel":
        above = g.add("Greater", [out, g.constant("half", 0.5)])
        g.add("Cast", [above], label, to=onnx.TensorProto.INT64)
        g.add("Identity", [out], probabilities)
        return onnx.TensorProto.INT64
    classes = _classes_tensor(onnx, network.classes, g._fresh("classes"))
    g.tensor(classes)
    if network.kind == "binary":  # one sigmoid unit p: [1 - p, p]; classes_[1] where p > 0.5
        g.add("Concat", [g.add("Sub", [g.constant("one", 1.0), out]), out], probabilities,
              axis=1)
        above = g.add("Greater", [out, g.constant("half", 0.5)])
        index = g.add("Cast", [above], to=onnx.TensorProto.INT64)
        index = g.add("Reshape", [index, g.constant("rows", [-1], np.int64)])
    else:  # the most probable class (the first of equals, as np.argmax)
        index = g.add("ArgMax", [out], axis=1, keepdims=0)
        if network.kind == "one_vs_rest":  # scores normalised to sum to 1
            total = g.add("ReduceSum", [out, g.constant("axes", [1], np.int64)], keepdims=1)
            g.add("Div", [out, total], probabilities)
        else:
            g.add("Identity", [out], probabilities)
    g.add("Gather", [classes.name, index], label, axis=0)
    return classes.data_type


def _elem_type(onnx: Any, dtype: np.dtype) -> Any:
    """The ONNX element type of a float32 or float64 ``dtype``, or ValueError."""
    elem = {np.dtype(np.float32): onnx.TensorProto.FLOAT,
            np.dtype(np.float64): onnx.TensorProto.DOUBLE}.get(np.dtype(dtype))
    if elem is None:
        raise ValueError(f"export_onnx: the model's dtype is {dtype}; ONNX export "
                         "supports float32 and float64")
    return elem


def _build_model(network: _GraphSpec, opset: int, onnx: Any,
                 input_dtype: np.dtype | None = None) -> Any:
    """The ONNX model of ``network`` in ``opset``, with an IR version that opset needs.

    ``input_dtype`` (default the model's) is the type of ``"X"``; another
    than the model's is cast to it first.
    """
    helper = onnx.helper
    elem = _elem_type(onnx, network.dtype)
    in_elem = elem if input_dtype is None else _elem_type(onnx, input_dtype)
    g = _Graph(onnx, network.dtype)
    X = "X" if in_elem == elem else g.add("Cast", ["X"], to=elem)
    out = _forward(g, network, X)
    n_in, n_out = network.weights[0][0].shape[0], network.weights[-1][0].shape[1]
    n_classes = n_out if network.kind != "binary" else 2
    if network.kind == "regressor":
        g.add("Identity", [out], "variable")
        outputs = [helper.make_tensor_value_info("variable", elem, ["N", n_out])]
    else:
        label_type = _classifier_outputs(g, network, out)
        label_shape = ["N", n_out] if network.kind == "multilabel" else ["N"]
        outputs = [helper.make_tensor_value_info("label", label_type, label_shape),
                   helper.make_tensor_value_info("probabilities", elem, ["N", n_classes])]
    graph = helper.make_graph(
        g.nodes, f"deepstep_{network.name}",
        [helper.make_tensor_value_info("X", in_elem, ["N", n_in])], outputs,
        initializer=g.initializers,
        doc_string=f"deepstep {network.name}: layers {[w.shape[0] for w, _ in network.weights]}"
                   f" -> {n_out}, activations {network.activations}")
    opsets = [helper.make_opsetid("", opset)]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="deepstep",
                              producer_version=__version__,
                              ir_version=helper.find_min_ir_version_for(opsets))
    helper.set_model_props(model, {"estimator": network.name, "output": network.kind})
    return model

