"""Data sets: the course's cat vs non-cat files, image folders, and a built-in set.

Every loader returns a :class:`Dataset` of uint8 images of shape
(m, height, width, channels) and integer labels of shape (m,), indices into
``classes``; :func:`images_to_matrix` turns images into the course's
flattened, /255 features.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import DTypeLike, NDArray

__all__ = [
    "Dataset",
    "data_home",
    "images_to_matrix",
    "load_catvnoncat",
    "load_digits_binary",
    "load_h5",
    "load_image",
    "load_image_folder",
]

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


class Dataset(NamedTuple):
    """Train and test images with their labels; unpacks like the course's ``load_data``.

    Attributes
    ----------
    train_x : ndarray of shape (m_train, height, width, channels), uint8
    train_y : ndarray of shape (m_train,), int64 indices into ``classes``
    test_x : ndarray of shape (m_test, height, width, channels), uint8
    test_y : ndarray of shape (m_test,), int64
    classes : list of str
    """

    train_x: NDArray[np.uint8]
    train_y: NDArray[np.int64]
    test_x: NDArray[np.uint8]
    test_y: NDArray[np.int64]
    classes: list[str]


def data_home() -> Path | None:
    """The folder named by ``$DEEPSTEP_DATA`` (its ``catvnoncat`` sub-folder if it has one)."""
    env = os.environ.get("DEEPSTEP_DATA")
    if not env:
        return None
    path = Path(env)
    return path / "catvnoncat" if (path / "catvnoncat").is_dir() else path


def load_catvnoncat(path: str | os.PathLike[str] | None = None) -> Dataset:
    """The course's cat vs non-cat data (209 training and 50 test images, 64 x 64 x 3).

    Parameters
    ----------
    path : str or path-like, optional
        Folder holding ``train_catvnoncat.h5`` and ``test_catvnoncat.h5``;
        by default ``$DEEPSTEP_DATA``.

    Returns
    -------
    Dataset
        ``classes == ["non-cat", "cat"]``; label 1 is cat.
    """
    if path is None:
        path = data_home()
        if path is None:
            raise ValueError("load_catvnoncat: pass the folder holding train_catvnoncat.h5 and "
                             "test_catvnoncat.h5, or set DEEPSTEP_DATA to it")
    folder = Path(path)
    train = folder / "train_catvnoncat.h5"
    if not train.is_file():
        raise FileNotFoundError(f"load_catvnoncat: {train} not found")
    return load_h5(train)


def load_h5(path: str | os.PathLike[str]) -> Dataset:
    """Data in the course's h5 layout (``*_set_x``, ``*_set_y``, ``list_classes``).

    Parameters
    ----------
    path : str or path-like
        A folder with exactly one ``train*.h5`` and one ``test*.h5``, or the
        train file itself (its ``test`` sibling is found by name).

    Returns
    -------
    Dataset
        Images of shape (m, h, w) get a channel axis, (m, h, w, 1).
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"load_h5: {p} not found")
    if p.is_dir():
        trains = sorted(p.glob("train*.h5"))
        tests = sorted(p.glob("test*.h5"))
        if len(trains) != 1 or len(tests) != 1:
            raise ValueError(f"load_h5: {p} must hold exactly one train*.h5 and one test*.h5, "
                             f"found {[t.name for t in trains + tests]}")
        train, test = trains[0], tests[0]
    else:
        train = p
        test = p.with_name(p.name.replace("train", "test", 1))
        if "train" not in p.name:
            raise ValueError(f"load_h5: {p} is not a train*.h5 file; expected the course's "
                             "train file (its test file beside it) or the folder holding both")
        if not test.is_file():
            raise ValueError(f"load_h5: {p}'s test file {test} is missing; expected the train "
                             "file with its test file beside it, or the folder holding both")
    train_x, train_y, classes = _read_h5(train)
    test_x, test_y, test_classes = _read_h5(test)
    if train_x.shape[1:] != test_x.shape[1:]:
        raise ValueError(f"load_h5: train images {train_x.shape[1:]} and test images "
                         f"{test_x.shape[1:]} differ in shape")
    classes = classes or test_classes or [str(i) for i in
                                          range(int(max(train_y.max(initial=0),
                                                        test_y.max(initial=0))) + 1)]
    for name, y in ((train, train_y), (test, test_y)):
        if len(y) and (y.min() < 0 or y.max() >= len(classes)):
            raise ValueError(f"load_h5: {name}: labels must be in 0..{len(classes) - 1}, "
                             f"got {int(y.min())}..{int(y.max())}")
    return Dataset(train_x, train_y, test_x, test_y, classes)


