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


def check_rate(value, name: str, include_one: bool = False) -> float:
    """``float(value)`` if it is a number in [0, 1) (a dropout rate; bools are not), or in
    [0, 1] with ``include_one`` (a label smoothing), else ValueError "<name> must be a
    number in [0, 1), received <value>" (``[0, 1]``)."""
    within = isinstance(value, numbers.Real) and (0 <= value <= 1 if include_one else 0 <= value < 1)
    if isinstance(value, bool) or not within:      # NaN is not within
        raise ValueError(f"{name} must be a number in [0, 1{']' if include_one else ')'}, received {value!r}")
    return float(value)
