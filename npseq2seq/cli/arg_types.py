"""The command line's argument types: each turns one flag's text into its value or says,
in argparse's words, what the flag takes."""
from __future__ import annotations

import argparse

from ..checks import check_rate


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def non_negative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text}")
    return value


def rate(text):
    """A dropout rate: a number in [0, 1)."""
    try:
        return check_rate(float(text), "a rate")
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1), got {text}") from None


def fraction(text):
    """A factor in (0, 1]."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be a number in (0, 1], got {text}")
    return value


def momentum(text):
    """A momentum: a number in (0, 1)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be a number in (0, 1), got {text}")
    return value
