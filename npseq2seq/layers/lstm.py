"""LSTM: one time step's equations and their derivatives (Keras gate order i, f, c, o).

Keras calls the third block c (the candidate cell); here it is g, so that c is only
the cell state.

Forward, for x_t (N, D), h_{t-1}, c_{t-1} (N, H)::

    z   = x_t W + b + h_{t-1} U          W: kernel (D, 4H), U: recurrent_kernel (H, 4H)
    i   = σ(z_i)      input gate         z is split into four (N, H) blocks i, f, g, o
    f   = σ(z_f)      forget gate
    g   = tanh(z_g)   candidate cell
    o   = σ(z_o)      output gate
    c_t = f ⊙ c_{t-1} + i ⊙ g
    h_t = o ⊙ tanh(c_t)

With ``recurrent_dropout`` (Keras's implementation 1, ``rnn_dropout.py``) each gate reads
its own masked copy of the previous output: z_g = x_t W_g + b_g + (h_{t-1} ⊙ r_g) U_g for
g in i, f, g, o; c_{t-1} is not masked.

σ is the plain logistic (Keras's "sigmoid"), computed as ½ + ½·tanh(x/2) so
that one tanh pass covers all four gates (``ops.GateActivation``); with
``recurrent_activation="hard_sigmoid"`` it is Keras 2's clip(0.2·x + 0.5, 0, 1), the
default of standalone Keras 2.0–2.2 (``ops.HardGateActivation``). The time
loop, the per-sequence arrays the steps write into, and the weight gradients
live in ``recurrent.py`` (its reverse in ``recurrent_backward.py``); this file is only the cell.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from ..ops import GateActivation, gate_activation, lstm_bias
from ..threads import split_rows
from .recurrent import Recurrent, split_gates
from .rnn_dropout import dropped_product, dropped_product_backward


def lstm_step_forward(z, h_prev, c_prev, recurrent_kernel, activation: GateActivation, h, c, tanh_c,
                      rec_masks=None):
    """One LSTM step, in place.

    z (N, 4H): x_t W + b on entry, the activated gates i, f, g, o on exit (the
    backward reads them). h_prev, c_prev (N, H). Writes h, c and tanh_c = tanh(c) (N, H).
    rec_masks: recurrent dropout's (4, N, H) masks, one per gate, or None; recurrent_kernel
    is then U (H, 4H) or its ``gate_blocks`` (4, H, H). The product with U runs whole; the
    elementwise rest on row blocks (``threads.py``).
    """
    if rec_masks is None:
        zh = h_prev @ recurrent_kernel             # h₋₁ U
    else:                                          # recurrent dropout, gate by gate:
        zh = dropped_product(h_prev, recurrent_kernel, rec_masks)   # (h₋₁ ⊙ r_g) U_g
    split_rows(partial(_cell_forward, activation), z, zh, c_prev, h, c, tanh_c)


def _cell_forward(activation, z, zh, c_prev, h, c, tanh_c):
    """The elementwise part of a step on some rows (zh: the recurrent product)."""
    z += zh                                        # z = x_t W + b + h₋₁ U
    activation(z)                                  # i, f, o = σ(z_i, z_f, z_o); g = tanh(z_g)
    i, f, g, o = split_gates(z, 4)
    np.multiply(f, c_prev, out=c)
    c += i * g                                     # c = f ⊙ c₋₁ + i ⊙ g
    np.tanh(c, out=tanh_c)
    np.multiply(o, tanh_c, out=h)                  # h = o ⊙ tanh(c)


def lstm_step_backward(dh, dc, gates, c_prev, tanh_c, recurrent_kernel_t,
                       activation: GateActivation, dz, rec_masks=None):
    """Reverse of one step, in place.

    dh, dc (N, H): the gradients reaching h_t and c_t (from the output and from
    step t+1); on exit they hold the gradients of h_{t-1} and c_{t-1}. gates: the
    step's i, f, g, o (N, 4H). recurrent_kernel_t: Uᵀ (4H, H). Writes dz (N, 4H),
    the gradient of the pre-activations z, which is also d(x_t W + b) and d(h_{t-1} U).
    rec_masks: as the forward's. The elementwise part runs on row blocks, dz Uᵀ whole.
    """
    split_rows(partial(_cell_backward, activation), dh, dc, gates, c_prev, tanh_c, dz)
    if rec_masks is None:
        np.matmul(dz, recurrent_kernel_t, out=dh)  # z = … + h₋₁ U   -> dL/dh₋₁ = dz Uᵀ
    else:                                          # z_g = … + (h₋₁ ⊙ r_g) U_g -> dL/dh₋₁ = Σ_g r_g ⊙ dz_g U_gᵀ
        dh[...] = dropped_product_backward(dz, recurrent_kernel_t, rec_masks)


def _cell_backward(activation, dh, dc, gates, c_prev, tanh_c, dz):
    """The elementwise part of a step's backward on some rows: dz, and dc becomes dL/dc₋₁."""
    i, f, g, o = split_gates(gates, 4)
    dz_i, dz_f, dz_g, dz_o = split_gates(dz, 4)
    np.multiply(dh, tanh_c, out=dz_o)              # h = o·tanh(c)   -> dL/do (before σ')
    dc += dh * o * (1.0 - tanh_c * tanh_c)         # h = o·tanh(c)   -> dL/dc = dc from t+1 + dh·o·tanh'(c)
    np.multiply(dc, g, out=dz_i)                   # c = f·c₋₁ + i·g -> dL/di
    np.multiply(dc, c_prev, out=dz_f)              #                 -> dL/df
    np.multiply(dc, i, out=dz_g)                   #                 -> dL/dg
    dz *= activation.derivative(gates, np.empty_like(dz))   # i, f, o = σ(z), g = tanh(z)
    dc *= f                                        # c = f·c₋₁ + …   -> dL/dc₋₁


