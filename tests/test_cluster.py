"""Training on a Dask cluster where the data live: both modes, checks on the workers, faults.

The oracles are deepstep's own in-memory and in-process out-of-core fits
(bit for bit where the arithmetic is the same, to rounding where only the
order of a sum differs), the workers' own logs of what they sent out, and a
real ``LocalCluster`` of worker processes, one of which is killed mid-fit.
"""

import os
import signal
import time
import warnings

import h5py
import numpy as np
import pytest

import deepstep.outofcore as ooc
from deepstep import DNNClassifier, MLPClassifier
from deepstep.training import BackupAndRestore, Callback

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.xdist_group("cluster")  # one cluster's processes at a time

CHUNK = 500


def _data(m=2000, n_x=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n_x))
    y = (X[:, 0] - 0.5 * X[:, 1] ** 2 + 0.3 > 0).astype(int)
    return X, y


def _cluster():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    return cluster, distributed.Client(cluster)


@pytest.fixture(scope="module")
def client():
    cluster, c = _cluster()
    with c:
        yield c
    cluster.close()


def _same(a, b, exact=True):
    assert a.loss_curve_ == pytest.approx(b.loss_curve_, rel=0 if exact else 1e-12)
    for key, value in a.parameters_.items():
        if exact:
            np.testing.assert_array_equal(value, b.parameters_[key])
        else:
            np.testing.assert_allclose(value, b.parameters_[key], rtol=1e-9, atol=1e-12)


def _sent_out_of_cluster(client):
    """Bytes the workers sent to anyone but another worker (the client, the scheduler)."""
    def log(dask_worker):
        return [(e["who"], e["total"]) for e in dask_worker.transfer_outgoing_log]

    workers = set(client.scheduler_info()["workers"])
    return sum(total for entries in client.run(log).values() for who, total in entries
               if who not in workers)


# ------------------------------------------------------------ model to data

ADAM = {"hidden_layer_sizes": (6,), "solver": "adam", "batch_size": 100, "max_iter": 3,
        "random_state": 0, "tol": None}


def test_unshuffled_minibatches_on_the_workers_equal_the_in_memory_fit(client):
    X, y = _data()
    Xd = da.from_array(X, chunks=(CHUNK, 8))
    _same(DNNClassifier(shuffle=False, **ADAM).fit(Xd, y),
          DNNClassifier(shuffle=False, **ADAM).fit(X, y))
    mlp = {"hidden_layer_sizes": (6,), "batch_size": 100, "max_iter": 3, "random_state": 0,
           "shuffle": False}
    for solver in ("adam", "sgd"):
        a = MLPClassifier(solver=solver, **mlp).fit(Xd, y)
        b = MLPClassifier(solver=solver, **mlp).fit(X, y)
        assert a.loss_curve_ == b.loss_curve_
        for W, W_ in zip(a.coefs_, b.coefs_, strict=True):
            np.testing.assert_array_equal(W, W_)


def test_shuffled_minibatches_on_the_workers_equal_the_in_process_out_of_core_fit(
        client, tmp_path, monkeypatch):
    # The same draws (blocks, then rows in each block) as reading the blocks
    # of an h5 file in this process, whose blocks are made the Dask chunks.
    X, y = _data()
    monkeypatch.setattr(ooc, "BLOCK_BYTES", CHUNK * 8 * 8)
    with h5py.File(tmp_path / "X.h5", "w") as f:
        f["X"] = X
    with h5py.File(tmp_path / "X.h5", "r") as f:
        here = DNNClassifier(**ADAM).fit(f["X"], y)
    there = DNNClassifier(**ADAM).fit(da.from_array(X, chunks=(CHUNK, 8)), y)
    _same(there, here)
    assert there.loss_curve_[-1] < there.loss_curve_[0]  # and it learns


