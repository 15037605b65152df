"""OpenBLAS's own thread count, read and set through the library NumPy has already loaded.

``threads.split_batch`` runs two halves of a batch in two Python threads; each half's GEMMs
would otherwise ask OpenBLAS for its threads too (it threads a GEMM above about 2^18
multiply-adds), and two callers each wanting both cores of a 2-core machine oversubscribe
it. ``one_thread()`` sets OpenBLAS to one thread for the duration of a ``with`` block and
restores the count after (OpenBLAS's setting is process-wide: other threads' BLAS calls run
single-threaded for that time too).

No new dependency (threadpoolctl does this in general): the already loaded library is found
in ``/proc/self/maps`` and opened with ``ctypes`` (``dlopen`` of a loaded library returns
it, loading nothing new), and its ``*_get_num_threads*`` / ``*_set_num_threads*`` symbols
are called. Where any of this is missing (not Linux, another BLAS, other symbol names),
``available()`` is False and ``one_thread()`` does nothing.
"""
from __future__ import annotations

import contextlib
import ctypes

__all__ = ["available", "get_num_threads", "one_thread"]

# (get, set) pairs: scipy-openblas's wheel (NumPy ≥ 2), OpenBLAS built with 64-bit ints, plain
_SYMBOLS = (("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
            ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
            ("openblas_get_num_threads", "openblas_set_num_threads"))
_found: tuple | None | bool = False     # False: not looked for yet


def _find():
    """The loaded OpenBLAS's (get, set) functions, or None."""
    import numpy  # noqa: F401  (its BLAS must be loaded before we look for it)
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps
                            if "openblas" in line.rsplit("/", 1)[-1].lower() and ".so" in line})
    except OSError:
        return None
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for get, set_ in _SYMBOLS:
            if hasattr(lib, get) and hasattr(lib, set_):
                getter, setter = getattr(lib, get), getattr(lib, set_)
                getter.restype, getter.argtypes = ctypes.c_int, []
                setter.restype, setter.argtypes = None, [ctypes.c_int]
                return getter, setter
    return None


def _functions():
    global _found
    if _found is False:
        _found = _find()
    return _found


def available() -> bool:
    return _functions() is not None


def get_num_threads() -> int | None:
    """OpenBLAS's thread count, or None where it cannot be read."""
    found = _functions()
    return None if found is None else int(found[0]())


@contextlib.contextmanager
def one_thread():
    """OpenBLAS on one thread inside the block, its count restored after; else nothing."""
    found = _functions()
    before = None if found is None else int(found[0]())
    if before is None or before <= 1:
        yield
        return
    found[1](1)
    try:
        yield
    finally:
        found[1](before)
