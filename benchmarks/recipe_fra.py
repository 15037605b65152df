"""Held-out scores against training CPU time, for any `npseq2seq train` flags, on fra.txt.

    OPENBLAS_NUM_THREADS=1 python -m benchmarks.recipe_fra --name word-attention --budget 480 \\
        -- --num-samples 66000 --held-out 2000 --level word --mask-zero --attention luong ...

The flags after ``--`` are `npseq2seq train`'s, read by its own parser; the data are the
pairs `train` would train on (``--held-out N``: all but every pair of N input sentences
drawn at random, seed 0, ``text.held_out_split``), the model and the arrays are the ones
`train` builds (``cli.args``), and ``fit`` runs once, with `train`'s callbacks
(``--early-stopping``, ``--reduce-lr-on-plateau``), so the weights are those of the command
line. A callback of this script's own measures the process's CPU time
(``time.process_time``: every thread, so run with ``OPENBLAS_NUM_THREADS=1`` for numbers
that do not depend on the machine's load) spent training, validation included and its
own evaluations excluded; at each epoch's end once ``--eval-every`` CPU seconds have passed
it translates the first ``--eval-n`` held-out inputs (greedy) and scores them against
their references as written in the file (cased, punctuated): chrF, BLEU, CER, exact match.
Training stops once ``--budget`` CPU seconds are spent (checked after every batch) or the
flags' epochs or early stopping end it; the final weights (EarlyStopping's best, if it
restored them) are then scored on all the held-out pairs. Writes a JSON (the curve, the
final scores, peak RSS, translations) to ``--out`` (default
``benchmarks/results/recipe/NAME.json``), and the model to ``--save`` if given.
"""
from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

from npseq2seq import metrics
from npseq2seq.callbacks import Callback
from npseq2seq.cli import build_parser
from npseq2seq.cli.args import held_out_pairs, new_model, new_vocab, training_arrays
from npseq2seq.cli.train import _load_training_pairs, keras_callbacks, train_settings
from npseq2seq.text import load_pairs

FRA = Path(__file__).resolve().parents[2] / "shared/data/fra-eng/fra.txt"
RESULTS = Path(__file__).resolve().parent / "results" / "recipe"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # Linux: KiB


def scores(model, inputs, references) -> dict:
    start = time.process_time()
    hyps = model.translate(inputs, errors="ignore", truncate=True)
    return {"chrf": metrics.chrf(hyps, references), "bleu": metrics.bleu(hyps, references),
            "cer": metrics.character_error_rate(hyps, references),
            "exact": metrics.exact_match(hyps, references), "n": len(inputs),
            "decode_cpu_s": time.process_time() - start}, hyps


class CpuBudget(Callback):
    """Training CPU time (its own evaluations left out), evaluations on the way, the budget."""

    def __init__(self, budget, every, held, n, stop_at=None):
        super().__init__()
        self.budget, self.every, self.held, self.n, self.stop_at = budget, every, held, n, stop_at
        self.stopped_by_clock = False
        self.curve, self.spent_elsewhere, self.next_eval = [], 0.0, every

    def on_train_begin(self, logs=None):
        self.start = time.process_time()

    def train_cpu(self) -> float:
        return time.process_time() - self.start - self.spent_elsewhere

    def on_train_batch_end(self, batch, logs=None):
        if self.train_cpu() >= self.budget:
            self.model.stop_training = True
        if self.stop_at is not None and time.time() >= self.stop_at:   # a shared machine's deadline
            self.model.stop_training = self.stopped_by_clock = True

    def on_epoch_end(self, epoch, logs=None):
        cpu = self.train_cpu()
        last = cpu >= self.budget or epoch + 1 == self.params["epochs"]
        point = {"epoch": epoch + 1, "train_cpu_s": cpu, **{k: float(v) for k, v in (logs or {}).items()}}
        if cpu >= self.next_eval or last or self.model.stop_training:
            before = time.process_time()
            point.update(scores(self.model, self.held[0][:self.n], self.held[1][:self.n])[0])
            self.spent_elsewhere += time.process_time() - before
            self.next_eval = cpu + self.every
        self.curve.append(point)
        print(json.dumps(point), flush=True)
        if cpu >= self.budget:
            self.model.stop_training = True


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    ours, flags = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--name", required=True)
    p.add_argument("--data", default=str(FRA))
    p.add_argument("--budget", type=float, default=480, help="training CPU seconds")
    p.add_argument("--eval-every", type=float, default=120, help="CPU seconds between evaluations")
    p.add_argument("--eval-n", type=int, default=500, help="held-out pairs scored on the way")
    p.add_argument("--stop-at", type=float, help="also stop at this Unix time (wall clock), "
                                                  "recorded as such in the JSON")
    p.add_argument("--one-hot", action="store_true",
                   help="train on the one-hot arrays the command line used before (for the memory "
                        "comparison; character level)")
    p.add_argument("--out")
    p.add_argument("--save")
    p.add_argument("--show", type=int, default=40, help="translations kept in the JSON")
    args = p.parse_args(ours)
    train_args = build_parser().parse_args(["train", "--data", args.data, "--out", args.save or "unused.npz",
                                            *flags])
    settings = train_settings(train_args, None)
    pairs = _load_training_pairs(settings)
    held = held_out_pairs(load_pairs(args.data, settings["num_samples"]), settings, held_out_only=True)
    model = new_model(new_vocab(pairs, settings), settings)
    x, y = training_arrays(model, pairs)
    if args.one_hot:           # the arrays `train` built before it trained on ids
        enc, dec, tgt = model.vocab.encode_pairs(*pairs, dtype=model.dtype)
        x, y = model.config.training_inputs(enc, dec), tgt
    budget = CpuBudget(args.budget, args.eval_every, held, args.eval_n, args.stop_at)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        model.fit(x, y, batch_size=settings["batch_size"], epochs=settings["epochs"],
                  validation_split=settings["validation_split"], shuffle=True, verbose=0,
                  callbacks=[*keras_callbacks(settings), budget], bucket_by_length=settings["bucket_by_length"])
    final, hyps = scores(model, *held)
    result = {"name": args.name, "flags": flags, "settings": {k: v for k, v in settings.items() if k != "out"},
              "train_pairs": len(pairs[0]), "held_out_pairs": len(held[0]),
              "vocab": [model.vocab.num_encoder_tokens, model.vocab.num_decoder_tokens],
              "params": int(sum(w.size for w in model.params)),
              "budget_s": args.budget, "train_cpu_s": budget.train_cpu(), "curve": budget.curve,
              "stopped_by_wall_clock": budget.stopped_by_clock,
              "final": final, "peak_rss_mb": peak_rss_mb(),
              "one_hot": args.one_hot, "array_mb": sum(a.nbytes for a in (*x, y)) / 2**20,
              "translations": [{"input": i, "reference": r, "output": h}
                               for i, r, h in list(zip(*held, hyps))[:args.show]],
              "machine": platform.processor() or platform.machine(), "numpy": np.__version__,
              "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    out = Path(args.out) if args.out else RESULTS / f"{args.name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.save:
        model.save(args.save)
    print(json.dumps({"final": final, "train_cpu_s": result["train_cpu_s"], "peak_rss_mb": result["peak_rss_mb"]}))
    return result


if __name__ == "__main__":
    main()
