"""The ``npseq2seq`` command: demo, train, translate, evaluate, inspect, import-keras, export-keras.

    npseq2seq demo                                  train on a generated corpus, show translations
    npseq2seq train --data fra.txt --num-samples 10000 --epochs 30 --out model.npz
    npseq2seq train --resume model.ckpt.npz         continue an interrupted run where it stopped
                                                    (saving model.npz beside it, unless --out)
    npseq2seq translate --model model.npz "Go." "Run!"    (or one sentence per line on stdin)
    npseq2seq translate --model model.npz --beam 5 --n-best 3 "Go."    beam search, 3 best
    npseq2seq evaluate --model model.npz --data fra.txt    score on pairs it was not trained on
    npseq2seq inspect --model model.npz "Go." --out-dir plots/    gates, states, probabilities
    npseq2seq export-keras model.npz --out s2s.keras     the model as a Keras 3 file
    npseq2seq import-keras s2s_model.keras --data fra.txt --num-samples 10000 --out model.npz
    npseq2seq translate --model s2s_model.keras --data fra.txt --num-samples 10000 "Go."
                                                    (a Keras file, read without TensorFlow)

A file per command (``demo.py``, ``train.py``, ...), each ``add_parser(sub)`` and
``run(args)``: parse, call the library, print. ``args.py`` holds what they share: the
training flags and the config they describe (whose rules are ``Seq2SeqConfig``'s).
No command asks "character or word?": the vocabulary answers for its level (``text.Vocab``).

Every way a command ends is one line on stderr (or none) and an exit status that means
one thing (``exits.py``, the README's "Errors and files"): 2 for input refused before
any work, 1 for a NaN/Inf loss, 3 for a file that could not be written, 4 for a size too
big for the machine, 128 + N for signal N; never a traceback (a bug is exit 70, in one
line, unless NPSEQ2SEQ_TRACEBACK=1). ``train`` saves a checkpoint before any of them.

Every command first fits OpenBLAS's threads to the cores other work leaves idle
(``blas.fit_to_idle_cores``: on a 2-core machine with one core busy, OpenBLAS's second
thread made the demo's epoch 73–132 s instead of 2.0), unless the user set its threads.
"""
from __future__ import annotations

import argparse
import os
import sys

from .. import blas
from ..io import ModelFileError
from ..text import DataError, UnknownTokenError, excerpt
from . import demo, evaluate, export_keras, import_keras, inspect, train, translate
from .args import EXIT_DIVERGED, EXIT_INTERRUPTED, EXIT_USER_ERROR, UsageError
from .exits import (
    EXIT_INTERNAL,
    EXIT_STDOUT_CLOSED,
    EXIT_TOO_BIG,
    EXIT_WRITE_FAILED,
    TooBigError,
    WriteFailedError,
)
from .signals import exit_status, interrupted, interrupts
from .streams import guard_streams, printable, say, stdout_failed

__all__ = ["main", "build_parser", "UsageError", "EXIT_USER_ERROR", "EXIT_DIVERGED", "EXIT_INTERRUPTED"]

COMMANDS = (demo, train, translate, evaluate, inspect, import_keras, export_keras)
USER_ERRORS = (DataError, UnknownTokenError, ModelFileError, ValueError, OSError)
# the errors a command ends on with a one-line message, and the exit status each means
ERROR_STATUSES = ((USER_ERRORS, EXIT_USER_ERROR), (FloatingPointError, EXIT_DIVERGED),
                  (WriteFailedError, EXIT_WRITE_FAILED), (TooBigError, EXIT_TOO_BIG))
ERROR_TYPES = tuple(kind for kinds, _ in ERROR_STATUSES
                    for kind in (kinds if isinstance(kinds, tuple) else (kinds,)))


class Parser(argparse.ArgumentParser):
    """argparse's parser, its errors in one line (the usage is one ``--help`` away)."""

    def error(self, message):
        self.exit(EXIT_USER_ERROR, printable(f"{self.prog}: error: {_short(message)} (see {self.prog} --help)")
                  + "\n")


def _short(message: str, limit: int = 300) -> str:
    message = " ".join(str(message).split())
    return message if len(message) <= limit else f"{message[:limit]}... ({len(message)} characters)"


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="npseq2seq", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def _message(err: BaseException) -> str:
    """One line for an error: an OSError names its file and says why, without [Errno N]."""
    if isinstance(err, OSError) and err.strerror:
        where = f"{err.filename}: " if err.filename else ""
        return _short(f"{where}{err.strerror}")
    return _short(str(err), 500)


def main(argv=None) -> int:
    streams = sys.stdout, sys.stderr
    guard_streams()   # a closed stdout or terminal must not end a run (streams.py)
    try:
        return _main(argv)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        if all(stream is not None for stream in streams):
            sys.stdout, sys.stderr = streams


def _main(argv) -> int:
    args = build_parser().parse_args(argv)
    command = args.command
    try:
        # SIGTERM and SIGHUP end a run as Ctrl-C does; OpenBLAS kept off cores other work holds
        with interrupts(), blas.fit_to_idle_cores():
            status = args.run(args)
        # output is what the other commands are for; train's is a progress report (streams.py)
        if status == 0 and command != "train" and stdout_failed():
            return EXIT_STDOUT_CLOSED
        return status
    except ERROR_TYPES as err:
        say(command, f"error: {_message(err)}")
        # the first kind that matches decides, in the order of ERROR_STATUSES
        return next(status for kinds, status in ERROR_STATUSES if isinstance(err, kinds))
    except MemoryError:
        say(command, f"error: out of memory (a size given to or read by `{command}` is too big "
                     "for this machine)")
        return EXIT_TOO_BIG
    except KeyboardInterrupt as stop:
        say(command, interrupted(stop))
        return exit_status(stop)
    except Exception as err:   # a bug: one line, and how to see where
        if os.environ.get("NPSEQ2SEQ_TRACEBACK"):
            raise
        say(command, f"internal error: {type(err).__name__}: {excerpt(str(err), 200)} (a bug in "
                     "npseq2seq; NPSEQ2SEQ_TRACEBACK=1 shows where)")
        return EXIT_INTERNAL
