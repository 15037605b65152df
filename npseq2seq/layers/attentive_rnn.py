"""A recurrent layer whose every step attends to a memory: attention *inside* the recurrence.

The post-RNN attention (``attention.py``) reads a finished output sequence; here the
attention sits between the steps, so it cannot be batched over time: one loop runs the
cell (``lstm.py`` / ``gru.py``, through ``Recurrent``'s cell step, not a copy) and the
attention step by step. With memory V = the encoder outputs (N, Te, He), the cell's
states s (h first), input x_t (N, D) and Keras's reference cell ``reference/attentive.py``::

    bahdanau       c_t = attend(s_{t-1})                    query: the previous state
                   s_t = cell([x_t; c_t], s_{t-1})          the context is part of the step's input
                   y_t = [h_t; c_t]                         (N, H + He)
    luong_general  s_t = cell([x_t; ã_{t-1}], s_{t-1})      input feeding ([x_t] without; ã_0 = 0)
                   c_t = attend(h_t)                        query: the new state
                   ã_t = tanh(W_c [c_t; h_t])               the attentional vector
                   y_t = ã_t                                (N, H)

with attend(q) = softmax(score(q, V), −1e9 at padding) V (``attentive_memory.py``) and the
scores of ``bahdanau_attention.py`` (vᵀ tanh(W_q q + W_k v_j); Luong's general qᵀ W_a v_j).

The cell's kernel has D + E rows, as Keras's cell reading the concatenated input: rows
0..D-1 read x_t (projected for all steps before the loop, as ``Recurrent`` does), rows
D.. the context (bahdanau) or ã_{t-1} (luong with feeding), added in the loop. The state
list is the cell's, then ã with input feeding (``initial_state`` may leave it out: ã_0 = 0,
and its gradient is then not returned). A masked step (mask_zero) keeps every state, ã
included; its output is still computed (the loss leaves it out). ``lengths`` (a
length-bucketed batch, already cut to its longest sequence) are that mask, t < lengths[n]:
the finished rows are computed and their steps skipped, not left out of the GEMMs as
``Recurrent`` packs them (a bucket's rows have nearly one length, so few such rows).

Dropout (training only): the wrapped cell's masks over [x_t; e_t] and h_{t-1}, drawn once
per call (``attentive_inputs.py``).

Backward runs the loop in reverse (``attentive_backward.py``): each step's gradient reaches
the cell and the attention's query (h_{t-1} or h_t) at once; what it adds to the memory
(values, keys) and to the weights is summed after the loop, one product each (Bahdanau's
v and projected keys excepted: step by step).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..ops import glorot_uniform
from . import attentive_backward
from . import attentive_inputs as inputs_of
from .attentive_memory import Memory, attend
from .base import Layer
from .recurrent import Recurrent, RecurrentCache
from .rnn_dropout import RNNDropoutMasks, call_masks, gate_blocks

KINDS = ("bahdanau", "luong_general")


class AttentiveCache(NamedTuple):
    rnn: RecurrentCache           # the cell's gates, states, extras and mask, as Recurrent keeps them
    extra: np.ndarray | None      # (T, N, E) the kernel's extra input: contexts, or ã_{t-1} (feeding)
    contexts: np.ndarray          # (T, N, He)
    alignments: np.ndarray        # (T, N, Te) each step's attention weights
    saved: list                   # each step's score cache (T (N, Te, A), or q W_a)
    feeds: np.ndarray | None      # (T+1, N, H) ã: [0] the initial, [t+1] after step t (luong)
    attentional: np.ndarray | None  # (T, N, H) the computed ã_t (luong; the outputs)
    memory: Memory
    feed_given: bool              # initial_state held ã_0 (its gradient is returned)
    dropout: RNNDropoutMasks | None = None   # the cell's masks over [x_t; e_t] and h (training)

    @property
    def weights(self) -> np.ndarray:
        """(N, T, Te): the alignments batch-major, as ``ScoreAttention``'s cache has them."""
        return np.swapaxes(self.alignments, 0, 1)


class StepDropout(NamedTuple):
    """Dropout as each step of one call reads it (``AttentiveRNN._step_dropout``)."""
    extra: np.ndarray | None              # (G', N, E) masks over e_t, or None
    kernel_extra: np.ndarray              # W_e (E, G·H), or its gate blocks (G', E, G·H/G')
    recurrent: np.ndarray | None          # (G, N, H) masks over h_{t-1}, or None
    recurrent_kernel: np.ndarray | None   # U's form for the cell (``Recurrent.step_kernel``)


