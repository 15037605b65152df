"""The ``npseq2seq`` command: demo, train, translate, evaluate, inspect.

    npseq2seq demo                                  train on a generated corpus, show translations
    npseq2seq train --data fra.txt --num-samples 10000 --epochs 30 --out model.npz
    npseq2seq train --resume model.ckpt.npz         continue an interrupted run where it stopped
    npseq2seq translate --model model.npz "Go." "Run!"    (or one sentence per line on stdin)
    npseq2seq translate --model model.npz --beam 5 --n-best 3 "Go."    beam search, 3 best
    npseq2seq evaluate --model model.npz --data fra.txt    score on pairs it was not trained on
    npseq2seq inspect --model model.npz "Go." --out-dir plots/    gates, states, probabilities

A file per command (``demo.py``, ``train.py``, ...), each ``add_parser(sub)`` and
``run(args)``: parse, call the library, print. ``args.py`` holds what they share: the
training flags and the config they describe (whose rules are ``Seq2SeqConfig``'s).
No command asks "character or word?": the vocabulary answers for its level (``text.Vocab``).

Errors in the user's input (files, arguments, text) end with a one-line
message on stderr and exit status 2, never a traceback. A loss that becomes
NaN or Inf ends training with exit status 1; Ctrl-C with exit status 130. In
both cases ``train`` saves the last completed epoch as a checkpoint first.
"""
from __future__ import annotations

import argparse
import sys

from ..io import ModelFileError
from ..text import DataError, UnknownTokenError
from . import demo, evaluate, inspect, train, translate
from .args import EXIT_DIVERGED, EXIT_INTERRUPTED, EXIT_USER_ERROR, UsageError

__all__ = ["main", "build_parser", "UsageError", "EXIT_USER_ERROR", "EXIT_DIVERGED", "EXIT_INTERRUPTED"]

COMMANDS = (demo, train, translate, evaluate, inspect)
USER_ERRORS = (DataError, UnknownTokenError, ModelFileError, ValueError, OSError)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="npseq2seq", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except USER_ERRORS as err:
        print(f"npseq2seq {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except FloatingPointError as err:
        print(f"npseq2seq {args.command}: error: {err}", file=sys.stderr)
        return EXIT_DIVERGED
    except KeyboardInterrupt:
        print(f"npseq2seq {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
