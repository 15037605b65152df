"""The ``npseq2seq`` command: demo, train, translate.

    npseq2seq demo                                  train on a generated corpus, show translations
    npseq2seq train --data fra.txt --num-samples 10000 --epochs 30 --out model.npz
    npseq2seq translate --model model.npz "Go." "Run!"    (or one sentence per line on stdin)

Errors in the user's input (files, arguments, text) end with a one-line
message on stderr and exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from . import data as data_mod
from .data import CharVocab, DataError, UnknownTokenError, generated_corpus, load_pairs, vectorize
from .io import ModelFileError, load_model
from .model import CELLS, Seq2Seq
from .optimizers import RMSprop

DEMO_SIZES = {"addition": 20000, "numbers": None}
USER_ERRORS = (DataError, UnknownTokenError, ModelFileError, ValueError, OSError)


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _add_training_args(p, epochs, latent_dim, batch_size, learning_rate):
    p.add_argument("--cell", choices=sorted(CELLS), default="lstm")
    p.add_argument("--latent-dim", type=_positive_int, default=latent_dim)
    p.add_argument("--epochs", type=_positive_int, default=epochs)
    p.add_argument("--batch-size", type=_positive_int, default=batch_size)
    p.add_argument("--learning-rate", type=float, default=learning_rate)
    p.add_argument("--validation-split", type=float, default=0.2)
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--seed", type=int, default=0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="npseq2seq", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="train on a generated corpus (no download) and translate")
    demo.add_argument("--corpus", choices=sorted(data_mod.CORPORA), default="addition")
    demo.add_argument("--num-samples", type=_positive_int, default=None,
                      help="corpus size (default: 20000 sums, or all 1000 numbers 0-999)")
    # tuned to get most training sums and about half of unseen ones right in ~1-2 minutes on 2 cores
    _add_training_args(demo, epochs=12, latent_dim=128, batch_size=64, learning_rate=0.005)
    demo.add_argument("--out", default=None, help="also save the trained model here (.npz)")

    train = sub.add_parser("train", help="train on fra.txt (or a generated corpus) and save")
    src = train.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", help="tab-separated pairs file, e.g. fra.txt from fra-eng.zip")
    src.add_argument("--corpus", choices=sorted(data_mod.CORPORA), help="a generated corpus instead")
    train.add_argument("--num-samples", type=_positive_int, default=10000)
    train.add_argument("--padding", choices=["space", "zero"], default="space")
    train.add_argument("--out", required=True, help="where to save the model (.npz)")
    train.add_argument("--show", type=int, default=5, help="decode this many training sentences at the end")
    _add_training_args(train, epochs=100, latent_dim=256, batch_size=64, learning_rate=0.001)

    tr = sub.add_parser("translate", help="translate sentences with a saved model")
    tr.add_argument("--model", required=True)
    tr.add_argument("--ignore-unknown", action="store_true", help="drop characters the model does not know")
    tr.add_argument("--truncate", action="store_true", help="cut inputs longer than the model's maximum")
    tr.add_argument("texts", nargs="*", help="sentences (default: one per line on stdin)")
    return parser


def _train(model, pairs, args):
    vocab = model.vocab
    enc, dec, tgt = vectorize(*pairs, vocab, padding=vocab.padding, dtype=model.dtype)
    model.compile(optimizer=RMSprop(learning_rate=args.learning_rate), loss="categorical_crossentropy")
    return model.fit([enc, dec], tgt, batch_size=args.batch_size, epochs=args.epochs,
                     validation_split=args.validation_split, shuffle=True, verbose=2)


def _new_model(vocab, args):
    return Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, args.latent_dim,
                   cell=args.cell, dtype=args.dtype, seed=args.seed, vocab=vocab)


def cmd_demo(args):
    size = args.num_samples or DEMO_SIZES[args.corpus]
    inputs, targets = generated_corpus(args.corpus, num_samples=size)
    vocab = CharVocab.from_texts(inputs, targets)
    model = _new_model(vocab, args)
    split_at = int(len(inputs) * (1 - args.validation_split))
    print(f"corpus '{args.corpus}': {len(inputs)} pairs, e.g. {inputs[0]!r} -> {targets[0]!r}; "
          f"training on {split_at}, holding out {len(inputs) - split_at}")
    print(model.summary())
    start = time.perf_counter()
    _train(model, (inputs, targets), args)
    print(f"trained in {time.perf_counter() - start:.0f}s")
    # scored on (at most) 1000 pairs of each side, enough for a percentage
    for name, lo, hi in (("training", 0, min(split_at, 1000)),
                         ("held-out", split_at, min(len(inputs), split_at + 1000))):
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


def cmd_train(args):
    if args.data:
        inputs, targets = load_pairs(args.data, args.num_samples)
    else:
        inputs, targets = generated_corpus(args.corpus)
        inputs, targets = inputs[:args.num_samples], targets[:args.num_samples]
    vocab = CharVocab.from_texts(inputs, targets, padding=args.padding)
    print(f"{len(inputs)} pairs; {vocab.num_encoder_tokens} input / {vocab.num_decoder_tokens} target "
          f"tokens; max lengths {vocab.max_encoder_seq_length} / {vocab.max_decoder_seq_length}")
    model = _new_model(vocab, args)
    _train(model, (inputs, targets), args)
    model.save(args.out)
    print(f"saved to {args.out}")
    for text in inputs[:args.show]:
        print(f"  {text!r} -> {model.translate([text])[0]!r}")
    return 0


def cmd_translate(args):
    model = load_model(args.model)
    texts = args.texts or [line.rstrip("\r\n") for line in sys.stdin if line.strip()]
    for out in model.translate(texts, errors="ignore" if args.ignore_unknown else "raise",
                               truncate=args.truncate):
        print(out)
    return 0


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    command = {"demo": cmd_demo, "train": cmd_train, "translate": cmd_translate}[args.command]
    try:
        return command(args)
    except USER_ERRORS as err:
        print(f"npseq2seq {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"npseq2seq {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
