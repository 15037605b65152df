"""The recipe's epoch against the machine's limit: its matrix products counted, timed alone.

    python -m benchmarks.recipe_flops [-- TRAIN FLAGS]       (default: the README's recipe)

Why: the recipe's hour-long runs are still improving when the hour ends (the README's
"what limits it"), so an epoch that cost less would buy chrF. This says how much less it
could cost without changing the arithmetic: it counts the FLOPs of every matrix product
of one epoch, on the epoch's own length-bucketed batches (2·m·k·n each), times NumPy's
single-thread GEMM on the shapes those products have, and sets the sum, the floor, against
the CPU time of training batches of the same epoch (both in CPU time, ``time.process_time``,
so that another process on the machine slows the two alike rather than the wall clock).
Everything outside the floor is the elementwise work, the optimiser's passes over every
weight, the dropout masks and Python.

What is counted, per batch of N rows (Te, Td: the batch's longest encoder and decoder
sequences; E: its encoder tokens, R: its target tokens; h the encoder's units a direction,
H the decoder's, He the memory's width, G gates, V target tokens, Dm the embedding width):

* the encoder, packed (only its E real steps computed), each direction: the input
  projection and the recurrent product, 2·E·(Dm + h)·G·h;
* the attentive decoder over all N·Td rows of the cut batch (finished rows are computed,
  ``layers/attentive_rnn.py``): the embedding, fed-back ã and recurrent products (Dm, H, H
  rows of the kernel), q·W_a, the scores and the context over Te, and W_c over [c; h];
* the Dense layer over the R real target rows.

Each appears three times (forward, the input's gradient, the weight's). Dropout's masks
split a product into G gate blocks (``layers/rnn_dropout.py``), which changes the shapes
(timed as such) but not the FLOPs. One-layer LSTM/GRU models with ``luong_general``
attention and input feeding, unidirectional or bidirectional, are what it supports.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from .flops import Gemm, gemm_seconds
from .recipe_fra import FRA, RESULTS, setup, train_flags

RECIPE = ["--num-samples", "66000", "--held-out", "2000", "--level", "subword", "--subword-merges", "3000",
          "--mask-zero", "--attention", "luong_general", "--input-feeding", "--latent-dim", "192",
          "--dropout", "0.2", "--recurrent-dropout", "0.2", "--output-dropout", "0.2",
          "--bucket-by-length", "--validation-split", "0", "--ema", "0.9997"]


def batch_flops(n: int, te: int, td: int, e: int, r: int, *, dm: int, h: int, units: int, gates: int,
                vocab: int, directions: int) -> dict[str, int]:
    """FLOPs of one training step's matrix products, by part (see the module docstring)."""
    he = h * directions                                   # the memory's width
    rows = n * td                                         # decoder rows, finished ones included
    return {
        "encoder": 3 * directions * 2 * e * (dm + h) * gates * h,
        "decoder recurrence": 3 * 2 * rows * (dm + units + units) * gates * units,
        "attention": 3 * 2 * (rows * units * he + 2 * rows * te * he + rows * (he + units) * units),
        "Dense": 3 * 2 * r * units * vocab,
    }


def epoch_flops(batches, **sizes) -> dict[str, int]:
    """Σ ``batch_flops`` over an epoch's batches, each (N, Te, Td, E, R)."""
    total: dict[str, int] = {}
    for shape in batches:
        for part, flops in batch_flops(*shape, **sizes).items():
            total[part] = total.get(part, 0) + flops
    return total


def floor_seconds(flops: dict[str, int], rates: dict[str, float]) -> float:
    """Seconds the products take at ``rates`` (GFLOP/s by part)."""
    return sum(flops[part] / (rates[part] * 1e9) for part in flops)


