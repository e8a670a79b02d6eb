"""The MLP's network on the engine: names, initial weights, forward pass, the losses.

scikit-learn's attributes keep its orientation (``coefs_[i]`` of shape
(n_in, n_out), ``intercepts_[i]`` of shape (n_out,)); the engine works with
``W`` (n_out, n_in), ``b`` (n_out, 1) and examples as columns. This module is
the translation, both ways, and prediction through the estimators' one
blocked forward pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..._backend import to_numpy
from ...activations import Activation, get_activation
from ...losses import LOSSES, Loss, huber_loss, quantile_loss
from ...network import Network
from .. import placement
from ..prediction import forward_in_blocks

__all__ = ["ENGINE_ACTIVATION", "HIDDEN_ACTIVATIONS", "fitted_views", "hidden_and_output",
           "hidden_names", "loss_for",
           "predict_raw", "to_sklearn"]

Array = NDArray[np.floating]

#: scikit-learn's activation names -> the engine's registry.
ENGINE_ACTIVATION = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh",
                     "relu": "relu", "softmax": "softmax", "exp": "exp",
                     "leaky_relu": "leaky_relu"}

#: The hidden activations the MLP classes take (deepstep adds leaky_relu).
HIDDEN_ACTIVATIONS = ("identity", "logistic", "tanh", "relu", "leaky_relu")


def hidden_names(activation: Any, n_hidden: int, owner: str = "MLP") -> list[str]:
    """scikit-learn's names of the hidden layers' activations, one per hidden layer.

    Parameters
    ----------
    activation : str or sequence of str
        One name for every hidden layer, or one per hidden layer (deepstep's addition).
    n_hidden : int
        The number of hidden layers.
    owner : str
        The estimator's name, for the error.

    Returns
    -------
    list of str of length n_hidden

    Raises
    ------
    ValueError
        A sequence of the wrong length or with an unknown name.
    """
    if isinstance(activation, str):
        return [activation] * n_hidden
    names = list(activation)
    if len(names) != n_hidden or not all(isinstance(a, str) and a in HIDDEN_ACTIVATIONS
                                         for a in names):
        raise ValueError(f"{owner}.fit: activation must be one of {list(HIDDEN_ACTIVATIONS)} "
                         f"or a sequence of them, one per hidden layer ({n_hidden}), got "
                         f"{activation!r}")
    return names

def loss_for(out_activation: str, loss: str | None = None, *, huber_delta: float = 1.0,
             quantile: float = 0.5) -> Loss:
    """The engine's loss whose natural output activation is ``out_activation``.

    Parameters
    ----------
    out_activation : {"logistic", "softmax", "identity", "exp"}
    loss : {"absolute_error", "huber", "quantile"} or None, default=None
        MLPRegressor's robust losses (deepstep's additions, identity output);
        None or another name: the loss ``out_activation`` implies.
    huber_delta : float, default=1.0
        The Huber loss's threshold.
    quantile : float, default=0.5
        The pinball loss's level.

    Returns
    -------
    Loss
    """
    if loss == "absolute_error":
        return LOSSES["absolute_error"]
    if loss == "huber":
        return huber_loss(huber_delta)
    if loss == "quantile":
        return quantile_loss(quantile)
    name = {"logistic": "binary_cross_entropy", "softmax": "categorical_cross_entropy",
            "identity": "squared_error_per_output", "exp": "poisson"}[out_activation]
    return LOSSES[name]


def hidden_and_output(activation: Any, out_activation: str, n_layers: int) -> list[Activation]:
    """The engine's activations of the ``n_layers - 1`` weight layers.

    Parameters
    ----------
    activation : str or sequence of str
        scikit-learn's hidden activation name, or one per hidden layer.
    out_activation : str
    n_layers : int
        scikit-learn's ``n_layers_`` (input and output included).

    Returns
    -------
    list of Activation
    """
    return [get_activation(ENGINE_ACTIVATION[a]) for a in
            [*hidden_names(activation, n_layers - 2), out_activation]]


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


def fitted_views(net: Network) -> tuple[list[Array], list[Array]]:
    """``coefs_`` and ``intercepts_`` of a trained network, in scikit-learn's orientation.

    On NumPy these are views of the network's one parameter buffer (``W.T``
    and ``b`` flattened), not copies; from a device they are host copies.

    Parameters
    ----------
    net : Network

    Returns
    -------
    coefs : list of ndarray of shape (n_in, n_out)
    intercepts : list of ndarray of shape (n_out,)
    """
    return [to_numpy(c) for c in net.coefs], [to_numpy(b) for b in net.intercepts]


def predict_raw(X: Any, weights: list[Any], acts: list[Activation], xp: Any = np) -> Array:
    """The output layer's activations for the rows of X, in blocks of rows.

    The estimators' one blocked prediction,
    :func:`deepstep.estimators.prediction.forward_in_blocks` (block sizes
    from :func:`deepstep.config_context`, the BLAS thread count following the
    machine's load, a sparse X densified one block at a time).

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    weights : list of (W, b)
        Engine orientation (``coefs_[i].T`` views are fine).
    acts : list of Activation
    xp : module, default=numpy
        The array library prediction runs in (the ``device`` setting's); the
        weights are moved there if they are not, each block in and its output out.

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
        In the weights' dtype, on the host.
    """
    dtype = to_numpy(weights[-1][1][0:1, 0:1]).dtype
    weights = placement.weights_on(xp, [(W, b) for W, b in weights])
    layer_sizes = [X.shape[1], *(W.shape[0] for W, _ in weights)]
    # A CSC input is made CSR once: blocks of rows are then slices.
    X = placement.as_rows(X)
    with np.errstate(over="ignore", invalid="ignore"):
        return forward_in_blocks(X, weights, acts, xp, layer_sizes, dtype=dtype)
