"""Both cores for a training step without Python's GIL: ``fit``'s batches cut in blocks as
``halves.py`` cuts them, the first block computed in this process and each other one in a
worker process of its own; its validation batches the same way, forward only
(``halves.Job.with_grads``).

Why processes. ``halves.py`` runs the blocks in threads of one process, and measured
1.02–1.24× the whole batch's time on two cores (docs/speed.md, "Both cores through batch
halves"): a step is hundreds of NumPy calls on small arrays, and between two calls each
thread must hold the GIL, so the threads wait for each other. A process has a GIL of its own.
Measured (docs/speed.md, "The halves in two processes"): 0.90× (char LSTM) and 0.89× (GRU) the whole
batch's wall clock with OpenBLAS's two threads, where the threads' halves took 0.99× and 1.06×
in the same run; not 0.5×, because half a batch costs 0.54–0.6 of a whole one on one core.

How, with nothing but the standard library (``multiprocessing``'s "fork" start method, on
Linux: macOS has fork too, but its system libraries are not safe to use in a forked child,
which is why Python starts processes there another way):

- **Start.** ``Workers(model, k)`` forks k − 1 worker processes when ``fit`` begins; each
  starts as a copy of the model (nothing is pickled) and serves until ``fit`` ends.
- **Weights.** One shared anonymous memory map (``mmap.mmap(-1, size)``: shared, and
  inherited by the fork) holds a copy of every weight. Before each step this process
  copies its weights in and each worker copies them out: a memcpy of the model (3 MB for
  the tutorial's character model), so the optimizer, its slots and its average stay here,
  in one process, exactly as without workers.
- **Gradients.** Each worker writes its block's dense gradients into an area of the map of
  its own, in ``params`` order, and this process reads them there. An Embedding's gradient
  (one row per lookup, a size that changes with the batch: ``ops.RowGradient``) is sent
  through the worker's pipe instead, with the block's loss, weight and metrics' counts.
- **The block's rows** go through the pipe too (``Batch.rows``: token ids, a few kB). The
  pipe pickles what this process and its own forks send each other; nothing read from a
  file is ever unpickled.

What each block computes is ``halves.block``, the function the threads run, with the same
rows, the same dropout seed and the same weights, OpenBLAS on one thread in every process
as in every thread: so a step in processes gives the bits of the same step in threads
(``tests/train/test_processes.py``), and everything ``halves.py`` says of the bits holds.

A worker that dies, or raises, ends ``fit`` with an error naming it; ``fit`` ending any way
(done, stopped by a callback, an error, Ctrl-C) stops the workers. Ctrl-C reaches the
workers too (they share the terminal's process group), so they ignore it and leave it to
this process; SIGTERM and SIGHUP end a worker at once (the parent's handlers, which the fork
copies, are reset), and this process then reports it. A parent killed outright closes its
end of the pipe; the worker reads that as the end and exits quietly (no orphan).
"""
from __future__ import annotations

import contextlib
import mmap
import multiprocessing
import signal
import sys
import traceback

import numpy as np

from .. import blas, threads
from ..ops import RowGradient
from . import halves

ENABLED = True     # False: fit's blocks run in threads (halves.py), as train_on_batch's do;
#                    for programs whose other threads may hold a lock when fit forks (a
#                    forked worker starts with that lock held and no thread to release it)
ALIGN = 64         # bytes: each array of the map starts on a cache line


def available() -> bool:
    """Whether worker processes can be started here (Linux, and ``ENABLED``)."""
    return ENABLED and sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


@contextlib.contextmanager
def workers_for(model):
    """``fit``'s workers for the whole run, or None where its batches train in one process:
    one thread (``threads.set_num_threads``), a model that cannot train in blocks
    (``trains_in_halves``), or not Linux (``available``)."""
    count = threads.get_num_threads()
    if count < 2 or not model.trains_in_halves or not available():
        yield None
        return
    workers = Workers(model, count)
    try:
        yield workers
    finally:
        workers.close()


