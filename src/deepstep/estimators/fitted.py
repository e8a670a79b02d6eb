"""A fitted network's weights under scikit-learn's names, as views of ``parameters_``.

scikit-learn's MLP keeps its weights as ``coefs_[i]`` of shape (n_in, n_out)
and ``intercepts_[i]`` of shape (n_out,); the course keeps ``parameters_``,
``"W{l}"`` of shape (n_l, n_{l-1}) and ``"b{l}"`` of shape (n_l, 1). Both
describe the same arrays: ``coefs_[l - 1]`` is ``W{l}.T`` and
``intercepts_[l - 1]`` is ``b{l}`` flattened, views that share memory with
``parameters_`` (writing through one changes the other), never copies. So
code written for ``MLPClassifier``'s attributes reads a ``DNNClassifier``
as it is.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.utils.validation import check_is_fitted

from .summary import format_summary

__all__ = ["FittedNetwork"]

Array = NDArray[np.floating]


class FittedNetwork:
    """scikit-learn's fitted attributes of a network, read from ``parameters_``.

    Attributes
    ----------
    coefs_ : list of ndarray of shape (n_{l-1}, n_l)
        ``parameters_["W{l}"].T``, a view.
    intercepts_ : list of ndarray of shape (n_l,)
        ``parameters_["b{l}"]`` flattened, a view.
    n_layers_ : int
        Layers counted as scikit-learn counts them (input and output included).
    best_validation_score_ : float or None
        The best of ``validation_scores_`` under early stopping, else None.
    """

    parameters_: dict[str, Array]
    layer_sizes_: list[int]

    @property
    def coefs_(self) -> list[Array]:
        """``W{l}.T`` for every layer: views of ``parameters_``, shape (n_in, n_out)."""
        return [self.parameters_[f"W{l}"].T for l in range(1, len(self.layer_sizes_))]

    @property
    def intercepts_(self) -> list[Array]:
        """``b{l}`` flattened for every layer: views of ``parameters_``, shape (n_out,)."""
        return [self.parameters_[f"b{l}"].reshape(-1) for l in range(1, len(self.layer_sizes_))]

    @property
    def n_layers_(self) -> int:
        """``len(layer_sizes_)``: the input, the hidden layers and the output."""
        return len(self.layer_sizes_)

    @property
    def best_validation_score_(self) -> float | None:
        """The best validation score under early stopping (scikit-learn's), else None."""
        scores = getattr(self, "validation_scores_", None)
        if not getattr(self, "_early_stopping_used", False) or not scores:
            return None
        return float(np.nanmax(scores)) if not np.isnan(scores).all() else None

    def summary(self, file: Any = None) -> None:
        """Print a table of the layers: units, activation, weight shapes, parameter counts.

        Parameters
        ----------
        file : file-like, optional
            Where to print (default: standard output).
        """
        check_is_fitted(self, "parameters_")
        print(format_summary(self), file=file)
