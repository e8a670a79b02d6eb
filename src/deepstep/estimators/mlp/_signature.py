"""The constructor both estimators share, with scikit-learn 1.9's names and defaults."""

from __future__ import annotations

from typing import Any

__all__ = ["store"]


def store(est: Any, **params: Any) -> None:
    """Set every hyperparameter as an attribute, unchanged (scikit-learn's rule for ``__init__``).

    Parameters
    ----------
    est : estimator
    **params
        The constructor's arguments.
    """
    for name, value in params.items():
        setattr(est, name, value)
