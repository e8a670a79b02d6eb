"""The ``deepstep`` command: train, evaluate, predict and export from the shell.

Every failure a user can cause (a missing file, an unreadable image, data of
the wrong shape for the model) ends with one line on stderr,
``deepstep: error: ...``, and exit status 2, never a traceback. Usage errors
(an unknown option, a bad value, ``--data`` that is not a data set) are found
while parsing and add a hint line, ``try 'deepstep COMMAND --help'``; output
files (``--out``, ``--plot``, ``--errors``, ``OUT``) are checked before any
training or loading, so no run is wasted on a path that cannot be written.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from ._plots import plot_costs, plot_mislabelled
from ._version import __version__

__all__ = ["main"]


class CLIError(Exception):
    """An error to report in one line, without a traceback."""


class _Parser(argparse.ArgumentParser):
    """argparse with deepstep's usage errors: one line naming the argument, then a hint."""

    def error(self, message: str) -> NoReturn:
        """Print ``deepstep: error: MESSAGE`` and a ``--help`` hint; exit with status 2."""
        lines = re.sub(r"^argument ([^:]+): ", r"\1: ", message).splitlines() or [""]
        self.exit(2, f"deepstep: error: {lines[0]}\ntry '{self.prog} --help'\n")

    def parse_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                   namespace: argparse.Namespace | None = None) -> argparse.Namespace:
        """Parse ``args``; an unknown one is reported by the sub-command that was given."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            parser = getattr(parsed, "parser", None) or self
            parser.error(_unrecognized(parser, extras))
        return parsed


def _unrecognized(parser: argparse.ArgumentParser, extras: list[str]) -> str:
    """``unrecognized arguments: ...``, with the nearest option when one is close."""
    options = [s for action in parser._actions for s in action.option_strings]
    flag = next((e.split("=", 1)[0] for e in extras if e.startswith("-")), None)
    near = _nearest_option(flag, options) if flag else None
    text = f"unrecognized argument{'s' if len(extras) > 1 else ''}: {' '.join(extras)}"
    return text + (f" (did you mean {near}?)" if near else "")


#: Other libraries' names for our options (Keras's epochs, PyTorch's lr, ...).
_ALIASES = {"epochs": "--iterations", "iters": "--iterations", "max-iter": "--iterations",
            "lr": "--learning-rate", "output": "--out", "layers": "--hidden"}


def _nearest_option(flag: str, options: list[str]) -> str | None:
    """The option ``flag`` most likely meant: an alias, its initials (--lr), else the closest."""
    bare = flag.lstrip("-").lower().replace("_", "-")
    if _ALIASES.get(bare) in options:
        return _ALIASES[bare]
    for option in options:
        words = option.lstrip("-").split("-")
        if len(words) > 1 and bare == "".join(w[0] for w in words):
            return option
    near = difflib.get_close_matches(flag, options, n=1)
    return near[0] if near else None


# ------------------------------------------------------------ input checks

_DATA_KINDS = ("the course's train*.h5 file (its test*.h5 beside it), a folder holding one "
               "train*.h5 and one test*.h5, or a folder of images with one sub-folder per class")
_H5_EXPECTED = "the train file with its test file beside it, or the folder holding both"


def _data_problem(text: str) -> str | None:
    """Why ``--data TEXT`` cannot be loaded, or None when it looks right (parse time)."""
    path = Path(text)
    where = f"--data {text}"
    try:
        if not path.exists():
            return f"{where}: data path not found; expected {_DATA_KINDS}"
        if path.is_dir():
            return _folder_problem(where, path)
        if not path.is_file():
            return f"{where}: not a file or a folder; expected {_DATA_KINDS}"
        return _h5_file_problem(where, path)
    except OSError as exc:
        return f"{where}: cannot be read ({exc.strerror or exc})"


def _h5_file_problem(where: str, path: Path) -> str | None:
    import h5py

    if not h5py.is_hdf5(path):
        return (f"{where}: not an h5 file or a folder of h5 files or images (a file that is not "
                f"HDF5); expected {_DATA_KINDS}")
    name = path.name
    if "train" in name:
        test = path.with_name(name.replace("train", "test", 1))
        if test.is_file():
            return None
        return f"{where}: its test file {test} is missing; expected {_H5_EXPECTED}"
    if "test" in name:
        train = path.with_name(name.replace("test", "train", 1))
        found = f" (here: --data {train} or --data {path.parent})" if train.is_file() else ""
        return f"{where}: a test file; expected {_H5_EXPECTED}{found}"
    return (f"{where}: an h5 file whose name has neither 'train' nor 'test'; expected "
            f"{_H5_EXPECTED} (train*.h5 and test*.h5)")


def _folder_problem(where: str, path: Path) -> str | None:
    from .datasets import IMAGE_SUFFIXES

    h5 = sorted(p.name for p in path.glob("*.h5"))
    if h5:
        trains = [n for n in h5 if n.startswith("train")]
        tests = [n for n in h5 if n.startswith("test")]
        if len(trains) == 1 and len(tests) == 1:
            return None
        return (f"{where}: expected a folder holding exactly one train*.h5 and one test*.h5, "
                f"found {h5}")
    classes = [d for d in path.iterdir() if d.is_dir() and not d.name.startswith(".")
               and any(f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES for f in d.iterdir())]
    if len(classes) >= 2:
        return None
    return (f"{where}: not a folder of h5 files or images; expected {_DATA_KINDS} (an image "
            f"folder needs at least 2 sub-folders (one per class) with images, found "
            f"{len(classes)})")


def _check_output(option: str, path: str, image: bool = False) -> None:
    """Fail now, before any training, if ``path`` cannot be written; errors name ``option``."""
    from .io import check_output_path

    check_output_path(path, f"{option} {path}")
    suffix = Path(path).suffix.lower().lstrip(".")
    if image and suffix:
        from matplotlib.backend_bases import FigureCanvasBase

        supported = FigureCanvasBase.get_supported_filetypes()
        if suffix not in supported:
            raise CLIError(f"{option} {path}: expected an image file name such as cost.png "
                           f"(.{', .'.join(sorted(supported))}), got .{suffix}")


@contextlib.contextmanager
def _writing(option: str, path: str) -> Iterator[None]:
    """Report a failure to write ``path`` as one line naming ``option``."""
    try:
        yield
    except OSError as exc:
        raise CLIError(f"{option} {path}: cannot write it ({exc.strerror or exc})") from None


# ---------------------------------------------------------------- helpers


def _load_data(data: str | None, image_size: tuple[int, int] | None,
               channels: int | None) -> Any:
    """Load the data set named on the command line (built-in digits when None)."""
    from . import datasets

    if data is None:
        return datasets.load_digits_binary(), "built-in digits (even vs odd, scikit-learn)"
    path = Path(data)
    if not path.exists():
        raise CLIError(f"--data {data}: data path not found")
    if path.is_file() or any(path.glob("*.h5")):
        return datasets.load_h5(path), f"h5 files at {data}"
    return (datasets.load_image_folder(path, image_size or (64, 64), channels=channels or 3),
            f"image folder {data}")


def _matrix(images: np.ndarray, dtype: Any) -> np.ndarray:
    from .datasets import images_to_matrix

    return images_to_matrix(images, dtype=dtype)


def _image_shape(model: Any) -> tuple[int, int, int] | None:
    """The saved input shape as (height, width, channels), or None if it is not an image's."""
    shape = getattr(model, "metadata_", {}).get("input_shape")
    if not isinstance(shape, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape):
        return None  # none saved, or not a shape (a hand-edited file)
    if len(shape) == 2:
        return (shape[0], shape[1], 1)
    if len(shape) == 3 and shape[2] in (1, 3):
        return (shape[0], shape[1], shape[2])
    return None


