"""Additive attention after the RNN: Keras's ``AdditiveAttention(use_scale=True)``.

Shapes as in ``attention.py``: query Q (N, Tq, H) (the decoder outputs), values V
(N, Tv, H) (the encoder outputs, also the keys K), scale s (H,), and T (N, Tq, Tv, H)::

    T[n, i, j] = tanh(Q[n, i] + K[n, j])      every query step against every key step
    S[n, i, j] = Σ_d s_d T[n, i, j, d]        scores: Keras's reduce_sum(scale * tanh(q + k))

then the same masked softmax and weighted values as ``Attention()`` (``ScoreAttention``).
This is Bahdanau's score vᵀ tanh(W_q q + W_k k) *without* the projections W_q, W_k (Keras's
layer has none: the RNN outputs are added as they are), with v = s, and read after the
RNN rather than inside the recurrence. Keras's one weight is ``scale`` (H,), initialised
``glorot_uniform`` with fan_in = fan_out = H (keras/src/initializers, ``compute_fans`` of a
1-D shape): U(±sqrt(3 / H)).

T is (N, Tq, Tv, H): every pair of steps has its own H-vector, as in Keras (which
broadcasts q (N, Tq, 1, H) + k (N, 1, Tv, H) the same way). The forward keeps it for the
backward; at the tutorial's sizes (N 64, Td 60, Te 20, H 256) that is 20 M numbers a batch.
"""
from __future__ import annotations

import numpy as np

from .attention import AttentionCache, ScoreAttention


class AdditiveAttention(ScoreAttention):
    """Keras's ``AdditiveAttention(use_scale=True)``: one weight, ``scale`` (H,)."""
    weight_names = ("scale",)

    def __init__(self, dim: int, dtype="float32", rng: np.random.Generator | None = None,
                 name: str = "attention"):
        super().__init__(dtype, name)
        self.dim = int(dim)
        rng = rng if rng is not None else np.random.default_rng()
        limit = np.sqrt(6.0 / (self.dim + self.dim))  # glorot_uniform, fans (H, H) for shape (H,)
        self.scale = rng.uniform(-limit, limit, size=self.dim).astype(self.dtype)

    def _scores(self, query, keys):
        self._check_dim(query, self.dim)
        t = np.tanh(query[:, :, None, :] + keys[:, None, :, :])     # (N, Tq, Tv, H)
        return t @ self.scale, t                                     # S = Σ_d s_d T_d

    def _scores_backward(self, dscores, cache: AttentionCache):
        t = cache.scores                                             # (N, Tq, Tv, H)
        h = t.shape[-1]
        # S = Σ_d s_d T_d  ->  ds = Σ_{n,i,j} dS T  (one GEMV over all pairs of steps)
        dscale = dscores.reshape(-1) @ t.reshape(-1, h)
        # ->  dT = dS s;  T = tanh(Q + K)  ->  dpre = dT ⊙ (1 − T²)
        dpre = dscores[..., None] * self.scale * (1.0 - t * t)
        # pre = Q[i] + K[j]  ->  dQ = Σ_j dpre,  dK = Σ_i dpre
        return dpre.sum(axis=2), dpre.sum(axis=1), [dscale]
