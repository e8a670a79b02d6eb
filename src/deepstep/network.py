"""The network being trained: one flat parameter buffer, and its cost and gradient.

A :class:`Network` holds every parameter in ONE 1-D array of the model's
dtype, laid out layer by layer as ``[W1, b1, W2, b2, ...]`` (each ``W``
row-major). ``W[l]`` of shape (n_l, n_{l-1}) and ``b[l]`` of shape (n_l, 1)
are views into it, so an optimizer updates all the parameters with one
operation on the buffer, a checkpoint is one copy, and the course's dict
(:attr:`Network.parameters`) and scikit-learn's orientation
(:attr:`Network.coefs`, :attr:`Network.intercepts`) are views too, never copies.

:meth:`Network.loss_and_gradient` is the one place where the training
chain is written: forward, cost, output delta, backward, L2. Every training
path calls it (the step strategies, out-of-core blocks, L-BFGS, the
gradient check), with the keywords that say what differs.

Where each factor is applied
----------------------------
* 1/m (equations 8 and 9): once, on the output layer's n_L x k delta, by
  :func:`deepstep.losses.scaled_output_delta`; ``backward(premeaned=True)``
  then divides nothing again.
* the learning rate (plain gradient descent only): the ``scale`` argument,
  folded into that same delta, so backpropagation returns the finished steps.
* L2: :meth:`Network.penalty` adds ``(alpha / (2 m)) sum ||W||^2`` to the
  cost and :meth:`Network.add_l2_gradient` adds ``scale (alpha / m) W`` to
  each ``dW`` (``m`` from :meth:`Network.l2_count`).

Array libraries
---------------
The buffer lives in the weights' own library (NumPy, CuPy, ...). Slicing
and reshaping give views in NumPy, CuPy, PyTorch and array-api-strict; the
array API standard does not promise it, so the first network of a library
checks once. Where they are copies, each ``W`` and ``b`` is its own array
instead (:attr:`Network.flat` is then None and :attr:`Network.arrays` lists
them): the same arithmetic, an optimizer call per array.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from math import isfinite
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._backend import assign, is_foreign, namespace, squared_norm
from .activations import Activation, get_activation
from .losses import Loss, get_loss, l2_gradient, l2_penalty, scaled_output_delta
from .propagation import backward, forward

__all__ = ["Gradient", "Network"]

Array = NDArray[np.floating]

#: Whether slices and reshapes of a library's arrays are views (checked once each).
_VIEWS: dict[str, bool] = {}


def _gives_views(xp: ModuleType, dtype: Any) -> bool:
    """True when ``reshape(flat[a:b], shape)`` of ``xp`` writes through to ``flat``."""
    if xp is np:
        return True
    name = getattr(xp, "__name__", repr(xp))
    if name not in _VIEWS:
        try:
            probe = xp.zeros(4, dtype=dtype)
            view = xp.reshape(probe[2:4], (2, 1))
            view[...] = 1
            _VIEWS[name] = float(xp.sum(probe)) == 2.0
        except Exception:  # whatever the library objects to, the per-array layout works
            _VIEWS[name] = False
    return _VIEWS[name]


class _Layout:
    """Where each layer's W and b sit in the flat buffer."""

    def __init__(self, shapes: Sequence[tuple[tuple[int, int], tuple[int, int]]]) -> None:
        self.shapes = [tuple(s) for s in shapes]
        self.slices: list[tuple[slice, slice]] = []
        start = 0
        for (n_out, n_in), _ in self.shapes:
            w_end = start + n_out * n_in
            self.slices.append((slice(start, w_end), slice(w_end, w_end + n_out)))
            start = w_end + n_out
        self.size = start

    def pairs(self, arrays: Sequence[Any], xp: ModuleType) -> list[list[Any]]:
        """``[W, b]`` per layer: views of ``arrays[0]`` (flat) or the arrays themselves."""
        if len(arrays) != 1:
            it = iter(arrays)
            return [[next(it), next(it)] for _ in self.shapes]
        flat = arrays[0]
        if xp is np:
            return [[flat[ws].reshape(w), flat[bs].reshape(b)]
                    for (w, b), (ws, bs) in zip(self.shapes, self.slices, strict=True)]
        return [[xp.reshape(flat[ws], w), xp.reshape(flat[bs], b)]
                for (w, b), (ws, bs) in zip(self.shapes, self.slices, strict=True)]


