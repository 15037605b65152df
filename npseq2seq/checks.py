"""The integer-argument check the public functions share: one ValueError that names the
argument, says what was expected and shows what was received. (Keras's optimiser
arguments keep Keras's own wording, in ``optimizers/arguments.py``.)"""
from __future__ import annotations

import numbers


def check_integer(value, name: str, least: int = 1, none_ok: bool = False) -> int | None:
    """``int(value)`` if it is an integer >= least (bools are not), None if allowed; else
    ValueError "<name> must be [None or ]a positive integer, received <value>"."""
    if value is None and none_ok:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
        kind = {0: "a non-negative integer", 1: "a positive integer"}.get(least, f"an integer >= {least}")
        raise ValueError(f"{name} must be {'None or ' if none_ok else ''}{kind}, received {value!r}")
    return int(value)


def check_rate(value, name: str) -> float:
    """``float(value)`` if it is a number in [0, 1) (a dropout rate; bools are not), else
    ValueError "<name> must be a number in [0, 1), received <value>"."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1), received {value!r}")
    return float(value)
