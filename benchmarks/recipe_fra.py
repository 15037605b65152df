"""Held-out scores against training CPU time, for any `npseq2seq train` flags, on fra.txt.

    OPENBLAS_NUM_THREADS=1 python -m benchmarks.recipe_fra --name word-attention --budget 480 \\
        -- --num-samples 66000 --held-out 2000 --level word --mask-zero --attention luong ...

The flags after ``--`` are `npseq2seq train`'s, read by its own parser; the data are the
pairs `train` would train on (``--held-out N``: all but every pair of N input sentences
drawn at random, seed 0, ``text.held_out_split``; ``--validation-held-out N``: every pair of
N more, the validation data, as `train` draws them), the model and the arrays are the ones
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

An hour of CPU on a machine shared with other work can take longer than a session that
runs it: ``--state PATH`` makes the measurement resumable. After every epoch (its
evaluation included) the script writes a checkpoint to PATH (``io.save_checkpoint``:
weights, optimizer slots, the RNG that shuffles the next epoch, and this script's curve and
CPU seconds so far); started again with the same ``--state``, it continues from the last
completed epoch, so the weights and the curve are those of an uninterrupted run (the
Checkpointer's guarantee, tested) and the CPU counted is that of the completed epochs only
(an epoch cut short by a kill is neither counted nor kept). A run stopped by ``--stop-at``
with ``--state`` writes no final result: it says how to go on.

``--shadow-ema M [M ...]`` also keeps, beside training and without touching it, the
exponential moving average of the weights that Keras's ``use_ema=True`` optimizers keep
(``average = M·average + (1 − M)·weights`` after every step, in the weights' dtype; here
from the run's first step, or from the branch point), one per momentum M, and scores each on
all the held-out pairs at the end (``final_ema`` in the JSON); its CPU time is not counted.

``--branch-from PATH`` measures a change made late in training without training the shared
start again: the run starts from another measurement's ``--state`` checkpoint (its model,
optimizer, shuffling RNG, curve and CPU seconds after its last whole epoch) under its own
``--name`` and flags, which may differ from that measurement's only where a resumed
``train`` may change them (``--epochs``, ``--decay-from``, ``--decay-factor``, ...): every
setting that decided the weights so far must agree, or the run is refused naming it. Until
the branch point the curve is the trunk's; the JSON says where it branched.
"""
from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from npseq2seq import io, metrics
from npseq2seq.callbacks import Callback
from npseq2seq.cli import build_parser
from npseq2seq.cli.args import TRAIN_DEFAULTS, flag, new_model, new_vocab, training_arrays
from npseq2seq.cli.splits import held_out_pairs, validation_pairs
from npseq2seq.cli.train import _load_training_pairs, keras_callbacks, train_settings
from npseq2seq.text import load_pairs

FRA = Path(__file__).resolve().parents[2] / "shared/data/fra-eng/fra.txt"
RESULTS = Path(__file__).resolve().parent / "results" / "recipe"


class Setup(NamedTuple):
    """What `npseq2seq train` would fit: its settings, model, pairs and arrays."""
    settings: dict
    model: object                 # a Seq2Seq
    pairs: tuple                  # (inputs, targets) trained on, the validation pairs taken out
    validation: tuple | None      # the --validation-held-out pairs, or None
    x: tuple                      # the model's training inputs (token ids)
    y: np.ndarray                 # and targets
    validation_data: tuple | None  # the validation pairs' (x, y), or None


def train_flags(data, flags, out="unused.npz") -> dict:
    """`npseq2seq train`'s settings for ``flags`` on ``data``, read by its own parser."""
    return train_settings(build_parser().parse_args(["train", "--data", str(data), "--out", out, *flags]), None)


def setup(settings, model=None) -> Setup:
    """The pairs `train` would train on with ``settings``, ``model`` (a new one, its vocabulary
    of those pairs, unless given: a resumed or branched run's), the validation pairs taken out
    after the vocabulary is made (as `train` does), and the arrays of both."""
    pairs = _load_training_pairs(settings)
    if model is None:
        model = new_model(new_vocab(pairs, settings), settings)
    pairs, validation = validation_pairs(pairs, settings)
    x, y = training_arrays(model, pairs)
    return Setup(settings, model, pairs, validation, x, y,
                 None if validation is None else training_arrays(model, validation))


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

    def __init__(self, budget, every, held, n, stop_at=None, resumed=None):
        super().__init__()
        self.budget, self.every, self.held, self.n, self.stop_at = budget, every, held, n, stop_at
        self.stopped_by_clock = False
        self.curve, self.spent_elsewhere, self.next_eval, self.before = [], 0.0, every, 0.0
        if resumed:   # a --state checkpoint's: the completed epochs' CPU seconds and curve
            self.curve, self.next_eval, self.before = resumed["curve"], resumed["next_eval"], resumed["train_cpu_s"]

    def on_train_begin(self, logs=None):
        self.start = time.process_time()

    def train_cpu(self) -> float:
        return self.before + time.process_time() - self.start - self.spent_elsewhere

    def progress(self) -> dict:
        """What a --state checkpoint keeps of this callback, after an epoch's end."""
        return {"curve": self.curve, "next_eval": self.next_eval, "train_cpu_s": self.train_cpu()}

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


