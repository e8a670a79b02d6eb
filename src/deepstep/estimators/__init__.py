"""scikit-learn estimators built on the step engine: :class:`DNNClassifier`, :class:`DNNRegressor`.

The estimators follow scikit-learn's conventions (see :mod:`.base`); the
sub-modules each hold one concern: ``_params`` (the hyperparameter table),
``placement`` (in memory, out of core, on a device), ``training_data``,
``network`` (building the trainer), ``prediction`` (blocked prediction, its
block sizes set by :func:`deepstep.config_context`), ``summary``,
``persistence`` (model files); ``mlp``, scikit-learn's ``MLPClassifier`` and
``MLPRegressor`` on the same engine.
"""

from __future__ import annotations

from .classifier import DNNClassifier
from .course import COURSE_SETTINGS
from .mlp import MLPClassifier, MLPRegressor
from .regressor import DNNRegressor

__all__ = ["COURSE_SETTINGS", "DNNClassifier", "DNNRegressor", "MLPClassifier", "MLPRegressor"]

# The public path, as before the split: reprs of the classes and pickles name
# deepstep.estimators.DNNClassifier, which earlier versions can import too.
DNNClassifier.__module__ = DNNRegressor.__module__ = __name__
MLPClassifier.__module__ = MLPRegressor.__module__ = __name__
