"""Issue 13's side-by-side table: the tutorial's model against its deeper variants, at equal CPU time.

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python -m benchmarks.deeper_side_by_side --corpus fra --budget 90
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python -m benchmarks.deeper_side_by_side --corpus addition --budget 40

Variants (character level, LSTM, RMSprop lr 0.005, batch 64, seed 0; ``LATENT`` units):

    tutorial        space padding, as keras.io
    masked          zero padding and mask_padding (Keras's Masking() on both inputs)
    reversed        space padding, reverse_input (the padding then comes first)
    bidirectional   a bidirectional encoder, LATENT/2 units a direction (a decoder of LATENT)
    2-layer stack   num_layers=2, LATENT units a layer

Each trains epoch by epoch until its process CPU time (``time.process_time``) passes the
budget, then is scored on held-out pairs: val_loss counted on the real target characters
only (each target's characters and its end character: the padding after them, which the
space-padded models must also predict, is left out so that the columns compare), chrF
(sacrebleu) and exact match of greedy translations, and the cosine of the final encoder
states ([every layer's h; c]) of "Go." and "Run!" (fra) or "1+2" and "345+678" (addition).

fra: the first 10,000 lines of fra.txt, lines 1–9,000 for training and 9,001–10,000 held
out (the vocabulary from all 10,000). addition: ``text.addition_pairs(20000)``, 18,000 /
the next 1,000 held out.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from npseq2seq import RMSprop, Seq2Seq
from npseq2seq.metrics import chrf, exact_match
from npseq2seq.text import CharVocab, addition_pairs, load_pairs

LATENT, LR, BATCH = 128, 0.005, 64
FRA = Path(__file__).resolve().parents[2] / "shared/data/fra-eng/fra.txt"
VARIANTS = {
    "tutorial": ({}, {"padding": "space"}),
    "masked": ({"mask_padding": True}, {"padding": "zero"}),
    "reversed": ({}, {"padding": "space", "reverse_input": True}),
    "bidirectional": ({"bidirectional": True, "latent_dim": LATENT // 2}, {"padding": "space"}),
    "2-layer stack": ({"num_layers": 2}, {"padding": "space"}),
}
PROBES = {"fra": ["Go.", "Run!"], "addition": ["1+2", "345+678"]}


def real_val_loss(model, vocab, held) -> float:
    """Mean -log p(target) over each held-out target's characters and its end character."""
    enc, dec, tgt = vocab.encode_pairs(*held)
    probs = model.predict([enc, dec], batch_size=256)
    ids = tgt if tgt.ndim == 2 else tgt.argmax(-1)
    real = np.arange(ids.shape[1])[None, :] < np.array([len(t) + 1 for t in held[1]])[:, None]
    picked = np.take_along_axis(probs, np.maximum(ids, 0)[..., None], -1)[..., 0]
    return float(-np.log(np.maximum(picked[real], 1e-12)).mean())


def cosine(model, vocab, probes) -> float:
    a, b = (np.concatenate([s[0] for s in model.encode(vocab.encode_inputs([p]))]) for p in probes)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=["fra", "addition"], default="fra")
    parser.add_argument("--budget", type=float, default=90.0, help="CPU seconds per variant")
    parser.add_argument("--only", action="append", choices=sorted(VARIANTS), help="run these variants only")
    args = parser.parse_args(argv)
    if args.corpus == "fra":
        inputs, targets = load_pairs(FRA, 10000)
        split, end = 9000, 10000
    else:
        inputs, targets = addition_pairs(20000)
        split, end = 18000, 19000
    train, held = (inputs[:split], targets[:split]), (inputs[split:end], targets[split:end])
    print(f"{args.corpus}: {split} training pairs, {len(held[0])} held out; {args.budget:.0f} CPU-s "
          "per variant", flush=True)
    for name in args.only or VARIANTS:
        options, text = VARIANTS[name]
        vocab = CharVocab.from_texts(inputs[:end], targets[:end], **text)
        model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, **{"latent_dim": LATENT, **options},
                        seed=0, vocab=vocab)
        model.compile(RMSprop(learning_rate=LR))
        enc, dec, tgt = vocab.encode_pairs(*train)
        start, epochs = time.process_time(), 0
        while time.process_time() - start < args.budget:
            model.fit([enc, dec], tgt, batch_size=BATCH, epochs=1, verbose=0)
            epochs += 1
        cpu = time.process_time() - start
        got = model.translate(held[0])
        print(f"| {name} | {epochs} | {cpu:.0f} | {real_val_loss(model, vocab, held):.3f} | "
              f"{chrf(got, held[1]):.1f} | "
              f"{100 * exact_match(got, held[1]):.1f} % | {cosine(model, vocab, PROBES[args.corpus]):.4f} | "
              f"{len(set(got))} |", flush=True)


if __name__ == "__main__":
    main()
