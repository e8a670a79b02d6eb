"""The course's settings for the DNN estimators: one explicit, documented argument set.

"Deep Neural Network for Image Classification: Application" trains
``[n_x, 20, 7, 5, 1]`` by full-batch gradient descent, learning rate 0.0075,
2500 iterations, weights ``randn / sqrt(n_prev)``, no regularisation and no
stopping rule. ``DNNClassifier.from_course(random_state=1)`` (or
``DNNClassifier(**COURSE_SETTINGS, random_state=1)``) reproduces its costs and
accuracies exactly (``tests/test_application.py``); the estimators' own defaults
are scikit-learn's, chosen to score at least as well as ``MLPClassifier()``.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

__all__ = ["COURSE_SETTINGS"]

#: The hyperparameters of the course's deep model (every one that differs
#: from the estimators' defaults, and the rest of what defines the run).
COURSE_SETTINGS: MappingProxyType[str, Any] = MappingProxyType({
    "hidden_layer_sizes": (20, 7, 5),
    "activation": "relu",
    "init": "lecun",
    "solver": "gd",
    "learning_rate": 0.0075,
    "learning_rate_schedule": "constant",
    "max_iter": 2500,
    "batch_size": None,
    "alpha": 0.0,
    "tol": None,
})
