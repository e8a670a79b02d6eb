"""``deepstep report`` and ``deepstep train --report``: the report from the command line.

The command's loaders, checks and one-line errors are :mod:`deepstep.cli`'s;
that module passes itself in (``cli``) rather than being imported here, so
the two modules do not import each other.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
from collections.abc import Iterator
from types import ModuleType
from typing import Any

__all__ = ["add_report_parser", "check_train_report", "recording", "train_report"]


def add_report_parser(sub: Any, cli: ModuleType) -> None:
    """Register ``deepstep report MODEL --data PATH --out report.html``.

    Parameters
    ----------
    sub : argparse sub-parsers action
        ``deepstep``'s.
    cli : module
        :mod:`deepstep.cli` (its loaders and checks).
    """
    report = sub.add_parser(
        "report", help="write a saved model's training-health report (HTML)",
        description="Write one self-contained HTML file (no network, no script) on a saved "
        "model: the network with its shapes, the cost curve, the training-health checks, the "
        "confusion matrix, the mislabelled images and the first layer's weights as pictures. "
        "Every figure is also written as a PNG. --out and --png-dir are checked before any "
        "loading. (The per-layer statistics over training need 'deepstep train --report'.)",
    )
    report.add_argument("model", metavar="MODEL", help="model file written by 'deepstep train' "
                        "or model.save(path, input_shape=..., class_names=...)")
    report.add_argument("--data", metavar="PATH", help=cli._DATA_HELP + " (default: the "
                        "built-in digits)")
    report.add_argument("--out", default="report.html", metavar="HTML",
                        help="HTML file to write (default report.html)")
    report.add_argument("--png-dir", metavar="DIR", default=None,
                        help="folder for the figures as PNG files (default: REPORT_figures "
                        "beside --out)")
    report.set_defaults(handler=functools.partial(_report, cli=cli), parser=report)


def _report(args: argparse.Namespace, cli: ModuleType) -> int:
    from .build import check_paths, report

    cli._check_output("--out", args.out)
    check_paths(args.out, args.png_dir)
    model = cli._load_model(args.model)
    shape = cli._image_shape(model)
    data, description = cli._load_data(args.data, shape[:2] if shape else None,
                                       shape[2] if shape else None)
    _check_labels(cli, model, args.model, data)
    cli._check_model_input(model, data.train_x, description)
    dtype = cli._dtype(model)
    test = len(data.test_x) > 0
    path = report(model, cli._matrix(data.train_x, dtype), data.train_y,
                  X_test=cli._matrix(data.test_x, dtype) if test else None,
                  y_test=data.test_y if test else None, out=args.out,
                  image_shape=data.train_x.shape[1:] if data.train_x.ndim == 4 else None,
                  class_names=_names(cli, model, data), png_dir=args.png_dir)
    print(f"report on {description} written to {path}")
    return 0


def _check_labels(cli: ModuleType, model: Any, path: str, data: Any) -> None:
    classes = getattr(model, "classes_", None)
    if classes is None:
        raise cli.CLIError(f"model {path} is a {type(model).__name__}; 'deepstep report' "
                           "reports on classifiers (use deepstep.report in Python for a "
                           "regressor)")
    if list(classes) != list(range(len(classes))):
        raise cli.CLIError(f"model {path} has the classes {str(list(classes))[:80]}; expected "
                           "the label indices 0, 1, ... that deepstep's data loaders give")


def _names(cli: ModuleType, model: Any, data: Any) -> list[str]:
    names = cli._class_names(model)
    saved = (getattr(model, "metadata_", None) or {}).get("class_names")
    if not saved and len(data.classes) == len(names):
        return [str(c) for c in data.classes]  # the data set's names when the file has none
    return names


def check_train_report(args: argparse.Namespace, cli: ModuleType) -> None:
    """``deepstep train --report HTML``: check the file before training (a no-op without it).

    Parameters
    ----------
    args : argparse.Namespace
        ``deepstep train``'s arguments.
    cli : module
        :mod:`deepstep.cli`.
    """
    if args.report is None:
        return
    from .build import check_paths

    cli._check_output("--report", args.report)
    for option, other in (("--out", args.out), ("--plot", args.plot)):
        if os.path.abspath(args.report) == os.path.abspath(other):
            raise cli.CLIError(f"--report {args.report}: the same file as {option}; expected "
                               "another file name")
    check_paths(args.report, None)


#: Evenly spaced records of ``deepstep train --report``'s fit.
RECORDS = 25


@contextlib.contextmanager
def recording(args: argparse.Namespace) -> Iterator[Any]:
    """Record the per-layer statistics of the training inside, when ``--report`` is given.

    About 25 evenly spaced epochs are recorded (every ``iterations // 25``-th,
    the first and the last): a user who asks for the report pays for panels
    that show the whole fit (``every="auto"`` keeps recording under a few
    percent of training time, two records of a fast full-batch fit).

    Yields
    ------
    LayerStatistics or None
        None without ``--report``: nothing is recorded.
    """
    if args.report is None:
        yield None
        return
    from . import adapter

    with adapter.recording(every=max(1, int(args.iterations) // RECORDS)) as statistics:
        yield statistics


def train_report(args: argparse.Namespace, cli: ModuleType, model: Any, data: Any,
                 statistics: Any) -> None:
    """Write ``deepstep train --report``'s report on the model just trained.

    Parameters
    ----------
    args : argparse.Namespace
    cli : module
        :mod:`deepstep.cli`.
    model : DNNClassifier
        Fitted on ``data``'s training split.
    data : deepstep.datasets.Dataset
    statistics : LayerStatistics or None
        What :func:`recording` gathered.
    """
    if args.report is None:
        return
    from .build import report

    dtype = cli._dtype(model)
    test = len(data.test_x) > 0
    with cli._writing("--report", args.report):
        path = report(model, cli._matrix(data.train_x, dtype), data.train_y,
                      X_test=cli._matrix(data.test_x, dtype) if test else None,
                      y_test=data.test_y if test else None, statistics=statistics,
                      out=args.report, image_shape=data.train_x.shape[1:],
                      class_names=[str(data.classes[int(c)]) for c in model.classes_])
    if not args.quiet:
        print(f"report written to {path}")
