"""GRU: one time step's equations and their derivatives (Keras gate order z, r, h).

Forward, for x_t (N, D) and h_{t-1} (N, H), with W: kernel (D, 3H), U:
recurrent_kernel (H, 3H), both split into blocks z, r, h of H columns::

    reset_after=True (Keras's default; bias (2, 3H): b₀ input side, b₁ recurrent side)
        m   = h_{t-1} U + b₁                          all three blocks in one GEMM
        z   = σ(x_t W_z + b₀_z + m_z)                 update gate
        r   = σ(x_t W_r + b₀_r + m_r)                 reset gate
        hh  = tanh(x_t W_h + b₀_h + r ⊙ m_h)          candidate; r scales b₁_h too

    reset_after=False (bias (3H,), input side only)
        z   = σ(x_t W_z + b_z + h_{t-1} U_z)
        r   = σ(x_t W_r + b_r + h_{t-1} U_r)
        hh  = tanh(x_t W_h + b_h + (r ⊙ h_{t-1}) U_h)  r resets the state *before* U_h

    h_t = z ⊙ h_{t-1} + (1 − z) ⊙ hh                  z weights the OLD state (Keras)

With ``recurrent_dropout`` (Keras's implementation 1, ``rnn_dropout.py``) gate g reads
h_{t-1} ⊙ r_g wherever h_{t-1} meets U: m_g = (h_{t-1} ⊙ r_g) U_g + b₁_g with reset_after,
(r ⊙ h_{t-1} ⊙ r_h) U_h without; h_t = z ⊙ h_{t-1} + … reads the unmasked h_{t-1}.

σ is the plain logistic (Keras's "sigmoid"), computed as ½ + ½·tanh(x/2)
(``ops.GateActivation``), or with ``recurrent_activation="hard_sigmoid"`` Keras 2's
clip(0.2·x + 0.5, 0, 1) (``ops.HardGateActivation``). In both modes ``x_t W + b₀`` is computed for all time
steps before the loop (``recurrent.py``); this file is only the cell. h_t is
computed as hh + z ⊙ (h_{t-1} − hh): equal in exact arithmetic, one pass fewer, and
within an ulp of Keras's z ⊙ h_{t-1} + (1 − z) ⊙ hh in floating point.

Why the recurrent gradient is separate from the input one: with reset_after the
reset gate sits between ``h_{t-1} U_h + b₁_h`` and the candidate, so the
gradient reaching that product is r ⊙ d(pre-activation) while the input side
gets d(pre-activation) itself. Without reset_after, U_h multiplies r ⊙ h_{t-1}
instead of h_{t-1}, so its gradient is summed against that product.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from ..ops import GateActivation, gate_activation
from ..threads import split_rows
from .projection import gemm_over_time
from .recurrent import Recurrent, RecurrentCache, split_gates
from .rnn_dropout import blocks, dropped_gemm_over_time, dropped_product, dropped_product_backward


def gru_step_forward(a, h_prev, recurrent_kernel, recurrent_bias, reset_after,
                     activation: GateActivation, h, saved, rec_masks=None):
    """One GRU step, in place.

    a (N, 3H): x_t W + b₀ on entry, the gates z, r, hh on exit (the backward reads
    them). h_prev (N, H). recurrent_bias: b₁ (3H,) with reset_after, else None.
    Writes h (N, H) and ``saved`` (N, H), what the backward needs of the candidate's
    recurrent term: with reset_after m_h = h₋₁ U_h + b₁_h (what r multiplies), without
    it r ⊙ h₋₁ (what U_h multiplies). rec_masks: recurrent dropout's (3, N, H) masks, one
    per gate z, r, h, or None; recurrent_kernel is then U (H, 3H) or its ``gate_blocks``
    (3, H, H). The products with U run whole; the elementwise work between
    them on row blocks (``threads.py``).
    """
    units = h_prev.shape[1]
    zr, cand = slice(0, 2 * units), slice(2 * units, 3 * units)
    if reset_after:
        if rec_masks is None:
            m = h_prev @ recurrent_kernel
        else:                                             # recurrent dropout: m_g = (h₋₁ ⊙ r_g) U_g
            m = dropped_product(h_prev, recurrent_kernel, rec_masks)
        split_rows(partial(_reset_after_forward, recurrent_bias, activation), a, m, saved, h_prev, h)
        return
    if rec_masks is None:
        mzr = h_prev @ recurrent_kernel[:, zr]            # h₋₁ U_zr
        masked_h, kernel_h = h_prev, recurrent_kernel[:, cand]
    else:                                                 # recurrent dropout, gate by gate:
        if recurrent_kernel.ndim == 2:                    # U itself: its blocks in place
            recurrent_kernel = [recurrent_kernel[:, cols] for cols in blocks(3 * units, 3)]
        mzr = dropped_product(h_prev, recurrent_kernel[:2], rec_masks[:2])   # (h₋₁ ⊙ r_zr) U_zr
        masked_h, kernel_h = h_prev * rec_masks[2], recurrent_kernel[2]     # h₋₁ ⊙ r_h
    split_rows(partial(_gates_zr_forward, activation), a, mzr, masked_h, saved)
    a[:, cand] += saved @ kernel_h                        # … + (r ⊙ h₋₁) U_h
    split_rows(_candidate_forward, a, h_prev, h)


def _reset_after_forward(recurrent_bias, activation, a, m, saved, h_prev, h):
    """reset_after, on some rows: the whole step after m = h₋₁ U (one split a step)."""
    units = saved.shape[1]
    zr, cand = slice(0, 2 * units), slice(2 * units, 3 * units)
    m += recurrent_bias                                   # m = h₋₁ U + b₁, all three blocks
    a[:, zr] += m[:, zr]
    activation(a[:, zr])                                  # z, r = σ(x W_zr + b₀_zr + m_zr)
    np.copyto(saved, m[:, cand])
    a[:, cand] += a[:, units:2 * units] * saved           # … + r ⊙ m_h
    _candidate_forward(a, h_prev, h)


def _gates_zr_forward(activation, a, mzr, masked_h, saved):
    """Without reset_after, on some rows: z, r, and saved = r ⊙ h₋₁ (⊙ r_h with dropout)."""
    units = saved.shape[1]
    a[:, :2 * units] += mzr
    activation(a[:, :2 * units])                          # z, r = σ(x W_zr + b_zr + h₋₁ U_zr)
    np.multiply(a[:, units:2 * units], masked_h, out=saved)


def _candidate_forward(a, h_prev, h):
    """On some rows: hh = tanh(its argument), then the new state."""
    units = h.shape[1]
    cand = slice(2 * units, 3 * units)
    np.tanh(a[:, cand], out=a[:, cand])                   # hh = tanh(…)
    z, hh = a[:, :units], a[:, cand]
    np.subtract(h_prev, hh, out=h)
    h *= z
    h += hh                                               # h = z ⊙ h₋₁ + (1 − z) ⊙ hh


def gru_step_backward(dh, gates, h_prev, saved, recurrent_kernel_t, activation: GateActivation,
                      da, drec, rec_masks=None):
    """Reverse of one step, in place.

    dh (N, H): the gradient reaching h_t; on exit, the gradient of h_{t-1}.
    Writes da (N, 3H), the gradient of the input-side pre-activations x_t W + b₀
    (the three σ/tanh arguments). With reset_after (drec given) also drec (N, 3H),
    the gradient of m = h₋₁ U + b₁; without it (drec None) U's gradient is formed
    from da and ``saved`` = r ⊙ h₋₁ (see GRU.weight_gradients). recurrent_kernel_t: Uᵀ (3H, H).
    rec_masks: as the forward's (then read h₋₁ ⊙ r_g for h₋₁ below, and r_g in dh₋₁).
    The elementwise work runs on row blocks, the products with Uᵀ whole.
    """
    units = h_prev.shape[1]
    zr, cand = slice(0, 2 * units), slice(2 * units, 3 * units)
    if drec is not None:
        split_rows(partial(_reset_after_backward, activation), dh, gates, h_prev, saved, da, drec)
        if rec_masks is None:
            dh += drec @ recurrent_kernel_t               # m = h₋₁ U + b₁
        else:                                             # m_g = (h₋₁·r_g) U_g + b₁_g
            dh += dropped_product_backward(drec, recurrent_kernel_t, rec_masks)
        return
    split_rows(_candidate_backward, dh, gates, h_prev, da)
    drh = da[:, cand] @ recurrent_kernel_t[cand]          # a_h = … + (r·h₋₁) U_h -> dL/d(r·h₋₁)
    if rec_masks is None:
        split_rows(partial(_gates_zr_backward, activation), dh, gates, h_prev, drh, da)
        dh += da[:, zr] @ recurrent_kernel_t[zr]          # a_z, a_r = … + h₋₁ U_zr
    else:
        split_rows(partial(_gates_zr_backward, activation), dh, gates, h_prev, drh, da, rec_masks[2])
        dh += dropped_product_backward(da[:, zr], recurrent_kernel_t[zr], rec_masks[:2])  # (h₋₁·r_g) U_g


def _candidate_backward(dh, gates, h_prev, da):
    """On some rows: dL/dz and dL/da_h from dh."""
    z, _, hh = split_gates(gates, 3)
    da_z, _, da_h = split_gates(da, 3)
    np.subtract(h_prev, hh, out=da_z)
    da_z *= dh                                            # h = z·h₋₁ + (1−z)·hh -> dL/dz
    np.multiply(hh, hh, out=da_h)
    np.subtract(1.0, da_h, out=da_h)                      # hh = tanh(a_h)       -> tanh' = 1 − hh²
    da_h *= dh * (1.0 - z)                                # h = … + (1−z)·hh     -> dL/da_h


def _reset_after_backward(activation, dh, gates, h_prev, saved, da, drec):
    """reset_after, on some rows: everything before dh += drec Uᵀ (one split a step)."""
    _candidate_backward(dh, gates, h_prev, da)
    units = dh.shape[1]
    zr, cand = slice(0, 2 * units), slice(2 * units, 3 * units)
    np.multiply(da[:, cand], saved, out=da[:, units:2 * units])   # a_h = … + r·m_h -> dL/dr
    da[:, zr] *= activation.derivative(gates[:, zr], np.empty_like(da[:, zr]))  # z, r = σ(a)
    drec[:, zr] = da[:, zr]                               # m enters a_z, a_r directly,
    np.multiply(da[:, cand], gates[:, units:2 * units], out=drec[:, cand])   # and a_h through r
    dh *= gates[:, :units]                                # h = z·h₋₁ + …


def _gates_zr_backward(activation, dh, gates, h_prev, drh, da, mask_h=None):
    """Without reset_after, on some rows: dL/dr from drh = dL/d(r·h₋₁), σ', and dh₋₁'s
    elementwise terms (mask_h: recurrent dropout's r_h, or None)."""
    units = dh.shape[1]
    zr = slice(0, 2 * units)
    z, r = gates[:, :units], gates[:, units:2 * units]
    masked_h = h_prev if mask_h is None else h_prev * mask_h   # h₋₁, or h₋₁·r_h (dropout)
    np.multiply(drh, masked_h, out=da[:, units:2 * units])     # a_h = … + (r·h₋₁) U_h -> dL/dr
    da[:, zr] *= activation.derivative(gates[:, zr], np.empty_like(da[:, zr]))  # z, r = σ(a)
    dh *= z                                               # h = z·h₋₁ + …
    if mask_h is None:
        dh += drh * r                                     # (r·h₋₁)
    else:
        dh += drh * r * mask_h                            # (r·h₋₁·r_h)


class GRU(Recurrent):
    """Keras-compatible GRU layer: ``GRU(units, input_dim, return_sequences, return_state, reset_after,
    ..., dropout=0.0, recurrent_dropout=0.0)`` (dropout in ``forward(training=True)`` only).

    States are ``[h]``. Defaults as Keras: glorot_uniform kernel, orthogonal
    recurrent kernel, zero bias; ``reset_after=True`` keeps two biases, shape (2, 3H).
    """
    num_gates = 3
    state_size = 1
    num_extras = 1

    def __init__(self, units, input_dim, return_sequences=False, return_state=False,
                 reset_after=True, dtype="float32", rng=None, name="gru",
                 dropout=0.0, recurrent_dropout=0.0, recurrent_activation="sigmoid"):
        if not isinstance(reset_after, (bool, np.bool_)):
            raise ValueError(f"reset_after must be True or False, received {reset_after!r}")
        self.reset_after = bool(reset_after)
        # with reset_after, U's gradient is r·d(a_h) on the h block, not d(a_h) itself
        self.separate_recurrent_grad = self.reset_after
        super().__init__(units, input_dim, return_sequences, return_state, dtype, rng, name,
                         dropout, recurrent_dropout)
        self.recurrent_activation = recurrent_activation    # of z, r; the candidate is tanh
        self.activation = gate_activation("ss", self.units, self.dtype, recurrent_activation)   # z r

    def _initial_bias(self):
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        return np.zeros(shape, self.dtype)

    def input_bias(self):
        return self.bias[0] if self.reset_after else self.bias

    def cell_forward(self, a, prev, new, extras, rec_masks=None, recurrent_kernel=None):
        kernel = self.recurrent_kernel if recurrent_kernel is None else recurrent_kernel
        gru_step_forward(a, prev[0], kernel, self.bias[1] if self.reset_after else None, self.reset_after,
                         self.activation, new[0], extras[0], rec_masks)

    def cell_backward(self, dstates, gates, prev, extras, recurrent_kernel_t, da, drec, rec_masks=None):
        gru_step_backward(dstates[0], gates, prev[0], extras[0], recurrent_kernel_t,
                          self.activation, da, drec, rec_masks)

    def weight_gradients(self, cache: RecurrentCache, dxw, drec):
        """[dkernel, drecurrent_kernel, dbias]; dxw, drec: (T, N, 3H) stacked over time."""
        drop = cache.dropout
        inputs_masks, rec = (None, None) if drop is None else drop
        dkernel, dbias_input = self._input_side_gradients(cache.inputs, dxw, inputs_masks)   # a = x W + b₀ + …
        if self.reset_after:
            # m = h₋₁ U + b₁  ->  dU = Σ_t h₋₁ᵀ dm (recurrent dropout: block g reads h₋₁ ⊙ r_g)
            drecurrent = (gemm_over_time(cache.hs[:-1], drec) if rec is None
                          else dropped_gemm_over_time(cache.hs[:-1], drec, rec))
            return [dkernel, drecurrent,
                    np.stack([dbias_input, drec.sum(axis=(0, 1))])]   # m = … + b₁  ->  db₁ = Σ dm
        units = self.units
        dzr = dxw[..., :2 * units]
        drecurrent = np.concatenate(
            [gemm_over_time(cache.hs[:-1], dzr) if rec is None       # a_zr = … + h₋₁ U_zr
             else dropped_gemm_over_time(cache.hs[:-1], dzr, rec[:2]),   # (h₋₁ ⊙ r_g) U_g
             gemm_over_time(cache.extras[0], dxw[..., 2 * units:])],  # a_h = … + (r·h₋₁) U_h (saved)
            axis=1)
        return [dkernel, drecurrent, dbias_input]
