"""The README's end-of-hour scores of saved recipe models, beyond ``recipe_fra``'s greedy
ones: beam search, every reference, and the shortest held-out sentences apart.

    OPENBLAS_NUM_THREADS=1 python -m benchmarks.recipe_rescore MODEL.npz [MODEL.npz ...] \\
        [--num-samples 66000 --held-out 2000] [--beam 5] [--first 500]

Each model translates the held-out inputs (the split ``recipe_fra`` and ``npseq2seq train
--held-out`` draw: ``cli.splits.held_out_pairs``, seed 0) greedily and with beam search,
and is scored against the first translation the data gives each input (the README's
tables) and against all of them (``metrics``' multi-reference scores, as ``npseq2seq
evaluate --all-references``), on all of them and on the first ``--first`` / the rest
(fra.txt is sorted by length and the split keeps its order: the first are the shortest).
Prints one JSON line a model and decoding.

``--human``: what the one-reference scores allow. On the held-out inputs the data translates
more than once, a second human translation (the first one the file gives after the
reference) is scored against the reference as a model's output is, in a line of its own;
each model's line gains its scores on the same inputs (``"translated_twice"``).
"""
from __future__ import annotations

import argparse
import json

from benchmarks.common import FRA_PATH


def held_out(data: str, num_samples: int, n: int):
    """(inputs, first references, every reference of each input) of the held-out split."""
    from npseq2seq.cli.splits import held_out_pairs
    from npseq2seq.text import load_pairs
    from npseq2seq.text.split import every_translation

    pairs = load_pairs(data, num_samples)
    inputs, references = held_out_pairs(pairs, {"held_out": n}, held_out_only=True)
    return inputs, references, every_translation(*pairs, inputs)


def second_translations(references, every):
    """(indices of the inputs translated more than once, a translation of each other than its
    reference): the first other translation the data gives."""
    index = [i for i, translations in enumerate(every) if len(set(translations)) > 1]
    return index, [next(t for t in every[i] if t != references[i]) for i in index]


def four_scores(hypotheses, references) -> dict:
    """chrF, BLEU, CER and exact match (``references``: one string or a list of them each)."""
    from npseq2seq import metrics
    return {"chrf": metrics.chrf(hypotheses, references), "bleu": metrics.bleu(hypotheses, references),
            "cer": metrics.character_error_rate(hypotheses, references),
            "exact": metrics.exact_match(hypotheses, references)}


def scores(hypotheses, references, first: int) -> dict:
    from npseq2seq import metrics
    return {**four_scores(hypotheses, references),
            f"chrf_first{first}": metrics.chrf(hypotheses[:first], references[:first]),
            "chrf_rest": metrics.chrf(hypotheses[first:], references[first:])}


def parser(description: str) -> argparse.ArgumentParser:
    """The arguments every re-scoring of saved models takes: the models, and the data and
    split they were trained on (the README's by default)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("models", nargs="+")
    p.add_argument("--data", default=str(FRA_PATH))
    p.add_argument("--num-samples", type=int, default=66000)
    p.add_argument("--held-out", type=int, default=2000)
    return p


def main(argv=None) -> list[dict]:
    p = parser(__doc__.split("\n")[0])
    p.add_argument("--beam", type=int, default=5)
    p.add_argument("--first", type=int, default=500)
    p.add_argument("--human", action="store_true", help="score a second human translation too")
    args = p.parse_args(argv)
    from npseq2seq import io

    inputs, references, every = held_out(args.data, args.num_samples, args.held_out)
    twice, second = second_translations(references, every)
    twice_refs = [references[i] for i in twice]
    rows = []
    if args.human:
        rows.append({"model": "a second human translation", "decoding": None, "n": len(twice),
                     "translated_twice": four_scores(second, twice_refs)})
        print(json.dumps(rows[-1]), flush=True)
    for path in args.models:
        model = io.load_model(path)
        for decoding, beam in (("greedy", None), (f"beam{args.beam}", args.beam)):
            hyps = model.translate(inputs, errors="ignore", truncate=True, beam_width=beam)
            row = {"model": path, "decoding": decoding, "n": len(inputs),
                   "first_reference": scores(hyps, references, args.first),
                   "all_references": scores(hyps, every, args.first)}
            if args.human:
                row["translated_twice"] = four_scores([hyps[i] for i in twice], twice_refs)
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


if __name__ == "__main__":
    main()
