"""Backpropagation through time for ``Recurrent`` (``recurrent.py``).

The loop runs in reverse, one step at a time: step t needs the gradients of its new states,
which step t+1's backward computes through the cell. Step t, read backwards::

    y_t = h_t (the sequence's output)   → dh_t += dy_t
    s_t = cell(x_t W + b, s_{t-1})      → d s_{t-1}, dz_t   (``cell_backward``, in place)
    masked step: s_t = s_{t-1}          → d s_{t-1} = d s_t, dz_t = 0
    packed (``lengths``): rows ≥ k_t    → not computed: dz_t = 0 there, d s passes through

The loop only carries d s from step to step and writes each step's dz into one (T, N, G·H)
array; the weight gradients are summed over time after the loop, each one GEMM over all
(T·N) rows (``Recurrent.weight_gradients``), and so is d x (``InputProjection.input_gradient``).

Letters: N batch, T time steps, H units, G gates.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


class _Sums(NamedTuple):
    """What the reverse loop writes into, step by step, and what it reads at every step."""
    dxw: np.ndarray                 # (T, N, G·H) d(x_t W + input bias)
    drec: np.ndarray | None         # (T, N, G·H) d(h_{t-1} U + …), for cells that keep it apart
    recurrent_kernel_t: np.ndarray  # Uᵀ (G·H, H)
    rec_masks: np.ndarray | None    # recurrent dropout's masks (G, N, H)


def backward(layer, doutputs, cache):
    """``Recurrent.backward`` (layer: the ``Recurrent``; cache: its ``RecurrentCache``):
    d outputs, structured as the forward's outputs → (d inputs (None for ids), d initial
    states, [dkernel, drecurrent_kernel, dbias])."""
    dstates, dseq = _output_gradients(layer, doutputs, cache)
    sums = _sums(layer, cache)
    for t in reversed(range(len(cache.gates))):
        _step_backward(layer, t, None if dseq is None else dseq[t], dstates, cache, sums)
    grads = layer.weight_gradients(cache, sums.dxw, sums.drec)
    if np.issubdtype(cache.inputs.dtype, np.integer):
        dinputs = None                           # token ids are not differentiable
    else:                                        # z = x W + …  →  dx = dz Wᵀ, one GEMM
        masks = None if cache.dropout is None else cache.dropout.inputs
        dinputs = np.swapaxes(layer.input_gradient(sums.dxw, masks), 0, 1)
    return dinputs, dstates, grads


def _output_gradients(layer, doutputs, cache):
    """The final states' gradients (N, H) each, which the loop then updates in place step by
    step, and the output sequence's (T, N, H) time-major or None. Any part of doutputs may
    be None (no gradient)."""
    n = cache.gates.shape[1]
    if cache.return_state:
        dout, *dfinal = doutputs
    else:
        dout, dfinal = doutputs, [None] * layer.state_size
    dstates = [np.zeros((n, layer.units), layer.dtype) if d is None else np.array(d, layer.dtype)
               for d in dfinal]
    if dout is not None and not cache.return_sequences:
        dstates[0] += dout                      # the last output *is* the final h
    dseq = np.swapaxes(dout, 0, 1) if (dout is not None and cache.return_sequences) else None
    return dstates, dseq


def _sums(layer, cache) -> _Sums:
    """The loop's dz buffers and what it reads at every step."""
    dxw = np.empty_like(cache.gates)
    # Uᵀ copied once, so that every step's dz Uᵀ reads contiguous rows (about 20 % faster)
    return _Sums(dxw, np.empty_like(dxw) if layer.separate_recurrent_grad else None,
                 np.ascontiguousarray(layer.recurrent_kernel.T),
                 None if cache.dropout is None else cache.dropout.recurrent)


def _step_backward(layer, t, dy_t, dstates, cache, sums: _Sums) -> None:
    """Step t in reverse (the module docstring's equations): ``dstates`` d s_t in, d s_{t-1}
    out; writes dz_t into ``sums``. dy_t: d h_t from the output sequence (N, H), or None."""
    if dy_t is not None:
        dstates[0] += dy_t                      # h_t feeds both the output and step t+1
    keep = None if cache.mask is None else cache.mask[t][:, None]
    if keep is not None:                        # a skipped step passes its states through
        passed = [d.copy() for d in dstates]
    n = cache.gates.shape[1]
    k = n if cache.running is None else cache.running[t]
    drec = None if sums.drec is None else sums.drec[t]
    if k < n:       # finished rows were not computed: no gradient there; theirs pass through
        sums.dxw[t, k:] = 0
        if drec is not None:
            drec[k:] = 0
    layer.cell_backward([d[:k] for d in dstates], cache.gates[t, :k],
                        [s[t, :k] for s in cache.states], [e[t, :k] for e in cache.extras],
                        sums.recurrent_kernel_t, sums.dxw[t, :k], None if drec is None else drec[:k],
                        None if sums.rec_masks is None else sums.rec_masks[:, :k])
    if keep is not None:
        pass_skipped(keep, dstates, passed, sums.dxw[t], drec)


def pass_skipped(keep, dstates, passed, dxw_t, drec_t) -> None:
    """After a masked step's ``cell_backward``: where keep (N, 1) is False the step was
    skipped (s_t = s_{t-1}), so it has no dz and the states' gradients pass through as
    they were before it (``passed``). Also the attentive layer's (``attentive_backward.py``)."""
    dxw_t *= keep
    if drec_t is not None:
        drec_t *= keep
    for d, p in zip(dstates, passed):
        np.copyto(d, p, where=~keep)
