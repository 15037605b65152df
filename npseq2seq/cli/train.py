"""``npseq2seq train``: train on fra.txt (or a generated corpus) and save; checkpoint every N
epochs, on Ctrl-C and on a NaN/Inf loss; ``--resume`` continues such a run bit-equal.
``--early-stopping`` and ``--reduce-lr-on-plateau`` add Keras's callbacks (their counters
restart on ``--resume``, as Keras's restart with each ``fit``; the optimizer's reduced
learning rate is in the checkpoint)."""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import numpy as np

from ..callbacks import EarlyStopping, ReduceLROnPlateau
from ..checkpointing import Checkpointer
from ..io import load_checkpoint
from ..text import CORPUS_SIZES, DataError, load_pairs
from .args import (
    CORPUS_NAMES,
    EXIT_DIVERGED,
    EXIT_INTERRUPTED,
    TRAIN_DEFAULTS,
    UsageError,
    add_training_args,
    check_variant,
    corpus_pairs,
    fingerprint,
    flag,
    new_model,
    new_vocab,
    non_negative_int,
    positive_int,
    training_arrays,
)

# `train` flags a resumed run may change (default: the checkpoint's): how long, and where to.
TRAIN_RESUMABLE = {"epochs": 100, "out": None, "checkpoint": None, "checkpoint_every": None,
                   "early_stopping": None, "reduce_lr_on_plateau": None}


def add_parser(sub):
    train = sub.add_parser("train", help="train on fra.txt (or a generated corpus) and save",
                           description="Train and save. With --resume, every flag that decides the "
                                       "weights comes from the checkpoint (giving it again is allowed "
                                       "if it agrees); --epochs, --out, --checkpoint(-every) may change.")
    src = train.add_mutually_exclusive_group()
    src.add_argument("--data", help="tab-separated pairs file, e.g. fra.txt from fra-eng.zip")
    src.add_argument("--corpus", choices=CORPUS_NAMES, help="a generated corpus instead")
    train.add_argument("--resume", metavar="CHECKPOINT",
                       help="continue from a checkpoint (or a model file written by train)")
    train.add_argument("--num-samples", type=positive_int,
                       help="train on the first N pairs (default 10000, or all of a smaller --corpus)")
    train.add_argument("--out", help="where to save the model (.npz)")
    train.add_argument("--checkpoint", metavar="PATH",
                       help="checkpoint file (default: the --out path with .ckpt.npz)")
    train.add_argument("--checkpoint-every", type=positive_int, metavar="N",
                       help="save a checkpoint every N epochs (atomically)")
    train.add_argument("--early-stopping", type=non_negative_int, metavar="PATIENCE",
                       help="stop when the validation loss (the loss, with --validation-split 0) "
                            "has not improved for PATIENCE epochs, and keep the best epoch's "
                            "weights (Keras's EarlyStopping, restore_best_weights=True)")
    train.add_argument("--reduce-lr-on-plateau", type=non_negative_int, nargs="?", const=10,
                       metavar="PATIENCE", help="divide the learning rate by 10 when the validation "
                                                "loss has not improved for PATIENCE epochs (default "
                                                "10; Keras's ReduceLROnPlateau and its defaults)")
    train.add_argument("--show", type=non_negative_int, default=5,
                       help="decode this many training sentences at the end")
    # None everywhere: `train_settings` tells a flag the user gave from one left out
    add_training_args(train, dict.fromkeys({**TRAIN_DEFAULTS, **TRAIN_RESUMABLE}))
    train.set_defaults(run=run)


def train_settings(args, stored: dict | None) -> dict:
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
            settings["num_samples"] = min(settings["num_samples"], CORPUS_SIZES[given["corpus"]])
    else:
        # a checkpoint from before a flag existed was trained with that flag's default
        stored = {**TRAIN_DEFAULTS, **stored}
        for key in TRAIN_DEFAULTS:
            if key in given and given[key] != stored[key]:
                raise UsageError(f"{flag(key)} {given[key]} does not match the checkpoint's "
                                 f"{flag(key)} {stored[key]}")
        if "data" in given and stored["data"] is None:
            raise UsageError(f"--data given, but the checkpoint was trained on --corpus {stored['corpus']}")
        # --data may name a moved copy: the pairs are checked against the checkpoint's hash instead
        settings = {**stored, **{k: given[k] for k in (*TRAIN_RESUMABLE, "data") if k in given}}
        if "out" in given and "checkpoint" not in given:
            settings["checkpoint"] = None      # follow the new --out
    check_variant(settings, given)
    if settings["checkpoint"] is None:
        out = Path(settings["out"])
        settings["checkpoint"] = str(out.with_name(out.name.removesuffix(".npz") + ".ckpt.npz"))
    return settings


