"""Dask scale-out (issue 25): deepstep on a Dask array with a running dask.distributed client.

    python benchmarks/dask_scaleout.py [--quick] [--only minibatch|dataparallel|crossover]
                                       [--rows 400000] [--chunk 50000] [--features 100]
                                       [--rounds 3] [--out benchmarks/results/dask_scaleout.json]

Written against the public API only (``DNNClassifier(...).fit(X_dask, y)``,
``MLPClassifier(...).fit(X_dask, y)`` with a Client active), so it measures
whatever the checkout holds. X is a float32 Dask array of rows x features in
chunks of ``--chunk`` rows, persisted on the cluster before anything is timed;
y is in memory (numpy), from a fixed linear rule. ``--quick``: 100000 rows.

1. ``minibatch`` (mode A): one epoch of mini-batches of 256, 100-64-1, adam, on
   a LocalCluster(2 worker processes, 1 thread each): deepstep DNNClassifier
   and MLPClassifier on the Dask array, dask-ml's ``Incremental(sklearn
   MLPClassifier)`` on the same array (one pass), and deepstep in memory on
   ``X.compute()`` in this process (beside the idle cluster) and in a fresh
   subprocess. ``X.compute()`` arrives unaligned from distributed's
   deserialisation; NumPy's ``take`` copies such an array whole on every call,
   so the in-memory rows use an aligned copy, and one row fits the unaligned
   array itself to show what that costs. Seconds (best of interleaved rounds), deepstep/dask-ml, the
   task stream's parallelism (sum of task compute time / wall span; tasks by
   key prefix and by worker), bytes received by the client (see
   :class:`ClientBytes`) and peak resident memory of the client and workers.
2. ``dataparallel`` (mode B): full batch (batch_size=None, gd, 10 steps) and a
   large batch (batch_size=100000, adam, 2 epochs) on a 1-worker and a 2-worker
   cluster and in memory: seconds per step, speed-up of 2 workers over 1.
3. ``crossover``: for a few rows-per-step, one data-parallel step over 2
   workers (a stand-in built here from public pieces, not deepstep's own step:
   parameters scattered, each worker's half of the rows through
   ``Network.loss_and_gradient``, gradients gathered and added) against the
   same step in memory, and a tiny task's round trip: where data-parallel pays
   (the basis of ``deepstep.outofcore.DATA_PARALLEL_ROWS_PER_WORKER``).

dask-ml is optional and not a project dependency; install it in a private
virtual environment (``python -m venv --system-site-packages /tmp/dmlvenv &&
/tmp/dmlvenv/bin/pip install dask-ml``) and run this script with that Python.
Without it the dask-ml row is skipped with a message.

Results are written as JSON (benchmarks/results/dask_scaleout.json).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np

from deepstep import DNNClassifier, MLPClassifier

HIDDEN = (64,)


# --------------------------------------------------------------------------- measurement


class ClientBytes:
    """Bytes the client receives while the block runs (a context manager).

    Two counts: ``wire`` is every byte the client's own connections read
    (its scheduler stream and its RPC pool, i.e. to the scheduler and to
    workers directly), counted in ``distributed.comm.tcp.read_bytes_rw``,
    which reads each message's frames off a TCP stream; ``gathered`` is
    ``dask.sizeof`` of everything ``Client._gather`` returns (futures'
    results, ``compute``). The scheduler of a LocalCluster lives in the
    client's process too; its connections are not the client's and are not
    counted. TCP only (LocalCluster with processes=True).

    Parameters
    ----------
    client : distributed.Client
    """

    def __init__(self, client) -> None:
        self.client = client
        self.wire = 0
        self.gathered = 0

    def _tag(self, comm) -> None:
        stream = getattr(comm, "stream", None)
        if stream is not None:
            self._streams.add(id(stream))

    def __enter__(self) -> ClientBytes:
        import distributed.comm.tcp as tcp
        from dask.sizeof import sizeof

        client, pool = self.client, self.client.rpc
        self._streams: set[int] = set()
        self._tag(client.scheduler_comm.comm)
        for comms in (*pool.available.values(), *pool.occupied.values()):
            for comm in comms:
                self._tag(comm)
        self._real_connect, self._real_read = pool.connect, tcp.read_bytes_rw
        self._real_gather = client._gather

        async def connect(*args, **kwargs):
            comm = await self._real_connect(*args, **kwargs)
            self._tag(comm)
            return comm

        async def read_bytes_rw(stream, n):
            if id(stream) in self._streams:
                self.wire += n
            return await self._real_read(stream, n)

        async def gather(*args, **kwargs):
            out = await self._real_gather(*args, **kwargs)
            self.gathered += sizeof(out)
            return out

        pool.connect, tcp.read_bytes_rw, client._gather = connect, read_bytes_rw, gather
        return self

    def __exit__(self, *exc) -> None:
        import distributed.comm.tcp as tcp

        tcp.read_bytes_rw = self._real_read
        del self.client.rpc.connect  # the instance attribute; the class's method again
        del self.client._gather


class PeakRSS:
    """Peak resident memory of the client process and the workers during the block.

    Sampled every 10 ms with psutil (the workers of a LocalCluster are local
    processes); bytes, per process.
    """

    def __init__(self, client) -> None:
        import psutil

        pids = client.run(os.getpid)
        self.procs = {"client": psutil.Process()} | {
            f"worker {i}": psutil.Process(pid) for i, pid in enumerate(pids.values())}
        self.peak = dict.fromkeys(self.procs, 0)

    def _sample(self) -> None:
        for name, p in self.procs.items():
            with contextlib.suppress(Exception):
                self.peak[name] = max(self.peak[name], p.memory_info().rss)

    def _loop(self) -> None:
        while not self._stop.wait(0.01):
            self._sample()

    def __enter__(self) -> PeakRSS:
        self._stop = threading.Event()
        self._sample()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def stream_stats(records: list[dict]) -> dict:
    """Parallelism of a task stream: sum of compute time / wall span; tasks by prefix, worker."""
    from dask.utils import key_split

    spans, transfers = [], []
    prefixes, workers = Counter(), Counter()
    for rec in records:
        prefixes[key_split(rec["key"])] += 1
        workers[rec.get("worker", "?")] += 1
        for ss in rec.get("startstops", ()):
            if ss["action"] == "compute":
                spans.append((ss["start"], ss["stop"]))
            elif ss["action"] == "transfer":
                transfers.append(ss["stop"] - ss["start"])
    if not spans:
        return {"tasks": len(records), "parallelism": 0.0}
    busy = sum(b - a for a, b in spans)
    wall = max(b for _, b in spans) - min(a for a, _ in spans)
    return {"tasks": len(records), "compute_s": busy, "span_s": wall,
            "parallelism": busy / wall if wall > 0 else 0.0,
            "by_prefix": dict(prefixes.most_common(8)), "by_worker": dict(workers),
            "transfers": len(transfers), "transfer_s": float(sum(transfers))}


def measured(client, fn) -> tuple[float, dict]:
    """Seconds of ``fn()`` and, around it, task stream, bytes to the client, peak RSS."""
    from distributed import get_task_stream

    with get_task_stream(client) as ts, ClientBytes(client) as nb, PeakRSS(client) as mem:
        t = time.perf_counter()
        fn()
        seconds = time.perf_counter() - t
    return seconds, {"stream": stream_stats(ts.data), "client_wire_bytes": nb.wire,
                     "client_gathered_bytes": nb.gathered, "peak_rss": mem.peak}


def race(contenders: dict, rounds: int, client) -> tuple[dict, dict]:
    """Every contender once per round, interleaved; best seconds, and the best round's details."""
    best, info = dict.fromkeys(contenders, np.inf), {}
    every = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            if client is None or name.startswith("in memory"):
                t = time.perf_counter()
                fn()
                s, extra = time.perf_counter() - t, {}
            else:
                s, extra = measured(client, fn)
            every[name].append(s)
            if s < best[name]:
                best[name], info[name] = s, extra
    for name in contenders:
        info[name]["every_round_s"] = every[name]
    return best, info