def _read_h5(path: Path) -> tuple[NDArray[np.uint8], NDArray[np.int64], list[str]]:
    import h5py

    try:
        with h5py.File(path, "r") as f:
            keys = list(f.keys())
            x_key = next((k for k in keys if k.endswith("_set_x")), None)
            y_key = next((k for k in keys if k.endswith("_set_y")), None)
            if x_key is None or y_key is None:
                raise ValueError(f"load_h5: {path}: expected datasets '*_set_x' and '*_set_y', "
                                 f"found {keys}")
            x = np.array(f[x_key])
            y = np.array(f[y_key]).reshape(-1)
            classes = ([c.decode() if isinstance(c, bytes) else str(c)
                        for c in np.array(f["list_classes"]).reshape(-1)]
                       if "list_classes" in f else [])
    except OSError as exc:
        raise ValueError(f"load_h5: {path} is not a readable h5 file ({exc})") from None
    if x.ndim == 3:
        x = x[..., np.newaxis]
    if x.ndim != 4 or x.dtype.kind not in "ui" or len(x) != len(y):
        raise ValueError(f"load_h5: {path}: expected images (m, h, w[, c]) of integers and m "
                         f"labels, got {x_key} {x.shape} {x.dtype} and {y_key} {y.shape}")
    return x.astype(np.uint8), y.astype(np.int64), classes


def images_to_matrix(images: NDArray[Any], dtype: DTypeLike = np.float64) -> NDArray[Any]:
    """Flatten images to rows of features in [0, 1]: the course's ``reshape(m, -1) / 255``.

    Parameters
    ----------
    images : ndarray of shape (m, height, width, channels), uint8
    dtype : float32 or float64, default=float64

    Returns
    -------
    ndarray of shape (m, height * width * channels)
        The transpose of the course's ``train_x_orig.reshape(m, -1).T / 255``.
    """
    images = np.asarray(images)
    return (images.reshape(images.shape[0], -1) / 255).astype(dtype, copy=False)


def load_image(path: str | os.PathLike[str], image_size: tuple[int, int],
               channels: int = 3) -> NDArray[np.uint8]:
    """Read one image of any size and mode, resized for a model.

    Parameters
    ----------
    path : str or path-like
        A JPEG, PNG, GIF, BMP, WebP or TIFF file.
    image_size : (height, width)
        Output size; the image is resized with bilinear interpolation
        (aspect ratio not kept, as the course's 64 x 64 inputs).
    channels : {3, 1}, default=3
        3 for RGB (transparency composited on white), 1 for grayscale.

    Returns
    -------
    ndarray of shape (height, width, channels), uint8
    """
    from PIL import Image, ImageOps

    name = os.fspath(path)
    if channels not in (1, 3):
        raise ValueError(f"load_image: channels must be 1 or 3, got {channels}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(name) as img:
                img = ImageOps.exif_transpose(img)
                if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P"
                                                        and "transparency" in img.info):
                    img = img.convert("RGBA")
                    background = Image.new("RGBA", img.size, (255, 255, 255, 255))
                    img = Image.alpha_composite(background, img)
                if img.mode in ("I;16", "I;16B", "I;16L", "I"):
                    arr = np.asarray(img, dtype=np.float64)
                    peak = arr.max() if arr.size and arr.max() > 255 else 255
                    img = Image.fromarray(np.round(arr * 255 / peak).astype(np.uint8))
                img = img.convert("RGB" if channels == 3 else "L")
                img = img.resize((image_size[1], image_size[0]), Image.Resampling.BILINEAR)
                arr = np.asarray(img, dtype=np.uint8)
    except FileNotFoundError:
        raise FileNotFoundError(f"image not found: {name}") from None
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning,
            Image.DecompressionBombError) as exc:
        raise ValueError(f"cannot read image '{name}': {exc}") from None
    return arr.reshape(image_size[0], image_size[1], channels)


