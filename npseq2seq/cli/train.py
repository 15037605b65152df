"""``npseq2seq train``: train on fra.txt (or a generated corpus) and save; checkpoint every N
epochs, on Ctrl-C, SIGTERM, SIGHUP, a NaN/Inf loss, running out of memory and a failed
final save; ``--resume`` continues such a run bit-equal. Every path it will write is
checked before any work (``outputs.py``); a resumed run writes where the user says or by
``resume.RESUME_RULE``, never where the checkpoint says. ``--early-stopping`` and
``--reduce-lr-on-plateau`` add Keras's callbacks (their counters restart on ``--resume``,
as Keras's restart with each ``fit``; the optimizer's reduced learning rate is in the
checkpoint). ``--decay-from EPOCH`` lowers the rate by a factor each epoch from then on
(``StepDecay``: a function of the epoch, so a resumed run keeps the uninterrupted run's
rates). ``--validation-held-out N`` validates on every pair of N input sentences
drawn at random, passed to ``fit`` as ``validation_data``, so those callbacks watch a
``val_loss`` of sentences from the whole file (Keras's ``--validation-split`` takes the
last pairs, and fra.txt is sorted by length)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..checkpointing import Checkpointer
from ..io import ModelFileError, load_checkpoint
from ..text import CORPUS_SIZES, DataError, load_pairs
from .args import (
    CORPUS_NAMES,
    EXIT_DIVERGED,
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
from .callback_flags import add_callback_args, check_callbacks, keras_callbacks
from .exits import EXIT_TOO_BIG, WriteFailedError
from .limits import check_training_memory
from .outputs import check_name, check_outputs, space_warning
from .rescue import checkpoint_failed, saved_after, say_train, why
from .resume import RESUME_RULE, checked_settings, default_out
from .signals import exit_status, held, interrupted
from .splits import check_validation, held_out_pairs, validation_pairs
from .streams import stdout_failed

# `train` flags a resumed run may change (default: the checkpoint's): how long, and where to.
TRAIN_RESUMABLE = {"epochs": 100, "out": None, "checkpoint": None, "checkpoint_every": None,
                   "early_stopping": None, "reduce_lr_on_plateau": None,
                   "decay_from": None, "decay_factor": None}


def add_parser(sub):
    train = sub.add_parser("train", help="train on fra.txt (or a generated corpus) and save",
                           description="Train and save. With --resume, every flag that decides the "
                                       "weights comes from the checkpoint (giving it again is allowed "
                                       "if it agrees); --epochs, --out, --checkpoint(-every) may change. "
                                       + RESUME_RULE + " Every path to write is checked before "
                                       "training starts. Ctrl-C, SIGTERM and SIGHUP save a checkpoint "
                                       "first; exit statuses: see the README.")
    src = train.add_mutually_exclusive_group()
    src.add_argument("--data", help="tab-separated pairs file, e.g. fra.txt from fra-eng.zip")
    src.add_argument("--corpus", choices=CORPUS_NAMES, help="a generated corpus instead")
    train.add_argument("--resume", metavar="CHECKPOINT",
                       help="continue from a checkpoint (or a model file written by train)")
    train.add_argument("--num-samples", type=positive_int,
                       help="train on the first N pairs (default 10000, or all of a smaller --corpus)")
    train.add_argument("--held-out", type=positive_int, metavar="N",
                       help="leave out of training every pair of N input sentences drawn at random "
                            "(seed 0) from the --num-samples pairs; `evaluate` scores them")
    train.add_argument("--validation-held-out", type=positive_int, metavar="N",
                       help="validate on every pair of N more input sentences, drawn at random from "
                            "the pairs --held-out leaves, after it (seed 1, whatever --seed): never "
                            "trained on, not scored by `evaluate` (their words are in the vocabulary); "
                            "early stopping watches them. Instead of --validation-split (its default "
                            "becomes 0), which takes the last pairs: fra.txt's longest")
    train.add_argument("--out", help="where to save the model (.npz); with --resume, by default "
                                     "beside the checkpoint (see above)")
    train.add_argument("--checkpoint", metavar="PATH",
                       help="checkpoint file (default: the --out path with .ckpt.npz)")
    train.add_argument("--checkpoint-every", type=positive_int, metavar="N",
                       help="save a checkpoint every N epochs (atomically)")
    add_callback_args(train)
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
        if "validation_held_out" in given and "validation_split" not in given:
            settings["validation_split"] = 0.0   # the held-out sentences replace Keras's split
    else:
        # a checkpoint from before a flag existed was trained with that flag's default; its
        # settings are data, checked, and never say where to write (resume.py)
        stored = {**TRAIN_DEFAULTS, "epochs": TRAIN_RESUMABLE["epochs"], "data": None,
                  "checkpoint_every": None,
                  **checked_settings(args.resume, stored, TRAIN_DEFAULTS, CORPUS_NAMES),
                  "out": None, "checkpoint": None}
        for key in TRAIN_DEFAULTS:
            if key in given and given[key] != stored[key]:
                raise UsageError(f"{flag(key)} {given[key]} does not match the checkpoint's "
                                 f"{flag(key)} {stored[key]}")
        if "data" in given and stored["data"] is None:
            raise UsageError(f"--data given, but the checkpoint was trained on --corpus {stored['corpus']}")
        # --data may name a moved copy: the pairs are checked against the checkpoint's hash instead
        settings = {**stored, **{k: given[k] for k in (*TRAIN_RESUMABLE, "data") if k in given}}
        if settings["out"] is None:
            settings["out"] = default_out(args.resume)
        if "data" not in given and settings["data"] and not os.path.isfile(settings["data"]):
            # a path from the file: read only if it is a regular file (a FIFO would hang the run)
            raise UsageError(f"the data file the checkpoint names, {settings['data']}, is not a regular "
                             "file (moved?): give it with --data")
    check_variant(settings, given)
    check_validation(settings)
    check_callbacks(settings)
    if settings["checkpoint"] is None:
        out = Path(check_name(settings["out"], "--out")[0])
        settings["checkpoint"] = str(out.with_name(out.name.removesuffix(".npz") + ".ckpt.npz"))
    return settings


def _load_training_pairs(settings):
    """The pairs left after --held-out: training pairs and, with --validation-held-out, the
    validation pairs (``splits.validation_pairs`` divides them). The vocabulary is built from
    these, and the checkpoint's ``data_sha256`` is their hash (which ``evaluate`` checks)."""
    if settings["data"]:
        pairs = load_pairs(settings["data"], settings["num_samples"])
    else:
        pairs = corpus_pairs(settings["corpus"], settings["num_samples"])
    return held_out_pairs(pairs, settings)


