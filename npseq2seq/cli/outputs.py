"""Every path a command will write, checked before any work starts, so that hours of
training never end in "cannot write there" (or in writing where it must not)::

    out = check_output(args.out, "--out", inputs={"--data": args.data})

A path to write must name a file (not ``.``, not ``dir/``), be a regular file or absent
(never a directory, FIFO, device or socket: ``--out /dev/null`` is refused, not
replaced), not be the same file as an input (symbolic links followed, hard links seen
through: ``--out`` naming the training data would replace the data with the model),
have a name within the directory's NAME_MAX (the temporary name is cut to fit), and
sit in a directory that exists (or can be made) and that this process can create files
in: checked by creating and removing an empty temporary file there, which also finds
a read-only file system. The temporary files a killed run left beside it are removed
(``atomic.remove_stale_temps``). What an overwrite keeps: see ``atomic.py``.

Free space cannot be promised before training (the disk is shared): ``space_warning``
says when it is already too little for the files to come, and a failed save after
training is handled by the command (``train`` then saves a checkpoint elsewhere).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from ..atomic import file_kind, name_max, remove_stale_temps, temp_name
from ..text import excerpt, shown_path

__all__ = ["OutputError", "check_name", "check_output", "check_outputs", "same_file", "space_warning"]


class OutputError(ValueError):
    """A path to write that would fail, or overwrite what it must not."""


def same_file(a, b) -> bool:
    """Whether two paths name one file (links followed; either may not exist yet)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _stat(path: str, flag: str, shown: str):
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as err:   # a loop of links, a name too long, a component not a directory
        raise OutputError(f"{flag} {shown}: cannot be written: {err.strerror}") from None


def _existing_parent(folder: Path, flag: str, shown: str) -> Path:
    """The nearest existing directory up from ``folder`` (the rest will be made)."""
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise OutputError(f"{flag} {shown}: {folder} is not a directory")
    return folder


def _probe(folder: Path, target: Path, flag: str, shown: str) -> None:
    """Create and remove an empty temporary file beside ``target``: can we write there?"""
    if folder != target.parent:   # directories still to be made: can the first be made here?
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OutputError(f"{flag} {shown}: cannot create directories in {folder} (no permission)")
        return
    probe = temp_name(target)
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.unlink(probe)
    except OSError as err:
        raise OutputError(f"{flag} {shown}: cannot write in {folder}: {err.strerror}") from None


def check_name(path, flag: str) -> tuple[str, str]:
    """(path, how a message shows it) if ``path`` names a file, else OutputError."""
    text = os.fspath(path)
    shown = shown_path(text, 80)
    if not text or os.path.basename(text) in ("", ".", "..") or text.endswith(os.sep):
        raise OutputError(f"{flag} {shown or repr(text)}: names a directory, expected a file name "
                          "such as model.npz")
    if "\0" in text:
        raise OutputError(f"{flag} {excerpt(text, 80)}: a file name cannot hold a NUL character")
    return text, shown


def check_output(path, flag: str, inputs: dict[str, str | None] | None = None,
                 allowed: dict[str, str | None] | None = None) -> str:
    """``path`` if the command may write it (see the module docstring), else OutputError
    naming ``flag``. inputs: {flag: path} of the files the command reads, which it must not
    overwrite; allowed: inputs it may replace (the checkpoint a resumed run goes on from)."""
    text, shown = check_name(path, flag)
    target = Path(os.path.abspath(text))
    folder = _existing_parent(target.parent, flag, shown)
    limit = name_max(folder)
    if len(os.fsencode(target.name)) > limit:
        raise OutputError(f"{flag} {shown}: the file name has {len(os.fsencode(target.name))} bytes, "
                          f"more than the {limit} this file system takes")
    info = _stat(text, flag, shown)
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise OutputError(f"{flag} {shown}: is a {file_kind(info.st_mode)}, expected a regular "
                          "file to replace (or a new name)")
    for in_flag, in_path in (inputs or {}).items():
        if in_path and same_file(text, in_path) and in_path not in (allowed or {}).values():
            raise OutputError(f"{flag} {shown} is the same file as {in_flag} {in_path}: writing "
                              f"it would replace the {in_flag} file")
    target = Path(os.path.realpath(text))   # a symlink's target is what will be written
    folder = _existing_parent(target.parent, flag, shown)
    _probe(folder, target, flag, shown)
    remove_stale_temps(target)
    return text


def check_outputs(outputs: dict[str, str], inputs: dict[str, str | None] | None = None,
                  allowed: dict[str, str | None] | None = None) -> None:
    """check_output for each {flag: path}, and no two outputs the same file."""
    for flag, path in outputs.items():
        check_output(path, flag, inputs, allowed)
    flags = list(outputs)
    for i, a in enumerate(flags):
        for b in flags[i + 1:]:
            if same_file(outputs[a], outputs[b]):
                raise OutputError(f"{a} and {b} name the same file {outputs[a]}: the model and "
                                  "its checkpoint need a file each")


def space_warning(paths, nbytes: int) -> str | None:
    """A warning if the file systems of ``paths`` have less free space than ``nbytes``
    each file will take (files on one file system counted together), else None."""
    needed: dict[int, list] = {}
    for path in paths:
        folder = Path(os.path.realpath(path)).parent
        while not folder.exists():
            folder = folder.parent
        try:
            info = os.statvfs(folder)
        except (OSError, AttributeError):
            continue
        entry = needed.setdefault(info.f_fsid or hash(str(folder)), [info.f_bavail * info.f_frsize, 0, folder])
        entry[1] += nbytes
    for free, need, folder in needed.values():
        if free < need:
            return (f"warning: {folder} has {free / 2**20:.1f} MiB free, and the model and its checkpoint "
                    f"need about {need / 2**20:.1f} MiB: the final save may fail (a checkpoint is then "
                    "saved elsewhere)")
    return None
