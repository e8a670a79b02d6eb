"""MLPRegressor: scikit-learn 1.9's multi-layer perceptron regressor on deepstep's engine."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils import column_or_1d
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from ...losses import Loss
from ..persistence import MLPFile, loadable
from ..placement import check_finite_rows
from ._base import BaseMLP
from ._constraints import REGRESSOR_CONSTRAINTS
from ._montecarlo import mc_outputs
from ._network import loss_for
from ._signature import store

__all__ = ["MLPRegressor"]


@loadable
class MLPRegressor(RegressorMixin, MLPFile, BaseMLP):
    """Multi-layer perceptron regressor: half squared error or half Poisson deviance.

    A drop-in for :class:`sklearn.neural_network.MLPRegressor` whose
    training runs on deepstep's engine: an identity output with
    ``loss="squared_error"`` (``(1/2m) sum (a - y)^2``), an exponential one
    (log link) with ``loss="poisson"`` (``y >= 0``). The other parameters
    and the attributes are :class:`MLPClassifier`'s; early stopping scores
    R^2 on a random (unstratified) held-out part.

    Parameters
    ----------
    loss : {"squared_error", "poisson", "absolute_error", "huber", "quantile"}, \
default="squared_error"
        scikit-learn's two, and deepstep's robust ones (identity output):
        ``(1/m) sum |a - y|``; the Huber loss (squared within ``huber_delta``
        of the target, linear beyond); the pinball loss of level ``quantile``
        (predicts the conditional quantile). Their costs sum over the outputs
        (``squared_error``'s is averaged over them, as scikit-learn reports it).
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
    activation : {"identity", "logistic", "tanh", "relu", "leaky_relu"} or sequence, \
default="relu"
        As :class:`MLPClassifier`'s (one name per hidden layer allowed).
    solver : {"lbfgs", "sgd", "adam"}, default="adam"
    alpha : float, default=0.0001
    batch_size : int or "auto", default="auto"
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
    learning_rate_init : float, default=0.001
    power_t : float, default=0.5
    max_iter : int, default=200
    shuffle : bool, default=True
    random_state : int, RandomState instance or None, default=None
    tol : float, default=1e-4
    verbose : bool, default=False
    warm_start : bool, default=False
    momentum : float, default=0.9
    nesterovs_momentum : bool, default=True
    early_stopping : bool, default=False
    validation_fraction : float, default=0.1
    beta_1, beta_2 : float, default=0.9, 0.999
    epsilon : float, default=1e-8
    n_iter_no_change : int or inf, default=10
    max_fun : int, default=15000
    huber_delta : float > 0, default=1.0
        deepstep's addition: ``loss="huber"``'s threshold, in the target's
        units (``epsilon``, SGDRegressor's name for it, is Adam's here).
    quantile : float in (0, 1), default=0.5
        deepstep's addition: ``loss="quantile"``'s level (scikit-learn's
        QuantileRegressor's and HistGradientBoostingRegressor's name).
    dropout : float in [0, 1), default=0.0
        deepstep's addition: inverted dropout on every hidden layer's output
        while training (sgd and adam only); its masks come from their own
        generator, seeded from ``random_state`` after the initial weights.
        Prediction uses all units (no rescaling needed).

    Attributes
    ----------
    loss_, best_loss_, loss_curve_, validation_scores_, validation_loss_curve_,
    best_validation_score_, t_,
    coefs_, intercepts_, n_features_in_, feature_names_in_, n_iter_, n_layers_,
    n_outputs_, out_activation_
        As :class:`MLPClassifier`'s (``out_activation_`` "identity" or "exp").
    """

    _parameter_constraints: dict = REGRESSOR_CONSTRAINTS
    _score_function = staticmethod(r2_score)

    def __init__(self, loss: str = "squared_error", hidden_layer_sizes: Any = (100,),
                 activation: str = "relu", *, solver: str = "adam", alpha: float = 0.0001,
                 batch_size: Any = "auto", learning_rate: str = "constant",
                 learning_rate_init: float = 0.001, power_t: float = 0.5, max_iter: int = 200,
                 shuffle: bool = True, random_state: Any = None, tol: float = 1e-4,
                 verbose: bool = False, warm_start: bool = False, momentum: float = 0.9,
                 nesterovs_momentum: bool = True, early_stopping: bool = False,
                 validation_fraction: float = 0.1, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-8, n_iter_no_change: Any = 10,
                 max_fun: int = 15000, huber_delta: float = 1.0,
                 quantile: float = 0.5, dropout: float = 0.0) -> None:
        store(self, loss=loss, hidden_layer_sizes=hidden_layer_sizes, activation=activation,
              solver=solver, alpha=alpha, batch_size=batch_size, learning_rate=learning_rate,
              learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
              shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
              warm_start=warm_start, momentum=momentum,
              nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
              validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
              epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
              huber_delta=huber_delta, quantile=quantile, dropout=dropout)

    def _output_activation(self) -> str:
        return "exp" if self.loss == "poisson" else "identity"

    def _engine_loss(self) -> Loss:
        return loss_for(self.out_activation_, self.loss, huber_delta=self.huber_delta,
                        quantile=self.quantile)

    def _validate_input(self, X: Any, y: Any, incremental: bool, reset: bool) -> Any:
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             y_numeric=True, dtype=(np.float64, np.float32), reset=reset,
                             ensure_all_finite=False)
        check_finite_rows(X, type(self).__name__)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    def _from_raw(self, raw: Any) -> Any:
        return raw.ravel() if raw.shape[1] == 1 else raw

    def predict(self, X: Any) -> Any:
        """Predict with the fitted network.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        check_is_fitted(self)
        return self._predict(X)

    def predict_mc(self, X: Any, n_passes: int = 30,
                   random_state: Any = None) -> tuple[Any, Any]:
        """Monte-Carlo dropout: the mean and spread of the predictions with dropout on.

        deepstep's addition, for a model fitted with ``dropout`` > 0: each of
        ``n_passes`` forward passes keeps every hidden unit with probability
        ``1 - dropout`` (masks from ``numpy.random.default_rng(random_state)``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        n_passes : int, default=30
        random_state : None, int, numpy Generator or RandomState, default=None
            Seeds the masks; the same seed gives the same result.

        Returns
        -------
        mean, std : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The passes' mean prediction and its standard deviation (``ddof=0``).
        """
        mean, std = mc_outputs(self, X, n_passes, random_state, "predict_mc")
        return self._from_raw(mean), self._from_raw(std)

    # scikit-learn 1.9 guards the regressor's partial_fit with the method
    # ``_check_solver`` itself (always true), not its result: partial_fit
    # exists for every solver, and with lbfgs it runs a full lbfgs fit. Kept
    # as is, since a drop-in must behave the same.
    @available_if(lambda est: est._check_solver)
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """One epoch over (X, y).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        self._validate_params()
        return self._fit(X, y, sample_weight, partial=True)
