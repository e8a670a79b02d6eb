"""Safe model files: the format under ``model.save(path)`` and ``deepstep.load(path)``.

This module knows files, not estimators: :func:`save_arrays` writes a config
dict and named arrays, :func:`load_arrays` reads and verifies them. What an
estimator puts in them, and how it is rebuilt from them, is
:mod:`deepstep.estimators.persistence`.

A model file is a zip archive (what ``.npz`` is) holding ``config.json``
(format version, library version, layer sizes, activations, dtype, classes,
hyperparameters) and one ``.npy`` member per array (``W1.npy``, ``b1.npy``, ...).

Saving is atomic: the file is written to a temporary name in the same
directory, flushed to disk, then renamed over ``path``, so a crash never
leaves a half-written file under the target name and the previous model
survives. :func:`check_output_path` checks a destination before any work
(its folder exists and is writable, it is not a folder), every error names
the path the caller gave (never the temporary file), and the file gets the
permissions any other output would: those of the file it replaces, else
``0o666`` less the user's umask.

Loading is a security boundary and trusts nothing: it never unpickles, it
reads each array's header before its data and rejects any dtype, shape or
member that the configuration does not declare (so a hostile file cannot make
it allocate gigabytes), and every problem is a :class:`ModelFileError` whose
message starts with the path.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from numpy.typing import NDArray

from ._version import __version__

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "ModelFileError",
    "check_output_path",
    "load_arrays",
    "save_arrays",
    "write_atomically",
]

FORMAT_NAME = "deepstep-model"
FORMAT_VERSION = 1
_MAX_CONFIG_BYTES = 1 << 20
_MAX_LAYERS = 10_000
_MAX_ELEMENTS = 1 << 31
_DTYPES = {"float32": np.dtype(np.float32), "float64": np.dtype(np.float64)}
_EXTRA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


class ModelFileError(ValueError):
    """The file is not a valid deepstep model file (foreign, tampered, truncated or newer)."""


# ------------------------------------------------------------------ config


def _expected_shapes(config: dict[str, Any], fail: Any) -> dict[str, tuple[int, int]]:
    sizes = config.get("layer_sizes")
    if (not isinstance(sizes, list) or not 2 <= len(sizes) <= _MAX_LAYERS + 1
            or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0
                       for n in sizes)):
        fail(f"'layer_sizes' must be a list of 2 to {_MAX_LAYERS + 1} positive integers, "
             f"got {str(sizes)[:80]}")
    acts = config.get("activations")
    if (not isinstance(acts, list) or len(acts) != len(sizes) - 1
            or not all(isinstance(a, str) for a in acts)):
        fail(f"'activations' must be a list of {len(sizes) - 1} names, got {str(acts)[:80]}")
    if not isinstance(config.get("dtype"), str) or config["dtype"] not in _DTYPES:
        fail(f"'dtype' must be 'float32' or 'float64', got {config.get('dtype')!r}")
    classes = config.get("classes")
    if classes is not None and (not isinstance(classes, list) or not all(
            isinstance(c, (str, int, float, bool)) for c in classes)):
        fail("'classes' must be a list of strings or numbers, or null")
    if not isinstance(config.get("estimator"), str):
        fail(f"'estimator' must be a string, got {config.get('estimator')!r}")
    shapes: dict[str, tuple[int, ...]] = dict(_weight_shapes(config))
    total = sum(int(np.prod(s)) for s in shapes.values())
    extra = config.get("extra_arrays", {})
    if not isinstance(extra, dict) or len(extra) > _MAX_LAYERS:
        fail("'extra_arrays' must be an object of name: shape")
    for name, shape in extra.items():
        if (not _EXTRA_NAME.fullmatch(name) or not isinstance(shape, list) or len(shape) > 2
                or not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n
                           <= _MAX_ELEMENTS for n in shape)):
            fail(f"'extra_arrays' entry {name[:40]!r}: {str(shape)[:40]} is not a valid "
                 "name and shape")
        shapes[_extra_member(name)] = tuple(shape)
        total += int(np.prod(shape, dtype=np.int64))
    if total > _MAX_ELEMENTS:
        fail(f"the configuration declares {total} values, more than the limit {_MAX_ELEMENTS}")
    return shapes


def _weight_shapes(config: dict[str, Any]) -> dict[str, tuple[int, int]]:
    sizes = config["layer_sizes"]
    shapes = {}
    for l in range(1, len(sizes)):
        shapes[f"W{l}"] = (sizes[l], sizes[l - 1])
        shapes[f"b{l}"] = (sizes[l], 1)
    return shapes


def _extra_member(name: str) -> str:
    return f"extra.{name}"


# ------------------------------------------------------------------ save


def check_output_path(path: str | os.PathLike[str], label: str | None = None) -> Path:
    """Check that a file can be written at ``path``, before any long work.

    Parameters
    ----------
    path : str or path-like
        The destination file, as the user gave it.
    label : str, optional
        How errors name the destination (default: the path itself), e.g.
        ``"--out model.npz"`` or ``"DNNClassifier.save: model.npz"``.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    FileNotFoundError
        If the folder of ``path`` does not exist.
    NotADirectoryError
        If what should be the folder of ``path`` is a file.
    IsADirectoryError
        If ``path`` itself is an existing folder.
    PermissionError
        If the folder of ``path`` is not writable.
    """
    name = os.fspath(path)
    label = name if label is None else label
    target = Path(name)
    folder = os.path.dirname(name) or "."
    if target.is_dir():
        raise IsADirectoryError(f"{label}: is a directory; expected a file name in it, "
                                f"such as {os.path.join(name, 'model.npz')}")
    if not os.path.exists(folder):
        raise FileNotFoundError(f"{label}: directory {folder} does not exist")
    if not os.path.isdir(folder):
        raise NotADirectoryError(f"{label}: {folder} is not a directory")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(f"{label}: directory {folder} is not writable")
    return target


def _new_file_mode(path: Path) -> int:
    """The permissions ``open(path, "w")`` would give: the replaced file's, else 0o666 & ~umask."""
    try:
        existing = os.stat(path)
        if stat.S_ISREG(existing.st_mode):
            return stat.S_IMODE(existing.st_mode)
    except OSError:
        pass
    return 0o666 & ~_umask()


