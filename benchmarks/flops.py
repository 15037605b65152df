"""FLOPs of a training step, counted analytically, and NumPy's GEMM rate on the same shapes.

Only matrix products are counted (2·m·k·n each); the elementwise gate math, the
loss and the optimiser are left out (they are O(m·n), not O(m·k·n)). One-hot ×
kernel is a row gather (0 FLOPs) and its gradient a scatter-add (0 useful
FLOPs), as npseq2seq computes them. Letters: N batch, Te/Td encoder/decoder
steps, H units, G gates (LSTM 4, GRU 3), V decoder tokens.

"Fraction of the machine's limit" = the time the step's GEMMs take when each
runs alone at NumPy's measured rate for its shape, divided by the measured time
of the whole step. 1.0 would mean nothing but GEMMs at full speed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .common import clock


@dataclass(frozen=True)
class Gemm:
    name: str
    m: int
    k: int
    n: int
    count: int        # how many times per step
    layout: str       # how npseq2seq's operands are laid out: "A@B", "A@B.T" or "A.T@B"

    @property
    def flops(self) -> int:
        return 2 * self.m * self.k * self.n * self.count


def training_step_gemms(n: int, te: int, td: int, units: int, gates: int, vd: int) -> list[Gemm]:
    """The GEMMs of one teacher-forced training step of the tutorial's model."""
    gh = gates * units
    return [
        # forward
        Gemm("encoder h@U (per step)", n, units, gh, te, "A@B"),
        Gemm("decoder h@U (per step)", n, units, gh, td, "A@B"),
        Gemm("Dense forward", n * td, units, vd, 1, "A@B"),
        # backward
        Gemm("Dense dW = xᵀ dz", units, n * td, vd, 1, "A.T@B"),
        Gemm("Dense dx = dz Wᵀ", n * td, vd, units, 1, "A@B.T"),
        Gemm("decoder dh = dz Uᵀ (per step)", n, gh, units, td, "A@B"),   # Uᵀ made contiguous
        Gemm("decoder dU = Σ h dz (one GEMM)", units, n * td, gh, 1, "A.T@B"),
        Gemm("encoder dh = dz Uᵀ (per step)", n, gh, units, te, "A@B"),
        Gemm("encoder dU = Σ h dz (one GEMM)", units, n * te, gh, 1, "A.T@B"),
    ]


def validation_batch_gemms(n: int, te: int, td: int, units: int, gates: int, vd: int) -> list[Gemm]:
    """Forward only: what ``evaluate`` computes for one batch."""
    return training_step_gemms(n, te, td, units, gates, vd)[:3]


def total_flops(gemms: list[Gemm]) -> int:
    return sum(g.flops for g in gemms)


def _operands(g: Gemm, dtype, rng):
    def rand(shape):
        return rng.standard_normal(shape).astype(dtype)
    if g.layout == "A@B":
        return rand((g.m, g.k)), rand((g.k, g.n))
    if g.layout == "A@B.T":
        return rand((g.m, g.k)), rand((g.n, g.k)).T
    if g.layout == "A.T@B":
        return rand((g.k, g.m)).T, rand((g.k, g.n))
    raise ValueError(f"layout must be 'A@B', 'A@B.T' or 'A.T@B', received {g.layout!r}")


def gemm_seconds(g: Gemm, dtype="float32", trials: int = 5, min_seconds: float = 0.02) -> float:
    """Median seconds of one product of ``g``'s shape and layout (a single call, not ×count)."""
    a, b = _operands(g, dtype, np.random.default_rng(0))
    out = a @ b                                   # warm-up; also sizes the inner loop
    start, calls = clock(), 0
    while clock() - start < min_seconds:
        np.matmul(a, b, out=out)
        calls += 1
    times = []
    for _ in range(trials):
        start = clock()
        for _ in range(calls):
            np.matmul(a, b, out=out)
        times.append((clock() - start) / calls)
    return float(np.median(times))


def gemm_rates(gemms: list[Gemm], dtype="float32") -> list[dict]:
    """Per GEMM: shape, FLOPs per step, measured seconds per call, GFLOP/s, floor seconds per step."""
    rows = []
    for g in gemms:
        seconds = gemm_seconds(g, dtype)
        rows.append({"name": g.name, "shape": f"({g.m}×{g.k}) @ ({g.k}×{g.n})", "layout": g.layout,
                     "count": g.count, "flops": g.flops,
                     "seconds_per_call": seconds, "gflops": 2 * g.m * g.k * g.n / seconds / 1e9,
                     "floor_seconds": seconds * g.count})
    return rows
