"""Batched greedy decoding on both cores: the whole batch in one thread against its two halves
in two threads (``threads.split_batch``), alternating in one process.

    python -m benchmarks.decoding_halves [--model MODEL.npz] [--sentences 1000] [--rounds 7] [--torch]

``greedy_decode`` (``translate``'s batched path) of one batch: the English side of the first
``--sentences`` lines of fra.txt (from ``--first``), encoded by the model's own vocabulary
(any saved model with one: char or word, attention or not). The variants, every round in
the same order:

- ``whole``: ``set_num_threads(1)``, OpenBLAS as NumPy loads it (its own threads for large
  GEMMs: the library's default use of the two cores);
- ``halves``: ``set_num_threads(2)``: two halves, each decoded whole in its thread, OpenBLAS
  on one thread meanwhile (``blas.one_thread``);
- ``halves, OpenBLAS threads left on``: the same with ``blas.one_thread`` made a no-op, to see
  whether two callers of a 2-thread OpenBLAS oversubscribing two cores matters;
- ``whole, OpenBLAS 1 thread``: one core's work (``decoding_one_core``'s npseq2seq row);
- with ``--torch`` (a one-layer char LSTM without attention): PyTorch's greedy loop with its
  default threads (``torch_side.greedy_decode``).

Prints, per variant, the median wall clock and process CPU time (all threads) with min–max,
the load average before and after each round, and how many outputs equal the whole batch's.
Without ``--model`` it first trains the tutorial's char LSTM (``--only decoding``'s data) for
``--epochs`` epochs (≈ 10 s each on a quiet machine), so that lengths vary as a trained model's.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import time
from pathlib import Path

import numpy as np

from . import numpy_side
from .common import FRA_PATH, Config, load_data


def variants(model, x, torch_model=None) -> dict:
    from npseq2seq import blas, threads
    from npseq2seq.decode import greedy_decode

    vocab = model.vocab

    def run(num_threads, blas_one=True, blas_whole_one=False):
        def go():
            before, saved = threads.get_num_threads(), blas.one_thread
            threads.set_num_threads(num_threads)
            if not blas_one:
                blas.one_thread = contextlib.nullcontext
            try:
                with (blas.one_thread() if blas_whole_one else contextlib.nullcontext()):
                    ids = greedy_decode(model, x, vocab.start_id, vocab.stop_id, vocab.max_decoder_seq_length + 1)
            finally:
                blas.one_thread = saved
                threads.set_num_threads(before)
            return [tuple(int(i) for i in row) for row in ids]
        return go
    out = {"whole": run(1), "halves": run(2), "halves, OpenBLAS threads left on": run(2, blas_one=False),
           "whole, OpenBLAS 1 thread": run(1, blas_whole_one=True)}
    if torch_model is not None:
        from . import torch_side
        index = vocab.target_token_index

        def torch_ids():
            strings = torch_side.greedy_decode(torch_model, x, vocab, len(x))
            return [tuple(index[c] for c in s) for s in strings]
        out["PyTorch greedy loop"] = torch_ids
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", type=Path, help="a saved model with its vocabulary (else: train the tutorial's)")
    p.add_argument("--epochs", type=int, default=3, help="without --model: epochs to train (default 3)")
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--sentences", type=int, default=1000)
    p.add_argument("--first", type=int, default=0, help="the first line of fra.txt decoded (default 0)")
    p.add_argument("--torch", action="store_true", help="also PyTorch's greedy loop (its default threads)")
    args = p.parse_args(argv)
    from npseq2seq import Seq2Seq, blas
    from npseq2seq.text import load_pairs

    if args.model:
        model = Seq2Seq.load(args.model)
    else:
        cfg = Config()
        data = load_data(cfg)
        model = numpy_side.build_model(data, cfg)
        model.vocab = data.vocab
        trainer = numpy_side.NumpyTrainer(model, data, cfg)
        for _ in range(args.epochs):
            trainer.epoch()
        print(f"trained the tutorial's char LSTM {args.epochs} epochs: val_loss {trainer.losses[-1][1]:.4f}")
    texts = load_pairs(FRA_PATH, args.first + args.sentences)[0][args.first:]
    x = model.vocab.encode_inputs(texts, truncate=True, errors="ignore", dtype=model.dtype)
    torch_model = None
    if args.torch:
        c = model.config
        if (c.cell, c.level, c.num_layers, c.bidirectional, c.attention) != ("lstm", "char", 1, False, None):
            raise SystemExit("--torch needs a one-layer char LSTM without attention (the tutorial's model)")
        from . import torch_side
        torch_model = torch_side.build_model(model)
    runs = variants(model, x, torch_model)
    reference = runs["whole"]()
    agree = {name: sum(a == b for a, b in zip(fn(), reference)) for name, fn in runs.items()}
    wall = {name: [] for name in runs}
    cpu = {name: [] for name in runs}
    loads = [os.getloadavg()]
    for _ in range(args.rounds):
        for name, fn in runs.items():
            w, c = time.perf_counter(), time.process_time()
            fn()
            cpu[name].append(time.process_time() - c)
            wall[name].append(time.perf_counter() - w)
        loads.append(os.getloadavg())
    c = model.config
    print(f"{c.level} {c.cell} latent {c.latent_dim}, attention {c.attention}; {len(x)} sentences in one batch, "
          f"{sum(map(len, reference))} output tokens; {args.rounds} rounds alternating; OpenBLAS threads "
          f"{blas.get_num_threads()} (found: {blas.available()}), os.cpu_count {os.cpu_count()}")
    print("1-min load average before and after each round: " + " ".join(f"{a:.2f}" for a, *_ in loads))
    base = np.median(wall["whole"])
    for name in runs:
        print(f"{name:34s} wall {np.median(wall[name]):.4f} s ({min(wall[name]):.4f}–{max(wall[name]):.4f}) "
              f"= {np.median(wall[name]) / base:.2f}× whole; CPU {np.median(cpu[name]):.4f} s "
              f"({min(cpu[name]):.4f}–{max(cpu[name]):.4f}); same ids {agree[name]}/{len(x)}")


if __name__ == "__main__":
    main()