def _umask() -> int:
    try:  # Linux: read it without changing it (os.umask would, for a moment, for all threads)
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _renamed_error(exc: OSError, name: str) -> OSError:
    """``exc`` about the temporary file, restated about the user's path ``name``."""
    if exc.errno is not None and exc.strerror:
        return OSError(exc.errno, exc.strerror, name)  # the errno picks the subclass
    try:
        return type(exc)(f"{name}: {exc}")
    except TypeError:
        return OSError(f"{name}: {exc}")


def save_arrays(path: str | os.PathLike[str], config: dict[str, Any],
                arrays: dict[str, NDArray[np.floating]],
                extra: dict[str, NDArray[np.floating]] | None = None) -> None:
    """Write ``config`` and ``arrays`` to a model file at ``path``, atomically.

    Parameters
    ----------
    path : str or path-like
        Destination, used exactly as given (no suffix is added).
    config : dict
        JSON-serialisable; must hold ``layer_sizes``, ``activations``,
        ``dtype``, ``classes`` and ``estimator`` (``format``,
        ``format_version`` and ``library_version`` are filled in).
    arrays : dict of str to ndarray
        Exactly ``W1``, ``b1``, ..., ``WL``, ``bL`` with the shapes the layer
        sizes imply, in the declared dtype, all finite.
    extra : dict of str to ndarray, optional
        Further arrays in the same dtype (a training checkpoint's optimizer
        state), declared in the config as ``extra_arrays`` so that loading
        checks them like the weights.

    Raises
    ------
    OSError
        If ``path`` cannot be written (see :func:`check_output_path`, checked
        first); the message names ``path``, and an existing file there is
        left as it was.
    ValueError
        If the config or the arrays are not a valid model.
    """
    given = os.fspath(path)
    check_output_path(given, f"save: {given}")
    extra = dict(extra or {})
    config = {**config, "format": FORMAT_NAME, "format_version": FORMAT_VERSION}
    config.setdefault("library_version", __version__)
    config.pop("extra_arrays", None)
    if extra:
        config["extra_arrays"] = {k: list(np.shape(v)) for k, v in extra.items()}

    def fail(message: str) -> None:
        raise ValueError(f"save: {message}")

    shapes = _expected_shapes(config, fail)
    dtype = _DTYPES[config["dtype"]]
    weight_names = sorted(_weight_shapes(config))
    if sorted(arrays) != weight_names:
        fail(f"arrays must be exactly {weight_names}, got {sorted(arrays)}")
    arrays = {**arrays, **{_extra_member(k): v for k, v in extra.items()}}
    for name, shape in shapes.items():
        a = arrays[name]
        if not isinstance(a, np.ndarray) or a.shape != shape or a.dtype != dtype:
            fail(f"{name} must be a {dtype} array of shape {shape}, got "
                 f"{getattr(a, 'dtype', type(a).__name__)} {getattr(a, 'shape', '')}")
        if not np.all(np.isfinite(a)):
            fail(f"{name} holds NaN or infinite values; refusing to save a broken model")
    try:
        config_bytes = json.dumps(config, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"save: config is not JSON-serialisable: {exc}") from None

    def write_archive(fh: BinaryIO) -> None:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr("config.json", config_bytes)
            for name in shapes:
                with zf.open(f"{name}.npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, np.ascontiguousarray(arrays[name]),
                                              allow_pickle=False)

    write_atomically(given, write_archive)


