"""The tutorial's model against three kinds of attention on fra.txt, at equal CPU time.

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python -m benchmarks.attention_kinds \\
        --model bahdanau --region long [--budget 300]

One model and one region per process (run them side by side; each counts only its own
``time.process_time``). ``--model``: ``tutorial`` (no attention), ``luong`` (Keras's
``Attention()`` after the RNN, dot scores), ``bahdanau`` (additive scores inside the
recurrence, the context fed into each step) or ``luong_feeding`` (Luong's general score
with input feeding). ``--region``: ``short`` (lines 1–10,500 of fra.txt: inputs of 9.5
characters on average, the tutorial's) or ``long`` (lines 55,001–65,500: inputs of 27,
targets of 33). The region's lines are shuffled (seed 0); 500 are held out and never
trained on, the other 10,000 are the training set. The model (latent 128, RMSprop lr
0.005, batch 64, seed 0, space padding) trains on chunks of 2,000 shuffled pairs until
its process CPU time would pass the budget with one more chunk; then greedy decoding of
the held-out inputs is scored with chrF (sacrebleu) and exact match. Prints one line.
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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(MODELS), required=True)
    parser.add_argument("--region", choices=sorted(REGIONS), required=True)
    parser.add_argument("--budget", type=float, default=300.0, help="CPU seconds of training")
    args = parser.parse_args(argv)
    first = REGIONS[args.region]
    inputs, targets = load_pairs(FRA, first + CHUNK * 5 + HELD)
    inputs, targets = inputs[first:], targets[first:]
    order = np.random.default_rng(0).permutation(len(inputs))
    held, train = order[:HELD], order[HELD:]
    vocab = CharVocab.from_texts(inputs, targets)       # held-out lines may hold rarer characters
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, LATENT, seed=0, vocab=vocab,
                    **MODELS[args.model])
    model.compile(RMSprop(learning_rate=LR))
    enc, dec, tgt = vocab.encode_pairs([inputs[k] for k in train], [targets[k] for k in train])
    start, chunks, longest, loss = time.process_time(), 0, 0.0, float("nan")
    rng = np.random.default_rng(1)
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
    print(f"{args.region:<5} {args.model:<13} chunks {chunks:>3} ({chunks * CHUNK / len(enc):.1f} epochs)  "
          f"train CPU {cpu:6.1f}s  loss {loss:.4f}  held-out chrF {chrf(got, refs):5.2f}  "
          f"exact {100 * exact_match(got, refs):4.1f} %  e.g. {inputs[held[0]]!r} -> {got[0]!r}", flush=True)


if __name__ == "__main__":
    main()
