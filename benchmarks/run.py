"""Benchmarks: deepstep against the seeds' algorithm, scikit-learn, PyTorch and JAX, in one run.

    python benchmarks/run.py [--quick] [--cases a,b,c] [--dtypes float64,float32]
                             [--rounds 3] [--noisy] [--out benchmarks/results/latest.json]

For example:

    python benchmarks/run.py                       # every case, both dtypes, quiet
    python benchmarks/run.py --noisy               # the same, then beside one busy process
    python benchmarks/run.py --cases b --dtypes float32 --noisy
    python benchmarks/run.py --quick --rounds 1    # a smoke run (small sizes)

Cases, each in float64 and float32 (``--dtypes`` picks):

(a) the cat 4-layer model [12288, 20, 7, 5, 1], full-batch gradient descent,
    2500 iterations on the 209 training images (the course's data: DEEPSTEP_DATA
    or ../shared/data/catvnoncat). deepstep and JAX race over several rounds;
    the seeds' algorithm (timed over all the iterations), scikit-learn, PyTorch
    and the matrix-products-only bound run once. Also: exactness against the
    seeds' algorithm, the plain path (no Gram shortcut) per iteration against
    the bound, and the peak memory growth of ``fit`` for C- and F-ordered X.
(b) MNIST-sized synthetic data, 60000 x 784 -> 256 -> 128 -> 10 softmax,
    one epoch of SGD on shuffled mini-batches of 128.
(c) ``predict_proba`` on 100000 rows of the (b) network.

Every implementation runs in this process, interleaved over several rounds;
the table shows the best round, ms per iteration/epoch/call, and the ratio
deepstep / implementation (below 1: deepstep is faster). PyTorch is skipped
with a message when it is not installed (``pip install torch==2.13.0``).

The JAX anchor (``jax_anchors.py``; ``pip install jax``, or the ``bench``
extra: ``pip install -e '.[bench]'``) is the fastest thing a user could pick
instead on CPU, in its idiomatic form: a jit-compiled step with the loop (the
iterations of (a), the epoch's mini-batches of (b)) under ``jax.lax.scan``,
named "JAX CPU (jit + lax.scan)"; for (c) a jit-compiled forward pass, "JAX
CPU (jit)". float64 runs with ``jax_enable_x64`` on, float32 with it off. It
is compiled (and, for (b) and (c), called once to warm up) before the race:
those seconds are printed under the table and stored apart
(``jax_compile_seconds``, ``jax_warm_up_seconds``). Without JAX a one-line
message says so and the anchor is skipped.

``--noisy``: each case and dtype runs twice, quiet, then with one busy process
(one core of pure Python) started for that pass and always stopped after it,
on error, Ctrl-C or SIGTERM too; every implementation is reported under both,
in tables titled "quiet" and "noisy (one busy process)".

Results are written as JSON: ``results["machine"]`` (versions, jax included),
``results["conditions"]`` (["quiet"] or ["quiet", "noisy"]) and, per case and
dtype and condition, ``results["case_b"]["float32"]["quiet"]`` (and
``[...]["noisy"]`` with ``--noisy``), each holding ``seconds`` per implementation
and the case's other measurements.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import signal
import subprocess
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import jax_anchors
import numpy_epoch
import seeds_plain
from deepstep import DNNClassifier
from deepstep.activations import get_activation
from deepstep.application import L_layer_model
from deepstep.datasets import images_to_matrix, load_catvnoncat
from deepstep.initializers import initialize_parameters_deep
from deepstep.losses import get_loss
from deepstep.optimizers import GradientDescent
from deepstep.training import Trainer

CAT_DIMS = [12288, 20, 7, 5, 1]
MNIST_DIMS = [784, 256, 128, 10]

JAX_NAME = "JAX CPU (jit + lax.scan)"
CONDITIONS = {"quiet": "quiet", "noisy": "noisy (one busy process)"}
# The busy neighbour: one core's worth of pure Python, which also ends by itself
# should this process die without stopping it (its parent changes).
BUSY = ("import os\np = os.getppid()\n"
        "while os.getppid() == p:\n    for _ in range(10**6):\n        pass\n")

try:
    import torch
except ImportError:
    torch = None


def _data_dir() -> Path:
    env = os.environ.get("DEEPSTEP_DATA")
    if env:
        p = Path(env)
        return p / "catvnoncat" if (p / "catvnoncat").is_dir() else p
    return Path(__file__).resolve().parents[2] / "shared" / "data" / "catvnoncat"


def race(contenders: dict[str, Callable[[], object]], rounds: int) -> tuple[dict, dict]:
    """Run every contender once per round, interleaved; best time and last result of each."""
    best = dict.fromkeys(contenders, np.inf)
    results: dict[str, object] = {}
    for _ in range(rounds):
        for name, fn in contenders.items():
            t = time.perf_counter()
            results[name] = fn()
            best[name] = min(best[name], time.perf_counter() - t)
    return best, results


def table(title: str, seconds: dict[str, float], unit: str, per: float, ref: str) -> None:
    print(f"\n{title}")
    print(f"{'implementation':52s} {'seconds':>9s} {unit:>12s} {'deepstep/this':>14s}")
    for name, s in seconds.items():
        print(f"{name:52s} {s:9.3f} {1000 * s / per:12.3f} {seconds[ref] / s:14.3f}")


def products_only(X, Ws) -> None:
    """One iteration's matrix products and nothing else: W[l] A[l-1] forward, then
    dZ[l] A[l-1]^T for every layer and W[l]^T dZ[l] above layer 1 (no dA0)."""
    acts = [X]
    for W in Ws:
        acts.append(W @ acts[-1])
    dZ = acts[-1]
    for l in range(len(Ws) - 1, -1, -1):
        dZ @ acts[l].T
        if l:
            dZ = Ws[l].T @ dZ


def torch_dtype(dtype):
    return torch.float64 if dtype == np.float64 else torch.float32


def torch_mlp(dims, dtype, seed=0):
    torch.manual_seed(seed)
    layers = []
    for a, b in itertools.pairwise(dims):
        layers += [torch.nn.Linear(a, b).to(torch_dtype(dtype)), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


@contextlib.contextmanager
def busy_neighbour() -> Iterator[None]:
    """One busy process beside the benchmark while the context lasts, always stopped."""
    proc = subprocess.Popen([sys.executable, "-c", BUSY])
    try:
        time.sleep(0.3)                    # let it start and take its core
        yield
    finally:
        proc.kill()
        proc.wait()


def under(condition: str):
    return busy_neighbour() if condition == "noisy" else contextlib.nullcontext()


def add_jax(contenders: dict, name: str, build: Callable[[], tuple]) -> dict | None:
    """Put the JAX anchor ``build()`` returns into ``contenders`` (compiled and warmed up
    here, outside the race); its compile seconds, or None when JAX is not installed."""
    if not jax_anchors.available():
        return None
    run, seconds = build()
    contenders[name] = run
    return seconds


def print_jax(seconds: dict | None) -> None:
    if seconds is None:
        return
    warm = "" if seconds["warm_up"] is None else f", warm-up call {seconds['warm_up']:.2f} s"
    print(f"JAX: compile {seconds['compile']:.2f} s{warm} (not in the times above)")


def jax_json(seconds: dict | None) -> dict:
    return {} if seconds is None else {"jax_compile_seconds": seconds["compile"],
                                       "jax_warm_up_seconds": seconds["warm_up"]}


def quiet_sklearn(fn):
    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning for a fixed budget
            return fn()
    return run


# ---------------------------------------------------------------------- case (a)

def _cat_contenders(X, y, dtype, iterations: int):
    """The fast race (deepstep, JAX) and the slow one (run once), the estimator, the bound."""
    XT, Y = X.T, y.reshape(1, -1).astype(dtype)               # (n, m) view, no copy
    m = X.shape[0]
    from sklearn.neural_network import MLPClassifier

    mlp = MLPClassifier(hidden_layer_sizes=CAT_DIMS[1:-1], solver="sgd",
                        learning_rate_init=0.0075, momentum=0.0, batch_size=m,
                        max_iter=iterations, alpha=0.0, tol=0.0,
                        n_iter_no_change=iterations + 1, shuffle=False, random_state=1)
    clf = DNNClassifier.from_course(hidden_layer_sizes=CAT_DIMS[1:-1], max_iter=iterations,
                                    learning_rate=0.0075, random_state=1)
    fast = {
        "deepstep L_layer_model": lambda: L_layer_model(XT, Y, CAT_DIMS,
                                                        num_iterations=iterations),
        "deepstep DNNClassifier": lambda: clf.fit(X, y),
    }
    jax_seconds = add_jax(fast, JAX_NAME, lambda: jax_anchors.cat_full_batch(
        X, y, CAT_DIMS, 0.0075, iterations))
    slow = {
        "seeds' algorithm (NumPy)": lambda: seeds_plain.L_layer_model(
            np.ascontiguousarray(XT), Y, CAT_DIMS, num_iterations=iterations, record_every=1),
        "scikit-learn MLPClassifier (sgd, full batch)": quiet_sklearn(lambda: mlp.fit(X, y)),
    }
    if torch is not None:
        Xt, Yt = torch.from_numpy(X), torch.from_numpy(y.astype(dtype)).reshape(-1, 1)
        net = torch_mlp(CAT_DIMS, dtype, seed=1)
        opt = torch.optim.SGD(net.parameters(), lr=0.0075)
        lossf = torch.nn.BCEWithLogitsLoss()

        def torch_run():
            for _ in range(iterations):
                opt.zero_grad()
                lossf(net(Xt), Yt).backward()
                opt.step()
        slow["PyTorch CPU (autograd, SGD)"] = torch_run
    rng = np.random.default_rng(0)
    Ws = [rng.standard_normal((CAT_DIMS[l], CAT_DIMS[l - 1])).astype(dtype) for l in range(1, 5)]

    def bound(its):
        """Only the products the maths needs (:func:`products_only`), ``its`` times."""
        def run():
            for _ in range(its):
                products_only(XT, Ws)
        return run
    slow["matrix products only (bound)"] = bound(iterations)
    return fast, slow, clf, bound, jax_seconds


def _cat_check(fast_r: dict, slow_r: dict, clf) -> dict:
    """Exactness against the seeds' algorithm: every recorded cost, final parameters."""
    p_ref, costs_ref = slow_r["seeds' algorithm (NumPy)"]
    p_ds, costs_ds = fast_r["deepstep L_layer_model"]
    costs_ref = np.array(costs_ref)

    def rel(a, b):
        return float(np.max(np.abs(np.asarray(a) - b) / np.abs(b)))

    def params_rel(p):
        return max(float(np.max(np.abs(p[k] - p_ref[k])) / np.max(np.abs(p_ref[k])))
                   for k in p_ref)
    return {
        "L_layer_model_cost_rel": rel(costs_ds, costs_ref[::100]),
        "L_layer_model_param_rel": params_rel(p_ds),
        "DNNClassifier_cost_rel": rel(clf.loss_curve_, costs_ref),
        "DNNClassifier_param_rel": params_rel(clf.parameters_),
    }


