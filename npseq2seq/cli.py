"""The ``npseq2seq`` command: demo, train, translate, evaluate, inspect.

    npseq2seq demo                                  train on a generated corpus, show translations
    npseq2seq train --data fra.txt --num-samples 10000 --epochs 30 --out model.npz
    npseq2seq train --resume model.ckpt.npz         continue an interrupted run where it stopped
    npseq2seq translate --model model.npz "Go." "Run!"    (or one sentence per line on stdin)
    npseq2seq translate --model model.npz --beam 5 --n-best 3 "Go."    beam search, 3 best
    npseq2seq evaluate --model model.npz --data fra.txt    score on pairs it was not trained on
    npseq2seq inspect --model model.npz "Go." --out-dir plots/    gates, states, probabilities

Errors in the user's input (files, arguments, text) end with a one-line
message on stderr and exit status 2, never a traceback. A loss that becomes
NaN or Inf ends training with exit status 1; Ctrl-C with exit status 130. In
both cases ``train`` saves the last completed epoch as a checkpoint first.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np

from . import metrics
from .beam import DEFAULT_LENGTH_PENALTY
from .io import ModelFileError, atomic_savez, load_checkpoint, load_model, model_arrays, training_state
from .model import CELLS, Seq2Seq
from .optimizers import RMSprop
from .text import (CharVocab, DataError, TextTooLongError, UnknownTokenError, WordVocab, corpora,
                   generated_corpus, load_pairs, vectorize, vectorize_words, words)


class UsageError(ValueError):
    """Flags that do not fit together (or do not fit the checkpoint being resumed)."""


DEMO_SIZES = {"addition": 20000, "numbers": 1000}
USER_ERRORS = (DataError, UnknownTokenError, ModelFileError, ValueError, OSError)
EXIT_USER_ERROR, EXIT_DIVERGED, EXIT_INTERRUPTED = 2, 1, 130

# `train` flags that decide the weights. A fresh run takes them from the command line
# (these defaults where absent); a resumed run takes them from the checkpoint, and a flag
# given again must agree with it, so the resumed run is the run that was interrupted.
TRAIN_DEFAULTS = {"corpus": None, "num_samples": 10000, "padding": "space", "cell": "lstm",
                  "latent_dim": 256, "batch_size": 64, "learning_rate": 0.001,
                  "validation_split": 0.2, "dtype": "float32", "seed": 0,
                  "clipnorm": None, "clipvalue": None,
                  "level": "char", "teacher_forcing": True, "mask_zero": False, "attention": None,
                  "bucket_by_length": False}
# `train` flags a resumed run may change (default: the checkpoint's): how long, and where to.
TRAIN_RESUMABLE = {"epochs": 100, "out": None, "checkpoint": None, "checkpoint_every": None}


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _add_training_args(p, defaults):
    p.add_argument("--cell", choices=sorted(CELLS), default=defaults["cell"])
    p.add_argument("--latent-dim", type=_positive_int, default=defaults["latent_dim"])
    p.add_argument("--epochs", type=_positive_int, default=defaults["epochs"])
    p.add_argument("--batch-size", type=_positive_int, default=defaults["batch_size"])
    p.add_argument("--learning-rate", type=float, default=defaults["learning_rate"])
    p.add_argument("--validation-split", type=float, default=defaults["validation_split"])
    p.add_argument("--dtype", choices=["float32", "float64"], default=defaults["dtype"])
    p.add_argument("--seed", type=int, default=defaults["seed"])
    p.add_argument("--padding", choices=["space", "zero"], default=defaults["padding"],
                   help="--level char: pad with the one-hot of ' ' (keras.io) or with all-zero rows "
                        "(the 2017 blog)")
    # the tutorial's FAQ variants (the GRU one is --cell gru)
    p.add_argument("--level", choices=["char", "word"], default=defaults["level"],
                   help="char: one-hot characters (the tutorial); word: word ids through "
                        "Embedding layers (the FAQ's word-level model)")
    p.add_argument("--no-teacher-forcing", dest="teacher_forcing", action="store_const",
                   const=False, default=defaults["teacher_forcing"],
                   help="train the decoder on its own fed-back softmax outputs from the start "
                        "character (the FAQ's model without teacher forcing; --level char)")
    p.add_argument("--mask-zero", action="store_const", const=True, default=defaults["mask_zero"],
                   help="--level word: leave padded steps out of the RNNs and the loss "
                        "(Keras's Embedding(mask_zero=True))")
    p.add_argument("--attention", choices=["luong"], default=defaults["attention"],
                   help="luong: the decoder attends to the encoder's outputs (dot-product "
                        "attention, Keras's layers.Attention); needs teacher forcing")
    p.add_argument("--bucket-by-length", action="store_const", const=True,
                   default=defaults["bucket_by_length"],
                   help="beyond Keras: batches of similar target lengths, padded target steps "
                        "neither computed nor counted (--padding zero or --level word)")
    clip = p.add_mutually_exclusive_group()
    clip.add_argument("--clipnorm", type=float, default=None,
                      help="clip each gradient array to this L2 norm (Keras's clipnorm)")
    clip.add_argument("--clipvalue", type=float, default=None,
                      help="clip each gradient element to [-v, v] (Keras's clipvalue)")


def _non_negative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text}")
    return value


def _add_length_penalty_arg(p):
    p.add_argument("--length-penalty", type=float, default=DEFAULT_LENGTH_PENALTY, metavar="ALPHA",
                   help="beam search ranks log P / ((5 + length) / 6) ** ALPHA (GNMT's length "
                        "normalisation; 0 ranks by log P itself); default %(default)s")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="npseq2seq", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="train on a generated corpus (no download) and translate")
    demo.add_argument("--corpus", choices=sorted(corpora.CORPORA), default="addition")
    demo.add_argument("--num-samples", type=_positive_int, default=None,
                      help="corpus size (default: 20000 sums, or all 1000 numbers 0-999)")
    # tuned to get most training sums and over half of unseen ones right in about half a minute on 2 cores
    _add_training_args(demo, {**TRAIN_DEFAULTS, "epochs": 12, "latent_dim": 128, "learning_rate": 0.005})
    demo.add_argument("--out", default=None, help="also save the trained model here (.npz)")

    train = sub.add_parser("train", help="train on fra.txt (or a generated corpus) and save",
                           description="Train and save. With --resume, every flag that decides the "
                                       "weights comes from the checkpoint (giving it again is allowed "
                                       "if it agrees); --epochs, --out, --checkpoint(-every) may change.")
    src = train.add_mutually_exclusive_group()
    src.add_argument("--data", help="tab-separated pairs file, e.g. fra.txt from fra-eng.zip")
    src.add_argument("--corpus", choices=sorted(corpora.CORPORA), help="a generated corpus instead")
    train.add_argument("--resume", metavar="CHECKPOINT",
                       help="continue from a checkpoint (or a model file written by train)")
    train.add_argument("--num-samples", type=_positive_int,
                       help="train on the first N pairs (default 10000, or all of a smaller --corpus)")
    train.add_argument("--out", help="where to save the model (.npz)")
    train.add_argument("--checkpoint", metavar="PATH",
                       help="checkpoint file (default: the --out path with .ckpt.npz)")
    train.add_argument("--checkpoint-every", type=_positive_int, metavar="N",
                       help="save a checkpoint every N epochs (atomically)")
    train.add_argument("--show", type=_non_negative_int, default=5,
                       help="decode this many training sentences at the end")
    # None everywhere: `_train_settings` tells a flag the user gave from one left out
    _add_training_args(train, dict.fromkeys({**TRAIN_DEFAULTS, **TRAIN_RESUMABLE}))

    tr = sub.add_parser("translate", help="translate sentences with a saved model")
    tr.add_argument("--model", required=True)
    tr.add_argument("--ignore-unknown", action="store_true",
                    help="drop characters the model does not know (character level; at word level "
                         "unknown words are always read as <unk>)")
    tr.add_argument("--truncate", action="store_true", help="cut inputs longer than the model's maximum")
    tr.add_argument("--beam", type=_positive_int, metavar="B",
                    help="beam search with B hypotheses per sentence (default: greedy decoding)")
    tr.add_argument("--n-best", type=_positive_int, metavar="K",
                    help="print the K best translations of each input (beam search, B >= K), one per "
                         "line as: input number <TAB> log-probability <TAB> translation")
    _add_length_penalty_arg(tr)
    tr.add_argument("texts", nargs="*", help="sentences (default: one per line on stdin; "
                                             "an empty line gives an empty line, or with "
                                             "--n-best no line)")

    ev = sub.add_parser(
        "evaluate", help="score a saved model on pairs it was not trained on: greedy vs beam search",
        description="Translate sentence pairs and score the translations against the references: "
                    "exact match, character error rate (CER), corpus chrF and BLEU (sacrebleu: "
                    "pip install 'npseq2seq[eval]'), greedy decoding and beam search side by side. "
                    "Score on pairs the model was NOT trained on: --skip N leaves out the first N "
                    "pairs (`train --num-samples N` trains on the first N). Without --skip, a model "
                    "file written by `train` on the same data skips the pairs it was trained on.")
    src = ev.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", help="tab-separated pairs file, e.g. fra.txt")
    src.add_argument("--corpus", choices=sorted(corpora.CORPORA), help="a generated corpus")
    ev.add_argument("--model", required=True)
    ev.add_argument("--skip", type=_non_negative_int, metavar="N",
                    help="leave out the first N pairs (default: the pairs the model file says it was "
                         "trained on, else 0 with a warning)")
    ev.add_argument("--num-samples", type=_positive_int, default=1000,
                    help="score this many pairs after the skipped ones (default %(default)s)")
    ev.add_argument("--beam", type=_positive_int, default=5, metavar="B",
                    help="beam width compared with greedy decoding (default %(default)s)")
    _add_length_penalty_arg(ev)
    ev.add_argument("--show", type=_non_negative_int, default=5, help="print this many examples")

    ins = sub.add_parser(
        "inspect", help="plot the gates, states and probabilities of one translation (PNG files)",
        description="Translate one sentence greedily, print each step's most probable tokens, and "
                    "write encoder.png and decoder.png (gate activations and states of every unit "
                    "at every step), probabilities.png (each emitted token's probability and the "
                    "runners-up) and, for attention models, attention.png. Needs matplotlib: "
                    "pip install 'npseq2seq[plot]'.")
    ins.add_argument("--model", required=True)
    ins.add_argument("text", help="the sentence to translate and look at")
    ins.add_argument("--out-dir", default="plots", help="where to write the PNG files (default %(default)s)")
    ins.add_argument("--top-k", type=_positive_int, default=5, help="alternatives per step (default %(default)s)")
    ins.add_argument("--units", type=_positive_int, metavar="N",
                     help="plot only the first N units (default: all) for a closer look")
    return parser


def _compile(model, settings):
    # word targets are ids (a one-hot over thousands of words would be huge): the sparse loss,
    # which has the same value as categorical_crossentropy on their one-hot rows
    loss = "sparse_categorical_crossentropy" if model.level == "word" else "categorical_crossentropy"
    model.compile(optimizer=RMSprop(learning_rate=settings["learning_rate"], clipnorm=settings["clipnorm"],
                                    clipvalue=settings["clipvalue"]),
                  loss=loss)


def _check_variant(settings, given=()):
    """Flags of the FAQ variants that do not combine, named as the user types them."""
    if settings["level"] == "word" and not settings["teacher_forcing"]:
        raise UsageError("--no-teacher-forcing is the FAQ's character-level model (it feeds "
                         "softmax outputs back as inputs); it does not combine with --level word")
    if settings["mask_zero"] and settings["level"] != "word":
        raise UsageError("--mask-zero needs --level word (id 0 is the word vocabulary's padding)")
    if settings["bucket_by_length"] and settings["level"] == "char" and settings["padding"] != "zero":
        raise UsageError("--bucket-by-length needs --padding zero (or --level word): with space "
                         "padding every padded step is a real target")
    if "padding" in given and settings["level"] == "word":
        raise UsageError("--padding is for --level char; word ids are always padded with id 0")


def _new_vocab(pairs, settings):
    if settings["level"] == "word":
        return WordVocab.from_texts(*pairs)
    return CharVocab.from_texts(*pairs, padding=settings["padding"])


def _new_model(vocab, args):
    return Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, args["latent_dim"],
                   cell=args["cell"], dtype=args["dtype"], seed=args["seed"], vocab=vocab,
                   level=args["level"], teacher_forcing=args["teacher_forcing"],
                   mask_zero=args["mask_zero"], attention=args["attention"])


def _training_arrays(model, pairs):
    """(x, y) for ``model.fit``: one-hot characters, or word ids (targets too) at the word
    level; without teacher forcing the decoder input is the start token alone (FAQ)."""
    if model.level == "word":
        enc, dec, tgt = vectorize_words(*pairs, model.vocab)
    else:
        enc, dec, tgt = vectorize(*pairs, model.vocab, padding=model.vocab.padding, dtype=model.dtype)
    if not model.teacher_forcing:
        dec = dec[:, :1]
    return [enc, dec], tgt


def cmd_demo(args):
    settings = vars(args)
    _check_variant(settings)
    inputs, targets = _corpus_pairs(args.corpus, args.num_samples or DEMO_SIZES[args.corpus])
    vocab = _new_vocab((inputs, targets), settings)
    model = _new_model(vocab, settings)
    split_at = int(len(inputs) * (1 - args.validation_split))
    print(f"corpus '{args.corpus}': {len(inputs)} pairs, e.g. {inputs[0]!r} -> {targets[0]!r}; "
          f"training on {split_at}, holding out {len(inputs) - split_at}")
    print(model.summary())
    start = time.perf_counter()
    x, y = _training_arrays(model, (inputs, targets))
    _compile(model, settings)
    model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs,
              validation_split=args.validation_split, shuffle=True, verbose=2,
              bucket_by_length=args.bucket_by_length)
    print(f"trained in {time.perf_counter() - start:.0f}s")
    # scored on (at most) 1000 pairs of each side, enough for a percentage
    for name, lo, hi in (("training", 0, min(split_at, 1000)),
                         ("held-out", split_at, min(len(inputs), split_at + 1000))):
        if hi <= lo:                             # --validation-split 0 holds nothing out
            continue
        got = model.translate(inputs[lo:hi])
        right = [g == t for g, t in zip(got, targets[lo:hi])]
        print(f"\n{name} pairs translated exactly right: {sum(right)}/{len(right)} "
              f"({100 * np.mean(right):.0f}%)")
        for text, target, g, ok in list(zip(inputs[lo:hi], targets[lo:hi], got, right))[:6]:
            print(f"  {'ok ' if ok else 'BAD'} {text:<28} -> {g}" + ("" if ok else f"   (expected {target})"))
    if args.out:
        model.save(args.out)
        print(f"\nsaved to {args.out}")
    return 0


# --- train: settings, data, checkpoints --------------------------------------------------

def _flag(key):
    return "--" + key.replace("_", "-")


def _train_settings(args, stored: dict | None) -> dict:
    """The run's settings: flags over defaults, or (resuming) flags that must agree with ``stored``."""
    keys = (*TRAIN_DEFAULTS, *TRAIN_RESUMABLE, "data")
    given = {k: v for k, v in vars(args).items() if k in keys and v is not None}
    if "data" in given:
        given["data"] = os.path.abspath(given["data"])
    if stored is None:
        if "data" not in given and "corpus" not in given:
            raise UsageError("one of --data, --corpus or --resume is required")
        if "out" not in given:
            raise UsageError("--out is required (where to save the model)")
        settings = {**TRAIN_DEFAULTS, **TRAIN_RESUMABLE, "data": None, **given}
        if "corpus" in given and "num_samples" not in given:   # the default, or all of a smaller corpus
            settings["num_samples"] = min(settings["num_samples"], corpora.CORPUS_SIZES[given["corpus"]])
    else:
        # a checkpoint from before a flag existed was trained with that flag's default
        stored = {**TRAIN_DEFAULTS, **stored}
        for key in TRAIN_DEFAULTS:
            if key in given and given[key] != stored[key]:
                raise UsageError(f"{_flag(key)} {given[key]} does not match the checkpoint's "
                                 f"{_flag(key)} {stored[key]}")
        if "data" in given and stored["data"] is None:
            raise UsageError(f"--data given, but the checkpoint was trained on --corpus {stored['corpus']}")
        # --data may name a moved copy: the pairs are checked against the checkpoint's hash instead
        settings = {**stored, **{k: given[k] for k in (*TRAIN_RESUMABLE, "data") if k in given}}
        if "out" in given and "checkpoint" not in given:
            settings["checkpoint"] = None      # follow the new --out
    _check_variant(settings, given)
    if settings["checkpoint"] is None:
        out = Path(settings["out"])
        settings["checkpoint"] = str(out.with_name(out.name.removesuffix(".npz") + ".ckpt.npz"))
    return settings