def write_atomically(path: str | os.PathLike[str], write: Callable[[BinaryIO], Any]) -> None:
    """Write a file at ``path`` with ``write(fh)``: a temporary file beside it, renamed over it.

    The one way this library writes a file a user keeps (model files,
    checkpoints, ONNX exports): a crash leaves the previous file or the new
    one, never a torn one; the file gets the permissions ``open(path, "w")``
    would give (:func:`_new_file_mode`); an error names ``path`` as given,
    never the temporary file. Call :func:`check_output_path` first, before
    the work that produces the content.

    Parameters
    ----------
    path : str or path-like
    write : callable
        Called once with the temporary file, open for writing in binary mode.
    """
    given = os.fspath(path)
    try:
        _write_atomically(Path(given), write)
    except OSError as exc:
        raise _renamed_error(exc, given) from None


def _write_atomically(path: Path, write: Callable[[BinaryIO], Any]) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    mode = _new_file_mode(path)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)  # mkstemp's 0o600 would hide the model from the user's group
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable; not possible on every platform
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


# ------------------------------------------------------------------ load


def load_arrays(path: str | os.PathLike[str], with_extra: bool = False) -> Any:
    """Read and verify a model file without executing anything from it.

    Parameters
    ----------
    path : str or path-like
    with_extra : bool, default=False
        Also return the declared extra arrays (a checkpoint's training state).

    Returns
    -------
    config : dict
    arrays : dict of str to ndarray
        ``W1``, ``b1``, ..., in the declared dtype and shapes.
    extra : dict of str to ndarray
        Only when ``with_extra``.

    Raises
    ------
    ModelFileError
        For anything that is not a complete, consistent deepstep model file:
        a missing path, a directory, a symlink loop, an empty, truncated or
        foreign file, a newer format version, missing, extra or pickled
        members, wrong dtypes or shapes, non-finite weights.
    """
    name = os.fspath(path)

    def fail(message: str) -> None:
        raise ModelFileError(f"{name}: {message}")

    try:
        if os.path.isdir(name):
            fail("is a directory, not a model file")
        if not os.path.isfile(name):
            fail("no such model file" if not os.path.lexists(name)
                 else "cannot be opened as a file (broken link or link loop?)")
        with open(name, "rb") as fh:
            if not zipfile.is_zipfile(fh):
                fail("not a deepstep model file (not a zip/npz archive; empty or truncated?)")
            fh.seek(0)
            with zipfile.ZipFile(fh) as zf:
                config, arrays = _read_archive(zf, fail)
    except ModelFileError:
        raise
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error, RuntimeError,
            NotImplementedError, ValueError) as exc:
        raise ModelFileError(f"{name}: cannot be read as a deepstep model file "
                             f"({type(exc).__name__}: {exc})") from None
    prefix = _extra_member("")
    extra = {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}
    arrays = {k: v for k, v in arrays.items() if not k.startswith(prefix)}
    return (config, arrays, extra) if with_extra else (config, arrays)


