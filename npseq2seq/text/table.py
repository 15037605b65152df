"""CharTable: the fixed-width character table of Keras's ``addition_rnn`` (its ``CharacterTable``).

The repeat model (``model/repeat.py``) reads and writes fixed-width rows: no start or
end character, every text padded with spaces to one width. As in ``addition_rnn``::

    query = q + " " * (MAXLEN - len(q))     # "12+345" -> "12+345 "
    if REVERSE: query = query[::-1]         #          -> " 543+21": the padding comes first
    ans += " " * (DIGITS + 1 - len(ans))    # answers: padded, never reversed

so ``encode(texts, width, reverse=True)`` pads and *then* reverses, and the padding of a
reversed row sits at its start.

    >>> table = CharTable("0123456789+ ")
    >>> table.decode(table.encode(["12+345"], 7, reverse=True)[0])
    ' 543+21'
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .checks import check_texts
from .ids import one_hot, texts_to_ids

PAD = " "


class CharTable:
    """``CharTable(chars)``: the sorted distinct characters, a space among them (the padding)."""

    def __init__(self, chars: str | Sequence[str]):
        self.chars = tuple(sorted(set(chars) | {PAD}))
        self.char_indices = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def from_texts(cls, *texts: Sequence[str]) -> CharTable:
        """The table of every character of every text given (each argument a list of texts)."""
        return cls({c for group in texts for text in check_texts(group, "texts") for c in text})

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, texts: Sequence[str], width: int, reverse: bool = False) -> np.ndarray:
        """(N, width) ids: each text space-padded to ``width`` (``TextTooLongError`` if
        longer), then read backwards if ``reverse``."""
        ids = texts_to_ids(texts, self.char_indices, width, pad_id=self.char_indices[PAD])
        return ids[:, ::-1].copy() if reverse else ids

    def one_hot(self, texts: Sequence[str], width: int, reverse: bool = False, dtype="float32") -> np.ndarray:
        """(N, width, len(table)) one-hot rows of ``encode``."""
        return one_hot(self.encode(texts, width, reverse), len(self.chars), dtype)

    def decode(self, ids) -> str:
        """The characters of one row of ids, padding included."""
        return "".join(self.chars[int(i)] for i in np.asarray(ids))
