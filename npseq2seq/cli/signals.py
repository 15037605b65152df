"""The signals that end a run, all handled as Ctrl-C is: SIGTERM (``kill``, ``timeout``,
systemd, ``docker stop``) and SIGHUP (the terminal closed) raise ``Terminated``, a
``KeyboardInterrupt``, so that ``train`` saves its checkpoint and says so whichever of
them arrives; its exit status is 128 + the signal's number (130, 143, 129), as a shell
reports a process the signal killed.

    with interrupts():            # SIGTERM and SIGHUP raise Terminated from here on
        train()
    ...
    except KeyboardInterrupt as stop:
        with held():              # a signal now waits until the save is done
            save()
        return exit_status(stop)
"""
from __future__ import annotations

import signal
from contextlib import contextmanager

__all__ = ["Terminated", "interrupts", "held", "exit_status", "signal_name", "interrupted"]

CAUGHT = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
ENDING = (signal.SIGINT, *CAUGHT)


class Terminated(KeyboardInterrupt):
    """A signal asked the run to end (``signum``: which one; SIGINT is Ctrl-C)."""

    def __init__(self, signum: int):
        super().__init__(signal_name(signum))
        self.signum = signum


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def _ignore(signum, frame):
    """A Python handler that does nothing. (Not SIG_IGN: a signal already caught but not
    yet handled when SIG_IGN is set makes Python raise "Signal N ignored due to race
    condition" at some later line.)"""


def _raise(signum, frame):
    # the first signal ends the run; one more (a second Ctrl-C) must not cut its save short
    for s in ENDING:
        signal.signal(s, _ignore)
    raise Terminated(signum)


@contextmanager
def interrupts():
    """SIGINT, SIGTERM and SIGHUP raise ``Terminated`` inside the block (the main thread
    only); once one has, all three are ignored until the block ends."""
    previous = {s: signal.signal(s, _raise) for s in ENDING}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextmanager
def held():
    """SIGINT, SIGTERM and SIGHUP held back inside the block: a save in progress finishes.
    The first that arrived is raised after it, if the block was inside ``interrupts()`` and
    no signal had ended the run yet (else it is dropped: the run is ending anyway)."""
    arrived = []
    previous = {s: signal.signal(s, lambda signum, frame: arrived.append(signum)) for s in ENDING}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if arrived and previous[signal.SIGINT] is _raise:
        _raise(arrived[0], None)


def interrupted(stop: KeyboardInterrupt) -> str:
    """ "interrupted" (Ctrl-C), or "interrupted by SIGTERM" / "by SIGHUP"."""
    signum = getattr(stop, "signum", signal.SIGINT)
    return "interrupted" if signum == signal.SIGINT else f"interrupted by {signal_name(signum)}"


def exit_status(stop: KeyboardInterrupt) -> int:
    """128 + the signal's number: 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP."""
    return 128 + getattr(stop, "signum", signal.SIGINT)
