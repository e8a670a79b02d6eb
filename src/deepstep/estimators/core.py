"""The one ``fit`` of both estimator families: data -> plan -> run -> fitted attributes.

``DNNClassifier``/``DNNRegressor`` and ``MLPClassifier``/``MLPRegressor``
are two faces of one engine. Both fit through :meth:`EstimatorCore._fit`,
which does the same four things in the same order for every face, in
memory and out of core:

1. **the data**: the face validates X and y against its parameter table
   and encodes the targets (:class:`FitData`); out-of-core X (an h5py
   dataset, a Dask array) becomes a block reader instead
   (:mod:`.placement`);
2. **the plan**: the face translates its parameters into a
   :class:`~.plan.TrainingPlan` (network, optimizer, callbacks, stopping
   rule, validation data, batch size, or another way of stepping such as
   L-BFGS);
3. **the run**: :func:`.plan.run`, the one place an estimator starts the
   engine (the data copied to the device once, then the trainer's epochs);
4. **the record**: the face writes its fitted attributes from the run
   (and warns, as its family does, when ``max_iter`` ran out first).

What differs between the faces is only what their tables say: which
checks and messages (the DNN classes' own, or scikit-learn's word for
word), the order of the random draws (scikit-learn's for the MLP classes),
the attribute names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from . import placement, plan

__all__ = ["EstimatorCore", "FitData"]


@dataclass
class FitData:
    """The validated training data a face hands its own translation.

    Attributes
    ----------
    X : ndarray or SciPy CSR matrix of shape (m, n_x), or out-of-core rows
        The examples as rows, in the model's dtype (out of core: a
        :class:`~deepstep.outofcore.RowSource`, read in blocks).
    Y : ndarray
        The encoded targets in X's dtype (the DNN classes: shape (n_y, m);
        the MLP classes: scikit-learn's (m, n_y)).
    sample_weight : ndarray of shape (m,) or None
    partial : bool
        ``partial_fit`` (one epoch, state kept for the next call).
    out_of_core : bool, default=False
    continuing : bool, default=False
        A ``partial_fit`` that continues a started model.
    options : dict, default={}
        What else the face's validation settled (its checked parameters,
        the loss by name, ``validation_data`` given to ``fit``).
    """

    X: Any
    Y: Any
    sample_weight: Any
    partial: bool
    out_of_core: bool = False
    continuing: bool = False
    options: dict[str, Any] = field(default_factory=dict)


class EstimatorCore:
    """The fit both estimator families share; each face supplies the four steps' specifics.

    A face implements :meth:`_training_data` (and
    :meth:`_out_of_core_data`), :meth:`_training_plan` and :meth:`_fitted`;
    ``fit`` and ``partial_fit`` call :meth:`_fit`.
    """

    #: ``np.errstate`` during a fit: the DNN classes silence NumPy's
    #: floating-point warnings (bad input and divergence are reported by
    #: their own checks); the MLP classes keep scikit-learn's behaviour.
    _fit_errstate: ClassVar[dict[str, str]] = {}

    def _fit(self, X: Any, y: Any, sample_weight: Any = None, *, partial: bool = False,
             **options: Any) -> Any:
        """Validate, plan, run, record: the one fit of every estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix, h5py.Dataset, dask.array.Array}
            Of shape (n_samples, n_features).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), optional
        partial : bool, default=False
            ``partial_fit``.
        **options
            The face's own ``fit`` arguments (``validation_data``, ``classes``).

        Returns
        -------
        self
        """
        with np.errstate(**self._fit_errstate):
            if placement.is_out_of_core(X):
                X = placement.dask_rows(X)
                data = self._out_of_core_data(X, y, sample_weight, partial, **options)
            else:
                data = self._training_data(X, y, sample_weight, partial, **options)
            training = self._training_plan(data)
            plan.run(training)
            self._fitted(training, data)
        return self

    # -- what each face supplies ----------------------------------------------
    def _training_data(self, X: Any, y: Any, sample_weight: Any, partial: bool,
                       **options: Any) -> FitData:
        """X and y validated by the face's table, the targets encoded."""
        raise NotImplementedError

    def _out_of_core_data(self, X: Any, y: Any, sample_weight: Any, partial: bool,
                          **options: Any) -> FitData:
        """The same for X read in blocks; options that need X in memory refused."""
        raise NotImplementedError

    def _training_plan(self, data: FitData) -> plan.TrainingPlan:
        """The face's parameters translated into a run of the engine."""
        raise NotImplementedError

    def _fitted(self, training: plan.TrainingPlan, data: FitData) -> None:
        """The face's fitted attributes after the run."""
        raise NotImplementedError
