"""The whole network: [LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID, forward and backward.

``L_model_forward`` stacks ``linear_activation_forward`` over the layers and
keeps every layer's cache; ``L_model_backward`` walks the same caches in
reverse with ``linear_activation_backward``. Both accept an optional list of
activation names, one per layer, the course's choice being the default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._backend import is_foreign, namespace
from ._validation import as_float_array, check_finite, count_layers, finite_result
from .activations import Activation, get_activation
from .layers import (
    LayerCache,
    _bias_gradient,
    _linear_activation_forward,
    _linear_backward,
    _unpack_layer_cache,
    _unpack_linear_cache,
)
from .losses import _binary_cross_entropy_backward, _check_output_and_labels

__all__ = ["L_model_backward", "L_model_forward", "default_activations"]

Array = NDArray[np.floating]
Grads = dict[str, Array]


def default_activations(L: int) -> list[str]:
    """The course's activations for L layers: ``relu`` for layers 1..L-1, ``sigmoid`` last.

    Parameters
    ----------
    L : int
        Number of layers.

    Returns
    -------
    list of str
    """
    return ["relu"] * (L - 1) + ["sigmoid"]


@finite_result("L_model_forward")
def L_model_forward(
    X: ArrayLike,
    parameters: Mapping[str, ArrayLike],
    activations: Sequence[str] | None = None,
) -> tuple[Array, list[LayerCache]]:
    """Forward propagation through all L layers.

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
        Input data, one example per column.
    parameters : dict
        ``"W{l}"`` of shape (n_l, n_{l-1}) and ``"b{l}"`` of shape (n_l, 1),
        as returned by ``initialize_parameters_deep``.
    activations : sequence of str, optional
        One activation name per layer; by default ``relu`` for the hidden
        layers and ``sigmoid`` for the output layer, as in the course.

    Returns
    -------
    AL : ndarray of shape (n_L, m)
        Output of the last layer (``(1, m)`` probabilities in the course).
    caches : list of L tuples
        ``((A_prev, W, b), Z)`` for each layer, in order.
    """
    func = "L_model_forward"
    X = as_float_array(X, "X", func=func)
    check_finite(X, "X", func=func)
    weights = check_parameters(parameters, X.shape[0], func)
    acts = resolve_activations(activations, len(weights), func)
    return forward(X, weights, acts)


def forward(
    X: Array,
    weights: Sequence[Sequence[Array]],
    acts: Sequence[Activation],
    *,
    Z1: Array | None = None,
    dropout: float = 0.0,
    rng: Any = None,
    masks: list[Array] | None = None,
) -> tuple[Array, list[LayerCache]]:
    """Unchecked forward pass over validated inputs (the engine of ``L_model_forward``).

    Without the keyword arguments this is exactly the course's forward
    propagation. The keywords are the training side's, named and explicit:

    ``Z1``, when given, is the first layer's pre-activation ``W1 X + b1``
    already computed by the caller (the training loop's Gram-matrix path
    keeps it up to date without multiplying by X).

    ``dropout`` > 0 applies inverted dropout to every hidden layer's output:
    each unit is kept with probability ``1 - dropout`` (drawn from ``rng``)
    and scaled by ``1 / (1 - dropout)``, so the expected activation is
    unchanged and nothing needs rescaling at prediction time. The masks
    (already scaled) are appended to ``masks`` for :func:`backward`.
    """
    caches: list[LayerCache] = []
    A = X
    L = len(weights)
    for l, ((W, b), act) in enumerate(zip(weights, acts, strict=True)):
        if l == 0 and Z1 is not None:
            A_next, activation_cache = act.forward(Z1)
            caches.append(((A, W, b), activation_cache))
            A = A_next
        else:
            A, cache = _linear_activation_forward(A, W, b, act)
            caches.append(cache)
        if dropout and l < L - 1:
            single = A.dtype == namespace(A).float32
            mask = (rng.random(A.shape) >= dropout).astype(np.float32 if single else np.float64)
            mask /= 1 - dropout
            if is_foreign(A):  # drawn on the host from the one generator, then moved
                mask = namespace(A).asarray(mask)
            A = A * mask
            if masks is not None:
                masks.append(mask)
    return A, caches


@finite_result("L_model_backward")
def L_model_backward(
    AL: ArrayLike,
    Y: ArrayLike,
    caches: Sequence[Any],
    activations: Sequence[str] | None = None,
) -> Grads:
    """Backward propagation through all L layers for the cross-entropy cost.

    Starts from ``dAL = -(Y / AL - (1 - Y) / (1 - AL))`` and applies
    ``linear_activation_backward`` from layer L down to layer 1.

    Parameters
    ----------
    AL : ndarray of shape (1, m)
        Output of :func:`L_model_forward`.
    Y : ndarray of shape (1, m), or (m,)
        True labels, 0 or 1.
    caches : sequence of L caches
        As returned by :func:`L_model_forward`.
    activations : sequence of str, optional
        The activations used in the forward pass (course default).

    Returns
    -------
    grads : dict
        ``"dA{l-1}"`` of shape (n_{l-1}, m), ``"dW{l}"`` of shape (n_l, n_{l-1})
        and ``"db{l}"`` of shape (n_l, 1) for l = 1, ..., L.
    """
    func = "L_model_backward"
    AL, Y = _check_output_and_labels(AL, Y, func)
    if isinstance(caches, (str, bytes)) or not isinstance(caches, Sequence) or not caches:
        raise TypeError(
            f"{func}: caches must be the non-empty list of caches from L_model_forward, "
            f"got {type(caches).__name__}"
        )
    L = len(caches)
    acts = resolve_activations(activations, L, func)
    layers = [_check_layer_cache(c, l + 1, func) for l, c in enumerate(caches)]
    for l in range(2, L + 1):
        # Each cache may be consistent on its own and still not follow the
        # previous layer: dA would then be broadcast against Z.
        A_prev, Z_before = layers[l - 1][0][0], layers[l - 2][1]
        if A_prev.shape != Z_before.shape:
            raise ValueError(
                f"{func}: the caches do not chain: layer {l}'s cached A_prev has shape "
                f"{A_prev.shape} but layer {l - 1}'s Z has shape {Z_before.shape} (caches must "
                f"be L_model_forward's, in order)"
            )
    (A_prev, W, _), Z_L = layers[-1]
    if Z_L.shape != AL.shape or W.shape[0] != AL.shape[0] or A_prev.shape[1] != AL.shape[1]:
        raise ValueError(
            f"{func}: AL of shape {AL.shape} does not match the last cache "
            f"(W {W.shape}, A_prev {A_prev.shape}, Z {Z_L.shape})"
        )
    dAL = _binary_cross_entropy_backward(AL, Y)
    dZL = acts[-1].backward(dAL, Z_L)
    return backward(dZL, layers, acts, need_dA0=True)


def backward(
    dZL: Array,
    caches: Sequence[LayerCache],
    acts: Sequence[Activation],
    *,
    need_dA0: bool = True,
    need_dW1: bool = True,
    masks: Sequence[Array] | None = None,
    premeaned: bool = False,
    out: Grads | None = None,
    overwrite_dA: bool = False,
) -> Grads:
    """Unchecked backward pass from the output layer's dZ (the engine of ``L_model_backward``).

    With the defaults this is the course's backward propagation, the 1/m of
    equations (8) and (9) applied by ``linear_backward`` in every layer. The
    keywords are the training side's, named and explicit:

    ``need_dA0=False`` skips the gradient with respect to the input X, which
    training never uses and which costs a product as large as dW1's.
    ``need_dW1=False`` returns ``grads["dZ1"]`` and ``grads["db1"]`` instead of
    forming ``dW1 = dZ1 X^T / m`` (the Gram-matrix path needs only dZ1).
    ``masks`` are the dropout masks of the forward pass, one per hidden layer.
    ``premeaned=True`` says ``dZL`` already is dJ/dZ[L] of the mean cost (the
    course's dZ divided by m, by :func:`deepstep.losses.scaled_output_delta`):
    backpropagation is linear in dZ, so every layer's gradient then comes out
    already averaged and no dW is divided by m.
    ``out``, a dict with ``"dW{l}"`` and ``"db{l}"`` arrays of the parameters'
    shapes, receives the gradients in place of new arrays.
    ``overwrite_dA=True`` lets each activation's backward write dZ into the
    dA it is given (``Activation.backward_into``: one pass and one array
    fewer per layer); the returned grads then hold no ``"dA{l}"``.
    """
    grads: Grads = {}
    L = len(caches)
    dZ = dZL
    for l in range(L, 0, -1):
        (A_prev, W, _), Z = caches[l - 1]
        if l < L:
            dA = grads.pop(f"dA{l}") if overwrite_dA else grads[f"dA{l}"]
            if masks:
                dA = dA * masks[l - 1]
            act = acts[l - 1]
            if overwrite_dA and act.backward_into is not None:
                dZ = act.backward_into(dA, Z)
            else:
                dZ = act.backward(dA, Z)
        if l == 1 and not need_dW1:
            grads["dZ1"] = dZ
            grads["db1"] = _bias_gradient(dZ, 1 if premeaned else A_prev.shape[1],
                                          out=None if out is None else out["db1"])
            break
        dA_prev, grads[f"dW{l}"], grads[f"db{l}"] = _linear_backward(
            dZ, A_prev, W, need_dA_prev=need_dA0 or l > 1, premeaned=premeaned,
            out=None if out is None else (out[f"dW{l}"], out[f"db{l}"]),
        )
        if dA_prev is not None:
            grads[f"dA{l - 1}"] = dA_prev
    return grads


def check_parameters(
    parameters: Any, n_x: int | None, func: str
) -> list[tuple[Array, Array]]:
    """Validate a parameter dict and return its ``(W, b)`` pairs in layer order."""
    L = count_layers(parameters, func)
    weights = []
    n_prev = n_x
    for l in range(1, L + 1):
        W = as_float_array(parameters[f"W{l}"], f"parameters['W{l}']", func=func)
        b = as_float_array(parameters[f"b{l}"], f"parameters['b{l}']", func=func)
        if n_prev is not None and W.shape[1] != n_prev:
            what = "X.shape[0]" if l == 1 else f"W{l - 1}.shape[0]"
            raise ValueError(
                f"{func}: W{l} must have {n_prev} columns ({what}), got shape {W.shape}"
            )
        if b.shape != (W.shape[0], 1):
            raise ValueError(
                f"{func}: b{l} must have shape {(W.shape[0], 1)} to match W{l} {W.shape}, "
                f"got {b.shape}"
            )
        check_finite(W, f"W{l}", func=func)
        check_finite(b, f"b{l}", func=func)
        weights.append((W, b))
        n_prev = W.shape[0]
    return weights


def resolve_activations(
    activations: Sequence[str] | None, L: int, func: str
) -> list[Activation]:
    """Look up one activation per layer (the course's by default)."""
    if activations is None:
        activations = default_activations(L)
    if isinstance(activations, str) or not isinstance(activations, Sequence):
        raise TypeError(
            f"{func}: activations must be a list of {L} activation names, "
            f"got {type(activations).__name__}"
        )
    if len(activations) != L:
        raise ValueError(
            f"{func}: activations must name one activation per layer ({L}), "
            f"got {len(activations)}: {list(activations)}"
        )
    return [get_activation(a, func=func, argument=f"activations[{i}]")
            for i, a in enumerate(activations)]


def _check_layer_cache(cache: Any, l: int, func: str) -> LayerCache:
    linear_cache, Z = _unpack_layer_cache(cache, f"{func} (layer {l})")
    A_prev, W, b = _unpack_linear_cache(linear_cache, f"{func} (layer {l})")
    Z = as_float_array(Z, f"caches[{l - 1}] Z", func=func)
    if Z.shape != (W.shape[0], A_prev.shape[1]):
        raise ValueError(
            f"{func}: caches[{l - 1}] holds Z of shape {Z.shape}, expected "
            f"{(W.shape[0], A_prev.shape[1])}"
        )
    return (A_prev, W, b), Z
