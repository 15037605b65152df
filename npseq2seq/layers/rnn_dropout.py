"""Keras's RNN dropout: ``LSTM(units, dropout=, recurrent_dropout=)`` (and GRU's), its masks
and the masked products the cells and the input projection use.

What Keras 3.15 does (``layers/rnn/{dropout_rnn_cell,lstm,gru,rnn}.py``, read for this):

* A mask is ``backend.random.dropout(ones_like(x_t), rate)``: each entry 0 or 1/(1 − rate)
  (the scale computed in Python, then cast to the layer's dtype). The masks are drawn
  once per layer *call*, at its first step (``RNN.call`` → ``_maybe_config_dropout_masks``),
  reused at every step, and dropped after the call (``_maybe_reset_dropout_masks``): one
  mask per sample and feature for the whole sequence (Gal & Ghahramani's "variational"
  dropout), a new one for each batch. In inference (``training=False``) no mask is used.
* ``recurrent_dropout == 0`` (Keras's default ``implementation=2``): one (N, D) mask
  multiplies x_t before the fused kernel: z = (x_t ⊙ m) W + h_{t-1} U + b.
* ``recurrent_dropout > 0`` switches the cell to ``implementation=1``
  (``dropout_mask_count`` = 4 for LSTM, 3 for GRU): gate block g has its own masks, for
  the input (if ``dropout > 0``) and for the previous output,
  z_g = (x_t ⊙ m_g) W_g + b_g + (h_{t-1} ⊙ r_g) U_g. The carry c of an LSTM is never
  masked, nor is h_{t-1} where a GRU mixes it into h_t (z ⊙ h_{t-1}). In a GRU with
  reset_after the candidate reads r ⊙ ((h_{t-1} ⊙ r_h) U_h + b₁_h); without it
  ((r ⊙ h_{t-1} ⊙ r_h) U_h).

Here the masks of one layer call are an ``RNNDropoutMasks``: ``inputs`` (1, N, D) for
implementation 2 or (G, N, D) for implementation 1, ``recurrent`` (G, N, H) or None,
drawn from the model's seeded generator (inputs first, then recurrent, as Keras) or
given (tests inject them into Keras to compare). A stack of G' masks splits the weight
columns they multiply into G' equal blocks; one mask (G' = 1) covers them all, so one
set of functions serves both implementations and both sides (x_t W and h_{t-1} U).

Letters: N batch, T time steps, D input features, H units, G gates, G' masks.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..ops import matmul_rows


class RNNDropoutMasks(NamedTuple):
    inputs: np.ndarray | None      # (G', N, D): 0 or 1/(1 − dropout), G' = 1 or G; None: no dropout
    recurrent: np.ndarray | None   # (G, N, H): 0 or 1/(1 − recurrent_dropout); None: none


def draw_mask(rate: float, shape, rng: np.random.Generator, dtype) -> np.ndarray:
    """Keras's ``dropout(ones, rate)``: entries 1/(1 − rate) (kept, probability 1 − rate) or 0."""
    dtype = np.dtype(dtype)
    scale = dtype.type(1 / (1 - rate))          # Python's division, then the dtype (TensorFlow)
    return np.where(rng.random(shape) >= rate, scale, dtype.type(0))


def draw_masks(layer, n: int, rng: np.random.Generator) -> RNNDropoutMasks:
    """The masks of one call of ``layer`` (its dropout, recurrent_dropout, num_gates, units,
    input_dim, dtype) on a batch of n."""
    count = layer.num_gates if layer.recurrent_dropout else 1   # implementation 1 / 2
    inputs = recurrent = None
    if layer.dropout:
        inputs = draw_mask(layer.dropout, (count, n, layer.input_dim), rng, layer.dtype)
    if layer.recurrent_dropout:
        recurrent = draw_mask(layer.recurrent_dropout, (count, n, layer.units), rng, layer.dtype)
    return RNNDropoutMasks(inputs, recurrent)


def call_masks(layer, n: int, training: bool, rng, given=None) -> RNNDropoutMasks | None:
    """The masks of one call of ``layer`` on n rows: None unless training with a rate > 0;
    else ``given`` (checked) or drawn from rng."""
    if not training or not (layer.dropout or layer.recurrent_dropout):
        return None
    if given is not None:
        return check_masks(layer, RNNDropoutMasks(*given), n)
    if rng is None:
        raise ValueError(f"{layer.name}: training with dropout needs an rng (or dropout_masks)")
    return draw_masks(layer, n, rng)