def _check_model_input(model: Any, images: np.ndarray, what: str) -> None:
    shape = _image_shape(model)
    if shape is not None and tuple(images.shape[1:]) != shape:
        raise CLIError(
            f"{what} has images of shape {tuple(images.shape[1:])} but the model expects "
            f"{shape}"
        )
    n = int(np.prod(images.shape[1:]))
    if n != model.n_features_in_:
        raise CLIError(f"{what} has {n} features per example but the model expects "
                       f"{model.n_features_in_}")


def _class_names(model: Any) -> list[str]:
    names = getattr(model, "metadata_", {}).get("class_names")
    if names and len(names) == len(model.classes_):
        return [str(n) for n in names]
    return [str(c) for c in model.classes_]


# ---------------------------------------------------------------- commands


def _train(args: argparse.Namespace) -> int:
    from .estimators import DNNClassifier
    from .report import cli as report_cli

    _check_output("--out", args.out)
    report_cli.check_train_report(args, sys.modules[__name__])
    plot = None if args.plot == "none" else args.plot
    if plot is not None:
        _check_output("--plot", plot, image=True)
        if os.path.abspath(plot) == os.path.abspath(args.out):
            raise CLIError(f"--plot {plot}: the same file as --out; expected another file name")
    data, description = _load_data(args.data, (args.image_size, args.image_size), None)
    dtype = np.float32 if args.dtype == "float32" else np.float64
    train_x, test_x = _matrix(data.train_x, dtype), _matrix(data.test_x, dtype)
    hidden = tuple(args.hidden)
    if not args.quiet:
        print(f"data: {description}: {len(train_x)} training and {len(test_x)} test examples, "
              f"{train_x.shape[1]} features, classes {data.classes}")
        print(f"network: {[train_x.shape[1], *hidden, 1]}, learning rate {args.learning_rate}, "
              f"{args.iterations} iterations")
    # The course's application: full-batch gradient descent (COURSE_SETTINGS).
    clf = DNNClassifier.from_course(hidden_layer_sizes=hidden, learning_rate=args.learning_rate,
                                    max_iter=args.iterations, init=args.init,
                                    random_state=args.seed, verbose=not args.quiet)
    with report_cli.recording(args) as statistics:
        clf.fit(train_x, data.train_y)
    print(f"train accuracy: {clf.score(train_x, data.train_y):.4f}")
    if len(test_x):
        print(f"test accuracy: {clf.score(test_x, data.test_y):.4f}")
    with _writing("--out", args.out):
        clf.save(args.out, input_shape=data.train_x.shape[1:],
                 class_names=[data.classes[int(c)] for c in clf.classes_])
    if not args.quiet:
        print(f"model written to {args.out}")
    # The training-health checks not ok, one line each, even with --quiet: a
    # model that answers one class for everything must never pass in silence.
    from .diagnostics import print_failing

    test = (test_x, data.test_y) if len(test_x) else (None, None)
    print_failing(clf, train_x, data.train_y, X_test=test[0], y_test=test[1])
    if plot is not None:
        with _writing("--plot", plot):
            plot_costs(clf.loss_curve_, Path(plot),
                        f"learning rate {args.learning_rate}, layers {clf.layer_sizes_}")
        if not args.quiet:
            print(f"cost curve written to {plot}")
    report_cli.train_report(args, sys.modules[__name__], clf, data, statistics)
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from sklearn.metrics import confusion_matrix

    if args.errors:
        _check_output("--errors", args.errors, image=True)
    model = _load_classifier(args.model)
    classes = model.classes_.tolist()
    if classes != list(range(len(classes))):
        raise CLIError(f"model {args.model} has the classes {str(classes)[:80]}; expected "
                       "the label indices 0, 1, ... that deepstep's data loaders give "
                       "(train it on data.train_y, name them with save(class_names=...))")
    shape = _image_shape(model)
    data, description = _load_data(args.data, shape[:2] if shape else None,
                                   shape[2] if shape else None)
    images = {"train": data.train_x, "test": data.test_x,
              "all": np.concatenate([data.train_x, data.test_x])}[args.split]
    labels = {"train": data.train_y, "test": data.test_y,
              "all": np.concatenate([data.train_y, data.test_y])}[args.split]
    if len(images) == 0:
        raise CLIError(f"the {args.split} split of {description} is empty")
    _check_model_input(model, images, description)
    X = _matrix(images, _dtype(model))
    pred = model.predict(X)
    names = _class_names(model)
    accuracy = float(np.mean(pred == labels))
    print(f"{description}, {args.split} split: {len(labels)} examples")
    print(f"accuracy: {accuracy:.4f}")
    cm = confusion_matrix(labels, pred, labels=model.classes_)
    width = max(len(n) for n in names) + 2
    print("confusion matrix (rows: true class, columns: predicted class)")
    print(" " * width + "".join(f"{n:>{width}}" for n in names))
    for name, row in zip(names, cm, strict=True):
        print(f"{name:<{width}}" + "".join(f"{v:>{width}d}" for v in row))
    if args.errors:
        wrong = np.flatnonzero(pred != labels)
        names += [str(c) for c in range(len(names), int(labels.max(initial=0)) + 1)]
        with _writing("--errors", args.errors):
            plot_mislabelled(images, labels, pred, wrong, names, Path(args.errors))
        print(f"{len(wrong)} mislabelled images written to {args.errors}")
    return 0


