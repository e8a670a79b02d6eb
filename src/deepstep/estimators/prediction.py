"""Blocked prediction: the network's forward pass over an input of any length.

Predicting from a million rows in one pass would hold each layer's Z and A
for every row at once; :func:`forward_in_blocks` runs blocks of rows instead,
so the memory of the intermediate activations stays bounded whatever the
number of rows (only the (n_samples, n_outputs) result grows). It is the one
blocked forward pass of both estimator families: DNNClassifier/DNNRegressor
(:func:`network_output`) and MLPClassifier/MLPRegressor.

The block size comes from :func:`deepstep.get_config` at call time:
``predict_block_bytes`` and ``predict_max_rows`` (set them with
:func:`deepstep.config_context`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray
from sklearn.utils.validation import check_is_fitted, validate_data

from .._backend import to_numpy
from .._config import config_context, get_config
from ..activations import ACTIVATIONS, Activation
from ..propagation import forward, resolve_activations
from ..training.threads import BlasThreads
from . import placement

__all__ = [
    "IN_PLACE",
    "block_rows",
    "forward_in_blocks",
    "forward_rows",
    "in_place",
    "layer_weights",
    "network_logits",
    "network_output",
    "remote_forward",
]

Array = NDArray[np.floating]

#: Fewest rows per block: below that the per-call overhead dominates.
MIN_BLOCK_ROWS = 64


def block_rows(layer_sizes: Sequence[int], dtype: DTypeLike) -> int:
    """Rows per block: a Z and an A per layer within ``predict_block_bytes``.

    Never fewer than :data:`MIN_BLOCK_ROWS` nor more than ``predict_max_rows``
    (both settings of :func:`deepstep.get_config`, read now).

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_x, n_1, ..., n_L]``.
    dtype : numpy dtype
        The activations'.

    Returns
    -------
    int
    """
    config = get_config()
    per_row = 2 * sum(layer_sizes[1:]) * np.dtype(dtype).itemsize
    return max(MIN_BLOCK_ROWS, min(config["predict_max_rows"],
                                   config["predict_block_bytes"] // per_row))


def forward_in_blocks(X: Any, weights: Sequence[tuple[Any, Any]],
                      acts: Sequence[Activation], xp: Any,
                      layer_sizes: Sequence[int], dtype: DTypeLike = None) -> Array:
    """The network's output for every row of ``X``, one block of rows at a time.

    The BLAS thread count follows the machine's load while it runs
    (:class:`~deepstep.training.threads.BlasThreads`, the
    ``DEEPSTEP_BLAS_THREADS`` policy).

    Parameters
    ----------
    X : ndarray or SciPy sparse matrix (CSR) of shape (n_samples, n_x)
        On the host; a sparse X is densified one block of rows at a time
        (blocks then also bounded by ``n_x``).
    weights : sequence of (W, b)
        ``W`` of shape (n_l, n_{l-1}) and ``b`` of shape (n_l, 1), arrays of ``xp``.
    acts : sequence of Activation
        One per layer.
    xp : module
        The array library the forward pass runs in; each block is copied
        there and its output back.
    layer_sizes : sequence of int
        ``[n_x, n_1, ..., n_L]``.
    dtype : numpy dtype, optional
        The output's (and the size of the activations the block budget
        counts); X's by default. The arithmetic is NumPy's for X and the
        weights as they are.

    Returns
    -------
    ndarray of shape (n_samples, n_L)
        The output activations, on the host, in ``dtype`` (not yet checked
        to be finite).
    """
    dtype = np.dtype(X.dtype if dtype is None else dtype)
    out = np.empty((X.shape[0], layer_sizes[-1]), dtype=dtype)
    block = block_rows(layer_sizes, dtype)
    if placement.is_sparse(X):  # each block is densified: its rows within the budget too
        per_row = X.shape[1] * np.dtype(X.dtype).itemsize
        block = max(1, min(block, get_config()["predict_block_bytes"] // per_row))
    if xp is np:
        acts = [in_place(act) for act in acts]
    macs = X.shape[0] * sum(a * b for a, b in itertools.pairwise(layer_sizes))
    with BlasThreads(macs=macs) as threads:  # fewer BLAS threads while the cores are taken
        for start in range(0, X.shape[0], block):
            threads.check()
            stop = start + block
            AL, _ = forward(xp.asarray(placement.dense_rows(X, start, stop).T), weights, acts)
            out[start:stop] = to_numpy(AL).T
    return out


#: The forward kernels that write A over Z (:attr:`deepstep.activations.Activation.forward_into`,
#: registered beside each forward), by name. Prediction keeps no cache and
#: each Z is the fresh output of its layer's product, so overwriting it saves
#: one array per layer and block (its allocation and first touch, about a
#: tenth of a digits-sized MLP's predict); tests/test_prediction.py checks
#: them bit for bit against the forwards.
IN_PLACE = {name: act.forward_into for name, act in ACTIVATIONS.items()
            if act.forward_into is not None}


def in_place(act: Activation) -> Activation:
    """``act`` with its forward writing A over Z, where it has one (NumPy only)."""
    return act if act.forward_into is None else act._replace(forward=act.forward_into)


def layer_weights(model: Any) -> list[tuple[Array, Array]]:
    """The fitted (W_l, b_l) of each layer l = 1..L, on the host."""
    L = len(model.layer_sizes_) - 1
    return [(model.parameters_[f"W{l}"], model.parameters_[f"b{l}"]) for l in range(1, L + 1)]


def remote_forward(weights: Sequence[tuple[Array, Array]], acts: Sequence[Activation],
                   layer_sizes: Sequence[int], dtype: Any) -> functools.partial:
    """:func:`forward_rows` with these weights and this thread's ``predict_*`` settings.

    What goes to a Dask cluster's workers to predict on their chunks (picklable).

    Parameters
    ----------
    weights : sequence of (W, b)
        On the host, engine orientation.
    acts : sequence of Activation
    layer_sizes : sequence of int
    dtype : numpy dtype
        The model's.

    Returns
    -------
    functools.partial
        Called with a chunk's rows, shape (k, n_x).
    """
    settings = {k: v for k, v in get_config().items() if k.startswith("predict_")}
    return functools.partial(forward_rows, weights=list(weights), acts=list(acts),
                             layer_sizes=list(layer_sizes), dtype=dtype, config=settings)


def forward_rows(rows: Array, weights: Sequence[tuple[Array, Array]],
                 acts: Sequence[Activation], layer_sizes: Sequence[int], dtype: Any,
                 config: dict[str, Any] | None = None) -> Array:
    """The outputs for rows in memory on the CPU (what a Dask worker runs for its chunk).

    Parameters
    ----------
    rows : ndarray of shape (k, n_x)
    weights : sequence of (W, b)
    acts : sequence of Activation
    layer_sizes : sequence of int
    dtype : numpy dtype
        The model's.
    config : dict, optional
        :func:`deepstep.get_config`'s settings to predict under (those of
        the process that asked; a worker's own are its defaults).

    Returns
    -------
    ndarray of shape (k, n_L)
    """
    with config_context(**(config or {})):  # the client's block sizes, on a worker
        return forward_in_blocks(np.asarray(rows).astype(dtype, copy=False), weights, acts,
                                 np, layer_sizes, dtype)


def network_logits(model: Any, X: ArrayLike) -> Array:
    """The output layer's pre-activation ``Z_L`` for X, shape (n_samples, n_outputs).

    What the output activation (sigmoid, softmax) turns into probabilities:
    log-probabilities computed from it stay finite where the probabilities
    underflow. Same blocks, checks and messages as :func:`network_output`.
    """
    return network_output(model, X, logits=True)


def network_output(model: Any, X: ArrayLike, logits: bool = False) -> Array:
    """A fitted estimator's network output for X, checked to be finite.

    Parameters
    ----------
    model : DNNClassifier or DNNRegressor
        Fitted; predicts on its ``device`` (the CPU when it has none).
    X : array-like, h5py dataset or Dask array of shape (n_samples, n_features)
        In memory, validated by scikit-learn; out of core, read in blocks.
    logits : bool, default=False
        Return the output layer's ``Z`` instead of its activation.

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
        In the model's dtype.

    Raises
    ------
    ValueError
        For X that does not fit the model, and when the output overflows.
    """
    # NumPy's floating-point warnings are not how a user learns of an
    # overflow: the finiteness check below raises instead.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        out = _output_unchecked(model, X, logits)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{type(model).__name__}: the network's output overflows for this "
                         "X (values far larger than those it was trained on?)")
    return out


def _output_unchecked(model: Any, X: Any, logits: bool = False) -> Array:
    check_is_fitted(model, "parameters_")
    name = type(model).__name__
    dtype = model.parameters_["W1"].dtype
    if placement.is_out_of_core(X):
        names = list(model.activations_)
        if logits:
            names[-1] = "identity"
        remote = remote_forward(layer_weights(model),
                                resolve_activations(names, len(names), name),
                                model.layer_sizes_, dtype)
        # Checked once, whole, by network_output, which called this.
        return placement.outputs_out_of_core(
            name, X, model.n_features_in_, model.layer_sizes_[-1], dtype,
            lambda rows: _output_unchecked(model, rows, logits), remote)
    X = placement.as_rows(validate_data(model, X, reset=False, accept_sparse=("csr", "csc"),
                                        dtype=[np.float64, np.float32]))
    X = placement.as_model_dtype(name, X, dtype)
    weights = layer_weights(model)
    xp = placement.namespace(getattr(model, "device", "cpu"))
    weights = placement.weights_on(xp, weights)
    names = list(model.activations_)
    if logits:  # the output layer's Z: its activation replaced by the identity
        names[-1] = "identity"
    acts = resolve_activations(names, len(weights), name)
    return forward_in_blocks(X, weights, acts, xp, model.layer_sizes_)