def _corpus_pairs(name: str, num_samples: int):
    """The first ``num_samples`` pairs of a generated corpus; UsageError if it has fewer."""
    size = corpora.CORPUS_SIZES[name]
    if num_samples > size:
        raise UsageError(f"--num-samples {num_samples}: the {name} corpus has only {size} distinct pairs")
    return generated_corpus(name, num_samples=num_samples)


def _load_training_pairs(settings):
    if settings["data"]:
        return load_pairs(settings["data"], settings["num_samples"])
    return _corpus_pairs(settings["corpus"], settings["num_samples"])


def _fingerprint(pairs) -> str:
    """SHA-256 of the training pairs: a resumed run must train on exactly the same data."""
    return hashlib.sha256(json.dumps(pairs).encode("ascii")).hexdigest()


class _Checkpointer:
    """A ``fit`` callback: keeps the state after the last completed epoch in memory, and
    writes it to ``path`` every ``every`` epochs and whenever ``save()`` is called (Ctrl-C,
    NaN loss), so an interrupt in the middle of an epoch loses only that epoch."""

    def __init__(self, model, path, every, epoch, history, info):
        self.path, self.every, self.info = path, every, info
        self._remember(model, epoch, history)

    def _remember(self, model, epoch, history):
        snapshot = model_arrays(model, optimizer=True,
                                training_state=training_state(model, epoch, history, **self.info))
        # assigned together at the end: an interrupt above leaves the previous epoch's state whole
        self.epoch, self.history, self.snapshot = epoch, history, snapshot

    def __call__(self, epoch, logs, model):
        self._remember(model, epoch + 1, {k: self.history.get(k, []) + [v] for k, v in logs.items()})
        if self.every and self.epoch % self.every == 0:
            self.save()

    def save(self):
        atomic_savez(self.path, self.snapshot)

    def describe(self) -> str:
        return f"epoch {self.epoch}" if self.epoch else "the state before epoch 1 (no epoch completed)"


