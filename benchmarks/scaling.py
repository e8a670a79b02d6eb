"""Scaling benchmarks: data-parallel steps on a Dask cluster, and the GPU (when there is one).

    python benchmarks/scaling.py [--only cluster|gpu] [--quick] [--rows 200000]
                                 [--features 200] [--iterations 10] [--standin torch]

1. Full-batch gradient descent on a Dask array held by a LocalCluster of 2
   worker processes, against the same fit in memory: seconds per step (the
   first step, which sends the chunks, apart) and the largest relative
   difference of the costs.
2. device="gpu" against device="cpu" on the cases of benchmarks/run.py: (a) the
   cat model, 2500 full-batch iterations; (b) one epoch of mini-batches of 128
   on 60000 x 784, and 20 full-batch iterations; (c) predict_proba on 100000
   rows (``--quick``: 300 iterations, 10000 and 20000 rows). Seconds, speed-up,
   and the agreement of the costs. Skipped with a message when CuPy finds no
   GPU. ``--standin torch`` (or array_api_strict) puts that library's CPU
   arrays behind device="gpu": a dry run of the script's GPU code on a machine
   without one, whose timings mean nothing.

Results are written as JSON (benchmarks/results/scaling.json).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import run  # the cases and helpers of benchmarks/run.py
from deepstep import DNNClassifier
from deepstep.datasets import images_to_matrix, load_catvnoncat


def cluster_case(rows: int, features: int, iterations: int) -> dict:
    import dask.array as da
    from distributed import Client, LocalCluster

    chunks = (rows // 4, features)
    Xd = da.random.default_rng(0).standard_normal((rows, features), chunks=chunks)
    X = Xd.compute()
    y = np.argmax(X @ np.random.default_rng(1).standard_normal((features, 10)), axis=1)
    kw = {"hidden_layer_sizes": (64,), "learning_rate": 0.1, "random_state": 0}

    def per_step(fit):
        """Seconds per step without the first one (the chunks' transfer, the set-up)."""
        one, _ = timed(lambda: fit(1))
        total, model = timed(lambda: fit(iterations + 1))
        return (total - one) / iterations, model

    memory_s, memory = per_step(lambda n: DNNClassifier.from_course(max_iter=n, **kw).fit(X, y))
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster):
        cluster_s, dist = per_step(lambda n: DNNClassifier.from_course(max_iter=n, **kw).fit(Xd, y))
    diff = rel(dist.loss_curve_, memory.loss_curve_)
    print(f"\ndata-parallel, {rows} x {features} -> 64 -> 10, {iterations} full-batch steps")
    print(f"in memory: {1000 * memory_s:.1f} ms/step; LocalCluster(2 processes, 1 thread "
          f"each): {1000 * cluster_s:.1f} ms/step; costs agree to {diff:.1e}")
    return {"memory_s_per_step": memory_s, "cluster_s_per_step": cluster_s,
            "max_cost_rel_diff": diff}


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _standin(name: str) -> None:
    """Put ``name``'s CPU arrays behind device="gpu": a dry run of this script without a GPU."""
    import array_api_compat

    import deepstep._backend as backend
    import deepstep.estimators.placement as placement

    module = __import__(name)
    xp = module if name == "array_api_strict" else array_api_compat.array_namespace(
        module.zeros(1))
    real = backend.device_namespace

    def device_namespace(device):
        return xp if device == "gpu" else real(device)

    backend.device_namespace = placement.device_namespace = device_namespace


def _compare(label: str, cpu_fn, gpu_fn, rounds: int) -> tuple[dict, object, object]:
    """Best-of-``rounds`` seconds of both (after an untimed warm-up of the GPU side)."""
    gpu_fn()  # the first CuPy calls compile their kernels
    seconds, results = run.race({"cpu": cpu_fn, "gpu": gpu_fn}, rounds)
    print(f"{label:58s} cpu {seconds['cpu']:8.3f} s   gpu {seconds['gpu']:8.3f} s   "
          f"speed-up x{seconds['cpu'] / seconds['gpu']:.1f}")
    return seconds, results["cpu"], results["gpu"]


