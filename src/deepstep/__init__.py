"""deepstep: the deep network of "Building your Deep Neural Network: Step by Step".

The course's functions are in :mod:`deepstep.steps`, its data in
:mod:`deepstep.datasets`; :func:`gradcheck` verifies backpropagation against
finite differences; :func:`diagnose` checks a fitted network's training health,
:func:`recording` records per-layer statistics during training and
:func:`report` writes both as one HTML page; :func:`export_onnx` writes a
fitted model as ONNX;
:func:`config_context`, :func:`set_config` and :func:`get_config` hold the
run-time settings (prediction's block sizes).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from typing import TYPE_CHECKING, Any

from ._config import config_context, get_config, set_config
from ._version import __version__

if TYPE_CHECKING:
    from . import datasets, steps
    from .diagnostics import diagnose
    from .estimators import (
        COURSE_SETTINGS,
        DNNClassifier,
        DNNRegressor,
        MLPClassifier,
        MLPRegressor,
    )
    from .estimators.persistence import load
    from .export import export_onnx
    from .gradient_check import gradcheck
    from .io import ModelFileError
    from .report import report
    from .training import recording

# The public names are imported when first used: ``import deepstep`` alone
# (what ``deepstep --help`` and a usage error need) then skips scikit-learn,
# SciPy and the estimators, most of a command's start-up time.
_LAZY = {
    "COURSE_SETTINGS": ".estimators",
    "DNNClassifier": ".estimators",
    "DNNRegressor": ".estimators",
    "MLPClassifier": ".estimators",
    "MLPRegressor": ".estimators",
    "ModelFileError": ".io",
    "datasets": None,
    "diagnose": ".diagnostics",
    "export_onnx": ".export",
    "gradcheck": ".gradient_check",
    "load": ".estimators.persistence",
    "recording": ".training",
    "report": ".report",
    "steps": None,
}

__all__ = [
    "COURSE_SETTINGS",
    "DNNClassifier",
    "DNNRegressor",
    "MLPClassifier",
    "MLPRegressor",
    "ModelFileError",
    "__version__",
    "config_context",
    "datasets",
    "diagnose",
    "export_onnx",
    "get_config",
    "gradcheck",
    "load",
    "recording",
    "report",
    "set_config",
    "steps",
]


def __getattr__(name: str) -> Any:
    """A public name, imported on first use (PEP 562); then a module attribute like any."""
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module, __name__), name)
    elif name in _LAZY or (not name.startswith("_")
                           and importlib.util.find_spec(f"{__name__}.{name}") is not None):
        # a submodule (deepstep.training, ...), an attribute as when all were imported eagerly
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


# skl2onnx converts deepstep's estimators once they are in its registry
# (deepstep.export_skl2onnx). Importing skl2onnx takes seconds, so the
# registration waits for it: done now if skl2onnx is already imported, else
# right after the program imports it.
class _RegisterWithSkl2onnx(importlib.abc.MetaPathFinder):
    """Finds nothing itself; wraps skl2onnx's loader to register deepstep after it runs."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "skl2onnx" or self not in sys.meta_path:
            return None
        sys.meta_path.remove(self)  # once, and so that the search below skips this finder
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _RegisteringLoader(spec.loader)
        return spec


class _RegisteringLoader(importlib.abc.Loader):
    """skl2onnx's own loader, then :func:`deepstep.export_skl2onnx.register`."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self._loader.exec_module(module)
        sys.modules[module.__name__] = module  # registering imports skl2onnx's submodules
        importlib.import_module(".export_skl2onnx", __name__).register()

    def __getattr__(self, name: str) -> Any:  # get_resource_reader, is_package, ...
        return getattr(self._loader, name)


if "skl2onnx" in sys.modules:
    importlib.import_module(".export_skl2onnx", __name__).register()
elif not any(isinstance(f, _RegisterWithSkl2onnx) for f in sys.meta_path):
    sys.meta_path.insert(0, _RegisterWithSkl2onnx())
