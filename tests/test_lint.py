"""The code base is lint clean (``ruff check``)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_check_is_clean():
    ruff = shutil.which("ruff")
    cmd = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    try:
        result = subprocess.run(
            [*cmd, "check", *(d for d in ("src", "tests", "benchmarks") if (ROOT / d).is_dir())],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
    except FileNotFoundError:  # pragma: no cover - ruff is a test extra
        pytest.fail("ruff is not installed; install the test extras: pip install -e '.[test]'")
    assert result.returncode == 0, result.stdout + result.stderr
