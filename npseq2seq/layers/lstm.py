"""LSTM: one time step's equations and their derivatives (Keras gate order i, f, c, o).

Forward, for x_t (N, D), h_{t-1}, c_{t-1} (N, H)::

    z   = x_t W + b + h_{t-1} U          W: kernel (D, 4H), U: recurrent_kernel (H, 4H)
    i   = σ(z_i)      input gate         z is split into four (N, H) blocks i, f, c, o
    f   = σ(z_f)      forget gate
    g   = tanh(z_c)   candidate cell
    o   = σ(z_o)      output gate
    c_t = f ⊙ c_{t-1} + i ⊙ g
    h_t = o ⊙ tanh(c_t)

σ is the plain logistic (Keras's "sigmoid"). The time loop and the weight
gradients live in ``recurrent.py``; this file is only the cell.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..ops import lstm_bias, sigmoid, tanh
from .recurrent import Recurrent, split_gates


class LSTMStepCache(NamedTuple):
    gates: np.ndarray    # (N, 4H): i, f, g, o after their activations
    c_prev: np.ndarray   # (N, H)
    tanh_c: np.ndarray   # (N, H): tanh(c_t)
    recurrent_kernel: np.ndarray


def lstm_step_forward(xw_t, h_prev, c_prev, recurrent_kernel):
    """One LSTM step. xw_t = x_t W + b (N, 4H). Returns (h, c, cache)."""
    units = h_prev.shape[1]
    gates = xw_t + h_prev @ recurrent_kernel       # z (N, 4H), activated in place below
    sigmoid(gates[:, :2 * units], out=gates[:, :2 * units])                   # i, f
    tanh(gates[:, 2 * units:3 * units], out=gates[:, 2 * units:3 * units])    # g
    sigmoid(gates[:, 3 * units:], out=gates[:, 3 * units:])                   # o
    i, f, g, o = split_gates(gates, 4)
    c = f * c_prev + i * g
    tanh_c = tanh(c)
    h = o * tanh_c
    return h, c, LSTMStepCache(gates, c_prev, tanh_c, recurrent_kernel)


def lstm_step_backward(dh, dc, cache: LSTMStepCache):
    """Reverse of one step: (dh_t, dc_t) → (dz (N, 4H), dh_{t-1}, dc_{t-1}).

    dc on entry is the gradient reaching c_t from step t+1; dz is the gradient
    of the pre-activations, which is also d(x_t W + b) and d(h_{t-1} U).
    """
    i, f, g, o = split_gates(cache.gates, 4)
    tanh_c = cache.tanh_c
    dc = dc + dh * o * (1.0 - tanh_c * tanh_c)    # h = o·tanh(c): c reaches h through tanh
    dz = np.empty_like(cache.gates)
    units = i.shape[1]
    dz[:, :units] = dc * g * i * (1.0 - i)                     # c = … + i·g,  i = σ(z_i)
    dz[:, units:2 * units] = dc * cache.c_prev * f * (1.0 - f)  # c = f·c₋₁ + …, f = σ(z_f)
    dz[:, 2 * units:3 * units] = dc * i * (1.0 - g * g)       # c = … + i·g,  g = tanh(z_c)
    dz[:, 3 * units:] = dh * tanh_c * o * (1.0 - o)           # h = o·tanh(c), o = σ(z_o)
    dh_prev = dz @ cache.recurrent_kernel.T                   # z = … + h₋₁ U
    dc_prev = dc * f                                          # c = f·c₋₁ + …
    return dz, dh_prev, dc_prev


class LSTM(Recurrent):
    """Keras-compatible LSTM layer: ``LSTM(units, input_dim, return_sequences, return_state)``.

    States are ``[h, c]``. Defaults as Keras: glorot_uniform kernel, orthogonal
    recurrent kernel, zero bias with the forget-gate block at 1 (unit_forget_bias).
    """
    num_gates = 4
    state_size = 2

    def __init__(self, units, input_dim, return_sequences=False, return_state=False,
                 unit_forget_bias=True, dtype="float32", rng=None, name="lstm"):
        self.unit_forget_bias = unit_forget_bias
        super().__init__(units, input_dim, return_sequences, return_state, dtype, rng, name)

    def _initial_bias(self):
        return lstm_bias(self.units, self.dtype, self.unit_forget_bias)

    def step_forward(self, xw_t, states):
        h, c, cache = lstm_step_forward(xw_t, states[0], states[1], self.recurrent_kernel)
        return [h, c], cache

    def step_backward(self, dstates, step_cache):
        dz, dh_prev, dc_prev = lstm_step_backward(dstates[0], dstates[1], step_cache)
        return dz, None, [dh_prev, dc_prev]
