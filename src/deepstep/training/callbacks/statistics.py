"""Per-layer statistics recorded during training, at a small cost.

:class:`LayerStatistics` is a callback: at the epochs it records it takes a
fixed subsample of the training columns (the same ones every time, chosen
once, evenly spaced, no random draw), runs the network's one cost and
gradient chain (:meth:`deepstep.network.Network.loss_and_gradient`) and a
forward pass on them, and keeps, per layer, the quantiles of the activations
and of the weight gradient, the dead and saturated units, the weight norm
and the update-to-weight ratio of that epoch (the parameters before the
epoch are copied at its start, so the ratio is the optimizer's real update,
whatever the optimizer). On the Gram-matrix path (full-batch gradient
descent, :mod:`deepstep.training.strategies.gram`) reading the parameters
forms W1, as a validation metric does: the steps after it can differ from
an unrecorded fit's in their last bits.

:func:`recording` is the same callback for every :class:`Trainer` that runs
inside a ``with`` block: the MLP classes (which take no callbacks), the DNN
classes and the course's ``L_layer_model`` / ``two_layer_model``.

Cost: one forward and backward pass over ``sample`` columns, and a copy of
the weights, per recorded epoch. ``every=1`` records every epoch, which can
cost more than the training itself (full-batch gradient descent on the cat
data takes 0.16 ms a step on the Gram-matrix path, less than one pass over
the inputs). ``every="auto"`` (the default) records the first and the last
epoch and, between them, an epoch whenever the time spent recording stays
under :data:`AUTO_BUDGET` (4%) of the time spent training: dense where
epochs are slow, sparse where they are fast, and which epochs is then a
matter of timing (pass an int for a fixed schedule).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Integral
from typing import Any

import numpy as np

from ..._backend import namespace, to_numpy
from ...network import Network
from ...propagation import forward
from .base import Callback, Logs

__all__ = ["AUTO_BUDGET", "QUANTILES", "LayerStatistics", "active_recorders", "layer_statistics",
           "observing", "recording", "unit_health"]

#: The quantiles kept of every distribution: 5%, 25%, median, 75%, 95%.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)

#: Activations whose gradient is zero for every negative input (a unit can die).
_KINKED = ("relu",)
#: Activations that flatten out: a unit is saturated where its slope is under 1% of the peak.
_SATURATING = ("sigmoid", "tanh")

_LOCAL = threading.local()


#: ``every="auto"``: the most time spent recording, as a fraction of the time training.
AUTO_BUDGET = 0.04


def unit_health(Z: Any, A: Any, activation: str) -> tuple[float, float]:
    """The dead and the saturated fractions of one layer's units over some examples.

    Parameters
    ----------
    Z, A : ndarray of shape (n_l, k)
        The layer's pre-activation and activation on k examples.
    activation : str
        The layer's activation's name.

    Returns
    -------
    dead : float
        The fraction of units (ReLU) whose input is <= 0 on every example:
        they pass on no signal and get no gradient.
    saturated : float
        The fraction of units (sigmoid, tanh) whose slope is under 1% of its
        peak on more than 90% of the examples: they learn little.
    """
    n = Z.shape[0]
    if n == 0 or Z.shape[1] == 0:
        return 0.0, 0.0
    if activation in _KINKED:
        return float(np.mean(np.all(Z <= 0, axis=1))), 0.0
    if activation == "sigmoid":
        slope = A * (1 - A) / 0.25
    elif activation in _SATURATING:  # tanh
        slope = 1 - A * A
    else:
        return 0.0, 0.0
    flat = np.mean(slope < 0.01, axis=1) > 0.9
    return 0.0, float(np.mean(flat))


class LayerStatistics(Callback):
    """Records per-layer activation, gradient and update statistics over training.

    Parameters
    ----------
    every : int or "auto", default="auto"
        Record every ``every``-th epoch, or, with "auto", as many as keep the
        time spent recording under 4% of the time training; each fit's first
        and last epochs always. (The issue-23 contract's default was 1:
        recording every epoch can cost more than the training itself.)
    sample : int, default=64
        Training columns the statistics are computed on (all when fewer).

    Attributes
    ----------
    history : list of dict
        One dict per (recorded epoch, layer): ``epoch`` (int, 0-based),
        ``layer`` (1-based), ``activation_quantiles`` ([q5, q25, q50, q75,
        q95] of the layer's outputs on the sample), ``dead_fraction``,
        ``saturated_fraction`` (see :func:`unit_health`), ``gradient_norm``
        (``||dW||`` on the sample), ``gradient_quantiles`` (of dW's entries),
        ``weight_norm`` (``||W||``) and ``update_ratio`` (``||W after the epoch
        - W before|| / ||W before||``, the lr-scaled update of that epoch).
    """

    def __init__(self, every: int | str = "auto", sample: int = 64) -> None:
        if every != "auto" and (isinstance(every, bool) or not isinstance(every, Integral)
                                or every < 1):
            raise ValueError(f"LayerStatistics: every must be an int >= 1 or 'auto', "
                             f"got {every!r}")
        if isinstance(sample, bool) or not isinstance(sample, Integral) or sample < 1:
            raise ValueError(f"LayerStatistics: sample must be an int >= 1, got {sample!r}")
        self.every = every
        self.sample = int(sample)
        self.history: list[dict[str, Any]] = []
        self._before: list[np.ndarray] | None = None
        self._data: tuple[np.ndarray, np.ndarray] | None = None
        self._started = 0.0
        self._spent = 0.0
        self._records = 0  # this fit's

    # -- which epochs ---------------------------------------------------------------
    def _wanted(self, epoch: int) -> bool:
        if epoch == self.trainer.end_epoch - 1 or not self._records:
            return True  # this fit's first and last epochs
        if self.every != "auto":
            return epoch % int(self.every) == 0
        # another record (about as long as this fit's others) within the budget?
        training = time.perf_counter() - self._started - self._spent
        return self._spent * (1 + 1 / self._records) <= AUTO_BUDGET * training

    # -- hooks ------------------------------------------------------------------------
    def on_train_begin(self, logs: Logs | None = None) -> None:
        """Take the fit's sample of training columns (once per fit)."""
        began = time.perf_counter()
        self._data = _sample_columns(self.trainer.data, self.sample)
        self._before, self._records = None, 0
        self._started = began
        self._spent = time.perf_counter() - began

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        """Copy the weights of an epoch that will be recorded (for its update ratio)."""
        if self._data is not None and self._wanted(epoch):
            began = time.perf_counter()
            self._before = [to_numpy(W).copy() for W in self._current()[0]]
            self._spent += time.perf_counter() - began

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Record the statistics of the epoch whose weights :meth:`on_epoch_begin` copied."""
        if self._data is not None and self._before is not None:
            began = time.perf_counter()
            self._record(epoch)
            self._before = None
            self._records += 1
            self._spent += time.perf_counter() - began

    # -- the statistics ----------------------------------------------------------
    def _current(self) -> tuple[list[Any], list[Any]]:
        params = self.trainer.parameters  # synchronises a Gram-matrix step's W1
        L = len(params) // 2
        return ([params[f"W{l}"] for l in range(1, L + 1)],
                [params[f"b{l}"] for l in range(1, L + 1)])

    def _record(self, epoch: int) -> None:
        Ws, bs = self._current()
        weights = [(to_numpy(W), to_numpy(b)) for W, b in zip(Ws, bs, strict=True)]
        X, Y = self._data
        history = self.history
        history.extend(layer_statistics(weights, self.trainer.activations, self.trainer.loss,
                                        X, Y, before=self._before, epoch=epoch))


def layer_statistics(weights: list[tuple[np.ndarray, np.ndarray]], activations: list[Any],
                     loss: Any, X: np.ndarray, Y: np.ndarray, *,
                     before: list[np.ndarray] | None = None, epoch: int = 0
                     ) -> list[dict[str, Any]]:
    """The per-layer statistics of :class:`LayerStatistics` for some weights and examples.

    Parameters
    ----------
    weights : list of (W, b)
        W of shape (n_l, n_{l-1}), b of shape (n_l, 1), NumPy.
    activations : list of Activation
    loss : Loss
    X : ndarray of shape (n_x, k)
    Y : ndarray of shape (n_L, k)
    before : list of ndarray, optional
        Each W before the update (``update_ratio`` is NaN without).
    epoch : int, default=0

    Returns
    -------
    list of dict
        One per layer, the keys of :attr:`LayerStatistics.history`.
    """
    # A network of its own: no dropout (the fit's masks come from the fit's
    # generator, which a statistic must not draw from) and NumPy arrays.
    net = Network(weights, activations, loss)
    W1, b1 = net.weights[0]
    health = []
    with np.errstate(all="ignore"):
        Z1 = W1 @ X + b1  # the largest product, shared by both passes
        _, caches = forward(X, net.weights, net.activations, Z1=Z1)
        for l, (cache, act) in enumerate(zip(caches, net.activations, strict=True), start=1):
            Z = cache[1]
            A = caches[l][0][0] if l < len(caches) else act.forward(Z)[0]
            health.append((_quantiles(A), *unit_health(Z, A, act.name)))
        del caches
        _, grad = net.loss_and_gradient(X, Y.astype(X.dtype, copy=False), Z1=Z1,
                                        check_finite=False)
    out = []
    for l, ((W, _), (dW, _), (quantiles, dead, saturated)) in enumerate(
            zip(net.weights, grad.pairs, health, strict=True), start=1):
        w_norm = float(np.linalg.norm(W))
        ratio = float("nan")
        if before is not None:
            b_norm = float(np.linalg.norm(before[l - 1]))
            ratio = float(np.linalg.norm(W - before[l - 1]) / b_norm) if b_norm else float("inf")
        out.append({
            "epoch": int(epoch), "layer": l,
            "activation_quantiles": quantiles,
            "dead_fraction": dead, "saturated_fraction": saturated,
            "gradient_norm": float(np.linalg.norm(dW)),
            "gradient_quantiles": _quantiles(dW),
            "weight_norm": w_norm, "update_ratio": ratio,
        })
    return out


def _quantiles(a: np.ndarray) -> list[float]:
    values = np.asarray(a, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        return [float("nan")] * len(QUANTILES)
    return [float(q) for q in np.quantile(values, QUANTILES)]


def _sample_columns(data: Any, sample: int) -> tuple[np.ndarray, np.ndarray] | None:
    """``sample`` evenly spaced columns of the fit's (X, Y), on the host (None: no data)."""
    if data is None:
        return None
    X, Y = data
    if hasattr(X, "head") and hasattr(X, "starts"):  # out of core: its first rows
        rows = X.head(sample)
        m = rows.shape[0]
        return rows.T, to_numpy(Y[:, :m]).copy()
    m = X.shape[1]
    idx = np.unique(np.linspace(0, m - 1, min(sample, m)).round().astype(np.intp))
    xp = namespace(X)
    if xp is np:
        Xs, Ys = X[:, idx], Y[:, idx]
    else:
        where = xp.asarray(idx)
        Xs, Ys = xp.take(X, where, axis=1), xp.take(Y, where, axis=1)
    # One example per contiguous row, as the fit's own X.T: W @ X with a C-ordered
    # X of shape (12288, 64) took 30 times as long in OpenBLAS 0.3 (0.5 s against 16 ms).
    return np.asfortranarray(to_numpy(Xs)), np.ascontiguousarray(to_numpy(Ys))


def active_recorders() -> list[Any]:
    """The callbacks of the :func:`recording` / :func:`observing` blocks open in this thread."""
    return list(getattr(_LOCAL, "stack", ()))


@contextmanager
def observing(callback: Any) -> Iterator[Any]:
    """Give ``callback`` to every :class:`Trainer` fit in the ``with`` block (this thread).

    What :func:`recording` does with its :class:`LayerStatistics`, for any
    callback (the diagnostics use it to see a fit's initial weights).

    Parameters
    ----------
    callback : Callback

    Yields
    ------
    Callback
        ``callback`` itself.
    """
    stack = getattr(_LOCAL, "stack", None)
    if stack is None:
        stack = _LOCAL.stack = []
    stack.append(callback)
    try:
        yield callback
    finally:
        stack.remove(callback)


@contextmanager
def recording(every: int | str = "auto", sample: int = 64) -> Iterator[LayerStatistics]:
    """Record per-layer statistics of every training run inside the ``with`` block.

    Every :class:`~deepstep.training.Trainer` created in the block (in this
    thread) gets the yielded :class:`LayerStatistics` as a callback: the MLP
    classes, which take no callbacks, the DNN classes and the course's
    ``steps.L_layer_model`` / ``two_layer_model``. Several fits append to one
    ``history``. (An L-BFGS fit runs no epochs and records nothing.)

    Parameters
    ----------
    every : int or "auto", default="auto"
    sample : int, default=64
        As :class:`LayerStatistics`.

    Yields
    ------
    LayerStatistics

    Examples
    --------
    >>> import numpy as np, deepstep
    >>> X = np.random.default_rng(0).standard_normal((40, 3)); y = (X[:, 0] > 0).astype(int)
    >>> with deepstep.recording(every=1) as stats:
    ...     _ = deepstep.MLPClassifier((4,), max_iter=3, random_state=0).fit(X, y)
    >>> sorted({row["epoch"] for row in stats.history})
    [0, 1, 2]
    """
    with observing(LayerStatistics(every=every, sample=sample)) as stats:
        yield stats