def _load_training_pairs(settings):
    if settings["data"]:
        return load_pairs(settings["data"], settings["num_samples"])
    return corpus_pairs(settings["corpus"], settings["num_samples"])


def _start(args):
    """(model, settings, pairs, Checkpointer): a new compiled model, or the checkpoint's."""
    model = state = None
    if args.resume:
        model, state = load_checkpoint(args.resume)
        if "settings" not in state or "data_sha256" not in state:
            raise UsageError(f"{args.resume}: not written by `npseq2seq train` (no training "
                             "settings); resume it in Python with io.load_checkpoint")
    settings = train_settings(args, state and state["settings"])
    pairs = _load_training_pairs(settings)
    data_sha256 = fingerprint(pairs)
    if state is None:
        model = new_model(new_vocab(pairs, settings), settings)
        start_epoch, history = 0, {}
    else:
        if data_sha256 != state["data_sha256"]:
            where = settings["data"] or f"--corpus {settings['corpus']}"
            raise DataError(where, None, f"the first {settings['num_samples']} pairs differ from "
                                         f"those the checkpoint {args.resume} was trained on")
        start_epoch, history = state["epoch"], state["history"]
        if settings["epochs"] < start_epoch:
            raise UsageError(f"--epochs {settings['epochs']} is fewer than the {start_epoch} epochs "
                             f"the checkpoint has already trained")
        print(f"resuming from {args.resume} after epoch {start_epoch} of {settings['epochs']}")
    ckpt = Checkpointer(settings["checkpoint"], settings["checkpoint_every"], start_epoch, history,
                        settings=settings, data_sha256=data_sha256)
    ckpt.set_model(model)   # now, not at fit's start: a Ctrl-C while the arrays are made saves too
    return model, settings, pairs, ckpt


def keras_callbacks(settings) -> list:
    """The Keras callbacks the flags ask for, watching val_loss (loss without validation)."""
    monitor = "val_loss" if settings["validation_split"] else "loss"
    callbacks = []
    if settings.get("reduce_lr_on_plateau") is not None:
        callbacks.append(ReduceLROnPlateau(monitor, patience=settings["reduce_lr_on_plateau"], verbose=1))
    if settings.get("early_stopping") is not None:
        callbacks.append(EarlyStopping(monitor, patience=settings["early_stopping"],
                                       restore_best_weights=True, verbose=1))
    return callbacks


def _say(message):
    print(f"npseq2seq train: {message}", file=sys.stderr)


def run(args):
    model, settings, pairs, ckpt = _start(args)
    vocab = model.vocab
    print(f"{len(pairs[0])} pairs; {vocab.num_encoder_tokens} input / {vocab.num_decoder_tokens} target "
          f"tokens; max lengths {vocab.max_encoder_seq_length} / {vocab.max_decoder_seq_length}")
    x, y = training_arrays(model, pairs)
    try:
        # overflow on the way to a non-finite loss is reported once, by fit's loss check, not
        # as a screen of NumPy warnings
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            model.fit(x, y, batch_size=settings["batch_size"], epochs=settings["epochs"],
                      validation_split=settings["validation_split"], shuffle=True, verbose=2,
                      initial_epoch=ckpt.epoch,
                      # the checkpoint last: at the end it keeps the weights EarlyStopping restored
                      callbacks=[*keras_callbacks(settings), ckpt],
                      bucket_by_length=settings["bucket_by_length"])
        ckpt.save(settings["out"])   # the last epoch's checkpoint is the model
    except KeyboardInterrupt:
        # a second Ctrl-C must not cut the save short
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
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
