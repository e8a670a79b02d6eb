"""deepstep: the deep network of "Building your Deep Neural Network: Step by Step".

The course's functions are in :mod:`deepstep.steps`, its data in
:mod:`deepstep.datasets`; :func:`gradcheck` verifies backpropagation against
finite differences and :func:`export_onnx` writes a fitted model as ONNX.
"""

from __future__ import annotations

from . import datasets, steps
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
    "datasets",
    "export_onnx",
    "gradcheck",
    "load",
    "steps",
]
