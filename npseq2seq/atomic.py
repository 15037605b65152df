"""Writing a file atomically, as ``mv`` does: the bytes go to a temporary sibling, are
flushed and fsynced, and the sibling is renamed over the target, so a crash or a kill
mid-write leaves the previous file whole.

What an overwrite keeps and what it does not (the choices of ``mv``-style saves):

- a symbolic link is followed: its target is written and the link stays a link;
- the permission bits of the file replaced are kept (not set-user/group-ID); the new file
  is owned by whoever writes it;
- a hard link is broken: the other names of the old file keep the old contents;
- only a regular file is ever replaced: a directory, FIFO, device or socket is refused
  (``NotARegularFileError``), checked once more just before the rename.

The temporary name is ``.<name>.<pid>.<8 hex>.tmp``, its ``<name>`` part cut so that the
whole stays within the directory's NAME_MAX. A temporary file a killed process left
behind (its pid no longer running, older than a minute, a regular file of ours) is
removed by the next save to the same name; any other is left alone, and never written
through: a temporary file is always created new (O_EXCL).
"""
from __future__ import annotations

import os
import re
import secrets
import stat
import time
from pathlib import Path

__all__ = ["atomic_write", "temp_name", "remove_stale_temps", "file_kind", "name_max",
           "NotARegularFileError"]

STALE_AFTER = 60.0   # seconds a dead process's temporary file is left before it is removed
_SUFFIX = re.compile(r"\.(\d+)\.[0-9a-f]{8}\.tmp")
_KINDS = ((stat.S_ISDIR, "directory"), (stat.S_ISFIFO, "FIFO (named pipe)"),
          (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
          (stat.S_ISSOCK, "socket"), (stat.S_ISLNK, "symbolic link"))


class NotARegularFileError(OSError):
    """A path to write names something that is not a regular file."""


def file_kind(mode: int) -> str:
    """What a st_mode is, in words ("directory", "FIFO (named pipe)", ...)."""
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "regular file" if stat.S_ISREG(mode) else "special file"


def name_max(folder) -> int:
    """The longest file name (bytes) the directory takes; 255 where it cannot be asked."""
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return 255


def _name_part(name: str, limit: int) -> str:
    """``name`` cut to leave room in a temporary name of at most ``limit`` bytes."""
    room = limit - len(".") - len(f".{2 ** 22}.{'0' * 8}.tmp")
    raw = os.fsencode(name)
    return name if len(raw) <= room else os.fsdecode(raw[:max(room, 1)])


def temp_name(path) -> Path:
    """A fresh temporary sibling of ``path``: ``.<name>.<pid>.<8 hex>.tmp``."""
    path = Path(path)
    part = _name_part(path.name, name_max(path.parent if path.parent.exists() else "."))
    return path.with_name(f".{part}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True    # someone else's process, or cannot tell: leave its file alone
    return True


def remove_stale_temps(path) -> list[str]:
    """Remove the temporary files of ``path`` that killed processes left; return their names."""
    path = Path(path)
    prefix = "." + _name_part(path.name, name_max(path.parent)) + "."
    removed = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    for entry in entries:
        found = entry.name.startswith(prefix) and _SUFFIX.fullmatch(entry.name[len(prefix) - 1:])
        if not found or _running(int(found.group(1))):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            ours = not hasattr(os, "getuid") or info.st_uid == os.getuid()   # (Windows: no owners)
            if (stat.S_ISREG(info.st_mode) and ours
                    and time.time() - info.st_mtime > STALE_AFTER):
                os.unlink(entry.path)
                removed.append(entry.name)
        except OSError:
            continue
    return removed


def _check_target(path: Path):
    """The target's stat (None if absent), refusing anything but a regular file."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        raise NotARegularFileError(f"{path}: is a {file_kind(info.st_mode)}, expected a regular file "
                                   "(or a new name) to write")
    return info


def atomic_write(path, write) -> None:
    """Call ``write(f)`` on a temporary sibling of ``path`` opened for binary writing, then
    flush, fsync and rename it over ``path`` (a symlink's target). See the module docstring."""
    path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    _check_target(path)
    remove_stale_temps(path)
    tmp = temp_name(path)
    # os.open with mode 0o666 lets the umask decide the permissions of a new file, as for any
    # new file (tempfile.mkstemp would make every model file private to its owner)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())   # the bytes are on disk before the name points at them
        old = _check_target(path)  # once more: it may have been replaced since the first look
        if old is not None and hasattr(os, "chmod"):
            os.chmod(tmp, stat.S_IMODE(old.st_mode) & 0o777)   # an overwrite keeps the mode
        os.replace(tmp, path)      # atomic on POSIX and Windows
    except BaseException:          # KeyboardInterrupt too: never leave a half-written temp file
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