def _predict(args: argparse.Namespace) -> int:
    from .datasets import load_image

    model = _load_classifier(args.model)
    shape = _image_shape(model)
    if shape is None:
        saved = getattr(model, "metadata_", {}).get("input_shape")
        raise CLIError(f"model {args.model} has no image input shape saved (found "
                       f"{'none' if saved is None else tuple(saved)}); expected (height, width, "
                       "channels): save it with model.save(path, input_shape=(64, 64, 3))")
    names = _class_names(model)
    status, notes = 0, []
    for image_path in args.images:
        try:
            note = _conversion_note(image_path, shape)
            image = load_image(image_path, (shape[0], shape[1]), channels=shape[2])
        except (OSError, ValueError) as exc:
            print(f"deepstep: error: {exc}", file=sys.stderr)
            status = 2
            continue
        X = _matrix(image[np.newaxis], _dtype(model))
        proba = model.predict_proba(X)[0]
        k = int(np.argmax(proba))
        print(f"{image_path}: {names[k]} {proba[k]:.2f}")
        notes += [note] if note else []
    if status == 0:  # after a failure, stderr holds its error lines only
        for note in notes:
            print(f"deepstep: note: {note}", file=sys.stderr)
    return status


def _conversion_note(path: str, shape: tuple[int, ...]) -> str | None:
    """What predict does to an image that is not of the model's input size and mode, or None."""
    from PIL import Image

    try:
        with Image.open(path) as img:
            (w, h), colour = img.size, img.mode not in ("1", "L", "LA", "I", "I;16", "F")
    except (OSError, ValueError, SyntaxError):
        return None  # load_image says why
    model_kind = "grayscale" if shape[2] == 1 else "RGB"
    done = [f"resized to {shape[1]}x{shape[0]}"] if (h, w) != tuple(shape[:2]) else []
    if colour != (shape[2] == 3):
        done.append(f"converted to {model_kind}")
    if not done:
        return None
    note = (f"{path}: a {w}x{h} {'colour' if colour else 'grayscale'} image, "
            f"{' and '.join(done)}: the model was trained on {shape[1]}x{shape[0]} "
            f"{model_kind} images")
    if h * w >= 16 * shape[0] * shape[1] and shape[0] * shape[1] <= 32 * 32:
        note += ", which a photo shrunk this far may look nothing like"
    return note


