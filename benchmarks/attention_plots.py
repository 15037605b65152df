"""The alignments of several attention models for the same held-out sentences, side by side.

    python -m benchmarks.attention_plots --region long --out docs/attention_long \\
        luong=/tmp/luong.npz bahdanau=/tmp/bahdanau.npz luong_feeding=/tmp/feeding.npz \\
        [--sentences 2 39] [--rows reference|greedy]

The models are files written by ``benchmarks.attention_kinds --save``; ``--sentences``
are indices into the region's held-out lines (``attention_kinds.held_out``: never trained
on). One PNG per sentence, ``OUT_<index>.png``, one panel per model: column j is input
character j (the whole encoder input, padding included: a model without a mask spreads
weight over it too), row i is decoder step i. ``--rows reference`` (the default) feeds
the reference translation (teacher forcing, ``model.attention_weights``): every panel
has the same rows, the correct French characters, so the panels compare directly.
``--rows greedy`` shows the weights each model used while writing its own greedy
translation (``inspect.record``, what ``npseq2seq inspect`` draws). Each panel's title
gives the model's greedy translation either way. Needs matplotlib.
"""
from __future__ import annotations

import argparse

import numpy as np

from benchmarks.attention_kinds import REGIONS, held_out
from npseq2seq import Seq2Seq
from npseq2seq.inspect import _figure, _shown, record
from npseq2seq.text import excerpt
from npseq2seq.text.chars import END


def _model_arg(text: str) -> tuple[str, str]:
    name, sep, path = text.partition("=")
    if not sep or not name or not path:
        raise argparse.ArgumentTypeError(f"a model is NAME=PATH (e.g. luong=/tmp/luong.npz), received {text!r}")
    return name, path


def alignment(model: Seq2Seq, text: str, target: str, rows: str) -> tuple[np.ndarray, list[str], list[str]]:
    """(weights (Td, Te), row labels, column labels) of one sentence, see the docstring."""
    vocab = model.vocab
    if rows == "greedy":
        trace = record(model, text)
        return trace.attention, trace.output_tokens, trace.encoder.tokens
    enc, dec, _ = vocab.encode_pairs([text], [target], dtype=model.dtype)
    steps = len(target) + 1                                  # the reference's characters, then END
    weights = model.attention_weights([enc, dec])[0, :steps]
    columns = [vocab.input_token(int(i)) for i in enc[0].argmax(-1)]
    return weights, [*target, END], columns


def plot(panels: list[tuple[str, str, np.ndarray, list[str], list[str]]], text: str, target: str):
    """panels: (model name, its greedy translation, weights, row labels, column labels)."""
    fig = _figure(figsize=(5.0 * len(panels), 0.16 * max(len(p[3]) for p in panels) + 2.0),
                  layout="constrained")
    fig.suptitle(f"held out: {text!r} → reference {target!r}", fontsize=10)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (name, translation, weights, row_labels, columns) in zip(axes, panels):
        # each panel on its own scale, 0 to its largest weight (its colour bar says which)
        image = ax.imshow(weights, aspect="auto", cmap="Greys", vmin=0, vmax=float(weights.max()),
                          interpolation="nearest")
        ax.set_xticks(range(len(columns)), [_shown(c) for c in columns], fontsize=7)
        ax.set_yticks(range(len(row_labels)), [_shown(c) for c in row_labels], fontsize=7)
        ax.set_xlabel("input character")
        ax.set_title(f"{name}\ngreedy: {excerpt(translation, 38)}", fontsize=8, loc="left")
        fig.colorbar(image, ax=ax, shrink=0.5, pad=0.01)
    axes[0].set_ylabel("output character")
    return fig


def main(argv=None) -> list[str]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", type=_model_arg, metavar="NAME=PATH")
    parser.add_argument("--region", choices=sorted(REGIONS), default="long")
    parser.add_argument("--sentences", type=int, nargs="+", default=[2, 39],
                        help="indices into the region's held-out lines")
    parser.add_argument("--rows", choices=("reference", "greedy"), default="reference")
    parser.add_argument("--out", required=True, help="path prefix of the PNGs: OUT_<index>.png")
    parser.add_argument("--dpi", type=int, default=80)
    args = parser.parse_args(argv)
    inputs, targets = held_out(args.region)
    for k in args.sentences:
        if not 0 <= k < len(inputs):
            parser.error(f"--sentences: {k} is not an index of the {len(inputs)} held-out lines")
    models = [(name, Seq2Seq.load(path)) for name, path in args.models]
    written = []
    for k in args.sentences:
        text, target = inputs[k], targets[k]
        panels = [(name, model.translate([text])[0], *alignment(model, text, target, args.rows))
                  for name, model in models]
        path = f"{args.out}_{k}.png"
        plot(panels, text, target).savefig(path, format="png", dpi=args.dpi)
        written.append(path)
        print(f"{path}: {text!r} -> {target!r}; " +
              "; ".join(f"{name} {translation!r}" for name, translation, *_ in panels), flush=True)
    return written


if __name__ == "__main__":
    main()
