"""``npseq2seq demo``: train on a generated corpus (no download), then show how many training
and held-out pairs the model translates exactly right."""
from __future__ import annotations

import time

import numpy as np

from .args import (
    CORPUS_NAMES,
    TRAIN_DEFAULTS,
    add_training_args,
    check_variant,
    corpus_pairs,
    new_model,
    new_vocab,
    positive_int,
    training_arrays,
)
from .demo_repeat import run_repeat
from .limits import check_training_memory
from .outputs import check_output

DEMO_SIZES = {"addition": 20000, "numbers": 1000}


def add_parser(sub):
    demo = sub.add_parser("demo", help="train on a generated corpus (no download) and translate")
    demo.add_argument("--corpus", choices=CORPUS_NAMES, default="addition")
    demo.add_argument("--num-samples", type=positive_int, default=None,
                      help="corpus size (default: 20000 sums, or all 1000 numbers 0-999)")
    # tuned to get most training sums and over half of unseen ones right in about half a minute on 2 cores
    add_training_args(demo, {**TRAIN_DEFAULTS, "epochs": 12, "latent_dim": 128, "learning_rate": 0.005})
    demo.add_argument("--model", choices=["seq2seq", "repeat"], default="seq2seq",
                      help="seq2seq: the encoder-decoder; repeat: the tutorial's trivial case, "
                           "Keras's addition_rnn model (--corpus addition)")
    demo.add_argument("--out", default=None, help="also save the trained model here (.npz)")
    demo.set_defaults(run=run)


def run(args):
    settings = vars(args)
    config = check_variant(settings)
    if args.model == "repeat":
        return run_repeat(args, args.num_samples or DEMO_SIZES[args.corpus])
    if args.out:
        check_output(args.out, "--out")   # before training, not after it
    inputs, targets = corpus_pairs(args.corpus, args.num_samples or DEMO_SIZES[args.corpus])
    vocab = new_vocab((inputs, targets), settings)
    check_training_memory(config.replace(num_encoder_tokens=vocab.num_encoder_tokens,
                                         num_decoder_tokens=vocab.num_decoder_tokens),
                          vocab, (inputs, targets), settings)
    model = new_model(vocab, settings)
    split_at = int(len(inputs) * (1 - args.validation_split))
    print(f"corpus '{args.corpus}': {len(inputs)} pairs, e.g. {inputs[0]!r} -> {targets[0]!r}; "
          f"training on {split_at}, holding out {len(inputs) - split_at}")
    print(model.summary())
    start = time.perf_counter()
    x, y = training_arrays(model, (inputs, targets))
    model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs,
              validation_split=args.validation_split, shuffle=True, verbose=2,
              bucket_by_length=args.bucket_by_length)
    print(f"trained in {time.perf_counter() - start:.0f}s")
    # scored on (at most) 1000 pairs of each side, enough for a percentage
    for name, lo, hi in (("training", 0, min(split_at, 1000)),
                         ("held-out", split_at, min(len(inputs), split_at + 1000))):
        if hi <= lo:                             # --validation-split 0 holds nothing out
            continue
        _show_scores(name, inputs[lo:hi], targets[lo:hi], model.translate(inputs[lo:hi]))
    if args.out:
        model.save(args.out)
        print(f"\nsaved to {args.out}")
    return 0


def _show_scores(name, inputs, targets, got):
    right = [g == t for g, t in zip(got, targets)]
    print(f"\n{name} pairs translated exactly right: {sum(right)}/{len(right)} "
          f"({100 * np.mean(right):.0f}%)")
    for text, target, g, ok in list(zip(inputs, targets, got, right))[:6]:
        print(f"  {'ok ' if ok else 'BAD'} {text:<28} -> {g}" + ("" if ok else f"   (expected {target})"))