def _export(args: argparse.Namespace) -> int:
    _check_output("OUT", args.out)
    model = _load_model(args.model)
    try:
        from .export import export_onnx
    except ImportError as exc:
        raise CLIError(f"ONNX export is not available ({_first_line(exc)})") from None
    options = {} if args.opset is None else {"opset": args.opset}
    try:
        with _writing("OUT", args.out):
            export_onnx(model, args.out, **options)
    except ImportError as exc:
        raise CLIError(_first_line(exc)) from None
    print(f"model exported to {args.out}")
    return 0


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _load_model(path: str) -> Any:
    from .estimators.persistence import load

    if not os.path.exists(path):
        raise CLIError(f"model file not found: {path}")
    return load(path)


def _load_classifier(path: str) -> Any:
    from .estimators.persistence import MLPFile

    model = _load_model(path)
    if getattr(model, "classes_", None) is None:
        a, family = (("an", "an MLPClassifier") if isinstance(model, MLPFile)
                     else ("a", "a DNNClassifier"))
        raise CLIError(f"model {path} is {a} {type(model).__name__}; expected a classifier "
                       f"({family})")
    return model


def _dtype(model: Any) -> Any:
    """The float type the model computes in, a DNN's or an MLP's (its weights')."""
    from .estimators.persistence import model_dtype

    return model_dtype(model)


