"""The divergence guard: the last parameters whose cost was finite, kept to fall back on.

A step checks its cost before it updates; when the cost is finite, the state
it is about to change is what a divergence must return to. How that state is
kept depends on the step (see :mod:`deepstep.training.strategies`):

* full batch, any optimizer: a copy before every update (:meth:`remember`);
  it costs about 1/m of the iteration's products;
* full batch, folded gradient descent: no copy at all, the update writes into
  spare arrays and the previous ones are the checkpoint (:meth:`adopt`);
* mini-batches: a copy per epoch (or per block of an out-of-core source),
  since a copy per batch would cost as much as the update itself, so a
  divergence returns to the epoch's start (:meth:`remember_if_finite`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from .._backend import assign, copy
from .._validation import all_finite
from .._warnings import warn
from .callbacks.divergence import DivergenceWarning

__all__ = ["DivergenceGuard"]

Array = NDArray[np.floating]


class DivergenceGuard:
    """Keeps the state to restore when training diverges."""

    def __init__(self) -> None:
        self._saved: tuple[list[Array], list[Array]] | None = None
        self._after_restore: list[Callable[[], None]] = []
        #: The parameters to fall back on when the checkpoint itself is not
        #: finite (set by whoever knows the start; kept across fits).
        self.fallback: Callable[[], Mapping[str, Array] | None] | None = None

    def reset(self) -> None:
        """Forget the checkpoint and the restore hooks (a new fit starts)."""
        self._saved = None
        self._after_restore = []

    @property
    def saved(self) -> list[Array] | None:
        """The checkpoint's copies, in the order they were remembered (None before any)."""
        return None if self._saved is None else self._saved[1]

    def after_restore(self, hook: Callable[[], None]) -> None:
        """Call ``hook()`` after every :meth:`restore` (a step with state beyond its arrays).

        Parameters
        ----------
        hook : callable
        """
        self._after_restore.append(hook)

    def remember(self, state: Sequence[Array]) -> None:
        """Copy ``state`` (the arrays a step is about to change) into the checkpoint.

        Parameters
        ----------
        state : sequence of ndarray
        """
        state = list(state)
        if self._saved is None or len(self._saved[1]) != len(state):
            self._saved = (state, [copy(a) for a in state])
        else:
            for src, dst in zip(state, self._saved[1], strict=True):
                assign(dst, src)
            self._saved = (state, self._saved[1])

    def remember_if_finite(self, state: Sequence[Array]) -> None:
        """:meth:`remember`, unless ``state`` holds NaN or infinity and a checkpoint exists.

        The last update of the previous epoch may have made the parameters
        non-finite while its batch's cost (computed before it) was finite:
        the older checkpoint is kept then, so a divergence never restores NaN.

        Parameters
        ----------
        state : sequence of ndarray
        """
        if self._saved is None or all_finite(list(state)):
            self.remember(state)

    def adopt(self, live: list[Array], previous: list[Array]) -> None:
        """Take ``previous`` (arrays no one writes any more) as the checkpoint of ``live``.

        Parameters
        ----------
        live : list of ndarray
            The arrays training goes on with.
        previous : list of ndarray
            Their values before the last update.
        """
        self._saved = (live, previous)

    def restore(self) -> None:
        """Put the checkpoint back into the arrays it was taken from."""
        if self._saved is not None:
            for dst, src in zip(*self._saved, strict=True):
                assign(dst, src)
            for hook in self._after_restore:
                hook()

    def ensure_finite(self, parameters: Mapping[str, Array], epoch: int) -> bool:
        """After a restore: go back to the start when the checkpoint itself is not finite.

        A finite cost does not make the parameters behind it finite (a folded
        step's checkpoint is the previous update, judged only by its cost).

        Parameters
        ----------
        parameters : dict of str to ndarray
            The live parameters (written in place).
        epoch : int
            For the message.

        Returns
        -------
        bool
            True when the start (``fallback``) was put back.

        Raises
        ------
        FloatingPointError
            When there is no finite start to go back to.
        """
        if all_finite(parameters):
            return False
        start = self.fallback() if self.fallback is not None else None
        if start is None or not all_finite(start):
            raise FloatingPointError(
                f"training ended with non-finite parameters after iteration {epoch} and no "
                "finite parameters to go back to. Lower the learning rate, or scale the "
                "inputs.")
        for key, value in parameters.items():
            assign(value, start[key])
        return True

    def finish(self, parameters: Mapping[str, Array], epoch: int, mode: str, *,
               diverged: bool) -> bool:
        """The end of every fit: finite parameters, whatever happened.

        After a divergence (already restored and reported) the restored
        checkpoint is checked too (:meth:`ensure_finite`); otherwise
        :meth:`check_final`.

        Returns
        -------
        bool
            True when the fit turns out to have diverged at its end.
        """
        if diverged:
            if self.ensure_finite(parameters, epoch):
                warn("the last parameters with a finite cost were not finite either; the "
                     "initial parameters were kept", DivergenceWarning)
            return False
        return self.check_final(parameters, epoch, mode)

    def check_final(self, parameters: Mapping[str, Array], epoch: int, mode: str) -> bool:
        """Every fit ends with finite parameters, whatever its costs looked like.

        A cost can stay finite while a parameter is not (an infinite bias
        behind a saturated sigmoid, say); such a fit is treated as diverged:
        the checkpoint is restored and a :class:`DivergenceWarning` issued
        (``FloatingPointError`` with ``mode="raise"``).

        Parameters
        ----------
        parameters : dict of str to ndarray
        epoch : int
            The number of epochs completed, for the message.
        mode : {"warn", "raise"}

        Returns
        -------
        bool
            True when the parameters were not finite (and were restored).
        """
        if all_finite(parameters):
            return False
        self.restore()
        kept = ("the initial parameters were kept" if self.ensure_finite(parameters, epoch)
                else "the last finite parameters were kept")
        message = (f"training ended with non-finite parameters after iteration {epoch}; "
                   f"{kept}. Lower the learning rate.")
        if mode == "raise":
            raise FloatingPointError(message)
        warn(message, DivergenceWarning)
        return True


