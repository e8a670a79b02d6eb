"""JAX anchors for ``benchmarks/run.py``: the fastest thing a user could pick instead on CPU.

Each anchor is JAX's idiomatic form of the same computation: a ``jax.jit``
compiled step with the whole loop (the full-batch iterations of case (a), the
epoch's mini-batches of case (b)) under ``jax.lax.scan``, so XLA fuses the
element-wise work and Python is out of the loop. The data are arguments of the
compiled function (not constants folded into it). Compilation is done once,
ahead of time, and its seconds are returned apart from the run.

float64 needs ``jax_enable_x64``: each builder switches it on (``jax.enable_x64``)
only while it builds a float64 anchor, so a float32 anchor is what a float32 JAX
user runs, with x64 off. ``available()`` is False when JAX is not installed
(``pip install jax``, or the ``bench`` extra).

Every builder returns ``(run, seconds)``: ``run()`` takes no argument, runs the
computation once and waits for JAX's asynchronous result; ``seconds`` is
``{"compile": ..., "warm_up": ...}``, the ahead-of-time compilation and, for (b)
and (c), one warm-up call (XLA:CPU's first execution of an epoch does
one-time work, over a second here, that the later ones do not; (a) shows none,
and a warm-up there would be a whole extra run, so its ``warm_up`` is None).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

import numpy as np

try:
    import jax
    import jax.numpy as jnp
except ImportError:  # the anchors are skipped with a message
    jax = None
    jnp = None

INSTALL_HINT = "pip install jax  (or pip install -e '.[bench]')"

Anchor = tuple[Callable[[], Any], dict[str, float | None]]


def available() -> bool:
    return jax is not None


def version() -> str | None:
    return None if jax is None else jax.__version__


def _x64(dtype):
    """``jax_enable_x64`` on for float64, off otherwise, while the context lasts."""
    return jax.enable_x64(np.dtype(dtype) == np.float64)


def _init(dims: list[int], dtype, seed: int) -> list[tuple[Any, Any]]:
    """Weights scaled 1/sqrt(n_in) (the course's deep init), stored (n_in, n_out) as a JAX
    user writes ``x @ W + b``; zero biases."""
    rng = np.random.default_rng(seed)
    return [(jnp.asarray((rng.standard_normal((a, b)) / np.sqrt(a)).astype(dtype)),
             jnp.zeros((b,), dtype=dtype)) for a, b in itertools.pairwise(dims)]


def _logits(params, x):
    for W, b in params[:-1]:
        x = jax.nn.relu(x @ W + b)
    W, b = params[-1]
    return x @ W + b


def _sgd(loss: Callable, lr: float) -> Callable:
    """One plain gradient step on ``loss(params, *data)``."""
    def step(p, *data):
        g = jax.grad(loss)(p, *data)
        return jax.tree_util.tree_map(lambda w, d: w - lr * d, p, g)
    return step


def _compiled(fn: Callable, *args) -> tuple[Callable, float]:
    """``fn`` jit-compiled ahead of time for ``args``' shapes; the seconds compiling took."""
    t = time.perf_counter()
    compiled = jax.jit(fn).lower(*args).compile()
    return compiled, time.perf_counter() - t


def _warm_up(run: Callable[[], Any]) -> float:
    """Seconds of one call of ``run``, made so that no timed call pays first-call costs."""
    t = time.perf_counter()
    run()
    return time.perf_counter() - t


def cat_full_batch(X: np.ndarray, y: np.ndarray, dims: list[int], lr: float,
                   iterations: int) -> Anchor:
    """Case (a): full-batch gradient descent, binary cross-entropy on a sigmoid output.

    Parameters
    ----------
    X : ndarray of shape (m, n_x)
    y : ndarray of shape (m,)
    dims : list of int
        Layer sizes, input first, one output unit last.

    ``run()`` returns the final parameters, from the same start every call.
    """
    with _x64(X.dtype):
        params = _init(dims, X.dtype, seed=1)
        Xj, yj = jnp.asarray(X), jnp.asarray(y.astype(X.dtype))

        def loss(p, x, t):
            z = _logits(p, x)[:, 0]
            # the stable form of the course's cross-entropy on sigmoid(z)
            return jnp.mean(jnp.logaddexp(0.0, z) - t * z)

        step = _sgd(loss, lr)

        def train(p, x, t):
            return jax.lax.scan(lambda p, _: (step(p, x, t), None), p, None,
                                length=iterations)[0]

        compiled, seconds = _compiled(train, params, Xj, yj)

    def run():
        return jax.block_until_ready(compiled(params, Xj, yj))
    return run, {"compile": seconds, "warm_up": None}


def sgd_epoch(X: np.ndarray, y: np.ndarray, dims: list[int], lr: float,
              batch: int) -> Anchor:
    """Case (b): one epoch of plain SGD on shuffled mini-batches, softmax cross-entropy.

    A permutation of the row indices is drawn in the compiled function; the full
    batches' index blocks run under ``lax.scan``, each gathering its rows of X
    (no shuffled copy of X), and the last, smaller batch in the same function, so
    every example is used once, as in the other implementations. Each call draws
    a new permutation and continues from the previous call's parameters.
    """
    m = X.shape[0]
    full = m // batch
    with _x64(X.dtype):
        params = _init(dims, X.dtype, seed=0)
        Xj, yj = jnp.asarray(X), jnp.asarray(y.astype(np.int32))

        def loss(p, xb, yb):
            logp = jax.nn.log_softmax(_logits(p, xb))
            return -jnp.mean(jnp.take_along_axis(logp, yb[:, None], axis=1))

        step = _sgd(loss, lr)

        def epoch(p, x, t, key):
            order = jax.random.permutation(key, m)
            blocks = order[:full * batch].reshape(full, batch)
            p = jax.lax.scan(lambda p, i: (step(p, x[i], t[i]), None), p, blocks)[0]
            if m > full * batch:
                rest = order[full * batch:]
                p = step(p, x[rest], t[rest])
            return p

        key = jax.random.key(0)
        compiled, seconds = _compiled(epoch, params, Xj, yj, key)
        keys = iter(jax.random.split(key, 10_000))
    state = {"p": params}

    def run():
        state["p"] = jax.block_until_ready(compiled(state["p"], Xj, yj, next(keys)))
        return state["p"]
    return run, {"compile": seconds, "warm_up": _warm_up(run)}


def predict_proba(X: np.ndarray, dims: list[int]) -> Anchor:
    """Case (c): softmax probabilities of a (b)-shaped network on X (already on the
    device), returned as a NumPy array as the other implementations' are."""
    with _x64(X.dtype):
        params = _init(dims, X.dtype, seed=0)
        Xj = jnp.asarray(X)

        def proba(p, x):
            return jax.nn.softmax(_logits(p, x), axis=1)

        compiled, seconds = _compiled(proba, params, Xj)

    def run():
        return np.asarray(compiled(params, Xj))
    return run, {"compile": seconds, "warm_up": _warm_up(run)}