def _demo(args: argparse.Namespace) -> int:
    """Train a small network with the course's step functions, printing each step's output."""
    from . import steps
    from .gradient_check import gradcheck

    rng = np.random.RandomState(args.seed)
    m = 200
    X = rng.standard_normal((2, m))
    Y = (X[0:1] * X[1:2] > 0).astype(np.float64)  # XOR-like quadrants: needs a hidden layer
    layer_dims = [2, 8, 4, 1]
    print(f"data: X {X.shape}, Y {Y.shape} (label 1 where x1 * x2 > 0)")
    print(f"layers: {layer_dims}  [LINEAR->RELU] x {len(layer_dims) - 2} -> LINEAR->SIGMOID")
    parameters = steps.initialize_parameters_deep(layer_dims, rng, init="lecun")
    error = gradcheck(parameters, X[:, :20], Y[:, :20])
    print(f"gradient check (relative error of backprop, float64): {error:.2e}")
    for i in range(args.iterations + 1):
        AL, caches = steps.L_model_forward(X, parameters)
        cost = steps.compute_cost(AL, Y)
        if i % max(1, args.iterations // 10) == 0:
            print(f"cost after iteration {i:5d}: {cost:.6f}")
        if i == args.iterations:
            break
        grads = steps.L_model_backward(AL, Y, caches)
        parameters = steps.update_parameters(parameters, grads, args.learning_rate)
    accuracy = float(np.mean((AL > 0.5) == Y))
    print(f"training accuracy: {accuracy:.3f}")
    return 0


# ---------------------------------------------------------------- parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"expected an integer from 0 to 2**32 - 1, got {text!r}")
    return value


def _sizes(text: str) -> list[int]:
    expected = "expected comma-separated layer sizes (positive integers) such as 20,7,5"
    parts = text.split(",")
    sizes = []
    for i, part in enumerate(parts, 1):
        where = f"size {i} of {len(parts)}"
        if not part.strip():
            raise argparse.ArgumentTypeError(f"{expected}, got {text!r} ({where} is empty)")
        try:
            size = int(part)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{expected}, got {text!r} ({where}, {part.strip()!r}, is not an integer)"
            ) from None
        if size <= 0:
            raise argparse.ArgumentTypeError(f"{expected}, got {text!r} ({where} is {size})")
        sizes.append(size)
    return sizes


#: The initialisers of :data:`deepstep.initializers.INITIALIZERS` ("xavier" is
#: "glorot"), as ``--init`` offers them.
INIT_CHOICES = {
    "lecun": "randn / sqrt(n_prev), the course's deep model (default)",
    "course": "randn * 0.01, the step-by-step assignment's",
    "glorot": "Glorot/Xavier uniform, U(-r, r) with r = sqrt(6 / (n_prev + n))",
    "he": "randn * sqrt(2 / n_prev), for ReLU layers",
    "normal": "N(0, 0.05^2), Keras's RandomNormal",
    "uniform": "U(-0.05, 0.05), Keras's RandomUniform",
}

_DATA_HELP = ("the course's h5 files (a folder holding train_*.h5 and test_*.h5, or the train "
              "file) or a folder of images with one sub-folder per class")


def _add_train(sub: Any) -> None:
    train = sub.add_parser(
        "train", help="train a classifier and save it",
        description="Train a deep network classifier. Without --data it trains on a built-in "
        "data set (scikit-learn's bundled 8x8 digits, even vs odd) that needs no download. "
        "--out and --plot are checked before training starts.",
    )
    train.add_argument("--data", metavar="PATH", help=_DATA_HELP)
    train.add_argument("--hidden", type=_sizes, default=[20, 7, 5], metavar="N,N,...",
                       help="hidden layer sizes, comma-separated positive integers (default "
                       "20,7,5, the course's deep model)")
    train.add_argument("--learning-rate", type=_positive_float, default=0.0075,
                       help="gradient descent step size (default 0.0075)")
    train.add_argument("--iterations", type=_positive_int, default=2500,
                       help="gradient descent iterations (default 2500)")
    train.add_argument("--init", choices=list(INIT_CHOICES), default="lecun",
                       help="weight initialisation: " + "; ".join(
                           f"{k}: {v}" for k, v in INIT_CHOICES.items())
                       + " (deepstep.initializers)")
    train.add_argument("--image-size", type=_positive_int, default=64,
                       help="side in pixels images of an image folder are resized to (64)")
    train.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                       help="floating-point type of the features and weights: float64 "
                       "(default, the course's) or float32 (half the memory, faster)")
    train.add_argument("--seed", type=_seed, default=1,
                       help="random seed of the initialisation, 0 to 2**32 - 1 (default 1, "
                       "the course's np.random.seed(1))")
    train.add_argument("--out", default="deepstep-model.npz",
                       help="model file to write (default deepstep-model.npz)")
    train.add_argument("--plot", default="cost.png",
                       help="cost-curve image to write (default cost.png; 'none' to skip)")
    train.add_argument("--report", metavar="HTML", help="also write the training-health "
                       "report to this HTML file (see 'deepstep report --help')")
    train.add_argument("--quiet", action="store_true", help="print the accuracies only: no "
                       "description of the data and network, no progress bar, no 'written "
                       "to' lines (the training-health checks that are not ok are still "
                       "printed; errors go to stderr)")
    train.set_defaults(handler=_train, parser=train)


