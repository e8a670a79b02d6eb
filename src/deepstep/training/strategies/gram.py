"""The Gram-matrix path: full-batch gradient descent without the products with X.

When there are more input features than examples (n_x > m: the cat images
have 12288 features and 209 examples) and the update is plain full-batch
gradient descent, the products with X dominate every iteration yet are not
needed: with ``K = X^T X`` (m x m, computed once), the update
``W1 <- W1 - (lr/m) dZ1 X^T`` moves the first layer's product ``P = W1 X`` by
``P <- P - (lr/m) dZ1 K``. The step therefore keeps ``P`` and the running sum
``R = sum_t (lr/m) dZ1_t`` instead of W1, and materialises
``W1 = W1_start - R X^T`` only when someone asks (at the end of the fit, or
when a callback reads ``Trainer.parameters``).

This is the same arithmetic reordered, not an approximation: the update of
every other parameter is the optimizer's own ``update(prescaled=True)``, and
W1's is gradient descent's ``W1 - lr dW1`` seen through X. L2 regularisation
keeps it exact: ``W - lr (dW + (alpha/m) W) = gamma W - lr dW`` with
``gamma = 1 - lr alpha / m`` (:func:`deepstep.losses.l2_decay`), one scalar.
``tests/test_training.py`` checks costs and parameters against the plain loop
(1e-9) and against the course's functions with the L2 gradient added by hand.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..._backend import is_foreign
from ...losses import l2_decay
from ...optimizers import Optimizer
from ..guard import DivergenceGuard
from .base import Network
from .folded import FoldedStep

__all__ = ["GramStep"]

Array = NDArray[np.floating]


class GramStep(FoldedStep):
    """One iteration of full-batch gradient descent on the Gram-matrix path.

    Parameters
    ----------
    net : Network
    optimizer : Optimizer
        Plain gradient descent without clipping (see :meth:`applies`).
    guard : DivergenceGuard
    X : ndarray of shape (n_x, m)
        The training data; ``K = X^T X`` is formed once, here.
    resume : ndarray of shape (n_1, m), optional
        ``P = W1 X`` from a checkpoint, so that a resumed fit continues bit for bit.
    """

    def __init__(self, net: Network, optimizer: Optimizer, guard: DivergenceGuard, X: Array,
                 resume: Array | None = None) -> None:
        super().__init__(net, optimizer, guard, full_batch=True)
        W1 = net.weights[0][0]
        self._n1 = W1.size  # W1 leads the flat buffer: the rest is one tail slice
        self.gram = _GramState(X, W1)
        if resume is not None:
            self.gram.P[...] = resume
            self.gram.P0[...] = resume
        # Both buffers of the double-buffered update hold the basis W1_0 in
        # their W1 part, whichever is live (see _mirror_W1).
        self._spare = net.empty_arrays()
        self._mirror_W1()
        # The checkpoint's W1, formed when a mid-fit read moves the basis (sync).
        self._W1_saved: Array | None = None
        self._explicit = False
        guard.after_restore(self._after_restore)

    @property
    def params(self) -> list[Array]:
        """The arrays the optimizer updates: every parameter but W1 (the Gram state's)."""
        return [self.net.flat[self._n1:]]

    @staticmethod
    def applies(gram: bool | str, optimizer: Optimizer, X: Any, n1: int, epochs: int) -> bool:
        """Whether to take this path: asked for (``gram=True``), or exact and cheaper ("auto").

        Parameters
        ----------
        gram : {"auto", True, False}
        optimizer : Optimizer
            Exact only when its update is ``theta -= step_scale * dtheta``.
        X : ndarray of shape (n_x, m)
        n1 : int
            Units of the first layer.
        epochs : int

        Returns
        -------
        bool
        """
        if gram is False or is_foreign(X):  # the Gram path is NumPy-only
            return False
        exact = optimizer.step_scale is not None
        if gram is True:
            if not exact:
                raise ValueError("Trainer: gram=True needs plain GradientDescent without "
                                 f"clipping, got {type(optimizer).__name__}")
            return True
        n_x, m = X.shape
        # Multiply-adds: the plain path forms W1 X and dZ1 X^T every iteration;
        # the Gram path forms K = X^T X, W1 X and the final W1 once, then dZ1 K.
        plain = epochs * 2 * n1 * n_x * m
        gram_cost = n_x * m * m + 2 * n1 * n_x * m + epochs * n1 * m * m
        return exact and n_x > m and gram_cost < plain

    def __call__(self, X: Array, Y: Array, sample_weight: Array | None = None) -> Any:
        """One iteration; the same result as :class:`FoldedStep`'s.

        Parameters
        ----------
        X : ndarray of shape (n_x, m)
        Y : ndarray of shape (n_y, m)
        sample_weight : ndarray of shape (m,), optional

        Returns
        -------
        cost : numpy floating scalar
        """
        net, state = self.net, self.gram
        scale = self.optimizer.step_scale
        if scale is None:
            raise ValueError("GramStep: the optimizer's update is no longer plain gradient "
                             "descent (clipping set during the fit?)")
        cost, grad = net.loss_and_gradient(
            X, Y, sample_weight, scale=scale, out=self._gradient(),
            Z1=state.P + net.weights[0][1], need_dW1=False,
            w1_squares=state.squared_norm() if net.alpha else None)
        if grad is None:
            return cost
        self._explicit = False
        n1 = self._n1
        # Double-buffered, as FoldedStep's full-batch update: the new values go
        # into the spare buffer, and the ones they replace (never written again
        # until the next step) are the divergence checkpoint, with no copy.
        new, previous = self._spare, net.arrays
        self.optimizer.update([previous[0][n1:]], [grad.flat[n1:]], prescaled=True,
                              out=[new[0][n1:]])
        net.bind(new)
        self._spare = previous
        m = net.l2_count(X.shape[1], sample_weight)  # the L2 term's m
        replaced = state.advance(grad.dZ1, l2_decay(net.alpha, m, scale))
        self.guard.adopt([new[0][n1:], *state.arrays()], [previous[0][n1:], *replaced])
        return cost

    def _mirror_W1(self) -> None:
        """Copy the live buffer's W1 (the basis W1_0) into the spare buffer's."""
        if self._spare is not None:
            self._spare[0][:self._n1] = self.net.flat[:self._n1]

    def sync(self) -> None:
        """Form W1 in the network's W1 array, which becomes the new basis ``W1_0``.

        The divergence checkpoint (``[..., P, R, Q, a]``) means
        ``a W1_0 - R X^T`` in the old basis: when it does, its W1 is formed
        first, from the old basis directly (re-expressing it in the new one
        would subtract the diverging step back out of the new W1, which loses
        everything to cancellation), and the checkpoint says "this W1" from
        then on (R = 0, a = 1; :meth:`_after_restore` puts it in place).
        """
        state, W1 = self.gram, self.net.weights[0][0]
        saved = self.guard.saved
        if state.dirty and saved is not None and not self._explicit:
            _, R, Q, a = saved[-4:]
            if self._W1_saved is None:
                self._W1_saved = np.empty_like(W1)
            np.multiply(W1, a, out=self._W1_saved)
            self._W1_saved -= R @ state.X.T
            R[...] = 0
            Q[...] = 0
            a[...] = 1
            self._explicit = True
        if state.dirty:
            state.materialize(W1)
            self._mirror_W1()

    def _after_restore(self) -> None:
        """After the guard put a checkpoint back: its W1 too, when it holds one explicitly."""
        if self._explicit and self._W1_saved is not None:
            self.gram.rebase(self.net.weights[0][0], self._W1_saved)
            self._mirror_W1()

    def state(self) -> dict[str, Array]:
        """``gram_P``, the running product a resumed fit continues from."""
        return {"gram_P": self.gram.P.copy()}


class _GramState:
    """The Gram-matrix path's state, with W1 = a W1_0 - R X^T kept implicit.

    ``W1_0`` is the W1 array's content when the state was created or last
    materialised; the array itself is not touched in between. ``P = W1 X``
    is kept up to date through ``K = X^T X``. Without L2 the scalar ``a``
    stays 1; with L2 every step first decays W1 by ``gamma = 1 - lr alpha / m``,
    which scales ``a`` and ``R``, and ``Q = R K`` is kept so that ``||W1||^2``
    (the penalty) costs no product with X either. ``materialize`` writes W1.
    """

    def __init__(self, X: Array, W1: Array) -> None:
        self.X = X
        self.K = X.T @ X
        self.P = W1 @ X
        self.P0 = self.P.copy()
        self.R = np.zeros_like(self.P)
        self.Q = np.zeros_like(self.P)
        self.a = np.ones((), dtype=self.P.dtype)
        self.w0sq = float(np.vdot(W1, W1))
        self.dirty = False
        self._spare: list[Array] | None = None

    def arrays(self) -> list[Array]:
        """The arrays one step changes (what a divergence checkpoint must keep)."""
        return [self.P, self.R, self.Q, self.a]

    def advance(self, step: Array, decay: float = 1.0) -> list[Array]:
        """One gradient-descent step on W1, written into spare arrays that become the state.

        Returns the arrays they replace (``[P, R, Q, a]`` before the step),
        untouched: the step's divergence checkpoint, and the next step's spares.
        """
        # Gradient descent on W1, W1 <- decay W1 - step X^T with step = (lr/m) dZ1
        # (backpropagated already scaled), seen through X:
        # W1 X  <-  decay W1 X - step X^T X.
        SK = step @ self.K
        if self._spare is None:
            self._spare = [np.empty_like(a) for a in self.arrays()]
        P, R, Q, a = self._spare
        if decay == 1.0:
            np.subtract(self.P, SK, out=P)
            np.add(self.R, step, out=R)
            np.add(self.Q, SK, out=Q)
            a[...] = self.a
        else:
            np.multiply(self.a, decay, out=a)
            np.multiply(self.R, decay, out=R)
            R += step
            np.multiply(self.Q, decay, out=Q)
            Q += SK
            np.multiply(self.P0, a, out=P)
            P -= Q
        replaced = self.arrays()
        self.P, self.R, self.Q, self.a = P, R, Q, a
        self._spare = replaced
        self.dirty = True
        return replaced

    def squared_norm(self) -> float:
        """||W1||^2 = a^2 ||W1_0||^2 - 2 a <W1_0 X, R> + <R K, R>, without W1."""
        a = float(self.a)
        return (a * a * self.w0sq - 2 * a * float(np.vdot(self.P0, self.R))
                + float(np.vdot(self.Q, self.R)))

    def rebase(self, W1: Array, value: Array) -> None:
        """Make ``value`` the basis: ``W1 = value``, with ``P`` (restored) its product."""
        W1[...] = value
        self.P0[...] = self.P
        self.w0sq = float(np.vdot(W1, W1))

    def materialize(self, W1: Array) -> None:
        if self.dirty:
            if self.a != 1:
                W1 *= self.a
            W1 -= self.R @ self.X.T
            self.a[...] = 1
            self.R[...] = 0
            self.Q[...] = 0
            self.P0[...] = self.P
            self.w0sq = float(np.vdot(W1, W1))
            self.dirty = False
