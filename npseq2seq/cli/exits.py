"""What each exit status of the ``npseq2seq`` command means: one thing each.

    0    done
    1    the loss became NaN or Inf (``train`` saved the last completed epoch first)
    2    refused: a flag, an input file, a model file or a path to write is not usable;
         said in one line on stderr, before any work (nothing was written)
    3    a file could not be written after the work was done (a full disk, a permission
         taken away): ``train`` saved a checkpoint elsewhere and says where
    4    too big for this machine: a size (from a flag, a data file or a model file) needs
         more memory than there is; the line on stderr names it
    70   a bug in npseq2seq: one line names it (NPSEQ2SEQ_TRACEBACK=1 shows the traceback)
    129  SIGHUP, 130 Ctrl-C (SIGINT), 143 SIGTERM: ``train`` saved a checkpoint first
    141  stdout was closed before ``translate`` / ``evaluate`` / ``inspect`` wrote it all

Statuses 1 and 2 are the ones the command always had; the others are new and were, before,
a traceback with status 1 (or, for 129 and 143, a silent death with nothing saved).
"""
from __future__ import annotations

__all__ = ["EXIT_OK", "EXIT_DIVERGED", "EXIT_USER_ERROR", "EXIT_WRITE_FAILED", "EXIT_TOO_BIG",
           "EXIT_INTERNAL", "EXIT_STDOUT_CLOSED", "TooBigError", "WriteFailedError"]

EXIT_OK, EXIT_DIVERGED, EXIT_USER_ERROR = 0, 1, 2
EXIT_WRITE_FAILED, EXIT_TOO_BIG, EXIT_INTERNAL, EXIT_STDOUT_CLOSED = 3, 4, 70, 141


class TooBigError(Exception):
    """A size that needs more memory than the machine has; the message names it."""


class WriteFailedError(Exception):
    """A file could not be written after the work was done; the message says what was
    saved instead, and where."""
