"""Refuse parameter sizes that cannot fit in memory, before anything is allocated.

A layer of 68 million units after 75 inputs asks for 38 GiB of weights; NumPy
would try, and on a machine with less the kernel kills the whole process
(taking a test run or a notebook with it) instead of raising. The weights'
size is known before the first draw, so :func:`check_parameters_fit` compares
it with the memory the system can still give and raises a ``ValueError``
naming the sizes and the bytes. The check is generous: it counts only the
parameters themselves (no temporaries) against the available memory plus free
swap, so it refuses only what cannot fit.

The available memory is read without a dependency: ``MemAvailable`` and
``SwapFree`` of ``/proc/meminfo`` (Linux), lowered to a cgroup v2 limit when
the process runs under one (a container), else the available physical pages
of ``os.sysconf``. Where none of them can be read the check is skipped.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["available_memory", "check_parameters_fit", "parameter_bytes"]

_MEMINFO = Path("/proc/meminfo")
_CGROUP = Path("/sys/fs/cgroup")


def parameter_bytes(layer_dims: Sequence[int], itemsize: int) -> int:
    """Bytes of the weights and biases of a network with these layer sizes.

    Parameters
    ----------
    layer_dims : sequence of int
        ``[n_x, n_1, ..., n_L]``.
    itemsize : int
        Bytes per number (8 for float64, 4 for float32).

    Returns
    -------
    int
        ``itemsize * sum_l n_l (n_{l-1} + 1)``, in Python integers (no overflow).
    """
    dims = [int(d) for d in layer_dims]
    return itemsize * sum(n * (n_prev + 1) for n_prev, n in itertools.pairwise(dims))


def _meminfo(path: Path) -> int | None:
    try:
        text = path.read_text()
    except OSError:
        return None
    fields = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            fields[name.strip()] = int(parts[0]) * 1024  # the file's unit is kB
    if "MemAvailable" not in fields:
        return None
    return fields["MemAvailable"] + fields.get("SwapFree", 0)


def _cgroup_room(root: Path) -> int | None:
    # cgroup v2: memory.max is "max" or a number of bytes; what is left is
    # the limit less what the group already uses.
    try:
        limit = (root / "memory.max").read_text().strip()
        current = int((root / "memory.current").read_text().strip())
    except (OSError, ValueError):
        return None
    if not limit.isdigit():
        return None
    return max(int(limit) - current, 0)


def _sysconf() -> int | None:
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def available_memory(meminfo: Path = _MEMINFO, cgroup: Path = _CGROUP) -> int | None:
    """Bytes the system can still give this process, or None where unknown.

    Parameters
    ----------
    meminfo : Path, default=/proc/meminfo
    cgroup : Path, default=/sys/fs/cgroup
        Read from these (parameters so that tests can point them elsewhere).

    Returns
    -------
    int or None
    """
    room = _meminfo(meminfo)
    if room is None:
        room = _sysconf()
    limit = _cgroup_room(cgroup)
    if limit is not None:
        room = limit if room is None else min(room, limit)
    return room


def check_parameters_fit(layer_dims: Sequence[int], dtype: np.dtype, func: str,
                         available: int | None = None, *,
                         fix: str = "use smaller layers") -> None:
    """Raise ``ValueError`` when the parameters of ``layer_dims`` cannot fit in memory.

    Parameters
    ----------
    layer_dims : sequence of int
        Checked layer sizes, input first.
    dtype : numpy.dtype
        Dtype of the parameters.
    func : str
        Name the message starts with.
    available : int, optional
        Bytes available; by default :func:`available_memory`.
    fix : str, default="use smaller layers"
        The advice that ends the message (an estimator names its parameter).
    """
    needed = parameter_bytes(layer_dims, np.dtype(dtype).itemsize)
    if needed < 2**26:  # 64 MiB: never worth a look at the system
        return
    room = available_memory() if available is None else available
    if room is None or needed <= room:
        return
    raise ValueError(
        f"{func}: layer sizes {list(layer_dims)} need {needed:,} bytes "
        f"({needed / 2**30:.1f} GiB) of {np.dtype(dtype).name} weights and biases, more than "
        f"the {room:,} bytes ({room / 2**30:.1f} GiB) of memory available: {fix}"
    )
