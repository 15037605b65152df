"""Minimum Bayes risk decoding against beam search, on saved recipe models: does choosing the
candidate the others agree with (by chrF) score better than the most probable one?

    OPENBLAS_NUM_THREADS=1 python -m benchmarks.recipe_mbr MODEL.npz [MODEL.npz ...] \\
        [--num-samples 66000 --held-out 2000] [--beam 8] [--samples 16] [--every 2]

Why it was worth a look: MBR decoding (Kumar and Byrne 2004; with sampled candidates, Eikema
and Aziz 2020) picks, among a sentence's candidate translations, the one with the highest
expected utility against the others, u = sentence chrF here, so it aims at the measure the
recipe's bar reads, at no training cost. The bar compares each model's better decoding, so
the tutorial's model is decoded the same ways.

Each model translates every ``--every``-th held-out input (the split ``recipe_rescore``
reads), and one JSON line a model gives the corpus chrF, against the first reference, of:
greedy; beam 5; beam ``--beam``'s best; MBR over that beam's n best (uniform, and weighted
by their probabilities renormalised over the n); MBR over ``--samples`` nucleus samples
(top-p 0.9, seed 0); and MBR over the samples and the n best together.
"""
from __future__ import annotations

import json

import numpy as np

from benchmarks.recipe_rescore import held_out, parser


def mbr_choice(candidates: list[str], weights=None) -> str:
    """argmax_i Σ_j w_j chrF(candidates[i], candidates[j]) (sentence chrF, a candidate
    against itself 100); ``weights`` None: uniform. The first of equals wins."""
    from sacrebleu.metrics import CHRF

    if len(candidates) == 1:
        return candidates[0]
    chrf = CHRF()
    utility = np.array([[100.0 if i == j else chrf.sentence_score(a, [b]).score
                         for j, b in enumerate(candidates)] for i, a in enumerate(candidates)])
    expected = utility @ (np.ones(len(candidates)) if weights is None else np.asarray(weights, float))
    return candidates[int(np.argmax(expected))]


def probabilities(translations) -> np.ndarray:
    """The n best's probabilities, renormalised over them: the softmax of their log-probabilities."""
    from npseq2seq.ops import softmax

    return softmax(np.array([t.log_prob for t in translations]))


def main(argv=None) -> list[dict]:
    p = parser(__doc__.split("\n")[0])
    p.add_argument("--beam", type=int, default=8)
    p.add_argument("--samples", type=int, default=16)
    p.add_argument("--every", type=int, default=2, help="score every k-th held-out input (from the 2nd)")
    args = p.parse_args(argv)
    from npseq2seq import io, metrics

    inputs, references, _ = held_out(args.data, args.num_samples, args.held_out)
    chosen = range(args.every - 1, len(inputs), args.every)
    inputs, references = [inputs[i] for i in chosen], [references[i] for i in chosen]
    rows = []
    for path in args.models:
        model = io.load_model(path)
        common = {"errors": "ignore", "truncate": True}
        n_best = model.translate(inputs, beam_width=args.beam, n_best=args.beam, **common)
        samples = model.translate(inputs, sampling="top_p", p=0.9, seed=0, num_samples=args.samples, **common)
        outputs = {
            "greedy": model.translate(inputs, **common),
            "beam5": model.translate(inputs, beam_width=5, **common),
            f"beam{args.beam}": [ts[0].text for ts in n_best],
            f"mbr_beam{args.beam}": [mbr_choice([t.text for t in ts]) for ts in n_best],
            f"mbr_beam{args.beam}_weighted": [mbr_choice([t.text for t in ts], probabilities(ts)) for ts in n_best],
            f"mbr_samples{args.samples}": [mbr_choice([s.text for s in ss]) for ss in samples],
            f"mbr_samples{args.samples}_and_beam{args.beam}": [
                mbr_choice([s.text for s in ss] + [t.text for t in ts]) for ss, ts in zip(samples, n_best)],
        }
        row = {"model": path, "n": len(inputs), "every": args.every,
               "chrf": {name: metrics.chrf(hyps, references) for name, hyps in outputs.items()}}
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


if __name__ == "__main__":
    main()