def _say(message):
    print(f"npseq2seq train: {message}", file=sys.stderr)


def cmd_train(args):
    model = state = None
    if args.resume:
        model, state = load_checkpoint(args.resume)
        if "settings" not in state or "data_sha256" not in state:
            raise UsageError(f"{args.resume}: not written by `npseq2seq train` (no training "
                             "settings); resume it in Python with io.load_checkpoint")
    settings = _train_settings(args, state and state["settings"])
    pairs = _load_training_pairs(settings)
    fingerprint = _fingerprint(pairs)
    if state is None:
        model = _new_model(_new_vocab(pairs, settings), settings)
        _compile(model, settings)
        start_epoch, history = 0, {}
    else:
        if fingerprint != state["data_sha256"]:
            where = settings["data"] or f"--corpus {settings['corpus']}"
            raise DataError(where, None, f"the first {settings['num_samples']} pairs differ from "
                                         f"those the checkpoint {args.resume} was trained on")
        start_epoch, history = state["epoch"], state["history"]
        if settings["epochs"] < start_epoch:
            raise UsageError(f"--epochs {settings['epochs']} is fewer than the {start_epoch} epochs "
                             f"the checkpoint has already trained")
        print(f"resuming from {args.resume} after epoch {start_epoch} of {settings['epochs']}")
    vocab = model.vocab
    print(f"{len(pairs[0])} pairs; {vocab.num_encoder_tokens} input / {vocab.num_decoder_tokens} target "
          f"tokens; max lengths {vocab.max_encoder_seq_length} / {vocab.max_decoder_seq_length}")
    x, y = _training_arrays(model, pairs)
    info = {"settings": settings, "data_sha256": fingerprint}
    ckpt = _Checkpointer(model, settings["checkpoint"], settings["checkpoint_every"], start_epoch, history, info)
    try:
        # overflow on the way to a non-finite loss is reported once, by fit's loss check, not
        # as a screen of NumPy warnings
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            model.fit(x, y, batch_size=settings["batch_size"], epochs=settings["epochs"],
                      validation_split=settings["validation_split"], shuffle=True, verbose=2,
                      initial_epoch=start_epoch, callbacks=[ckpt],
                      bucket_by_length=settings["bucket_by_length"])
        atomic_savez(settings["out"], ckpt.snapshot)   # the last epoch's checkpoint is the model
    except KeyboardInterrupt:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)   # a second Ctrl-C must not cut the save short
        try:
            ckpt.save()
        finally:
            signal.signal(signal.SIGINT, previous)
        _say(f"interrupted; {ckpt.describe()} saved to {ckpt.path}; "
             f"continue with: npseq2seq train --resume {ckpt.path}")
        return EXIT_INTERRUPTED
    except FloatingPointError as err:
        ckpt.save()
        _say(f"error: {err}; {ckpt.describe()} saved to {ckpt.path} "
             "(a lower --learning-rate, or --clipnorm / --clipvalue, may help)")
        return EXIT_DIVERGED
    print(f"saved to {settings['out']} (train it further with: npseq2seq train --resume "
          f"{settings['out']} --epochs N)")
    for text in pairs[0][:args.show]:
        print(f"  {text!r} -> {model.translate([text])[0]!r}")
    return 0


