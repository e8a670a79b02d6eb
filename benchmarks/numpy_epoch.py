"""A minimal NumPy epoch of case (b), written out by hand: the floor of one call per operation.

One epoch of plain SGD on shuffled mini-batches, softmax cross-entropy, the
(n, m) layout: the forward pass, the output delta with the learning rate and
1/k folded in, the backward pass without dA0, gradients into reused buffers,
updates in place. No input checks, no cost, no divergence guard, no
callbacks: everything deepstep does beyond the maths is left out, so the gap
between this and the products-only bound is what NumPy's element-wise calls
themselves cost. It is timed in ``benchmarks/run.py``, never used by deepstep.

Every run starts again from the same initial weights, as every round's
``DNNClassifier.fit`` does: an epoch that went on training the previous
round's weights would race deepstep's first epoch against a later one, and
in float32 later epochs of this function ran 3x slower here (why is not
established: no subnormal value turned up in its softmax outputs, deltas or
weights in epochs 2-3, and deepstep's own epochs 2-4 showed no such
slowdown), which made this contender's median meaningless.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np


def sgd_epoch(X: np.ndarray, y: np.ndarray, dims: list[int], lr: float,
              batch: int, seed: int = 0) -> Callable[[], None]:
    """A zero-argument run of one epoch on X (m, n_x) and integer labels y (m,)."""
    dtype = X.dtype
    m = X.shape[0]
    rng = np.random.default_rng(seed)
    Y = np.zeros((m, dims[-1]), dtype=dtype)
    Y[np.arange(m), y] = 1
    W = [(rng.standard_normal((b, a)) / np.sqrt(a)).astype(dtype)
         for a, b in itertools.pairwise(dims)]
    bias = [np.zeros((b, 1), dtype=dtype) for b in dims[1:]]
    initial = [w.copy() for w in W]
    dW = [np.empty_like(w) for w in W]
    rows = np.empty((batch, dims[0]), dtype=dtype)

    def run() -> None:
        for w, w0 in zip(W, initial, strict=True):  # the first epoch again (see above)
            np.copyto(w, w0)
        for b in bias:
            b[...] = 0
        order = rng.permutation(m)
        for start in range(0, m, batch):
            idx = order[start:start + batch]
            k = len(idx)
            acts = [np.take(X, idx, axis=0, out=rows[:k]).T]
            zs = []
            for l in range(len(W)):
                z = W[l] @ acts[-1]
                z += bias[l]
                zs.append(z)
                acts.append(np.maximum(z, 0) if l < len(W) - 1 else z)
            z = acts[-1]
            z -= z.max(axis=0, keepdims=True)
            e = np.exp(z)
            e /= e.sum(axis=0, keepdims=True)
            delta = e - Y[idx].T
            delta *= lr / k
            for l in range(len(W) - 1, -1, -1):
                np.matmul(delta, acts[l].T, out=dW[l])
                db = delta.sum(axis=1, keepdims=True)
                if l:
                    delta = W[l].T @ delta
                    delta *= zs[l - 1] > 0
                W[l] -= dW[l]
                bias[l] -= db
    return run
