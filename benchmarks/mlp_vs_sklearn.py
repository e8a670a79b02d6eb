"""deepstep's MLPClassifier / MLPRegressor against scikit-learn's, side by side in one run.

    python benchmarks/mlp_vs_sklearn.py [--quick] [--seeds 3] [--out benchmarks/results/mlp.json]

Two questions, for identical parameters (each solver, everything else at its default):

1. **Same results?** 3-fold cross-validated score (accuracy; R^2 for diabetes) of
   a ``StandardScaler`` pipeline on scikit-learn's bundled data sets (digits,
   breast_cancer, wine, iris, diabetes), for several ``random_state`` values:
   mean and spread over the seeds, deepstep's minus scikit-learn's.
2. **Faster?** Seconds of one ``fit`` (best of the rounds, the two interleaved)
   with adam and sgd, float64 and float32, on digits and on a larger
   MNIST-sized synthetic problem (20000 x 784, 10 classes, (256, 128) hidden,
   20 epochs, no early stop); the ratio is scikit-learn's time over deepstep's
   (above 1: deepstep is faster).

No number here is asserted by a test; tests/test_mlp.py checks agreement on a
small scale.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import sklearn
from sklearn import datasets
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import deepstep
from deepstep import MLPClassifier, MLPRegressor

DATA = {"digits": datasets.load_digits, "breast_cancer": datasets.load_breast_cancer,
        "wine": datasets.load_wine, "iris": datasets.load_iris,
        "diabetes": datasets.load_diabetes}
SOLVERS = ("adam", "sgd", "lbfgs")


@contextmanager
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter, for both
        yield


def scores(seeds: int) -> dict:
    """Cross-validated scores of both libraries, per data set, solver and seed."""
    out: dict = {}
    for name, load in DATA.items():
        X, y = load(return_X_y=True)
        regression = name == "diabetes"
        ours, theirs = (MLPRegressor, SkRegressor) if regression else (MLPClassifier,
                                                                         SkClassifier)
        for solver in SOLVERS:
            row: dict = {"deepstep": [], "scikit-learn": []}
            for seed in range(seeds):
                cv = (KFold if regression else StratifiedKFold)(3, shuffle=True,
                                                                random_state=seed)
                for label, cls in (("deepstep", ours), ("scikit-learn", theirs)):
                    model = make_pipeline(StandardScaler(),
                                          cls(solver=solver, random_state=seed))
                    with _quiet():
                        row[label].append(float(cross_val_score(model, X, y, cv=cv).mean()))
            d, s = np.array(row["deepstep"]), np.array(row["scikit-learn"])
            row["difference_of_means"] = float(d.mean() - s.mean())
            print(f"{name:14s} {solver:6s} deepstep {d.mean():.3f} +- {d.std():.3f}   "
                  f"scikit-learn {s.mean():.3f} +- {s.std():.3f}   "
                  f"difference {d.mean() - s.mean():+.3f}", flush=True)
            out[f"{name}/{solver}"] = row
    return out


def _mnist_like(m: int, dtype, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, 784)).astype(dtype)
    y = np.argmax(X @ rng.standard_normal((784, 10)), axis=1)
    return X, y


def timings(rounds: int, m: int) -> dict:
    """Best fit seconds of both libraries, interleaved, per case, solver and dtype."""
    out: dict = {}
    for dtype in (np.float64, np.float32):
        cases = {"digits": (StandardScaler().fit_transform(
                     datasets.load_digits().data).astype(dtype),
                     datasets.load_digits().target, {}),
                 f"mnist-like {m} x 784": (*_mnist_like(m, dtype),
                                           {"hidden_layer_sizes": (256, 128), "max_iter": 20,
                                            "tol": 0.0, "n_iter_no_change": 10**6})}
        for case, (X, y, extra) in cases.items():
            for solver in ("adam", "sgd"):
                kw = {"solver": solver, "random_state": 0, **extra}
                best = {"deepstep": np.inf, "scikit-learn": np.inf}
                for _ in range(rounds):
                    for label, cls in (("deepstep", MLPClassifier),
                                       ("scikit-learn", SkClassifier)):
                        model = cls(**kw)
                        t = time.perf_counter()
                        with _quiet():
                            model.fit(X, y)
                        best[label] = min(best[label], time.perf_counter() - t)
                ratio = best["scikit-learn"] / best["deepstep"]
                key = f"{case}/{solver}/{np.dtype(dtype).name}"
                print(f"{key:40s} deepstep {best['deepstep']:7.3f} s   scikit-learn "
                      f"{best['scikit-learn']:7.3f} s   speed-up {ratio:5.2f}x", flush=True)
                out[key] = {**best, "speedup": ratio}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="1 seed, 1 round, 4000 synthetic rows: a smoke run")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=("scores", "timings"))
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "mlp.json"))
    args = parser.parse_args()
    seeds, rounds, m = (1, 1, 4000) if args.quick else (args.seeds, args.rounds, 20000)
    result: dict = {"machine": {"python": platform.python_version(), "numpy": np.__version__,
                                "scikit-learn": sklearn.__version__,
                                "deepstep": deepstep.__version__}}
    if args.only != "timings":
        print("cross-validated scores (3 folds; mean +- std over seeds)")
        result["scores"] = scores(seeds)
    if args.only != "scores":
        print("\nfit seconds, best of rounds (speed-up = scikit-learn / deepstep)")
        result["timings"] = timings(rounds, m)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"\nresults written to {out}")


if __name__ == "__main__":
    main()
