"""A batch's blocks in forked child processes, one call at a time: ``split_batch(fn, batch)``
as ``threads.split_batch`` cuts it, the first block computed here and each other one by a
child process forked for this call, which sends its result back through a pipe and ends.

For work that only reads a model (decoding): the child starts as a copy of this process,
model and all, so it is sent nothing, and only its result comes back (token ids: a few
kB, pickled between this process and its own child; nothing read from a file is ever
unpickled). Threads share one GIL, which a decoding step's many small NumPy calls keep
taking in turn; processes do not (``train/processes.py`` says the same of training,
measured).

A fork costs about 8 ms here (a 400 MB process; more for a larger one, whose page tables
are copied), so a call is forked only when each block has ``MIN_ROWS`` rows or more:
greedy decoding of 1,000 sentences (about 0.2 s) is worth it, one sentence is not.
Linux only (``available``): macOS has fork too, but its system libraries are not safe to
use in a forked child, which is why Python starts processes there another way.
``train/processes.py`` forks ``fit``'s workers under the same condition.
"""
from __future__ import annotations

import multiprocessing
import signal
import sys
import traceback

from . import blas, threads

MIN_ROWS = 256      # rows a block below which a call runs whole (a fork costs ~8 ms)
ENABLED = True      # False: never fork (threads.split_batch's threads, fit's blocks in threads)


def available() -> bool:
    """Whether child processes may be forked here (Linux, and ``ENABLED``)."""
    return ENABLED and sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def split_batch(fn, batch) -> list:
    """``[fn(block) for block in blocks]``, the blocks after the first in forked children
    (``set_num_threads(k)``: k blocks of ``MIN_ROWS`` rows or more; fewer rows, one thread,
    or no fork here: ``threads.split_batch``, which runs whole or in threads)."""
    count = min(threads.get_num_threads(), len(batch) // MIN_ROWS)
    if count < 2 or not available():
        return threads.split_batch(fn, batch)
    cuts = threads.blocks(len(batch), count)
    context = multiprocessing.get_context("fork")
    children = []
    try:
        for lo, hi in cuts[1:]:
            here, there = context.Pipe()
            child = context.Process(target=_child, args=(fn, batch[lo:hi], there), daemon=True,
                                    name=f"npseq2seq-rows-{lo}-{hi}")
            child.start()
            there.close()
            children.append((child, here))
        lo, hi = cuts[0]
        with threads.one_core():
            results = [fn(batch[lo:hi])]
    finally:                     # every child waited for, even after an error here
        answers = [_answer(child, pipe) for child, pipe in children]
    for (child, _), (status, value) in zip(children, answers):
        if status == "error":
            raise RuntimeError(f"in child process {child.name}:\n{value}")
        results.append(value)
    return results


def _answer(child, pipe):
    try:
        answer = pipe.recv()
    except EOFError:
        answer = None
    pipe.close()
    child.join()
    if answer is None:
        return "error", f"the process (pid {child.pid}) ended unexpectedly, exit code {child.exitcode}"
    return answer


def _child(fn, block, pipe) -> None:
    """A child's life: its block's result, or the error's text, sent back once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)          # Ctrl-C is the parent's to handle
    for name in ("SIGTERM", "SIGHUP"):                    # not the parent's handlers: end
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    blas.set_num_threads(1)
    threads.set_num_threads(1)
    try:
        pipe.send(("ok", fn(block)))
    except Exception:
        pipe.send(("error", traceback.format_exc()))
    pipe.close()
