"""deepstep's run-time settings: :func:`get_config`, :func:`set_config`, :func:`config_context`.

The settings that are not a model's hyperparameters, in the manner of
scikit-learn's ``sklearn.config_context``: how a fitted model's prediction
splits its input into blocks of rows, and where the MLP classes run. Code
reads them when it runs (a ``predict`` reads them at its call), so a
``with config_context(...)`` block changes what every call inside it does,
and nothing after it.

The settings are per thread, as scikit-learn's are: each thread starts with
the defaults, and :func:`set_config` or :func:`config_context` in one thread
changes nothing in another, so concurrent predictions (a web server's
threads, a ``ThreadPoolExecutor``) can each use their own.

Settings
--------
predict_block_bytes : int, default=16 MiB (16777216)
    The memory budget, in bytes, of one block's intermediate activations
    during prediction (each layer's ``Z`` and ``A``; a sparse input's
    densified rows are held to it too). Smaller: less memory, more blocks.
predict_max_rows : int, default=16384
    The most rows in one block of prediction, whatever the budget allows.
device : {"cpu", "gpu"}, default="cpu"
    Where ``MLPClassifier`` and ``MLPRegressor`` train and predict (NumPy,
    or CuPy on a CUDA GPU). Their constructors are scikit-learn's argument
    for argument, so the device is a setting, as scikit-learn's own array
    API dispatch is; ``DNNClassifier``/``DNNRegressor`` take ``device=``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Integral
from typing import Any

__all__ = ["config_context", "get_config", "set_config"]

#: Every setting with its default; a new thread's settings start as a copy.
_DEFAULTS: dict[str, Any] = {
    "predict_block_bytes": 16 * 2**20,
    "predict_max_rows": 16384,
    "device": "cpu",
}
_LOCAL = threading.local()


def _settings() -> dict[str, Any]:
    """This thread's settings (the defaults until it changes them)."""
    config = getattr(_LOCAL, "config", None)
    if config is None:
        config = _LOCAL.config = dict(_DEFAULTS)
    return config


def _positive_int(name: str, value: Any) -> int:
    # bool is an Integral, and True would silently mean 1.
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"deepstep config: {name} must be an int, got "
                        f"{type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"deepstep config: {name} must be a positive int, got {value!r}")
    return int(value)


def _device(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"deepstep config: {name} must be 'cpu' or 'gpu', got "
                        f"{type(value).__name__} {value!r}")
    if value not in ("cpu", "gpu"):
        raise ValueError(f"deepstep config: {name} must be 'cpu' or 'gpu', got {value!r}")
    return value


def get_config() -> dict[str, Any]:
    """The current thread's settings.

    Returns
    -------
    dict
        A copy: ``{"predict_block_bytes": int, "predict_max_rows": int,
        "device": str}``;
        changing it changes nothing (use :func:`set_config`).

    See Also
    --------
    config_context : Settings for a block of code.
    set_config : Change the settings.
    """
    return dict(_settings())


def set_config(*, predict_block_bytes: int | None = None,
               predict_max_rows: int | None = None, device: str | None = None) -> None:
    """Change settings for the current thread; a setting left at None keeps its value.

    Parameters
    ----------
    predict_block_bytes : int, optional
        Memory budget in bytes of one block's intermediate activations in
        prediction (default 16 MiB).
    predict_max_rows : int, optional
        Most rows in one block of prediction (default 16384).
    device : {"cpu", "gpu"}, optional
        Where the MLP classes train and predict (default "cpu"): their
        constructors are scikit-learn's, argument for argument, so the device
        comes from here, as scikit-learn's array API dispatch does; the DNN
        classes take their own ``device=`` parameter.

    Raises
    ------
    TypeError
        For a setting of the wrong type (an unknown setting's name is a
        TypeError too, from the call itself).
    ValueError
        For a size below 1, or a device other than "cpu" or "gpu".

    See Also
    --------
    config_context : The same settings for a block of code only.
    get_config : The current settings.
    """
    new = {"predict_block_bytes": predict_block_bytes, "predict_max_rows": predict_max_rows}
    checked = {k: _positive_int(k, v) for k, v in new.items() if v is not None}
    if device is not None:
        checked["device"] = _device("device", device)
    _settings().update(checked)  # all checked first: a bad value changes nothing


@contextmanager
def config_context(*, predict_block_bytes: int | None = None,
                   predict_max_rows: int | None = None,
                   device: str | None = None) -> Iterator[None]:
    """Settings in force for the body of a ``with`` block, restored after it.

    Parameters
    ----------
    predict_block_bytes : int, optional
        Memory budget in bytes of one block's intermediate activations in
        prediction (default 16 MiB).
    predict_max_rows : int, optional
        Most rows in one block of prediction (default 16384).
    device : {"cpu", "gpu"}, optional
        Where the MLP classes train and predict (default "cpu"): their
        constructors are scikit-learn's, argument for argument, so the device
        comes from here, as scikit-learn's array API dispatch does; the DNN
        classes take their own ``device=`` parameter.

    Yields
    ------
    None

    Raises
    ------
    TypeError, ValueError
        As :func:`set_config`, when the block is entered.

    Examples
    --------
    >>> import deepstep
    >>> with deepstep.config_context(predict_max_rows=1000):
    ...     deepstep.get_config()["predict_max_rows"]
    1000
    >>> deepstep.get_config()["predict_max_rows"]
    16384
    """
    before = get_config()
    set_config(predict_block_bytes=predict_block_bytes, predict_max_rows=predict_max_rows,
               device=device)
    try:
        yield
    finally:
        _settings().update(before)
