"""``npseq2seq demo --model repeat``: the tutorial's "trivial case" (Keras's ``addition_rnn``
model, ``model.RepeatSeq2Seq``) trained on the addition corpus, then the share of training
and held-out sums it gets exactly right.

Data as ``addition_rnn`` makes it (``text.CharTable``): questions space-padded to
2·digits + 1 characters (read backwards with ``--reverse-input``, the padding then first),
answers padded to digits + 1; the answer is each step's most probable character.
``--out`` saves the model with its table and input width, so that ``npseq2seq translate
--model FILE "12+345"`` answers sums; ``--num-layers`` stacks the decoder (addition_rnn's
``num_layers``).
"""
from __future__ import annotations

import time

import numpy as np

from ..model import RepeatSeq2Seq
from ..text import CharTable
from .args import UsageError, corpus_pairs, new_optimizer
from .outputs import check_output

DIGITS = 3      # addition_pairs' default: sums of numbers below 1,000


def run_repeat(args, num_samples: int) -> int:
    if args.corpus != "addition":
        raise UsageError("--model repeat needs --corpus addition: its outputs have one fixed length")
    options = (("--attention", args.attention), ("--input-feeding", args.input_feeding),
               ("--mask-padding", args.mask_padding),
               ("--mask-zero", args.mask_zero), ("--level word", args.level == "word"),
               ("--no-teacher-forcing", not args.teacher_forcing),
               ("--bucket-by-length", args.bucket_by_length), ("--bidirectional", args.bidirectional),
               ("--dropout", args.dropout), ("--recurrent-dropout", args.recurrent_dropout),
               ("--output-dropout", args.output_dropout), ("--word-dropout", args.word_dropout),
               ("--tie-embeddings", args.tie_embeddings), ("--no-reset-after", not args.reset_after))
    given = [name for name, on in options if on]
    if given:
        raise UsageError(f"--model repeat has no {', '.join(given)}: options of the encoder-decoder")
    if args.out:
        check_output(args.out, "--out")   # before training, not after it
    inputs, targets = corpus_pairs("addition", num_samples)
    table, width = CharTable("0123456789+", reverse_input=args.reverse_input), 2 * DIGITS + 1
    x = table.one_hot(inputs, width, reverse=args.reverse_input, dtype=args.dtype)
    y = table.one_hot(targets, DIGITS + 1, dtype=args.dtype)
    model = RepeatSeq2Seq(len(table), len(table), DIGITS + 1, args.latent_dim, args.num_layers,
                          cell=args.cell, dtype=args.dtype, seed=args.seed, input_length=width,
                          table=table)
    model.compile(new_optimizer(vars(args)))
    split_at = int(len(inputs) * (1 - args.validation_split))
    print(f"corpus 'addition': {len(inputs)} sums, e.g. {inputs[0]!r} -> {targets[0]!r}, "
          f"as rows {table.decode(table.encode(inputs[:1], width, args.reverse_input)[0])!r} -> "
          f"{table.decode(table.encode(targets[:1], DIGITS + 1)[0])!r}; "
          f"training on {split_at}, holding out {len(inputs) - split_at}")
    print(model.summary())
    start = time.perf_counter()
    model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs,
              validation_split=args.validation_split, shuffle=True, verbose=2)
    print(f"trained in {time.perf_counter() - start:.0f}s")
    for name, lo, hi in (("training", 0, min(split_at, 1000)),
                         ("held-out", split_at, min(len(inputs), split_at + 1000))):
        if hi <= lo:
            continue
        got = [table.decode(row).strip() for row in model.predict_ids(x[lo:hi])]
        right = [g == t for g, t in zip(got, targets[lo:hi])]
        print(f"\n{name} sums answered exactly right: {sum(right)}/{len(right)} ({100 * np.mean(right):.0f}%)")
        for text, target, g, ok in list(zip(inputs[lo:hi], targets[lo:hi], got, right))[:6]:
            print(f"  {'ok ' if ok else 'BAD'} {text:<8} -> {g}" + ("" if ok else f"   (expected {target})"))
    if args.out:
        model.save(args.out)
        print(f"\nsaved to {args.out} (npseq2seq translate --model {args.out} \"12+345\")")
    return 0
