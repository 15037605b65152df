"""The time loop shared by LSTM and GRU: input projection, unrolling, BPTT.

A recurrent layer is a *cell* (one time step's equations, in ``lstm.py`` /
``gru.py``) run over time by this module. The split follows where the work is:

* ``x_t @ kernel`` does not depend on the previous state, so it is computed for
  all time steps at once before the loop (``projection.py``: one GEMM, or a row
  gather for one-hot inputs given as token ids).
* Only ``h_{t-1} @ recurrent_kernel`` and the gate nonlinearities stay in the
  Python loop over time.
* In backward (``recurrent_backward.py``), the loop only carries ``dh``/``dc`` from
  step to step; the weight gradients are summed over time *after* the loop, each as one
  GEMM over all (T·N) rows.
* No per-sequence array is allocated per step. ``forward`` allocates the sequence's
  arrays once: the gates (T, N, G·H), which start as the projected inputs and which
  each step activates in place, the states (T+1, N, H) and the cell's other saved
  values; each step writes into its slices, and these arrays *are* the cache.
  ``backward`` writes every step's dz into one (T, N, G·H) array the same way. (A
  step still makes a few short-lived temporaries, such as the product h_{t-1} U.)

Letters: N batch, T time steps, D input features, H units, G gates (4 for LSTM,
3 for GRU). Inside the loop arrays are time-major (T, N, ·) so that each step
reads a contiguous block; the public API is batch-major (N, T, ·) like Keras.

Inputs may be a float array (N, T, D) or an integer array (N, T) of token ids
standing for one-hot rows; an id of -1 stands for an all-zero row (the 2017
blog's zero padding).

Dropout (Keras's ``dropout`` / ``recurrent_dropout``, ``rnn_dropout.py``) acts in
``forward(..., training=True)`` only: the input masks enter the projection before the
loop, the recurrent masks go to every step's cell (the same masks at every step), and
the cache keeps them for the backward. ``final_states`` and ``step_forward`` are
inference: no dropout, as Keras's ``training=False``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..checks import check_rate
from ..ops import glorot_uniform, orthogonal
from . import recurrent_backward
from .base import Layer
from .projection import InputProjection, gemm_over_time
from .recurrent_checks import RecurrentChecks
from .rnn_dropout import RecurrentDropout, RNNDropoutMasks, call_masks, dropped_gemm_over_time


class RecurrentCache(NamedTuple):
    inputs: np.ndarray        # (T, N, D) float, or (T, N) int token ids
    gates: np.ndarray         # (T, N, G·H): each step's gate activations (σ or tanh of z)
    states: list              # one (T+1, N, H) array per state: [0] initial, [t+1] after step t
    extras: list              # the cell's other saved per-step values, each (T, N, H)
    mask: np.ndarray | None   # (T, N) bool: False where a step was skipped (padding)
    return_sequences: bool    # how the outputs were shaped (backward reads dout the same way)
    return_state: bool
    running: np.ndarray | None = None   # (T,) with ``lengths``: rows computed at each step
    dropout: RNNDropoutMasks | None = None   # the call's dropout masks (training), or None

    @property
    def hs(self) -> np.ndarray:
        """(T+1, N, H): the initial h, then every step's output."""
        return self.states[0]


