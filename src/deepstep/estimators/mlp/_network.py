"""The MLP's network on the engine: names, initial weights, forward pass, the losses.

scikit-learn's attributes keep its orientation (``coefs_[i]`` of shape
(n_in, n_out), ``intercepts_[i]`` of shape (n_out,)); the engine works with
``W`` (n_out, n_in), ``b`` (n_out, 1) and examples as columns. This module is
the translation, both ways, and the one forward pass prediction uses.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from ...activations import Activation, get_activation
from ...losses import LOSSES, Loss
from ...propagation import forward

__all__ = ["ENGINE_ACTIVATION", "engine_weights", "hidden_and_output", "loss_for",
           "predict_raw", "to_sklearn"]

Array = NDArray[np.floating]

#: scikit-learn's activation names -> the engine's registry.
ENGINE_ACTIVATION = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh",
                     "relu": "relu", "softmax": "softmax", "exp": "exp"}

#: Rows per block of prediction (a sparse block is densified, one at a time).
PREDICT_ROWS = 4096


def loss_for(out_activation: str) -> Loss:
    """The engine's loss whose natural output activation is ``out_activation``.

    Parameters
    ----------
    out_activation : {"logistic", "softmax", "identity", "exp"}

    Returns
    -------
    Loss
    """
    name = {"logistic": "binary_cross_entropy", "softmax": "categorical_cross_entropy",
            "identity": "squared_error_per_output", "exp": "poisson"}[out_activation]
    return LOSSES[name]


def hidden_and_output(activation: str, out_activation: str, n_layers: int) -> list[Activation]:
    """The engine's activations of the ``n_layers - 1`` weight layers.

    Parameters
    ----------
    activation : str
        scikit-learn's hidden activation name.
    out_activation : str
    n_layers : int
        scikit-learn's ``n_layers_`` (input and output included).

    Returns
    -------
    list of Activation
    """
    hidden = get_activation(ENGINE_ACTIVATION[activation])
    return [hidden] * (n_layers - 2) + [get_activation(ENGINE_ACTIVATION[out_activation])]


def engine_weights(coefs: list[Array], intercepts: list[Array]) -> list[list[Array]]:
    """Fresh engine ``[W, b]`` pairs from scikit-learn's ``coefs_`` and ``intercepts_``.

    Parameters
    ----------
    coefs : list of ndarray of shape (n_in, n_out)
    intercepts : list of ndarray of shape (n_out,)

    Returns
    -------
    list of [W (n_out, n_in), b (n_out, 1)]
    """
    return [[np.ascontiguousarray(c.T), np.array(b).reshape(-1, 1)]
            for c, b in zip(coefs, intercepts, strict=True)]


def to_sklearn(weights: list[list[Array]]) -> tuple[list[Array], list[Array]]:
    """scikit-learn's ``coefs_`` and ``intercepts_`` (new arrays) from engine pairs.

    Parameters
    ----------
    weights : list of [W, b]

    Returns
    -------
    coefs : list of ndarray of shape (n_in, n_out)
    intercepts : list of ndarray of shape (n_out,)
    """
    return ([np.ascontiguousarray(W.T) for W, _ in weights],
            [b.ravel().copy() for _, b in weights])


def predict_raw(X: Any, weights: list[Any], acts: list[Activation]) -> Array:
    """The output layer's activations for the rows of X, in blocks of rows.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    weights : list of (W, b)
        Engine orientation (``coefs_[i].T`` views are fine).
    acts : list of Activation

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
    """
    n = X.shape[0]
    n_out = weights[-1][0].shape[0]
    out = np.empty((n, n_out), dtype=weights[-1][0].dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, max(n, 1), PREDICT_ROWS):
            block = X[start:start + PREDICT_ROWS]
            if sp.issparse(block):
                block = block.toarray()
            AL, _ = forward(np.asarray(block).T, weights, acts)
            out[start:start + PREDICT_ROWS] = AL.T
    return out
