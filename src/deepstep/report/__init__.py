"""The training-health report: :func:`report` writes one self-contained HTML file.

``deepstep.report`` is both this package and, called, :func:`report`: the
package's module object is callable, so ``deepstep.report(model, X, y)``
works whichever of the two ``deepstep.report`` names at that moment (Python
sets a package's attribute to its sub-package when one is first imported,
e.g. by ``deepstep report`` on the command line importing
``deepstep.report.cli``).
"""

from __future__ import annotations

import sys
import types
from typing import Any

from .build import report

__all__ = ["report"]


class _CallableModule(types.ModuleType):
    """This package's module type: calling it calls :func:`report`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return report(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
