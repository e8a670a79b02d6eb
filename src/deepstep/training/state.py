"""Checkpoint state: everything a resumed fit needs to continue bit for bit.

:func:`get_state` and :func:`set_state` are what ``Trainer.get_state`` and
``Trainer.set_state`` do; :class:`~deepstep.training.callbacks.BackupAndRestore`
writes and reads them through those public methods.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._backend import assign, namespace, to_numpy

__all__ = ["get_state", "rng_state", "set_rng_state", "set_state"]

Array = NDArray[np.floating]


def get_state(trainer: Any) -> tuple[dict[str, Any], dict[str, Array], dict[str, Array]]:
    """The trainer's state: epoch, history, optimizer, generators, parameters.

    Parameters
    ----------
    trainer : Trainer

    Returns
    -------
    state : dict
        JSON-serialisable: epoch, history, the optimizer's scalars, the
        states of the shuffling and dropout generators.
    parameters : dict of str to ndarray
        Copies of ``W1``, ``b1``, ...
    extra : dict of str to ndarray
        The optimizer's moments (``opt_<name>``) and the running step's own
        arrays (the Gram-matrix path's product ``gram_P``).
    """
    parameters = {k: to_numpy(v).copy() for k, v in trainer.parameters.items()}
    scalars, moments = trainer.optimizer.get_state()
    extra = {f"opt_{k}": to_numpy(v).copy() for k, v in moments.items()}
    extra.update(trainer.step_state())
    history = trainer.history
    state = {
        "epoch": trainer.epoch,
        "history": {"history": history.history, "epoch": history.epoch},
        "optimizer": {"class": type(trainer.optimizer).__name__, "scalars": scalars},
        "rng": rng_state(trainer.rng),
        "dropout_rng": rng_state(trainer.dropout_rng),
    }
    return state, parameters, extra


def set_state(trainer: Any, state: dict[str, Any], parameters: dict[str, Array],
              extra: dict[str, Array]) -> dict[str, Array]:
    """Put what :func:`get_state` returned back into ``trainer``.

    Parameters
    ----------
    trainer : Trainer
    state : dict
    parameters : dict of str to ndarray
    extra : dict of str to ndarray

    Returns
    -------
    dict of str to ndarray
        The arrays of ``extra`` that belong to the step (not the optimizer),
        for the step the fit builds next.
    """
    current = trainer.parameters
    if set(parameters) != set(current) or any(
            parameters[k].shape != v.shape for k, v in current.items()):
        raise ValueError("Trainer.set_state: the checkpoint's parameters do not match "
                         "this network's layers")
    optimizer = trainer.optimizer
    if state["optimizer"]["class"] != type(optimizer).__name__:
        raise ValueError(f"Trainer.set_state: the checkpoint was written with "
                         f"{state['optimizer']['class']}, this fit uses "
                         f"{type(optimizer).__name__}")
    for key, value in current.items():
        assign(value, parameters[key])
    xp = namespace(trainer.weights[0][0])
    optimizer.set_state(state["optimizer"]["scalars"],
                        {k[4:]: xp.asarray(v) for k, v in extra.items() if k.startswith("opt_")})
    trainer.epoch = int(state["epoch"])
    trainer.history.history = {k: list(v) for k, v in state["history"]["history"].items()}
    trainer.history.epoch = list(state["history"]["epoch"])
    set_rng_state(trainer.rng, state["rng"])
    set_rng_state(trainer.dropout_rng, state["dropout_rng"])
    return {k: v for k, v in extra.items() if not k.startswith("opt_")}


def rng_state(rng: Any) -> Any:
    """A JSON-serialisable state of a NumPy generator (``RandomState`` or ``Generator``)."""
    if rng is None:
        return None
    if isinstance(rng, np.random.RandomState):
        name, keys, pos, has_gauss, gauss = rng.get_state()
        return {"RandomState": [name, keys.tolist(), int(pos), int(has_gauss), float(gauss)]}
    return {"Generator": rng.bit_generator.state}


def set_rng_state(rng: Any, state: Any) -> None:
    """Set ``rng`` to a state from :func:`rng_state` (both None, or of the same kind)."""
    if rng is None or state is None:
        if (rng is None) != (state is None):
            raise ValueError("Trainer.set_state: the checkpoint's random generators do not "
                             "match this fit's (shuffle or dropout changed?)")
        return
    if isinstance(rng, np.random.RandomState) and "RandomState" in state:
        name, keys, pos, has_gauss, gauss = state["RandomState"]
        rng.set_state((name, np.array(keys, dtype=np.uint32), pos, has_gauss, gauss))
    elif isinstance(rng, np.random.Generator) and "Generator" in state:
        rng.bit_generator.state = state["Generator"]
    else:
        raise ValueError("Trainer.set_state: the checkpoint's random generator is of "
                         "another kind than this fit's")

