"""deepstep: the deep network of "Building your Deep Neural Network: Step by Step".

The course's functions are in :mod:`deepstep.steps`, its data in
:mod:`deepstep.datasets`; :func:`gradcheck` verifies backpropagation against
finite differences and :func:`export_onnx` writes a fitted model as ONNX;
:func:`config_context`, :func:`set_config` and :func:`get_config` hold the
run-time settings (prediction's block sizes).
"""

from __future__ import annotations

from . import datasets, steps
from ._config import config_context, get_config, set_config
from ._version import __version__
from .estimators import (
    COURSE_SETTINGS,
    DNNClassifier,
    DNNRegressor,
    MLPClassifier,
    MLPRegressor,
)
from .estimators.persistence import load
from .export import export_onnx
from .gradient_check import gradcheck
from .io import ModelFileError

__all__ = [
    "COURSE_SETTINGS",
    "DNNClassifier",
    "DNNRegressor",
    "MLPClassifier",
    "MLPRegressor",
    "ModelFileError",
    "__version__",
    "config_context",
    "datasets",
    "export_onnx",
    "get_config",
    "gradcheck",
    "load",
    "set_config",
    "steps",
]
