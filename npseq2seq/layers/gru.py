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

σ is the plain logistic (Keras's "sigmoid"). In both modes ``x_t W + b₀`` is
computed for all time steps before the loop (``recurrent.py``); this file is
only the cell.

Why the recurrent gradient is separate from the input one: with reset_after the
reset gate sits between ``h_{t-1} U_h + b₁_h`` and the candidate, so the
gradient reaching that product is r ⊙ d(pre-activation) while the input side
gets d(pre-activation) itself. Without reset_after, U_h multiplies r ⊙ h_{t-1}
instead of h_{t-1}, so its gradient is summed against that product.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..ops import sigmoid, tanh
from .recurrent import Recurrent, RecurrentCache, _gemm_over_time, split_gates


class GRUStepCache(NamedTuple):
    h_prev: np.ndarray              # (N, H)
    gates: np.ndarray               # (N, 3H): z, r, hh after their activations
    m_h: np.ndarray | None          # (N, H): h_{t-1} U_h + b₁_h, what r multiplies (reset_after); else None
    recurrent_kernel: np.ndarray


def gru_step_forward(xw_t, h_prev, recurrent_kernel, recurrent_bias=None, reset_after=True):
    """One GRU step. xw_t = x_t W + b₀ (N, 3H). Returns (h, cache).

    recurrent_bias is b₁ (3H,) with reset_after, and unused (None) without it.
    """
    units = h_prev.shape[1]
    zr, cand = slice(0, 2 * units), slice(2 * units, 3 * units)
    gates = np.empty_like(xw_t)
    if reset_after:
        m = h_prev @ recurrent_kernel + recurrent_bias                 # (N, 3H)
        sigmoid(xw_t[:, zr] + m[:, zr], out=gates[:, zr])               # z, r
        r = gates[:, units:2 * units]
        m_h = m[:, cand]
        tanh(xw_t[:, cand] + r * m_h, out=gates[:, cand])               # hh
    else:
        sigmoid(xw_t[:, zr] + h_prev @ recurrent_kernel[:, zr], out=gates[:, zr])
        r = gates[:, units:2 * units]
        m_h = None
        tanh(xw_t[:, cand] + (r * h_prev) @ recurrent_kernel[:, cand], out=gates[:, cand])
    z, _, hh = split_gates(gates, 3)
    h = z * h_prev + (1.0 - z) * hh
    return h, GRUStepCache(h_prev, gates, m_h, recurrent_kernel)


def gru_step_backward(dh, cache: GRUStepCache):
    """Reverse of one step: dh_t → (dxw (N, 3H), drec (N, 3H) or None, dh_{t-1}).

    dxw is the gradient of the input-side pre-activations x_t W + b₀ (the three
    σ/tanh arguments). With reset_after, drec is the gradient of m = h_{t-1} U + b₁;
    without it, drec is None and U's gradient is formed from dxw (see GRU.weight_gradients).
    """
    z, r, hh = split_gates(cache.gates, 3)
    h_prev, u = cache.h_prev, cache.recurrent_kernel
    units = h_prev.shape[1]
    zr, cand = slice(0, 2 * units), slice(2 * units, 3 * units)
    dxw = np.empty_like(cache.gates)
    dxw[:, :units] = dh * (h_prev - hh) * z * (1.0 - z)   # h = z·h₋₁ + (1−z)·hh, z = σ(a_z)
    dhh = dh * (1.0 - z) * (1.0 - hh * hh)                # h = … + (1−z)·hh,     hh = tanh(a_h)
    dxw[:, cand] = dhh                                    # a_h = x W_h + b₀_h + …
    dh_prev = dh * z                                      # h = z·h₋₁ + …
    if cache.m_h is not None:
        dxw[:, units:2 * units] = dhh * cache.m_h * r * (1.0 - r)    # a_h = … + r·m_h, r = σ(a_r)
        # m enters a_z, a_r directly and a_h through r: a_h = … + r·m_h
        drec = np.concatenate([dxw[:, zr], dhh * r], axis=1)
        dh_prev += drec @ u.T                                        # m = h₋₁ U + b₁
        return dxw, drec, dh_prev
    drh = dhh @ u[:, cand].T                              # a_h = … + (r·h₋₁) U_h
    dxw[:, units:2 * units] = drh * h_prev * r * (1.0 - r)           # (r·h₋₁), r = σ(a_r)
    dh_prev += drh * r + dxw[:, zr] @ u[:, zr].T          # (r·h₋₁) U_h, and a_z, a_r = … + h₋₁ U_zr
    return dxw, None, dh_prev


class GRU(Recurrent):
    """Keras-compatible GRU layer: ``GRU(units, input_dim, return_sequences, return_state, reset_after)``.

    States are ``[h]``. Defaults as Keras: glorot_uniform kernel, orthogonal
    recurrent kernel, zero bias; ``reset_after=True`` keeps two biases, shape (2, 3H).
    """
    num_gates = 3
    state_size = 1

    def __init__(self, units, input_dim, return_sequences=False, return_state=False,
                 reset_after=True, dtype="float32", rng=None, name="gru"):
        if not isinstance(reset_after, (bool, np.bool_)):
            raise ValueError(f"reset_after must be True or False, received {reset_after!r}")
        self.reset_after = bool(reset_after)
        # with reset_after, U's gradient is r·d(a_h) on the h block, not d(a_h) itself
        self.separate_recurrent_grad = self.reset_after
        super().__init__(units, input_dim, return_sequences, return_state, dtype, rng, name)

    def _initial_bias(self):
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        return np.zeros(shape, self.dtype)

    def input_bias(self):
        return self.bias[0] if self.reset_after else self.bias

    def step_forward(self, xw_t, states):
        h, cache = gru_step_forward(xw_t, states[0], self.recurrent_kernel,
                                    self.bias[1] if self.reset_after else None, self.reset_after)
        return [h], cache

    def step_backward(self, dstates, step_cache):
        dxw, drec, dh_prev = gru_step_backward(dstates[0], step_cache)
        return dxw, drec, [dh_prev]

    def weight_gradients(self, cache: RecurrentCache, dxw, drec):
        """[dkernel, drecurrent_kernel, dbias]; dxw, drec: (T, N, 3H) stacked over time."""
        dkernel = self._kernel_gradient(cache.inputs, dxw)
        dbias_input = dxw.sum(axis=(0, 1))                        # a += b₀  ->  db₀ = Σ_t Σ_n da
        if self.reset_after:
            return [dkernel,
                    _gemm_over_time(cache.hs[:-1], drec),         # m = h₋₁ U + b₁  ->  dU = Σ_t h₋₁ᵀ dm
                    np.stack([dbias_input, drec.sum(axis=(0, 1))])]   # m = … + b₁  ->  db₁ = Σ dm
        units = self.units
        reset_h = np.stack([step.gates[:, units:2 * units] for step in cache.steps]) * cache.hs[:-1]
        drecurrent = np.concatenate(
            [_gemm_over_time(cache.hs[:-1], dxw[..., :2 * units]),   # a_zr = … + h₋₁ U_zr
             _gemm_over_time(reset_h, dxw[..., 2 * units:])],         # a_h = … + (r·h₋₁) U_h
            axis=1)
        return [dkernel, drecurrent, dbias_input]
