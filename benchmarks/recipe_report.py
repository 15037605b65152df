"""The README's figures for the recipe: held-out chrF, BLEU, CER and exact match against
training CPU minutes (a PNG), the scores at equal CPU time (a Markdown table), and real
held-out translations of the saved models (a Markdown table), from what
``benchmarks.recipe_fra`` wrote.

    python -m benchmarks.recipe_report benchmarks/results/recipe/tutorial.json \\
        benchmarks/results/recipe/recipe.json --plot docs/recipe_fra.png \\
        --models tutorial.npz recipe.npz --examples 12 [--names tutorial recipe]

The examples are drawn at random (seed 0) from all the held-out sentences, not picked.
"""
from __future__ import annotations

import argparse
import json

import numpy as np

PANELS = [("chrf", "chrF (higher is better)"), ("bleu", "BLEU"), ("cer", "CER (lower is better)"),
          ("exact", "exact match (%)")]


def plot(runs, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.6))
    for run in runs:
        points = [q for q in run["curve"] if "chrf" in q]
        minutes = [q["train_cpu_s"] / 60 for q in points]
        for ax, (key, title) in zip(axes, PANELS):
            scale = 100 if key == "exact" else 1
            ax.plot(minutes, [q[key] * scale for q in points], marker="o", ms=3, label=run["name"])
            ax.set_title(title, fontsize=10)
            ax.set_xlabel("training CPU minutes (1 thread)")
            ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    n = [q for q in runs[0]["curve"] if "chrf" in q][-1]["n"]
    fig.suptitle(f"fra.txt: the first {n} held-out sentences, greedy decoding, during training", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"wrote {path}")


def score_table(runs):
    """Each run's evaluations, and its final scores on every held-out sentence."""
    print("| run | epochs | training CPU min | held-out | chrF | BLEU | CER | exact match |")
    print("|---|---|---|---|---|---|---|---|")
    for run in runs:
        for q in [q for q in run["curve"] if "chrf" in q]:
            print(f"| {run['name']} | {q['epoch']} | {q['train_cpu_s'] / 60:.1f} | {q['n']} | {q['chrf']:.1f} | "
                  f"{q['bleu']:.1f} | {q['cer']:.3f} | {100 * q['exact']:.1f} % |")
        f = run["final"]
        print(f"| **{run['name']}, final** | | **{run['train_cpu_s'] / 60:.1f}** | {f['n']} | **{f['chrf']:.1f}** | "
              f"**{f['bleu']:.1f}** | **{f['cer']:.3f}** | **{100 * f['exact']:.1f} %** |")


def examples(runs, model_paths, k):
    from npseq2seq import Seq2Seq
    from npseq2seq.cli.splits import held_out_pairs
    from npseq2seq.metrics import chrf
    from npseq2seq.text import load_pairs
    settings = runs[0]["settings"]
    inputs, refs = held_out_pairs(load_pairs(settings["data"], settings["num_samples"]), settings,
                                  held_out_only=True)
    pick = np.sort(np.random.default_rng(0).choice(len(inputs), size=k, replace=False))
    outs = [Seq2Seq.load(p).translate([inputs[i] for i in pick], errors="ignore", truncate=True)
            for p in model_paths]
    names = [run["name"] for run in runs]
    print("| English (held out) | reference | " + " | ".join(names) + " |")
    print("|---" * (2 + len(names)) + "|")
    for j, i in enumerate(pick):
        cells = [f"{o[j]} ({chrf([o[j]], [refs[i]]):.0f})" for o in outs]
        print(f"| {inputs[i]} | {refs[i]} | " + " | ".join(cells) + " |")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("results", nargs="+")
    p.add_argument("--plot")
    p.add_argument("--models", nargs="*", default=[])
    p.add_argument("--examples", type=int, default=12)
    p.add_argument("--names", nargs="*", default=[],
                   help="what to call each run in the plot and tables (default: its --name)")
    args = p.parse_args(argv)
    runs = [json.load(open(path, encoding="utf-8")) for path in args.results]
    if args.names and len(args.names) != len(runs):
        p.error(f"--names: {len(args.names)} names for {len(runs)} results")
    for run, name in zip(runs, args.names):
        run["name"] = name
    if args.plot:
        plot(runs, args.plot)
    score_table(runs)
    if args.models:
        examples(runs, args.models, args.examples)


if __name__ == "__main__":
    main()
