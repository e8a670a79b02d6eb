"""predict_proba of deepstep's MLPClassifier against scikit-learn's, same weights, side by side.

    python benchmarks/predict_vs_sklearn.py [--rounds 21] [--rows 10000 100000]
                                            [--out benchmarks/results/predict.json]

The digits-shaped network of benchmarks/mlp_vs_sklearn.py: 64 standardised
inputs, ``hidden_layer_sizes=(100,)`` (both libraries' default), 10 classes,
float32. scikit-learn's ``MLPClassifier`` is fitted on digits and its
``coefs_``/``intercepts_`` are copied into deepstep's, so both compute the
same function (the largest difference of their probabilities is printed).
``DNNClassifier`` with the same layer sizes (its own weights, softmax output)
is timed beside them, as the other family sharing the prediction path.

Each row count is timed quiet, then beside one busy process (run.py's
``busy_neighbour``), each call interleaved with the others for ``--rounds``
rounds (the order rotated every round), the best time kept; then the same
again in a child process with ``DEEPSTEP_BLAS_THREADS=1`` (deepstep pins one
BLAS thread; scikit-learn is unaffected and keeps its default, so that row
races one thread against all of them). The child also times scikit-learn
held to the same one thread (threadpoolctl, around each call), printed as
"sklearn same threads/MLP" (best / median): thread for thread. Ratio:
scikit-learn's time over deepstep's (above 1: deepstep is faster), of the
best times and, beside them, of the medians. No number here is asserted by
a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import warnings
from functools import partial
from pathlib import Path

import numpy as np
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.preprocessing import StandardScaler

from deepstep import DNNClassifier, MLPClassifier

sys.path.insert(0, str(Path(__file__).parent))
import run  # the benchmarks' race and busy neighbour

ENV = "DEEPSTEP_BLAS_THREADS"


def models(seed: int = 0) -> tuple[np.ndarray, SkClassifier, MLPClassifier, DNNClassifier]:
    """Digits (float32, standardised) and the three fitted classifiers."""
    X, y = datasets.load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SkClassifier(max_iter=50, random_state=seed).fit(X, y)
        ours = MLPClassifier(max_iter=1, random_state=seed).fit(X, y)
        dnn = DNNClassifier(hidden_layer_sizes=(100,), max_iter=5, tol=None,
                            random_state=seed).fit(X, y)
    ours.coefs_ = [c.copy() for c in sk.coefs_]
    ours.intercepts_ = [b.copy() for b in sk.intercepts_]
    return X, sk, ours, dnn


def race(contenders: dict, rounds: int) -> tuple[dict[str, float], dict[str, float]]:
    """Best and median seconds of each contender over ``rounds`` interleaved rounds.

    run.race's interleaving with the order rotated every round: a call
    that follows another pays for the BLAS threads that call left spinning
    (OpenBLAS's idle threads wait busily for a while), and no contender
    should always be the one that follows scikit-learn. The median is
    printed beside the best because on a shared machine a best-of can be
    one lucky round with every core free.
    """
    names = list(contenders)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        seconds, _ = run.race({name: contenders[name] for name in order}, 1)
        for name in names:
            times[name].append(seconds[name])
    return ({name: min(t) for name, t in times.items()},
            {name: float(np.median(t)) for name, t in times.items()})


def held_to(threads: int, fn):
    """``fn`` run with the BLAS libraries held to ``threads`` threads (restored after)."""
    from threadpoolctl import ThreadpoolController

    # One controller, found once: a fresh threadpool_limits() looks the
    # libraries up again at every call (about a millisecond, a third of a
    # 10,000-row predict); limiting and restoring through it costs microseconds.
    controller = ThreadpoolController().select(user_api="blas")

    def run():
        limiter = controller.limit(limits=threads)
        try:
            return fn()
        finally:
            limiter.restore_original_limits()
    return run


def measure(rows: list[int], rounds: int, conditions: list[str]) -> list[dict]:
    """Best-of-``rounds`` seconds of each predict_proba, per condition and row count."""
    X, sk, ours, dnn = models()
    pinned = os.environ.get(ENV, "auto")
    rng = np.random.default_rng(0)
    results = []
    for n in rows:
        Xn = X[rng.integers(0, len(X), n)]
        diff = float(np.abs(ours.predict_proba(Xn) - sk.predict_proba(Xn)).max())
        assert ours.predict_proba(Xn).dtype == np.float32
        for condition in conditions:
            contenders = {"scikit-learn": partial(sk.predict_proba, Xn),
                          "deepstep MLP": partial(ours.predict_proba, Xn),
                          "deepstep DNN": partial(dnn.predict_proba, Xn)}
            if pinned.isdigit():  # scikit-learn on deepstep's thread count too
                contenders["scikit-learn, same threads"] = held_to(
                    int(pinned), partial(sk.predict_proba, Xn))
            with run.under(condition):
                seconds, median = race(contenders, rounds)
            results.append({"blas": os.environ.get(ENV, "auto"), "condition": condition,
                            "rows": n, "seconds": seconds, "median_seconds": median,
                            "max_abs_difference": diff})
    return results


def print_table(results: list[dict]) -> None:
    print(f"\n{ENV:>21s} {'condition':10s} {'rows':>7s} {'sklearn ms':>11s} "
          f"{'MLP ms':>8s} {'sklearn/MLP':>12s} {'DNN ms':>8s} {'sklearn/DNN':>12s} "
          f"{'median sklearn/MLP':>19s} {'max |diff|':>11s} {'sklearn same threads/MLP':>25s}")
    for r in results:
        s, med = r["seconds"], r["median_seconds"]
        sk, mlp, dnn = s["scikit-learn"], s["deepstep MLP"], s["deepstep DNN"]
        same = s.get("scikit-learn, same threads")
        same = ("" if same is None else f"{same / mlp:.2f} / "
                f"{med['scikit-learn, same threads'] / med['deepstep MLP']:.2f}")
        print(f"{r['blas']:>21s} {r['condition']:10s} {r['rows']:7d} {1e3 * sk:11.2f} "
              f"{1e3 * mlp:8.2f} {sk / mlp:12.2f} {1e3 * dnn:8.2f} {sk / dnn:12.2f} "
              f"{med['scikit-learn'] / med['deepstep MLP']:19.2f} "
              f"{r['max_abs_difference']:11.1e} {same:>25s}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    conditions = ["quiet", "noisy"]
    results = measure(args.rows, args.rounds, conditions)
    if args.child:  # the parent prints and saves
        print(json.dumps(results))
        return
    child = subprocess.run(
        [sys.executable, __file__, "--child", "--rounds", str(args.rounds), "--rows",
         *map(str, args.rows)], env={**os.environ, ENV: "1"}, check=True,
        capture_output=True, text=True)
    results += json.loads(child.stdout.strip().splitlines()[-1])
    print(f"load average before: {os.getloadavg()}, {os.cpu_count()} CPUs, "
          f"{platform.processor() or platform.machine()}")
    print_table(results)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"platform": platform.platform(),
                                        "results": results}, indent=1))


if __name__ == "__main__":
    main()
