"""The README's Performance tables, from one ``benchmarks/run.py`` JSON result.

    python benchmarks/report.py benchmarks/results/latest.json

Prints one Markdown table per case: seconds per implementation in each dtype
and condition the run measured (quiet, and beside one busy process with
``--noisy``), then the ratios the README states (deepstep against JAX, the
seeds' algorithm and the products-only bound). Nothing is typed in by hand.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

CASES = {
    "case_a": "(a) cat [12288, 20, 7, 5, 1], full batch, 2500 iterations",
    "case_b": "(b) 60000 x [784, 256, 128, 10], batches of 128, one epoch",
    "case_c": "(c) `predict_proba`, 100000 rows of (b)'s network",
}
OURS = {"case_a": "deepstep L_layer_model", "case_b": "deepstep DNNClassifier",
        "case_c": "deepstep predict_proba"}
JAX = ("JAX CPU (jit + lax.scan)", "JAX CPU (jit)")
BOUND = "matrix products only (bound)"
SEEDS = "seeds' algorithm (NumPy)"


def _columns(result: dict, case: str) -> list[tuple[str, str]]:
    return [(dtype, condition) for dtype in ("float64", "float32")
            if dtype in result.get(case, {})
            for condition in result["conditions"] if condition in result[case][dtype]]


def table(result: dict, case: str) -> str:
    """One case's seconds as a Markdown table (implementations x dtype and condition)."""
    columns = _columns(result, case)
    names: list[str] = []
    for dtype, condition in columns:
        names += [n for n in result[case][dtype][condition]["seconds"] if n not in names]
    head = "| implementation | " + " | ".join(f"{d} {c}" for d, c in columns) + " |"
    rows = [head, "|---" * (len(columns) + 1) + "|"]
    for name in names:
        cells = []
        for dtype, condition in columns:
            s = result[case][dtype][condition]["seconds"].get(name)
            text = "" if s is None else f"{s:.3f} s"
            cells.append(f"**{text}**" if name == OURS[case] and text else text)
        label = f"**{name}**" if name == OURS[case] else name
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def ratios(result: dict, case: str) -> str:
    """deepstep's time over JAX's and over the bound; the seeds' time over deepstep's."""
    lines = []
    for dtype, condition in _columns(result, case):
        seconds = result[case][dtype][condition]["seconds"]
        ours = seconds[OURS[case]]
        parts = []
        jax = next((seconds[j] for j in JAX if j in seconds), None)
        if jax is not None:
            parts.append(f"deepstep / JAX {ours / jax:.2f}")
        parts.append(f"deepstep / bound {ours / seconds[BOUND]:.2f}")
        if SEEDS in seconds:
            parts.append(f"seeds / deepstep {seconds[SEEDS] / ours:.1f}x")
        lines.append(f"- {dtype}, {condition}: " + ", ".join(parts))
    return "\n".join(lines)


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else
                Path(__file__).parent / "results" / "latest.json")
    result = json.loads(path.read_text())
    print(f"machine: {result['machine']}\n")
    for case, title in CASES.items():
        if case in result:
            print(f"**{title}**\n\n{table(result, case)}\n\n{ratios(result, case)}\n")


if __name__ == "__main__":
    main()
