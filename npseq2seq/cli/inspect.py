"""``npseq2seq inspect``: translate one sentence greedily, print each step's most probable
tokens, and plot the gates, states and probabilities (``npseq2seq.inspect``) as PNG files."""
from __future__ import annotations

import os

from .. import inspect
from .args import UsageError, positive_int
from .exits import WriteFailedError
from .limits import loaded_model
from .outputs import check_output


def add_parser(sub):
    ins = sub.add_parser(
        "inspect", help="plot the gates, states and probabilities of one translation (PNG files)",
        description="Translate one sentence greedily, print each step's most probable tokens, and "
                    "write encoder.png and decoder.png (gate activations and states of every unit "
                    "at every step), probabilities.png (each emitted token's probability and the "
                    "runners-up) and, for attention models, attention.png. Needs matplotlib: "
                    "pip install 'npseq2seq[plot]'.")
    ins.add_argument("--model", required=True)
    ins.add_argument("text", help="the sentence to translate and look at")
    ins.add_argument("--out-dir", default="plots", help="where to write the PNG files (default %(default)s)")
    ins.add_argument("--top-k", type=positive_int, default=5,
                     help="alternatives per step (default %(default)s)")
    ins.add_argument("--units", type=positive_int, metavar="N",
                     help="plot only the first N units (default: all) for a closer look")
    ins.set_defaults(run=run)


PLOTS = ("encoder", "decoder", "probabilities", "attention")   # the files save_plots may write


def run(args):
    for name in PLOTS:   # checked before any work, as every output is (outputs.py)
        check_output(os.path.join(args.out_dir, f"{name}.png"), "--out-dir", inputs={"--model": args.model})
    trace = inspect.record(loaded_model(args.model, "inspect"), args.text, top_k=args.top_k)
    print(inspect.summary(trace))
    try:
        paths = inspect.save_plots(trace, args.out_dir, units=args.units)
    except ImportError as err:
        raise UsageError(str(err)) from None
    except OSError as err:   # a full disk after the work: exit 3, not a usage error
        raise WriteFailedError(f"could not write the plots in --out-dir {args.out_dir}: "
                               f"{err.strerror or err}") from None
    print("wrote " + ", ".join(paths))
    return 0
