"""The comparison that chose DNNRegressor's defaults (alpha=1.0, output_bias="mean").

    python benchmarks/regressor_defaults.py [--seeds 5]

3-fold cross-validated R^2 (KFold, shuffled, one split per seed) of
``StandardScaler() + regressor`` on scikit-learn's bundled regression data
(diabetes, and the first target of linnerud) and two generated sets
(friedman1, make_regression), each with the target as it comes ("raw") and
standardised (``TransformedTargetRegressor(..., transformer=StandardScaler())``).
Columns: ``DNNRegressor()`` with today's defaults; with the defaults it had
before (``alpha=1e-4``, zero output bias, the classifier's); and
``MLPRegressor()``. Mean and standard deviation over the seeds.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from sklearn import datasets
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import KFold, cross_val_score
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from deepstep import DNNRegressor

MODELS = {
    "DNNRegressor()": lambda s: DNNRegressor(random_state=s),
    "before (alpha=1e-4, zero bias)": lambda s: DNNRegressor(alpha=1e-4, output_bias="zeros",
                                                             random_state=s),
    "MLPRegressor()": lambda s: MLPRegressor(random_state=s),
}


def data() -> dict:
    linnerud_X, linnerud_y = datasets.load_linnerud(return_X_y=True)
    return {"diabetes": datasets.load_diabetes(return_X_y=True),
            "linnerud (target 0)": (linnerud_X, linnerud_y[:, 0]),
            "friedman1 (600)": datasets.make_friedman1(600, noise=1.0, random_state=0),
            "make_regression (600 x 20)": datasets.make_regression(
                600, 20, n_informative=10, noise=10, random_state=0)}


def score(make, X, y, standardised: bool, seeds: int) -> tuple[float, float]:
    out = []
    for seed in range(seeds):
        model = make_pipeline(StandardScaler(), make(seed))
        if standardised:
            model = TransformedTargetRegressor(model, transformer=StandardScaler())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter, for all
            out.append(cross_val_score(model, X, y, cv=KFold(3, shuffle=True,
                                                              random_state=seed)).mean())
    return float(np.mean(out)), float(np.std(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    seeds = parser.parse_args().seeds
    print(f"3-fold R^2, mean ± sd over {seeds} seeds\n")
    print("| data | target | " + " | ".join(MODELS) + " |")
    print("|---|---|" + "---|" * len(MODELS))
    for name, (X, y) in data().items():
        for standardised in (False, True):
            cells = [f"{m:.3f} ± {s:.3f}" for m, s in
                     (score(make, X, y, standardised, seeds) for make in MODELS.values())]
            print(f"| {name} | {'standardised' if standardised else 'raw'} | "
                  + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