def test_a_diverging_fit_on_the_workers_stops_as_it_does_in_this_process(
        client, tmp_path, monkeypatch):
    # A learning rate that blows up: the same epoch, warning and parameters (those
    # at the start of the diverging block) as the in-process out-of-core fit.
    X, y = _data()
    monkeypatch.setattr(ooc, "BLOCK_BYTES", CHUNK * 8 * 8)
    kw = {**ADAM, "solver": "gd", "learning_rate": 1e6, "max_iter": 5}
    with h5py.File(tmp_path / "X.h5", "w") as f:
        f["X"] = X * 1e3
    with h5py.File(tmp_path / "X.h5", "r") as f, pytest.warns(Warning) as here_warnings:
        here = DNNClassifier(**kw).fit(f["X"], y)
    with pytest.warns(Warning) as there_warnings:
        there = DNNClassifier(**kw).fit(da.from_array(X * 1e3, chunks=(CHUNK, 8)), y)
    assert [str(w.message) for w in there_warnings] == [str(w.message) for w in here_warnings]
    assert any("diverge" in str(w.message).lower() for w in there_warnings)
    _same(there, here)
    assert all(np.isfinite(v).all() for v in there.parameters_.values())


def test_no_row_of_x_reaches_the_client(client):
    X, y = _data()
    Xd = da.from_array(X, chunks=(CHUNK, 8)).persist()
    distributed.wait(Xd)
    before = _sent_out_of_cluster(client)
    with distributed.get_task_stream() as stream:
        DNNClassifier(**ADAM).fit(Xd, y)
    sent = _sent_out_of_cluster(client) - before
    assert sent < CHUNK * 8 * 8, sent  # the model and the costs: less than one chunk
    ran = {t["worker"] for t in stream.data if "train_block" in str(t["key"])}
    assert len(ran) == 2  # the blocks were trained where each lives, on both workers
    # The measure sees rows when they do cross: gathering X sends all of it.
    Xd.compute()
    assert _sent_out_of_cluster(client) - before - sent >= X.nbytes


def test_the_checks_of_x_run_on_the_workers(client):
    X, y = _data()
    X[1234, 3] = np.nan
    Xd = da.from_array(X, chunks=(CHUNK, 8)).persist()
    distributed.wait(Xd)
    before = _sent_out_of_cluster(client)
    with pytest.raises(ValueError, match=r"NaN or infinite.*row 1234"):
        DNNClassifier(**ADAM).fit(Xd, y)
    assert _sent_out_of_cluster(client) - before < 2000
    # A chunk whose array is not the shape X's metadata promise is named.
    import dask

    parts = [da.from_delayed(dask.delayed(np.zeros)((CHUNK, 8 if i else 7)), (CHUNK, 8), float)
             for i in range(2)]
    with pytest.raises(ValueError, match=r"rows 0 to 500 holds an array of shape \(500, 7\)"):
        DNNClassifier(**ADAM).fit(da.concatenate(parts), y[:2 * CHUNK])


# ------------------------------------------------------------ data-parallel

def test_data_parallel_minibatches_equal_the_in_memory_fit(client, monkeypatch):
    # Each batch is drawn from all the rows, as in memory, and its gradient
    # summed over the chunks in a fixed order: equal to rounding, shuffled too.
    monkeypatch.setattr(ooc, "DATA_PARALLEL_ROWS_PER_WORKER", 200)
    X, y = _data()
    kw = {**ADAM, "batch_size": 400}
    source = ooc.DaskClusterSource(da.from_array(X, chunks=(CHUNK, 8)),
                                   y.reshape(1, -1).astype(float), client, np.float64, 400)
    assert source.mode == "data-parallel"
    _same(DNNClassifier(**kw).fit(da.from_array(X, chunks=(CHUNK, 8)), y),
          DNNClassifier(**kw).fit(X, y), exact=False)
    assert ooc.cluster_mode(399, 2) == "model-to-data"
    assert ooc.cluster_mode(None, 2) == "data-parallel"


# ------------------------------------------------------------ a lost worker

