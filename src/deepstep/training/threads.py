"""How many BLAS threads a fit uses: fewer while other processes want the cores.

OpenBLAS splits every matrix product over all its threads and waits for the
slowest. When another process is busy on one of the cores (a CI job,
``GridSearchCV(n_jobs=2)``, a Dask worker, a shared box), the thread that
shares a core with it runs a time slice late, and every product of a fit
waits for it: a mini-batch epoch then takes 2-3x as long as on one thread.
:class:`BlasThreads` looks, every few steps, at how many tasks outside this
process are running and lowers the BLAS thread count to the cores that are
left (never below 1, never above what the fit started with), raising it
again when they are free. It changes no arithmetic deepstep does; like
running on a machine with fewer cores, it can change the last bits of a
product's rounding.

The ``DEEPSTEP_BLAS_THREADS`` environment variable chooses the policy:
``auto`` (the default) as above; a positive integer ``n``: exactly ``n``
BLAS threads during every fit, and every prediction of at least
:attr:`BlasThreads.EXPLICIT_MIN_MACS` multiply-adds, whatever the load
(bit-for-bit reproducible fits and predictions on a loaded machine: on two
cores OpenBLAS 0.3.31 gives some products different last bits on one and on
two threads, e.g. (k, 784) x (784, 256) for each k tried, 7, 100, 1000, 5000
and 16384, not 1, in float32 and float64); ``off``: leave the BLAS thread
count alone. With ``n`` below the core count a prediction runs on fewer
cores than a library left at its default (scikit-learn's ``predict_proba``
on a 10,000-row digits-sized network: at par with deepstep's on one thread
against its two, about 1.25x slower, best of 21, on one thread each;
``benchmarks/predict_vs_sklearn.py``).
"""

from __future__ import annotations

import glob
import os
import threading
import time
from typing import Any

__all__ = ["BlasThreads", "others_running", "policy"]

ENV = "DEEPSTEP_BLAS_THREADS"
_BLAS: list[Any] = []  # threadpoolctl's view of the BLAS libraries, found once (~10 ms)
#: The last look of any fit in this process: (busy, when). A fit that starts
#: within a second of a busy look (the next fit of a grid search or of a
#: benchmark's rounds) takes it as its own first look.
_LAST_LOOK: list[Any] = [False, -float("inf")]
#: The BLAS thread count is one per process, shared by fits and predictions
#: running in several threads at once: the first to change it keeps the
#: original counts (threadpoolctl's limiter) and the last to finish restores
#: them, so an overlap never leaves BLAS on the lowered count.
_SHARED: dict[str, Any] = {"users": 0, "limiter": None, "base": None}
_LOCK = threading.Lock()


def policy() -> str | int:
    """The ``DEEPSTEP_BLAS_THREADS`` setting: ``"auto"``, ``"off"`` or a thread count.

    Raises
    ------
    ValueError
        For any other value, naming the variable and what it holds.
    """
    value = os.environ.get(ENV, "auto").strip().lower() or "auto"
    if value in ("auto", "off"):
        return value
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"{ENV} must be 'auto', 'off' or a positive integer, got "
                         f"{os.environ[ENV]!r}")
    return n