# --- translate ------------------------------------------------------------------------------

def _stdin_lines() -> list[str]:
    """stdin, one text per line (LF or CRLF), decoded as UTF-8 line by line to name a bad line."""
    lines = []
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        try:
            # utf-8-sig on line 1: drop the byte-order mark some Windows tools write first
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            lines.append(text.removesuffix("\n").removesuffix("\r"))
        except UnicodeDecodeError:
            raise DataError("<stdin>", number, "bytes that are not valid UTF-8") from None
    return lines


def cmd_translate(args):
    model = load_model(args.model)
    texts = args.texts or _stdin_lines()
    # an empty input gives an empty output, so output line i always answers input line i
    todo = [t for t in texts if t]
    if args.n_best and args.beam and args.n_best > args.beam:
        raise UsageError(f"--n-best {args.n_best} is more than the --beam {args.beam} hypotheses kept")
    try:
        done = iter(model.translate(todo, errors="ignore" if args.ignore_unknown else "raise",
                                    truncate=args.truncate, beam_width=args.beam, n_best=args.n_best,
                                    length_penalty=args.length_penalty))
    except UnknownTokenError as err:
        raise UsageError(f"{err} (--ignore-unknown drops unknown characters)") from None
    except TextTooLongError as err:
        raise UsageError(f"text {err.text!r} has {err.length} {err.unit}, more than the model's "
                         f"limit of {err.limit} (--truncate cuts it)") from None
    if args.n_best:
        for number, text in enumerate(texts, start=1):
            for translation in (next(done) if text else ()):
                print(f"{number}\t{translation.log_prob:.4f}\t{translation.text}")
        return 0
    for text in texts:
        print(next(done) if text else "")
    return 0