class Gradient:
    """Gradients in the network's layout: ``dW{l}`` and ``db{l}`` views of one flat buffer.

    Attributes
    ----------
    flat : ndarray of shape (n_parameters,) or None
        The buffer (None where the library gives no views).
    arrays : list of ndarray
        ``[flat]``, or ``[dW1, db1, ...]`` without a buffer: the same layout
        as :attr:`Network.arrays`, what an optimizer's ``update`` takes.
    pairs : list of [dW, db]
    dZ1 : ndarray of shape (n_1, k) or None
        The first layer's delta, when ``loss_and_gradient(need_dW1=False)``
        left dW1 to the caller (the Gram-matrix path).
    """

    __slots__ = ("arrays", "dZ1", "flat", "pairs", "views")

    def __init__(self, arrays: list[Any], pairs: list[list[Any]]) -> None:
        self.arrays = arrays
        self.flat = arrays[0] if len(arrays) == 1 else None
        self.pairs = pairs
        self.views = {}
        for l, (dW, db) in enumerate(pairs, start=1):
            self.views[f"dW{l}"], self.views[f"db{l}"] = dW, db
        self.dZ1: Any = None

    def __getitem__(self, key: str) -> Any:
        """``grad["dW1"]``, ``grad["db1"]``, ... (and ``"dZ1"``)."""
        return self.dZ1 if key == "dZ1" else self.views[key]


