"""Bahdanau's score with its projections, and Luong's "general" score: building blocks of
the attention *inside* the recurrence (issue 15; not yet wired into a decoder, so no
``Seq2Seq`` option builds them).

Shapes as in ``attention.py``: query Q (N, Tq, H), keys = values V (N, Tv, H); A attention
units. Inside the recurrence the query is the previous decoder state, one step at a time
(Tq = 1); the layers work for any Tq, like ``Attention``::

    Bahdanau (concat):  S[n, i, j] = vᵀ tanh(W_q Q[n, i] + W_k V[n, j])   W_q, W_k (H, A), v (A,)
    Luong general:      S[n, i, j] = Q[n, i]ᵀ W_a V[n, j]                  W_a (H, H)

then the masked softmax and weighted values every ``ScoreAttention`` shares. No biases, as
in the equations of both papers (Bahdanau et al. 2015, eq. A.1.2; Luong et al. 2015, eq. 8).
The weights are drawn ``glorot_uniform``; their names and order will follow the Keras
reference cell written for them (not yet written).

A decoder running Bahdanau's attention step by step will project the keys V W_k once per
sentence rather than once per step; this layer recomputes them on every call.
"""
from __future__ import annotations

import numpy as np

from ..ops import glorot_uniform, matmul_rows
from .attention import AttentionCache, ScoreAttention


class BahdanauAttention(ScoreAttention):
    """Additive scores vᵀ tanh(W_q q + W_k k), with the projections Keras's layer lacks."""
    weight_names = ("query_kernel", "key_kernel", "score_kernel")

    def __init__(self, dim: int, units: int, dtype="float32", rng: np.random.Generator | None = None,
                 name: str = "attention"):
        super().__init__(dtype, name)
        self.dim, self.units = int(dim), int(units)
        rng = rng if rng is not None else np.random.default_rng()
        self.query_kernel = glorot_uniform(rng, (self.dim, self.units), self.dtype)
        self.key_kernel = glorot_uniform(rng, (self.dim, self.units), self.dtype)
        self.score_kernel = glorot_uniform(rng, (self.units, 1), self.dtype)[:, 0].copy()

    def _scores(self, query, keys):
        self._check_dim(query, self.dim)
        t = np.tanh(matmul_rows(query, self.query_kernel)[:, :, None, :]          # (N, Tq, Tv, A)
                    + matmul_rows(keys, self.key_kernel)[:, None, :, :])
        return t @ self.score_kernel, t                                          # S = T v

    def _scores_backward(self, dscores, cache: AttentionCache):
        t, a = cache.scores, self.units
        dv = dscores.reshape(-1) @ t.reshape(-1, a)             # S = T v  ->  dv = Σ dS T
        dpre = dscores[..., None] * self.score_kernel * (1.0 - t * t)   # T = tanh(pre)
        dq_proj, dk_proj = dpre.sum(axis=2), dpre.sum(axis=1)   # pre = Q W_q [i] + K W_k [j]
        q, k = cache.query, cache.values
        dwq = q.reshape(-1, self.dim).T @ dq_proj.reshape(-1, a)   # Q W_q  ->  dW_q = Qᵀ d(Q W_q)
        dwk = k.reshape(-1, self.dim).T @ dk_proj.reshape(-1, a)   # K W_k  ->  dW_k = Kᵀ d(K W_k)
        return (matmul_rows(dq_proj, self.query_kernel.T), matmul_rows(dk_proj, self.key_kernel.T),
                [dwq, dwk, dv])


class GeneralAttention(ScoreAttention):
    """Luong's "general" scores qᵀ W_a k."""
    weight_names = ("kernel",)

    def __init__(self, dim: int, dtype="float32", rng: np.random.Generator | None = None,
                 name: str = "attention"):
        super().__init__(dtype, name)
        self.dim = int(dim)
        rng = rng if rng is not None else np.random.default_rng()
        self.kernel = glorot_uniform(rng, (self.dim, self.dim), self.dtype)

    def _scores(self, query, keys):
        self._check_dim(query, self.dim)
        projected = matmul_rows(query, self.kernel)                     # (N, Tq, H): Q W_a
        return projected @ np.swapaxes(keys, 1, 2), projected           # S = (Q W_a) Kᵀ

    def _scores_backward(self, dscores, cache: AttentionCache):
        q, k, projected = cache.query, cache.values, cache.scores
        dprojected = dscores @ k                                 # S = P Kᵀ  ->  dP = dS K
        dkeys = np.swapaxes(dscores, 1, 2) @ projected           #           ->  dK = dSᵀ P
        dkernel = q.reshape(-1, self.dim).T @ dprojected.reshape(-1, self.dim)   # P = Q W_a
        return matmul_rows(dprojected, self.kernel.T), dkeys, [dkernel]
