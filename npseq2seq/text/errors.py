"""The errors bad text raises, all ``ValueError``s whose message names what is wrong and where:
a data file (``DataError``), an unknown character (``UnknownTokenError``), a text longer
than the model takes (``TextTooLongError``, re-worded for training data by ``training_side``)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager

__all__ = ["DataError", "UnknownTokenError", "TextTooLongError", "training_side", "excerpt", "shown_path"]


class DataError(ValueError):
    """A data file is missing or malformed.

    The message names the file and, when the problem sits on a line, its 1-based number.
    ``path`` and ``line`` (``None`` when not about one line) are kept as attributes.
    """

    def __init__(self, path: str, line: int | None, problem: str):
        where = f"{shown_path(path)}, line {line}" if line is not None else shown_path(path)
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line


class UnknownTokenError(ValueError):
    """A text contains characters that are not in the vocabulary.

    ``chars`` (sorted list of the unknown characters) and ``text`` are kept as attributes.
    (A word vocabulary never raises it: unknown words become ``<unk>``.)
    """

    def __init__(self, chars: Sequence[str], text: str):
        self.chars = sorted(set(chars))
        self.text = text
        shown = ", ".join(repr(c) for c in self.chars[:10])
        more = f", ... ({len(self.chars)} in all)" if len(self.chars) > 10 else ""
        super().__init__(f"unknown character(s) {shown}{more} in text {excerpt(text)}")


class TextTooLongError(ValueError):
    """A text has more tokens (characters or words) than the model's encoder can take.

    ``text``, ``length`` (its number of tokens), ``limit`` and ``unit`` (what is
    counted) are kept as attributes; the message names them, and ``hint`` says what to
    do: where the function takes ``truncate``, pass ``truncate=True`` to cut the text.
    """

    def __init__(self, text: str, length: int, limit: int, unit: str = "characters",
                 hint: str | None = None):
        message = f"text {excerpt(text)} has {length} {unit}, more than the limit of {limit}"
        super().__init__(message if hint is None else f"{message} ({hint})")
        self.text, self.length, self.limit, self.unit = text, length, limit, unit


@contextmanager
def training_side(side: str):
    """Re-raise a TextTooLongError as training data raises it: training cannot cut a
    text, the vocabulary sets the limit. side: "encoder" (an input text) or "decoder" (a
    target text, counted with the start and end tokens it is wrapped in)."""
    try:
        yield
    except TextTooLongError as error:
        what = ("an input text" if side == "encoder"
                else "a target text, counted with its start and end tokens")
        raise TextTooLongError(error.text, error.length, error.limit, error.unit,
                               hint=f"{what}; the vocabulary's max_{side}_seq_length is the limit") from None


def excerpt(value, limit: int = 40) -> str:
    """What a message quotes of an input: ``repr(value)``, escaped (one line, whatever the
    input holds) and cut after ``limit`` characters, noting how long the whole is."""
    if isinstance(value, (str, bytes)) and len(value) > limit:
        return f"{value[:limit]!r}... ({len(value)} {'characters' if isinstance(value, str) else 'bytes'})"
    text = repr(value)
    return text if len(text) <= 2 * limit else f"{text[:2 * limit]}... ({len(text)} characters)"


def shown_path(path, limit: int = 200) -> str:
    """A path as a one-line message shows it: itself if printable and short, else an
    escaped excerpt (a name may hold a newline or a terminal's escape codes)."""
    text = str(path)
    return text if text.isprintable() and len(text) <= limit else excerpt(text, limit)
