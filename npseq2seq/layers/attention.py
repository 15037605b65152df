"""Attention after the RNN, as Keras's ``Attention``: scores, masked softmax, weighted values;
and its dot-product (Luong) scores.

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

``ScoreAttention`` is everything after the scores (Keras's ``Attention._apply_scores``
and ``call``); a subclass gives the scores (``_scores``) and their backward
(``_scores_backward``), as Keras's ``AdditiveAttention`` overrides only
``_calculate_scores`` (``additive_attention.py``).
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
    scores: object = None             # what the score function keeps for its backward, if anything


class ScoreAttention(Layer):
    """Keras's ``Attention`` after the scores; subclasses give ``_scores``/``_scores_backward``."""

    def forward(self, query: np.ndarray, values: np.ndarray, query_mask=None, value_mask=None):
        """(context (N, Tq, H), cache); ``cache.weights`` (N, Tq, Tv) are the alignments.

        query_mask (N, Tq) / value_mask (N, Tv): optional booleans, Keras's
        ``mask=[query_mask, value_mask]``.
        """
        query, values = self._check(query, values)
        n, tq, tv = query.shape[0], query.shape[1], values.shape[1]
        scores, score_cache = self._scores(query, values)            # (N, Tq, Tv)
        if value_mask is not None:
            keep = self._check_mask(value_mask, (n, tv), "value_mask")[:, None, :]
            scores = np.where(keep, scores, scores - MASK_PENALTY)
        weights = softmax(scores, axis=-1)
        context = weights @ values                                   # (N, Tq, H)
        if query_mask is not None:
            query_mask = self._check_mask(query_mask, (n, tq), "query_mask")
            context = np.where(query_mask[:, :, None], context, 0)
        return context, AttentionCache(query, values, weights, query_mask, score_cache)

    def backward(self, dcontext: np.ndarray, cache: AttentionCache):
        """d(loss)/d(context) → (dquery (N, Tq, H), dvalues (N, Tv, H), weight grads)."""
        v, a = cache.values, cache.weights
        if cache.query_mask is not None:
            dcontext = np.where(cache.query_mask[:, :, None], dcontext, 0)   # C = 0 there: no gradient
        dweights = dcontext @ np.swapaxes(v, 1, 2)        # C = A V  ->  dA = dC Vᵀ
        dvalues = np.swapaxes(a, 1, 2) @ dcontext         #          ->  dV = Aᵀ dC  (V as values)
        # A = softmax(S) row by row  ->  dS = A ⊙ (dA − Σ_j dA·A); the mask only shifted S by a
        # constant, so dS passes it unchanged (and A ≈ 0 at masked steps makes dS ≈ 0 there)
        dscores = a * (dweights - (dweights * a).sum(axis=-1, keepdims=True))
        dquery, dkeys, grads = self._scores_backward(dscores, cache)
        dvalues += dkeys                                  # V is also the keys
        return dquery, dvalues, grads

    def _scores(self, query, keys):
        """(scores (N, Tq, Tv), what their backward needs)."""
        raise NotImplementedError

    def _scores_backward(self, dscores, cache: AttentionCache):
        """d(loss)/d(scores) → (dquery, dkeys, weight grads in ``weight_names`` order)."""
        raise NotImplementedError

    def _check_dim(self, query, dim: int) -> None:
        """For a layer whose weights fix the features' size: ValueError unless it is dim."""
        if query.shape[2] != dim:
            raise ValueError(f"{self.name}: query and values must have dim {dim} (the layer's "
                             f"weights'), received {query.shape[2]}")

    def _check(self, query, values):
        query, values = np.asarray(query, self.dtype), np.asarray(values, self.dtype)
        if query.ndim != 3 or values.ndim != 3 or query.shape[0] != values.shape[0] \
                or query.shape[2] != values.shape[2]:
            raise ValueError(f"{self.name}: query must be (batch, Tq, dim) and values (batch, Tv, dim) "
                             f"with the same batch and dim, received {query.shape} and {values.shape}")
        return query, values


class DotAttention(ScoreAttention):
    """Keras's ``Attention()`` (dot scores, no scale): no weights, forward/backward only."""
    weight_names = ()

    def __init__(self, dtype="float32", name: str = "attention"):
        super().__init__(dtype, name)

    def _scores(self, query, keys):
        return query @ np.swapaxes(keys, 1, 2), None                 # S = Q Kᵀ

    def _scores_backward(self, dscores, cache: AttentionCache):
        dquery = dscores @ cache.values                   # S = Q Kᵀ  ->  dQ = dS K
        dkeys = np.swapaxes(dscores, 1, 2) @ cache.query  #           ->  dK = dSᵀ Q
        return dquery, dkeys, []
