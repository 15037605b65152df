"""Does masking the padding end "the same output whatever the input"? Final encoder states of
short inputs, with and without ``mask_padding``.

    OMP_NUM_THREADS=1 python -m benchmarks.masking_cosine [--epochs 5] [--latent-dim 256]

Models of the tutorial's size train the same number of epochs (RMSprop 0.001,
batch 64, validation_split 0.2, seed 0) on the first 10,000 lines of
``../shared/data/fra-eng/fra.txt``: zero padding, and zero padding with
``mask_padding=True`` (Keras's ``Masking()``); with ``--space`` first also space padding
(keras-io, the README's inspected model). For each: the cosine of the final encoder states of "Go." and "Run!"
(h, c, and [h; c]), the validation loss on the real steps only (the decoder input's,
as the masked model counts them), the mean pairwise cosine of [h; c] over the 50 shortest held-out
inputs, and how many distinct greedy translations 200 held-out inputs get.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from npseq2seq import RMSprop, Seq2Seq
from npseq2seq.text import CharVocab, load_pairs

FRA = Path(__file__).resolve().parents[2] / "shared/data/fra-eng/fra.txt"


def _cos(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--latent-dim", type=int, default=256)
    parser.add_argument("--space", action="store_true", help="also the space-padded model")
    args = parser.parse_args(argv)
    inputs, targets = load_pairs(FRA, 10000)
    held = inputs[8000:]
    shortest = sorted(set(held), key=len)[:50]
    variants = [("space", False)] if args.space else []
    for padding, masked in variants + [("zero", False), ("zero", True)]:
        vocab = CharVocab.from_texts(inputs, targets, padding=padding)
        model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, args.latent_dim, seed=0,
                        vocab=vocab, mask_padding=masked)
        model.compile(RMSprop(learning_rate=0.001))
        enc, dec, tgt = vocab.encode_pairs(inputs, targets)
        start = time.process_time()
        history = model.fit([enc, dec], tgt, batch_size=64, epochs=args.epochs,
                            validation_split=0.2, shuffle=True, verbose=2).history
        cpu = time.process_time() - start
        # val_loss on the real steps only (the masked model's own measure), so the rows compare
        val = slice(8000, None)
        probs = model.predict([enc[val], dec[val]], batch_size=256)
        real = dec[val].any(-1)
        rows = -(tgt[val] * np.log(np.maximum(probs, 1e-30))).sum(-1)
        real_loss = float(rows[real].mean())
        h, c = model.encode(vocab.encode_inputs(["Go.", "Run!"]))
        both = np.concatenate([h, c], axis=1)
        states = np.concatenate(model.encode(vocab.encode_inputs(shortest)), axis=1)
        unit = states / np.linalg.norm(states, axis=1, keepdims=True)
        pairwise = unit @ unit.T
        mean_pairwise = float(pairwise[np.triu_indices(len(unit), 1)].mean())
        distinct = len(set(model.translate(held[:200])))
        print(f"padding={padding:<5} mask_padding={masked!s:<5} epochs {args.epochs} ({cpu:.0f} CPU-s), "
              f"loss {history['loss'][-1]:.4f} val_loss {history['val_loss'][-1]:.4f} "
              f"(on real steps: {real_loss:.4f})\n"
              f"  cos('Go.', 'Run!'): h {_cos(h[0], h[1]):.4f}  c {_cos(c[0], c[1]):.4f}  "
              f"[h;c] {_cos(both[0], both[1]):.4f}\n"
              f"  mean pairwise cos [h;c] over the 50 shortest held-out inputs: {mean_pairwise:.4f}\n"
              f"  distinct greedy translations of 200 held-out inputs: {distinct}", flush=True)


if __name__ == "__main__":
    main()