def _add_evaluate_predict(sub: Any) -> None:
    model_help = ("model file written by 'deepstep train', or by model.save(path, "
                  "input_shape=..., class_names=...) in Python")
    evaluate = sub.add_parser(
        "evaluate", help="accuracy and confusion matrix of a saved model",
        description="Evaluate a saved model on a data set: accuracy, confusion matrix and, "
        "optionally, a PNG grid of the mislabelled images.",
    )
    evaluate.add_argument("model", help=model_help)
    evaluate.add_argument("--data", metavar="PATH",
                          help=_DATA_HELP + " (default: the built-in digits)")
    evaluate.add_argument("--split", choices=["test", "train", "all"], default="test",
                          help="the examples to evaluate on: test (default), train, or all "
                          "(both)")
    evaluate.add_argument("--errors", metavar="PNG",
                          help="write a grid of the mislabelled images to this image file")
    evaluate.set_defaults(handler=_evaluate, parser=evaluate)

    predict = sub.add_parser(
        "predict", help="classify image files",
        description="Print the predicted class and its probability for each image "
        "(JPEG, PNG, ... of any size or mode; resized to the model's input).",
    )
    predict.add_argument("model", help=model_help + "; it must have an image input shape")
    predict.add_argument("images", nargs="+", metavar="IMAGE",
                         help="image files to classify (JPEG, PNG, GIF, BMP, WebP or TIFF, of "
                         "any size or mode)")
    predict.set_defaults(handler=_predict, parser=predict)


def _add_export_demo(sub: Any) -> None:
    export = sub.add_parser(
        "export", help="export a saved model to ONNX",
        description="Write a saved model as an ONNX file, to run it with onnxruntime or any "
        "ONNX runtime, without Python or deepstep. Needs the onnx package.",
    )
    export.add_argument("model", metavar="MODEL", help="model file written by 'deepstep train' "
                        "or model.save(path)")
    export.add_argument("out", metavar="OUT", help="ONNX file to write, such as model.onnx")
    export.add_argument("--opset", type=_positive_int, default=None,
                        help="ONNX opset version (default: the exporter's)")
    export.set_defaults(handler=_export, parser=export)

    demo = sub.add_parser(
        "demo", help="train a small network with the step-by-step API",
        description="Train a 3-layer network (layer sizes [2, 8, 4, 1]: two hidden ReLU layers "
        "and a sigmoid output; L = 3 counts the weight layers, as the course does) on a "
        "generated XOR-like problem using only the course's step functions, printing the "
        "cost as it falls.",
    )
    demo.add_argument("--iterations", type=_positive_int, default=2000,
                      help="gradient steps (default 2000)")
    demo.add_argument("--learning-rate", type=_positive_float, default=0.3,
                      help="step size (default 0.3)")
    demo.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    demo.set_defaults(handler=_demo, parser=demo)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``deepstep`` command.

    Returns
    -------
    argparse.ArgumentParser
        Its usage errors (and its sub-commands') print ``deepstep: error: ...``
        and a ``--help`` hint, and exit with status 2.
    """
    parser = _Parser(
        prog="deepstep",
        description="Deep neural networks as taught step by step, in NumPy.",
    )
    parser.add_argument("--version", action="version", version=f"deepstep {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND",
                                help="one of the commands below ('deepstep COMMAND --help' "
                                "shows its options)")
    _add_train(sub)
    _add_evaluate_predict(sub)
    _add_export_demo(sub)
    from .report.cli import add_report_parser
    add_report_parser(sub, sys.modules[__name__])
    return parser


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The parsed arguments; a usage error exits (SystemExit) with status 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        parser.exit(0)
    if getattr(args, "data", None) is not None:
        problem = _data_problem(args.data)
        if problem:
            args.parser.error(problem)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``deepstep`` console script.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 on success, 2 on a user error (a usage error
        prints one line and a ``--help`` hint; any other, one line).
    """
    try:
        args = _parse(argv)
    except SystemExit as exc:  # --help, --version, a usage error
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("deepstep: interrupted", file=sys.stderr)
        return 130
    except (CLIError, OSError, ValueError, TypeError) as exc:
        print(f"deepstep: error: {_first_line(exc)}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