class LSTM(Recurrent):
    """Keras-compatible LSTM layer: ``LSTM(units, input_dim, return_sequences, return_state,
    ..., dropout=0.0, recurrent_dropout=0.0)`` (dropout in ``forward(training=True)`` only).

    States are ``[h, c]``; the forward also saves tanh(c_t) of every step for the backward.
    Defaults as Keras: glorot_uniform kernel, orthogonal recurrent kernel, zero
    bias with the forget-gate block at 1 (unit_forget_bias).
    """
    num_gates = 4
    state_size = 2
    num_extras = 1

    def __init__(self, units, input_dim, return_sequences=False, return_state=False,
                 unit_forget_bias=True, dtype="float32", rng=None, name="lstm",
                 dropout=0.0, recurrent_dropout=0.0, recurrent_activation="sigmoid"):
        self.unit_forget_bias = unit_forget_bias
        super().__init__(units, input_dim, return_sequences, return_state, dtype, rng, name,
                         dropout, recurrent_dropout)
        self.recurrent_activation = recurrent_activation    # of i, f, o; g is tanh
        self.activation = gate_activation("ssts", self.units, self.dtype, recurrent_activation)   # i f g o

    def _initial_bias(self):
        return lstm_bias(self.units, self.dtype, self.unit_forget_bias)

    def cell_forward(self, z, prev, new, extras, rec_masks=None, recurrent_kernel=None):
        (h_prev, c_prev), (h, c), (tanh_c,) = prev, new, extras
        kernel = self.recurrent_kernel if recurrent_kernel is None else recurrent_kernel
        lstm_step_forward(z, h_prev, c_prev, kernel, self.activation, h, c, tanh_c, rec_masks)

    def cell_backward(self, dstates, gates, prev, extras, recurrent_kernel_t, dz, drec, rec_masks=None):
        dh, dc = dstates
        lstm_step_backward(dh, dc, gates, prev[1], extras[0], recurrent_kernel_t, self.activation, dz,
                           rec_masks)