class _ParameterBuffer:
    """The storage of :class:`Network`: the flat buffer, its views, spare sets, gradients."""

    def __init__(self, pairs: list[tuple[Any, Any]]) -> None:
        W1 = pairs[0][0]
        self._xp = namespace(W1)
        self.dtype = W1.dtype
        self._layout = _Layout([(W.shape, b.shape) for W, b in pairs])
        self._flat_ok = _gives_views(self._xp, self.dtype)
        self.arrays = self.empty_arrays()
        self._home = self.arrays
        self._views: list[tuple[Any, list[list[Any]]]] = []
        self.weights = [list(p) for p in self._pairs(self.arrays)]
        for (W, b), (W0, b0) in zip(self.weights, pairs, strict=True):
            assign(W, W0)
            assign(b, b0)

    def __getstate__(self) -> dict[str, Any]:
        # Views pickle as copies of their own: the buffers travel, the views
        # are made again from them (and modules do not pickle).
        state = self.__dict__.copy()
        del state["weights"], state["_views"], state["_xp"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._xp = namespace(self._home[0])
        self._views = []
        self.weights = [list(p) for p in self._pairs(self.arrays)]

    @property
    def flat(self) -> Any:
        """The live parameter buffer of shape (n_parameters,), or None without views."""
        return self.arrays[0] if self._flat_ok else None

    @property
    def n_parameters(self) -> int:
        """The number of parameters (the buffer's length)."""
        return self._layout.size

    def empty_arrays(self) -> list[Any]:
        """A new, uninitialised parameter set in this network's layout (the ``arrays`` form)."""
        xp = self._xp
        if self._flat_ok:
            return [xp.empty(self._layout.size, dtype=self.dtype)]
        return [xp.empty(s, dtype=self.dtype) for pair in self._layout.shapes for s in pair]

    def bind(self, arrays: list[Any]) -> None:
        """Make ``arrays`` (from :meth:`empty_arrays`) the live parameters.

        The ``[W, b]`` lists of :attr:`weights` are updated in place, so
        whoever holds ``weights`` sees the new arrays (a double-buffered step
        swaps two sets every update).
        """
        self.arrays = arrays
        for pair, (W, b) in zip(self.weights, self._pairs(arrays), strict=True):
            pair[0], pair[1] = W, b

    def bind_home(self) -> None:
        """Put the live values back into the buffer the network was built with, and bind it."""
        if self.arrays is not self._home:
            for dst, src in zip(self._home, self.arrays, strict=True):
                assign(dst, src)
            self.bind(self._home)

    def _pairs(self, arrays: list[Any]) -> list[list[Any]]:
        """The views of a parameter set, made once per set (a swap costs no reshapes)."""
        for first, pairs in self._views:
            if first is arrays[0]:
                return pairs
        pairs = self._layout.pairs(arrays, self._xp)
        # The home set and the latest other (a double-buffered fit's spare);
        # older ones are dropped so that their buffers can be freed.
        self._views = [*self._views[:1], (arrays[0], pairs)]
        return pairs

    def new_gradient(self) -> Gradient:
        """A gradient buffer in this network's layout (reused by every step of a fit)."""
        arrays = self.empty_arrays()
        return Gradient(arrays, self._layout.pairs(arrays, self._xp))


class Network(_ParameterBuffer):
    """A network's parameters in one flat buffer, its activations, loss and regularisation.

    Parameters
    ----------
    weights : sequence of (W, b) pairs
        W of shape (n_l, n_{l-1}), b of shape (n_l, 1), all of one float
        dtype and one array library; copied once into the buffer.
    activations : sequence of str or Activation
        One per layer.
    loss : Loss or str
        The cost and its output-layer gradient (a key of ``deepstep.losses.LOSSES``).
    alpha : float, default=0.0
        L2 regularisation of the weights, ``(alpha / (2 m)) sum ||W||^2``.
    dropout : float in [0, 1), default=0.0
        Inverted dropout rate of the hidden layers in :meth:`loss_and_gradient`.
    dropout_rng : numpy.random.Generator, optional
        The dropout masks' own generator (required when ``dropout`` > 0).
    l2_per_weight : bool, default=False
        With sample weights, divide the L2 term by their sum instead of the
        number of examples (scikit-learn's MLP).

    Attributes
    ----------
    flat : ndarray of shape (n_parameters,) or None
        The live parameter buffer (None where the library gives no views).
    arrays : list of ndarray
        What an optimizer updates: ``[flat]``, or ``[W1, b1, ...]`` without views.
    weights : list of [W, b]
        The per-layer views, layer by layer.
    """

    def __init__(self, weights: Sequence[Sequence[Any]], activations: Sequence[Any],
                 loss: Loss | str, alpha: float = 0.0, dropout: float = 0.0,
                 dropout_rng: Any = None, l2_per_weight: bool = False) -> None:
        func = "Network"
        pairs = _check_weights(weights, func)
        self.activations = _check_activations(activations, len(pairs), func)
        self.loss = loss if isinstance(loss, Loss) else get_loss(loss, func=func)
        self.alpha = _check_alpha(alpha, func)
        if not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"{func}: dropout must be a float in [0, 1), got {dropout!r}")
        if dropout and dropout_rng is None:
            raise ValueError(f"{func}: dropout > 0 needs its own generator, dropout_rng")
        self.dropout = float(dropout)
        self.dropout_rng = dropout_rng
        self.l2_per_weight = bool(l2_per_weight)
        super().__init__(pairs)

    # -- constructors -----------------------------------------------------------
    @classmethod
    def from_parameters(cls, parameters: Mapping[str, Any], activations: Sequence[Any],
                        loss: Loss | str, **kwargs: Any) -> Network:
        """A network from the course's dict ``{"W1": ..., "b1": ..., ...}`` (copied once).

        Parameters
        ----------
        parameters : dict
            ``"W{l}"`` of shape (n_l, n_{l-1}) and ``"b{l}"`` of shape (n_l, 1),
            as from ``initialize_parameters_deep``.
        activations : sequence of str or Activation
        loss : Loss or str
        **kwargs
            ``alpha``, ``dropout``, ``dropout_rng``, ``l2_per_weight``.

        Returns
        -------
        Network
        """
        return cls(_dict_pairs(parameters), activations, loss, **kwargs)

    @classmethod
    def from_dims(cls, layer_dims: Sequence[int], activations: Sequence[Any], loss: Loss | str,
                  rng: Any = None, *, init: str = "course", dtype: Any = np.float64,
                  **kwargs: Any) -> Network:
        """A network of fresh weights from ``initialize_parameters_deep``.

        Parameters
        ----------
        layer_dims : sequence of int
            ``[n_x, n_1, ..., n_L]``.
        activations : sequence of str or Activation
        loss : Loss or str
        rng : int, numpy.random.Generator or RandomState, optional
            As ``initialize_parameters_deep`` takes it.
        init : str, default="course"
        dtype : float32 or float64, default=float64
        **kwargs
            ``alpha``, ``dropout``, ``dropout_rng``, ``l2_per_weight``.

        Returns
        -------
        Network
        """
        from .initializers import initialize_parameters_deep

        parameters = initialize_parameters_deep(list(layer_dims), rng, init=init, dtype=dtype)
        return cls.from_parameters(parameters, activations, loss, **kwargs)

    @classmethod
    def from_sklearn(cls, coefs: Sequence[Any], intercepts: Sequence[Any],
                     activations: Sequence[Any], loss: Loss | str, *,
                     xp: ModuleType | None = None, **kwargs: Any) -> Network:
        """A network from scikit-learn's ``coefs_`` (n_in, n_out) and ``intercepts_`` (n_out,).

        Parameters
        ----------
        coefs : sequence of ndarray of shape (n_in, n_out)
        intercepts : sequence of ndarray of shape (n_out,)
        activations : sequence of str or Activation
        loss : Loss or str
        xp : module, optional
            The array library the network lives in (a device's); NumPy by default.
        **kwargs
            ``alpha``, ``dropout``, ``dropout_rng``, ``l2_per_weight``.

        Returns
        -------
        Network
        """
        pairs = _sklearn_pairs(coefs, intercepts)
        if xp is not None and xp is not np:
            pairs = [(xp.asarray(W), xp.asarray(b)) for W, b in pairs]
        return cls(pairs, activations, loss, **kwargs)

    # -- views
    @property
    def parameters(self) -> dict[str, Any]:
        """The course's dict ``{"W1": W1, "b1": b1, ...}`` of views (not copies)."""
        out = {}
        for l, (W, b) in enumerate(self.weights, start=1):
            out[f"W{l}"], out[f"b{l}"] = W, b
        return out

    @property
    def coefs(self) -> list[Any]:
        """scikit-learn's ``coefs_``: ``W.T`` views of shape (n_in, n_out)."""
        return [W.T if not is_foreign(W) else self._xp.matrix_transpose(W)
                for W, _ in self.weights]

    @property
    def intercepts(self) -> list[Any]:
        """scikit-learn's ``intercepts_``: views of shape (n_out,)."""
        return [b.reshape(-1) if not is_foreign(b) else self._xp.reshape(b, (-1,))
                for _, b in self.weights]

    # -- the cost -------------------------------------------------------------------
    def l2_count(self, m: int, sample_weight: Any = None) -> Any:
        """The ``m`` of the L2 term ``(alpha / (2 m)) sum ||W||^2`` for a batch of m examples."""
        if self.l2_per_weight and sample_weight is not None:
            return float(namespace(sample_weight).sum(sample_weight))
        return m

    def penalty(self, m: Any, w1_squares: float | None = None) -> float:
        """The L2 penalty ``(alpha / (2 m)) sum_l ||W[l]||^2`` (0.0 without L2).

        Parameters
        ----------
        m : int or float
            The L2 count (:meth:`l2_count`).
        w1_squares : float, optional
            ``||W1||^2`` when W1's array does not hold W1 (the Gram-matrix path).
        """
        if not self.alpha:
            return 0.0
        if w1_squares is None:
            return l2_penalty(self.weights, self.alpha, m)
        rest = sum(squared_norm(W) for W, _ in self.weights[1:])
        return l2_penalty(self.weights, self.alpha, m, squares=w1_squares + rest)

    def add_l2_gradient(self, grad: Gradient, m: Any, scale: float = 1.0,
                        skip_W1: bool = False) -> None:
        """``dW[l] += scale (alpha / m) W[l]`` for every layer (but W1 with ``skip_W1``)."""
        if self.alpha:
            for l, ((W, _), (dW, _)) in enumerate(zip(self.weights, grad.pairs, strict=True)):
                if l or not skip_W1:
                    l2_gradient(dW, W, self.alpha, m, scale)

    def loss_and_gradient(self, X: Any, Y: Any, sample_weight: Any = None, *,
                          m: int | None = None, scale: float = 1.0, out: Gradient | None = None,
                          Z1: Any = None, need_dW1: bool = True, w1_squares: float | None = None,
                          penalty: bool = True, need_gradient: bool = True,
                          check_finite: bool = True, overwrite_dA: bool = True
                          ) -> tuple[Any, Gradient | None]:
        """The regularised cost on (X, Y) and its gradient: forward, cost, delta, backward, L2.

        The one place this chain is written. 1/m is applied once, to the
        output delta (``scaled_output_delta``); ``scale`` joins it there;
        L2 is :meth:`penalty` and :meth:`add_l2_gradient`, with the same
        ``scale``. Dropout (the network's rate) applies its masks forward
        and backward.

        Parameters
        ----------
        X : ndarray of shape (n_x, k)
            The examples, one per column (a transposed view is fine).
        Y : ndarray of shape (n_L, k)
            Their targets, in the network's dtype.
        sample_weight : ndarray of shape (k,), optional
            The cost is then their weighted mean.
        m : int, optional
            The number of examples the gradient's mean runs over (default k;
            the whole data set's size when (X, Y) is one block of it).
        scale : float, default=1.0
            A factor on every gradient (the folded learning rate).
        out : Gradient, optional
            From :meth:`new_gradient`: receives the gradient (NumPy writes
            into it directly; other libraries' gradients are copied in).
        Z1 : ndarray of shape (n_1, k), optional
            The first layer's pre-activation, computed by the caller.
        need_dW1 : bool, default=True
            False leaves dW1 unformed and returns ``grad.dZ1`` (already times
            ``scale / m``); W1's L2 gradient is then the caller's too.
        w1_squares : float, optional
            ``||W1||^2`` for the penalty when W1's array does not hold W1.
        penalty : bool, default=True
            Add the L2 term to the cost and gradient (False: the caller adds
            it once to a sum of blocks).
        need_gradient : bool, default=True
            False: the cost only (gradient None).
        check_finite : bool, default=True
            Skip the backward pass (gradient None) when the cost is not finite.
        overwrite_dA : bool, default=True
            Let backward write each dZ into its dA (see ``propagation.backward``).

        Returns
        -------
        cost : numpy floating scalar (a float on other array libraries)
            The mean cost plus, with ``penalty``, the L2 term.
        grad : Gradient or None
        """
        xp_foreign = is_foreign(X)
        if X.shape[0] != self._layout.shapes[0][0][1] or Y.shape != (
                self._layout.shapes[-1][0][0], X.shape[1]):
            n_x, n_L = self._layout.shapes[0][0][1], self._layout.shapes[-1][0][0]
            raise ValueError(f"Network.loss_and_gradient: X of shape (n_x={n_x}, k) and Y of "
                             f"shape (n_L={n_L}, k) expected, got X {tuple(X.shape)} and Y "
                             f"{tuple(Y.shape)}")
        if sample_weight is not None and sample_weight.shape != (X.shape[1],):
            raise ValueError(f"Network.loss_and_gradient: sample_weight must have shape "
                             f"({X.shape[1]},), got {sample_weight.shape}")
        masks: list[Any] = []
        AL, caches = forward(X, self.weights, self.activations, Z1=Z1, dropout=self.dropout,
                             rng=self.dropout_rng, masks=masks)
        l2m = self.l2_count(X.shape[1], sample_weight)
        cost = self.loss.cost(AL, Y, sample_weight)
        if penalty and self.alpha:
            p = self.penalty(l2m, w1_squares)
            cost = cost + (p if w1_squares is None else AL.dtype.type(p))
        if not need_gradient or (check_finite and not isfinite(cost)):
            return cost, None
        delta = scaled_output_delta(self.loss, AL, Y, sample_weight, m=m, scale=scale)
        grad = self.new_gradient() if out is None else out
        grads = backward(delta, caches, self.activations, need_dA0=False, need_dW1=need_dW1,
                         masks=masks, premeaned=True,
                         out=None if xp_foreign else grad.views, overwrite_dA=overwrite_dA)
        if xp_foreign:  # no out= in the array API: the fresh arrays copied in
            for key, value in grads.items():
                if key in grad.views:
                    assign(grad.views[key], value)
        grad.dZ1 = grads.get("dZ1")
        if penalty:
            self.add_l2_gradient(grad, l2m, scale, skip_W1=not need_dW1)
        return cost, grad


