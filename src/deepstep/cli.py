"""The ``deepstep`` command: train, evaluate and predict from the shell.

Every failure a user can cause (a missing file, an unreadable image, data of
the wrong shape for the model) ends with one line on stderr,
``deepstep: error: ...``, and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__

__all__ = ["main"]


class CLIError(Exception):
    """An error to report in one line, without a traceback."""


# ---------------------------------------------------------------- helpers


def _load_data(data: str | None, image_size: int | None, channels: int | None) -> Any:
    """Load the data set named on the command line (built-in digits when None)."""
    from . import datasets

    if data is None:
        return datasets.load_digits_binary(), "built-in digits (even vs odd, scikit-learn)"
    path = Path(data)
    if not path.exists():
        raise CLIError(f"data path not found: {data}")
    if path.is_file() or any(path.glob("*.h5")):
        return datasets.load_h5(path), f"h5 files at {data}"
    size = image_size or 64
    return (datasets.load_image_folder(path, (size, size), channels=channels or 3),
            f"image folder {data}")


def _matrix(images: np.ndarray, dtype: Any) -> np.ndarray:
    from .datasets import images_to_matrix

    return images_to_matrix(images, dtype=dtype)


def _plot_costs(costs: Sequence[float], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(np.arange(len(costs)), costs)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _check_model_input(model: Any, images: np.ndarray, what: str) -> None:
    shape = getattr(model, "metadata_", {}).get("input_shape")
    if shape is not None and tuple(images.shape[1:]) != tuple(shape):
        raise CLIError(
            f"{what} has images of shape {tuple(images.shape[1:])} but the model expects "
            f"{tuple(shape)}"
        )
    n = int(np.prod(images.shape[1:]))
    if n != model.n_features_in_:
        raise CLIError(f"{what} has {n} features per example but the model expects "
                       f"{model.n_features_in_}")


def _class_names(model: Any) -> list[str]:
    names = getattr(model, "metadata_", {}).get("class_names")
    return list(names) if names else [str(c) for c in model.classes_]


# ---------------------------------------------------------------- commands


def _train(args: argparse.Namespace) -> int:
    from .estimators import DNNClassifier

    data, description = _load_data(args.data, args.image_size, None)
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
    clf.fit(train_x, data.train_y)
    clf.metadata_ = {"input_shape": list(data.train_x.shape[1:]),
                     "class_names": list(data.classes)}
    print(f"train accuracy: {clf.score(train_x, data.train_y):.4f}")
    if len(test_x):
        print(f"test accuracy: {clf.score(test_x, data.test_y):.4f}")
    out = Path(args.out)
    clf.save(out)
    print(f"model written to {out}")
    if args.plot != "none":
        _plot_costs(clf.loss_curve_, Path(args.plot),
                    f"learning rate {args.learning_rate}, layers {clf.layer_sizes_}")
        print(f"cost curve written to {args.plot}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from sklearn.metrics import confusion_matrix

    model = _load_model(args.model)
    shape = getattr(model, "metadata_", {}).get("input_shape")
    size = shape[0] if shape else None
    channels = shape[2] if shape and len(shape) == 3 else None
    data, description = _load_data(args.data, size, channels)
    images = {"train": data.train_x, "test": data.test_x,
              "all": np.concatenate([data.train_x, data.test_x])}[args.split]
    labels = {"train": data.train_y, "test": data.test_y,
              "all": np.concatenate([data.train_y, data.test_y])}[args.split]
    if len(images) == 0:
        raise CLIError(f"the {args.split} split of {description} is empty")
    _check_model_input(model, images, description)
    X = _matrix(images, model.parameters_["W1"].dtype)
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
        _plot_mislabelled(images, labels, pred, wrong, names, Path(args.errors))
        print(f"{len(wrong)} mislabelled images written to {args.errors}")
    return 0


def _plot_mislabelled(images: np.ndarray, labels: np.ndarray, pred: np.ndarray,
                      wrong: np.ndarray, names: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = wrong[:40]
    cols = max(1, min(8, len(shown)))
    rows = max(1, -(-len(shown) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2 * cols, 2.3 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), shown, strict=False):
        img = images[i]
        ax.imshow(img[..., 0] if img.shape[-1] == 1 else img, cmap="gray",
                  interpolation="nearest")
        ax.set_title(f"pred: {names[int(pred[i])]}\ntrue: {names[int(labels[i])]}",
                     fontsize=8)
    if not len(shown):
        axes[0, 0].text(0.5, 0.5, "no mislabelled images", ha="center", va="center")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _predict(args: argparse.Namespace) -> int:
    from .datasets import load_image

    model = _load_model(args.model)
    shape = getattr(model, "metadata_", {}).get("input_shape")
    if not shape or len(shape) != 3:
        raise CLIError(f"model {args.model} was not trained on images (no input shape saved)")
    names = _class_names(model)
    status = 0
    for image_path in args.images:
        try:
            image = load_image(image_path, (shape[0], shape[1]), channels=shape[2])
        except (OSError, ValueError) as exc:
            print(f"deepstep: error: {exc}", file=sys.stderr)
            status = 2
            continue
        X = _matrix(image[np.newaxis], model.parameters_["W1"].dtype)
        proba = model.predict_proba(X)[0]
        k = int(np.argmax(proba))
        print(f"{image_path}: {names[k]} {proba[k]:.2f}")
    return status


def _load_model(path: str) -> Any:
    from .estimators.persistence import load

    if not os.path.exists(path):
        raise CLIError(f"model file not found: {path}")
    return load(path)


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


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer sizes such as 20,7,5, got {text!r}") from None
    if not sizes or min(sizes) <= 0:
        raise argparse.ArgumentTypeError(f"expected positive layer sizes, got {text!r}")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``deepstep`` command."""
    parser = argparse.ArgumentParser(
        prog="deepstep",
        description="Deep neural networks as taught step by step, in NumPy.",
    )
    parser.add_argument("--version", action="version", version=f"deepstep {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = sub.add_parser(
        "train", help="train a classifier and save it",
        description="Train a deep network classifier. Without --data it trains on a built-in "
        "data set (scikit-learn's bundled 8x8 digits, even vs odd) that needs no download.",
    )
    train.add_argument("--data", metavar="PATH",
                       help="the course's h5 files (a folder holding train_*.h5 and test_*.h5, "
                       "or the train file) or a folder of images with one sub-folder per class")
    train.add_argument("--hidden", type=_sizes, default=[20, 7, 5], metavar="N,N,...",
                       help="hidden layer sizes (default 20,7,5, the course's deep model)")
    train.add_argument("--learning-rate", type=_positive_float, default=0.0075,
                       help="gradient descent step size (default 0.0075)")
    train.add_argument("--iterations", type=_positive_int, default=2500,
                       help="gradient descent iterations (default 2500)")
    train.add_argument("--init", choices=["lecun", "course"], default="lecun",
                       help="weight initialisation (default lecun: randn / sqrt(n_prev))")
    train.add_argument("--image-size", type=_positive_int, default=64,
                       help="side in pixels images of an image folder are resized to (64)")
    train.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    train.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    train.add_argument("--out", default="deepstep-model.npz",
                       help="model file to write (default deepstep-model.npz)")
    train.add_argument("--plot", default="cost.png",
                       help="cost-curve PNG to write (default cost.png; 'none' to skip)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.set_defaults(handler=_train)

    evaluate = sub.add_parser(
        "evaluate", help="accuracy and confusion matrix of a saved model",
        description="Evaluate a saved model on a data set: accuracy, confusion matrix and, "
        "optionally, a PNG grid of the mislabelled images.",
    )
    evaluate.add_argument("model", help="model file written by 'deepstep train'")
    evaluate.add_argument("--data", metavar="PATH",
                          help="h5 files or image folder (default: the built-in digits)")
    evaluate.add_argument("--split", choices=["test", "train", "all"], default="test")
    evaluate.add_argument("--errors", metavar="PNG", help="write the mislabelled images here")
    evaluate.set_defaults(handler=_evaluate)

    predict = sub.add_parser(
        "predict", help="classify image files",
        description="Print the predicted class and its probability for each image "
        "(JPEG, PNG, ... of any size or mode; resized to the model's input).",
    )
    predict.add_argument("model", help="model file written by 'deepstep train'")
    predict.add_argument("images", nargs="+", metavar="IMAGE")
    predict.set_defaults(handler=_predict)

    demo = sub.add_parser(
        "demo", help="train a small network with the step-by-step API",
        description="Train a 4-layer network on a generated XOR-like problem using only the "
        "course's step functions, printing the cost as it falls.",
    )
    demo.add_argument("--iterations", type=_positive_int, default=2000,
                      help="gradient steps (default 2000)")
    demo.add_argument("--learning-rate", type=_positive_float, default=0.3,
                      help="step size (default 0.3)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``deepstep`` console script.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 on success, 2 on a user error.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("deepstep: interrupted", file=sys.stderr)
        return 130
    except (CLIError, OSError, ValueError, TypeError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"deepstep: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
