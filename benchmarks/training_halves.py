"""Training on both cores: the whole batch in one thread against its two halves in two
threads (``train/halves.py``), alternating in one process.

    python -m benchmarks.training_halves [--cells lstm gru] [--batches 30] [--rounds 5] [--bucket] [--quick]

The tutorial's char model (``benchmarks.common``: 10,000 lines, latent 256, batches of 64,
float32, RMSprop), each cell trained for the first ``--batches`` batches of one shuffled
epoch (``Trainer._train_step``, as ``fit`` runs them), every round in the same order:

- ``whole``: ``set_num_threads(1)`` (the default), OpenBLAS as NumPy loads it (its own
  threads for large GEMMs: the library's default use of the two cores);
- ``halves``: ``set_num_threads(2)``: each half of every batch through the whole model in
  its own thread, OpenBLAS on one thread meanwhile (``train_on_batch``'s two threads);
- ``processes``: ``set_num_threads(2)`` as ``fit`` runs it: the second half in a worker
  process (``train/processes.py``, started once before the rounds), OpenBLAS on one thread in
  each (the same bits as ``halves``); left out where ``fit`` cannot fork (``variants_here``);
- ``split_rows``: ``set_num_threads(2)`` with halves off (``halves.MIN_ROWS`` huge): the row
  split of each elementwise pass (``threads.split_rows``), the path two threads took before;
- ``whole, OpenBLAS 1 thread``: one core's work.

Each variant trains a model of its own from the same seed on the same batches, so the
weights stay alike and every variant does the same work. Prints, per variant, the min and
median wall clock and process CPU time (all threads), the ratios to ``whole``, the 1-min
load average before and after each round, and the largest difference of the weights from
``whole``'s after the last round (float32 rounding: the halves sum in another order).
Writes ``results/training-halves-<timestamp>.json`` (``--out``; ``--no-json``: none).
"""
from __future__ import annotations

import argparse
import contextlib
import os
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import numpy_side
from .common import Config, load_data, log, results_header, summarize

OUT = Path(__file__).resolve().parent / "results"
VARIANTS = ("whole", "halves", "processes", "split_rows", "whole, OpenBLAS 1 thread")


def variants_here() -> tuple[str, ...]:
    """``VARIANTS``, without ``processes`` where fit cannot start worker processes (not Linux,
    or ``processes.ENABLED`` off: ``processes.available``)."""
    from npseq2seq.train import processes

    return VARIANTS if processes.available() else tuple(v for v in VARIANTS if v != "processes")


def batches_of(model, data, count: int, batch_size: int, bucket: bool) -> list:
    """The first ``count`` batches of one shuffled epoch, as ``fit`` would cut them."""
    from npseq2seq.train import BucketedBatches
    from npseq2seq.train.batches import PaddedBatches

    rng = np.random.default_rng(0)
    arrays = model._batch(list(data.train_ids()[:2]), data.train_ids()[2])[:3]
    if bucket:
        epoch = BucketedBatches(model.config, model.vocab, *arrays, batch_size, rng)
    else:
        epoch = PaddedBatches(*arrays, batch_size, rng)
    return [epoch.batch(sel) for sel in epoch.plan()[:count]]


def run(model, batches, variant: str, workers=None) -> None:
    """``_train_step`` on every batch, threads as ``variant`` says, restored after;
    ``workers``: the ``processes`` variant's worker processes."""
    from npseq2seq import blas, threads
    from npseq2seq.train import halves

    before, min_rows = threads.get_num_threads(), halves.MIN_ROWS
    threads.set_num_threads(1 if variant.startswith("whole") else 2)
    if variant == "split_rows":
        halves.MIN_ROWS = 1 << 40
    try:
        with blas.one_thread() if variant == "whole, OpenBLAS 1 thread" else contextlib.nullcontext():
            for batch in batches:
                model._train_step(batch, workers)
    finally:
        threads.set_num_threads(before)
        halves.MIN_ROWS = min_rows