def _cat_plain_and_memory(X, y, dtype, iterations: int, rounds: int, bound) -> tuple:
    """The plain path (no Gram shortcut) per iteration against the bound, and the peak
    memory growth of ``fit`` (default settings) for C- and F-ordered X."""
    XT, Y = X.T, y.reshape(1, -1).astype(dtype)
    p0 = initialize_parameters_deep(CAT_DIMS, 1, init="lecun", dtype=dtype)
    acts = [get_activation(a) for a in ("relu", "relu", "relu", "sigmoid")]
    its = max(1, min(iterations, 100))

    def plain():
        weights = [[p0[f"W{l}"].copy(), p0[f"b{l}"].copy()] for l in range(1, 5)]
        Trainer(weights, acts, get_loss("binary_cross_entropy"), GradientDescent(0.0075),
                gram=False).fit(XT, Y, its)
    plain_s, _ = race({"plain": plain, "bound": bound(its)}, max(rounds, 5))
    plain = {"iterations": its, "seconds": plain_s,
             "ratio_to_bound": plain_s["plain"] / plain_s["bound"]}
    memory = {}
    for order in ("C", "F"):
        Xo = np.asarray(X, order=order)
        est = DNNClassifier.from_course(hidden_layer_sizes=CAT_DIMS[1:-1], max_iter=20,
                                        random_state=1)
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        est.fit(Xo, y)
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        memory[order] = {"peak_growth_bytes": peak, "X_bytes": Xo.nbytes,
                         "ratio": peak / Xo.nbytes}
    return plain, memory


