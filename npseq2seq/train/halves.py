"""Both cores for a training step: the batch cut in halves, each half's forward and backward
pass on a core of its own, their gradients added.

A step's loss is a mean over target rows and its gradient a sum over them, so the batch
can be cut anywhere: with ``threads.set_num_threads(2)``, ``train_on_batch`` runs each half
of every batch (``Batch.rows``: a packed batch stays packed) through the whole model in its
own thread (``threads.split_batch``: OpenBLAS on one thread meanwhile, each half one core's
work), and ``fit`` the second half in a worker process (``processes.py``: threads wait for
each other's GIL, processes do not), and they add what the halves return:

- the loss divides by the *whole* batch's count of target rows (``model._loss_count``,
  handed to each half's loss), so each half's loss and gradients are its share of the
  whole batch's, and the step's loss and gradients are the halves' sums;
- an Embedding's gradient (one row per lookup, ``ops.RowGradient``) is the halves' rows
  one after the other;
- the compiled metrics count each half in an accumulator of its own, added afterwards;
- dropout: each half draws its masks from its own generator, seeded from one draw of the
  model's ``rng`` (drawn only when dropout is on, so that a model without dropout
  shuffles exactly as in one thread); the masks are as random, but not the ones the
  whole batch would have drawn.

Why it is not bit for bit the whole batch's step: a weight's gradient is a sum over the
batch's rows, which one GEMM sums in its own order and the halves sum as two partial sums
added. The difference is rounding (``tests/train/test_halves.py`` bounds it for every model
kind, in float64 at 1e-12 of the gradient's scale); one training run is still
reproducible, the same seed giving the same bits, as long as the number of threads stays
the same. Measured: docs/speed.md, "Both cores through batch halves: training".
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import threads
from ..ops import RowGradient

MIN_ROWS = 16      # rows a half below which a batch trains whole (a bucketed batch's tail)


def splits(model, batch) -> bool:
    """Whether ``batch`` trains in halves: two threads or more, a model that declares it can
    (``trains_in_halves``: its loss divides by a count given, ``_loss_count``), and at least
    ``MIN_ROWS`` rows a half."""
    return (threads.get_num_threads() > 1 and model.trains_in_halves
            and len(batch.dec) >= 2 * MIN_ROWS)


class Job(NamedTuple):
    """What every block of one step computes with, besides its rows: sent as it is to a worker
    process (``processes.py``), handed to ``block`` in a thread."""
    count: object                # the whole batch's divisor (``model._loss_count``)
    seed: int | None             # the step's dropout seed (``_dropout_seed``), None: no dropout
    embedding_rows: bool
    metrics: tuple               # the compiled metrics (each block counts in fresh ones)
    training: bool
    with_grads: bool = True      # False: the loss and metrics only (validation, ``evaluate``)


def block(model, rows_batch, start: int, job: Job):
    """One block's ((loss, grads, weight), its metrics' counts): ``rows_batch`` is
    ``batch.rows(start, stop)``; its dropout masks come from a generator of its own, seeded
    by the step's seed and ``start``, so a block draws the same masks in any thread or process."""
    counted = [type(m)(m.name) for m in job.metrics]          # this block's accumulators
    rng = None if job.seed is None else np.random.default_rng([job.seed, start])
    part = model._loss_and_grads(rows_batch, job.with_grads, job.embedding_rows, metrics=counted,
                                 training=job.training, rng=rng, count=job.count)
    return part, counted


def loss_and_grads(model, batch, embedding_rows: bool, metrics, training: bool, workers=None,
                   with_grads: bool = True):
    """(loss, grads in params order, weight) of ``batch``, as ``model._loss_and_grads``
    gives them for the whole batch, computed in one block of rows a thread, or, with
    ``workers`` (``processes.Workers``, which ``fit`` starts), a block in this process and
    the others in the worker processes. ``with_grads=False``: the loss and the metrics only
    (grads None), as a validation batch needs them."""
    job = Job(model._loss_count(batch), _dropout_seed(model, training), embedding_rows,
              tuple(metrics), training, with_grads)
    if workers is not None:
        blocks = workers.run(model, batch, job)
    else:
        blocks = threads.split_batch(lambda rows: block(model, batch.rows(rows.start, rows.stop), rows.start, job),
                                     range(len(batch.dec)), min_rows=MIN_ROWS)
    loss, grads, weight = 0.0, None, 0     # (grads stay None when the blocks have none)
    for (part_loss, part_grads, part_weight), counted in blocks:    # in the rows' order
        loss, weight = loss + part_loss, weight + part_weight
        grads = part_grads if grads is None else [_add(g, h) for g, h in zip(grads, part_grads)]
        for metric, part in zip(metrics, counted):
            metric.merge(part)
    return loss, grads, weight


def _add(g, h):
    """The gradient of the whole batch from its blocks' (``g`` is the first block's own)."""
    if isinstance(g, RowGradient):          # one row per lookup: the rows of both
        return RowGradient(np.concatenate([g.ids, h.ids]), np.concatenate([g.rows, h.rows]), g.num_rows)
    g += h
    return g


def _dropout_seed(model, training: bool) -> int | None:
    """One draw from the model's rng, when this step drops anything: the halves' seed."""
    dropping = training and getattr(model.config, "drops", False)
    return int(model.rng.integers(2**63)) if dropping else None