class _KillAt(Callback):
    """SIGKILL one worker process at the given (epoch, batch) of a fit."""

    def __init__(self, client, epoch, batch=0):
        self.client, self.at, self.pids = client, (epoch, batch), None
        self.killed = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_batch_end(self, batch, logs=None):
        if self.killed is None and (self.epoch, batch) == self.at:
            address, pid = sorted(self.client.run(os.getpid).items())[1]
            os.kill(pid, signal.SIGKILL)
            self.killed = address


@pytest.mark.parametrize("kw", [
    {**ADAM, "max_iter": 4},
    {"hidden_layer_sizes": (6,), "solver": "gd", "batch_size": None, "max_iter": 8,
     "learning_rate": 0.5, "random_state": 0, "tol": None}],
    ids=["model-to-data", "data-parallel"])
def test_a_worker_killed_mid_fit_is_survived_with_the_same_model(kw):
    X, y = _data()
    cluster, client = _cluster()
    with cluster, client:
        Xd = da.from_array(X, chunks=(CHUNK, 8))
        whole = DNNClassifier(**kw).fit(Xd, y)
        kill = _KillAt(client, epoch=1 if kw["batch_size"] else 3)
        survived = DNNClassifier(callbacks=[kill], **kw).fit(Xd, y)
        assert kill.killed is not None
        assert kill.killed not in client.scheduler_info()["workers"]
    _same(survived, whole)