def case_a(dtype, iterations: int, rounds: int, condition: str) -> dict:
    data = load_catvnoncat(_data_dir())
    X = images_to_matrix(data.train_x, dtype=dtype)          # (m, n): C-ordered examples
    y = data.train_y
    fast, slow, clf, bound, jax_seconds = _cat_contenders(X, y, dtype, iterations)
    fast_s, fast_r = race(fast, rounds)
    slow_s, slow_r = race(slow, 1)
    seconds = {**fast_s, **slow_s}
    check = _cat_check(fast_r, slow_r, clf)
    plain, memory = _cat_plain_and_memory(X, y, dtype, iterations, rounds, bound)

    name = np.dtype(dtype).name
    table(f"case (a) cat {CAT_DIMS}, full batch, {iterations} iterations, {name}, {condition}",
          seconds, "ms/iter", iterations, "deepstep L_layer_model")
    print_jax(jax_seconds)
    seeds = seconds["seeds' algorithm (NumPy)"]
    speedup = seeds / seconds["deepstep L_layer_model"]
    speedup_clf = seeds / seconds["deepstep DNNClassifier"]
    print(f"speed-up over the seeds' algorithm: {speedup:.1f}x (L_layer_model), "
          f"{speedup_clf:.1f}x (DNNClassifier)")
    print("vs the seeds' algorithm: costs max rel diff "
          f"{check['L_layer_model_cost_rel']:.1e} / {check['DNNClassifier_cost_rel']:.1e}, "
          f"final parameters {check['L_layer_model_param_rel']:.1e} / "
          f"{check['DNNClassifier_param_rel']:.1e} (L_layer_model / DNNClassifier)")
    its, plain_s = plain["iterations"], plain["seconds"]
    print(f"plain path (gram=False): {1000 * plain_s['plain'] / its:.3f} ms/iter, bound "
          f"{1000 * plain_s['bound'] / its:.3f} ms/iter, ratio {plain['ratio_to_bound']:.3f}")
    for order, mem in memory.items():
        print(f"fit peak memory growth, {order}-ordered X: {mem['peak_growth_bytes'] / 1e6:.1f} MB"
              f" = {mem['ratio']:.2f} x X ({mem['X_bytes'] / 1e6:.1f} MB)")
    return {"iterations": iterations, "seconds": seconds, "check": check,
            "speedup_vs_seeds": {"L_layer_model": speedup, "DNNClassifier": speedup_clf},
            "plain_path": plain, "fit_memory": memory, **jax_json(jax_seconds)}


