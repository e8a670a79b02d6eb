"""The library's version, in a module of its own.

Kept apart from ``deepstep/__init__.py`` so that modules needing it (the model
files of :mod:`deepstep.io`, the command line's ``--version``) do not depend on
the package's ``__init__``, which imports the estimators.
"""

from __future__ import annotations

__version__ = "0.1.0"
