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
    """``CharTable(chars, reverse_input=False)``: the sorted distinct characters, a space
    among them (the padding). ``reverse_input`` records that a model's *inputs* are read
    backwards, so that a saved model (``to_config``) translates as it was trained; targets
    never are, so ``encode`` reverses only when asked (``reverse=table.reverse_input``)."""

    def __init__(self, chars: str | Sequence[str], reverse_input: bool = False):
        if not isinstance(reverse_input, bool):
            raise ValueError(f"reverse_input must be True or False, got {reverse_input!r}")
        self.chars = tuple(sorted(set(chars) | {PAD}))
        if not all(isinstance(c, str) and len(c) == 1 for c in self.chars):
            raise ValueError("a CharTable's chars must be single characters")
        self.char_indices = {c: i for i, c in enumerate(self.chars)}
        self.reverse_input = reverse_input

    @classmethod
    def from_texts(cls, *texts: Sequence[str], reverse_input: bool = False) -> CharTable:
        """The table of every character of every text given (each argument a list of texts)."""
        return cls({c for group in texts for text in check_texts(group, "texts") for c in text},
                   reverse_input=reverse_input)

    def __len__(self) -> int:
        return len(self.chars)

    def __eq__(self, other) -> bool:
        return isinstance(other, CharTable) and self.to_config() == other.to_config()

    def encode(self, texts: Sequence[str], width: int, reverse: bool = False,
               errors: str = "raise", truncate: bool = False) -> np.ndarray:
        """(N, width) ids: each text space-padded to ``width`` (``TextTooLongError`` if
        longer, unless ``truncate``), then read backwards if ``reverse``. errors="ignore"
        drops unknown characters."""
        ids = texts_to_ids(texts, self.char_indices, width, pad_id=self.char_indices[PAD],
                           errors=errors, truncate=truncate)
        return ids[:, ::-1].copy() if reverse else ids

    def one_hot(self, texts: Sequence[str], width: int, reverse: bool = False,
                dtype="float32") -> np.ndarray:
        """(N, width, len(table)) one-hot rows of ``encode``."""
        return one_hot(self.encode(texts, width, reverse), len(self.chars), dtype)

    def decode(self, ids) -> str:
        """The characters of one row of ids, padding included."""
        return "".join(self.chars[int(i)] for i in np.asarray(ids))

    # --- as a model file stores it ---------------------------------------------------------
    def to_config(self) -> dict:
        return {"level": "table", "chars": "".join(self.chars), "reverse_input": self.reverse_input}

    @classmethod
    def from_config(cls, config: dict) -> CharTable:
        """The table of ``to_config``; ``ValueError`` naming what is wrong."""
        if not isinstance(config, dict) or config.get("level") != "table":
            raise ValueError("a CharTable config must be a dict with level 'table'")
        unknown = sorted(set(config) - {"level", "chars", "reverse_input"})
        if unknown:
            raise ValueError(f"unknown CharTable config keys {unknown}")
        chars = config.get("chars")
        if not isinstance(chars, str) or PAD not in chars or len(set(chars)) != len(chars):
            raise ValueError("a CharTable config's chars must be a string of distinct characters, "
                             "the padding space among them")
        return cls(chars, reverse_input=config.get("reverse_input", False))
