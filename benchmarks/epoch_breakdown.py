"""Where case (b)'s float32/float64 fit spends the time the minimal epoch does not.

    python benchmarks/epoch_breakdown.py [--dtypes float32 float64] [--rounds 9]
                                         [--threads N]

``DNNClassifier(solver="gd", batch_size=128, max_iter=1)`` on run.py's
60000 x 784 MNIST-like data (network 784 -> 256 -> 128 -> 10) races
``numpy_epoch.sgd_epoch``, the same epoch written out with nothing but the
maths, interleaved, ``--rounds`` rounds; best and median are printed. The
fit is split into its epoch (the time spent in ``Trainer._epoch``, read by
wrapping it) and everything around it (validation, the finiteness check of
X, labels, initial weights, building the network and trainer). Timed
alone, in the same rounds: the pieces around the epoch that scale with the
data, and the cost evaluation every batch does (``loss.cost`` on the
epoch's 469 outputs of shape (10, 128)), which the minimal epoch skips.

``--threads N`` pins both to N BLAS threads (deepstep through
``DEEPSTEP_BLAS_THREADS``, the minimal epoch through threadpoolctl): on a
machine someone else is using, the default (deepstep's governor lowering
its threads, the minimal epoch on all of them) races unlike against unlike.
No number here is asserted by a test.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import numpy_epoch
import run  # mnist_like, MNIST_DIMS
from deepstep import DNNClassifier
from deepstep.activations import get_activation
from deepstep.estimators.placement import check_finite_rows
from deepstep.initializers import initialize_parameters_deep
from deepstep.losses import get_loss
from deepstep.training import trainer

BATCH, LR = 128, 0.01


def contenders(dtype: np.dtype, threads: int | None) -> tuple[dict, list[float]]:
    """The timed calls, and the list the wrapped ``Trainer._epoch`` appends its seconds to."""
    X, y = run.mnist_like(dtype, 60000)
    dims = run.MNIST_DIMS
    clf = DNNClassifier.from_course(hidden_layer_sizes=dims[1:-1], solver="gd",
                                    learning_rate=LR, batch_size=BATCH, max_iter=1,
                                    random_state=0)
    minimal = numpy_epoch.sgd_epoch(X, y, dims, LR, BATCH)
    if threads is not None:
        from threadpoolctl import ThreadpoolController

        controller = ThreadpoolController().select(user_api="blas")
        unpinned = minimal

        def minimal() -> None:
            limiter = controller.limit(limits=threads)
            try:
                unpinned()
            finally:
                limiter.restore_original_limits()
    rng = np.random.default_rng(1)
    outputs = [get_activation("softmax").forward(rng.standard_normal((dims[-1], BATCH))
                                                .astype(dtype))[0]
               for _ in range(len(X) // BATCH + 1)]
    Y = np.zeros((dims[-1], BATCH), dtype=dtype)
    Y[rng.integers(0, dims[-1], BATCH), np.arange(BATCH)] = 1
    loss = get_loss("categorical_cross_entropy")
    calls = {
        "deepstep fit": lambda: clf.fit(X, y),
        "minimal epoch": minimal,
        "  check_finite_rows(X)": lambda: check_finite_rows(X, "DNNClassifier"),
        "  initial weights (lecun)": lambda: initialize_parameters_deep(
            dims, np.random.RandomState(0), init="lecun", dtype=dtype),
        "  np.unique(y, return_inverse)": lambda: np.unique(y, return_inverse=True),
        "  cost of every batch": lambda: [loss.cost(A, Y, None) for A in outputs],
    }
    epochs: list[float] = []
    inner = trainer.Trainer._epoch

    def timed_epoch(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return inner(self, *args, **kwargs)
        finally:
            epochs.append(time.perf_counter() - start)
    trainer.Trainer._epoch = timed_epoch
    return calls, epochs


def measure(dtype: np.dtype, rounds: int, threads: int | None) -> None:
    calls, epochs = contenders(dtype, threads)
    names = list(calls)
    times: dict[str, list[float]] = {name: [] for name in names}
    fit_epochs: list[float] = []
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            start = time.perf_counter()
            calls[name]()
            times[name].append(time.perf_counter() - start)
            if name == "deepstep fit":
                fit_epochs.append(epochs[-1])
    times["  its epoch (Trainer._epoch)"] = fit_epochs
    times["  around its epoch (fit - epoch)"] = [f - e for f, e in
                                                 zip(times["deepstep fit"], fit_epochs,
                                                     strict=True)]
    ref = min(times["minimal epoch"])
    print(f"\n{np.dtype(dtype).name}, {rounds} rounds, BLAS threads "
          f"{threads or 'default'}, load average {os.getloadavg()}")
    print(f"{'':34s} {'best ms':>9s} {'median ms':>10s} {'best / minimal':>15s}")
    for name in ["deepstep fit", "  its epoch (Trainer._epoch)",
                 "  around its epoch (fit - epoch)", *names[2:], "minimal epoch"]:
        t = times[name]
        print(f"{name:34s} {1e3 * min(t):9.1f} {1e3 * float(np.median(t)):10.1f} "
              f"{min(t) / ref:15.3f}")
    fit, minimal = times["deepstep fit"], times["minimal epoch"]
    print(f"fit / minimal: best {min(fit) / min(minimal):.3f}, median "
          f"{np.median(fit) / np.median(minimal):.3f}, median of per-round ratios "
          f"{np.median(np.divide(fit, minimal)):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dtypes", nargs="+", default=["float32", "float64"])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--threads", type=int)
    args = parser.parse_args()
    if args.threads is not None:
        os.environ["DEEPSTEP_BLAS_THREADS"] = str(args.threads)
    for name in args.dtypes:
        measure(np.dtype(name), args.rounds, args.threads)


if __name__ == "__main__":
    main()
