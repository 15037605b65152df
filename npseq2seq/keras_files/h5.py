"""Reading an HDF5 file that nobody vouches for, with h5py (the ``[keras]`` extra).

A Keras weights file is HDF5: groups, datasets and attributes. HDF5 can point outside
the file (an *external link* to another file, a *virtual dataset* assembled from other
files, *external storage* that keeps a dataset's bytes in a raw file beside it), so a
model file could make the reader open any path on the machine. ``H5File`` follows hard
links only, refuses the three others by name, and reads a dataset only after its dtype
(floating point: never object, string or compound) and shape (the one the architecture
expects) are checked, so what it allocates is what the caller asked for. A truncated or
corrupted file fails in h5py with ``OSError``/``KeyError``/``ValueError``: each becomes a
``ModelFileError`` naming the file, the part (``model.weights.h5`` inside a ``.keras``)
and the object.

Attributes are bounded too (``MAX_ATTRIBUTE_BYTES``) before they are read: Keras keeps
the model's JSON config and the lists of layer and weight names there.
"""
from __future__ import annotations

import io

import numpy as np

from ..npz import ModelFileError, parse_json
from ..text.errors import excerpt

__all__ = ["H5File", "require_h5py", "MAX_ATTRIBUTE_BYTES", "MAX_NAMES"]

MAX_ATTRIBUTE_BYTES = 64 << 20   # a model_config of the largest Keras model is well under a MiB
MAX_NAMES = 100_000              # layer or weight names in one list
# what h5py raises on bytes that are not (or no longer) a valid HDF5 file
_BROKEN = (OSError, KeyError, ValueError, RuntimeError, TypeError, IndexError)


def require_h5py(path):
    """h5py, or a ModelFileError saying how to get it."""
    try:
        import h5py
    except ImportError:
        raise ModelFileError(path, "reading a Keras file needs h5py: pip install 'npseq2seq[keras]'") from None
    return h5py


