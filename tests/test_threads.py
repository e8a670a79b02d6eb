"""deepstep.training.threads: the BLAS thread count follows the machine's load."""

from __future__ import annotations

import time

import numpy as np
import pytest

from deepstep import DNNClassifier
from deepstep.estimators import prediction
from deepstep.training import threads
from deepstep.training.callbacks import Callback

threadpoolctl = pytest.importorskip("threadpoolctl")

# In a parallel run each worker's BLAS is lowered to its share of the cores
# (tests/conftest.py); these tests need the count a process starts with.
pytestmark = pytest.mark.usefixtures("blas_threads_of_the_machine")


def _blas_threads() -> int:
    return max(lib["num_threads"] for lib in threadpoolctl.threadpool_info()
               if lib["user_api"] == "blas")


class _Record(Callback):
    """Records the BLAS thread count seen at every batch."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def on_batch_end(self, batch, logs=None):
        self.seen.append(_blas_threads())


def _fit_recording(monkeypatch, setting, others=None):
    monkeypatch.setenv(threads.ENV, setting)
    monkeypatch.setattr(threads.BlasThreads, "EVERY", 0.0)  # look before every step
    monkeypatch.setattr(threads.BlasThreads, "MIN_MACS", 0)  # govern even this small fit
    monkeypatch.setattr(threads, "_LAST_LOOK", [False, -float("inf")])  # no earlier fit
    if others is not None:
        monkeypatch.setattr(threads, "others_running", lambda: others)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 5))
    y = (X[:, 0] > 0).astype(int)
    record = _Record()
    clf = DNNClassifier(hidden_layer_sizes=(4,), batch_size=16, max_iter=3, tol=None,
                        random_state=0, callbacks=[record])
    before = _blas_threads()
    clf.fit(X, y)
    assert _blas_threads() == before  # restored after the fit
    return record.seen, before


@pytest.mark.parametrize("value", ["auto", "AUTO", " off ", "1", "3", ""])
def test_policy_accepts_auto_off_and_counts(monkeypatch, value):
    monkeypatch.setenv(threads.ENV, value)
    expected = value.strip().lower() or "auto"
    assert threads.policy() == (int(expected) if expected.isdigit() else expected)


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_policy_refuses_anything_else_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv(threads.ENV, value)
    with pytest.raises(ValueError, match=f"DEEPSTEP_BLAS_THREADS.*{value!r}"):
        threads.policy()


def test_a_bad_setting_fails_before_training(monkeypatch):
    monkeypatch.setenv(threads.ENV, "many")
    record = _Record()
    clf = DNNClassifier(hidden_layer_sizes=(3,), max_iter=5, callbacks=[record])
    with pytest.raises(ValueError, match="DEEPSTEP_BLAS_THREADS"):
        clf.fit(np.zeros((8, 2)), np.arange(8) % 2)
    assert record.seen == []  # not one batch ran


@pytest.mark.parametrize(("cores", "base", "others", "expected"), [
    (2, 2, 0, 2), (2, 2, 1, 1), (2, 2, 5, 1), (8, 4, 2, 4), (8, 4, 6, 2), (4, 4, None, 4),
])
def test_wanted_is_the_cores_others_leave_within_one_and_the_start(monkeypatch, cores, base,
                                                                  others, expected):
    monkeypatch.setattr(threads, "_cores", lambda: cores)
    governor = threads.BlasThreads()
    governor._base = base
    assert governor.wanted(others) == expected


def test_others_running_excludes_this_process():
    others = threads.others_running()
    if others is None:
        pytest.skip("no /proc/loadavg here")
    assert isinstance(others, int) and others >= 0


def test_auto_lowers_blas_threads_while_others_run_and_restores_them(monkeypatch):
    if _blas_threads() < 2:
        pytest.skip("BLAS runs one thread here already")
    monkeypatch.setattr(threads, "_cores", lambda: 2)
    seen, before = _fit_recording(monkeypatch, "auto", others=1)
    # the first look only notes the busy core; the second, before the first
    # step, confirms it
    assert seen and set(seen) == {1}
    seen, _ = _fit_recording(monkeypatch, "auto", others=0)
    assert set(seen) == {min(before, 2)}


def test_a_fixed_count_holds_for_the_fit(monkeypatch):
    seen, _ = _fit_recording(monkeypatch, "1", others=0)
    assert set(seen) == {1}


def test_off_leaves_blas_alone(monkeypatch):
    seen, before = _fit_recording(monkeypatch, "off", others=7)
    assert set(seen) == {before}


def test_one_busy_look_alone_changes_nothing(monkeypatch):
    monkeypatch.setenv(threads.ENV, "auto")
    monkeypatch.setattr(threads, "_cores", lambda: 2)
    monkeypatch.setattr(threads, "_LAST_LOOK", [False, -float("inf")])
    looks = iter([1, 0, 1, 0, 1, 0] * 100)
    monkeypatch.setattr(threads, "others_running", lambda: next(looks))
    governor = threads.BlasThreads(every=0.0)
    with governor:
        for _ in range(20):
            governor.check()
            assert governor.threads is None  # threadpoolctl never even asked
    looks = iter([1, 1])
    with threads.BlasThreads(every=0.0) as governor:  # two in a row: confirmed
        governor.check()
        if _blas_threads() >= 2:
            assert governor.threads == 1


def test_a_busy_look_of_the_previous_fit_counts_as_the_first(monkeypatch):
    if _blas_threads() < 2:
        pytest.skip("BLAS runs one thread here already")
    monkeypatch.setenv(threads.ENV, "auto")
    monkeypatch.setattr(threads, "_cores", lambda: 2)
    monkeypatch.setattr(threads, "_LAST_LOOK", [False, -float("inf")])
    monkeypatch.setattr(threads, "others_running", lambda: 1)
    with threads.BlasThreads(every=10.0) as first:  # one look only: not yet confirmed
        assert first.threads is None
    with threads.BlasThreads(every=10.0) as second:  # its first look confirms
        assert second.threads == 1
        assert _blas_threads() == 1
    assert _blas_threads() >= 2


def test_overlapping_users_restore_the_original_count_once_the_last_ends(monkeypatch):
    if _blas_threads() < 2:
        pytest.skip("BLAS runs one thread here already")
    before = _blas_threads()
    monkeypatch.setenv(threads.ENV, "1")
    first = threads.BlasThreads().__enter__()
    second = threads.BlasThreads().__enter__()   # starts while the first holds 1 thread
    assert _blas_threads() == 1
    first.__exit__(None, None, None)              # the first ends before the second
    assert _blas_threads() == 1
    second.__exit__(None, None, None)
    assert _blas_threads() == before              # not the 1 the second saw at its start


def test_predict_proba_lowers_the_threads_while_the_cores_are_taken(monkeypatch):
    if _blas_threads() < 2:
        pytest.skip("BLAS runs one thread here already")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 5))
    clf = DNNClassifier(hidden_layer_sizes=(4,), max_iter=2, tol=None,
                        random_state=0).fit(X, X[:, 0] > 0)
    monkeypatch.setenv(threads.ENV, "auto")
    monkeypatch.setattr(threads, "_cores", lambda: 2)
    monkeypatch.setattr(threads, "_LAST_LOOK", [True, time.perf_counter()])
    monkeypatch.setattr(threads, "others_running", lambda: 1)
    monkeypatch.setattr(threads.BlasThreads, "MIN_MACS", 0)  # govern even this small predict
    seen = []
    real_forward = prediction.forward

    def recording_forward(*args, **kwargs):
        seen.append(_blas_threads())
        return real_forward(*args, **kwargs)
    monkeypatch.setattr(prediction, "forward", recording_forward)
    expected = clf.predict_proba(X)
    assert seen and set(seen) == {1}
    assert _blas_threads() >= 2
    monkeypatch.setenv(threads.ENV, "off")
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-12)


def test_small_work_leaves_blas_alone_without_looking(monkeypatch):
    monkeypatch.setenv(threads.ENV, "auto")
    looks = []
    monkeypatch.setattr(threads, "others_running", lambda: looks.append(1) or 1)
    monkeypatch.setattr(threads, "_LAST_LOOK", [True, time.perf_counter()])
    with threads.BlasThreads(every=0.0, macs=threads.BlasThreads.MIN_MACS / 2) as governor:
        governor.check()
        assert governor.threads is None
    assert looks == []
    with threads.BlasThreads(every=0.0, macs=threads.BlasThreads.MIN_MACS) as governor:
        governor.check()
    assert looks  # at the limit it looks


def test_auto_leaves_a_few_milliseconds_of_work_alone_an_explicit_count_does_not(monkeypatch):
    macs = (threads.BlasThreads.EXPLICIT_MIN_MACS + threads.BlasThreads.MIN_MACS) / 2
    looks = []
    monkeypatch.setattr(threads, "others_running", lambda: looks.append(1) or 1)
    monkeypatch.setattr(threads, "_LAST_LOOK", [True, time.perf_counter()])
    monkeypatch.setenv(threads.ENV, "auto")
    with threads.BlasThreads(every=0.0, macs=macs) as governor:
        governor.check()
        assert governor.threads is None
    assert looks == []
    monkeypatch.setenv(threads.ENV, "1")
    with threads.BlasThreads(every=0.0, macs=macs):
        assert _blas_threads() == 1
    monkeypatch.setenv(threads.ENV, "1")
    with threads.BlasThreads(every=0.0, macs=threads.BlasThreads.EXPLICIT_MIN_MACS / 2) as gov:
        assert gov.threads is None  # a one-row predict, say: not worth a call