# ---------------------------------------------------------------------- case (b), (c)

def mnist_like(dtype, m: int, seed: int = 0):
    """Gaussian inputs labelled by a random teacher network: learnable, MNIST-sized."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, MNIST_DIMS[0])).astype(dtype)
    W = rng.standard_normal((MNIST_DIMS[0], MNIST_DIMS[-1]))
    y = np.argmax(X @ W, axis=1)
    return X, y


def case_b(dtype, m: int, rounds: int, condition: str) -> dict:
    X, y = mnist_like(dtype, m)
    batch, lr = 128, 0.01
    from sklearn.neural_network import MLPClassifier

    clf = DNNClassifier.from_course(hidden_layer_sizes=MNIST_DIMS[1:-1], solver="gd",
                                    learning_rate=lr, batch_size=batch, max_iter=1,
                                    random_state=0)
    mlp = MLPClassifier(hidden_layer_sizes=MNIST_DIMS[1:-1], solver="sgd", momentum=0.0,
                        learning_rate_init=lr, batch_size=batch, max_iter=1, alpha=0.0,
                        shuffle=True, random_state=0)
    contenders = {"deepstep DNNClassifier": lambda: clf.fit(X, y),
                  "scikit-learn MLPClassifier (sgd)": quiet_sklearn(lambda: mlp.fit(X, y))}
    if torch is not None:
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        net = torch_mlp(MNIST_DIMS, dtype)
        opt = torch.optim.SGD(net.parameters(), lr=lr)
        lossf = torch.nn.CrossEntropyLoss()
        gen = torch.Generator().manual_seed(0)

        def torch_epoch():
            order = torch.randperm(m, generator=gen)
            for start in range(0, m, batch):
                idx = order[start:start + batch]
                opt.zero_grad()
                lossf(net(Xt[idx]), yt[idx]).backward()
                opt.step()
        contenders["PyTorch CPU (autograd, SGD)"] = torch_epoch
    jax_seconds = add_jax(contenders, JAX_NAME,
                          lambda: jax_anchors.sgd_epoch(X, y, MNIST_DIMS, lr, batch))
    contenders["minimal NumPy epoch by hand (no checks)"] = numpy_epoch.sgd_epoch(
        X, y, MNIST_DIMS, lr, batch)
    rng = np.random.default_rng(0)
    Ws = [rng.standard_normal((b, a)).astype(dtype) for a, b in itertools.pairwise(MNIST_DIMS)]

    def bound():
        """Only the products the maths needs (:func:`products_only`), batch by batch."""
        for start in range(0, m, batch):
            products_only(X[start:start + batch].T, Ws)
    contenders["matrix products only (bound)"] = bound
    seconds, _ = race(contenders, rounds)
    name = np.dtype(dtype).name
    table(f"case (b) {m} x {MNIST_DIMS}, softmax, mini-batches of {batch}, one epoch, {name}, "
          f"{condition}", seconds, "ms/epoch", 1, "deepstep DNNClassifier")
    print_jax(jax_seconds)
    return {"m": m, "batch_size": batch, "seconds": seconds,
            "final_loss_deepstep": clf.loss_curve_[-1], **jax_json(jax_seconds)}


def case_c(dtype, rows: int, rounds: int, condition: str) -> dict:
    X_train, y_train = mnist_like(dtype, 2000, seed=1)
    X, _ = mnist_like(dtype, rows, seed=2)
    from sklearn.neural_network import MLPClassifier

    clf = DNNClassifier.from_course(hidden_layer_sizes=MNIST_DIMS[1:-1], solver="adam",
                                    learning_rate=1e-3, max_iter=5, random_state=0)
    clf.fit(X_train, y_train)
    mlp = MLPClassifier(hidden_layer_sizes=MNIST_DIMS[1:-1], max_iter=5, random_state=0)
    quiet_sklearn(lambda: mlp.fit(X_train, y_train))()
    contenders = {"deepstep predict_proba": lambda: clf.predict_proba(X),
                  "scikit-learn predict_proba": lambda: mlp.predict_proba(X)}
    if torch is not None:
        net = torch_mlp(MNIST_DIMS, dtype)
        Xt = torch.from_numpy(X)

        def torch_predict():
            with torch.no_grad():
                return torch.softmax(net(Xt), dim=1).numpy()
        contenders["PyTorch CPU (no_grad, softmax)"] = torch_predict
    jax_seconds = add_jax(contenders, "JAX CPU (jit)",
                          lambda: jax_anchors.predict_proba(X, MNIST_DIMS))
    Ws = [np.asarray(clf.parameters_[f"W{l}"]) for l in range(1, len(MNIST_DIMS))]

    def bound():
        A = X.T
        for W in Ws:
            A = W @ A
    contenders["matrix products only (bound)"] = bound
    seconds, results = race(contenders, rounds)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    clf.predict_proba(X)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    name = np.dtype(dtype).name
    table(f"case (c) predict_proba, {rows} rows, {MNIST_DIMS}, {name}, {condition}",
          seconds, "ms/call", 1, "deepstep predict_proba")
    print_jax(jax_seconds)
    out = results["deepstep predict_proba"]
    print(f"predict_proba peak memory growth {peak / 1e6:.1f} MB (output {out.nbytes / 1e6:.1f} MB"
          f", one unbatched hidden layer would be {rows * MNIST_DIMS[1] * X.itemsize / 1e6:.0f} MB)"
          f"; dtype {out.dtype}")
    return {"rows": rows, "seconds": seconds, "peak_growth_bytes": peak,
            "output_dtype": str(out.dtype), **jax_json(jax_seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="a,b,c")
    parser.add_argument("--dtypes", default="float64,float32")
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes (a: 200 iterations, b: 6000 rows, c: 10000 rows)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--noisy", action="store_true",
                        help="run every case quiet, then again beside one busy process")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "latest.json"))
    args = parser.parse_args()
    cases = set(args.cases.split(","))
    dtypes = [np.dtype(d.strip()) for d in args.dtypes.split(",")]
    conditions = ["quiet", "noisy"] if args.noisy else ["quiet"]
    # A plain kill runs the finally blocks too, so the busy process never outlives us.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    if torch is None:
        print("PyTorch is not installed: its anchor is skipped (pip install torch==2.13.0)")
    else:
        torch.set_num_threads(os.cpu_count() or 1)
    if not jax_anchors.available():
        print(f"JAX is not installed: its anchor is skipped ({jax_anchors.INSTALL_HINT})")
    results: dict = {"machine": {"python": platform.python_version(), "numpy": np.__version__,
                                 "torch": None if torch is None else torch.__version__,
                                 "jax": jax_anchors.version(),
                                 "cpus": os.cpu_count(), "platform": platform.platform()},
                     "conditions": conditions}
    runs = {"a": (case_a, 200 if args.quick else 2500, args.rounds),
            "b": (case_b, 6000 if args.quick else 60000, args.rounds),
            "c": (case_c, 10000 if args.quick else 100000, max(args.rounds, 5))}
    for dtype in dtypes:
        for case, (fn, size, rounds) in runs.items():
            if case not in cases:
                continue
            slot = results.setdefault(f"case_{case}", {}).setdefault(dtype.name, {})
            for condition in conditions:
                with under(condition):
                    slot[condition] = fn(dtype.type, size, rounds, CONDITIONS[condition])
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nresults written to {out}")


if __name__ == "__main__":
    main()