# --------------------------------------------------------------------------- data


def cluster(n_workers: int):
    from distributed import Client, LocalCluster

    lc = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                      dashboard_address=None)
    return lc, Client(lc)


def make_data(client, rows: int, features: int, chunk: int):
    """X (float32 Dask array, persisted on the workers) and y (numpy, a fixed linear rule)."""
    import dask.array as da
    from distributed import wait

    X = da.random.default_rng(0).standard_normal((rows, features), chunks=(chunk, features),
                                                   dtype=np.float32)
    w = np.random.default_rng(1).standard_normal(features).astype(np.float32)
    X = client.persist(X)
    wait(X)
    y = (X @ w > 0).astype(np.int64).compute()  # only the labels come to the client
    return X, y


def load() -> str:
    return os.getloadavg().__repr__()


def have_dask_ml() -> bool:
    try:
        import dask_ml.wrappers  # noqa: F401
    except ImportError as exc:
        print(f"dask-ml is not importable ({exc}): the dask-ml row is skipped "
              f"(python: {sys.executable})")
        return False
    return True


# --------------------------------------------------------------------------- mode A


CHILD = """
import json, resource, sys, time
import numpy as np
from deepstep import DNNClassifier
X, y = np.load(sys.argv[1]), np.load(sys.argv[2])
t = time.perf_counter()
DNNClassifier(hidden_layer_sizes=(64,), solver="adam", batch_size=256, max_iter=1,
              random_state=0).fit(X, y)
s = time.perf_counter() - t
print(json.dumps({"fit_s": s,
                  "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def fresh_process_fit(X, y, rounds: int) -> dict:
    """The in-memory DNN fit in a fresh Python (no cluster in it): best of ``rounds``."""
    with tempfile.TemporaryDirectory() as tmp:
        xp, yp = Path(tmp) / "X.npy", Path(tmp) / "y.npy"
        np.save(xp, X)
        np.save(yp, y)
        runs = []
        for _ in range(rounds):
            out = subprocess.run([sys.executable, "-c", CHILD, str(xp), str(yp)],
                                 capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return min(runs, key=lambda r: r["fit_s"])


def minibatch(args) -> dict:
    lc, client = cluster(2)
    try:
        X, y = make_data(client, args.rows, args.features, args.chunk)
        print(f"\nmode A: one epoch of mini-batches of 256, {args.rows} x {args.features} "
              f"float32 in chunks of {args.chunk} -> 64 -> 1, adam; X persisted on a "
              f"LocalCluster(2 processes x 1 thread) before timing")
        Xm = X.compute()
        # X.compute() comes out of distributed's deserialisation at an odd address
        # (flags.aligned False), which some NumPy paths (ndarray.take) copy whole on
        # every call: the in-memory fits run on an aligned copy, as data loaded any
        # other way would be, and once on the unaligned array itself.
        aligned = Xm.copy()
        print(f"X.compute(): aligned={Xm.flags.aligned}, address % 64 = "
              f"{Xm.ctypes.data % 64}; the in-memory rows use an aligned copy unless named")
        kw = {"hidden_layer_sizes": HIDDEN, "batch_size": 256, "max_iter": 1}
        dnn = {"solver": "adam", "random_state": 0, **kw}
        contenders = {
            "deepstep DNNClassifier, Dask array": lambda: DNNClassifier(**dnn).fit(X, y),
            "deepstep MLPClassifier, Dask array":
                lambda: MLPClassifier(random_state=0, **kw).fit(X, y),
        }
        if have_dask_ml():
            import dask.array as da
            from dask_ml.wrappers import Incremental
            from sklearn.neural_network import MLPClassifier as SkMLP

            yd = client.persist(da.from_array(y, chunks=(X.chunks[0],)))
            contenders["dask-ml Incremental(sklearn MLPClassifier)"] = lambda: Incremental(
                SkMLP(hidden_layer_sizes=HIDDEN, batch_size=256, random_state=0),
                random_state=0).fit(X, yd, classes=[0, 1])
        contenders["in memory DNNClassifier (this process)"] = \
            lambda: DNNClassifier(**dnn).fit(aligned, y)
        contenders["in memory MLPClassifier (this process)"] = \
            lambda: MLPClassifier(random_state=0, **kw).fit(aligned, y)
        contenders["in memory DNN, unaligned X.compute()"] = \
            lambda: DNNClassifier(**dnn).fit(Xm, y)
        before = load()
        best, info = race(contenders, args.rounds, client)
        fresh = fresh_process_fit(aligned, y, args.rounds)
        best["in memory DNNClassifier (fresh subprocess)"] = fresh["fit_s"]
        info["in memory DNNClassifier (fresh subprocess)"] = {
            "peak_rss": {"subprocess": fresh["peak_rss"]}}
        ref = best.get("dask-ml Incremental(sklearn MLPClassifier)")
        print(f"load before {before}, after {load()}; best of {args.rounds} interleaved rounds")
        print(f"{'':46s} {'seconds':>8s} {'/dask-ml':>8s} {'par.':>5s} {'tasks':>6s} "
              f"{'to client':>10s} {'client RSS':>10s} {'worker RSS':>10s}")
        for name, s in best.items():
            d = info.get(name, {})
            st, rss = d.get("stream", {}), d.get("peak_rss", {})
            wrss = max((v for k, v in rss.items() if k.startswith("worker")), default=0)
            crss = rss.get("client", rss.get("subprocess", 0))
            print(f"{name:46s} {s:8.2f} {s / ref if ref else float('nan'):8.2f} "
                  f"{st.get('parallelism', float('nan')):5.2f} {st.get('tasks', 0):6d} "
                  f"{d.get('client_wire_bytes', 0) / 1e6:8.1f}MB {crss / 1e6:8.0f}MB "
                  f"{wrss / 1e6:8.0f}MB")
        for name, d in info.items():
            if "every_round_s" in d:
                print(f"  {name}: every round " + ", ".join(f"{v:.2f}" for v in
                                                          d["every_round_s"]) + " s")
            if "stream" in d:
                print(f"  {name}: tasks by prefix {d['stream'].get('by_prefix')}, by worker "
                      f"{d['stream'].get('by_worker')}; worker-to-worker transfers "
                      f"{d['stream'].get('transfers')}; gathered by the client "
                      f"{d['client_gathered_bytes'] / 1e6:.1f} MB (X is "
                      f"{X.nbytes / 1e6:.0f} MB)")
        return {"seconds": best, "details": info, "x_bytes": int(X.nbytes),
                "x_compute_aligned": bool(Xm.flags.aligned),
                "load_before": before, "load_after": load()}
    finally:
        client.close()
        lc.close()


# --------------------------------------------------------------------------- mode B


def dataparallel(args) -> dict:
    cases = {"full batch, gd, 10 steps": ({"solver": "gd", "batch_size": None,
                                           "learning_rate": 0.1}, 10, None),
             "batch 100000, adam, 2 epochs": ({"solver": "adam", "batch_size": 100_000}, 2,
                                              100_000)}
    print(f"\nmode B: data-parallel, {args.rows} x {args.features} float32 -> 64 -> 1")
    seconds: dict = {}
    details: dict = {}
    before = load()
    for _ in range(args.rounds):
        for where in ("2 workers", "1 worker", "in memory"):
            lc, client = cluster(1 if where == "1 worker" else 2)
            try:
                X, y = make_data(client, args.rows, args.features, args.chunk)
                if where == "in memory":
                    X = X.compute().copy()  # aligned (see minibatch)
                    client.close()
                    lc.close()
                    client = None
                for name, (kw, iters, batch) in cases.items():
                    steps = iters * (-(-args.rows // batch) if batch else 1)

                    def fit(X=X, y=y, kw=kw, iters=iters):
                        DNNClassifier(hidden_layer_sizes=HIDDEN, max_iter=iters,
                                      random_state=0, tol=None, **kw).fit(X, y)
                    if client is None:
                        t = time.perf_counter()
                        fit()
                        s, extra = time.perf_counter() - t, {}
                    else:
                        s, extra = measured(client, fit)
                    key = (name, where)
                    if s / steps < seconds.get(key, np.inf):
                        seconds[key], details[key] = s / steps, extra
            finally:
                if client is not None:
                    client.close()
                    lc.close()
    print(f"load before {before}, after {load()}; best of {args.rounds} rounds "
          "(whole fit incl. the first step / steps)")
    print(f"{'':34s} {'2 workers':>10s} {'1 worker':>10s} {'in memory':>10s} "
          f"{'x(2 vs 1)':>9s}  to client (2w)  par.(2w)")
    out = {}
    for name in cases:
        s2, s1, sm = (seconds[(name, w)] for w in ("2 workers", "1 worker", "in memory"))
        d2 = details[(name, "2 workers")]
        print(f"{name:34s} {1000 * s2:8.1f}ms {1000 * s1:8.1f}ms {1000 * sm:8.1f}ms "
              f"{s1 / s2:9.2f}  {d2['client_wire_bytes'] / 1e6:10.1f} MB  "
              f"{d2['stream']['parallelism']:6.2f}")
        out[name] = {"s_per_step": {w: seconds[(name, w)] for w in
                                    ("2 workers", "1 worker", "in memory")},
                     "speedup_2_over_1": s1 / s2,
                     "details": {w: details[(name, w)] for w in ("2 workers", "1 worker")}}
    out["load_before"], out["load_after"] = before, load()
    return out


# --------------------------------------------------------------------------- crossover


def part_gradient(X_rows, Y, weights, m_total):
    """One worker's share of a step: Network.loss_and_gradient on its rows (1/m of the whole)."""
    from deepstep.network import Network

    net = Network(weights, ["relu", "sigmoid"], "binary_cross_entropy")
    cost, grad = net.loss_and_gradient(X_rows.T, Y, m=m_total, penalty=False,
                                       check_finite=False)
    return float(cost) * X_rows.shape[0] / m_total, {k: v.copy() for k, v in grad.views.items()}


