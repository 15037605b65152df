"""The README's plot of the recipe against the tutorial: held-out chrF, BLEU, CER and exact
match against training CPU minutes, from the JSON files ``benchmarks.recipe_fra`` writes.

    python -m benchmarks.recipe_plot benchmarks/results/recipe/tutorial.json \\
        benchmarks/results/recipe/recipe.json --out docs/recipe_fra.png
"""
from __future__ import annotations

import argparse
import json

PANELS = [("chrf", "chrF (higher is better)"), ("bleu", "BLEU"), ("cer", "CER (lower is better)"),
          ("exact", "exact match (%)")]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("results", nargs="+")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    runs = [json.load(open(path, encoding="utf-8")) for path in args.results]
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
    n = points[-1]["n"] if points else 0
    axes[0].legend(fontsize=8)
    fig.suptitle(f"fra.txt: {n} held-out sentences (greedy decoding) during training", fontsize=11)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
