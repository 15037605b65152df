"""Keep freed memory for the next batch instead of handing it back to the OS.

A training step allocates tens of megabytes of fresh arrays (every time step's
gates and states, their gradients) and frees them at the end of the step. glibc's
``malloc`` serves large requests with ``mmap`` and gives them back with ``munmap``
on ``free``, so the next step gets brand-new pages, and the kernel zero-fills each
4 KiB page on its first write: measured here, about 7,500 page faults and 13 ms of
an 80-95 ms step of the tutorial's model (``benchmarks/README.md``).

TensorFlow and PyTorch avoid this with caching allocators of their own. NumPy uses
the C library's ``malloc``, whose two knobs do the same: ``M_MMAP_THRESHOLD`` (serve
requests up to this size from the heap, not from ``mmap``) and ``M_TRIM_THRESHOLD``
(do not shrink the heap until this much is free at its top). After
``retain_freed_memory()`` the process keeps the peak memory of a training step and
reuses it every step. Nothing changes in the numbers computed.

This is a process-wide setting of the C library, harmless to other code (the
memory stays with the process, as in a framework's caching allocator): ``Seq2Seq.fit``
calls it. It does nothing where the C library is not glibc (macOS, Windows, musl),
whose allocators behave differently.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import platform

# mallopt() parameters, from glibc's <malloc.h>
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

# glibc caps M_MMAP_THRESHOLD at HEAP_MAX/2 = 32 MiB on 64-bit systems; larger requests
# (rare here: a batch's whole decoder gate array is ~15 MiB) still use mmap
_MMAP_THRESHOLD = 32 * 1024 * 1024
_TRIM_THRESHOLD = 1024 * 1024 * 1024


@functools.cache
def retain_freed_memory() -> bool:
    """Ask glibc to keep freed memory for reuse; True if it took the settings.

    Idempotent (the first call does the work). Returns False, changing nothing,
    where the C library is not glibc.
    """
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    # mallopt returns 1 on success, 0 on error
    return bool(mallopt(M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
