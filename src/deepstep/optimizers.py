"""Parameter updates.

Gradient descent, as in the course::

    W[l] = W[l] - alpha dW[l]
    b[l] = b[l] - alpha db[l]

Optimisers are small objects with one method, ``update(params, grads)``,
which applies one step in place to a list of arrays the caller owns. The
training loop calls it on its own copies of the weights; the course's
:func:`update_parameters` calls it on fresh copies, so the caller's arrays are
never modified.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from ._validation import as_float_array, check_finite, check_positive_float, count_layers

__all__ = ["GradientDescent", "Optimizer", "update_parameters"]

Array = NDArray[np.floating]


class Optimizer:
    """Base class: ``update(params, grads)`` applies one step in place."""

    def update(self, params: Sequence[Array], grads: Sequence[Array]) -> None:
        """Apply one step to ``params`` in place.

        Parameters
        ----------
        params : sequence of ndarray
            The parameters, in a fixed order (W1, b1, W2, b2, ...).
        grads : sequence of ndarray
            The gradients of the cost, same order and shapes.
        """
        raise NotImplementedError


class GradientDescent(Optimizer):
    """Plain gradient descent, ``theta = theta - learning_rate * dtheta``.

    Parameters
    ----------
    learning_rate : float
        Step size alpha > 0.
    """

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = check_positive_float(learning_rate, "learning_rate",
                                                  func="GradientDescent")

    def update(self, params: Sequence[Array], grads: Sequence[Array]) -> None:
        """Apply ``theta -= learning_rate * dtheta`` to every parameter, in place.

        Parameters
        ----------
        params : sequence of ndarray
            Parameters, updated in place.
        grads : sequence of ndarray
            Their gradients, same order and shapes.
        """
        lr = self.learning_rate
        for theta, dtheta in zip(params, grads, strict=True):
            theta -= lr * dtheta


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
    optimizer = GradientDescent(check_positive_float(learning_rate, "learning_rate", func=func))
    L = count_layers(parameters, func)
    if not isinstance(grads, Mapping):
        raise TypeError(f"{func}: grads must be a dict of gradients, got {type(grads).__name__}")
    keys, values, gradients = [], [], []
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
            keys.append(key)
            # A fresh copy in the common dtype: the caller's array is never written.
            values.append(value.astype(np.result_type(value, grad), copy=True))
            gradients.append(grad)
    optimizer.update(values, gradients)
    return dict(zip(keys, values, strict=True))