class Recurrent(InputProjection, RecurrentChecks, RecurrentDropout, Layer):
    """Base of LSTM and GRU: weights ``kernel (D, G·H)``, ``recurrent_kernel (H, G·H)``, ``bias``.

    A subclass sets ``num_gates``, ``state_size`` (number of state arrays) and
    ``num_extras`` (per-step (N, H) arrays its backward needs besides the gates
    and states), and implements ``_initial_bias``, ``cell_forward`` and
    ``cell_backward``. Both work in place on views of per-sequence arrays that
    the loop allocates once per call; a step makes only a few temporaries.

    Its forward, final_states and step_forward are the one time loop run three ways, and
    read best side by side; the separate ideas live beside it: the input projection
    (``projection.py``), the dropout masks' algebra and what a call's steps read of it
    (``rnn_dropout.py``), the reverse loop
    (``recurrent_backward.py``) and the arguments' checks (``recurrent_checks.py``).
    """
    weight_names = ("kernel", "recurrent_kernel", "bias")
    num_gates: int
    state_size: int
    num_extras = 0
    # True when the gradient of h_{t-1} U + … differs from that of x_t W + b (GRU with
    # reset_after: r sits between the two); LSTM: False. A cell whose U multiplies
    # something else than h_{t-1} (GRU without reset_after) overrides weight_gradients.
    separate_recurrent_grad = False

    def __init__(self, units: int, input_dim: int, return_sequences: bool = False,
                 return_state: bool = False, dtype="float32",
                 rng: np.random.Generator | None = None, name: str | None = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0):
        super().__init__(dtype, name)
        if int(units) < 1 or int(input_dim) < 1:
            raise ValueError(f"{type(self).__name__}: units and input_dim must be >= 1, "
                             f"got units={units}, input_dim={input_dim}")
        self.dropout = check_rate(dropout, f"{self.name}: dropout")
        self.recurrent_dropout = check_rate(recurrent_dropout, f"{self.name}: recurrent_dropout")
        self.units, self.input_dim = int(units), int(input_dim)
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        rng = rng if rng is not None else np.random.default_rng()
        gh = self.num_gates * self.units
        self.kernel = glorot_uniform(rng, (self.input_dim, gh), self.dtype)
        self.recurrent_kernel = orthogonal(rng, (self.units, gh), self.dtype)
        self.bias = self._initial_bias()

    # --- what a cell provides -------------------------------------------------------
    def _initial_bias(self) -> np.ndarray:
        raise NotImplementedError

    def input_bias(self) -> np.ndarray:
        """The bias added to ``x @ kernel`` (GRU with reset_after keeps a second one)."""
        return self.bias

    def cell_forward(self, z, prev, new, extras, rec_masks=None, recurrent_kernel=None) -> None:
        """One step in place. z (N, G·H): x_t W + input bias on entry, the gates on exit.
        prev: the states before the step (N, H) each; new, extras: (N, H) views to write.
        rec_masks: recurrent dropout masks (G, N, H), or None: gate g reads h_{t-1} ⊙ rec_masks[g].
        recurrent_kernel: U as the step reads it (``step_kernel``), None: U itself."""
        raise NotImplementedError

    def cell_backward(self, dstates, gates, prev, extras, recurrent_kernel_t, dz, drec,
                      rec_masks=None) -> None:
        """Reverse of one step in place: dstates (gradients reaching the step's new states)
        become the gradients of ``prev``; writes dz = d(x_t W + input bias) (N, G·H) and,
        if ``separate_recurrent_grad``, drec = d(h_{t-1} U + …). recurrent_kernel_t: Uᵀ
        (G·H, H) as a contiguous array. rec_masks: as the forward's."""
        raise NotImplementedError

    def weight_gradients(self, cache: RecurrentCache, dxw, drec):
        """[dkernel, drecurrent_kernel, dbias] from the stacked pre-activation gradients."""
        drec = dxw if drec is None else drec
        masks = cache.dropout or RNNDropoutMasks(None, None)
        dkernel, dbias = self._input_side_gradients(cache.inputs, dxw, masks.inputs)
        if masks.recurrent is None:
            drecurrent = gemm_over_time(cache.hs[:-1], drec)   # z += h_{t-1} U  ->  dU = Σ_t h_{t-1}ᵀ dz_t
        else:   # implementation 1: gate g reads h_{t-1} ⊙ r_g  ->  dU_g = Σ_t (h_{t-1} ⊙ r_g)ᵀ dz_t,g
            drecurrent = dropped_gemm_over_time(cache.hs[:-1], drec, masks.recurrent)
        return [dkernel, drecurrent, dbias]

    # --- the time loop ----------------------------------------------------------------
    def zero_state(self, batch: int) -> list[np.ndarray]:
        return [np.zeros((batch, self.units), self.dtype) for _ in range(self.state_size)]

    def _step(self, z, prev, new, extras, mask, rec_masks=None, recurrent_kernel=None) -> None:
        """``cell_forward``, then rows where mask (N,) is False keep their previous states
        (Keras's masking: the step is skipped). mask None: no row is skipped. rec_masks:
        recurrent dropout's (G, N, H), or None; recurrent_kernel: ``step_kernel``'s, or None."""
        self.cell_forward(z, prev, new, extras, rec_masks, recurrent_kernel)
        if mask is not None:
            skip = ~mask[:, None]
            for s, p in zip(new, prev):
                np.copyto(s, p, where=skip)

    def step_forward(self, xw_t, states, mask=None):
        """One step on its own (decoding): xw_t = x_t @ kernel + input bias (N, G·H) and the
        states → (new states, gates). xw_t is overwritten: it becomes the gates (pass a
        copy to keep it). mask (N,) bool: where False the step is skipped, the states
        carry over (as in ``forward``). Allocates the new states; ``forward`` runs whole
        sequences."""
        n = xw_t.shape[0]
        gates = np.asarray(xw_t, self.dtype)
        prev = [np.asarray(s, self.dtype) for s in states]
        new = [np.empty((n, self.units), self.dtype) for _ in range(self.state_size)]
        extras = [np.empty((n, self.units), self.dtype) for _ in range(self.num_extras)]
        self._step(gates, prev, new, extras, None if mask is None else np.asarray(mask, bool))
        return new, gates

    def final_states(self, inputs: np.ndarray, initial_state=None, mask=None) -> list[np.ndarray]:
        """Only the states after the last step (inference: the tutorial's encoder_model).

        The numbers of ``forward``'s final states, keeping nothing for a backward: two
        sets of (N, H) states, the step's input and its output, swapped after each step,
        and one step's inputs at a time (many token ids gathered from the input table step
        by step; float inputs, or a few ids, projected for all steps at once). ``forward``
        keeps every step's gates and states: for 1,000 sentences of 16 characters, ~100 MB.
        """
        inputs = self._check_inputs(inputs)
        n = inputs.shape[0]
        inputs_tm = np.swapaxes(inputs, 0, 1)
        mask_tm = (np.swapaxes(self._check_mask(mask, inputs.shape[:2]), 0, 1) if mask is not None
                   else [None] * len(inputs_tm))
        if np.issubdtype(inputs.dtype, np.integer) and not self._few_ids(inputs):
            table = self._input_table()
            xws = (table[ids] for ids in inputs_tm)
        else:
            xws = self.project_inputs(inputs_tm)
        states = [np.array(s) for s in self._check_initial_state(initial_state, n)]   # (ours to write)
        new = [np.empty_like(s) for s in states]
        extras = [np.empty_like(states[0]) for _ in range(self.num_extras)]
        for xw, mask_t in zip(xws, mask_tm):
            self._step(xw, states, new, extras, mask_t)
            states, new = new, states
        return states

    def forward(self, inputs: np.ndarray, initial_state=None, mask=None, lengths=None,
                training: bool = False, rng: np.random.Generator | None = None, dropout_masks=None):
        """Run the layer over time.

        inputs: (N, T, D) floats or (N, T) token ids. initial_state: list of
        ``state_size`` arrays (N, H) or None for zeros. mask: optional (N, T)
        booleans; where False the step is skipped as in Keras: the states (and
        so the output) carry over unchanged from the previous step.
        lengths: optional (N,) ints in decreasing order, instead of a mask (beyond
        Keras, for ``bucketing.py``): row n runs its first lengths[n] steps and then
        keeps its states, as with mask[n, t] = t < lengths[n], but the finished rows
        are not computed at all: the rows still running at step t are a prefix of
        the batch, and the step runs on that prefix only (a "packed" sequence).
        Returns (outputs, cache) with outputs as Keras: the sequence (N, T, H) if
        ``return_sequences`` else the last h (N, H); with ``return_state``, the list
        ``[outputs, *final_states]``. Outputs are views of the cache: read, don't write.
        training: apply ``dropout`` / ``recurrent_dropout`` (Keras's ``training=True``), with
        masks drawn from ``rng`` or given as ``dropout_masks`` (an ``RNNDropoutMasks``).
        """
        inputs = self._check_inputs(inputs)
        n = inputs.shape[0]
        inputs_tm = np.swapaxes(inputs, 0, 1)
        initial = self._check_initial_state(initial_state, n)
        mask_tm = None if mask is None else np.swapaxes(self._check_mask(mask, inputs.shape[:2]), 0, 1)
        running = None if lengths is None else self._running_rows(lengths, inputs.shape[:2], mask)
        drop = call_masks(self, n, training, rng, dropout_masks)   # None: no dropout
        rec = None if drop is None else drop.recurrent          # (G, N, H): implementation 1
        # x_t W + b for all t (x_t ⊙ m_g with dropout); each step turns its slice into gates
        gates = self.project_inputs(inputs_tm, None if drop is None else drop.inputs)
        steps = len(gates)
        states = [np.empty((steps + 1, n, self.units), self.dtype) for _ in range(self.state_size)]
        # (zeros when packed: rows never computed must still be finite numbers for the GEMMs)
        extras = [(np.empty if running is None else np.zeros)((steps, n, self.units), self.dtype)
                  for _ in range(self.num_extras)]
        for s, s0 in zip(states, initial):
            s[0] = s0
        kernel = self.step_kernel(rec)
        for t in range(steps):
            k = n if running is None else running[t]      # the rows computed at this step
            self._step(gates[t, :k], [s[t, :k] for s in states], [s[t + 1, :k] for s in states],
                       [e[t, :k] for e in extras], None if mask_tm is None else mask_tm[t],
                       None if rec is None else rec[:, :k], kernel)
            if k < n:
                for s in states:                          # finished rows keep their states
                    s[t + 1, k:] = s[t, k:]
        hs = states[0]
        out = np.swapaxes(hs[1:], 0, 1) if self.return_sequences else hs[-1]
        outputs = [out, *(s[-1] for s in states)] if self.return_state else out
        return outputs, RecurrentCache(inputs_tm, gates, states, extras, mask_tm,
                                       self.return_sequences, self.return_state, running, drop)

    def backward(self, doutputs, cache: RecurrentCache):
        """Backprop through time (``recurrent_backward.py``).

        doutputs has the structure of forward's outputs; any part may be None
        (no gradient). Returns (dinputs, dinitial_state, grads) with dinputs None
        for token-id inputs, dinitial_state a list like initial_state, and grads
        [dkernel, drecurrent_kernel, dbias].
        """
        return recurrent_backward.backward(self, doutputs, cache)


def split_gates(a: np.ndarray, num_gates: int) -> list[np.ndarray]:
    """Views of the (N, G·H) blocks of a fused gate array (cheaper than np.split)."""
    units = a.shape[1] // num_gates
    return [a[:, k * units:(k + 1) * units] for k in range(num_gates)]
