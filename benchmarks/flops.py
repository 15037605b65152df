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

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .common import BLAS_ENV_VARS, Config, Data, blas_info, clock, env_without_blas_pins, log, run_worker


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


def gemm_seconds(g: Gemm, dtype="float32", trials: int = 5, min_seconds: float = 0.02, clock=clock) -> float:
    """Median seconds of one product of ``g``'s shape and layout (a single call, not ×count),
    by ``clock`` (wall clock; ``time.process_time`` for CPU time on a shared machine)."""
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


# --------------------------------------------------------------------------- the benchmark's rows


def step_shapes(cfg: Config, data: Data) -> tuple:
    """``training_step_gemms``' arguments for the run's LSTM (4 gates) on ``data``."""
    v = data.vocab
    return (cfg.batch_size, v.max_encoder_seq_length, v.max_decoder_seq_length, cfg.latent_dim, 4,
            v.num_decoder_tokens)


def measure_gemm_rates(cfg: Config, data: Data) -> list[dict]:
    """NumPy's GEMM rate on the training step's shapes, measured first: once TensorFlow's and
    PyTorch's thread pools exist in the process, their idle threads' spinning slows OpenBLAS
    (measured here: 90 instead of 200-300 GFLOP/s after PyTorch had decoded)."""
    log("measuring NumPy's float32 GEMM rate on the training step's shapes")
    return gemm_rates(training_step_gemms(*step_shapes(cfg, data)))


def measure_gflops(cfg: Config, data: Data, lstm_row: dict, variant: dict | None, rates: list[dict]) -> dict:
    """Achieved GFLOP/s of npseq2seq's LSTM training step against NumPy's GEMM rate on its shapes
    (``rates``: ``measure_gemm_rates``)."""
    shapes = step_shapes(cfg, data)
    gemms = training_step_gemms(*shapes)
    steps = data.split_at / cfg.batch_size                        # exact when the batch divides N
    val_batches = (data.num_samples - data.split_at) / cfg.batch_size
    train_flops = total_flops(gemms) * steps
    val_flops = total_flops(validation_batch_gemms(*shapes)) * val_batches

    def row(env, kernel, train_seconds, rates_):
        floor = sum(r["floor_seconds"] for r in rates_) * steps
        return {"env": env, "kernel": kernel, "train_seconds": train_seconds,
                "achieved_gflops": train_flops / train_seconds / 1e9, "floor_seconds": floor,
                "fraction": floor / train_seconds}

    env_now = ", ".join(f"{k}={os.environ.get(k, 'unset')}" for k in BLAS_ENV_VARS)
    rows = [row(f"main run ({env_now})", _kernel(blas_info()),
                lstm_row["times"]["numpy"]["train"]["median"], rates)]
    if variant and variant.get("status") == "ok":
        rows.append(row(variant["env"], variant["kernel"], variant["times"]["train"]["median"],
                        variant["gemm_rates"]))
    return {"train_flops": train_flops, "val_flops": val_flops, "steps": steps, "rates": rates, "rows": rows}


def _kernel(blas: list[dict]) -> str:
    return ", ".join(str(b.get("architecture")) for b in blas) or "unknown"


def measure_blas_variant(cfg: Config, initial_weights: list, main_row: dict, tmp: Path) -> dict:
    """npseq2seq's LSTM float32 epochs again, in a subprocess under the other OpenBLAS setting.

    If this process runs with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE set, the
    subprocess runs with both unset; otherwise with OPENBLAS_CORETYPE=Haswell,
    the pin some environments of this machine set. Only the benchmark's own
    subprocess is affected.
    """
    if any(os.environ.get(v) for v in BLAS_ENV_VARS):
        env, label = env_without_blas_pins(), "OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset"
    else:
        env, label = {**os.environ, "OPENBLAS_CORETYPE": "Haswell"}, "OPENBLAS_CORETYPE=Haswell"
    path = tmp / "initial_weights.npz"
    np.savez(path, **{f"w{i}": w for i, w in enumerate(initial_weights)})
    log(f"NumPy training again in a subprocess with {label}")
    # quick mode: one epoch, no warm-up (only the BLAS setting differs from the main run)
    sub_cfg = {**cfg.to_dict(), **({"warmup": 0, "rounds": 1} if cfg.quick else {})}
    answer = run_worker("numpy_training", {"cfg": sub_cfg, "weights_path": str(path)}, env=env)
    return {"status": "ok", "env": label, "kernel": _kernel(answer["blas"]), "blas": answer["blas"],
            "times": answer["times"], "gemm_rates": answer["gemm_rates"], "losses": answer["losses"],
            "main_train": main_row["times"]["numpy"]["train"]["median"],
            "main_val": main_row["times"]["numpy"]["val"]["median"]}
