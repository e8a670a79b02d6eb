"""The hyperparameters' constraints, as scikit-learn 1.9's MLP declares them.

Declarative data for scikit-learn's own validation machinery
(:mod:`sklearn.utils._param_validation`): ``self._validate_params()`` in
``fit`` and ``partial_fit`` checks the values against this table, so a bad
value raises the same ``InvalidParameterError`` with the same message as
scikit-learn's ``MLPClassifier`` / ``MLPRegressor``.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Hidden, Interval, Options, StrOptions

__all__ = ["CLASSIFIER_CONSTRAINTS", "CONSTRAINTS", "REGRESSOR_CONSTRAINTS"]

#: Both estimators' constraints.
CONSTRAINTS: dict[str, list[object]] = {
    "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    # deepstep's additions are Hidden: scikit-learn's message for a bad value
    # stays word for word its own; a sequence's names are checked by the fit.
    "activation": [StrOptions({"identity", "logistic", "tanh", "relu"}),
                   Hidden(StrOptions({"leaky_relu"})), Hidden("array-like")],
    "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
    "alpha": [Interval(Real, 0, None, closed="left")],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
    "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
    "power_t": [Interval(Real, 0, None, closed="left")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "shuffle": ["boolean"],
    "random_state": ["random_state"],
    "tol": [Interval(Real, 0, None, closed="left")],
    "verbose": ["verbose"],
    "warm_start": ["boolean"],
    "momentum": [Interval(Real, 0, 1, closed="both")],
    "nesterovs_momentum": ["boolean"],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="left")],
    "beta_1": [Interval(Real, 0, 1, closed="left")],
    "beta_2": [Interval(Real, 0, 1, closed="left")],
    "epsilon": [Interval(Real, 0, None, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
    "max_fun": [Interval(Integral, 1, None, closed="left")],
    # deepstep's additions (keyword-only, after scikit-learn's parameters)
    "dropout": [Interval(Real, 0, 1, closed="left")],
}

#: MLPClassifier's: the same, and deepstep's additions (keyword-only, after scikit-learn's).
CLASSIFIER_CONSTRAINTS: dict[str, list[object]] = {
    **CONSTRAINTS,
    "class_weight": [dict, StrOptions({"balanced"}), None],
}

#: MLPRegressor's: the same, and its loss.
REGRESSOR_CONSTRAINTS: dict[str, list[object]] = {
    **CONSTRAINTS,
    "loss": [StrOptions({"squared_error", "poisson", "absolute_error", "huber", "quantile"})],
    "huber_delta": [Interval(Real, 0, None, closed="neither")],
    "quantile": [Interval(Real, 0, 1, closed="neither")],
}