def _resumed(path):
    """(model, training state) of the checkpoint at ``path``, if `train` wrote it."""
    model, state = load_checkpoint(path)
    if "settings" not in state or "data_sha256" not in state:
        raise UsageError(f"{path}: not written by `npseq2seq train` (no training "
                         "settings); resume it in Python with io.load_checkpoint")
    if not isinstance(state["data_sha256"], str):
        raise ModelFileError(path, "training state data_sha256 must be a string")
    return model, state


def _start(args):
    """(model, settings, (training pairs, validation pairs or None), Checkpointer): a new
    compiled model, or the checkpoint's; every path to write checked first."""
    model, state = _resumed(args.resume) if args.resume else (None, None)
    settings = train_settings(args, state and state["settings"])
    check_outputs({"--out": settings["out"], "--checkpoint": settings["checkpoint"]},
                  inputs={"--data": settings["data"], "--resume": args.resume},
                  allowed={"--resume": args.resume})
    pairs = _load_training_pairs(settings)
    data_sha256 = fingerprint(pairs)
    divided = validation_pairs(pairs, settings)   # a bad --validation-held-out refused before any work
    if state is None:
        vocab = new_vocab(pairs, settings)
        sized = check_variant(settings).replace(num_encoder_tokens=vocab.num_encoder_tokens,
                                                num_decoder_tokens=vocab.num_decoder_tokens)
        check_training_memory(sized, vocab, pairs, settings)
        model = new_model(vocab, settings)
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
        check_training_memory(model.config, model.vocab, pairs, settings)
        print(f"resuming from {args.resume} after epoch {start_epoch} of {settings['epochs']}")
    size = sum(p.nbytes for p in model.params) * 3 + 65536   # weights, up to two slots, the config
    warning = space_warning([settings["out"], settings["checkpoint"]], size)
    if warning:
        say_train(warning)
    ckpt = Checkpointer(settings["checkpoint"], settings["checkpoint_every"], start_epoch, history,
                        on_error=checkpoint_failed, settings=settings, data_sha256=data_sha256)
    ckpt.set_model(model)   # now, not at fit's start: a Ctrl-C while the arrays are made saves too
    return model, settings, divided, ckpt


