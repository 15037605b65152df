"""One attention step against a memory, the step the attentive layer (``attentive_rnn.py``)
takes inside its recurrence, and its backward.

The memory is the encoder outputs V (N, Te, He), the keys the score reads (V W_k for
Bahdanau, projected once per sequence; V itself for Luong's general score) and the
encoder's padding mask (mask_zero or mask_padding; None without)::

    e = score(q, keys) (N, Te),  e_j − 1e9 where the mask is False,  a = softmax(e),  c = Σ_j a_j v_j

The −1e9 is Keras's ``Attention`` convention (``attention.py``'s ``MASK_PENALTY``): a
padded step's weight underflows to 0, and a row with every step masked stays finite.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..ops import softmax
from .attention import MASK_PENALTY


class Memory(NamedTuple):
    values: np.ndarray            # (N, Te, He) the encoder outputs
    keys: np.ndarray              # what the score reads: V W_k (Bahdanau) or V
    mask: np.ndarray | None       # (N, Te) bool, False at padding


def attend(score, query, memory: Memory):
    """q (N, H) → (context (N, He), weights (N, Te), the score's cache)."""
    scores, saved = score.step_scores(query, memory.keys)
    if memory.mask is not None:
        scores = np.where(memory.mask, scores, scores - MASK_PENALTY)
    weights = softmax(scores, axis=-1)
    return (weights[:, None, :] @ memory.values)[:, 0], weights, saved     # c = Σ_j a_j v_j


def attend_backward(score, dcontext, memory: Memory, weights, saved, dkeys, grads):
    """d context (N, He) of one step (its weights (N, Te) and score cache) → (d query (N, H),
    d scores (N, Te), the score's d projected query); adds what the score sums step by step
    into dkeys and grads. The memory values' gradient, dv_j = Σ_t a_t,j dc_t, nothing in the
    loop reads: ``attentive_backward`` sums it after the loop (``outer_over_time``), with the
    score's ``steps_backward``."""
    dweights = (memory.values @ dcontext[:, :, None])[..., 0]            # c = Σ_j a_j v_j -> da_j = v_j · dc
    # a = softmax(e) -> de = a ⊙ (da − Σ_j a_j da_j); the mask only shifted e
    dscores = weights * (dweights - (dweights * weights).sum(axis=-1, keepdims=True))
    dquery, dquery_proj = score.step_scores_backward(dscores, saved, memory.keys, dkeys, grads)
    return dquery, dscores, dquery_proj