def measure(cell: str, data, cfg: Config, args) -> dict:
    """One cell's rounds: {variant: wall and CPU summaries}, loads, the weights' drift."""
    from npseq2seq.train import processes

    names = variants_here()
    models = {v: numpy_side.build_model(data, cfg, cell=cell) for v in names}
    batches = batches_of(models["whole"], data, args.batches, cfg.batch_size, args.bucket)
    workers = processes.Workers(models["processes"], 2) if "processes" in names else None
    try:
        workers_of = {v: workers if v == "processes" else None for v in names}
        for variant in names:                 # warm-up: first-touch memory, the worker thread
            run(models[variant], batches[:2], variant, workers_of[variant])
        wall, cpu, loads = {v: [] for v in names}, {v: [] for v in names}, [os.getloadavg()[0]]
        for _ in range(args.rounds):
            for variant in names:
                w, c = time.perf_counter(), _cpu_seconds(workers_of[variant])
                run(models[variant], batches, variant, workers_of[variant])
                cpu[variant].append(_cpu_seconds(workers_of[variant]) - c)
                wall[variant].append(time.perf_counter() - w)
            loads.append(os.getloadavg()[0])
    finally:
        if workers is not None:
            workers.close()
    whole = models["whole"].get_weights()
    drift = {v: max(float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))
                    for a, b in zip(models[v].get_weights(), whole)) for v in names}
    return {"cell": cell, "batches": len(batches), "rows": int(sum(len(b.dec) for b in batches)),
            "wall": {v: summarize(wall[v]) for v in names}, "cpu": {v: summarize(cpu[v]) for v in names},
            "loads": loads, "weights_drift_vs_whole": drift}


def _cpu_seconds(workers=None) -> float:
    """CPU seconds of this process, and of ``workers``' processes (from ``/proc``) if given."""
    total = time.process_time()
    for process in [] if workers is None else workers.processes:
        with open(f"/proc/{process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")   # utime + stime
    return total


def print_cell(row: dict) -> None:
    print(f"char {row['cell']}: {row['batches']} batches ({row['rows']} rows); 1-min load before and "
          "after each round: " + " ".join(f"{x:.2f}" for x in row["loads"]))
    base = row["wall"]["whole"]
    for v in row["wall"]:
        w, c = row["wall"][v], row["cpu"][v]
        print(f"  {v:26s} wall min {w['min']:.3f} s, median {w['median']:.3f} s "
              f"(= {w['min'] / base['min']:.2f}× / {w['median'] / base['median']:.2f}× whole); "
              f"CPU median {c['median']:.3f} s; weights vs whole ≤ {row['weights_drift_vs_whole'][v]:.1e}")


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cells", nargs="+", default=["lstm", "gru"], choices=["lstm", "gru"])
    p.add_argument("--batches", type=int, default=30, help="batches trained a round (default 30)")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--bucket", action="store_true", help="length-bucketed, packed batches (zero padding)")
    p.add_argument("--quick", action="store_true", help="small sizes (600 lines, latent 32): a smoke test")
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--no-json", action="store_true")
    args = p.parse_args(argv)
    from npseq2seq import blas
    from npseq2seq.memory import retain_freed_memory

    retain_freed_memory()       # as fit does: each batch reuses the last one's memory
    cfg = Config.quick_mode() if args.quick else Config()
    data = load_data(cfg, padding="zero" if args.bucket else "space")
    results = {**results_header(cfg), "benchmark": "training_halves", "batches": args.batches,
               "rounds": args.rounds, "bucket": args.bucket, "blas_threads": blas.get_num_threads(),
               "cells": []}
    for cell in args.cells:
        row = measure(cell, data, cfg, args)
        print_cell(row)
        results["cells"].append(row)
    results["machine"]["loadavg_end"] = os.getloadavg()
    if not args.no_json:
        from .report import write_json
        args.out.mkdir(parents=True, exist_ok=True)
        name = f"training-halves-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.json"
        write_json(results, args.out / name)
        log(f"wrote {args.out / name}")
    return results


if __name__ == "__main__":
    main()
