"""Shared fixtures: where the course's data lives."""

from __future__ import annotations

import os
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
