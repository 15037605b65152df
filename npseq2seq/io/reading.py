"""Reading a model file (the layout in ``io/__init__.py``) into its config and arrays,
trusting nothing in it, at a cost of at most a small multiple of its size.

The archive's table of contents is checked before any member is inflated (``npz.py``);
then the config alone is read (JSON nested at most 32 deep), and the members' names must
be the ones it lists before any array is read. Each member is read whole, which checks
its CRC-32 (a flipped bit fails there); its ``.npy`` header is parsed as a literal, a
dtype that holds Python objects (a pickle) is refused before the data is parsed (nothing
is ever unpickled), and the header's shape must account for exactly the bytes that
follow. What the config and arrays say is checked against each other in loading.py.
"""
from __future__ import annotations

import numpy as np

from ..npz import CORRUPT, Archive, ArchiveError, ModelFileError, corrupt, parse_json, parse_npy
from ..npz import open_regular as _open
from ..text import excerpt
from .schema import CONFIG_KEY, FORMAT, FORMAT_VERSION

__all__ = ["read_model_file"]


def _member_names(path, config, names) -> list[str]:
    """The members to read: those the config lists, checked before any is inflated."""
    listed = config.get("weights")
    if not isinstance(listed, list) or not all(isinstance(n, str) for n in listed):
        raise ModelFileError(path, f"config 'weights' must list the weight arrays' names, found "
                                   f"{excerpt(listed)}")
    optimizer = bool(config.get("optimizer"))
    unexpected = sorted(n for n in names if n != CONFIG_KEY and n not in listed
                        and not (optimizer and n.startswith("optimizer/")))
    if unexpected:
        raise ModelFileError(path, f"unexpected arrays {excerpt(unexpected, 100)}")
    missing = [n for n in listed if n not in names]
    if missing:
        raise ModelFileError(path, f"missing array {excerpt(missing[0])}")
    return [n for n in names if n != CONFIG_KEY]


def _read_config(path, archive: Archive) -> dict:
    if CONFIG_KEY not in archive.infos:
        raise ModelFileError(path, f"no {CONFIG_KEY} entry: not an npseq2seq model file")
    raw = parse_npy(CONFIG_KEY, archive.read(CONFIG_KEY))
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise ModelFileError(path, f"{CONFIG_KEY} must be 1-D uint8 bytes, found {raw.dtype}{list(raw.shape)}")
    config = parse_json(raw.tobytes(), "config")
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelFileError(path, "config does not describe an npseq2seq model")
    if config.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(path, f"format_version {excerpt(config.get('format_version'))} is not "
                                   f"supported (this npseq2seq reads version {FORMAT_VERSION})")
    return config


def read_model_file(path) -> tuple[dict, dict[str, np.ndarray]]:
    """(config, arrays) from a model file: the archive's table, then the config, then the
    members' names against the config, and only then the arrays are read."""
    path, size = _open(path)
    try:
        with Archive(path, size) as archive:
            config = _read_config(path, archive)
            names = _member_names(path, config, archive.names)
            arrays = {name: parse_npy(name, archive.read(name)) for name in names}
    except ArchiveError as err:
        raise ModelFileError(path, str(err)) from None
    except CORRUPT as err:
        if isinstance(err, ModelFileError):
            raise
        raise corrupt(path, err) from None
    return config, arrays
