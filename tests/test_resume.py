"""Checkpoints, resume after SIGKILL, and crash-safe saving, with real subprocesses."""

import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from deepstep import DNNClassifier, load
from deepstep.training import BackupAndRestore, Callback

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

TRAIN = textwrap.dedent("""
    import sys, time
    import numpy as np
    from deepstep import DNNClassifier
    from deepstep.training import BackupAndRestore, Callback

    class Slow(Callback):          # gives the test time to kill us mid-fit
        def on_epoch_end(self, epoch, logs=None):
            time.sleep(pause)

    checkpoint, out, solver, batch_size = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    pause = float(sys.argv[5])     # seconds per epoch: only the run to be killed needs them
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 60))          # n_x > m: full-batch GD takes the Gram path
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    clf = DNNClassifier.from_course(hidden_layer_sizes=(6, 4), solver=solver, max_iter=120,
                                    learning_rate=0.05, batch_size=None if batch_size == "full"
                                    else int(batch_size), dropout=0.1 if solver == "adam" else 0.0,
                                    random_state=3,
                                    callbacks=[BackupAndRestore(checkpoint, every=7), Slow()])
    clf.fit(X, y)
    np.savez(out, loss=np.array(clf.loss_curve_), **clf.parameters_)
""")


def _start(tmp_path, args):
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.Popen([sys.executable, str(script), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(proc):
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()


def _run(tmp_path, name, args, kill_after=None):
    proc = _start(tmp_path, args)
    if kill_after is None:
        _finish(proc)
        return
    checkpoint = args[0]
    deadline = time.monotonic() + 60
    while not os.path.exists(checkpoint):       # wait for a first checkpoint
        assert proc.poll() is None, proc.communicate()[1].decode()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(kill_after)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL   # it really died mid-fit


@pytest.mark.parametrize("solver,batch_size", [("gd", "full"), ("adam", "8"),
                                               ("momentum", "16")])
def test_a_killed_fit_resumes_and_ends_bit_identical(tmp_path, solver, batch_size):
    ref_out, out = tmp_path / "ref.npz", tmp_path / "resumed.npz"
    # the uninterrupted reference runs meanwhile, in a process of its own
    ref = _start(tmp_path, [str(tmp_path / "ref.ckpt"), str(ref_out), solver, batch_size, "0"])
    ckpt = tmp_path / "run.ckpt"
    args = [str(ckpt), str(out), solver, batch_size]
    _run(tmp_path, "killed", [*args, "0.01"], kill_after=0.3)
    assert ckpt.exists() and not out.exists()
    _run(tmp_path, "resumed", [*args, "0"])         # the same command, restarted
    _finish(ref)
    assert not ckpt.exists()                        # deleted once the fit completed
    ref, got = np.load(ref_out), np.load(out)
    assert sorted(ref.files) == sorted(got.files)
    for key in ref.files:
        np.testing.assert_array_equal(got[key], ref[key], err_msg=key)
    assert len(got["loss"]) == 120


def test_resume_in_process_continues_from_the_checkpoint(tmp_path):
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((30, 5)), rng.integers(0, 2, 30)
    ckpt = tmp_path / "c.ckpt"

    def make(max_iter, delete=True):
        return DNNClassifier.from_course(hidden_layer_sizes=(4,), solver="momentum",
                                         max_iter=max_iter,
                                         batch_size=10, random_state=0,
                                         callbacks=[BackupAndRestore(ckpt, every=5,
                                                         delete_on_success=delete)])
    full = make(40).fit(X, y)
    make(20, delete=False).fit(X, y)               # stops after 20 epochs, keeps the file
    assert ckpt.exists()
    resumed = make(40).fit(X, y)                    # picks up at epoch 20
    assert resumed.n_iter_ == 40 and len(resumed.loss_curve_) == 40
    np.testing.assert_array_equal(resumed.loss_curve_, full.loss_curve_)
    for key, value in full.parameters_.items():
        np.testing.assert_array_equal(resumed.parameters_[key], value)


def test_a_checkpoint_of_another_network_is_refused(tmp_path):
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((30, 5)), rng.integers(0, 2, 30)
    ckpt = tmp_path / "c.ckpt"
    DNNClassifier.from_course(hidden_layer_sizes=(4,), max_iter=5, random_state=0,
                              callbacks=[BackupAndRestore(ckpt, delete_on_success=False)]).fit(X, y)
    with pytest.raises(ValueError, match="do not match"):
        DNNClassifier.from_course(hidden_layer_sizes=(3,), max_iter=5, random_state=0,
                                  callbacks=[BackupAndRestore(ckpt)]).fit(X, y)
    with pytest.raises(ValueError, match="every must be a positive integer"):
        DNNClassifier.from_course(max_iter=5, callbacks=[BackupAndRestore(tmp_path / "x", every=0)]
                                  ).fit(X, y)


SAVE_LOOP = textwrap.dedent("""
    import sys
    import numpy as np
    from deepstep import DNNClassifier

    path = sys.argv[1]
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 300)), rng.integers(0, 2, 50)
    models = [DNNClassifier.from_course(hidden_layer_sizes=(64,), max_iter=i + 1,
                                        random_state=i).fit(X, y)
              for i in range(3)]
    print("ready", flush=True)
    i = 0
    while True:
        models[i % 3].save(path)
        i += 1
""")


def test_a_process_killed_while_saving_never_leaves_a_broken_file(tmp_path):
    script = tmp_path / "save_loop.py"
    script.write_text(SAVE_LOOP)
    target = tmp_path / "model.dsm"
    seen_valid = 0
    for delay in (0.05, 0.13, 0.21, 0.37, 0.5):
        proc = subprocess.Popen([sys.executable, str(script), str(target)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        # whatever moment it died at, the file under the target name loads
        model = load(target)
        assert model.predict_proba(np.zeros((1, 300))).shape == (1, 2)
        seen_valid += 1
        leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".model.dsm.")]
        for p in leftovers:   # a killed writer may leave its temporary file, never the target
            p.unlink()
    assert seen_valid == 5


def test_a_checkpoint_path_in_a_missing_folder_fails_before_any_epoch(tmp_path):
    epochs = []

    class Count(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            epochs.append(epoch)

    ckpt = tmp_path / "missing" / "run.ckpt"
    X = np.random.default_rng(0).standard_normal((20, 3))
    clf = DNNClassifier(max_iter=50, callbacks=[BackupAndRestore(ckpt, every=10), Count()])
    with pytest.raises(FileNotFoundError, match=re.escape(f"BackupAndRestore: {ckpt}")):
        clf.fit(X, X[:, 0] > 0)
    assert epochs == []
    assert not (tmp_path / "missing").exists()
