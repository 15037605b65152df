"""The standard streams when the other end goes away: ``train ... | head -1`` closes stdout
after one line, a closed terminal makes every write fail, ``>&-`` starts the command with
no stdout at all. Output is how a run reports, never what it is for: a write that fails
marks the stream ``failed`` and the rest of its output is dropped, so training goes on
and saves its model. (``translate``, whose output *is* its work, stops when its stdout
fails.) The stream's descriptor is then pointed at /dev/null, so that the interpreter's
own last flush at exit has nowhere to fail either.

    guard_streams()                     # once, before any output
    ...
    if stdout_failed(): ...             # has stdout gone away?
"""
from __future__ import annotations

import os
import sys

__all__ = ["Guarded", "guard_streams", "stdout_failed", "say", "printable"]


class Guarded:
    """A text stream whose writes and flushes never raise: the first failure is kept in
    ``failed`` and everything after it is dropped."""

    def __init__(self, stream):
        self.stream, self.failed = stream, None

    def write(self, text: str) -> int:
        if self.failed is None:
            try:
                return self.stream.write(text)
            except (OSError, ValueError) as err:   # EPIPE, EIO; ValueError: closed file
                self._fail(err)
        return len(text)

    def flush(self) -> None:
        if self.failed is None:
            try:
                self.stream.flush()
            except (OSError, ValueError) as err:
                self._fail(err)

    def _fail(self, err) -> None:
        self.failed = err
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass

    def __getattr__(self, name):
        return getattr(self.stream, name)


class _Closed:
    """Standing in for a stream the process was started without (``>&-``)."""

    failed = OSError("closed before the command started")

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def guard_streams() -> None:
    """Replace sys.stdout and sys.stderr by guarded ones (once)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:
            setattr(sys, name, _Closed())
        elif not isinstance(stream, (Guarded, _Closed)):
            setattr(sys, name, Guarded(stream))


def stdout_failed():
    """The error that made stdout fail (None while it works)."""
    return getattr(sys.stdout, "failed", None)


def printable(text: str) -> str:
    """``text`` with every character that is not printable escaped (a newline, a terminal's
    escape codes, an undecodable byte of a file name): a message stays one harmless line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def say(command: str, message: str) -> None:
    """One line on stderr, ``npseq2seq <command>: <message>`` (dropped if stderr is gone)."""
    print(printable(f"npseq2seq {command}: {message}"), file=sys.stderr, flush=True)
