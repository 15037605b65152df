"""Backpropagation through the attentive layer's time loop (``attentive_rnn.py``).

The loop runs in reverse, one step at a time, as the forward ran: step t needs d s_t,
which step t+1's backward computes (through the cell, and Bahdanau's query or Luong's fed
ã). Step t, read backwards (the forward's equations in ``attentive_rnn.py``)::

    luong_general  y_t = ã_t, fed to step t+1   → dã_t = dy_t (+ step t+1's, input feeding)
                   ã_t = tanh(W_c [c_t; h_t])   → d pre, then dc_t and dh_t
                   c_t = attend(h_t)            → dh_t += d query; d memory
                   s_t = cell(...)              → d s_{t-1}, dz_t (the gates' input)
                   z_t = … + ã_{t-1} W_e        → d ã_{t-1} (input feeding)
    bahdanau       y_t = [h_t; c_t]             → dh_t, dc_t
                   s_t = cell([x_t; c_t], …)    → d s_{t-1}, dz_t; dc_t += dz_t W_eᵀ
                   c_t = attend(h_{t-1})        → dh_{t-1} += d query; d memory

A masked step passes its states' gradients through (and ã's, with feeding), as the
forward kept the states. The loop keeps what each step's attention handed back (d c_t,
d e_t, the score's d projected query) and what the next step reads (d s, d ã); the sums
over the steps that nothing in the loop reads are taken after it, one product each: the
cell's and W_c's weight gradients, the memory values' gradient Σ_t a_tᵀ d c_t, the
score's query kernel (and Luong's keys). Only Bahdanau's v and d(V W_k), whose per-step
terms are (N, Te, A) each, still add up step by step.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import attentive_inputs as inputs_of
from .attentive_memory import attend_backward
from .projection import gemm_over_time, outer_over_time
from .recurrent_backward import pass_skipped


class _Sums(NamedTuple):
    """What the reverse loop writes into, step by step, and the products it reads."""
    dxw: np.ndarray               # (T, N, G·H) d z_t, the gates' input
    drec: np.ndarray | None       # (T, N, G·H) its recurrent part, for cells that keep it apart
    dpre: np.ndarray | None       # (T, N, H) d of ã's pre-activation (luong)
    dcontexts: np.ndarray         # (T, N, He) d c_t
    dscores: np.ndarray           # (T, N, Te) d e_t, the scores before the softmax
    dquery_proj: np.ndarray       # (T, N, P) d of the score's projected query (q W_a, q W_q)
    dkeys: np.ndarray             # d memory keys (Bahdanau's V W_k, or V)
    score_grads: list             # the score's weight gradients
    recurrent_kernel_t: np.ndarray  # (G·H, H)
    extra_kernel_t: np.ndarray    # W_eᵀ (G·H, E)
    e_masks: np.ndarray | None    # dropout's masks over e_t (G', N, E)
    rec_masks: np.ndarray | None  # dropout's recurrent masks (G, N, H)


def backward(layer, doutputs, cache):
    """``AttentiveRNN.backward`` (layer: the ``AttentiveRNN``; cache: its ``AttentiveCache``):
    [d outputs (N, T, ·), *d final states (None: nothing read them)] → (d inputs (None
    for ids), d initial states (as given), d memory values (N, Te, He), weight grads)."""
    dout, *dfinal = doutputs
    rc, memory, k = cache.rnn, cache.memory, layer.rnn.state_size
    steps, n = rc.gates.shape[:2]
    zeros = np.zeros((n, layer.units), layer.dtype)
    dfinal = dfinal + [None] * (layer.state_size - len(dfinal))
    dstates = [zeros.copy() if d is None else np.array(d, layer.dtype) for d in dfinal[:k]]
    dfeed = (zeros.copy() if dfinal[k] is None else np.array(dfinal[k], layer.dtype)) \
        if layer.input_feeding else None
    dout_tm = np.swapaxes(np.asarray(dout, layer.dtype), 0, 1)
    sums = _sums(layer, cache)
    for t in reversed(range(steps)):
        dfeed = _step_backward(layer, t, dout_tm[t], dstates, dfeed, cache, sums)
    # the sums nothing in the loop read, one product each: c_t = Σ_j a_t,j v_j -> dv_j = Σ_t a_t,j dc_t
    dvalues = outer_over_time(cache.alignments, sums.dcontexts)
    queries = rc.hs[1:] if layer.kind == "luong_general" else rc.hs[:-1]     # h_t, or s_{t-1}
    layer.score.steps_backward(queries, sums.dquery_proj, sums.dscores, cache.saved, sums.dkeys,
                               sums.score_grads)
    dvalues += layer.score.project_keys_backward(sums.dkeys, memory.values, sums.score_grads)
    grads = _weight_gradients(layer, cache, sums)
    dinputs = None
    if not np.issubdtype(rc.inputs.dtype, np.integer):                      # z = x W_x + …
        dinputs = np.swapaxes(inputs_of.input_gradient(layer.rnn, sums.dxw, layer.input_dim, rc.dropout), 0, 1)
    dinitial = dstates + ([dfeed] if layer.input_feeding and cache.feed_given else [])
    return dinputs, dinitial, dvalues, sums.score_grads + grads


def _sums(layer, cache) -> _Sums:
    """The loop's gradient buffers (the keys' and the score's zeroed: they add up) and
    the transposed kernels and dropout masks it reads at every step."""
    rc, memory = cache.rnn, cache.memory
    dxw = np.empty_like(rc.gates)
    luong = layer.kind == "luong_general"
    steps_rows = rc.gates.shape[:2]
    return _Sums(dxw, np.empty_like(dxw) if layer.rnn.separate_recurrent_grad else None,
                 np.empty(steps_rows + (layer.units,), layer.dtype) if luong else None,
                 np.empty(steps_rows + (layer.memory_dim,), layer.dtype),
                 np.empty_like(cache.alignments),
                 np.empty(steps_rows + (layer.score.query_projection_dim,), layer.dtype),
                 np.zeros_like(memory.keys),
                 [np.zeros_like(w) for w in layer.score.weights],
                 np.ascontiguousarray(layer.rnn.recurrent_kernel.T),
                 np.ascontiguousarray(layer.rnn.kernel[layer.input_dim:].T),
                 inputs_of.split(cache.dropout, layer.input_dim)[1],
                 None if cache.dropout is None else cache.dropout.recurrent)


def _step_backward(layer, t, dout_t, dstates, dfeed, cache, sums: _Sums):
    """Step t in reverse (the module docstring's equations): adds into ``dstates`` (d s_t
    in, d s_{t-1} out) and ``sums``; returns d ã_{t-1} (luong with input feeding) or None."""
    rc, he = cache.rnn, layer.memory_dim
    luong = layer.kind == "luong_general"
    keep = None if rc.mask is None else rc.mask[t][:, None]
    carried = 0
    if luong:                                   # y_t = ã_t = tanh(W_c [c_t; h_t])
        dattentional = dout_t.copy()
        if layer.input_feeding:                 # ã_t was also the next step's input (where it ran)
            dattentional += dfeed if keep is None else np.where(keep, dfeed, 0)
            carried = 0 if keep is None else np.where(keep, 0, dfeed)   # skipped: ã passed on
        a = cache.attentional[t]
        sums.dpre[t] = dattentional * (1.0 - a * a)                     # ã = tanh(pre)
        djoint = sums.dpre[t] @ layer.attentional_kernel.T              # pre = [c; h] W_c
        dquery = _attend_backward(layer, t, djoint[:, :he], cache, sums)
        dstates[0] += djoint[:, he:] + dquery   # h_t: in [c; h] and the attention's query
    else:                                       # y_t = [h_t; c_t]
        dstates[0] += dout_t[:, :layer.units]
    if keep is not None:                        # a skipped step passes its states through
        passed = [d.copy() for d in dstates]
    drec = None if sums.drec is None else sums.drec[t]
    layer.rnn.cell_backward(dstates, rc.gates[t], [s[t] for s in rc.states], [e[t] for e in rc.extras],
                            sums.recurrent_kernel_t, sums.dxw[t], drec, sums.rec_masks)
    if keep is not None:
        pass_skipped(keep, dstates, passed, sums.dxw[t], drec)
    if not luong:                               # c_t = attend(h_{t-1}) fed [x_t; c_t]
        dcontext = dout_t[:, layer.units:] + inputs_of.extra_backward(sums.dxw[t], sums.extra_kernel_t,
                                                                      sums.e_masks)
        dstates[0] += _attend_backward(layer, t, dcontext, cache, sums)
    elif layer.input_feeding:                   # z_t = … + ã_{t-1} W_e
        dfeed = inputs_of.extra_backward(sums.dxw[t], sums.extra_kernel_t, sums.e_masks) + carried
    return dfeed


def _attend_backward(layer, t, dcontext, cache, sums: _Sums):
    """Step t's attention in reverse: d context (N, He) → d query (N, H); keeps d c_t, the
    step's d scores and the score's d projected query for the sums after the loop."""
    dquery, sums.dscores[t], sums.dquery_proj[t] = attend_backward(
        layer.score, dcontext, cache.memory, cache.alignments[t], cache.saved[t], sums.dkeys, sums.score_grads)
    sums.dcontexts[t] = dcontext
    return dquery


def _weight_gradients(layer, cache, sums: _Sums) -> list:
    """[(dW_c,) dkernel, drecurrent_kernel, dbias], each summed over time in one GEMM."""
    dkernel, *rest = layer.rnn.weight_gradients(cache.rnn, sums.dxw, sums.drec)   # x rows (ids: all rows)
    if cache.extra is not None:                                           # z = … + e_t W_e
        dextra = inputs_of.extra_gradient(cache.extra, sums.dxw, sums.e_masks)
        if len(dkernel) == layer.input_dim:
            dkernel = np.concatenate([dkernel, dextra])
        else:
            dkernel[layer.input_dim:] += dextra
    own = []
    if layer.kind == "luong_general":                                      # pre = [c; h] W_c
        own = [gemm_over_time(np.concatenate([cache.contexts, cache.rnn.hs[1:]], axis=-1), sums.dpre)]
    return own + [dkernel, *rest]
