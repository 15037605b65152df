"""Does a GEMM's row depend on the rest of the batch? The question ``threads.split_batch``
(greedy decoding in halves) rests on.

    python -m benchmarks.gemm_rows

For the GEMMs of a decoding step (the recurrent kernel (H, 4H), the input projection, the
Dense layer (H, V) for a char and a word vocabulary), in float32 and float64: which batch
cuts of M rows (taken at the start, at row 17, at the end) give rows that differ in any bit
from the same rows of one 1,000-row product, with OpenBLAS as loaded and on one thread.

Measured (2026-12-05, OpenBLAS 0.3.31 scipy-openblas64, SkylakeX kernels, 2 cores): float32:
no cut differs but M = 1 (NumPy computes a 1-row product as a GEMV; with K = 16 not even
that), with one or two OpenBLAS threads alike. float64: M = 1 for every shape; with N = 92
(a char vocabulary's Dense layer) every cut up to 64 rows (33 on one thread); with N = 6,004
(a word vocabulary) every cut tried, up to 501 rows, and the whole 1,000-row product on two
OpenBLAS threads differs from one thread's.
"""
from __future__ import annotations

import numpy as np

from npseq2seq import blas

SHAPES = [(256, 1024), (78, 1024), (256, 92), (256, 6004), (16, 64)]
CUTS = list(range(1, 9)) + [16, 32, 33, 64, 100, 499, 500, 501]


def differing_cuts(a: np.ndarray, b: np.ndarray, whole: np.ndarray) -> list[int]:
    n = len(a)
    return [m for m in CUTS if any(not np.array_equal(a[lo:lo + m] @ b, whole[lo:lo + m])
                                   for lo in (0, 17, n - m))]


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"OpenBLAS threads {blas.get_num_threads()} (found: {blas.available()})")
    for dtype in ("float32", "float64"):
        for k, n_cols in SHAPES:
            a = rng.standard_normal((1000, k)).astype(dtype)
            b = rng.standard_normal((k, n_cols)).astype(dtype)
            whole = a @ b
            as_loaded = differing_cuts(a, b, whole)
            with blas.one_thread():
                one = differing_cuts(a, b, whole)
                same = np.array_equal(a @ b, whole)
            print(f"{dtype} ({k}, {n_cols}): cuts whose rows differ: {as_loaded}; on one OpenBLAS thread "
                  f"against the whole as loaded: {one}; whole on 1 thread = as loaded: {same}")


if __name__ == "__main__":
    main()