def rel(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.abs(b)))


def _fit_both(label: str, kw: dict, X, y, rounds: int) -> tuple[dict, object, object]:
    """The course-settings DNNClassifier(**kw) fit on the CPU and the GPU: seconds, agreement."""
    seconds, cpu, gpu = _compare(
        label, lambda: DNNClassifier.from_course(**kw).fit(X, y),
        lambda: DNNClassifier.from_course(device="gpu", **kw).fit(X, y), rounds)
    diff = rel(gpu.loss_curve_, cpu.loss_curve_)
    print(f"    costs agree to {diff:.1e}")
    return {"seconds": seconds, "cost_rel_diff": diff}, cpu, gpu


def _gpu_cases(dtype, iterations: int, m: int, rows: int, rounds: int) -> dict:
    """Cases (a), (b) and (c) in one dtype."""
    print(f"\nGPU against CPU, {np.dtype(dtype).name} (best of {rounds}; costs compared as "
          "the largest relative difference over the whole curve)")
    res = {}
    try:
        data = load_catvnoncat(run._data_dir())
    except (FileNotFoundError, ValueError) as exc:
        print(f"case (a) skipped: {exc}")
    else:
        res["a"], _, _ = _fit_both(
            f"(a) cat {run.CAT_DIMS}, {iterations} full-batch iterations",
            {"hidden_layer_sizes": run.CAT_DIMS[1:-1], "max_iter": iterations,
             "learning_rate": 0.0075, "random_state": 1},
            images_to_matrix(data.train_x, dtype=dtype), data.train_y, rounds)
    X, y = run.mnist_like(dtype, m)
    res["b"], _, _ = _fit_both(
        f"(b) {m} x {run.MNIST_DIMS}, one epoch of mini-batches of 128",
        {"hidden_layer_sizes": run.MNIST_DIMS[1:-1], "batch_size": 128, "max_iter": 1,
         "learning_rate": 0.01, "random_state": 0}, X, y, rounds)
    res["b_full_batch"], cpu, gpu = _fit_both(
        f"(b') {m} x {run.MNIST_DIMS}, 20 full-batch iterations",
        {"hidden_layer_sizes": run.MNIST_DIMS[1:-1], "max_iter": 20, "learning_rate": 0.1,
         "random_state": 0}, X, y, rounds)
    Xc, _ = run.mnist_like(dtype, rows, seed=2)
    sec, p_cpu, p_gpu = _compare(
        f"(c) predict_proba, {rows} rows",
        lambda: cpu.predict_proba(Xc), lambda: gpu.predict_proba(Xc), rounds)
    res["c"] = {"seconds": sec, "proba_max_abs_diff": float(np.max(np.abs(p_gpu - p_cpu)))}
    print(f"    probabilities agree to {res['c']['proba_max_abs_diff']:.1e} (absolute)")
    return res


def gpu_case(rounds: int, quick: bool) -> dict | None:
    """The cases of benchmarks/run.py with device="gpu" against device="cpu"."""
    try:
        from deepstep._backend import device_namespace

        device_namespace("gpu")
    except ValueError as exc:
        print(f"\nGPU: skipped ({exc})")
        return None
    out = {}
    iterations, m, rows = (300, 10_000, 20_000) if quick else (2500, 60_000, 100_000)
    for dtype in (np.float64, np.float32):
        out[np.dtype(dtype).name] = _gpu_cases(dtype, iterations, m, rows, rounds)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["cluster", "gpu"])
    parser.add_argument("--quick", action="store_true", help="smaller GPU cases")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=200)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--standin", choices=["torch", "array_api_strict"])
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "scaling.json"))
    args = parser.parse_args()
    if args.standin:
        _standin(args.standin)
    results = {}
    if args.only in (None, "cluster"):
        results["cluster"] = cluster_case(args.rows, args.features, args.iterations)
    if args.only in (None, "gpu"):
        results["gpu"] = gpu_case(args.rounds, args.quick)
        results["gpu_standin"] = args.standin
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