def _fit(model, ckpt, settings, pairs, validation):
    x, y = training_arrays(model, pairs)
    validation_data = None if validation is None else training_arrays(model, validation)
    # overflow on the way to a non-finite loss is reported once, by fit's loss check, not
    # as a screen of NumPy warnings
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        model.fit(x, y, batch_size=settings["batch_size"], epochs=settings["epochs"],
                  validation_split=settings["validation_split"], validation_data=validation_data,
                  shuffle=True, verbose=2,
                  initial_epoch=ckpt.epoch,
                  # the checkpoint last: at the end it keeps the weights EarlyStopping restored
                  callbacks=[*keras_callbacks(settings), ckpt],
                  bucket_by_length=settings["bucket_by_length"])


def run(args):
    model, settings, (pairs, validation), ckpt = _start(args)
    vocab = model.vocab
    kept_out = f" ({settings['held_out']} input sentences held out)" if settings.get("held_out") else ""
    if validation is not None:
        kept_out += (f"; validating on {len(validation[0])} pairs of {settings['validation_held_out']} "
                     "other input sentences")
    print(f"{len(pairs[0])} pairs{kept_out}; {vocab.num_encoder_tokens} input / {vocab.num_decoder_tokens} target "
          f"tokens; max lengths {vocab.max_encoder_seq_length} / {vocab.max_decoder_seq_length}")
    try:
        _fit(model, ckpt, settings, pairs, validation)
    except KeyboardInterrupt as stop:   # Ctrl-C, and SIGTERM / SIGHUP (signals.py)
        say_train(saved_after(interrupted(stop), ckpt, settings))
        return exit_status(stop)
    except FloatingPointError as err:
        say_train("error: " + saved_after(str(err), ckpt, settings,
                                      " (a lower --learning-rate, or --clipnorm / --clipvalue, may help)"))
        return EXIT_DIVERGED
    except MemoryError:
        what = (f"out of memory training {len(pairs[0])} pairs in batches of {settings['batch_size']} "
                f"at --latent-dim {settings['latent_dim']}")
        say_train("error: " + saved_after(what, ckpt, settings))
        return EXIT_TOO_BIG
    try:
        with held():
            ckpt.save(settings["out"])   # the last epoch's checkpoint is the model
    except OSError as err:
        raise WriteFailedError(saved_after(f"could not write --out {settings['out']}: {why(err)}",
                                            ckpt, settings)) from None
    done = f"saved to {settings['out']} (train it further with: npseq2seq train --resume {settings['out']} --epochs N)"
    print(done)
    if stdout_failed():
        say_train(f"stdout failed ({why(stdout_failed())}); training went on: {done}")
    for text in pairs[0][:args.show]:
        print(f"  {text!r} -> {model.translate([text])[0]!r}")
    return 0
