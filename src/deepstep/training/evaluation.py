"""Per-epoch evaluation: metrics on the training data, loss and metrics on validation data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..propagation import forward
from .strategies import Network

__all__ = ["evaluate"]

Array = NDArray[np.floating]


def evaluate(net: Network, X: Array, Y: Array, validation_data: tuple[Array, Array] | None,
             metrics: dict[str, Callable[[Array, Array], Any]] | None) -> dict[str, float]:
    """What an epoch logs besides its loss; no update.

    Parameters
    ----------
    net : Network
        Its weights must hold the current parameters (``Trainer.parameters``).
    X : ndarray of shape (n_x, m)
    Y : ndarray of shape (n_y, m)
        Training data (only used for ``metrics``).
    validation_data : (X_val, Y_val) or None
    metrics : dict of name to callable (AL, Y) -> float, or None

    Returns
    -------
    dict of str to float
        ``<metric>`` on the training data; ``val_loss`` (with the L2 penalty)
        and ``val_<metric>`` on the validation data.
    """
    pairs = [(W, b) for W, b in net.weights]
    out: dict[str, float] = {}
    if metrics:
        AL, _ = forward(X, pairs, net.activations)
        for name, fn in metrics.items():
            out[name] = float(fn(AL, Y))
    if validation_data is not None:
        Xv, Yv = validation_data
        AL, _ = forward(Xv, pairs, net.activations)
        out["val_loss"] = float(net.loss.cost(AL, Yv) + net.penalty(Xv.shape[1]))
        for name, fn in (metrics or {}).items():
            out[f"val_{name}"] = float(fn(AL, Yv))
    return out
