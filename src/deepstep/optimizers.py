"""Parameter updates.

Gradient descent, as in the course::

    W[l] = W[l] - alpha dW[l]
    b[l] = b[l] - alpha db[l]
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from ._validation import as_float_array, check_finite, check_positive_float, count_layers

__all__ = ["update_parameters"]


def update_parameters(
    parameters: Mapping[str, NDArray[np.floating]],
    grads: Mapping[str, NDArray[np.floating]],
    learning_rate: float,
) -> dict[str, NDArray[np.floating]]:
    """One step of gradient descent on every ``W{l}`` and ``b{l}``.

    Parameters
    ----------
    parameters : dict
        ``"W{l}"`` and ``"b{l}"`` for l = 1, ..., L.
    grads : dict
        ``"dW{l}"`` and ``"db{l}"`` of the same shapes (the output of
        ``L_model_backward``; other keys such as ``"dA{l}"`` are ignored).
    learning_rate : float
        Step size alpha > 0.

    Returns
    -------
    parameters : dict
        New arrays; the caller's arrays are never modified in place.
    """
    func = "update_parameters"
    learning_rate = check_positive_float(learning_rate, "learning_rate", func=func)
    L = count_layers(parameters, func)
    if not isinstance(grads, Mapping):
        raise TypeError(f"{func}: grads must be a dict of gradients, got {type(grads).__name__}")
    new: dict[str, NDArray[np.floating]] = {}
    for l in range(1, L + 1):
        for p in ("W", "b"):
            key, gkey = f"{p}{l}", f"d{p}{l}"
            if gkey not in grads:
                raise ValueError(f"{func}: grads is missing {gkey!r} (parameters has {key!r})")
            value = as_float_array(parameters[key], f"parameters[{key!r}]", func=func)
            grad = as_float_array(grads[gkey], f"grads[{gkey!r}]", func=func)
            if grad.shape != value.shape:
                raise ValueError(
                    f"{func}: grads[{gkey!r}] must have the shape of parameters[{key!r}] "
                    f"{value.shape}, got {grad.shape}"
                )
            check_finite(grad, f"grads[{gkey!r}]", func=func)
            new[key] = value - learning_rate * grad
    return new

