"""The tutorial's trivial case against its encoder-decoder on the addition corpus, at equal CPU time.

    OMP_NUM_THREADS=1 python -m benchmarks.repeat_vs_seq2seq [--budget 120] [--num-samples 20000]
    OMP_NUM_THREADS=1 python -m benchmarks.repeat_vs_seq2seq --corpus numbers   # words, 1,000 pairs

Each model (``RepeatSeq2Seq``: Keras's addition_rnn; ``Seq2Seq``: the tutorial's
encoder-decoder), with and without reversed input, trains epoch by epoch on the first
90 % of ``text.addition_pairs(num_samples)`` (sums of numbers below 1,000) until its
process CPU time (``time.process_time``, every thread counted) passes the budget; then
the held-out 10 % (at most 1,000 sums) are answered: argmax per output step (repeat),
greedy decoding (seq2seq), and a sum counts when the answer is exactly right. Same
sizes for both (latent 128, RMSprop lr 0.005, batch 64: the demo's settings), one seed.
``--corpus numbers``: English number words → French ones (``text.number_word_pairs``,
0-999, in a shuffled order), outputs of 2 to 30 characters: the repeat model's table and
widths are then read from the data (inputs padded to the longest, outputs to the longest).
``--corpus fra``: the tutorial's data, trained on the first 10,000 lines of fra.txt and
scored on the next 500 (exact match and character error rate, CER).
Prints one line per model: epochs done, CPU seconds, final loss, held-out exact match.
"""
from __future__ import annotations

import argparse
import functools
import time
from pathlib import Path

import numpy as np

from npseq2seq import RMSprop, Seq2Seq
from npseq2seq.metrics import character_error_rate, exact_match
from npseq2seq.model import RepeatSeq2Seq
from npseq2seq.text import CharTable, CharVocab, addition_pairs, load_pairs, number_word_pairs

LATENT, LR, BATCH = 128, 0.005, 64
FRA = Path(__file__).resolve().parents[2] / "shared/data/fra-eng/fra.txt"


def _repeat(train, held, reverse):
    table = CharTable.from_texts(*train, *held)
    width, out = max(map(len, train[0] + held[0])), max(map(len, train[1] + held[1]))
    x = lambda texts: table.one_hot(texts, width, reverse=reverse)   # noqa: E731
    model = RepeatSeq2Seq(len(table), len(table), out, LATENT, seed=0)
    model.compile(RMSprop(learning_rate=LR))
    step = lambda: model.fit(x(train[0]), table.one_hot(train[1], out), batch_size=BATCH,  # noqa: E731
                             epochs=1, verbose=0).history["loss"][-1]
    answer = lambda: [table.decode(r).strip() for r in model.predict_ids(x(held[0]))]  # noqa: E731
    return step, answer


def _seq2seq(train, held, reverse, every=None):
    # every: the texts the vocabulary is built from (fra.txt: held-out lines may hold
    # characters, or be longer, than the training lines); default the training pairs
    vocab = CharVocab.from_texts(*(every or train), reverse_input=reverse)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, LATENT, seed=0, vocab=vocab)
    model.compile(RMSprop(learning_rate=LR))
    enc, dec, tgt = vocab.encode_pairs(*train)
    step = lambda: model.fit([enc, dec], tgt, batch_size=BATCH, epochs=1,  # noqa: E731
                             verbose=0).history["loss"][-1]
    return step, lambda: model.translate(held[0])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=120.0, help="CPU seconds per model")
    parser.add_argument("--num-samples", type=int, default=20000)
    parser.add_argument("--corpus", choices=["addition", "numbers", "fra"], default="addition")
    parser.add_argument("--forward-only", action="store_true", help="skip the reversed-input runs")
    args = parser.parse_args(argv)
    if args.corpus == "fra":
        inputs, targets = load_pairs(FRA, 10500)
    elif args.corpus == "addition":
        inputs, targets = addition_pairs(args.num_samples)
    else:
        inputs, targets = number_word_pairs()
        order = np.random.default_rng(0).permutation(len(inputs))   # held-out numbers of every size
        inputs, targets = [inputs[k] for k in order], [targets[k] for k in order]
    split = 10000 if args.corpus == "fra" else int(0.9 * len(inputs))
    train, held = (inputs[:split], targets[:split]), (inputs[split:split + 1000], targets[split:split + 1000])
    print(f"{args.corpus} corpus: {split} training pairs, {len(held[0])} held out; "
          f"budget {args.budget:.0f} CPU-s per model")
    every = (inputs, targets) if args.corpus == "fra" else None
    for name, build in (("repeat", _repeat), ("seq2seq", functools.partial(_seq2seq, every=every))):
        for reverse in (False,) if args.forward_only else (False, True):
            start = time.process_time()
            step, answer = build(train, held, reverse)
            epochs, loss = 0, float("nan")
            while time.process_time() - start < args.budget:
                loss, epochs = step(), epochs + 1
            cpu = time.process_time() - start
            got = answer()
            right = exact_match(got, held[1])
            print(f"{name:<8} reverse={reverse!s:<5} epochs {epochs:>3}  train CPU {cpu:6.1f}s  "
                  f"loss {loss:.4f}  held-out exact match {100 * right:5.1f} %  "
                  f"CER {character_error_rate(got, held[1]):.3f}", flush=True)


if __name__ == "__main__":
    main()
