"""OpenBLAS's own thread count, read and set through the library NumPy has already loaded.

``threads.split_batch`` runs two halves of a batch in two Python threads; each half's GEMMs
would otherwise ask OpenBLAS for its threads too (it threads a GEMM above about 2^18
multiply-adds), and two callers each wanting both cores of a 2-core machine oversubscribe
it. ``one_thread()`` sets OpenBLAS to one thread for the duration of a ``with`` block and
restores the count after (OpenBLAS's setting is process-wide: other threads' BLAS calls run
single-threaded for that time too).

No new dependency (threadpoolctl does this in general): the already loaded library is found
in ``/proc/self/maps`` and opened with ``ctypes`` (``dlopen`` of a loaded library returns
it, loading nothing new), and its ``*_get_num_threads*`` / ``*_set_num_threads*`` symbols
are called. Where any of this is missing (not Linux, another BLAS, other symbol names),
``available()`` is False and ``one_thread()`` does nothing.

``fit_to_idle_cores()`` is the command line's guard against a busy machine (the library
itself never changes the count unasked). OpenBLAS starts one thread per core and, on every
product above its threshold, hands part of it to the others and waits for them; when another
process holds a core, the thread placed there runs only when the scheduler gives it a turn,
and the whole product waits for it. Measured on this project's 2-core machine (``npseq2seq
demo``, the same losses every way), beside a training run of the tutorial's recipe started
at nice 19 in a session of its own (``setsid``: Linux's autogroups then share the cores
between sessions fairly, whatever the nice value, as between two users' terminals): an
epoch took 73–132 s with OpenBLAS's two threads and 2.0–2.1 s with the guard's one (119 s
and 2.0 on another day); beside two such runs, 13.7 s and 2.8 (10.1 CPU s against 2.5: the
waiting thread spins). Beside the same run started from the demo's own session, where its
nice value makes it yield, the two threads lost little or nothing (1.7–2.5 s against the
guard's 2.0–2.1), and beside a nice-19 Python loop that only spins, 2.0–2.3 s against
1.7–1.8. On the idle machine the two threads took 1.4 or 2.1 s an epoch from one run to the
next, one thread 1.8–1.9: the guard then changes nothing.

The guard counts the cores other work holds right now, from the kernel's count of threads
running or waiting to run (``/proc/loadavg``'s fourth field, the least of three readings
3 ms apart, this reader left out; about 6 ms), and, if OpenBLAS has more threads than the
cores left, sets it to that many (at least one) while the command runs. Not the load
average: it lags by a minute, so a command started just after another one ended counts
that one as still running (measured: a demo started right after another read a load of 0.6
on the idle machine and took one thread). An ``OPENBLAS_NUM_THREADS``, ``GOTO_NUM_THREADS``
or ``OMP_NUM_THREADS`` the user set is left as it is. Count before the first product:
OpenBLAS's own threads spin for a while after one and would count as other work (measured:
still 50 ms after, no longer 550 ms after).
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import time

__all__ = ["available", "get_num_threads", "set_num_threads", "one_thread", "busy_cores",
           "idle_cores", "fit_to_idle_cores", "USER_SETTINGS"]

USER_SETTINGS = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")   # what OpenBLAS reads

# (get, set) pairs: scipy-openblas's wheel (NumPy ≥ 2), OpenBLAS built with 64-bit ints, plain
_SYMBOLS = (("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
            ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
            ("openblas_get_num_threads", "openblas_set_num_threads"))
_found: tuple | None | bool = False     # False: not looked for yet


def _find():
    """The loaded OpenBLAS's (get, set) functions, or None."""
    import numpy  # noqa: F401  (its BLAS must be loaded before we look for it)
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps
                            if "openblas" in line.rsplit("/", 1)[-1].lower() and ".so" in line})
    except OSError:
        return None
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for get, set_ in _SYMBOLS:
            if hasattr(lib, get) and hasattr(lib, set_):
                getter, setter = getattr(lib, get), getattr(lib, set_)
                getter.restype, getter.argtypes = ctypes.c_int, []
                setter.restype, setter.argtypes = None, [ctypes.c_int]
                return getter, setter
    return None


def _functions():
    global _found
    if _found is False:
        _found = _find()
    return _found


def available() -> bool:
    return _functions() is not None


def get_num_threads() -> int | None:
    """OpenBLAS's thread count, or None where it cannot be read."""
    found = _functions()
    return None if found is None else int(found[0]())


def set_num_threads(threads: int) -> bool:
    """Set OpenBLAS's thread count (process-wide); False where it cannot be set."""
    if isinstance(threads, bool) or int(threads) != threads or threads < 1:
        raise ValueError(f"threads must be a positive integer, received {threads!r}")
    found = _functions()
    if found is None:
        return False
    found[1](int(threads))
    return True


def _runnable() -> int:
    """Threads running or waiting for a core on this machine right now, this one included
    (the fourth field of ``/proc/loadavg``, "runnable/total"); OSError where there is none."""
    with open("/proc/loadavg") as f:
        return int(f.read().split()[3].split("/")[0])


def busy_cores(readings: int = 3, pause: float = 0.003) -> int:
    """Cores other work holds right now: the fewest threads found running or waiting to run,
    this reader left out, over ``readings`` readings ``pause`` seconds apart (a brief process
    shows in one reading, a busy one in all). Where that cannot be read, the one-minute load
    average, rounded (a core busy half the time or more counts); where neither, 0."""
    try:
        found = []
        for k in range(readings):
            if k:
                time.sleep(pause)
            found.append(_runnable() - 1)
        return max(0, min(found))
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.getloadavg()[0] + 0.5)
    except (AttributeError, OSError):
        return 0


def idle_cores(busy: int | None = None, cores: int | None = None) -> int:
    """This process's cores less those other work holds (``busy``, default ``busy_cores()``
    spread evenly over the machine's cores: a process allowed 2 of 64 cores counts 2/64 of the
    machine's busy ones); at least one."""
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if busy is None:
        busy = int(busy_cores() * cores / max(os.cpu_count() or cores, cores) + 0.5)
    return max(1, cores - busy)


@contextlib.contextmanager
def fit_to_idle_cores(environ=None, busy: int | None = None, cores: int | None = None):
    """OpenBLAS's threads cut to ``idle_cores()`` inside the block if it has more (why: the
    module's docstring), its count restored after; yields the count set, or None if nothing
    changed (no more threads than idle cores, the user set them in ``environ``, or no
    OpenBLAS found)."""
    environ = os.environ if environ is None else environ
    before = None if any(name in environ for name in USER_SETTINGS) else get_num_threads()
    idle = None if before is None or before <= 1 else idle_cores(busy, cores)   # (one: nothing to read)
    if idle is None or before <= idle:
        yield None
        return
    set_num_threads(idle)
    try:
        yield idle
    finally:
        set_num_threads(before)


@contextlib.contextmanager
def one_thread():
    """OpenBLAS on one thread inside the block, its count restored after; else nothing."""
    found = _functions()
    before = None if found is None else int(found[0]())
    if before is None or before <= 1:
        yield
        return
    found[1](1)
    try:
        yield
    finally:
        found[1](before)
