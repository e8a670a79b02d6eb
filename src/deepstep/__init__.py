"""deepstep: the deep network of "Building your Deep Neural Network: Step by Step".

The course's functions are in :mod:`deepstep.steps`; :func:`gradcheck`
verifies backpropagation against finite differences.
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import steps
from .estimators import DNNClassifier, DNNRegressor
from .gradient_check import gradcheck
from .io import ModelFileError, load

__all__ = [
    "DNNClassifier",
    "DNNRegressor",
    "ModelFileError",
    "__version__",
    "gradcheck",
    "load",
    "steps",
]