class ShadowAverages(Callback):
    """Keras's ``use_ema`` average of the weights for each momentum, updated after every
    step (``average = m·average + (1 − m)·weights``; the first step's average is the
    weights), kept apart from the model; its CPU seconds go to ``budget.spent_elsewhere``."""

    def __init__(self, momenta, budget):
        super().__init__()
        self.momenta, self.budget, self.averages = momenta, budget, None

    def on_train_batch_end(self, batch, logs=None):
        before = time.process_time()
        params = self.model.params
        if self.averages is None:
            self.averages = {m: [p.copy() for p in params] for m in self.momenta}
        else:
            for m, averages in self.averages.items():
                momentum = np.asarray(m, params[0].dtype)
                rest = np.asarray(1, params[0].dtype) - momentum
                for average, p in zip(averages, params):
                    average *= momentum
                    average += rest * p
        self.budget.spent_elsewhere += time.process_time() - before

    def scores(self, held) -> dict:
        """Each average's scores on ``held``, the model's own weights put back after."""
        own, result = self.model.get_weights(), {}
        for m, averages in (self.averages or {}).items():
            self.model.set_weights(averages)
            result[str(m)] = scores(self.model, *held)[0]
        self.model.set_weights(own)
        return result


class SaveState(Callback):
    """After each epoch (after CpuBudget's evaluation), the --state checkpoint, atomically."""

    def __init__(self, path, budget, history, **identity):
        super().__init__()
        self.path, self.budget, self.history, self.identity = path, budget, history, identity

    def on_epoch_end(self, epoch, logs=None):
        if self.budget.stopped_by_clock or self.budget.train_cpu() >= self.budget.budget:
            return   # an epoch cut short (or the run's end): the last whole epoch's state stays
        self.history = {k: self.history.get(k, []) + [float(v)] for k, v in (logs or {}).items()}
        before = time.process_time()
        io.save_checkpoint(self.model, self.path, epoch + 1, self.history,
                           recipe={**self.identity, **self.budget.progress()})
        self.budget.spent_elsewhere += time.process_time() - before


def resume(path, name, flags):
    """(model, training state) from a --state checkpoint of this same measurement, or
    (None, None) if ``path`` does not exist yet."""
    if not Path(path).exists():
        return None, None
    model, state = io.load_checkpoint(path)
    recipe = state.get("recipe")
    if not isinstance(recipe, dict) or recipe.get("name") != name or recipe.get("flags") != flags:
        raise SystemExit(f"{path}: not a --state checkpoint of --name {name} with these train flags "
                         f"(it holds {excerpt_state(recipe)}); use another --state path")
    return model, state


def branch(path, data, settings):
    """(model, training state) of another measurement's --state checkpoint, refused unless its
    flags decided the weights as ``settings`` would (``TRAIN_DEFAULTS``: all but what a resumed
    ``train`` may change)."""
    if not Path(path).is_file():
        raise SystemExit(f"--branch-from {path}: no such file")
    model, state = io.load_checkpoint(path)
    recipe = state.get("recipe")
    if not isinstance(recipe, dict) or not isinstance(recipe.get("flags"), list) \
            or not all(isinstance(f, str) for f in recipe["flags"]):
        raise SystemExit(f"--branch-from {path}: not a --state checkpoint of this script "
                         f"(it holds {excerpt_state(recipe)})")
    trunk = train_flags(data, recipe["flags"])
    differ = [k for k in TRAIN_DEFAULTS if trunk[k] != settings[k]]
    if differ:
        raise SystemExit(f"--branch-from {path}: its flags decided the weights otherwise: "
                         + ", ".join(f"{flag(k)} {trunk[k]} there, {settings[k]} here" for k in differ))
    return model, state


