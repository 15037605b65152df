"""Reading an ``.npz`` archive that nobody vouches for, at a cost bounded by its size.

Before a member is inflated, the archive's table of contents is checked: no more than
``MAX_MEMBERS`` members, no name twice, and sizes that add up (each member's declared
size at most ``MAX_INFLATION`` times the bytes it takes in the archive, plus a little; the
declared sizes together at most ``MAX_INFLATION`` times the archive's size). A member is
then read up to its declared size and no further (zipfile's own reader stops there and
checks the CRC-32 at its end), so a small file cannot make the reader allocate much more
than its own size. Its ``.npy`` header is parsed as a literal, a dtype that holds Python
objects (a pickle) is refused before the data is parsed (nothing is ever unpickled), and
the header's shape must account for exactly the bytes that follow.

JSON read from an archive is parsed only if it nests at most ``MAX_JSON_DEPTH`` deep.

Every problem raises ``ArchiveError(problem)``, which ``io`` (and ``read_arrays`` here)
turn into a ``ModelFileError`` naming the file.
"""
from __future__ import annotations

import io
import json
import math
import os
import re
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .atomic import file_kind
from .text.errors import excerpt, shown_path

__all__ = ["ModelFileError", "ArchiveError", "Archive", "parse_npy", "parse_json", "read_arrays",
           "open_regular", "MAX_MEMBERS", "MAX_INFLATION", "MAX_JSON_DEPTH"]

MAX_MEMBERS = 10_000
MAX_INFLATION = 4          # np.savez stores (1x); np.savez_compressed of weights gets ~1.1x
_SLACK = 1 << 16           # a member's header and a small array may compress better than that
MAX_JSON_DEPTH = 32        # the model file's config nests 5 deep

# What zipfile and numpy's .npy parser raise on bytes that are not a valid archive;
# found by flipping every byte of a model file (tests/io/test_io.py).
CORRUPT = (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError,
           ValueError, struct.error, zlib.error, OverflowError)
_NPY_HEADERS = {(1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0}


class ModelFileError(ValueError):
    """A model file that cannot be read: names the file and what is wrong."""

    def __init__(self, path, problem: str):
        super().__init__(f"{shown_path(path)}: {problem}")
        self.path, self.problem = str(path), problem


class ArchiveError(ValueError):
    """An archive that cannot be read within the limits, or is not what it says."""


class Archive:
    """The members of a zip archive by name (``.npy`` dropped), checked before any is read::

        with Archive(path) as archive:
            names = archive.names                 # checked: count, duplicates, sizes
            config = parse_json(archive.read("__config__"), "__config__")
    """

    def __init__(self, path, size: int):
        self._zip = zipfile.ZipFile(path)
        try:
            self.infos = self._checked(self._zip.infolist(), size)
        except BaseException:
            self._zip.close()
            raise
        self.names = list(self.infos)

    @staticmethod
    def _checked(infos, size: int) -> dict[str, zipfile.ZipInfo]:
        if len(infos) > MAX_MEMBERS:
            raise ArchiveError(f"{len(infos)} members, more than a model file holds ({MAX_MEMBERS})")
        checked, total = {}, 0
        for info in infos:
            name = info.filename.removesuffix(".npy")
            if name in checked:
                raise ArchiveError(f"array {excerpt(name)} appears twice")
            if info.file_size > MAX_INFLATION * info.compress_size + _SLACK:
                raise ArchiveError(f"array {excerpt(name)} would inflate from {info.compress_size} to "
                                   f"{info.file_size} bytes: refused before inflating it")
            checked[name], total = info, total + info.file_size
        if total > MAX_INFLATION * size + _SLACK:
            raise ArchiveError(f"its members would inflate to {total} bytes from a {size}-byte file: "
                               "refused before inflating them")
        return checked

    def read(self, name: str) -> bytes:
        """One member's bytes, no more than its declared size (zipfile checks the CRC-32)."""
        info = self.infos[name]
        with self._zip.open(info) as member:
            data = member.read(info.file_size + 1)
        if len(data) != info.file_size:
            raise ArchiveError(f"array {excerpt(name)}: {len(data)} bytes, its entry declares {info.file_size}")
        return data

    def close(self):
        self._zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def parse_npy(name: str, data: bytes) -> np.ndarray:
    """One ``.npy`` member → array, refusing object dtypes and sizes that do not add up."""
    buf = io.BytesIO(data)
    version = np.lib.format.read_magic(buf)
    if version not in _NPY_HEADERS:
        raise ArchiveError(f"array {name!r}: .npy format version {version} is not supported")
    shape, _, dtype = _NPY_HEADERS[version](buf)   # the header is read as a literal, never eval'd
    if dtype.hasobject:
        raise ArchiveError(f"array {name!r} holds Python objects (a pickle): refused; "
                           "npseq2seq model files hold numbers only and are never unpickled")
    expected, found = math.prod(shape) * dtype.itemsize, len(data) - buf.tell()
    if expected != found:   # checked before numpy allocates what the header asks for
        raise ArchiveError(f"array {name!r}: header says {dtype}{list(shape)} "
                           f"({expected} bytes) but {found} bytes follow")
    buf.seek(0)
    return np.lib.format.read_array(buf, allow_pickle=False)


_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


def json_depth(raw: bytes) -> int:
    """How deep the brackets of a JSON document nest (strings skipped), without parsing it."""
    skeleton = np.frombuffer(_STRINGS.sub(b'""', raw), np.uint8)
    steps = (np.isin(skeleton, (ord("["), ord("{"))).astype(np.int64)
             - np.isin(skeleton, (ord("]"), ord("}"))))
    return int(np.cumsum(steps).max(initial=0))


def parse_json(raw: bytes, what: str):
    """A JSON document, if it is UTF-8, nests at most MAX_JSON_DEPTH deep and parses."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ArchiveError(f"{what} is not valid JSON: {err}") from None
    depth = json_depth(raw)
    if depth > MAX_JSON_DEPTH:
        raise ArchiveError(f"{what} nests {depth} deep, more than the {MAX_JSON_DEPTH} allowed")
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError, ValueError) as err:
        raise ArchiveError(f"{what} is not valid JSON: {excerpt(str(err), 120)}") from None


def open_regular(path) -> tuple[Path, int]:
    """``path`` and its size, if it is a regular file (a FIFO or a device is never read)."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ModelFileError(path, "no such file") from None
    except OSError as err:
        raise ModelFileError(path, f"cannot be read: {err.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ModelFileError(path, f"is a {file_kind(info.st_mode)}, expected a model file (.npz)")
    return path, info.st_size


def corrupt(path, err) -> ModelFileError:
    if isinstance(err, PermissionError):
        return ModelFileError(path, f"cannot be read: {err.strerror}")
    return ModelFileError(path, f"not a readable .npz archive (truncated or corrupted?): "
                                f"{type(err).__name__}: {' '.join(str(err).split())[:100]}")


def read_arrays(path, names=None) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` at ``path`` (or those of ``names``), by name, read without
    unpickling anything and at a cost bounded by the file's size (``npz.py``)."""
    path, size = open_regular(path)
    try:
        with Archive(path, size) as archive:
            return {name: parse_npy(name, archive.read(name))
                    for name in (archive.names if names is None else names)}
    except ArchiveError as err:
        raise ModelFileError(path, str(err)) from None
    except CORRUPT as err:
        raise corrupt(path, err) from None