def load_image_folder(path: str | os.PathLike[str], image_size: tuple[int, int] = (64, 64), *,
                      channels: int = 3, test_fraction: float = 0.2,
                      random_state: int | None = 0) -> Dataset:
    """Images in one sub-folder per class, split into train and test sets.

    Parameters
    ----------
    path : str or path-like
        A folder whose sub-folders (sorted by name) are the classes.
    image_size : (height, width), default=(64, 64)
    channels : {3, 1}, default=3
    test_fraction : float in [0, 1), default=0.2
        Share of each class held out for testing (at least one image of each
        class with two or more images when positive).
    random_state : int or None, default=0
        Seed of the split (a private generator; the global one is untouched).

    Returns
    -------
    Dataset
    """
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"image folder not found: {root}")
    if not 0 <= test_fraction < 1:
        raise ValueError(f"load_image_folder: test_fraction must be in [0, 1), "
                         f"got {test_fraction}")
    class_dirs = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    files = {d.name: sorted(f for f in d.iterdir()
                            if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES)
             for d in class_dirs}
    files = {k: v for k, v in files.items() if v}
    if len(files) < 2:
        raise ValueError(f"image folder {root} must hold at least 2 sub-folders (one per class) "
                         f"with images, found {len(files)}")
    rng = np.random.RandomState(random_state)
    classes = list(files)
    train, test = [], []
    for label, name in enumerate(classes):
        order = rng.permutation(len(files[name]))
        n_test = 0
        if test_fraction > 0 and len(order) >= 2:
            n_test = max(1, round(test_fraction * len(order)))
        chosen = [files[name][i] for i in order]
        test += [(f, label) for f in chosen[:n_test]]
        train += [(f, label) for f in chosen[n_test:]]
    h, w = image_size

    def stack(items: list[tuple[Path, int]]) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
        x = np.empty((len(items), h, w, channels), dtype=np.uint8)
        for i, (f, _) in enumerate(items):
            x[i] = load_image(f, image_size, channels)
        return x, np.array([lab for _, lab in items], dtype=np.int64)

    train_x, train_y = stack(train)
    test_x, test_y = stack(test)
    return Dataset(train_x, train_y, test_x, test_y, classes)


def load_digits_binary() -> Dataset:
    """The built-in data set: scikit-learn's bundled 8 x 8 digits, even vs odd.

    Needs no download (the images ship inside scikit-learn). Pixels are scaled
    from 0..16 to uint8 0..255; the split (20% test, stratified) is fixed.

    Returns
    -------
    Dataset
        Images of shape (m, 8, 8, 1), ``classes == ["even", "odd"]``.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.round(digits.images * 255 / 16).astype(np.uint8)[..., np.newaxis]
    labels = (digits.target % 2).astype(np.int64)
    rng = np.random.RandomState(0)
    test_idx = []
    for label in (0, 1):
        idx = np.flatnonzero(labels == label)
        test_idx += list(rng.choice(idx, size=round(0.2 * len(idx)), replace=False))
    is_test = np.zeros(len(labels), dtype=bool)
    is_test[test_idx] = True
    return Dataset(images[~is_test], labels[~is_test], images[is_test], labels[is_test],
                   ["even", "odd"])
