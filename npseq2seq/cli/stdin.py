"""stdin, one text per line, as it comes: ``translate`` answers each line as soon as it
can, not after the input ends (``cat | npseq2seq translate`` is a conversation), and
reads no line longer than ``MAX_LINE_CHARS`` (``translate < /dev/zero`` is refused,
naming line 1, after reading a few bytes past that limit).

Lines are batched for speed when more of them are already waiting: a batch ends at
``size`` lines, or at the last line that can be read without waiting for more.
Each line is decoded as UTF-8 on its own (LF or CRLF; a byte-order mark on line 1 is
dropped), so a bad byte is reported on its line.
"""
from __future__ import annotations

import os
import select
import sys

from ..text import DataError
from ..text.pairs import MAX_LINE_CHARS

__all__ = ["stdin_batches", "StdinClosedError"]

CHUNK = 1 << 16
WHERE = "<stdin>"


class StdinClosedError(ValueError):
    """stdin was closed when the command started, and no texts were given."""


def _source():
    """(a function returning the next bytes, the file descriptor or None)."""
    stream = sys.stdin
    if stream is None:
        raise StdinClosedError("no sentences given and stdin is closed: give them as arguments "
                               "or one per line on stdin")
    try:
        fd = stream.fileno()
        return (lambda: os.read(fd, CHUNK)), fd
    except (OSError, ValueError, AttributeError):   # a replaced sys.stdin (tests, embedding)
        raw = getattr(stream, "buffer", stream)
        read = getattr(raw, "read1", raw.read)
        return (lambda: _as_bytes(read(CHUNK))), None


def _as_bytes(data) -> bytes:
    return data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data


def _waiting(fd) -> bool:
    """Can more be read without blocking? (True where it cannot be asked)"""
    if fd is None:
        return True
    try:
        return bool(select.select([fd], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def _decode(number: int, raw: bytes, limit: int) -> str:
    try:
        text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError:
        raise DataError(WHERE, number, "bytes that are not valid UTF-8") from None
    text = text.removesuffix("\r")
    if len(text) > limit:
        raise DataError(WHERE, number, f"a line longer than {limit} characters")
    return text


def stdin_batches(size: int = 256, limit: int = MAX_LINE_CHARS):
    """Lists of (line number, text): stdin's lines, as described in the module docstring
    (StdinClosedError now, not at the first line, if there is no stdin)."""
    return _batches(*_source(), size, limit)


def _batches(read, fd, size: int, limit: int):
    most = 4 * limit + 4          # the bytes of `limit` characters of UTF-8, a BOM and a CR
    buf, start, number, batch, ended = b"", 0, 0, [], False
    while True:
        end = buf.find(b"\n", start)
        while end >= 0:
            number += 1
            batch.append((number, _decode(number, buf[start:end], limit)))
            start = end + 1
            if len(batch) == size:
                yield batch
                batch = []
            end = buf.find(b"\n", start)
        buf, start = buf[start:], 0
        if len(buf) > most:
            raise DataError(WHERE, number + 1, f"a line longer than {limit} characters")
        if ended:
            if buf:
                batch.append((number + 1, _decode(number + 1, buf, limit)))
            if batch:
                yield batch
            return
        if batch and not _waiting(fd):
            yield batch
            batch = []
        chunk = read()
        ended = not chunk
        buf += chunk
