"""Beam width and length penalty of a saved recipe model, chosen by cross-validation on
the held-out split, so that the score reported was not chosen on the sentences it scores.

    OPENBLAS_NUM_THREADS=1 python -m benchmarks.beam_settings MODEL.npz [--beams 5 10] \\
        [--alphas 0 0.3 0.6 0.9 1.2 1.5 1.8 2.1 2.5 3] [--folds 2] [--out settings.json]

The recipe trains on every pair but the held-out ones, so no other unseen sentences are
left to choose decoding settings on. Each setting (B, α) translates the held-out inputs
(``recipe_rescore.held_out``: the README's split) with beam search; then k-fold
cross-validation (the inputs in a random order, seed ``--seed``, cut into ``--folds``
parts): each part is translated with the setting that scored the best chrF on the *other*
parts, and the parts' translations together are scored on all of them. That score is an
estimate of what choosing the setting on unseen sentences buys; the best setting's own
score on all of them (``"chosen_on_these_sentences"``) is printed too, as the upper bound
it is, not as a result. Every setting's chrF, BLEU, CER and exact match are in ``"grid"``:
chrF weighs recall twice as much as precision (β = 2), so a longer output can gain chrF
and lose BLEU; the grid shows whether it does.
"""
from __future__ import annotations

import itertools
import json

import numpy as np

from benchmarks.recipe_rescore import four_scores, held_out, parser


def folds(n: int, k: int, seed: int) -> list[np.ndarray]:
    """The indices 0..n-1 in a random order (seed), cut into k parts of nearly equal size."""
    if not 2 <= k <= n:
        raise ValueError(f"--folds {k}: expected 2 to the number of held-out inputs ({n})")
    return [np.sort(part) for part in np.array_split(np.random.default_rng(seed).permutation(n), k)]


def cross_validated(hypotheses: dict, references: list, parts: list) -> tuple[list, list]:
    """(each input's translation under the setting the other parts chose, the settings chosen
    per part). ``hypotheses``: setting -> its translations of every input, in a fixed order
    (ties in chrF go to the setting listed first)."""
    from npseq2seq import metrics

    chosen, settings = [None] * len(references), []
    for part in parts:
        rest = np.setdiff1d(np.arange(len(references)), part)
        best = max(hypotheses, key=lambda s: (metrics.chrf([hypotheses[s][i] for i in rest],
                                                           [references[i] for i in rest]),
                                              -list(hypotheses).index(s)))
        settings.append(best)
        for i in part:
            chosen[i] = hypotheses[best][i]
    return chosen, settings


def main(argv=None) -> list[dict]:
    p = parser(__doc__.split("\n")[0])
    p.add_argument("--beams", type=int, nargs="+", default=[5, 10])
    p.add_argument("--alphas", type=float, nargs="+", default=[0.0, 0.3, 0.6, 0.9, 1.2, 1.5, 1.8, 2.1, 2.5, 3.0])
    p.add_argument("--folds", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="also write the rows to this JSON file")
    args = p.parse_args(argv)
    from npseq2seq import io

    inputs, references, _ = held_out(args.data, args.num_samples, args.held_out)
    parts = folds(len(inputs), args.folds, args.seed)
    rows = []
    for path in args.models:
        model = io.load_model(path)
        hypotheses = {(beam, alpha): model.translate(inputs, errors="ignore", truncate=True,
                                                     beam_width=beam, length_penalty=alpha)
                      for beam, alpha in itertools.product(args.beams, args.alphas)}
        scored = {setting: four_scores(h, references) for setting, h in hypotheses.items()}
        grid = {f"beam{b} alpha{a:g}": row for (b, a), row in scored.items()}
        chosen, settings = cross_validated(hypotheses, references, parts)
        best = max(scored, key=lambda setting: scored[setting]["chrf"])
        row = {"model": path, "n": len(inputs), "folds": args.folds, "seed": args.seed, "grid": grid,
               "cross_validated": {**four_scores(chosen, references),
                                   "settings": [{"beam": b, "alpha": a} for b, a in settings]},
               "chosen_on_these_sentences": {"beam": best[0], "alpha": best[1],
                                             **scored[best]}}
        print(json.dumps(row), flush=True)
        rows.append(row)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=1)
    return rows


if __name__ == "__main__":
    main()
