"""Elementwise functions, numerically stable softmax, and Keras's initialisers.

Also the two products the layers share: ``matmul_rows`` (a stacked product as one
GEMM) and ``scatter_add_rows`` (the backward of a row gather), with ``RowGradient``,
that gradient kept one row per lookup. Everything here is a plain NumPy function of
arrays; nothing holds state. The initialisers take a ``numpy.random.Generator`` so
that one seeded generator drives all the randomness of a model.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = [
    "sigmoid", "GateActivation", "HardGateActivation", "gate_activation", "RECURRENT_ACTIVATIONS",
    "softmax", "logsumexp",
    "glorot_uniform", "orthogonal", "lstm_bias", "resolve_dtype", "matmul_rows", "scatter_add_rows",
    "RowGradient",
]


def resolve_dtype(dtype) -> np.dtype:
    """The library works in float32 (Keras's default) or float64; nothing else."""
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    return dt


def sigmoid(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The plain logistic 1 / (1 + exp(-x)), Keras's ``"sigmoid"`` (not hard_sigmoid).

    The definition the cells' ``GateActivation`` (which computes σ through tanh) is
    tested against; the cells themselves do not call it.

    For very negative x, exp(-x) overflows to inf and 1/inf is exactly 0, the
    right limit, so the overflow warning is silenced rather than avoided.
    """
    with np.errstate(over="ignore"):
        out = np.negative(x, out=out)
        np.exp(out, out=out)
        out += 1.0
        return np.reciprocal(out, out=out)


class GateActivation(NamedTuple):
    """σ on some column blocks of a fused gate array (N, G·H) and tanh on the others, in place.

    The identity σ(x) = ½ + ½·tanh(x/2) lets one tanh pass cover every block:
    halve the σ columns, tanh everything, then halve and shift the σ columns by
    ½. Halving is exact in binary floating point, so this is σ to within about an
    ulp (the rounding of tanh, then of the final multiply and add), and it costs 3
    passes over (N, G·H) plus the tanh instead of the 4 (negate, exp, add,
    reciprocal) that ``sigmoid`` takes on the σ blocks alone. Built once per layer with ``GateActivation.for_blocks``.

    The derivative in terms of the activation a: σ' = a(1 − a) and tanh' = 1 − a²,
    both a(γ − a) + (1 − γ) with γ = 1 on σ columns and 0 on tanh columns.
    """
    scale: np.ndarray    # (G·H,): ½ on σ columns, 1 on tanh columns
    shift: np.ndarray    # (G·H,): ½ on σ columns, 0 on tanh columns
    gamma: np.ndarray    # (G·H,): 1 on σ columns, 0 on tanh columns
    one_minus_gamma: np.ndarray

    @classmethod
    def for_blocks(cls, kinds: str, units: int, dtype) -> "GateActivation":
        """kinds: one letter per block of ``units`` columns, "s" for σ, "t" for tanh (LSTM: "ssts")."""
        sig = np.repeat([k == "s" for k in kinds], units)
        gamma = sig.astype(dtype)
        return cls(np.where(sig, 0.5, 1.0).astype(dtype), gamma * 0.5, gamma, 1 - gamma)

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """z (N, G·H) pre-activations → activations, in place (and returned)."""
        z *= self.scale
        np.tanh(z, out=z)
        z *= self.scale
        z += self.shift
        return z

    def derivative(self, a: np.ndarray, out: np.ndarray) -> np.ndarray:
        """d(activation)/d(pre-activation) from the activations a: a(γ − a) + (1 − γ)."""
        np.subtract(self.gamma, a, out=out)
        out *= a
        out += self.one_minus_gamma
        return out


class HardGateActivation(NamedTuple):
    """Keras 2's ``hard_sigmoid`` on the gate blocks, tanh on the others, in place: the
    recurrent activation of standalone Keras 2.0–2.2's LSTM and GRU by default (the 2017
    blog post's ``s2s.h5``), and what tf.keras 2 calls "hard_sigmoid".

    hard_σ(x) = clip(0.2·x + 0.5, 0, 1), computed as Keras 2.2.4's TensorFlow backend
    (``keras/backend/tensorflow_backend.py``) and tf_keras 2.21 (``src/backend.py``) do it:
    multiply by 0.2 (rounded to the dtype), add 0.5, clip; so the same floats come out.
    Keras 3 redefined ``hard_sigmoid`` as relu6(x + 3)/6 = clip(x/6 + 0.5, 0, 1): not this one.

    Its derivative in terms of the activation a: 0.2 where 0 < a < 1, else 0 (the clipped
    ends are flat); tanh' = 1 − a² on the other blocks.
    """
    hard: np.ndarray     # (G·H,) bool: True on the gate (hard σ) columns

    @classmethod
    def for_blocks(cls, kinds: str, units: int, dtype) -> "HardGateActivation":
        """kinds: one letter per block of ``units`` columns, "s" for hard σ, "t" for tanh."""
        return cls(np.repeat([k == "s" for k in kinds], units))

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """z (N, G·H) pre-activations → activations, in place (and returned)."""
        hard = z * z.dtype.type(0.2)
        hard += z.dtype.type(0.5)
        np.clip(hard, 0.0, 1.0, out=hard)
        np.tanh(z, out=z)
        np.copyto(z, hard, where=self.hard)
        return z

    def derivative(self, a: np.ndarray, out: np.ndarray) -> np.ndarray:
        """d(activation)/d(pre-activation) from the activations a."""
        np.multiply(a, a, out=out)
        np.subtract(1.0, out, out=out)                       # tanh' = 1 − a²
        slope = np.where((a > 0) & (a < 1), a.dtype.type(0.2), a.dtype.type(0))
        np.copyto(out, slope, where=self.hard)               # hard σ' = 0.2 inside (0, 1)
        return out


RECURRENT_ACTIVATIONS = {"sigmoid": GateActivation, "hard_sigmoid": HardGateActivation}


def gate_activation(kinds: str, units: int, dtype, recurrent_activation: str = "sigmoid"):
    """The cell's activation of its fused gate array: ``recurrent_activation`` ("sigmoid",
    Keras 3's and tf.keras's default, or "hard_sigmoid", Keras 2's) on the "s" blocks, tanh
    on the "t" blocks."""
    if recurrent_activation not in RECURRENT_ACTIVATIONS:
        raise ValueError(f"recurrent_activation must be one of {sorted(RECURRENT_ACTIVATIONS)}, "
                         f"received {recurrent_activation!r}")
    return RECURRENT_ACTIVATIONS[recurrent_activation].for_blocks(kinds, units, dtype)


def logsumexp(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """log(sum(exp(z))) along ``axis`` (kept), shifted by the max so nothing overflows."""
    m = z.max(axis=axis, keepdims=True)
    return m + np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(z - max) / sum(exp(z - max)), the same formula as ``tf.nn.softmax``."""
    e = np.subtract(z, z.max(axis=axis, keepdims=True))
    np.exp(e, out=e)
    e /= e.sum(axis=axis, keepdims=True)
    return e


def matmul_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a (..., K) @ b (K, M) → (..., M) as one GEMM over all the rows of a.

    ``a @ b`` with a stacked a (T, N, K) runs T separate GEMMs, each reading all of b
    again: measured 2× slower for the word model's Dense layer ((15, 64, 4436) @
    (4436, 256): 12.3 ms against 6.7 ms as one (960, 4436) GEMM). A non-contiguous a
    is copied by the reshape first, such as the time-major view of batch-major float
    inputs in ``Recurrent.project_inputs`` (a copy is one pass; T GEMMs read b T times).
    """
    return (a.reshape(-1, a.shape[-1]) @ b).reshape(*a.shape[:-1], b.shape[-1])


_ONE_HOT_GEMM_MAX_ROWS = 512    # up to this many table rows, scatter_add_rows uses the one-hot GEMM


def scatter_add_rows(num_rows: int, ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Σ of ``rows`` grouped by ``ids``: out[k] = Σ_{j: ids[j]=k} rows[j]; ids of -1 are skipped.

    The backward of a row gather (one-hot × W, or an Embedding lookup): a token
    seen many times accumulates all its gradients. ids: (M,) ints; rows: (M, K)
    → (num_rows, K). Two vectorised ways, both far faster than ``np.add.at``:
    for a small vocabulary (characters) a GEMM with the one-hot matrix, (V, M) ×
    (M, K), is fastest (measured 6× faster than sorting for V = 90, M = 3776,
    K = 1024); for a large one (words) that GEMM's cost grows with V, so sort by
    id and sum each run with ``np.add.reduceat`` instead.
    """
    keep = ids >= 0
    if not keep.all():                      # (filtering copies rows: only when needed)
        ids, rows = ids[keep], rows[keep]
    if num_rows <= _ONE_HOT_GEMM_MAX_ROWS:
        one_hot_t = np.zeros((num_rows, len(ids)), rows.dtype)
        one_hot_t[ids, np.arange(len(ids))] = 1.0
        return one_hot_t @ rows
    out = np.zeros((num_rows, rows.shape[1]), rows.dtype)
    if ids.size:
        order = np.argsort(ids, kind="stable")
        sorted_ids = ids[order]
        starts = np.flatnonzero(np.concatenate(([True], sorted_ids[1:] != sorted_ids[:-1])))
        out[sorted_ids[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    return out


# --- initialisers (keras/src/initializers/random_initializers.py) -----------------

def glorot_uniform(rng: np.random.Generator, shape: tuple[int, int], dtype) -> np.ndarray:
    """U(-limit, limit) with limit = sqrt(6 / (fan_in + fan_out)); fans are shape[0], shape[1]."""
    fan_in, fan_out = shape
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def orthogonal(rng: np.random.Generator, shape: tuple[int, int], dtype, gain: float = 1.0) -> np.ndarray:
    """Keras's Orthogonal: QR of a normal matrix, signs fixed by diag(R).

    For the (units, 4*units) recurrent kernel the rows come out orthonormal,
    which keeps the recurrent map from shrinking or blowing up the state early on.

    Returned C-contiguous like every other weight. QR hands back a column-major q, and
    ``q.T`` of it was the recurrent kernel as it stood (F-contiguous) until issue 16:
    every step's ``h @ recurrent_kernel`` on it took 499 µs against 376 µs on the same
    values C-contiguous ((64, 256) × (256, 1024) float32, one OpenBLAS thread, min of 7);
    a training step of the tutorial's char LSTM 6.4 % faster, the GRU's 5.6 % (20 batches,
    min of 10 interleaved with the old layout, one thread, load 3.5–4). The values are the same; the trained
    trajectory rounds differently (OpenBLAS's kernels for the two layouts sum in
    different orders), so this changed the numbers of ``benchmarks.same_bits``.
    """
    rows, cols = shape
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))  # makes the decomposition unique (uniform over orthogonal matrices)
    if rows < cols:
        q = q.T
    return np.ascontiguousarray((gain * q).astype(dtype))


def lstm_bias(units: int, dtype, unit_forget_bias: bool = True) -> np.ndarray:
    """Zeros, except ones for the forget gate (the i, f, c, o layout's second block).

    A forget bias of 1 makes f ≈ 0.73 at the start, so the cell remembers by default
    (Jozefowicz et al., 2015); Keras's ``unit_forget_bias=True``.
    """
    bias = np.zeros(4 * units, dtype=dtype)
    if unit_forget_bias:
        bias[units:2 * units] = 1.0
    return bias


class RowGradient(NamedTuple):
    """The gradient of a (V, K) table read by row lookups, one row per lookup:
    ``dtable[ids[j]] += rows[j]``, what TensorFlow hands Keras for an Embedding
    (``tf.IndexedSlices``); ``Embedding.backward(..., as_rows=True)`` returns one, and
    ``optimizers/base.py``'s docstring says how Keras's optimizers update with it."""
    ids: np.ndarray      # (M,) table rows looked up, repeats allowed
    rows: np.ndarray     # (M, K) the gradient of each lookup
    num_rows: int        # V

    @property
    def shape(self):
        return (self.num_rows, self.rows.shape[1])

    def dense(self) -> np.ndarray:
        """(V, K): the rows summed per id, the gradient of the table."""
        return scatter_add_rows(self.num_rows, self.ids, self.rows)

    def squares(self) -> np.ndarray:
        """(V, K): the rows squared, then summed per id (Keras's ``square(g)``)."""
        return scatter_add_rows(self.num_rows, self.ids, np.square(self.rows))