def best_of(fn, n: int) -> float:
    out = np.inf
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t)
    return out


def crossover(args) -> dict:
    import cloudpickle

    if __name__ != "__main__":  # workers cannot import this file: send the function by value
        cloudpickle.register_pickle_by_value(sys.modules[__name__])
    rng = np.random.default_rng(0)
    f = args.features
    weights = [(rng.standard_normal((64, f)).astype(np.float32) * 0.1,
                np.zeros((64, 1), np.float32)),
               (rng.standard_normal((1, 64)).astype(np.float32) * 0.1,
                np.zeros((1, 1), np.float32))]
    lc, client = cluster(2)
    rows_out = []
    try:
        workers = sorted(client.scheduler_info()["workers"])
        client.submit(int, 0).result()
        latency = best_of(lambda: client.submit(int, 0, pure=False).result(), 30)
        before = load()
        print(f"\ncrossover: one step of {f} -> 64 -> 1 (float32), in memory vs data-parallel "
              f"over 2 workers (parameters scattered, halves computed, gradients gathered); "
              f"tiny-task round trip {1000 * latency:.2f} ms; load {before}")
        print(f"{'rows/step':>10s} {'rows/worker':>11s} {'in memory':>10s} {'2 workers':>10s} "
              f"{'mem/dp':>7s}")
        for b in (1024, 8192, 32768, 100_000):
            X = rng.standard_normal((b, f)).astype(np.float32)
            Y = (rng.random((1, b)) > 0.5).astype(np.float32)
            half = b // 2
            xs = [client.scatter(X[:half], workers=[workers[0]]),
                  client.scatter(X[half:], workers=[workers[1]])]
            ys = [client.scatter(np.ascontiguousarray(Y[:, :half]), workers=[workers[0]]),
                  client.scatter(np.ascontiguousarray(Y[:, half:]), workers=[workers[1]])]

            def step(xs=xs, ys=ys, b=b):
                w = client.scatter(weights, broadcast=True, hash=False)
                parts = [client.submit(part_gradient, x, yy, w, b, workers=[wk], pure=False)
                         for x, yy, wk in zip(xs, ys, workers, strict=True)]
                cost, grads = 0.0, None
                for c, g in client.gather(parts):
                    cost += c
                    if grads is None:
                        grads = g
                    else:
                        for k in grads:
                            grads[k] += g[k]
                return cost, grads

            def local(X=X, Y=Y, b=b):
                return part_gradient(X, Y, weights, b)

            step()
            n = 20 if b <= 32768 else 8
            mem_s, dp_s = np.inf, np.inf
            for _ in range(3):  # interleaved
                mem_s = min(mem_s, best_of(local, n))
                dp_s = min(dp_s, best_of(step, n))
            print(f"{b:10d} {half:11d} {1000 * mem_s:8.2f}ms {1000 * dp_s:8.2f}ms "
                  f"{mem_s / dp_s:7.2f}")
            rows_out.append({"rows_per_step": b, "rows_per_worker": half,
                             "in_memory_s": mem_s, "two_workers_s": dp_s})
        return {"tiny_task_round_trip_s": latency, "rows": rows_out, "load_before": before,
                "load_after": load()}
    finally:
        client.close()
        lc.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["minibatch", "dataparallel", "crossover"])
    parser.add_argument("--quick", action="store_true", help="100000 rows")
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"
                                             / "dask_scaleout.json"))
    args = parser.parse_args()
    if args.quick:
        args.rows = 100_000
    import dask
    import distributed

    results = {"args": vars(args), "versions": {"dask": dask.__version__,
                                                "distributed": distributed.__version__},
               "python": sys.executable}
    if args.only in (None, "minibatch"):
        results["minibatch"] = minibatch(args)
    if args.only in (None, "dataparallel"):
        results["dataparallel"] = dataparallel(args)
    if args.only in (None, "crossover"):
        results["crossover"] = crossover(args)
    results["client_peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2, default=str))
    print(f"\nwritten {args.out}")


if __name__ == "__main__":
    main()
