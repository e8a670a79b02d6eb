"""skl2onnx converters for deepstep's estimators, alone or inside a Pipeline.

skl2onnx converts a scikit-learn model through a registry: a class maps to
an alias, the alias to a shape calculator (the types and shapes of the
outputs) and a converter (the nodes). :func:`register` adds the four
estimators (``DNNClassifier``, ``DNNRegressor``, ``MLPClassifier``,
``MLPRegressor``), the classifiers with skl2onnx's ``zipmap`` option so that
its default classifier parser handles them as it does its own. After that
``skl2onnx.to_onnx(model, X)`` and ``convert_sklearn`` convert them, bare,
inside a ``Pipeline`` or after a ``ColumnTransformer``. ``import deepstep``
does it for you, when skl2onnx is imported (before or after deepstep): a
small import hook, so that ``import deepstep`` does not pay for importing
skl2onnx.

The network's nodes are :mod:`deepstep.export`'s, written into skl2onnx's
container with its unique names; its outputs follow skl2onnx's conventions:
a classifier's ``label`` and ``probabilities`` (through a ZipMap unless
``options={"zipmap": False}``), a regressor's ``variable``.

Types: the outputs take the type of the operator's input, as skl2onnx's own
converters do. A float32 model fed float64 (``to_onnx(model, X)`` with a
float64 ``X``, or a scaler converted in double) casts its input to float32,
computes in float32 as ``predict`` does, and casts the probabilities or
values back to float64; a float64 model fed float32 casts its input up.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin

from .estimators import DNNClassifier, DNNRegressor, MLPClassifier, MLPRegressor
from .export import (
    MIN_OPSET,
    _classes_tensor,
    _classifier_outputs,
    _describe,
    _elem_type,
    _forward,
    _Graph,
)

__all__ = ["ALIASES", "register"]

#: The alias each estimator is registered under in skl2onnx.
ALIASES = {DNNClassifier: "DeepstepDNNClassifier", DNNRegressor: "DeepstepDNNRegressor",
           MLPClassifier: "DeepstepMLPClassifier", MLPRegressor: "DeepstepMLPRegressor"}


def register() -> None:
    """Registers the four estimators' shape calculators and converters with skl2onnx.

    Idempotent (a second call replaces the same entries). Raises ImportError
    if skl2onnx is not installed.
    """
    from skl2onnx import update_registered_converter

    for cls, alias in ALIASES.items():
        classifier = issubclass(cls, ClassifierMixin)
        options = {"zipmap": [True, False, "columns"], "nocl": [False]} if classifier else None
        update_registered_converter(cls, alias, _shapes, _convert, overwrite=True,
                                    options=options)


class _ContainerGraph(_Graph):
    """:class:`deepstep.export._Graph` writing into skl2onnx's container, with its names."""

    def __init__(self, onnx: Any, dtype: np.dtype, scope: Any, container: Any) -> None:
        super().__init__(onnx, dtype, names=scope.get_unique_variable_name)
        self.scope, self.container = scope, container

    def tensor(self, proto: Any) -> str:
        STRING = self.onnx.TensorProto.STRING
        if proto.data_type == STRING:  # skl2onnx copies a TensorProto's raw data only
            self.container.add_initializer(proto.name, STRING, list(proto.dims),
                                           list(proto.string_data))
        else:
            self.container.add_initializer(proto.name, proto.data_type, list(proto.dims), proto)
        return str(proto.name)

    def add(self, op: str, inputs: list[str], output: str | None = None, **attrs: Any) -> str:
        output = output or self._fresh(op.lower())
        self.container.add_node(op, inputs, [output],
                                name=self.scope.get_unique_operator_name(op), **attrs)
        return output


def _float_elem(onnx: Any, variable_type: Any) -> Any:
    """FLOAT or DOUBLE: DOUBLE for a double tensor, FLOAT for any other input."""
    from skl2onnx.common.data_types import DoubleTensorType

    double = isinstance(variable_type, DoubleTensorType)
    return onnx.TensorProto.DOUBLE if double else onnx.TensorProto.FLOAT


def _shapes(operator: Any) -> None:
    """skl2onnx's shape calculator: the outputs' types and shapes (N rows)."""
    import onnx
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )

    if len(operator.inputs) != 1:
        raise ValueError(f"{operator.raw_operator.__class__.__name__} takes one input tensor, "
                         f"got {len(operator.inputs)}")
    network = _describe(operator.raw_operator)
    N = operator.inputs[0].get_first_dimension()
    n_out = network.weights[-1][0].shape[1]
    double = _float_elem(onnx, operator.inputs[0].type) == onnx.TensorProto.DOUBLE
    values = DoubleTensorType if double else FloatTensorType
    if network.kind == "regressor":
        operator.outputs[0].type = values([N, n_out])
        return
    if network.kind == "multilabel":
        operator.outputs[0].type = Int64TensorType([N, n_out])
    elif _classes_tensor(onnx, network.classes).data_type == onnx.TensorProto.STRING:
        operator.outputs[0].type = StringTensorType([N])
    else:
        operator.outputs[0].type = Int64TensorType([N])
    operator.outputs[1].type = values([N, 2 if network.kind == "binary" else n_out])


def _convert(scope: Any, operator: Any, container: Any) -> None:
    """skl2onnx's converter: :mod:`deepstep.export`'s nodes from the input to the outputs."""
    import onnx

    network = _describe(operator.raw_operator)
    if container.target_opset < MIN_OPSET:
        raise ValueError(f"{network.name}: ONNX conversion needs target_opset >= {MIN_OPSET}, "
                         f"got {container.target_opset}")
    g = _ContainerGraph(onnx, network.dtype, scope, container)
    elem = _elem_type(onnx, network.dtype)
    X = operator.inputs[0].full_name
    if _float_elem(onnx, operator.inputs[0].type) != elem or not _is_float(operator):
        X = g.add("Cast", [X], to=elem)
    out = _forward(g, network, X)
    values = operator.outputs[-1]  # variable, or probabilities
    out_elem = _float_elem(onnx, values.type)
    target = values.full_name if out_elem == elem else g._fresh(values.onnx_name)
    if network.kind == "regressor":
        g.add("Identity", [out], target)
    else:
        _classifier_outputs(g, network, out, operator.outputs[0].full_name, target)
    if target != values.full_name:
        g.add("Cast", [target], values.full_name, to=out_elem)


def _is_float(operator: Any) -> bool:
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    return isinstance(operator.inputs[0].type, (DoubleTensorType, FloatTensorType))
