"""What Keras's RNN dropout costs a training epoch: seconds per epoch without dropout, with
``dropout``, with ``recurrent_dropout`` and with both, on one small character-level run.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python -m benchmarks.dropout_cost [--samples 2000]

The tutorial's model (LSTM, RMSprop 0.001, batch 64, seed 0; ``--cell gru`` for GRU) on
the first ``--samples`` lines of ``../shared/data/fra-eng/fra.txt``, ``--epochs`` epochs
for each setting, the settings interleaved round by round so that a busy machine slows
them alike; reported: the fastest epoch of each (the least disturbed) and the last
epoch's training loss. ``dropout`` alone only masks the inputs before the one input
projection; ``recurrent_dropout`` switches to Keras's implementation 1: each step's
h_{t-1} U becomes one product per gate, forward and backward, and U's gradient one GEMM
per gate.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from npseq2seq import Seq2Seq
from npseq2seq.text import CharVocab, load_pairs

FRA = Path(__file__).resolve().parents[2] / "shared/data/fra-eng/fra.txt"
SETTINGS = {"none": (0.0, 0.0), "dropout 0.2": (0.2, 0.0), "recurrent_dropout 0.2": (0.0, 0.2),
            "both 0.2": (0.2, 0.2)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--latent-dim", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    args = parser.parse_args(argv)
    inputs, targets = load_pairs(FRA, args.samples)
    vocab = CharVocab.from_texts(inputs, targets)
    enc, dec, tgt = vocab.encode_pairs(inputs, targets)
    models = {}
    for name, (dropout, recurrent) in SETTINGS.items():
        model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, args.latent_dim, cell=args.cell,
                        seed=0, vocab=vocab, dropout=dropout, recurrent_dropout=recurrent)
        model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
        models[name] = model
    seconds = {name: [] for name in SETTINGS}
    losses = {}
    for _ in range(args.epochs):
        for name, model in models.items():
            start = time.perf_counter()
            history = model.fit([enc, dec], tgt, batch_size=64, epochs=1, verbose=0)
            seconds[name].append(time.perf_counter() - start)
            losses[name] = history.history["loss"][-1]
    print(f"{args.cell}, latent_dim {args.latent_dim}, {args.samples} samples, fastest of {args.epochs} epochs")
    base = min(seconds["none"])
    for name in SETTINGS:
        best = min(seconds[name])
        print(f"  {name:<24} {best:6.2f} s/epoch  ({best / base:4.2f}×)   loss after {args.epochs}: {losses[name]:.4f}")


if __name__ == "__main__":
    main()
