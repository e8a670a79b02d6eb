"""Shared fixtures: where the course's data lives."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def catvnoncat_dir() -> Path:
    """The cat vs non-cat folder: $DEEPSTEP_DATA, else ../shared/data/catvnoncat."""
    env = os.environ.get("DEEPSTEP_DATA")
    if env:
        path = Path(env)
        return path / "catvnoncat" if (path / "catvnoncat").is_dir() else path
    return ROOT.parent / "shared" / "data" / "catvnoncat"


@pytest.fixture(scope="session")
def cat_dir() -> Path:
    path = catvnoncat_dir()
    if not (path / "train_catvnoncat.h5").is_file():
        pytest.skip(f"cat vs non-cat data not found in {path} (set DEEPSTEP_DATA)")
    return path


# The suite compares many fits bit for bit. Under the default policy
# (DEEPSTEP_BLAS_THREADS=auto) the BLAS thread count follows the machine's
# load, which on a shared CI box could change between two fits that a test
# compares and so their last bits; tests/test_threads.py tests that policy
# on its own, everything else runs with BLAS left as it is.
os.environ.setdefault("DEEPSTEP_BLAS_THREADS", "off")


# ``pytest`` runs the suite on every core (pytest-xdist, ``-n logical``: one
# worker per logical core). OpenBLAS would start one thread per core in every worker,
# and on a loaded core its threads wait for each other: a fit of the digits
# test took 50-75 s instead of 8 s that way on a 2-core machine. Each worker
# (and every process it starts: the CLI, README blocks, resumed fits) gets
# its share of the cores instead. The variables are read when the libraries
# load, which in a worker is after this file is imported; settings of the
# user's own win. A serial run (``-n 0``) leaves BLAS as it is.
def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


CORES = _cores()
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
_LOWERED = _WORKERS > 1 and "OPENBLAS_NUM_THREADS" not in os.environ
if _LOWERED:
    _share = str(max(1, CORES // _WORKERS))
    for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, _share)
    if "numpy" in sys.modules:  # a plugin loaded BLAS already: lower it in place
        from threadpoolctl import threadpool_limits

        _LIMITS = threadpool_limits(limits=int(_share), user_api="blas")


@pytest.fixture(scope="module")
def blas_threads_of_the_machine():
    """BLAS on one thread per core, as outside the suite, for tests of the thread policy."""
    if not _LOWERED:
        yield
        return
    threadpoolctl = pytest.importorskip("threadpoolctl")
    import numpy  # noqa: F401 - loads the BLAS that threadpoolctl is to find

    with threadpoolctl.threadpool_limits(limits=CORES, user_api="blas"):
        yield
