"""The argument checks every text function shares, each raising one error that names the
argument: a list of str (``check_texts``), two sides that pair up (``check_pairs``), a
count (``check_count``, ``check_num_samples``), what to do with unknown tokens
(``check_errors``)."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence

__all__ = ["ERRORS", "check_texts", "check_pairs", "check_count", "check_num_samples", "check_errors"]

ERRORS = ("raise", "ignore")   # what encoding does with a token the vocabulary does not know


def check_texts(texts: Sequence[str], name: str) -> list[str]:
    """Return ``texts`` as a list, or raise TypeError if it is not an iterable of str.

    A bare str (or bytes) is refused rather than taken as a list of characters, and a
    mapping rather than iterated over its keys: both are almost always a slip.
    """
    if isinstance(texts, str):
        raise TypeError(f"{name} must be a sequence of str, not a single str (wrap it in a list)")
    if isinstance(texts, (bytes, bytearray, Mapping)) or not isinstance(texts, Iterable):
        raise TypeError(f"{name} must be a sequence of str, got {type(texts).__name__}")
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"{name}[{i}] must be str, got {type(text).__name__}")
    return texts


def check_pairs(input_texts: Sequence[str], target_texts: Sequence[str]) -> tuple[list[str], list[str]]:
    """Return both sides as lists of str (TypeError otherwise), checking they pair up."""
    input_texts = check_texts(input_texts, "input_texts")
    target_texts = check_texts(target_texts, "target_texts")
    if len(input_texts) != len(target_texts):
        raise ValueError(f"{len(input_texts)} input texts but {len(target_texts)} target texts")
    return input_texts, target_texts


def check_count(value, name: str, least: int) -> int:
    """``int(value)`` if it is an int >= ``least`` (bools are not), else ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
        raise ValueError(f"{name} must be an int >= {least}, got {value!r}")
    return int(value)


def check_num_samples(num_samples: int | None) -> None:
    """ValueError unless ``num_samples`` is a positive int or None (all of them)."""
    if num_samples is not None and (
        isinstance(num_samples, bool)
        or not isinstance(num_samples, numbers.Integral)
        or num_samples < 1
    ):
        raise ValueError(f"num_samples must be a positive int or None, got {num_samples!r}")


def check_errors(errors: str) -> str:
    """``errors`` if it is one of ``ERRORS`` ("raise" or "ignore"), else ValueError."""
    if errors not in ERRORS:
        raise ValueError(f"errors must be 'raise' or 'ignore', got {errors!r}")
    return errors