class H5File:
    """An HDF5 file (a path, or the bytes of a zip member) opened read-only, read within bounds.

    ``where`` prefixes every message: the file, and the member inside an archive.
    """

    def __init__(self, path, source=None, part: str | None = None):
        self.path, self.part = path, part
        self.h5py = require_h5py(path)
        try:
            self.file = self.h5py.File(io.BytesIO(source) if isinstance(source, bytes) else (source or path), "r")
        except _BROKEN as err:
            raise self.error(f"not a readable HDF5 file (truncated or corrupted?): {_reason(err)}") from None

    def error(self, problem: str) -> ModelFileError:
        return ModelFileError(self.path, f"{self.part}: {problem}" if self.part else problem)

    def close(self):
        self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- objects -----------------------------------------------------------------------
    def get(self, path: str, kind: str = "any"):
        """The group or dataset at ``path`` (``/``-separated), reached through hard links
        only; None if a part of the path is missing. ``kind``: "group", "dataset" or "any"."""
        h5py, node = self.h5py, self.file
        try:
            for part in [p for p in path.split("/") if p]:
                if not isinstance(node, h5py.Group):
                    return None
                link = node.get(part, getlink=True)
                if link is None:
                    return None
                if isinstance(link, h5py.ExternalLink):
                    raise self.error(f"{path!r} is an external link to {link.filename!r}: refused (a model "
                                     "file's weights must be inside it)")
                if not isinstance(link, h5py.HardLink):
                    raise self.error(f"{path!r} is a {type(link).__name__}: refused (Keras writes hard links only)")
                node = node[part]
        except ModelFileError:
            raise
        except _BROKEN as err:
            raise self.error(f"{path!r} cannot be read (truncated or corrupted?): {_reason(err)}") from None
        want = {"group": h5py.Group, "dataset": h5py.Dataset, "any": object}[kind]
        if not isinstance(node, want):
            raise self.error(f"{path!r} is a {type(node).__name__.lower()}, expected a {kind}")
        return node

    def keys(self, group) -> list[str]:
        try:
            return list(group.keys())
        except _BROKEN as err:
            raise self.error(f"{group.name!r} cannot be listed (truncated or corrupted?): {_reason(err)}") from None

    # --- datasets ----------------------------------------------------------------------
    def dataset(self, path: str):
        """The dataset at ``path``, refused if missing, virtual, stored outside the file,
        or not floating point (checked without reading its data)."""
        ds = self.get(path, "dataset")
        if ds is None:
            raise self.error(f"weight {path!r} is missing")
        try:
            virtual, external, dtype, shape = ds.is_virtual, ds.external, ds.dtype, ds.shape
        except _BROKEN as err:
            raise self.error(f"weight {path!r} cannot be read (truncated or corrupted?): {_reason(err)}") from None
        if virtual:
            raise self.error(f"weight {path!r} is a virtual dataset (made of other files): refused")
        if external:
            raise self.error(f"weight {path!r} keeps its data in the external file "
                             f"{excerpt(str(external[0][0]), 200)}: refused")
        if shape is None or dtype.kind != "f" or dtype.itemsize not in (4, 8):
            shown = "a string" if dtype.kind in "SUO" or self.h5py.check_string_dtype(dtype) else f"{dtype}"
            raise self.error(f"weight {path!r} holds {shown} data, expected float32 or float64 numbers")
        return ds

    def read(self, path: str, shape: tuple[int, ...], name: str) -> np.ndarray:
        """The array at ``path``, which must have ``shape`` (checked before reading) and hold
        finite numbers; ``name`` is what the message calls it (npseq2seq's weight name)."""
        ds = self.dataset(path)
        if tuple(ds.shape) != tuple(shape):
            raise self.error(f"weight {path!r} ({name}) has shape {tuple(ds.shape)}, the architecture "
                             f"needs {tuple(shape)}")
        try:
            array = np.asarray(ds[()])
        except _BROKEN as err:
            raise self.error(f"weight {path!r} cannot be read (truncated or corrupted?): {_reason(err)}") from None
        if not np.isfinite(array).all():
            raise self.error(f"weight {path!r} ({name}) contains NaN or Inf")
        return array

    # --- attributes --------------------------------------------------------------------
    def has_attribute(self, obj, name: str) -> bool:
        try:
            return name in obj.attrs
        except _BROKEN as err:
            raise self.error(f"attributes of {obj.name!r} cannot be read: {_reason(err)}") from None

    def attribute(self, obj, name: str):
        """An attribute's value, refused before reading if it is larger than MAX_ATTRIBUTE_BYTES."""
        try:
            try:
                size = obj.attrs.get_id(name).get_storage_size()
            except RuntimeError:   # HDF5 says "error" for an empty attribute's 0 bytes
                size = 0
            if size > MAX_ATTRIBUTE_BYTES:
                raise self.error(f"attribute {name!r} of {obj.name!r} is {size} bytes, more than "
                                 f"{MAX_ATTRIBUTE_BYTES}: refused before reading it")
            return obj.attrs[name]
        except _BROKEN as err:
            raise self.error(f"attribute {name!r} of {obj.name!r} cannot be read: {_reason(err)}") from None

    def text(self, obj, name: str) -> str:
        """A string attribute (Keras writes UTF-8 bytes or a variable-length str)."""
        value = self.attribute(obj, name)
        if isinstance(value, np.ndarray) and value.shape == ():
            value = value[()]
        if isinstance(value, bytes):
            try:
                return value.decode("utf-8")
            except UnicodeDecodeError:
                raise self.error(f"attribute {name!r} of {obj.name!r} is not UTF-8 text") from None
        if not isinstance(value, str):
            raise self.error(f"attribute {name!r} of {obj.name!r} is {type(value).__name__}, expected text")
        return value

    def json(self, obj, name: str):
        text = self.text(obj, name)
        try:
            return parse_json(text.encode("utf-8"), f"attribute {name!r}")
        except ValueError as err:
            raise self.error(str(err)) from None

    def names(self, obj, name: str) -> list[str] | None:
        """A list-of-names attribute (``layer_names``, ``weight_names``), joined from its
        chunks ``name0``, ``name1``, ... when Keras split it (``save_attributes_to_hdf5_group``:
        an HDF5 object header holds at most 64 KiB); None if there is neither."""
        if self.has_attribute(obj, name):
            chunks = [self.attribute(obj, name)]
        else:
            chunks, k = [], 0
            while self.has_attribute(obj, f"{name}{k}") and k <= MAX_NAMES:
                chunks.append(self.attribute(obj, f"{name}{k}"))
                k += 1
            if not chunks:
                return None
        names = []
        for chunk in chunks:
            values = np.asarray(chunk)
            if values.ndim != 1 or values.size > MAX_NAMES or (values.size and values.dtype.kind not in "SUO"):
                if values.size == 0:      # Keras 3 writes an empty list as a float64 array
                    continue
                raise self.error(f"attribute {name!r} of {obj.name!r} is {values.dtype}{list(values.shape)}, "
                                 "expected a list of names")
            for value in values.tolist():
                if isinstance(value, bytes):
                    try:
                        value = value.decode("utf-8")
                    except UnicodeDecodeError:
                        raise self.error(f"attribute {name!r} of {obj.name!r} holds a name that is not UTF-8") from None
                if not isinstance(value, str):
                    raise self.error(f"attribute {name!r} of {obj.name!r} holds {excerpt(value)}, expected names")
                names.append(value)
        return names


def _reason(err: BaseException) -> str:
    return excerpt(" ".join(f"{type(err).__name__}: {err}".split()), 100)