def check_masks(layer, masks: RNNDropoutMasks, n: int) -> RNNDropoutMasks:
    """Given masks, checked against the layer's rates and the batch (ValueError naming them)."""
    count = layer.num_gates if layer.recurrent_dropout else 1
    wanted = [("inputs", layer.dropout, (count, n, layer.input_dim)),
              ("recurrent", layer.recurrent_dropout, (count, n, layer.units))]
    out = []
    for (name, rate, shape), mask in zip(wanted, masks):
        if (mask is None) != (not rate) or (mask is not None and np.shape(mask) != shape):
            raise ValueError(f"{layer.name}: dropout_masks.{name} must be "
                             f"{'an array of shape ' + str(shape) if rate else 'None'} "
                             f"(rate {rate}), received {None if mask is None else np.shape(mask)}")
        out.append(None if mask is None else np.asarray(mask, layer.dtype))
    return RNNDropoutMasks(*out)


class RecurrentDropout:
    """What ``Recurrent`` knows of its dropout (a mixin; it sets ``recurrent_dropout``,
    ``num_gates`` and ``recurrent_kernel``)."""

    @property
    def implementation(self) -> int:
        """Keras's: 1 (one dropout mask per gate) when recurrent_dropout > 0, else 2."""
        return 1 if self.recurrent_dropout else 2

    def step_kernel(self, rec_masks) -> np.ndarray:
        """U as one call's steps read it: itself, or with recurrent dropout (rec_masks not
        None: one product per gate) its gate blocks (G, H, H), copied once per call
        (``gate_blocks``: why)."""
        return self.recurrent_kernel if rec_masks is None else gate_blocks(self.recurrent_kernel, self.num_gates)


def blocks(width: int, count: int) -> list[slice]:
    """The column blocks of a fused (…, G·H) array that ``count`` masks split it into."""
    size = width // count
    return [slice(g * size, (g + 1) * size) for g in range(count)]


def gate_blocks(weights, count: int) -> np.ndarray:
    """weights (K, G'·M) → (G', K, M): the column blocks ``count`` masks split it into, each
    copied to a row-major matrix of its own (``count`` 1: a view, nothing copied).

    Why a copy: a GEMM reading a column block of the wider row-major matrix in place was
    measured 15 % slower than on the same block contiguous ((64, 256) × (256, 256) a gate,
    four gates, float32, one OpenBLAS thread: 452 against 383 µs, the same bits). A layer
    call makes the blocks once, before its time loop (the weights change only between
    batches), and every step's ``dropped_product`` reads them."""
    if count == 1:
        return weights[None]
    k = weights.shape[0]
    return np.ascontiguousarray(weights.reshape(k, count, weights.shape[1] // count).transpose(1, 0, 2))


def dropped_product(a, weights, masks) -> np.ndarray:
    """out[..., block g] = (a ⊙ masks[g]) @ weights[:, block g]; a (..., N, K), weights
    (K, M) or its G' blocks (``gate_blocks``' (G', K, M/G'), or a list), masks (G', N, K). Keras's implementation 1
    (G' = G) or 2 (G' = 1). One step's a (N, K): each block's GEMM writes its columns of
    out directly."""
    count = len(masks)
    if isinstance(weights, np.ndarray) and weights.ndim == 2:
        weights = [weights[:, cols] for cols in blocks(weights.shape[1], count)]
    width = count * weights[0].shape[1]
    out = np.empty(a.shape[:-1] + (width,), np.result_type(a, weights[0]))
    masked = np.empty(np.broadcast_shapes(a.shape, masks.shape[1:]), np.result_type(a, masks))
    for m, w, cols in zip(masks, weights, blocks(width, count)):
        np.multiply(a, m, out=masked)
        if out.ndim == 2:
            np.matmul(masked, w, out=out[:, cols])
        else:
            out[..., cols] = matmul_rows(masked, w)
    return out


def dropped_product_backward(dout, weights_t, masks) -> np.ndarray:
    """d a of ``dropped_product``: Σ_g masks[g] ⊙ (dout[..., block g] @ weights_tᵀ rows of
    block g); dout (..., N, M), weights_t: weightsᵀ (M, K)."""
    da = None
    for m, rows in zip(masks, blocks(weights_t.shape[0], len(masks))):
        term = matmul_rows(dout[..., rows], weights_t[rows])     # out_g = (a·m_g) W_g -> d(a·m_g) = dout_g W_gᵀ
        term *= m                                                 #                     -> da += m_g · d(a·m_g)
        da = term if da is None else da + term
    return da


def dropped_gemm_over_time(a_tm, d_tm, masks) -> np.ndarray:
    """d weights of ``dropped_product`` summed over time: block g is Σ_t (a_t ⊙ m_g)ᵀ d_t,g
    as one GEMM over the (T·N) rows; a_tm (T, N, K), d_tm (T, N, M) → (K, M)."""
    k = a_tm.shape[-1]
    grad = np.empty((k, d_tm.shape[-1]), np.result_type(a_tm, d_tm))
    for m, cols in zip(masks, blocks(d_tm.shape[-1], len(masks))):
        grad[:, cols] = (a_tm * m).reshape(-1, k).T @ d_tm[..., cols].reshape(-1, cols.stop - cols.start)
    return grad
