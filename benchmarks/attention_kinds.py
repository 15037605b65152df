"""The tutorial's model against three kinds of attention on fra.txt, at equal CPU time.

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python -m benchmarks.attention_kinds \\
        --model bahdanau --region long [--budget 300] [--seed 0] [--save model.npz]

One model and one region per process (run them side by side; each counts only its own
``time.process_time``). ``--model``: ``tutorial`` (no attention), ``luong`` (Keras's
``Attention()`` after the RNN, dot scores), ``bahdanau`` (additive scores inside the
recurrence, the context fed into each step) or ``luong_feeding`` (Luong's general score
with input feeding). ``--region``: ``short`` (lines 1–10,500 of fra.txt: inputs of 9.5
characters on average, the tutorial's) or ``long`` (lines 55,001–65,500: inputs of 27,
targets of 33). The region's lines are shuffled (seed 0); 500 are held out and never
trained on, the other 10,000 are the training set. The model (latent 128, RMSprop lr
0.005, batch 64, space padding) trains on chunks of 2,000 shuffled pairs until its process
CPU time would pass the budget with one more chunk; then greedy decoding of the held-out
inputs is scored with chrF (sacrebleu) and exact match. Prints one line.

``--seed S`` seeds the model's initial weights (S) and the order of the chunks (S + 1);
the held-out split stays the same for every seed, so seeds differ only in training.
``--save PATH`` writes the trained model (``Seq2Seq.save``, with its vocabulary) for
``benchmarks.attention_plots``. ``held_out(region)`` gives the held-out pairs.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from npseq2seq import RMSprop, Seq2Seq
from npseq2seq.metrics import chrf, exact_match
from npseq2seq.text import CharVocab, load_pairs

LATENT, LR, BATCH, CHUNK, HELD = 128, 0.005, 64, 2000, 500
FRA = Path(__file__).resolve().parents[2] / "shared/data/fra-eng/fra.txt"
MODELS = {"tutorial": {}, "luong": {"attention": "luong"}, "bahdanau": {"attention": "bahdanau"},
          "luong_feeding": {"attention": "luong_general", "input_feeding": True}}
REGIONS = {"short": 0, "long": 55000}


def region_split(region: str):
    """(inputs, targets, held, train): the region's pairs and the shuffled indices of its
    held-out and training lines (the split does not depend on the training seed)."""
    first = REGIONS[region]
    inputs, targets = load_pairs(FRA, first + CHUNK * 5 + HELD)
    inputs, targets = inputs[first:], targets[first:]
    order = np.random.default_rng(0).permutation(len(inputs))
    return inputs, targets, order[:HELD], order[HELD:]


def held_out(region: str) -> tuple[list[str], list[str]]:
    """The region's held-out (inputs, targets), in the order they are scored."""
    inputs, targets, held, _ = region_split(region)
    return [inputs[k] for k in held], [targets[k] for k in held]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(MODELS), required=True)
    parser.add_argument("--region", choices=sorted(REGIONS), required=True)
    parser.add_argument("--budget", type=float, default=300.0, help="CPU seconds of training")
    parser.add_argument("--seed", type=int, default=0, help="initial weights (S) and chunk order (S + 1)")
    parser.add_argument("--save", metavar="PATH", help="write the trained model here (.npz)")
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error(f"--seed must be >= 0, received {args.seed}")
    inputs, targets, held, train = region_split(args.region)
    vocab = CharVocab.from_texts(inputs, targets)       # held-out lines may hold rarer characters
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, LATENT, seed=args.seed,
                    vocab=vocab, **MODELS[args.model])
    model.compile(RMSprop(learning_rate=LR))
    enc, dec, tgt = vocab.encode_pairs([inputs[k] for k in train], [targets[k] for k in train])
    start, chunks, longest, loss = time.process_time(), 0, 0.0, float("nan")
    rng = np.random.default_rng(args.seed + 1)
    while True:
        used = time.process_time() - start
        if used + longest > args.budget:
            break
        rows = rng.permutation(len(enc))[:CHUNK]
        before = time.process_time()
        loss = model.fit([enc[rows], dec[rows]], tgt[rows], batch_size=BATCH, epochs=1, verbose=0,
                         shuffle=False).history["loss"][-1]
        longest, chunks = max(longest, time.process_time() - before), chunks + 1
    cpu = time.process_time() - start
    got = model.translate([inputs[k] for k in held])
    refs = [targets[k] for k in held]
    if args.save:
        model.save(args.save)
    print(f"{args.region:<5} {args.model:<13} seed {args.seed}  "
          f"chunks {chunks:>3} ({chunks * CHUNK / len(enc):.1f} epochs)  "
          f"train CPU {cpu:6.1f}s  loss {loss:.4f}  held-out chrF {chrf(got, refs):5.2f}  "
          f"exact {100 * exact_match(got, refs):4.1f} %  e.g. {inputs[held[0]]!r} -> {got[0]!r}", flush=True)


if __name__ == "__main__":
    main()