def _layout(arrays) -> tuple[list[int], int]:
    """(byte offset of each array, total bytes) for arrays laid one after another, aligned."""
    offsets, end = [], 0
    for a in arrays:
        start = -(-end // ALIGN) * ALIGN
        offsets.append(start)
        end = start + a.nbytes
    return offsets, max(end, 1)


def _views(buffer, offset: int, like) -> list[np.ndarray]:
    """Arrays shaped and typed as ``like``, laid out in ``buffer`` from byte ``offset`` on."""
    offsets, _ = _layout(like)
    return [np.ndarray(a.shape, a.dtype, buffer=buffer, offset=offset + o) for a, o in zip(like, offsets)]


class Workers:
    """k − 1 forked worker processes and the shared map (module docstring)."""

    def __init__(self, model, count: int):
        params = model.params
        _, size = _layout(params)
        area = -(-size // ALIGN) * ALIGN
        # the weights' area, then one gradient area a worker, each laid out as the params
        self._map = mmap.mmap(-1, area * count)
        self.weights = _views(self._map, 0, params)
        self.grads = [_views(self._map, area * k, params) for k in range(1, count)]
        self.count, self.processes, self.pipes = count, [], []
        context = multiprocessing.get_context("fork")
        try:
            for k in range(count - 1):
                here, there = context.Pipe()
                process = context.Process(target=_serve, name=f"npseq2seq-block-{k + 1}", daemon=True,
                                          args=(model, there, self.weights, self.grads[k], [*self.pipes, here]))
                process.start()
                there.close()              # this process keeps its own end only
                self.processes.append(process)
                self.pipes.append(here)
        except BaseException:
            self.close()
            raise

    def run(self, model, batch, job: halves.Job) -> list:
        """Every block's ((loss, grads, weight), metrics' counts), in the rows' order: the first
        block computed here, each other by a worker (``halves.block`` everywhere)."""
        cuts = threads.batch_blocks(len(batch.dec), self.count, halves.MIN_ROWS)   # as threads cut it
        for w, p in zip(self.weights, model.params):
            np.copyto(w, p)                                    # the weights of this step
        for pipe, (lo, hi) in zip(self.pipes, cuts[1:]):
            pipe.send((batch.rows(lo, hi), lo, job))
        lo, hi = cuts[0]
        try:
            with threads.one_core():
                results = [halves.block(model, batch.rows(lo, hi), lo, job)]
        finally:            # every worker's answer read, even after an error here: none left over
            answers = [self._receive(k) for k in range(len(cuts) - 1)]
        for k, answer in enumerate(answers):
            if answer[0] == "error":
                raise RuntimeError(f"in training worker process {self.processes[k].name}:\n{answer[1]}")
            _, loss, weight, rows, counted = answer
            grads = None if rows is None else [rows.get(i, g) for i, g in enumerate(self.grads[k])]
            results.append(((loss, grads, weight), counted))
        return results

    def _receive(self, k: int):
        """Worker k's answer: ("ok", loss, weight, row gradients (None: a block without
        gradients), metrics) or ("error", text)."""
        try:
            return self.pipes[k].recv()
        except EOFError:
            process = self.processes[k]
            process.join(timeout=1)
            return ("error", f"the process (pid {process.pid}) ended unexpectedly, exit code {process.exitcode}")

    def close(self) -> None:
        """Stop the workers (asked first; terminated if they do not end within 5 s)."""
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(None)
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join()
        for pipe in self.pipes:
            pipe.close()
        self.processes, self.pipes = [], []


def _serve(model, pipe, weights, grads, parents_ends) -> None:
    """A worker's life: for each block sent, take the step's weights, compute the block,
    write its dense gradients into ``grads`` and send the rest back; until None arrives, or
    the parent's end closes. ``parents_ends``: the parent's ends of the pipes, which the fork
    copied; closed here, so that the parent's end is the last and its death reads as EOF."""
    for end in parents_ends:
        end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)       # Ctrl-C is the parent's to handle
    for name in ("SIGTERM", "SIGHUP"):                 # not the parent's handlers (the command
        if hasattr(signal, name):                      # line's turn them into a clean stop):
            signal.signal(getattr(signal, name), signal.SIG_DFL)   # a worker told to end, ends
    blas.set_num_threads(1)                              # one core's work, as a thread's block
    threads.set_num_threads(1)
    try:
        _serve_blocks(model, pipe, weights, grads)
    except (EOFError, OSError):       # the parent is gone (killed without a word): end quietly
        pass


def _serve_blocks(model, pipe, weights, grads) -> None:
    """The worker's loop; an error in a block is sent back, one in the pipe ends the loop."""
    params = model.params
    while (message := pipe.recv()) is not None:
        rows_batch, start, job = message
        try:
            for p, w in zip(params, weights):
                np.copyto(p, w)
            (loss, part, weight), counted = halves.block(model, rows_batch, start, job)
            rows = None if part is None else {}          # None: a block without gradients
            for i, (g, out) in enumerate(zip(part or (), grads)):
                if isinstance(g, RowGradient):
                    rows[i] = g
                elif g.shape != out.shape or g.dtype != out.dtype:
                    raise TypeError(f"gradient {i} is {g.dtype} {g.shape}, its weight {out.dtype} {out.shape}")
                else:
                    out[...] = g
            answer = ("ok", loss, weight, rows, counted)
        except Exception:
            answer = ("error", traceback.format_exc())
        pipe.send(answer)