def _read_archive(zf: zipfile.ZipFile, fail: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    infos = zf.infolist()
    names = [i.filename for i in infos]
    if len(names) != len(set(names)):
        fail("duplicate members in the archive")
    if "config.json" not in names:
        fail("not a deepstep model file (no config.json member)")
    info = zf.getinfo("config.json")
    if info.file_size > _MAX_CONFIG_BYTES:
        fail(f"config.json is {info.file_size} bytes, more than {_MAX_CONFIG_BYTES}")
    try:
        config = json.loads(zf.read(info).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"config.json is not valid UTF-8 JSON ({exc})")
    if not isinstance(config, dict):
        fail(f"config.json must hold a JSON object, got {type(config).__name__}")
    if config.get("format") != FORMAT_NAME:
        fail(f"not a deepstep model file (format {config.get('format')!r})")
    version = config.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        fail(f"invalid format_version {version!r}")
    if version > FORMAT_VERSION:
        fail(f"written by a newer deepstep (format version {version}); this deepstep reads up "
             f"to version {FORMAT_VERSION}: upgrade deepstep")
    shapes = _expected_shapes(config, fail)
    dtype = _DTYPES[config["dtype"]]
    expected = {"config.json", *(f"{k}.npy" for k in shapes)}
    if set(names) != expected:
        missing = sorted(expected - set(names))
        extra = sorted(set(names) - expected)
        fail("members do not match the configuration: "
             + (f"missing {missing} " if missing else "")
             + (f"unexpected {extra[:5]}" if extra else ""))
    arrays = {}
    for key, shape in shapes.items():
        arrays[key] = _read_npy(zf, f"{key}.npy", shape, dtype, fail)
    return config, arrays


def _read_npy(zf: zipfile.ZipFile, member: str, shape: tuple[int, ...], dtype: np.dtype,
              fail: Any) -> NDArray[np.floating]:
    fmt = np.lib.format
    info = zf.getinfo(member)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    # Stored (uncompressed) members only: their bytes must really be in the
    # file, so a small hostile file cannot make us inflate gigabytes.
    if info.compress_type != zipfile.ZIP_STORED:
        fail(f"{member}: compressed members are not accepted")
    if not nbytes <= info.file_size <= nbytes + 65536:
        fail(f"{member}: holds {info.file_size} bytes, expected {nbytes} plus a header")
    with zf.open(member) as fh:
        try:
            version = fmt.read_magic(fh)
            if version == (1, 0):
                header = fmt.read_array_header_1_0(fh)
            elif version in ((2, 0), (3, 0)):
                header = fmt.read_array_header_2_0(fh)
            else:
                fail(f"{member}: unsupported .npy version {version}")
        except ValueError as exc:
            fail(f"{member}: not a valid .npy array ({exc})")
        file_shape, fortran, file_dtype = header
        if file_dtype.hasobject or file_dtype.kind != "f":
            fail(f"{member}: dtype {file_dtype} is not allowed (expected {dtype}; "
                 f"pickled or object arrays are never loaded)")
        if file_dtype.newbyteorder("=") != dtype.newbyteorder("=") or \
                file_dtype.itemsize != dtype.itemsize:
            fail(f"{member}: dtype {file_dtype} does not match the declared {dtype}")
        if tuple(file_shape) != shape:
            fail(f"{member}: shape {tuple(file_shape)} does not match the declared {shape}")
        data = fh.read(nbytes)
        if len(data) != nbytes:
            fail(f"{member}: truncated ({len(data)} of {nbytes} bytes)")
        if fh.read(1):
            fail(f"{member}: unexpected data after the array")
    array = np.frombuffer(data, dtype=file_dtype).reshape(shape, order="F" if fortran else "C")
    array = np.ascontiguousarray(array.astype(dtype))  # native byte order, own writable copy
    if not np.all(np.isfinite(array)):
        fail(f"{member}: holds NaN or infinite values")
    return array