# --- evaluate -------------------------------------------------------------------------------

def _trained_on(model, args) -> int | None:
    """How many leading pairs of --data / --corpus the model was trained on, if its file says
    (``train`` records its settings and a hash of its pairs); None if it does not say."""
    state = model.training_state if isinstance(model.training_state, dict) else {}
    settings = state.get("settings")
    if not isinstance(settings, dict) or not isinstance(settings.get("num_samples"), int):
        return None
    if args.corpus:
        return settings["num_samples"] if settings.get("corpus") == args.corpus else None
    if not settings.get("data"):
        return None
    pairs = load_pairs(args.data, settings["num_samples"])    # a moved copy is still the same data
    return settings["num_samples"] if _fingerprint(pairs) == state.get("data_sha256") else None


def _evaluation_pairs(args, model):
    """(inputs, references, number of the first pair, a note on what was skipped)."""
    trained = _trained_on(model, args)
    if args.skip is not None:
        skip = args.skip
        note = f"skipping the first {skip} pairs"
        if trained is not None and skip < trained:
            note += f" -- WARNING: the model was trained on the first {trained}, these overlap"
    elif trained is not None:
        skip, note = trained, f"skipping the {trained} pairs the model was trained on"
    else:
        skip, note = 0, ("WARNING: the model file does not say which pairs it was trained on; "
                         "pass --skip N to score only pairs it has not seen")
    if args.corpus:   # (up to all of the corpus: what is left after skipping is scored)
        wanted = min(skip + args.num_samples, corpora.CORPUS_SIZES[args.corpus])
        inputs, targets = _corpus_pairs(args.corpus, wanted)
    else:
        inputs, targets = load_pairs(args.data, skip + args.num_samples)
    if len(inputs) <= skip:
        raise UsageError(f"{args.data or args.corpus} has {len(inputs)} pairs: none left after "
                         f"skipping {skip}")
    return inputs[skip:], targets[skip:], skip + 1, note