def _dict_pairs(parameters: Any) -> list[tuple[Any, Any]]:
    """The (W, b) pairs of the course's dict, with a clear error for a malformed one."""
    if not isinstance(parameters, Mapping):
        raise TypeError("Network.from_parameters: parameters must be a dict of 'W1', "
                        f"'b1', ..., got {type(parameters).__name__}")
    L = sum(1 for k in parameters if isinstance(k, str) and k.startswith("W"))
    missing = [k for l in range(1, L + 1) for k in (f"W{l}", f"b{l}") if k not in parameters]
    if L == 0 or missing:
        raise ValueError("Network.from_parameters: parameters must hold 'W1', 'b1', ..., "
                         f"'W{{L}}', 'b{{L}}'; missing {missing or ['W1', 'b1']}")
    return [(parameters[f"W{l}"], parameters[f"b{l}"]) for l in range(1, L + 1)]


def _sklearn_pairs(coefs: Any, intercepts: Any) -> list[tuple[Any, Any]]:
    """Engine (W, b) pairs (views) of scikit-learn's coefs_ and intercepts_."""
    if isinstance(coefs, (str, bytes)) or not isinstance(coefs, Sequence) or \
            not isinstance(intercepts, Sequence) or len(coefs) != len(intercepts):
        raise ValueError("Network.from_sklearn: coefs and intercepts must be lists of "
                         f"the same length, got {type(coefs).__name__} and "
                         f"{type(intercepts).__name__}")
    pairs = []
    for i, (c, b) in enumerate(zip(coefs, intercepts, strict=True)):
        c, b = np.asarray(c), np.asarray(b)
        if c.ndim != 2 or b.shape != (c.shape[1],):
            raise ValueError(f"Network.from_sklearn: coefs[{i}] of shape (n_in, n_out) "
                             f"and intercepts[{i}] of shape (n_out,) expected, got "
                             f"{c.shape} and {b.shape}")
        pairs.append((c.T, b.reshape(-1, 1)))
    return pairs