def part_gemms(n: int, td: int, r: int, *, dm: int, h: int, units: int, gates: int, vocab: int,
               directions: int) -> dict[str, Gemm]:
    """One product a part is made of, as npseq2seq computes it with dropout's G gate blocks:
    a step's (N, H) @ (H, H) block, the Dense layer's (R, H) @ (H, V)."""
    he = h * directions
    return {"encoder": Gemm("encoder step, one gate block", n, h, h, 1, "A@B"),
            "decoder recurrence": Gemm("decoder step, one gate block", n, units, units, 1, "A@B"),
            "attention": Gemm("W_c over [c; h]", n, he + units, units, 1, "A@B"),
            "Dense": Gemm("Dense forward", r, units, vocab, 1, "A@B")}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    ours, flags = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, RECIPE)
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=str(FRA))
    p.add_argument("--batches", type=int, default=150, help="batches of the epoch trained and timed")
    p.add_argument("--out", help="JSON (default: benchmarks/results/recipe/recipe_flops.json)")
    args = p.parse_args(ours)
    from npseq2seq.train.batches import buckets, sequence_lengths

    settings = train_flags(args.data, flags)
    config_ok = (settings["attention"] == "luong_general" and settings["num_layers"] == 1
                 and settings["mask_zero"] and settings["bucket_by_length"] and settings.get("input_feeding"))
    if not config_ok:
        raise SystemExit("recipe_flops counts one-layer luong_general models with --input-feeding, "
                         "--mask-zero and --bucket-by-length (the recipe's kind)")
    fitted = setup(settings)
    model, (enc, dec), y = fitted.model, fitted.x, fitted.y
    enc_lengths, dec_lengths = sequence_lengths(model.config, model.vocab, enc, y)
    plan = buckets(enc_lengths, dec_lengths, settings["batch_size"], np.random.default_rng(0))
    shapes = [(len(s), int(enc_lengths[s].max()), int(dec_lengths[s].max()), int(enc_lengths[s].sum()),
               int(dec_lengths[s].sum())) for s in plan]
    cfg = model.config
    sizes = dict(dm=cfg.latent_dim, h=cfg.latent_dim, units=cfg.decoder_units,
                 gates=4 if cfg.cell == "lstm" else 3, vocab=model.vocab.num_decoder_tokens,
                 directions=2 if cfg.bidirectional else 1)
    flops = epoch_flops(shapes, **sizes)
    median = [int(np.median([s[i] for s in shapes])) for i in range(5)]
    gemms = part_gemms(median[0], median[2], median[4], **sizes)
    seconds = {part: gemm_seconds(g, clock=time.process_time) for part, g in gemms.items()}
    rates = {part: 2 * g.m * g.k * g.n / seconds[part] / 1e9 for part, g in gemms.items()}
    floor = floor_seconds(flops, rates)

    # train the first --batches batches of the epoch (a random sample of its batches' rows)
    take = np.concatenate(plan[:args.batches])
    start = time.process_time()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        model.fit((enc[take], dec[take]), y[take], batch_size=settings["batch_size"], epochs=1, shuffle=True,
                  verbose=0, bucket_by_length=True)
    spent = time.process_time() - start
    trained = len(take)
    epoch_seconds = spent * len(y) / trained
    result = {"flags": flags, "batches": len(shapes), "median_batch": dict(zip("N Te Td E R".split(), median)),
              "sizes": sizes, "gflop": {k: v / 1e9 for k, v in flops.items()},
              "gflop_total": sum(flops.values()) / 1e9,
              "rates_gflops": rates, "gemms": {k: f"({g.m}×{g.k}) @ ({g.k}×{g.n})" for k, g in gemms.items()},
              "floor_seconds": floor, "timed_rows": trained, "timed_cpu_s": spent,
              "epoch_cpu_s": epoch_seconds, "fraction": floor / epoch_seconds,
              "numpy": np.__version__, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    out = Path(args.out) if args.out else RESULTS / "recipe_flops.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    total = sum(flops.values())
    for part in flops:
        print(f"{part:20s} {flops[part] / 1e9:7.0f} GFLOP ({flops[part] / total:4.0%})  "
              f"{gemms[part].name} {result['gemms'][part]}: {rates[part]:.0f} GFLOP/s")
    print(f"an epoch: {total / 1e9:.0f} GFLOP in {len(shapes)} batches; the products alone "
          f"{floor:.1f} s; trained: {epoch_seconds:.1f} CPU s an epoch ({trained} rows timed): "
          f"{floor / epoch_seconds:.0%} of it")
    return result


if __name__ == "__main__":
    main()
