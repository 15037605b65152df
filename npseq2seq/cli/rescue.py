"""Where ``train``'s checkpoint goes when a run ends badly (Ctrl-C, a signal, a NaN/Inf loss,
out of memory, a failed final save) or a periodic save fails: the ``--checkpoint`` path,
else a new private directory under the system's temporary directory, and the one line
that tells the user where it went and how to go on. Nothing is lost if anywhere can be
written; if nowhere can, ``WriteFailedError`` says every place tried and why."""
from __future__ import annotations

import contextlib
import os
import tempfile

from .exits import WriteFailedError
from .resume import default_out
from .signals import held
from .streams import say

__all__ = ["say_train", "why", "checkpoint_failed", "saved_after"]


def say_train(message):
    say("train", message)


def why(err: BaseException) -> str:
    """An OSError's reason without its [Errno N] and file name (the message names the file)."""
    return getattr(err, "strerror", None) or str(err) or type(err).__name__


def checkpoint_failed(err, epoch):
    say_train(f"warning: the checkpoint of epoch {epoch} could not be written: {why(err)}; "
              "training goes on, and the next save tries again")


def _save_somewhere(ckpt, first):
    """Save the checkpoint to ``first``, else to the temporary directory; return the path
    written and the failures on the way (WriteFailedError if nowhere could be written)."""
    failures, made = [], None
    for path in (first, None):
        try:
            if path is None:   # a new private directory: a name in /tmp could be another's symlink
                made = tempfile.mkdtemp(prefix="npseq2seq-")
                path = os.path.join(made, "rescued.ckpt.npz")
            with held():    # a signal now waits until the save is done
                ckpt.save(path)
            return path, failures
        except OSError as err:
            failures.append(f"{path or tempfile.gettempdir()}: {why(err)}")
    if made:
        with contextlib.suppress(OSError):
            os.rmdir(made)
    raise WriteFailedError(f"{ckpt.describe()} could not be saved anywhere ({'; '.join(failures)})")


def _resume_hint(path, out) -> str:
    return f"npseq2seq train --resume {path}" + ("" if default_out(path) == out else f" --out {out}")


def saved_after(problem, ckpt, settings, hint=None) -> str:
    """Save the checkpoint after ``problem`` ended the run; the line that says where (and
    ``hint``, else how to continue)."""
    try:
        path, failures = _save_somewhere(ckpt, settings["checkpoint"])
    except WriteFailedError as err:
        raise WriteFailedError(f"{problem}; {err}") from None
    failed = f" (not to {'; '.join(failures)})" if failures else ""
    hint = hint or f"; continue with: {_resume_hint(path, settings['out'])}"
    return f"{problem}; {ckpt.describe()} saved to {path}{failed}{hint}"