def _check_weights(weights: Any, func: str) -> list[tuple[Any, Any]]:
    if isinstance(weights, (str, bytes)) or not isinstance(weights, Sequence) or not weights:
        raise TypeError(f"{func}: weights must be a non-empty list of (W, b) pairs, got "
                        f"{type(weights).__name__}")
    pairs = []
    n_prev = None
    dtype = None
    for l, pair in enumerate(weights, start=1):
        if not isinstance(pair, Sequence) or len(pair) != 2:
            raise TypeError(f"{func}: weights[{l - 1}] must be a (W, b) pair, got "
                            f"{type(pair).__name__}")
        W, b = pair
        if not hasattr(W, "shape"):
            W = np.asarray(W)
        if not hasattr(b, "shape"):
            b = np.asarray(b)
        if len(W.shape) != 2 or tuple(b.shape) != (W.shape[0], 1):
            raise ValueError(f"{func}: weights[{l - 1}] must be W of shape (n_l, n_prev) and b "
                             f"of shape (n_l, 1), got W {tuple(W.shape)} and b {tuple(b.shape)}")
        if n_prev is not None and W.shape[1] != n_prev:
            raise ValueError(f"{func}: W{l} must have {n_prev} columns (W{l - 1} has {n_prev} "
                             f"rows), got shape {tuple(W.shape)}")
        kind = namespace(W).float32, namespace(W).float64
        if W.dtype not in kind or (dtype is not None and W.dtype != dtype):
            raise ValueError(f"{func}: every W and b must be float32 or float64 of one dtype, "
                             f"got W{l} of dtype {W.dtype}")
        dtype, n_prev = W.dtype, W.shape[0]
        pairs.append((W, b))
    return pairs


def _check_activations(activations: Any, L: int, func: str) -> list[Activation]:
    if isinstance(activations, str) or not isinstance(activations, Sequence) \
            or len(activations) != L:
        raise ValueError(f"{func}: activations must list one activation per layer ({L}), "
                         f"got {activations!r}")
    return [a if isinstance(a, Activation) else
            get_activation(a, func=func, argument=f"activations[{i}]")
            for i, a in enumerate(activations)]


def _check_alpha(alpha: Any, func: str) -> float:
    try:
        value = float(alpha)
    except (TypeError, ValueError):
        value = float("nan")
    if isinstance(alpha, bool) or not isfinite(value) or value < 0:
        raise ValueError(f"{func}: alpha must be a finite float >= 0, got {alpha!r}")
    return value
