"""From tokens to arrays: the steps both levels encode with, refuse or cut an over-long row
(``fit_row``) and pad N rows into one (N, T) array (``pad_rows``); characters to ids
through any char → id mapping (``char_ids``, ``texts_to_ids``); and one-hot rows
(``one_hot``, the id -1 giving an all-zero row)."""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Mapping, Sequence

import numpy as np

from .checks import check_errors, check_texts
from .errors import TextTooLongError, UnknownTokenError

__all__ = ["fit_row", "pad_rows", "char_ids", "texts_to_ids", "one_hot"]


def fit_row(row: list[int], text: str, length: int, truncate: bool = False,
            unit: str = "characters") -> list[int]:
    """``row`` (the ids of ``text``) if it has at most ``length`` ids; else its first
    ``length`` if ``truncate``, or ``TextTooLongError`` naming ``text`` and counting ``unit``."""
    if len(row) <= length:
        return row
    if not truncate:
        raise TextTooLongError(text, len(row), length, unit, hint="pass truncate=True to cut it")
    return row[:length]


def pad_rows(rows: Sequence[Sequence[int]], length: int, pad_id: int) -> np.ndarray:
    """N rows of at most ``length`` ids as one (N, T) int32 array, T = ``length``, each row
    padded at the end with ``pad_id``."""
    lengths = np.fromiter(map(len, rows), dtype=np.intp, count=len(rows))
    ids = np.full((len(rows), length), pad_id, dtype=np.int32)
    # The (N, T) mask of real tokens lists them in row-major order, the order of `flat`.
    flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int32, count=int(lengths.sum()))
    ids[np.arange(length) < lengths[:, None]] = flat
    return ids


def char_ids(text: str, token_index: Mapping[str, int], errors: str = "raise") -> list[int]:
    """The ids of ``text``'s characters; one missing from ``token_index`` raises
    ``UnknownTokenError`` (``errors="raise"``) or is dropped (``errors="ignore"``)."""
    try:
        return [token_index[c] for c in text]
    except KeyError:
        if errors == "raise":
            raise UnknownTokenError([c for c in text if c not in token_index], text) from None
        return [token_index[c] for c in text if c in token_index]


def texts_to_ids(
    texts: Sequence[str],
    token_index: Mapping[str, int],
    length: int,
    *,
    pad_id: int = -1,
    errors: str = "raise",
    truncate: bool = False,
) -> np.ndarray:
    """Map N texts to an (N, T) int32 array of ids, T = ``length``, padded at the end with ``pad_id``.

    Characters missing from ``token_index`` raise ``UnknownTokenError`` (``errors="raise"``)
    or are dropped (``errors="ignore"``). A text longer than ``length`` (after dropping)
    raises ``TextTooLongError`` (a ``ValueError``) unless ``truncate=True`` cuts it. A
    bare str or a non-str item raises ``TypeError``.
    """
    check_errors(errors)
    texts = check_texts(texts, "texts")
    rows = [fit_row(char_ids(text, token_index, errors), text, length, truncate) for text in texts]
    return pad_rows(rows, length, pad_id)


def one_hot(ids: np.ndarray, num_tokens: int, dtype="float32") -> np.ndarray:
    """One-hot encode integer ids of any shape S into an array of shape S + (V,).

    ``V = num_tokens``; id ``-1`` gives an all-zero row (zero padding). Other ids must
    lie in ``[0, V)``.
    """
    ids = np.asarray(ids)
    if ids.size == 0:
        ids = ids.astype(np.intp)  # np.asarray([]) is float, yet a fine empty id array
    if not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"ids must be integers, got dtype {ids.dtype}")
    if isinstance(num_tokens, bool) or not isinstance(num_tokens, numbers.Integral) or num_tokens < 1:
        raise ValueError(f"num_tokens must be a positive int, got {num_tokens!r}")
    if ids.size and (ids.min() < -1 or ids.max() >= num_tokens):
        raise ValueError(f"ids must lie in [-1, {num_tokens}), got [{ids.min()}, {ids.max()}]")
    out = np.zeros(ids.shape + (num_tokens,), dtype=dtype)
    where = np.nonzero(ids >= 0)  # the positions that hold a token
    out[where + (ids[where],)] = 1
    return out
