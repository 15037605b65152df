"""Dot-product (Luong) attention: each query step reads a weighted average of the values.

Shapes: query Q (N, Tq, H), values V (N, Tv, H) (the values are also the keys),
attention weights A (N, Tq, Tv), context C (N, Tq, H). In the seq2seq model the
query is the decoder's output sequence (Tq = Td) and the values are the
encoder's output sequence (Tv = Te)::

    S = Q Vᵀ                       scores: how well decoder step i matches encoder step j
    S = S − 1e9 where value_mask is False   (padding gets no weight)
    A = softmax(S) over j          each row of weights sums to 1
    C = A V                        context: the weighted average of the encoder outputs
    C = 0 where query_mask is False

This is ``keras.layers.Attention()`` with its defaults (``score_mode="dot"``,
``use_scale=False``, ``dropout=0``): no weights, no 1/√H scaling, and the
masking done the way Keras does it, by subtracting 1e9 rather than setting
−inf (so a row whose values are all masked gets uniform weights, not NaN).
Without masks every value step is attended to, padding included, as in Keras
when the inputs are one-hot arrays that carry no mask.

Every product is a batched matmul over the N axis, with all Tq query steps at
once: there is no loop over time or samples.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..ops import softmax
from .base import Layer

# Keras's bias for masked scores (keras/src/layers/attention/attention.py, _apply_scores)
MASK_PENALTY = 1.0e9


class AttentionCache(NamedTuple):
    query: np.ndarray                 # (N, Tq, H)
    values: np.ndarray                # (N, Tv, H), also the keys
    weights: np.ndarray               # (N, Tq, Tv), the softmax of the (masked) scores
    query_mask: np.ndarray | None     # (N, Tq) bool: False where the context was zeroed


class DotAttention(Layer):
    """Keras's ``Attention()`` (dot scores, no scale): no weights, forward/backward only."""
    weight_names = ()

    def __init__(self, dtype="float32", name: str = "attention"):
        super().__init__(dtype, name)

    def forward(self, query: np.ndarray, values: np.ndarray, query_mask=None, value_mask=None):
        """(context (N, Tq, H), cache); ``cache.weights`` (N, Tq, Tv) are the alignments.

        query_mask (N, Tq) / value_mask (N, Tv): optional booleans, Keras's
        ``mask=[query_mask, value_mask]``.
        """
        query, values = self._check(query, values)
        n, tq, tv = query.shape[0], query.shape[1], values.shape[1]
        scores = query @ np.swapaxes(values, 1, 2)                   # (N, Tq, Tv)
        if value_mask is not None:
            keep = self._check_mask(value_mask, (n, tv), "value_mask")[:, None, :]
            scores = np.where(keep, scores, scores - MASK_PENALTY)
        weights = softmax(scores, axis=-1)
        context = weights @ values                                   # (N, Tq, H)
        if query_mask is not None:
            query_mask = self._check_mask(query_mask, (n, tq), "query_mask")
            context = np.where(query_mask[:, :, None], context, 0)
        return context, AttentionCache(query, values, weights, query_mask)

    def backward(self, dcontext: np.ndarray, cache: AttentionCache):
        """d(loss)/d(context) → (dquery (N, Tq, H), dvalues (N, Tv, H))."""
        q, v, a = cache.query, cache.values, cache.weights
        if cache.query_mask is not None:
            dcontext = np.where(cache.query_mask[:, :, None], dcontext, 0)   # C = 0 there: no gradient
        dweights = dcontext @ np.swapaxes(v, 1, 2)        # C = A V  ->  dA = dC Vᵀ
        dvalues = np.swapaxes(a, 1, 2) @ dcontext         #          ->  dV = Aᵀ dC  (V as values)
        # A = softmax(S) row by row  ->  dS = A ⊙ (dA − Σ_j dA·A); the mask only shifted S by a
        # constant, so dS passes it unchanged (and A ≈ 0 at masked steps makes dS ≈ 0 there)
        dscores = a * (dweights - (dweights * a).sum(axis=-1, keepdims=True))
        dquery = dscores @ v                              # S = Q Vᵀ  ->  dQ = dS V
        dvalues += np.swapaxes(dscores, 1, 2) @ q         #           ->  dV += dSᵀ Q  (V as keys)
        return dquery, dvalues

    def _check(self, query, values):
        query, values = np.asarray(query, self.dtype), np.asarray(values, self.dtype)
        if query.ndim != 3 or values.ndim != 3 or query.shape[0] != values.shape[0] \
                or query.shape[2] != values.shape[2]:
            raise ValueError(f"{self.name}: query must be (batch, Tq, dim) and values (batch, Tv, dim) "
                             f"with the same batch and dim, received {query.shape} and {values.shape}")
        return query, values
