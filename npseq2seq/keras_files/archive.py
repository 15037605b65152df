"""A Keras 3 ``.keras`` file: a zip archive read as untrusted input.

``model.save("x.keras")`` (``keras/src/saving/saving_lib.py``, ``_save_model_to_fileobj``)
writes three members, uncompressed (``ZIP_STORED``)::

    metadata.json       {"keras_version": "3.15.1", "date_saved": ...}
    config.json         the model's architecture (``serialize_keras_object(model)``)
    model.weights.h5    the weights, HDF5, keyed by layer class (``layouts.py``)

and an ``assets/`` folder for layers that have assets (none of npseq2seq's do). Before a
member is inflated, the archive's table is checked: no member name that could escape a
folder if extracted (absolute, ``..``, a drive or a backslash), no name twice, no more
members than ``MAX_MEMBERS``, and declared sizes that add up (each at most
``npz.MAX_INFLATION`` times its compressed size, the JSON members at most
``MAX_JSON_BYTES``): a zip bomb is refused before a byte is inflated. A member is read up
to its declared size and no further (zipfile checks its CRC-32 at the end).
"""
from __future__ import annotations

import zipfile

from ..npz import _SLACK, CORRUPT, MAX_INFLATION, ModelFileError, parse_json
from ..text.errors import excerpt

__all__ = ["KerasArchive", "MEMBERS", "MAX_JSON_BYTES", "MAX_MEMBERS"]

CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
MEMBERS = (METADATA, CONFIG, WEIGHTS)
MAX_JSON_BYTES = 64 << 20
MAX_MEMBERS = 1_000


def _unsafe(name: str) -> bool:
    """A member name that would land outside the folder it is extracted to."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or "\\" in name or ".." in parts or (len(name) > 1 and name[1] == ":")


class KerasArchive:
    """The members of a ``.keras`` file, checked before any is read::

        with KerasArchive(path, size) as archive:
            config = archive.json("config.json")
            weights = archive.read("model.weights.h5")
    """

    def __init__(self, path, size: int):
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
        except CORRUPT as err:
            raise ModelFileError(path, "not a .keras archive (a zip file; truncated or corrupted?): "
                                       f"{type(err).__name__}: {excerpt(str(err), 80)}") from None
        try:
            self.infos = self._checked(self._zip.infolist(), size)
        except BaseException:
            self._zip.close()
            raise

    def _checked(self, infos, size: int) -> dict[str, zipfile.ZipInfo]:
        if len(infos) > MAX_MEMBERS:
            raise ModelFileError(self.path, f"{len(infos)} zip members, more than a .keras file holds ({MAX_MEMBERS})")
        checked, total = {}, 0
        for info in infos:
            name = info.filename
            if _unsafe(name):
                raise ModelFileError(self.path, f"zip member {excerpt(name)} has a path that leaves the archive's "
                                                "folder: refused")
            if name in checked:
                raise ModelFileError(self.path, f"zip member {excerpt(name)} appears twice")
            if info.file_size > MAX_INFLATION * info.compress_size + _SLACK:
                raise ModelFileError(self.path, f"zip member {excerpt(name)} would inflate from "
                                                f"{info.compress_size} to {info.file_size} bytes: refused "
                                                "before inflating it")
            checked[name], total = info, total + info.file_size
        if total > MAX_INFLATION * size + _SLACK:
            raise ModelFileError(self.path, f"its zip members would inflate to {total} bytes from a {size}-byte "
                                            "file: refused before inflating them")
        missing = [name for name in MEMBERS if name not in checked]
        if missing:
            raise ModelFileError(self.path, f"not a Keras 3 .keras file: no {', '.join(missing)} in the archive "
                                            f"(it holds {excerpt(sorted(checked), 100)})")
        for name in (CONFIG, METADATA):
            if checked[name].file_size > MAX_JSON_BYTES:
                raise ModelFileError(self.path, f"{name} is {checked[name].file_size} bytes, more than "
                                                f"{MAX_JSON_BYTES}: refused before reading it")
        return checked

    def read(self, name: str) -> bytes:
        """One member's bytes, no more than its declared size."""
        info = self.infos[name]
        try:
            with self._zip.open(info) as member:
                data = member.read(info.file_size + 1)
        except CORRUPT as err:
            raise ModelFileError(self.path, f"{name}: cannot be read (truncated or corrupted?): "
                                            f"{type(err).__name__}: {excerpt(str(err), 80)}") from None
        if len(data) != info.file_size:
            raise ModelFileError(self.path, f"{name}: {len(data)} bytes, its zip entry declares {info.file_size}")
        return data

    def json(self, name: str):
        try:
            return parse_json(self.read(name), name)
        except ModelFileError:
            raise
        except ValueError as err:
            raise ModelFileError(self.path, str(err)) from None

    def close(self):
        self._zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
