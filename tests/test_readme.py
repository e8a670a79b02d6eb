"""Every code block of the README runs as written.

The blocks are taken from README.md in order, section (``## ...``) by
section, each section in a scratch folder of its own. Consecutive Python
blocks run together in one fresh interpreter, as a reader pasting them into
one session would; ``console`` blocks run their ``$`` commands and ``bash``
blocks their lines, in the same folder. ``DEEPSTEP_DATA`` points at the course's
data (the README's ``../shared/data/catvnoncat`` is that folder seen from the
repository root), and the scratch folder is the current directory.

What is not run, and why, is decided here and nowhere else:

* ``pip install ...`` lines: installing is CI's set-up step, done before
  the tests run;
* ``pytest ...`` lines: this is the test suite;
* ``python benchmarks/...`` lines: minutes long on purpose (they are
  measurements, not tests), and they write their results;
* a block preceded by ``<!-- needs: MODULE -->`` when MODULE cannot be
  imported here (CuPy for the GPU block: CI has no GPU).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
NEEDS = re.compile(r"<!--\s*needs:\s*([\w.]+)\s*-->\s*$")
NOT_RUN = (re.compile(r"^pip install\b"), re.compile(r"^pytest\b"),
           re.compile(r"^python benchmarks/"))


def _sections() -> list[tuple[str, list[tuple[str, str, str | None]]]]:
    """(title, [(language, code, needed module)]) for each ``##`` section, in order."""
    text = README.read_text(encoding="utf-8")
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    sections = []
    for title, body in zip(parts[1::2], parts[2::2], strict=True):
        blocks = []
        for match in FENCE.finditer(body):
            before = body[:match.start()].rstrip().splitlines()
            needs = NEEDS.search(before[-1]) if before else None
            blocks.append((match.group(1), match.group(2),
                           needs.group(1) if needs else None))
        if blocks:
            sections.append((title.strip(), blocks))
    return sections


def _commands(language: str, code: str) -> list[str]:
    """The shell commands of a bash or console block, without the ones not run."""
    if language == "console":
        lines = [ln[2:] for ln in code.splitlines() if ln.startswith("$ ")]
    else:
        lines = [ln for ln in code.splitlines() if ln.strip() and not ln.startswith("#")]
    commands = []
    for line in lines:
        line = line.split("  #")[0].strip()
        # "a && b": each part on its own, so that a part not run is skipped alone
        for part in (p.strip() for p in line.split("&&")):
            if part and not any(rule.match(part) for rule in NOT_RUN):
                commands.append(part)
    return commands


SECTIONS = _sections()


def test_the_readme_has_code_blocks_and_every_one_has_a_language():
    assert SECTIONS
    languages = {lang for _, blocks in SECTIONS for lang, _, _ in blocks}
    assert "" not in languages, "a README code block has no language"
    assert languages <= {"python", "bash", "console"}, languages


def _steps(blocks: list[tuple[str, str, str | None]]) -> list[tuple[str, str]]:
    """("python", code) for each run of consecutive Python blocks, ("shell", command) else."""
    steps: list[tuple[str, str]] = []
    for language, code, needs in blocks:
        if needs and importlib.util.find_spec(needs.split(".")[0]) is None:
            continue
        if language != "python":
            steps += [("shell", command) for command in _commands(language, code)]
        elif steps and steps[-1][0] == "python":
            steps[-1] = ("python", steps[-1][1] + "\n" + code)
        else:
            steps.append(("python", code))
    return steps


@pytest.mark.parametrize("title", [t for t, _ in SECTIONS])
def test_every_block_of_the_section_runs(title, cat_dir, tmp_path):
    steps = _steps(dict(SECTIONS)[title])
    if not steps:
        pytest.skip(f"{title}: every block needs what this machine lacks or is not run")
    env = {**os.environ, "DEEPSTEP_DATA": str(cat_dir), "MPLBACKEND": "Agg"}
    # The README's relative paths are the checkout's: ../shared/data/catvnoncat
    # is the course's data seen from a folder beside it.
    shared = tmp_path / "shared" / "data"
    shared.mkdir(parents=True)
    (shared / "catvnoncat").symlink_to(cat_dir, target_is_directory=True)
    work = tmp_path / "work"
    work.mkdir()
    for i, (kind, code) in enumerate(steps):
        if kind == "python":
            # a file, not -c: multiprocessing (Dask's LocalCluster) re-imports it
            script = tmp_path / f"readme_step_{i}.py"
            script.write_text(code, encoding="utf-8")
            argv = [sys.executable, str(script)]
        else:
            argv = shlex.split(code)
            if argv[0] == "deepstep":
                argv = [sys.executable, "-m", "deepstep", *argv[1:]]
        done = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, (f"{title}: this {kind} step failed:\n{code}\n"
                                      f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
