"""In-memory fits in a process that holds a Dask cluster (issue 25).

    python benchmarks/after_cluster.py [--rows 100000] [--rounds 3]

One epoch of a 100-64-1 network (adam, batches of 256) on rows x 100
float32, by deepstep's DNNClassifier and scikit-learn's MLPClassifier,
interleaved, best of ``--rounds``, in these cases:

- ``fresh``: a process with no cluster, a NumPy array;
- ``idle``: a LocalCluster of 2 single-threaded worker processes that ran
  nothing, the same NumPy array;
- ``after_tasks``: the cluster has computed a reduction over the Dask array
  and run a deepstep mini-batch fit on it (timed too), the same NumPy array;
- ``computed``: the rows as that cluster's ``X.compute()`` returns them
  (NumPy flags them unaligned: ``aligned`` in the output says so).

Each case runs in its own child process. It prints one JSON line per case
and the load average before and after.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

CHILD = r"""
import json, os, sys, time, warnings
import numpy as np
warnings.filterwarnings("ignore")

def fits(X, y, rounds):
    from deepstep import DNNClassifier
    from sklearn.neural_network import MLPClassifier
    kw = dict(hidden_layer_sizes=(64,), solver="adam", batch_size=256, max_iter=1, random_state=0)
    best = {"deepstep": float("inf"), "sklearn": float("inf")}
    for _ in range(rounds):
        for name, cls in (("deepstep", DNNClassifier), ("sklearn", MLPClassifier)):
            t = time.perf_counter()
            cls(**kw).fit(X, y)
            best[name] = min(best[name], time.perf_counter() - t)
    return best

def main():
    case, rows, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.default_rng(0)
    Xn = rng.standard_normal((rows, 100)).astype(np.float32)
    y = (Xn[:, 0] + 0.5 * Xn[:, 1] > 0).astype(int)
    out = {"case": case, "loadavg_before": open("/proc/loadavg").read().split()[:4]}
    if case == "fresh":
        X = Xn
    else:
        import dask.array as da
        from dask.distributed import Client, LocalCluster
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
        X = Xn
        if case != "idle":
            from deepstep import DNNClassifier
            Xd = da.random.default_rng(0).standard_normal((rows, 100), chunks=(rows // 8, 100))
            Xd = Xd.astype(np.float32)
            float(Xd.sum().compute())
            t = time.perf_counter()
            DNNClassifier(hidden_layer_sizes=(64,), solver="adam", batch_size=256, max_iter=1,
                          random_state=0).fit(Xd, y)
            out["dask_minibatch_fit_s"] = time.perf_counter() - t
            if case == "computed":
                X = Xd.compute()
                y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    out["aligned"] = bool(X.flags.aligned)
    out.update(fits(X, y, rounds))
    out["loadavg_after"] = open("/proc/loadavg").read().split()[:4]
    print(json.dumps(out), flush=True)
    if case != "fresh":
        client.close()
        cluster.close()

if __name__ == "__main__":
    main()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cases", default="fresh,idle,after_tasks,computed")
    args = parser.parse_args()
    for case in args.cases.split(","):
        result = subprocess.run([sys.executable, "-c", CHILD, case, str(args.rows),
                                 str(args.rounds)], capture_output=True, text=True, check=True)
        print(result.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
