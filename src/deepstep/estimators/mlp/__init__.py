"""scikit-learn 1.9's ``MLPClassifier`` and ``MLPRegressor``, thin classes over deepstep's engine.

======================  ======================================================
:mod:`._constraints`     the hyperparameters' constraints (scikit-learn's data)
:mod:`._network`         the engine's weights and forward pass, both orientations
:mod:`._base`            fit, partial_fit, warm start, lbfgs, prediction
:mod:`._stochastic`      sgd and adam: the Trainer, its optimizer and callbacks
:mod:`._callbacks`       per-epoch bookkeeping, validation score, invscaling
:mod:`._montecarlo`      Monte-Carlo dropout predictions (deepstep's addition)
:mod:`.classifier`       MLPClassifier
:mod:`.regressor`        MLPRegressor
======================  ======================================================
"""

from __future__ import annotations

from .classifier import MLPClassifier
from .regressor import MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