def _input_problems(vocab, texts) -> str:
    """What translating will change in the inputs to fit the model: a note, or ''."""
    if isinstance(vocab, words.WordVocab):
        tokens = [words.tokenize(t, vocab.lower) for t in texts]
        unknown = sum(any(w not in vocab.input_token_index for w in ws) for ws in tokens)
        long = sum(len(ws) > vocab.max_encoder_seq_length for ws in tokens)
        changed, unit = "unknown words read as <unk>", "words"
    else:
        known = [[c for c in t if c in vocab.input_token_index] for t in texts]
        unknown = sum(len(k) < len(t) for k, t in zip(known, texts))
        long = sum(len(k) > vocab.max_encoder_seq_length for k in known)
        changed, unit = "unknown characters dropped", "characters"
    notes = ([f"{unknown} with {changed}"] if unknown else []) + \
        ([f"{long} cut to the model's {vocab.max_encoder_seq_length} {unit}"] if long else [])
    return f" ({'; '.join(notes)})" if notes else ""


def _scores(hypotheses, references) -> list[str]:
    """The table's cells: exact match, CER, chrF, BLEU ('n/a' without sacrebleu)."""
    cells = [f"{100 * metrics.exact_match(hypotheses, references):.1f}%",
             f"{metrics.character_error_rate(hypotheses, references):.3f}"]
    try:
        cells += [f"{metrics.chrf(hypotheses, references):.1f}", f"{metrics.bleu(hypotheses, references):.1f}"]
    except ImportError as err:
        print(f"npseq2seq evaluate: chrF and BLEU not computed: {err}", file=sys.stderr)
        cells += ["n/a", "n/a"]
    return cells