def others_running() -> int | None:
    """Tasks running or runnable on this machine now, this process's threads excluded.

    Read from Linux's ``/proc`` (the instantaneous ``running`` field of
    ``/proc/loadavg``, minus this process's threads in state R, which
    include its own spinning BLAS threads); None where ``/proc`` has no
    such files.
    """
    try:
        with open("/proc/loadavg") as f:
            running = int(f.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return None
    own = 0
    for path in glob.glob("/proc/self/task/*/stat"):
        try:
            with open(path) as f:
                stat = f.read()
        except OSError:  # the thread ended meanwhile
            continue
        # The state follows the parenthesised name, which may hold spaces.
        if stat[stat.rindex(")") + 2:stat.rindex(")") + 3] == "R":
            own += 1
    return max(running - own, 0)


def _blas_controller() -> Any:
    """threadpoolctl's controller of the loaded BLAS libraries, or None without threadpoolctl."""
    if not _BLAS:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # the plain NumPy install: leave BLAS as it is
            return None
        _BLAS.append(ThreadpoolController().select(user_api="blas"))
    return _BLAS[0]


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class BlasThreads:
    """A fit's BLAS thread count: a context manager the trainer polls with :meth:`check`.

    Parameters
    ----------
    every : float, optional
        Seconds between two looks at the machine's load (default
        :attr:`EVERY`; a look reads a few small ``/proc`` files, tens to a
        couple of hundred microseconds; between looks :meth:`check` only
        reads the clock).
    macs : float, optional
        About how many multiply-adds the governed work does. Below
        :attr:`MIN_MACS` (``auto``) or :attr:`EXPLICIT_MIN_MACS` (an explicit
        count) the BLAS thread count is left alone and the load never looked
        at: such work takes a few milliseconds at most, and governing it
        costs more than it saves. None: unknown, governed.
    """

    #: Default seconds between two looks.
    EVERY = 0.05
    #: Work below which ``auto`` leaves the thread count alone: a few
    #: milliseconds of products (a 10,000-row predict of a digits-sized
    #: network is 7.4e7), where lowering and restoring the count costs more
    #: than the contention it avoids (10,000 rows beside a busy process:
    #: 2.2 ms ungoverned, 3.0-3.3 ms governed, scikit-learn 2.8 ms).
    MIN_MACS = 1e8
    #: An explicit ``DEEPSTEP_BLAS_THREADS=N`` applies from here up (or from
    #: :attr:`MIN_MACS`, if lower): below it, one call to set the count would
    #: be a large part of the work (predicting one row, say).
    EXPLICIT_MIN_MACS = 2e7

    def __init__(self, every: float | None = None, macs: float | None = None) -> None:
        self.every = self.EVERY if every is None else every
        self._macs = macs
        self._last = -float("inf")
        self._controller: Any = None
        self._holds = False  # this instance counts among _SHARED["users"]
        self._base = 1
        self._current: int | None = None
        self._auto = False
        self._busy = False  # what the last look found
        self._setting = policy()  # a bad value fails here, before any work

    def __enter__(self) -> BlasThreads:
        setting, macs = self._setting, self._macs
        if macs is not None and macs < (self.MIN_MACS if setting == "auto"
                                        else min(self.MIN_MACS, self.EXPLICIT_MIN_MACS)):
            setting = "off"
        busy, when = _LAST_LOOK
        self._last, self._busy = -float("inf"), busy and time.perf_counter() - when < 1.0
        if setting == "auto":
            # threadpoolctl is first asked (~10-30 ms, once per process) when
            # a look finds the cores taken; a quiet machine never pays it.
            self._auto = True
            self.check()
        elif setting != "off" and self._connect():
            self._set(int(setting))
        return self

    def _connect(self) -> bool:
        """Find the BLAS libraries and their thread count; False if there are none."""
        if self._controller is None:
            controller = _blas_controller()
            counts = [] if controller is None else [lib["num_threads"]
                                                    for lib in controller.info()]
            if not counts:
                self._auto = False  # nothing to manage
                return False
            with _LOCK:  # while another fit holds it lowered, its original count
                base = _SHARED["base"] if _SHARED["limiter"] is not None else max(counts)
            self._controller, self._base = controller, base
            self._current = max(counts)
        return True

    def __exit__(self, *exc: Any) -> None:
        with _LOCK:
            if self._holds:
                _SHARED["users"] -= 1
                if _SHARED["users"] == 0:
                    _SHARED["limiter"].restore_original_limits()
                    _SHARED["limiter"] = _SHARED["base"] = None
        self._holds = False
        self._controller = None
        self._current = None

    @property
    def threads(self) -> int | None:
        """The BLAS thread count in force now (None: not changed by this fit so far)."""
        return self._current

    def wanted(self, others: int | None) -> int:
        """The thread count for ``others`` competing tasks: the cores they leave, in [1, base]."""
        if others is None:
            return self._base
        return max(1, min(self._base, _cores() - others))

    def check(self) -> None:
        """At most every :attr:`every` seconds, match the thread count to the load (``auto``)."""
        if not self._auto:
            return
        now = time.perf_counter()
        if now - self._last < self.every:
            return
        self._last = now
        others = others_running()
        # A task seen running in one look only is usually a kernel thread or
        # a short-lived process: the threads go down when two looks in a
        # row find the cores taken, and up again at the first look that
        # finds them free.
        busy = bool(others)
        confirmed, self._busy = busy and self._busy, busy
        _LAST_LOOK[:] = [busy, now]
        if busy and not confirmed:
            return
        if self._controller is None and not busy:
            return  # all cores free, BLAS untouched so far: nothing to change
        if self._connect():
            self._set(self.wanted(others))

    def _set(self, n: int) -> None:
        if n == self._current and self._holds:
            return
        with _LOCK:
            if _SHARED["limiter"] is None:
                _SHARED["limiter"] = self._controller.limit(limits=n)
                _SHARED["base"] = self._base
            else:
                self._controller.limit(limits=n)
            if not self._holds:
                _SHARED["users"] += 1
                self._holds = True
        self._current = n
