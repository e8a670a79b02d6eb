"""scikit-learn estimators built on the step engine: :class:`DNNClassifier`, :class:`DNNRegressor`.

The estimators follow scikit-learn's conventions (see :mod:`.base`); the
sub-modules each hold one concern: ``_params`` (the hyperparameter table),
``placement`` (in memory, out of core, on a device), ``training_data``,
``network`` (building the trainer), ``prediction`` (blocked prediction),
``summary``, ``persistence`` (model files); ``mlp``, scikit-learn's
``MLPClassifier`` and ``MLPRegressor`` on the same engine.

Three settings stay reachable here, as before the package existed:
``PREDICT_BATCH_ROWS`` and ``PREDICT_BLOCK_BYTES``, the block size of
prediction, and ``device_namespace``, the function that gives the array
library of a device. The code reads them where they live, in
:mod:`.prediction` and :mod:`.placement`; this module forwards reading and
assigning the names there, so ``deepstep.estimators.PREDICT_BATCH_ROWS = 7``
(or pytest's ``monkeypatch.setattr``) changes what ``predict`` uses, without
the sub-modules having to import their own package at call time.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from . import placement, prediction
from .classifier import DNNClassifier
from .course import COURSE_SETTINGS
from .mlp import MLPClassifier, MLPRegressor
from .regressor import DNNRegressor

__all__ = ["COURSE_SETTINGS", "DNNClassifier", "DNNRegressor", "MLPClassifier", "MLPRegressor"]

# The public path, as before the split: reprs of the classes and pickles name
# deepstep.estimators.DNNClassifier, which earlier versions can import too.
DNNClassifier.__module__ = DNNRegressor.__module__ = __name__
MLPClassifier.__module__ = MLPRegressor.__module__ = __name__


def _forwarded(module: types.ModuleType, name: str) -> property:
    """A property reading and assigning ``module.name``."""
    def get(_: types.ModuleType) -> Any:
        return getattr(module, name)

    def set_(_: types.ModuleType, value: Any) -> None:
        setattr(module, name, value)

    return property(get, set_, doc=f"Forwarded to {module.__name__}.{name}.")


_FORWARDED = ("PREDICT_BATCH_ROWS", "PREDICT_BLOCK_BYTES", "device_namespace")


class _EstimatorsModule(types.ModuleType):
    """This package's module type: the settings of the sub-modules as attributes."""

    PREDICT_BATCH_ROWS = _forwarded(prediction, "PREDICT_BATCH_ROWS")
    PREDICT_BLOCK_BYTES = _forwarded(prediction, "PREDICT_BLOCK_BYTES")
    device_namespace = _forwarded(placement, "device_namespace")

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *_FORWARDED})


# Python's documented way to customise a module's attribute access.
sys.modules[__name__].__class__ = _EstimatorsModule
