"""Out-of-core benchmark: train on an h5 file larger than 2 GB with bounded memory.

    python benchmarks/outofcore.py [--rows 550000] [--features 1000] [--dir /tmp]

Writes a float32 h5 file of rows x features (2.2 GB by default) with labels
from a random teacher network, then, in a fresh process, fits a DNNClassifier
on the h5py dataset (one epoch of mini-batches, read block by block) and
reports the wall time and the process's peak resident memory (ru_maxrss),
which must stay below 500 MB. The file is deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHILD = """
import json, resource, sys, time
import h5py, numpy as np
from deepstep import DNNClassifier
path = sys.argv[1]
with h5py.File(path, "r") as f:
    X, y = f["X"], f["y"][...]
    t = time.perf_counter()
    clf = DNNClassifier.from_course(hidden_layer_sizes=(64,), solver="adam", learning_rate=1e-3,
                                    batch_size=256, max_iter=1, random_state=0).fit(X, y)
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    acc = float(np.mean(clf.predict(X) == y))
    predict_s = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"fit_s": fit_s, "predict_s": predict_s, "train_accuracy": acc,
                  "peak_rss_bytes": peak, "loss": clf.loss_curve_}))
"""


def write_file(path: Path, rows: int, features: int) -> None:
    rng = np.random.default_rng(0)
    teacher = rng.standard_normal(features).astype(np.float32)
    import h5py

    with h5py.File(path, "w") as f:
        X = f.create_dataset("X", (rows, features), dtype=np.float32, chunks=(1024, features))
        y = f.create_dataset("y", (rows,), dtype=np.int64)
        step = 16384
        for start in range(0, rows, step):
            block = rng.standard_normal((min(step, rows - start), features), dtype=np.float32)
            X[start:start + len(block)] = block
            y[start:start + len(block)] = block @ teacher > 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=550_000)
    parser.add_argument("--features", type=int, default=1000)
    parser.add_argument("--dir", default=tempfile.gettempdir())
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "outofcore.json"))
    args = parser.parse_args()
    path = Path(args.dir) / "deepstep-outofcore-bench.h5"
    try:
        t = time.perf_counter()
        write_file(path, args.rows, args.features)
        size = path.stat().st_size
        print(f"wrote {path} ({size / 1e9:.2f} GB) in {time.perf_counter() - t:.1f} s")
        out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True,
                             text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        path.unlink(missing_ok=True)
    result.update(file_bytes=size, rows=args.rows, features=args.features)
    print(f"fit, one epoch of mini-batches of 256: {result['fit_s']:.1f} s; "
          f"predict: {result['predict_s']:.1f} s; train accuracy {result['train_accuracy']:.3f}")
    print(f"peak resident memory of the training process: {result['peak_rss_bytes'] / 1e6:.0f} MB"
          f" for a {size / 1e9:.2f} GB file (limit 500 MB)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
