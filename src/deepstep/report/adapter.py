"""The one place the report calls issue 23's diagnostics API (``deepstep.diagnostics``).

The report reads a fitted model only through :func:`view` (a ``ModelView``:
layer sizes, activations, weights, kind, classes, predictions and loss
curves, the same for DNN* and MLP*) and runs the checks only through
:func:`diagnose`; ``statistics`` is a ``deepstep.training.LayerStatistics``
whose ``history`` the figures read. Wiring another source of these objects
means changing this module only.
"""

from __future__ import annotations

from typing import Any

__all__ = ["diagnose", "recording", "view"]


def view(model: Any) -> Any:
    """The model's ``ModelView`` (``deepstep.diagnostics.view``).

    Parameters
    ----------
    model : DNNClassifier, DNNRegressor, MLPClassifier or MLPRegressor
        Fitted.

    Returns
    -------
    ModelView
    """
    from ..diagnostics import view as model_view

    return model_view(model)


def diagnose(model: Any, X: Any, y: Any, *, X_test: Any = None, y_test: Any = None,
             statistics: Any = None) -> Any:
    """The training-health checks (``deepstep.diagnose``).

    Parameters
    ----------
    model : fitted estimator
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
    X_test, y_test : ndarray, optional
    statistics : LayerStatistics, optional

    Returns
    -------
    Diagnosis
        A sequence of ``Check`` (``name``, ``status``, ``finding``, ``advice``).
    """
    from ..diagnostics import diagnose as run_checks

    return run_checks(model, X, y, X_test=X_test, y_test=y_test, statistics=statistics)


def recording(every: int | str = "auto") -> Any:
    """A context manager yielding a ``LayerStatistics`` that training inside it feeds.

    Parameters
    ----------
    every : int or "auto", default="auto"
        Record every ``every``-th epoch ("auto": the first and last epochs and
        as many between as keep recording under a few percent of training).

    Returns
    -------
    context manager
        ``deepstep.recording(every)``.
    """
    from ..training import recording as record

    return record(every=every)
