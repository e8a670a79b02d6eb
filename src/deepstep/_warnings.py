"""Warnings that point at the user's line, not at deepstep's.

A warning raised deep inside ``fit`` is about the call the user wrote:
Python shows the file and line of the frame ``stacklevel`` levels up, and
its filters match the module of that frame. :func:`warn` finds the first
frame outside the ``deepstep`` package, so the attribution stays right
whichever internal path raised it.

The scikit-learn drop-ins are the one exception to "the module is the
user's": scikit-learn's own ``MLPClassifier`` warns from
``sklearn.neural_network._multilayer_perceptron``, and scripts (its
gallery's among them) silence it with ``warnings.filterwarnings("ignore",
category=ConvergenceWarning, module="sklearn")``, a regular expression
matched against the start of the warning's module. A warning raised beneath
``deepstep.estimators.mlp`` therefore keeps the user's file, line and
once-per-location registry but is filed under :data:`DROP_IN_MODULE`, so
those filters keep working after the one-line switch of import. deepstep's
own estimators (``DNNClassifier``, ...) are filed under the user's module.
"""

from __future__ import annotations

import sys
import warnings

__all__ = ["DROP_IN_MODULE", "user_stacklevel", "warn"]

_PACKAGE = __name__.rpartition(".")[0]  # "deepstep"
_DROP_INS = f"{_PACKAGE}.estimators.mlp"
#: The module that the drop-ins' warnings are filed under for the warnings
#: filters: scikit-learn's, whose ``MLPClassifier``/``MLPRegressor`` raise them.
DROP_IN_MODULE = "sklearn.neural_network._multilayer_perceptron"


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


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
        if not _inside(frame.f_globals.get("__name__", ""), _PACKAGE):
            return level
        frame = frame.f_back
        level += 1
    return 1


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn(message, category)`` attributed to the user's line.

    Beneath a scikit-learn drop-in (``deepstep.estimators.mlp``) the warning
    is filed under :data:`DROP_IN_MODULE` for the filters (see the module's
    docstring); its file, line and registry are still the user's.

    Parameters
    ----------
    message : str
    category : type of Warning, default=UserWarning
    """
    frame = sys._getframe(1)
    drop_in = False
    while frame is not None and _inside(frame.f_globals.get("__name__", ""), _PACKAGE):
        drop_in = drop_in or _inside(frame.f_globals["__name__"], _DROP_INS)
        frame = frame.f_back
    if frame is None:  # no user frame (deepstep's own command): deepstep's line
        warnings.warn(message, category, stacklevel=2)
        return
    if not drop_in:
        warnings.warn(message, category, stacklevel=user_stacklevel(2) + 1)
        return
    warnings.warn_explicit(message, category, frame.f_code.co_filename, frame.f_lineno,
                           module=DROP_IN_MODULE,
                           registry=frame.f_globals.setdefault("__warningregistry__", {}))
