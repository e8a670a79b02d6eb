"""Benchmarks: deepstep against the seeds' algorithm, scikit-learn and PyTorch, in one run.

    python benchmarks/run.py [--iterations 2500] [--out benchmarks/results/latest.json]

Case (a): the cat 4-layer model [12288, 20, 7, 5, 1], full-batch gradient
descent on the 209 training images (needs the course's data: DEEPSTEP_DATA
or ../shared/data/catvnoncat), in float64 and float32. Prints seconds per
run and ratios deepstep / anchor, and writes them as JSON. Anchors that are
not installed (PyTorch) are skipped with a message.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import seeds_plain
from deepstep import DNNClassifier
from deepstep.datasets import images_to_matrix, load_catvnoncat
from deepstep.models import L_layer_model

DIMS = [12288, 20, 7, 5, 1]


def _data_dir() -> Path:
    env = os.environ.get("DEEPSTEP_DATA")
    if env:
        p = Path(env)
        return p / "catvnoncat" if (p / "catvnoncat").is_dir() else p
    return Path(__file__).resolve().parents[2] / "shared" / "data" / "catvnoncat"


def timed(fn, repeat=1):
    best = np.inf
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def matmul_bound(X, iterations):
    """Only the products the maths needs per iteration: W1 X, dZ1 X^T and the small layers."""
    rng = np.random.default_rng(0)
    Ws = [rng.standard_normal((DIMS[l], DIMS[l - 1])).astype(X.dtype) for l in range(1, 5)]
    dZ1 = rng.standard_normal((DIMS[1], X.shape[1])).astype(X.dtype)

    def run():
        for _ in range(iterations):
            A = X
            for W in Ws:
                A = W @ A
            dZ1 @ X.T
    return timed(run)[0]


def case_a(iterations, dtype):
    data = load_catvnoncat(_data_dir())
    X = images_to_matrix(data.train_x, dtype=dtype)          # (m, n)
    y = data.train_y
    XT, Y = np.ascontiguousarray(X.T), y.reshape(1, -1).astype(dtype)
    rows = {}
    t, (p_ref, costs_ref) = timed(lambda: seeds_plain.L_layer_model(XT, Y, DIMS,
                                                                      num_iterations=iterations))
    rows["seeds' algorithm (NumPy)"] = t
    t, (p_ds, costs_ds) = timed(lambda: L_layer_model(XT, Y, DIMS, num_iterations=iterations))
    rows["deepstep L_layer_model"] = t
    clf = DNNClassifier(hidden_layer_sizes=DIMS[1:-1], max_iter=iterations, random_state=1)
    t, _ = timed(lambda: clf.fit(X, y))
    rows["deepstep DNNClassifier"] = t
    from sklearn.neural_network import MLPClassifier
    mlp = MLPClassifier(hidden_layer_sizes=DIMS[1:-1], solver="sgd", learning_rate_init=0.0075,
                        momentum=0.0, batch_size=X.shape[0], max_iter=iterations, alpha=0.0,
                        tol=0.0, n_iter_no_change=iterations + 1, shuffle=False, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t, _ = timed(lambda: mlp.fit(X, y))
    rows["scikit-learn MLPClassifier (sgd, full batch)"] = t
    try:
        import torch
    except ImportError:
        print("PyTorch not installed: skipping its anchor (pip install torch)")
    else:
        torch.set_num_threads(os.cpu_count() or 1)
        tdtype = torch.float64 if dtype == np.float64 else torch.float32
        Xt, Yt = torch.tensor(X, dtype=tdtype), torch.tensor(y, dtype=tdtype).reshape(-1, 1)
        torch.manual_seed(1)
        layers = []
        for a, b in itertools.pairwise(DIMS):
            layers += [torch.nn.Linear(a, b).to(tdtype), torch.nn.ReLU()]
        net = torch.nn.Sequential(*layers[:-1])
        opt = torch.optim.SGD(net.parameters(), lr=0.0075)
        lossf = torch.nn.BCEWithLogitsLoss()

        def torch_run():
            for _ in range(iterations):
                opt.zero_grad()
                loss = lossf(net(Xt), Yt)
                loss.backward()
                opt.step()
        rows["PyTorch CPU (autograd, SGD)"] = timed(torch_run)[0]
    rows["matrix products only (bound)"] = matmul_bound(XT, iterations)
    rel = max(abs(a - b) / abs(b) for a, b in zip(costs_ds, costs_ref, strict=True))
    params_rel = max(float(np.max(np.abs(p_ds[k] - p_ref[k])) / np.max(np.abs(p_ref[k])))
                     for k in p_ref)
    return rows, {"max_cost_rel_diff": rel, "max_param_rel_diff": params_rel}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2500)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "latest.json"))
    args = parser.parse_args()
    results = {"machine": {"python": platform.python_version(), "numpy": np.__version__,
                           "cpus": os.cpu_count()},
               "case_a": {}}
    for dtype in (np.float64, np.float32):
        name = np.dtype(dtype).name
        rows, check = case_a(args.iterations, dtype)
        ds = rows["deepstep L_layer_model"]
        print(f"\ncase (a) cat [12288, 20, 7, 5, 1], {args.iterations} iterations, {name}")
        print(f"{'implementation':48s} {'seconds':>9s} {'ms/iter':>9s} {'deepstep/this':>14s}")
        for k, v in rows.items():
            print(f"{k:48s} {v:9.3f} {1000 * v / args.iterations:9.3f} {ds / v:14.3f}")
        print(f"costs vs seeds' algorithm: max relative difference {check['max_cost_rel_diff']:.1e}"
              f"; final parameters {check['max_param_rel_diff']:.1e}")
        results["case_a"][name] = {"seconds": rows, "check": check,
                                   "iterations": args.iterations}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nresults written to {out}")


if __name__ == "__main__":
    main()
