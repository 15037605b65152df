"""Both cores for the elementwise work of a recurrent step: its rows split across threads.

A training step of the character LSTM spends about half its time in elementwise passes
over (N, G·H) arrays (the gate activations, the cell update and their derivatives), and
NumPy runs each pass on one core. NumPy's ufuncs release the GIL while they loop, so
Python threads can run such passes side by side: ``split_rows(fn, *arrays)`` calls ``fn``
on the first rows of every array in the calling thread and on the other rows in a worker
thread at the same time, and returns when both are done. The GEMMs stay whole (OpenBLAS
threads them itself); only row-wise work is split.

Why the bits cannot change: every output row of an elementwise function depends on its
own input row alone, computed by the same ufunc loop, so the rows come out the same
whichever thread computed them and however the batch was cut. Nothing is summed across
rows inside a split (``tests/layers/test_threads.py`` checks losses, gradients and weights
bit for bit against ``threads=1`` on several model kinds and odd batch sizes).

``set_num_threads(k)`` sets the number of threads (1: no worker thread, every call whole).
The default is 1, overridden by the environment variable ``NPSEQ2SEQ_THREADS``. Measured
(docs/speed.md, "Both cores for the elementwise work"): on a machine whose two cores other processes kept busy,
two threads took 26–29 % off a char LSTM/GRU epoch; on the same machine nearly idle, two
threads made the epoch 7–10 % *slower* (LSTM 11.74 s against 10.93 s, GRU 11.71 s against
10.60 s: OpenBLAS's own threads already use the second core for the GEMMs, and each
hand-over costs a wake-up). One thread is the default that does not lose on a quiet machine.
A call with fewer than ``MIN_ELEMENTS`` elements a thread runs
whole: handing work to another thread costs about 10–20 µs, more than a small pass
(decoding one sentence).

``split_batch(fn, batch)`` is the coarse twin, for work whose rows stay independent from
start to end: the batch cut once, each block's whole call in its own thread, one hand-over
per call instead of one per pass, OpenBLAS on one thread meanwhile (``blas.py``). Two users:
greedy decoding (``decode/greedy.py``; each row's ids are the whole batch's) and
``train_on_batch`` (``train/halves.py``: each half's forward and backward pass, the gradients
added, equal to the whole batch's within rounding, ``tests/train/test_halves.py``). ``fit``
cuts its batches the same way but runs the blocks after the first in worker processes
(``train/processes.py``), where no GIL is shared. Measured (docs/speed.md, "Both
cores through batch halves"): decoding on a busy machine 0.60× one core's wall clock at the
same CPU time; nearly idle 0.86× (char LSTM) and 0.95× (word + Luong) the whole batch's with
OpenBLAS's own two threads; training nearly idle 1.10–1.16× (LSTM) and 1.02–1.24× (GRU) the
whole batch's: under the 15 % that would make two threads the default. With one core held
by another process the halves took 0.51–0.54× the whole batch's wall clock, but the whole
batch on one OpenBLAS thread 0.44–0.49×: on a busy machine, one OpenBLAS thread (what
the command line now chooses by itself: ``blas.fit_to_idle_cores``).
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import queue
import threading

from . import blas

__all__ = ["split_rows", "split_batch", "one_core", "blocks", "batch_blocks", "set_num_threads", "get_num_threads",
           "MIN_ELEMENTS", "MIN_ROWS"]

MIN_ELEMENTS = 8192        # elements of the first array per thread below which a call runs whole
MIN_ROWS = 64              # split_batch: rows per thread below which a call runs whole


def _default_threads() -> int:
    env = os.environ.get("NPSEQ2SEQ_THREADS")
    if env is not None:
        try:
            return _check(int(env))
        except ValueError:
            raise ValueError(f"NPSEQ2SEQ_THREADS must be a positive integer, received {env!r}") from None
    return 1   # measured: see the module's docstring


def _check(k) -> int:
    if isinstance(k, bool) or int(k) != k or k < 1:
        raise ValueError(f"threads must be a positive integer, received {k!r}")
    return int(k)


class _Worker:
    """A daemon thread that runs ``fn(*args)`` handed to it and reports when done."""

    def __init__(self):
        self.tasks: queue.SimpleQueue = queue.SimpleQueue()
        self.done: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._run, daemon=True, name="npseq2seq-rows").start()

    def _run(self):
        while True:
            fn, args = self.tasks.get()
            try:
                fn(*args)
                self.done.put(None)
            except BaseException as err:   # handed back to the caller, raised there
                self.done.put(err)


class _Pool:
    def __init__(self, threads: int):
        self.threads = threads
        self.workers: list[_Worker] = []
        self.pid = os.getpid()

    def ready_workers(self) -> list[_Worker]:
        if self.pid != os.getpid():     # a forked child inherits no threads: start its own
            self.workers, self.pid = [], os.getpid()
        while len(self.workers) < self.threads - 1:
            self.workers.append(_Worker())
        return self.workers[:self.threads - 1]


_pool = _Pool(_default_threads())
_lock = threading.Lock()     # one split at a time (a second caller thread runs whole)


def set_num_threads(threads: int) -> None:
    """How many cores npseq2seq's own parallel paths use: ``split_rows``'s threads,
    ``split_batch``'s blocks, ``fit``'s blocks (one here, the others in worker processes:
    ``train/processes.py``). 1, the default: everything in the calling thread."""
    _pool.threads = _check(threads)


def get_num_threads() -> int:
    return _pool.threads


def split_rows(fn, *arrays) -> None:
    """``fn(*arrays)`` with the rows (first axis) of every array cut into one block per
    thread, the blocks run at the same time; ``fn`` writes its results into the arrays in
    place and must treat each row on its own. Arrays that are not cut by rows (weights,
    per-column constants) go in through ``fn``'s closure or ``functools.partial``."""
    n = arrays[0].shape[0]
    threads = min(_pool.threads, n, max(1, arrays[0].size // MIN_ELEMENTS))
    if threads <= 1 or not _lock.acquire(blocking=False):   # (0 rows: a packed step with none left)
        fn(*arrays)
        return
    try:
        _run_blocks([(fn, [a[lo:hi] for a in arrays]) for lo, hi in blocks(n, threads)])
    finally:
        _lock.release()


def split_batch(fn, batch, min_rows: int | None = None) -> list:
    """``[fn(block) for block in blocks]``: the rows of ``batch`` cut into one block per
    thread, each block's whole call run at the same time as the others, the results in the
    blocks' order. For work whose rows are independent from start to end (greedy decoding:
    ``decode/greedy.py``): one hand-over per call instead of one per elementwise pass.

    While the blocks run, ``split_rows`` inside them runs whole (the lock is held) and
    OpenBLAS runs on one thread (``blas.one_thread``: each block is one core's work).
    Fewer than ``min_rows`` (default ``MIN_ROWS``) rows a thread, or another split running: one call, whole
    (training's halves, ``train/halves.py``, take smaller blocks than decoding's)."""
    cuts = batch_blocks(len(batch), _pool.threads, MIN_ROWS if min_rows is None else min_rows)
    if len(cuts) <= 1 or not _lock.acquire(blocking=False):
        return [fn(batch)]
    try:
        results = [None] * len(cuts)

        def block(k, lo, hi):
            results[k] = fn(batch[lo:hi])
        with blas.one_thread():
            _run_blocks([(block, [k, lo, hi]) for k, (lo, hi) in enumerate(cuts)])
        return results
    finally:
        _lock.release()


@contextlib.contextmanager
def one_core():
    """Inside: this thread's work is one core's, as inside a block of ``split_batch`` (its
    ``split_rows`` run whole, OpenBLAS on one thread), for a block whose twins run elsewhere
    (``train/processes.py``: in other processes)."""
    with _lock, blas.one_thread():
        yield


def batch_blocks(n: int, most: int, min_rows: int) -> list[tuple[int, int]]:
    """The blocks a batch of n rows is cut into: at most ``most``, each of ``min_rows`` rows or
    more (one block, the whole batch, when two would be smaller). ``split_batch``'s rule, and
    ``train/processes.py``'s, so that threads and processes cut a batch alike."""
    return blocks(n, max(1, min(most, n // min_rows)))


def blocks(n: int, threads: int) -> list[tuple[int, int]]:
    """The (start, stop) rows of ``threads`` blocks of n rows, sizes differing by at most 1."""
    cuts = [n * k // threads for k in range(threads + 1)]
    return list(zip(cuts, cuts[1:]))


def _run_blocks(calls) -> None:
    """``fn(*args)`` for every (fn, args): the first in the calling thread, the others in the
    pool's workers, at the same time; returns when all are done, raising the first error.
    The caller holds ``_lock``."""
    workers = _pool.ready_workers()[:len(calls) - 1]
    for w, (fn, args) in zip(workers, calls[1:]):
        # in a copy of the caller's context: NumPy's errstate (a context variable) holds there too
        w.tasks.put((functools.partial(contextvars.copy_context().run, fn), args))
    error = None
    try:
        calls[0][0](*calls[0][1])
    except BaseException as err:
        error = err
    for w in workers:                 # wait for every block, even after an error
        err = w.done.get()
        error = error or err
    if error is not None:
        raise error
