"""The cost of ``deepstep.recording()`` on a fit: interleaved rounds, best of each.

    python benchmarks/recording_overhead.py b [every] [rounds]     # run.py's case (b)
    python benchmarks/recording_overhead.py cat [every] [rounds]   # run.py's case (a)

Case (b) is run.py's: 60000 x [784, 256, 128, 10] synthetic data, one epoch of
gradient descent on mini-batches of 128 (DNNClassifier.from_course, solver="gd").
Case "cat" is run.py's case (a): the cat 4-layer model, 2500 full-batch
iterations (the Gram-matrix path: 0.16 ms a step, quicker than one pass over
the inputs). ``every`` is "auto" (the default) or an int. Each round fits once
without and once with recording, in alternating order; the best of each is
compared.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np

import deepstep
from deepstep import DNNClassifier, datasets

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _case(name: str):
    if name == "cat":
        from run import _data_dir

        d = datasets.load_catvnoncat(_data_dir())
        X, y = d.train_x.reshape(len(d.train_x), -1) / 255.0, d.train_y
        return X, y, lambda: DNNClassifier.from_course(
            hidden_layer_sizes=(20, 7, 5), max_iter=2500, learning_rate=0.0075, random_state=1)
    from run import MNIST_DIMS, mnist_like

    X, y = mnist_like(np.float64, 60000)
    return X, y, lambda: DNNClassifier.from_course(
        hidden_layer_sizes=MNIST_DIMS[1:-1], solver="gd", learning_rate=0.01, batch_size=128,
        max_iter=1, random_state=0)


def main(argv: list[str]) -> None:
    name = argv[0] if argv else "b"
    every: int | str = argv[1] if len(argv) > 1 else "auto"
    every = every if every == "auto" else int(every)
    rounds = int(argv[2]) if len(argv) > 2 else 7
    X, y, make = _case(name)
    times: dict[str, list[float]] = {"plain": [], "recording": []}
    records = 0
    for r in range(rounds):
        for which in (("plain", "recording") if r % 2 == 0 else ("recording", "plain")):
            model = make()
            start = time.perf_counter()
            if which == "recording":
                with deepstep.recording(every=every) as stats:
                    model.fit(X, y)
                records = len({row["epoch"] for row in stats.history})
            else:
                model.fit(X, y)
            times[which].append(time.perf_counter() - start)
    plain, rec = min(times["plain"]), min(times["recording"])
    print(f"case {name}, every={every!r}, {rounds} rounds: without {plain:.3f} s, with "
          f"{rec:.3f} s (best of each), overhead {100 * (rec / plain - 1):+.1f}%, "
          f"{records} epochs recorded")


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    main(sys.argv[1:])
