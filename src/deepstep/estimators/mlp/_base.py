"""What MLPClassifier and MLPRegressor share: the MLP face of the one fit, the forward pass.

``fit`` and ``partial_fit`` are :class:`deepstep.estimators.core.EstimatorCore`'s,
the same as the DNN classes'; this face supplies scikit-learn's checks (in
its order), its translation into a training plan and its attributes: the weights are initialised by
:func:`deepstep.initializers.glorot_uniform_layers`; ``sgd`` and ``adam``
run :class:`deepstep.training.Trainer` with :class:`~deepstep.optimizers.HeavyBall`
or :class:`~deepstep.optimizers.EfficientAdam` and the stopping rule of
:class:`~deepstep.training.NoImprovementStopping` (:mod:`._stochastic`);
``lbfgs`` runs :func:`deepstep.training.lbfgs.minimize_lbfgs`. The
semantics (attributes, warnings, errors, the order of random draws) are
scikit-learn 1.9's.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.optimize import _check_optimize_result
from sklearn.utils.validation import _check_sample_weight, validate_data

from ... import _config
from ..._backend import is_numpy
from ..._memory import check_parameters_fit
from ..._warnings import warn
from ...initializers import glorot_uniform_layers
from ...losses import Loss
from ...network import Network
from ...training.lbfgs import minimize_lbfgs
from .. import placement
from ..core import EstimatorCore, FitData
from ..placement import as_rows, is_out_of_core
from ..plan import TrainingPlan
from ..training_data import sample_weights
from ._constraints import CONSTRAINTS
from ._network import (
    fitted_views,
    hidden_and_output,
    hidden_names,
    loss_for,
    predict_raw,
    to_sklearn,
)
from ._outofcore import block_summed, forward_out_of_core, out_of_core_data
from ._stochastic import NON_FINITE_MESSAGE, record, stochastic_plan

__all__ = ["BaseMLP"]

STOCHASTIC = ("sgd", "adam")


class BaseMLP(EstimatorCore, BaseEstimator):
    """Base of :class:`MLPClassifier` and :class:`MLPRegressor`; not for direct use."""

    _parameter_constraints: dict = CONSTRAINTS

    # -- set by the subclasses ------------------------------------------------
    def _validate_input(self, X: Any, y: Any, incremental: bool, reset: bool) -> Any:
        raise NotImplementedError

    def _output_activation(self) -> str:
        raise NotImplementedError

    def _from_raw(self, raw: Any) -> Any:
        """Predictions (labels or values) from the output layer's activations."""
        raise NotImplementedError

    def _engine_loss(self) -> Loss:
        """The engine's loss this fit minimises (the regressor adds its robust ones)."""
        return loss_for(self.out_activation_)

    #: accuracy_score or r2_score: the validation score of early stopping.
    _score_function: Any = None

    # -- fitting --------------------------------------------------------------
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> BaseMLP:
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (classification) or real numbers (regression).
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        self._validate_params()
        return self._fit(X, y, sample_weight, partial=False)

    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if np.any(np.array(sizes) <= 0):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return sizes

    # -- the core's four steps (deepstep.estimators.core) ----------------------
    def _training_data(self, X: Any, y: Any, sample_weight: Any, partial: bool) -> FitData:
        """scikit-learn's checks of X and y, in its order; the first fit's initial weights."""
        hidden = self._hidden_sizes()
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not partial)
        X, y = self._validate_input(X, y, partial, reset=first_pass)
        if getattr(self, "class_weight", None) is not None:
            # The DNN classes' weights: sample_weight times the classes' weights.
            labels = self._label_binarizer.inverse_transform(y)
            sample_weight = sample_weights(self, sample_weight, X, labels)
        elif sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        self.n_outputs_ = y.shape[1]
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize([X.shape[1], *hidden, self.n_outputs_], X.dtype)
        # A sparse X stays sparse (CSR): full batch multiplies the first layer
        # by it sparsely, mini-batches are densified one at a time.
        X = as_rows(X)
        return FitData(X, y.astype(X.dtype), sample_weight, partial)

    def _out_of_core_data(self, X: Any, y: Any, sample_weight: Any, partial: bool) -> FitData:
        """The same for an h5py dataset or a Dask array (:mod:`._outofcore`)."""
        return out_of_core_data(self, X, y, sample_weight, partial)

    def _training_plan(self, data: FitData) -> TrainingPlan:
        """sgd and adam: the Trainer (:mod:`._stochastic`); lbfgs: scipy's L-BFGS-B."""
        net, device = self._network()
        if self.solver in STOCHASTIC:
            return stochastic_plan(self, net, data.X, data.Y, data.sample_weight, data.partial,
                                   device)
        # Out of core, the cost and gradient are summed over the blocks.
        objective = block_summed(net) if data.out_of_core else net
        Y = np.ascontiguousarray(data.Y.T) if data.out_of_core else data.Y.T
        return TrainingPlan(None, data.X.T, Y, self.max_iter, sample_weight=data.sample_weight,
                            device=device, name=type(self).__name__,
                            minimize=lambda X, Y, w: self._fit_lbfgs(net, objective, X, Y, w))

    def _fitted(self, training: TrainingPlan, data: FitData) -> None:
        if self.solver in STOCHASTIC:
            record(self, training, data.partial)
        self._check_finite_weights()

    def _fit_lbfgs(self, net: Network, objective: Any, X: Any, Y: Any,
                   sample_weight: Any) -> None:
        """scipy's L-BFGS-B on ``objective``'s loss and gradient; ``net`` holds the result.

        ``objective`` is ``net`` itself, or (out of core) its gradient summed
        over blocks; X of shape (n_x, m) (or a RowSource), Y of shape (n_y, m).
        """
        result = minimize_lbfgs(objective, X, Y, sample_weight, max_iter=self.max_iter,
                                max_fun=self.max_fun, tol=self.tol)
        # scikit-learn's helper warns with its own stacklevel; re-issued at the user's line.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.n_iter_ = _check_optimize_result("lbfgs", result, self.max_iter)
        for w in caught:
            warn(str(w.message), w.category)
        self.loss_ = float(result.fun)
        self.coefs_, self.intercepts_ = fitted_views(net)

    def _check_finite_weights(self) -> None:
        """scikit-learn's ValueError when a fit ends on non-finite weights."""
        if not all(np.isfinite(w).all() for w in [*self.coefs_, *self.intercepts_]):
            raise ValueError(NON_FINITE_MESSAGE)

    def _network(self) -> tuple[Network, str]:
        """The network this fit trains, from ``coefs_``, on the ``device`` setting's library.

        Returns
        -------
        net : Network
            The fitted (or initial) weights copied once into one buffer;
            after the fit ``coefs_`` are views of it (:func:`._network.fitted_views`).
        device : str
            ``deepstep._config.get_config()["device"]``: the constructors are
            scikit-learn's, so the device is a setting (see :mod:`deepstep._config`).
        """
        device = _config.get_config()["device"]
        xp = placement.namespace(device)
        if self.solver not in STOCHASTIC and not is_numpy(xp):
            raise ValueError(f"{type(self).__name__}.fit: solver='lbfgs' runs scipy's L-BFGS-B "
                             f"on the CPU, not on device={device!r}; use solver='adam' or "
                             "'sgd' there, or config_context(device='cpu')")
        # scikit-learn divides the L2 term by the sample weights' sum (l2_per_weight).
        net = Network.from_sklearn(self.coefs_, self.intercepts_,
                                   hidden_and_output(self.activation, self.out_activation_,
                                                     self.n_layers_),
                                   self._engine_loss(), xp=xp,
                                   alpha=float(self.alpha), l2_per_weight=True,
                                   **self._dropout())
        return net, device

    def _dropout(self) -> dict[str, Any]:
        """The network's dropout rate and the masks' own generator (none without dropout).

        As the DNN classes do (:func:`deepstep.estimators.plan.training_plan`):
        the generator is seeded by one draw from the fit's random state after
        the initial weights, so dropout > 0 keeps them; dropout=0 draws nothing.
        """
        rate = float(self.dropout)
        if not rate:
            return {}
        if self.solver not in STOCHASTIC:
            raise ValueError(f"{type(self).__name__}.fit: dropout={self.dropout!r} needs "
                             "solver='adam' or 'sgd' (L-BFGS needs a cost that does not "
                             f"change between evaluations), got solver={self.solver!r}")
        seed = int(self._random_state.randint(0, 2**31 - 1))
        return {"dropout": rate, "dropout_rng": np.random.default_rng(seed)}

    def _initialize(self, layer_units: list[int], dtype: Any) -> None:
        """The first fit's attributes and weights (scikit-learn's order of random draws)."""
        check_parameters_fit(layer_units, dtype, f"{type(self).__name__}.fit",
                             fix="use smaller hidden_layer_sizes")
        self.n_iter_ = 0
        self.t_ = 0
        self.n_layers_ = len(layer_units)
        self.out_activation_ = self._output_activation()
        hidden = hidden_names(self.activation, len(layer_units) - 2, type(self).__name__)
        if isinstance(self.activation, str):
            factor = 2.0 if self.activation == "logistic" else 6.0
            weights = glorot_uniform_layers(layer_units, self._random_state, factor=factor,
                                            dtype=dtype)
        else:
            # One activation per layer: each layer's Glorot factor follows the
            # activation it feeds (the output layer the last hidden one's), drawn
            # in scikit-learn's order, so an all-equal sequence is the string's fit.
            factors = [2.0 if a == "logistic" else 6.0 for a in [*hidden, hidden[-1]]]
            weights = [pair for (n_in, n_out), f in zip(itertools.pairwise(layer_units),
                                                        factors, strict=True)
                       for pair in glorot_uniform_layers([n_in, n_out], self._random_state,
                                                         factor=f, dtype=dtype)]
        self.coefs_, self.intercepts_ = to_sklearn(weights)
        self._best_weights = None
        if self.solver in STOCHASTIC:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.validation_loss_curve_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.validation_loss_curve_ = None
                self.best_validation_score_ = None

    def _check_solver(self) -> bool:
        if self.solver not in STOCHASTIC:
            raise AttributeError("partial_fit is only available for stochastic optimizers. "
                                 f"{self.solver} is not stochastic.")
        return True

    # -- prediction -----------------------------------------------------------
    def _forward_pass_fast(self, X: Any, check_input: bool = True) -> Any:
        """The output layer's activations, shape (n_samples, n_outputs)."""
        if is_out_of_core(X):
            return forward_out_of_core(self, X, self._forward_pass_fast)
        if check_input:
            X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)
        weights = [(c.T, b.reshape(-1, 1)) for c, b in zip(self.coefs_, self.intercepts_,
                                                            strict=True)]
        acts = hidden_and_output(self.activation, self.out_activation_, self.n_layers_)
        return predict_raw(X, weights, acts, placement.namespace(_config.get_config()["device"]))

    def _predict(self, X: Any, check_input: bool = True) -> Any:
        return self._from_raw(self._forward_pass_fast(X, check_input=check_input))

    def _score_raw(self, raw: Any, y: Any, sample_weight: Any = None) -> float:
        """The validation score of outputs ``raw`` (NaN when a prediction is not finite)."""
        y_pred = self._from_raw(raw)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return float(type(self)._score_function(y, y_pred, sample_weight=sample_weight))

    def _score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """The validation score of X's predictions, without input validation."""
        return self._score_raw(self._forward_pass_fast(X, check_input=False), y, sample_weight)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