class _Crash(Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt


def test_a_fit_resumes_from_its_checkpoint_on_the_surviving_cluster(tmp_path):
    X, y = _data()
    cluster, client = _cluster()
    with cluster, client:
        Xd = da.from_array(X, chunks=(CHUNK, 8)).persist()
        whole = DNNClassifier(**{**ADAM, "max_iter": 4}).fit(Xd, y)
        backup = BackupAndRestore(tmp_path / "ckpt")
        with pytest.raises(KeyboardInterrupt):
            DNNClassifier(callbacks=[backup, _Crash()], **{**ADAM, "max_iter": 4}).fit(Xd, y)
        address, pid = sorted(client.run(os.getpid).items())[0]
        os.kill(pid, signal.SIGKILL)  # the worker, and the chunks it held, are gone
        deadline = time.monotonic() + 30
        while address in client.scheduler_info()["workers"] and time.monotonic() < deadline:
            time.sleep(0.1)
        resumed = DNNClassifier(callbacks=[BackupAndRestore(tmp_path / "ckpt")],
                                **{**ADAM, "max_iter": 4}).fit(Xd, y)
    _same(resumed, whole)


def test_work_dask_cannot_recompute_stops_the_fit_with_one_clear_error(tmp_path):
    # Chunks scattered from this process have no recipe: when the worker
    # holding one dies, the fit stops at once, naming the worker.
    X, y = _data()
    cluster, client = _cluster()
    with cluster, client:
        futures = [client.scatter(X[a:a + CHUNK]) for a in range(0, len(X), CHUNK)]
        Xd = da.concatenate([da.from_delayed(f, (CHUNK, 8), X.dtype) for f in futures])
        kill = _KillAt(client, epoch=1)
        with pytest.raises(RuntimeError, match=r"Dask worker tcp://.* was lost.*BackupAndRestore"):
            DNNClassifier(callbacks=[kill], **{**ADAM, "max_iter": 6}).fit(Xd, y)


def test_a_dask_dataframe_and_its_values_train_on_the_workers(client):
    # .values has chunks of unknown length; they are counted on the workers.
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    X, y = _data()
    ddf = dd.from_pandas(pd.DataFrame(X, columns=[f"f{i}" for i in range(8)]), npartitions=4)
    assert np.isnan(ddf.values.chunks[0][0])
    reference = DNNClassifier(shuffle=False, **ADAM).fit(X, y)
    for data in (ddf, ddf.values):
        fitted = DNNClassifier(shuffle=False, **ADAM).fit(data, y)
        _same(fitted, reference)
        np.testing.assert_array_equal(fitted.predict(data), reference.predict(X))
    mlp = MLPClassifier(hidden_layer_sizes=(6,), batch_size=100, max_iter=2, shuffle=False,
                        random_state=0).fit(ddf.values, y)
    np.testing.assert_array_equal(mlp.predict(ddf.values),
                                  MLPClassifier(hidden_layer_sizes=(6,), batch_size=100,
                                                max_iter=2, shuffle=False,
                                                random_state=0).fit(X, y).predict(X))


def test_predictions_run_on_the_workers_too(client):
    X, y = _data()
    Xd = da.from_array(X, chunks=(CHUNK, 8)).persist()
    distributed.wait(Xd)
    dnn = DNNClassifier(**ADAM).fit(X, y)
    mlp = MLPClassifier(hidden_layer_sizes=(6,), batch_size=100, max_iter=2,
                        random_state=0).fit(X, y)
    before = _sent_out_of_cluster(client)
    for model in (dnn, mlp):
        np.testing.assert_array_equal(model.predict_proba(Xd), model.predict_proba(X))
        assert model.score(Xd, y) == model.score(X, y)
    np.testing.assert_array_equal(dnn.predict_log_proba(Xd), dnn.predict_log_proba(X))
    # Five passes, each sending back one float64 output per row, never the rows
    # themselves (X is 8 values per row; one pass of it would be 128 kB).
    outputs = 5 * len(X) * 8
    assert _sent_out_of_cluster(client) - before < 1.25 * outputs + 4096 < X.nbytes
    bad = X.copy()
    bad[777, 2] = np.inf
    for model in (dnn, mlp):
        with pytest.raises(ValueError, match=r"NaN or infinite.*row 777"):
            model.predict(da.from_array(bad, chunks=(CHUNK, 8)))
        with pytest.raises(ValueError, match="expects 8 features"):
            model.predict(da.zeros((10, 3), chunks=(5, 3)))


class _Warmup(Callback):
    """Changes the learning rate between batches: impossible where the model travels."""

    def on_batch_begin(self, batch, logs=None):
        self.trainer.optimizer.learning_rate = 1e-4 * (batch + 1)


def test_a_batch_callback_that_would_change_training_is_warned_about(client):
    X, y = _data()
    Xd = da.from_array(X, chunks=(CHUNK, 8))
    with pytest.warns(UserWarning, match=r"_Warmup: on a Dask cluster.*on_epoch_begin"):
        DNNClassifier(callbacks=[_Warmup()], **ADAM).fit(Xd, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # deepstep's own batch callbacks: silent
        DNNClassifier(verbose=True, **ADAM).fit(Xd, y)


def test_recording_a_cluster_fit_takes_only_its_sample_of_rows(client):
    from deepstep import recording

    X, y = _data()
    Xd = da.from_array(X, chunks=(CHUNK, 8)).persist()
    distributed.wait(Xd)
    before = _sent_out_of_cluster(client)
    with recording(sample=16):
        DNNClassifier(**ADAM).fit(Xd, y)
    assert _sent_out_of_cluster(client) - before < CHUNK * 8 * 8  # not a whole block


def test_cluster_predictions_follow_this_threads_block_settings(client, monkeypatch):
    # The forward sent to the workers carries this thread's predict_* settings,
    # and predicts under them (a worker's own settings are the defaults).
    from deepstep import config_context
    from deepstep.estimators import placement, prediction

    X, y = _data()
    model = DNNClassifier(**ADAM).fit(X, y)
    sent, real = [], placement.outputs_out_of_core

    def spy(*args):
        sent.append(args[-1])
        return real(*args)

    monkeypatch.setattr(placement, "outputs_out_of_core", spy)
    with config_context(predict_max_rows=64):
        got = model.predict_proba(da.from_array(X, chunks=(CHUNK, 8)))
    np.testing.assert_array_equal(got, model.predict_proba(X))
    assert sent[0].keywords["config"] == {"predict_block_bytes": 16 * 2**20,
                                          "predict_max_rows": 64}
    sizes = []
    monkeypatch.setattr(prediction, "block_rows", lambda *a: sizes.append(
        prediction.get_config()["predict_max_rows"]) or 64)
    sent[0](X[:200])  # as a worker runs it, in a thread with the default settings
    assert sizes == [64]
