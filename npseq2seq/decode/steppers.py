"""One sentence's recurrent step with preallocated buffers: the cell of ``layers/lstm.py`` /
``layers/gru.py`` for a batch of one, as few NumPy calls as its equations need.

``Recurrent.step_forward`` allocates its states, gates and the h_{t-1} U product every
step and reaches the cell through three Python calls; for one sentence (a (1, H) state)
that bookkeeping costs about as much as the arithmetic. A ``Stepper`` is built once per
decoder (or encoder) layer: its states, the gate array and every temporary are (1, ·)
arrays allocated once, each ufunc writes into its output given positionally (a keyword
``out=`` costs the ufunc's argument parsing, measurably at this size), and the gate
nonlinearities are the layer's own in-place ``activation``.

The same operations as the cell functions, in the same order and on arrays of the same
shapes, so the states are the layer's to the last bit (tests/decode/test_one_sentence.py
compares them with ``decode_step``'s at every step). The only reorderings are
commutations of one IEEE addition (x W + b + h U computed as (h U) + (x W + b)), which
are exact. Per step, with the input row x_t W + b given:

    LSTM  11 calls: h U, + row, σ/tanh (4), f ⊙ c, i ⊙ g, +, tanh(c), o ⊙ tanh(c)
    GRU   13 calls (reset_after) or 14 (reset_after=False)

A masked step (mask_zero's padding id) is simply not run: the layer's step computes it
and copies the previous states back, the same numbers.
"""
from __future__ import annotations

import numpy as np


class Stepper:
    """A recurrent layer's states and step for a batch of one. ``h`` (1, H) is the output
    and the first state; ``states`` all of them, in the layer's order."""

    def __init__(self, layer):
        self.layer, self.dtype = layer, layer.dtype
        h, gh = layer.units, layer.num_gates * layer.units
        self.kernel, self.bias = layer.kernel, layer.input_bias()
        self.states = [np.zeros((1, h), self.dtype) for _ in range(layer.state_size)]
        self.h = self.states[0]
        self.xw = np.empty((1, gh), self.dtype)     # x W + b of a layer above the first
        self.z = np.empty((1, gh), self.dtype)      # the gates
        self.activation = layer.activation

    def set_states(self, states) -> None:
        """Copy (1, H) states in (the encoder's final states, say)."""
        for mine, given in zip(self.states, states):
            np.copyto(mine, given)

    def project(self, x) -> np.ndarray:
        """x (1, D) → x W + b (1, G·H), as ``project_inputs`` computes it for one step."""
        np.matmul(x, self.kernel, self.xw)
        self.xw += self.bias
        return self.xw

    def step(self, row) -> None:
        """One step from the input row x_t W + b (1, G·H) (read, not written)."""
        raise NotImplementedError


class LSTMStepper(Stepper):
    def __init__(self, layer):
        super().__init__(layer)
        u = layer.units
        self.c = self.states[1]
        self.tanh_c, self.ig = np.empty((1, u), self.dtype), np.empty((1, u), self.dtype)
        z = self.z
        self.i, self.f, self.g, self.o = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
        self.recurrent_kernel = layer.recurrent_kernel

    def step(self, row) -> None:
        z = self.z
        np.matmul(self.h, self.recurrent_kernel, z)
        z += row                                       # z = x W + b + h₋₁ U
        self.activation(z)                             # i, f, o = σ(·); g = tanh(·)
        np.multiply(self.f, self.c, self.c)
        np.multiply(self.i, self.g, self.ig)
        self.c += self.ig                              # c = f ⊙ c₋₁ + i ⊙ g
        np.tanh(self.c, self.tanh_c)
        np.multiply(self.o, self.tanh_c, self.h)   # h = o ⊙ tanh(c)


class GRUStepper(Stepper):
    def __init__(self, layer):
        super().__init__(layer)
        u = layer.units
        self.reset_after = layer.reset_after
        self.m = np.empty((1, 3 * u), self.dtype)      # h U (+ b₁): all three blocks
        self.t = np.empty((1, u), self.dtype)
        z = self.z
        self.zr, self.r, self.hh = z[:, :2 * u], z[:, u:2 * u], z[:, 2 * u:]
        self.update = z[:, :u]
        self.m_zr, self.m_h = self.m[:, :2 * u], self.m[:, 2 * u:]
        u_full = layer.recurrent_kernel
        if self.reset_after:
            self.recurrent_kernel, self.recurrent_bias = u_full, layer.bias[1]
        else:        # the same column slices of U the cell multiplies by (same BLAS calls)
            self.u_zr, self.u_h = u_full[:, :2 * u], u_full[:, 2 * u:]
            self.rh = np.empty((1, u), self.dtype)

    def step(self, row) -> None:
        u = self.layer.units
        row_zr, row_h = row[:, :2 * u], row[:, 2 * u:]
        if self.reset_after:
            np.matmul(self.h, self.recurrent_kernel, self.m)
            self.m += self.recurrent_bias              # m = h₋₁ U + b₁
            np.add(row_zr, self.m_zr, self.zr)
            self.activation(self.zr)                   # z, r = σ(x W_zr + b₀_zr + m_zr)
            np.multiply(self.r, self.m_h, self.t)
            np.add(row_h, self.t, self.hh)         # … + r ⊙ m_h
        else:
            np.matmul(self.h, self.u_zr, self.m_zr)
            np.add(row_zr, self.m_zr, self.zr)
            self.activation(self.zr)                   # z, r = σ(x W_zr + b_zr + h₋₁ U_zr)
            np.multiply(self.r, self.h, self.rh)
            np.matmul(self.rh, self.u_h, self.t)
            np.add(row_h, self.t, self.hh)         # … + (r ⊙ h₋₁) U_h
        np.tanh(self.hh, self.hh)                  # hh = tanh(…)
        np.subtract(self.h, self.hh, self.h)
        self.h *= self.update
        self.h += self.hh                              # h = z ⊙ h₋₁ + (1 − z) ⊙ hh


def stepper(layer) -> Stepper:
    """The stepper of an LSTM or GRU layer (its ``state_size`` tells them apart)."""
    return (LSTMStepper if layer.state_size == 2 else GRUStepper)(layer)