class AttentiveRNN(Layer):
    """``AttentiveRNN(rnn, score, kind, input_feeding=False, rng=None, name=...)``.

    rnn: an LSTM/GRU whose ``input_dim`` is D + E (E: the memory's width He for bahdanau,
    its units with luong feeding, 0 without); score: a ``BahdanauAttention`` (bahdanau) or
    ``GeneralAttention`` (luong_general). Weights in the Keras cell's order: the
    attention's, (W_c,) then the cell's kernel, recurrent_kernel, bias.
    """

    def __init__(self, rnn: Recurrent, score, kind: str, input_feeding: bool = False,
                 rng: np.random.Generator | None = None, name: str = "attentive_rnn"):
        if kind not in KINDS or (input_feeding and kind != "luong_general"):
            raise ValueError(f"{name}: kind must be one of {KINDS} (input feeding: luong_general "
                             f"only), received {kind!r}, input_feeding={input_feeding}")
        super().__init__(rnn.dtype, name)
        self.rnn, self.score, self.kind, self.input_feeding = rnn, score, kind, bool(input_feeding)
        self.units, self.memory_dim = rnn.units, score.dim
        extra = self.memory_dim if kind == "bahdanau" else (self.units if input_feeding else 0)
        self.input_dim = rnn.input_dim - extra
        if self.input_dim < 1:
            raise ValueError(f"{name}: the cell's input_dim must exceed the {extra} extra inputs")
        own = score.weight_names if kind == "bahdanau" else ("attention_kernel", "attentional_kernel")
        self.weight_names = (*own, *rnn.weight_names)
        if kind == "luong_general":
            rng = rng if rng is not None else np.random.default_rng()
            self.attentional_kernel = glorot_uniform(rng, (self.memory_dim + self.units, self.units),
                                                     self.dtype)

    @property
    def weights(self) -> list[np.ndarray]:
        own = self.score.weights + ([self.attentional_kernel] if self.kind == "luong_general" else [])
        return own + self.rnn.weights

    @property
    def state_size(self) -> int:
        return self.rnn.state_size + self.input_feeding

    @property
    def output_dim(self) -> int:
        return self.units + self.memory_dim if self.kind == "bahdanau" else self.units

    def memory(self, values, value_mask=None, keys=None) -> Memory:
        """The memory a sequence attends to; keys: ``score.project_keys(values)`` computed
        before (a decoding loop projects them once), else projected here."""
        values = np.asarray(values, self.dtype)
        if values.ndim != 3 or values.shape[2] != self.memory_dim:
            raise ValueError(f"{self.name}: the memory must be (batch, Te, {self.memory_dim}), "
                             f"received {values.shape}")
        mask = None if value_mask is None else self._check_mask(value_mask, values.shape[:2], "value_mask")
        if keys is None:
            keys = self.score.project_keys(values)
        elif np.shape(keys)[:2] != values.shape[:2]:
            raise ValueError(f"{self.name}: the projected keys must be (batch, Te, ·) as the values "
                             f"{values.shape}, received {np.shape(keys)}")
        return Memory(values, keys, mask)

    # --- one step, shared by forward (into its caches) and step (nothing kept) --------
    def _step(self, z, prev, new, extras, feed, memory: Memory, mask, drop=None):
        """One step in place: z = x_t W_x + b (N, G·H) becomes the gates; writes ``new``.
        drop: dropout's ``StepDropout`` (training), or None.
        Returns (output, extra input, context, weights, score cache, ã or None)."""
        e_masks, kernel_extra, rec_masks, rec_kernel = (
            (None, self.rnn.kernel[self.input_dim:], None, None) if drop is None else drop)
        extra = attentional = None
        if self.kind == "bahdanau":
            context, weights, saved = attend(self.score, prev[0], memory)           # query s_{t-1}
            extra = context
        elif self.input_feeding:
            extra = feed
        if extra is not None:
            z += inputs_of.extra(extra, kernel_extra, e_masks)                # [x_t; e_t] W = x_t W_x + e_t W_e
        self.rnn._step(z, prev, new, extras, mask, rec_masks, rec_kernel)
        if self.kind == "bahdanau":
            return np.concatenate([new[0], context], axis=1), extra, context, weights, saved, None
        context, weights, saved = attend(self.score, new[0], memory)                 # query s_t
        attentional = np.tanh(np.concatenate([context, new[0]], axis=1) @ self.attentional_kernel)
        return attentional, extra, context, weights, saved, attentional

    def _step_dropout(self, e_masks, rec_masks) -> "StepDropout":
        """What every step of one training call reads: the masks, and the kernels their
        products read, as gate blocks where a mask per gate splits them (made once a call)."""
        kernel_extra = self.rnn.kernel[self.input_dim:]
        return StepDropout(e_masks, kernel_extra if e_masks is None else gate_blocks(kernel_extra, len(e_masks)),
                           rec_masks, self.rnn.step_kernel(rec_masks))

    def step(self, xw_t, states, memory: Memory, mask=None):
        """One step on its own (decoding): xw_t = x_t W_x + b (N, G·H), overwritten; states
        as ``initial_state`` → (output (N, ·), new states, gates, weights (N, Te))."""
        n, k = xw_t.shape[0], self.rnn.state_size
        states = self._initial(states, n)[0]
        prev = states[:k]
        new = [np.empty((n, self.units), self.dtype) for _ in range(k)]
        extras = [np.empty((n, self.units), self.dtype) for _ in range(self.rnn.num_extras)]
        mask = None if mask is None else np.asarray(mask, bool)
        feed = states[k] if self.input_feeding else None
        out, _, _, weights, _, attentional = self._step(xw_t, prev, new, extras, feed, memory, mask)
        if self.input_feeding:
            new.append(attentional if mask is None else np.where(mask[:, None], attentional, feed))
        return out, new, xw_t, weights

    def project(self, inputs_tm, x_masks=None):
        """x_t W_x + b for all steps: (T, N) ids (rows of the kernel) or (T, N, D) floats
        (dropout: x_masks, ``attentive_inputs.split``'s)."""
        return inputs_of.project(self.rnn, inputs_tm, self.input_dim, x_masks)

    def _initial(self, initial_state, n):
        """(the states with ã, whether ã was given): ã_0 = 0 when left out."""
        states = [np.asarray(s, self.dtype) for s in initial_state]
        given = len(states) == self.state_size
        if self.input_feeding and len(states) == self.rnn.state_size:
            states.append(np.zeros((n, self.units), self.dtype))
        if len(states) != self.state_size or any(s.shape != (n, self.units) for s in states):
            raise ValueError(f"{self.name}: initial_state must be {self.state_size} arrays "
                             f"({n}, {self.units}) (the cell's states"
                             f"{', then ã (may be left out: zeros)' if self.input_feeding else ''}), "
                             f"received {[s.shape for s in states]}")
        return states, given

    # --- the time loop ------------------------------------------------------------------
    def forward(self, inputs, initial_state, memory: Memory, mask=None, lengths=None,
                training: bool = False, rng=None, dropout_masks=None):
        """inputs (N, T) ids or (N, T, D); initial_state: see ``_initial``; mask (N, T) bool
        or None, or lengths (N,) (the mask t < lengths[n]) → ([outputs (N, T, ·), *final
        states], cache). training: the cell's dropout, masks drawn from rng or given as
        ``dropout_masks`` (``RNNDropoutMasks`` over the cell's input [x_t; e_t])."""
        inputs_tm = np.swapaxes(np.asarray(inputs), 0, 1)
        steps, n = inputs_tm.shape[:2]
        states0, given = self._initial(initial_state, n)
        k = self.rnn.state_size
        if lengths is not None:        # checked as Recurrent checks them (decreasing, no mask too)
            self.rnn._running_rows(lengths, (n, steps), mask)
            mask = np.arange(steps)[None, :] < np.asarray(lengths)[:, None]
        mask_tm = None if mask is None else np.swapaxes(self._check_mask(mask, (n, steps)), 0, 1)
        drop = call_masks(self.rnn, n, training, rng, dropout_masks)      # None: no dropout
        x_masks, e_masks = inputs_of.split(drop, self.input_dim)
        step_drop = None if drop is None else self._step_dropout(e_masks, drop.recurrent)
        gates = self.project(inputs_tm if np.issubdtype(inputs_tm.dtype, np.integer)
                             else inputs_tm.astype(self.dtype, copy=False), x_masks)
        states = [np.empty((steps + 1, n, self.units), self.dtype) for _ in range(k)]
        extras = [np.empty((steps, n, self.units), self.dtype) for _ in range(self.rnn.num_extras)]
        for s, s0 in zip(states, states0):
            s[0] = s0
        luong = self.kind == "luong_general"
        feeds = np.empty((steps + 1, n, self.units), self.dtype) if self.input_feeding else None
        if feeds is not None:
            feeds[0] = states0[k]
        outputs, extra_in, contexts, alignments, saved = [], [], [], [], []
        for t in range(steps):
            m = None if mask_tm is None else mask_tm[t]
            out, extra, context, weights, cache, attentional = self._step(
                gates[t], [s[t] for s in states], [s[t + 1] for s in states], [e[t] for e in extras],
                None if feeds is None else feeds[t], memory, m, step_drop)
            if feeds is not None:      # a masked step keeps ã too
                feeds[t + 1] = attentional if m is None else np.where(m[:, None], attentional, feeds[t])
            outputs.append(out)
            extra_in.append(extra)
            contexts.append(context)
            alignments.append(weights)
            saved.append(cache)
        outputs = np.stack(outputs)                                            # (T, N, ·)
        rnn_cache = RecurrentCache(inputs_tm, gates, states, extras, mask_tm, True, True, dropout=x_masks)
        cache = AttentiveCache(rnn_cache, None if extra_in[0] is None else np.stack(extra_in),
                               np.stack(contexts), np.stack(alignments), saved, feeds,
                               outputs if luong else None, memory, given, drop)
        final = [s[-1] for s in states] + ([feeds[-1]] if feeds is not None else [])
        return [np.swapaxes(outputs, 0, 1), *final], cache

    def backward(self, doutputs, cache: AttentiveCache):
        """[d outputs (N, T, ·), *d final states (None: nothing read them)] → (d inputs (None
        for ids), d initial states (as given), d memory values (N, Te, He), weight grads);
        the loop in reverse, ``attentive_backward.py``."""
        return attentive_backward.backward(self, doutputs, cache)
