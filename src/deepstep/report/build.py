"""``deepstep.report``: a fitted network's training-health report, as one HTML file and PNGs."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import adapter, figures
from .html import Section, checks_table, document, text

__all__ = ["report"]

#: At most this many mislabelled examples and first-layer units are drawn.
MAX_PICTURES = 32
MAX_UNITS = 40
_STAT_KEYS = ("epoch", "layer", "activation_quantiles", "gradient_quantiles", "update_ratio")


def report(model: Any, X: Any = None, y: Any = None, *, X_test: Any = None, y_test: Any = None,
           statistics: Any = None, out: str | os.PathLike[str] = "report.html",
           image_shape: Sequence[int] | None = None, class_names: Sequence[Any] | None = None,
           png_dir: str | os.PathLike[str] | None = None) -> Path:
    """Write a fitted network's training-health report: one self-contained HTML file.

    The report shows the network with its shapes, the cost curve (training
    and validation), the training-health checks of :func:`deepstep.diagnose`,
    the per-layer activation and gradient distributions over training (from
    ``statistics``), the confusion matrix (classifiers), the mislabelled
    examples and the first layer's weights as pictures (image inputs), and
    the decision boundary (2-D inputs). The file needs nothing but itself:
    the figures are PNGs inside it, the style is inline, there is no script.
    Every figure is also written as a PNG file in ``png_dir``.

    Parameters
    ----------
    model : DNNClassifier, DNNRegressor, MLPClassifier or MLPRegressor
        Fitted (a loaded model file too).
    X : array-like of shape (n_samples, n_features), optional
        Training data: the checks, the confusion matrix, the mislabelled
        examples and the decision boundary need it (with ``y``).
    y : array-like of shape (n_samples,) or (n_samples, n_outputs), optional
        Its labels (targets for a regressor).
    X_test, y_test : array-like, optional
        Test data, in ``X``'s and ``y``'s shapes: the confusion matrix and
        the mislabelled examples are then the test set's.
    statistics : deepstep.training.LayerStatistics, optional
        Recorded during training (``with deepstep.recording() as stats:``);
        without it the per-layer distributions are left out.
    out : str or path-like, default="report.html"
        The HTML file to write; checked before any work, written atomically
        with the permissions a new file gets under the user's umask.
    image_shape : (height, width) or (height, width, channels), optional
        The shape of an input image, when inputs are images (default: the
        ``input_shape`` saved in the model file, if any).
    class_names : sequence, optional
        A name for each of ``model.classes_`` (default: the names saved in
        the model file, else the classes themselves).
    png_dir : str or path-like, optional
        Folder for the PNG files (default: ``<out stem>_figures`` beside
        ``out``); created if missing (its parent must exist).

    Returns
    -------
    pathlib.Path
        ``out``.

    Raises
    ------
    TypeError, ValueError
        A bad argument, named.
    OSError
        ``out`` or ``png_dir`` cannot be written (raised before any work).
    """
    out_path, figure_dir = check_paths(out, png_dir)
    given = (X, y, X_test, y_test)  # the checks get the data as given (a DataFrame stays one)
    X, y, X_test, y_test = _check_data(X, y, X_test, y_test)
    history = _check_statistics(statistics)
    view = adapter.view(model)
    n_x = int(view.layer_sizes[0])
    for name, data in (("X", X), ("X_test", X_test)):
        if data is not None and data.shape[1] != n_x:
            raise ValueError(f"report: {name} has {data.shape[1]} features per example but the "
                             f"model expects {n_x}")
    shape = _image_shape(image_shape, model, n_x)
    names = _class_names(class_names, view, model)
    checks = None
    if X is not None:
        checks = adapter.diagnose(model, given[0], given[1], X_test=given[2],
                                  y_test=given[3], statistics=statistics)
    view = _Predicting(view, model)
    sections = _sections(view, model, X, y, X_test, y_test, history, shape, names, checks)
    title = f"deepstep report: {type(model).__name__} {list(view.layer_sizes)}"
    doc = document(title, _summary(view, model, names, (X, y, X_test, y_test), figure_dir),
                   sections)
    _write(out_path, figure_dir, doc, sections)
    return out_path


class _Predicting:
    """A ModelView whose ``predict`` runs once per array and takes arrays for named columns.

    The summary, the confusion matrix and the mislabelled examples all need
    the same predictions: each array is predicted once (the cat model's
    first layer makes a prediction cost more than a figure). A model fitted
    on a DataFrame warns when it predicts on an array; the arrays go back
    into a DataFrame with the model's column names first.
    """

    def __init__(self, view: Any, model: Any) -> None:
        self._view = view
        self._columns = getattr(model, "feature_names_in_", None)
        self._seen: list[tuple[np.ndarray, np.ndarray]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._view, name)

    def predict(self, X: np.ndarray) -> np.ndarray:
        for data, pred in self._seen:
            if data is X:
                return pred
        pred = self._predict(X)
        self._seen.append((X, pred))
        return pred

    def _predict(self, X: np.ndarray) -> np.ndarray:
        if self._columns is not None:
            try:
                import pandas as pd
            except ImportError:  # no pandas: the model was fitted on another named table
                pass
            else:
                X = pd.DataFrame(X, columns=self._columns)
        return np.asarray(self._view.predict(X))


def check_paths(out: Any, png_dir: Any) -> tuple[Path, Path]:
    """Check that ``out`` and ``png_dir`` can be written, before any work.

    Parameters
    ----------
    out : str or path-like
        The HTML file.
    png_dir : str or path-like or None
        The PNGs' folder (None: ``<out stem>_figures`` beside ``out``).

    Returns
    -------
    (pathlib.Path, pathlib.Path)
        ``out`` and the PNGs' folder.
    """
    from ..io import check_output_path

    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"report: out must be a file name (str or path-like), got "
                        f"{type(out).__name__}")
    out_path = check_output_path(out, f"report: out {os.fspath(out)}")
    if png_dir is None:
        folder = out_path.with_name(out_path.stem + "_figures")
    elif isinstance(png_dir, (str, os.PathLike)):
        folder = Path(os.fspath(png_dir))
    else:
        raise TypeError(f"report: png_dir must be a folder name (str or path-like), got "
                        f"{type(png_dir).__name__}")
    if folder.is_dir():
        check_output_path(folder / "network.png", f"report: png_dir {folder}")
    else:  # to be created: its parent must exist and be writable
        check_output_path(folder, f"report: png_dir {folder}")
    return out_path, folder


def _check_data(X: Any, y: Any, X_test: Any, y_test: Any) -> tuple[Any, Any, Any, Any]:
    pairs = []
    for xname, yname, data, labels in (("X", "y", X, y), ("X_test", "y_test", X_test, y_test)):
        if (data is None) != (labels is None):
            given, missing = (xname, yname) if labels is None else (yname, xname)
            raise ValueError(f"report: {given} given without {missing}; expected both or "
                             "neither")
        if data is None:
            pairs.append((None, None))
            continue
        if hasattr(data, "toarray"):
            data = data.toarray()  # a sparse matrix: the pictures need the dense pixels
        data, labels = np.asarray(data), np.asarray(labels)
        if data.ndim != 2:
            raise ValueError(f"report: {xname} must be a 2-D array of shape (n_samples, "
                             f"n_features), got shape {data.shape}")
        if labels.ndim not in (1, 2) or len(labels) != len(data):
            raise ValueError(f"report: {yname} must hold one label (or row of targets) per "
                             f"row of {xname}: expected {len(data)}, got shape {labels.shape}")
        pairs.append((data, labels))
    return pairs[0][0], pairs[0][1], pairs[1][0], pairs[1][1]


def _check_statistics(statistics: Any) -> list[dict[str, Any]]:
    if statistics is None:
        return []
    history = getattr(statistics, "history", statistics)
    if not isinstance(history, Sequence) or isinstance(history, (str, bytes)):
        raise TypeError("report: statistics must be a deepstep.training.LayerStatistics "
                        f"(or its history, a list of dicts), got {type(statistics).__name__}")
    for record in history:
        if not isinstance(record, dict) or any(k not in record for k in _STAT_KEYS):
            raise ValueError(f"report: statistics.history must hold dicts with the keys "
                             f"{list(_STAT_KEYS)}; found {str(record)[:80]}")
    return list(history)


def _image_shape(image_shape: Any, model: Any, n_x: int) -> tuple[int, int, int] | None:
    given = image_shape is not None
    if not given:
        image_shape = (getattr(model, "metadata_", None) or {}).get("input_shape")
        if image_shape is None:
            return None
    try:
        shape = tuple(int(d) for d in image_shape)
        valid = all(d == e and d > 0 for d, e in zip(shape, image_shape, strict=True))
    except (TypeError, ValueError):
        valid = False
    if valid and len(shape) == 2:
        shape = (*shape, 1)
    if not valid or len(shape) != 3 or shape[2] not in (1, 3) or int(np.prod(shape)) != n_x:
        if not given:
            return None  # a saved shape that does not fit: no pictures, as if none were saved
        raise ValueError(f"report: image_shape must be (height, width) or (height, width, "
                         f"channels) with channels 1 or 3 and height * width * channels == "
                         f"{n_x} (the model's inputs), got {image_shape!r}")
    return shape  # type: ignore[return-value]


def _class_names(class_names: Any, view: Any, model: Any) -> list[str] | None:
    classes = view.classes
    if classes is None:
        if class_names is not None:
            raise ValueError("report: class_names given for a model without classes (a "
                             "regressor)")
        return None
    if class_names is None:
        saved = (getattr(model, "metadata_", None) or {}).get("class_names")
        if saved and len(saved) == len(classes):
            return [str(n) for n in saved]
        return [str(c) for c in np.asarray(classes).tolist()]
    if isinstance(class_names, (str, bytes)) or not isinstance(class_names, Sequence):
        raise TypeError(f"report: class_names must be a sequence of names, got "
                        f"{type(class_names).__name__}")
    if len(class_names) != len(classes):
        raise ValueError(f"report: class_names must have one name per class: expected "
                         f"{len(classes)}, got {len(class_names)}")
    return [str(n) for n in class_names]


def _summary(view: Any, model: Any, names: list[str] | None, data: tuple[Any, ...],
             figure_dir: Path) -> list[tuple[str, str]]:
    X, y, X_test, y_test = data
    items = [("model", f"{type(model).__name__}, {view.kind}"),
             ("layer sizes", str(list(view.layer_sizes))),
             ("activations", ", ".join(view.activations)),
             ("iterations", str(len(view.loss_curve)))]
    if names is not None:
        items.append(("classes", ", ".join(names[:20]) + (" ..." if len(names) > 20 else "")))
    for split, data, labels in (("training", X, y), ("test", X_test, y_test)):
        if data is None:
            continue
        line = f"{len(data)} examples"
        if view.kind in ("binary", "multiclass"):
            line += f", accuracy {np.mean(np.asarray(view.predict(data)) == labels):.4f}"
        items.append((f"{split} data", line))
    items.append(("figures (PNG)", str(figure_dir)))
    return items


def _sections(view: Any, model: Any, X: Any, y: Any, X_test: Any, y_test: Any,
              history: list[dict[str, Any]], shape: tuple[int, int, int] | None,
              names: list[str] | None, checks: Any) -> list[Section]:
    sizes, acts = list(view.layer_sizes), list(view.activations)
    out = [Section("checks", "Training-health checks", body=[
        checks_table(checks) if checks is not None else
        '<p class="note">No data given: pass X and y to run the checks.</p>'])]
    out.append(Section("network", "The network", figures.network_figure(sizes, acts),
                       alt=f"the network, layer sizes {sizes}", body=[
                           f'<p class="note">{len(sizes) - 1} weight layers: '
                           + text(", ".join(f"W{i} ({sizes[i]}, {sizes[i - 1]})"
                                            for i in range(1, len(sizes)))) + "</p>"]))
    out.append(Section("cost", "Cost curve",
                       figures.cost_figure(view.loss_curve, view.validation_loss_curve),
                       alt="the training and validation cost over training"))
    if history:
        out.append(Section("layers", "Layers over training",
                           figures.layer_statistics_figure(history),
                           alt="per-layer activation and gradient quantiles over training",
                           body=['<p class="note">Each panel is one layer. Bands: the 5-95% '
                                 "and 25-75% ranges of its activations and gradients at each "
                                 "recorded epoch, line: the median. Bottom row: the size of "
                                 "each update against the weights (dashed: 1e-3).</p>"]))
    else:
        out.append(Section("layers", "Layers over training", body=[
            '<p class="note">Not recorded: train inside <code>with deepstep.recording() as '
            "stats:</code> and pass <code>statistics=stats</code> (on the command line: "
            "<code>deepstep train --report</code>).</p>"]))
    split = ("test", X_test, y_test) if X_test is not None else ("training", X, y)
    if names is not None and view.kind in ("binary", "multiclass") and X is not None:
        out.extend(_classifier_sections(view, X, y, X_test, y_test, split, shape, names))
    if shape is not None:
        W1 = np.asarray(view.weights[0][0])[:MAX_UNITS]
        out.append(Section("weights", "First layer's weights", figures.weights_figure(W1, shape),
                           alt="each first-layer unit's weights as a picture", body=[
                               f'<p class="note">{len(W1)} of {len(view.weights[0][0])} units, '
                               "each scaled to its own range: the pattern it responds to.</p>"]))
    if sizes[0] == 2 and X is not None:
        out.append(_boundary_section(view, model, X, y))
    return out


def _classifier_sections(view: Any, X: Any, y: Any, X_test: Any, y_test: Any, split: Any,
                         shape: Any, names: list[str]) -> list[Section]:
    from sklearn.metrics import confusion_matrix

    classes = np.asarray(view.classes)
    matrices = []
    for title, data, labels in (("training", X, y), ("test", X_test, y_test)):
        if data is not None:
            matrices.append((title, confusion_matrix(labels, np.asarray(view.predict(data)),
                                                     labels=classes)))
    body = ['<p class="note">Rows: the true class; columns: the predicted class. Classes: '
            + text(", ".join(names)) + ".</p>"]
    out = [Section("confusion", "Confusion matrix", figures.confusion_figure(matrices, names),
                   alt="confusion matrices", body=body)]
    if shape is not None:
        title, data, labels = split
        pred = np.asarray(view.predict(data))
        wrong = np.flatnonzero(pred != labels)
        index = {c: i for i, c in enumerate(classes.tolist())}
        shown = wrong[:MAX_PICTURES]
        def name(label: Any) -> str:
            return names[index[label]] if label in index else str(label)

        captions = [f"true: {name(labels[i])}\npredicted: {name(pred[i])}" for i in shown]
        section = Section("mislabelled", f"Mislabelled {title} examples", alt=(
            f"{len(shown)} mislabelled {title} examples"))
        if len(shown):
            pictures = np.asarray(data[shown]).reshape(len(shown), *shape)
            section.png = figures.image_grid_figure(pictures, captions)
        section.body.append(f'<p class="note">{len(wrong)} of {len(labels)} {title} examples '
                            f"are mislabelled; {len(shown)} shown.</p>")
        out.append(section)
    return out


def _boundary_section(view: Any, model: Any, X: Any, y: Any) -> Section:
    features = getattr(model, "feature_names_in_", None)
    labels = ([str(f) for f in features] if features is not None and len(features) == 2
              else ["feature 1", "feature 2"])
    png = figures.decision_boundary_figure(X, y, view.predict, view.classes)
    return Section("boundary", "Decision boundary", png, alt="the model's prediction over "
                   "the plane of the two input features", body=[
                       f'<p class="note">Horizontal: {text(labels[0])}; vertical: '
                       f"{text(labels[1])}. Background: the prediction; points: the training "
                       "examples.</p>"])


def _write(out_path: Path, figure_dir: Path, doc: str, sections: Sequence[Section]) -> None:
    from ..io import write_atomically

    figure_dir.mkdir(exist_ok=True)
    for section in sections:
        if section.png is not None:
            png = section.png
            write_atomically(figure_dir / f"{section.id}.png", lambda fh, b=png: fh.write(b))
    data = doc.encode("utf-8")
    write_atomically(out_path, lambda fh: fh.write(data))
