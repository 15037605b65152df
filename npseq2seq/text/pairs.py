"""Sentence pairs from a file: reading a Tatoeba/manythings ``fra.txt``-style file.

    >>> input_texts, target_texts = load_pairs("fra.txt", 10_000)      # doctest: +SKIP

Texts come back *raw*: the start and end tokens are the vocabulary's business
(``chars.py``, ``words.py``), never the reader's.
"""

from __future__ import annotations

import itertools
import os
import re
from contextlib import closing

from .checks import check_num_samples
from .errors import DataError, excerpt

__all__ = ["load_pairs", "read_lines", "MAX_LINE_CHARS"]

# The longest line read (characters, without its end): a sentence pair is far shorter, and a
# line that is not one (a binary file, /dev/zero) is refused naming it, before it fills memory.
MAX_LINE_CHARS = 10_000

# Text is decoded with errors="surrogateescape": undecodable bytes become lone surrogates
# U+DC80..U+DCFF (which valid UTF-8 never yields), so we can report the line they are on.
_BAD_BYTES = re.compile("[\udc80-\udcff]")


def load_pairs(
    path: str | os.PathLike,
    num_samples: int | None = None,
    *,
    encoding: str = "utf-8",
    max_line_chars: int = MAX_LINE_CHARS,
) -> tuple[list[str], list[str]]:
    """Read the first ``num_samples`` sentence pairs of a Tatoeba/manythings ``fra.txt``.

    Each line is ``English<TAB>French`` (older release) or
    ``English<TAB>French<TAB>attribution`` (newer release; the attribution is dropped).
    LF or CRLF line endings, a missing final newline and blank lines at the very end of
    the file are accepted. Fewer than ``num_samples`` lines is not an error: you get what
    there is. Only the lines that are returned are checked.

    Returns ``(input_texts, target_texts)``: two lists of N raw strings, without the
    start/end characters.

    Raises ``DataError`` (a ``ValueError``) naming the file and line for: a missing file,
    a path that cannot be read (a directory, no permission), a file without any pair, a
    line without a tab, more than 3 columns, an empty (or whitespace-only) side, a blank
    line before the end, bytes that are not valid ``encoding``, a line longer than
    ``max_line_chars`` (read no further than that). ``num_samples`` that is
    not a positive int or None raises ``ValueError``.
    """
    check_num_samples(num_samples)
    path = os.fspath(path)
    input_texts: list[str] = []
    target_texts: list[str] = []
    blank_line = None  # first blank line seen: only fine if nothing but blank lines follows
    with closing(_file_lines(path, encoding, max_line_chars)) as lines:
        for lineno, line in lines:
            if num_samples is not None and len(input_texts) == num_samples:
                break
            if _BAD_BYTES.search(line):
                raise DataError(path, lineno, f"bytes that are not valid {encoding}")
            if not line.strip():
                blank_line = blank_line or lineno
                continue
            if blank_line is not None:
                raise DataError(path, blank_line, "blank line between sentence pairs")
            english, french = _pair(path, lineno, line)
            input_texts.append(english)
            target_texts.append(french)
    if not input_texts:
        raise DataError(path, None, "no sentence pairs (the file is empty or blank)")
    return input_texts, target_texts


def _file_lines(path: str, encoding: str, max_line_chars: int):
    """``read_lines`` of the file at ``path``, a byte-order mark dropped; the errors of
    opening and decoding it as DataError naming the file (and the line, where known)."""
    lineno = 0
    try:
        # newline="\n": split on LF only (a stray CR inside a sentence must not cut it);
        # read_lines removes the CR of a CRLF ending.
        with open(path, encoding=encoding, errors="surrogateescape", newline="\n") as f:
            for lineno, line in read_lines(f, path, max_line_chars):
                yield lineno, line.removeprefix("\ufeff") if lineno == 1 else line  # a BOM left by some editors
    except FileNotFoundError as err:
        raise DataError(path, None, "file not found") from err
    except OSError as err:  # a directory, no permission, a device error: say which, not a traceback
        raise DataError(path, None, f"cannot be read: {err.strerror or err}") from err
    except UnicodeDecodeError as err:
        # Only for codecs whose errors surrogateescape cannot absorb (e.g. UTF-16). The text
        # is decoded in chunks, so the bad bytes are on the next line or a later one.
        raise DataError(
            path, lineno + 1, f"bytes that are not valid {encoding} on this line or later ({err.reason})"
        ) from err


def _pair(path: str, lineno: int, line: str) -> tuple[str, str]:
    """(English, French) of a non-blank line: 2 or 3 tab-separated columns, neither
    sentence empty; DataError naming the line otherwise."""
    columns = line.split("\t")
    if len(columns) == 1:
        raise DataError(path, lineno, "no tab: expected English<TAB>French")
    if len(columns) > 3:
        raise DataError(
            path, lineno,
            f"{len(columns)} tab-separated columns, expected 2 or 3 "
            "(English, French[, attribution])",
        )
    english, french = columns[0], columns[1]
    for side, text in (("English", english), ("French", french)):
        if not text.strip():
            raise DataError(path, lineno, f"empty {side} sentence")
    return english, french


def read_lines(f, path, max_line_chars: int = MAX_LINE_CHARS, first: int = 1):
    """(number, line without its LF or CRLF) for each line of the text stream ``f``, reading
    no more than ``max_line_chars`` (+2) characters at a time: a longer line raises
    DataError naming it, before the rest of it is read."""
    for lineno in itertools.count(first):
        line = f.readline(max_line_chars + 2)
        if not line:
            return
        text = line.removesuffix("\n").removesuffix("\r")
        if len(text) > max_line_chars:
            raise DataError(path, lineno, f"a line longer than {max_line_chars} characters: expected "
                                          f"one sentence pair per line, starting {excerpt(text, 30)}")
        yield lineno, text