def cmd_evaluate(args):
    model = load_model(args.model)
    if model.vocab is None:
        raise UsageError(f"{args.model} has no vocabulary: it cannot translate text")
    inputs, references, first, note = _evaluation_pairs(args, model)
    print(f"{args.model}: {model.cell}, latent_dim {model.latent_dim}, {model.level} level")
    print(f"scoring pairs {first}-{first + len(inputs) - 1} of {args.data or 'corpus ' + args.corpus}; "
          f"{note}")
    print(f"{len(inputs)} pairs{_input_problems(model.vocab, inputs)}\n")
    header = ["decoding", "exact match", "CER", "chrF", "BLEU", "time"]
    rows, outputs = [header], {}
    for name, beam_width in (("greedy", None), (f"beam {args.beam}", args.beam)):
        start = time.perf_counter()
        outputs[name] = model.translate(inputs, errors="ignore", truncate=True, beam_width=beam_width,
                                        length_penalty=args.length_penalty)
        rows.append([name, *_scores(outputs[name], references), f"{time.perf_counter() - start:.1f}s"])
    widths = [max(len(row[k]) for row in rows) for k in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(w) if k == 0 else cell.rjust(w)
                        for k, (cell, w) in enumerate(zip(row, widths))))
    print(f"(CER: edits per reference character, lower is better; beam search ranked with "
          f"length penalty {args.length_penalty})")
    for k in range(min(args.show, len(inputs))):
        print(f"\n  input      {inputs[k]}\n  reference  {references[k]}")
        for name, translations in outputs.items():
            print(f"  {'ok ' if translations[k] == references[k] else '   '}{name:<8}{translations[k]}")
    return 0


# --- inspect --------------------------------------------------------------------------------

def cmd_inspect(args):
    from . import inspect

    trace = inspect.record(load_model(args.model), args.text, top_k=args.top_k)
    print(inspect.summary(trace))
    try:
        paths = inspect.save_plots(trace, args.out_dir, units=args.units)
    except ImportError as err:
        raise UsageError(str(err)) from None
    print("wrote " + ", ".join(paths))
    return 0


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    command = {"demo": cmd_demo, "train": cmd_train, "translate": cmd_translate,
               "evaluate": cmd_evaluate, "inspect": cmd_inspect}[args.command]
    try:
        return command(args)
    except USER_ERRORS as err:
        print(f"npseq2seq {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except FloatingPointError as err:
        print(f"npseq2seq {args.command}: error: {err}", file=sys.stderr)
        return EXIT_DIVERGED
    except KeyboardInterrupt:
        print(f"npseq2seq {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
