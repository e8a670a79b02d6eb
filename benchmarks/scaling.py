"""Scaling benchmarks: data-parallel steps on a Dask cluster, and the GPU (when there is one).

    python benchmarks/scaling.py [--rows 200000] [--features 200] [--iterations 10]

1. Full-batch gradient descent on a Dask array held by a LocalCluster of 2
   worker processes, against the same fit in memory: seconds per step and the
   largest relative difference of the costs.
2. device="gpu" against device="cpu" on the MNIST-sized case (b) of
   benchmarks/run.py (one epoch of mini-batches of 128) and a full-batch fit:
   seconds and cost agreement. Skipped with a message when CuPy finds no GPU.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from deepstep import DNNClassifier


def data(rows: int, features: int, classes: int = 10, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, features))
    y = np.argmax(X @ rng.standard_normal((features, classes)), axis=1)
    return X, y


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def cluster_case(rows: int, features: int, iterations: int) -> dict:
    import dask.array as da
    from distributed import Client, LocalCluster

    X, y = data(rows, features)
    kw = {"hidden_layer_sizes": (64,), "max_iter": iterations, "learning_rate": 0.1,
          "random_state": 0}
    memory_s, memory = timed(lambda: DNNClassifier(**kw).fit(X, y))
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster):
        Xd = da.from_array(X, chunks=(rows // 4, features))
        cluster_s, dist = timed(lambda: DNNClassifier(**kw).fit(Xd, y))
    diff = float(np.max(np.abs(np.subtract(dist.loss_curve_, memory.loss_curve_))
                        / np.abs(memory.loss_curve_)))
    print(f"\ndata-parallel, {rows} x {features} -> 64 -> 10, {iterations} full-batch steps")
    print(f"in memory: {1000 * memory_s / iterations:.1f} ms/step; LocalCluster(2 processes): "
          f"{1000 * cluster_s / iterations:.1f} ms/step (includes sending the chunks once); "
          f"costs agree to {diff:.1e}")
    return {"memory_s": memory_s, "cluster_s": cluster_s, "max_cost_rel_diff": diff}


def gpu_case() -> dict | None:
    try:
        from deepstep._backend import device_namespace

        device_namespace("gpu")
    except ValueError as exc:
        print(f"\nGPU: skipped ({exc})")
        return None
    out = {}
    for dtype in (np.float64, np.float32):
        X, y = data(60000, 784)
        X = X.astype(dtype)
        kw = {"hidden_layer_sizes": (256, 128), "batch_size": 128, "max_iter": 1,
              "learning_rate": 0.01, "random_state": 0}
        cpu_s, cpu = timed(lambda kw=kw, X=X, y=y: DNNClassifier(**kw).fit(X, y))
        gpu_s, gpu = timed(lambda kw=kw, X=X, y=y: DNNClassifier(device="gpu", **kw).fit(X, y))
        full = {"hidden_layer_sizes": (256, 128), "max_iter": 20, "learning_rate": 0.1,
                "random_state": 0}
        cpu_f = DNNClassifier(**full).fit(X, y)
        gpu_f = DNNClassifier(device="gpu", **full).fit(X, y)
        diff = float(np.max(np.abs(np.subtract(gpu_f.loss_curve_, cpu_f.loss_curve_))
                            / np.abs(cpu_f.loss_curve_)))
        name = np.dtype(dtype).name
        print(f"\nGPU {name}: one epoch of mini-batches of 128: cpu {cpu_s:.2f} s, "
              f"gpu {gpu_s:.2f} s (x{cpu_s / gpu_s:.1f}); 20 full-batch costs agree to "
              f"{diff:.1e}")
        out[name] = {"cpu_s": cpu_s, "gpu_s": gpu_s, "full_batch_cost_rel_diff": diff,
                     "final_loss": [cpu.loss_curve_[-1], gpu.loss_curve_[-1]]}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=200)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "scaling.json"))
    args = parser.parse_args()
    results = {"cluster": cluster_case(args.rows, args.features, args.iterations),
               "gpu": gpu_case()}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