def excerpt_state(recipe) -> str:
    if not isinstance(recipe, dict):
        return "no recipe measurement"
    return f"--name {recipe.get('name')!r}, flags {recipe.get('flags')!r}"


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
    p.add_argument("--state", help="a resumable checkpoint of this measurement, written after every "
                                   "epoch; if it exists, the run continues from it")
    p.add_argument("--shadow-ema", type=float, nargs="+", metavar="M", default=[],
                   help="also score Keras's use_ema average of the weights, with these momenta")
    p.add_argument("--branch-from", metavar="PATH",
                   help="start from another measurement's --state checkpoint, whose flags must agree "
                        "with these wherever they decided the weights (see the module's docstring)")
    args = p.parse_args(ours)
    settings = train_flags(args.data, flags, args.save or "unused.npz")
    held = held_out_pairs(load_pairs(args.data, settings["num_samples"]), settings, held_out_only=True)
    if args.state and (settings.get("early_stopping") is not None
                       or settings.get("reduce_lr_on_plateau") is not None):
        raise SystemExit("--state: the checkpoint does not keep EarlyStopping's or ReduceLROnPlateau's "
                         "counters, so a resumed run would not be the uninterrupted one; measure those "
                         "flags without --state")
    model, state = resume(args.state, args.name, flags) if args.state else (None, None)
    if model is not None:      # this measurement's own --state: continue it (a branch's too)
        branched = state["recipe"].get("branched")
        print(json.dumps({"resumed": args.state, "epoch": state["epoch"],
                          "train_cpu_s": state["recipe"]["train_cpu_s"]}), flush=True)
    elif args.branch_from:
        model, state = branch(args.branch_from, args.data, settings)
        branched = {"from": state["recipe"].get("name"), "epoch": state["epoch"],
                    "flags": state["recipe"]["flags"]}
        print(json.dumps({"branched": args.branch_from, **branched}), flush=True)
    else:
        branched = None
    fitted = setup(settings, model)
    model, pairs, validation, x, y = fitted.model, fitted.pairs, fitted.validation, fitted.x, fitted.y
    validation_data = fitted.validation_data
    if args.one_hot:           # the arrays `train` built before it trained on ids
        enc, dec, tgt = model.vocab.encode_pairs(*pairs, dtype=model.dtype)
        x, y = model.config.training_inputs(enc, dec), tgt
    budget = CpuBudget(args.budget, args.eval_every, held, args.eval_n, args.stop_at,
                       resumed=state and state["recipe"])
    callbacks = [*keras_callbacks(settings), budget]
    shadows = ShadowAverages(args.shadow_ema, budget) if args.shadow_ema else None
    if shadows:
        if args.state:
            raise SystemExit("--shadow-ema: the averages are not kept in the --state checkpoint; "
                             "measure them without --state")
        callbacks.insert(0, shadows)
    if args.state:
        callbacks.append(SaveState(args.state, budget, state["history"] if state else {},
                                   name=args.name, flags=flags, branched=branched))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        model.fit(x, y, batch_size=settings["batch_size"], epochs=settings["epochs"],
                  validation_split=settings["validation_split"], validation_data=validation_data,
                  shuffle=True, verbose=0,
                  callbacks=callbacks, bucket_by_length=settings["bucket_by_length"],
                  initial_epoch=state["epoch"] if state else 0)
    if args.state and budget.stopped_by_clock:
        print(json.dumps({"stopped_by_wall_clock": True, "state": args.state,
                          "epochs_kept": len(budget.curve), "train_cpu_s_kept": budget.curve[-1]["train_cpu_s"]
                          if budget.curve else 0.0,
                          "go_on": "run the same command again"}), flush=True)
        return None
    final, hyps = scores(model, *held)
    final_ema = shadows.scores(held) if shadows else None
    result = {"name": args.name, "flags": flags, "settings": {k: v for k, v in settings.items() if k != "out"},
              "train_pairs": len(pairs[0]), "held_out_pairs": len(held[0]),
              "validation_pairs": 0 if validation is None else len(validation[0]),
              "vocab": [model.vocab.num_encoder_tokens, model.vocab.num_decoder_tokens],
              "params": int(sum(w.size for w in model.params)),
              "budget_s": args.budget, "train_cpu_s": budget.train_cpu(), "curve": budget.curve,
              "stopped_by_wall_clock": budget.stopped_by_clock, "branched": branched,
              "final": final, "final_ema": final_ema, "peak_rss_mb": peak_rss_mb(),
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
    print(json.dumps({"final": final, "final_ema": final_ema, "train_cpu_s": result["train_cpu_s"],
                      "peak_rss_mb": result["peak_rss_mb"]}))
    return result


if __name__ == "__main__":
    main()
