"""Warnings that point at the user's line, not at deepstep's.

A warning raised deep inside ``fit`` is about the call the user wrote:
Python shows the file and line of the frame ``stacklevel`` levels up, and
its filters match the module of that frame. :func:`warn` counts the levels
to the first frame outside the ``deepstep`` package, so the number stays
right whichever internal path raised it.
"""

from __future__ import annotations

import sys
import warnings

__all__ = ["user_stacklevel", "warn"]

_PACKAGE = __name__.rpartition(".")[0]  # "deepstep"


def user_stacklevel(skip: int = 1) -> int:
    """The ``stacklevel`` of the first frame outside deepstep, as seen from the caller.

    Parameters
    ----------
    skip : int, default=1
        Frames that belong to the caller's own machinery (1: the function
        that calls this one; :func:`warn` passes 2 for itself).

    Returns
    -------
    int
        ``warnings.warn(..., stacklevel=user_stacklevel())`` called from the
        same function names the user's line.
    """
    frame = sys._getframe(skip)
    level = 1
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module != _PACKAGE and not module.startswith(_PACKAGE + "."):
            return level
        frame = frame.f_back
        level += 1
    return 1


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn(message, category)`` attributed to the user's line.

    Parameters
    ----------
    message : str
    category : type of Warning, default=UserWarning
    """
    warnings.warn(message, category, stacklevel=user_stacklevel(2) + 1)
