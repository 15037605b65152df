"""Bahdanau's score with its projections, and Luong's "general" score: the scores of the
attention *inside* the recurrence (``attentive_rnn.py``, ``attention="bahdanau"`` and
``"luong_general"``), also usable after the RNN as ``ScoreAttention`` layers.

Shapes as in ``attention.py``: query Q (N, Tq, H), keys = values V (N, Tv, H); A attention
units. Inside the recurrence the query is the previous decoder state, one step at a time
(Tq = 1); the layers work for any Tq, like ``Attention``::

    Bahdanau (concat):  S[n, i, j] = vᵀ tanh(W_q Q[n, i] + W_k V[n, j])   W_q, W_k (H, A), v (A,)
    Luong general:      S[n, i, j] = Q[n, i]ᵀ W_a V[n, j]                  W_a (H, H)

then the masked softmax and weighted values every ``ScoreAttention`` shares. No biases, as
in the equations of both papers (Bahdanau et al. 2015, eq. A.1.2; Luong et al. 2015, eq. 8).
The weights are drawn ``glorot_uniform``.

One query step at a time (``attentive_rnn.py``): ``project_keys`` once per sequence (V W_k
for Bahdanau, V itself for Luong), then ``step_scores`` each step against them, q (N, H) →
S (N, Tv); the backward mirrors it (``step_scores_backward`` each step: the query's
gradient, which the loop needs at once; ``steps_backward`` after the loop: the sums over
the steps that nothing inside the loop reads; ``project_keys_backward`` once). Same
equations as ``_scores``, without the Tq axis.
"""
from __future__ import annotations

import numpy as np

from ..ops import glorot_uniform, matmul_rows
from .attention import AttentionCache, ScoreAttention
from .projection import gemm_over_time, outer_over_time


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

    @property
    def query_projection_dim(self) -> int:
        """The width of q W_q, whose gradient each step of a loop hands back (A)."""
        return self.units

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

    # --- one query step against projected keys (attention inside the recurrence) --------
    def project_keys(self, values):
        """V (N, Tv, H) → K W_k (N, Tv, A), once per sequence."""
        return matmul_rows(values, self.key_kernel)

    def step_scores(self, query, keys):
        """q (N, H), projected keys (N, Tv, A) → (S (N, Tv), T (N, Tv, A) for the backward)."""
        t = np.tanh((query @ self.query_kernel)[:, None, :] + keys)   # T = tanh(q W_q + K W_k)
        return t @ self.score_kernel, t                               # S = T v

    def step_scores_backward(self, dscores, t, keys, dkeys, grads):
        """dS (N, Tv) → (dq (N, H), d(q W_q) (N, A)); adds d(K W_k) into dkeys and dv into
        grads. dW_q is left to ``steps_backward``, after the loop."""
        grads[2] += dscores.reshape(-1) @ t.reshape(-1, self.units)      # S = T v  ->  dv = Σ dS T
        dpre = dscores[..., None] * self.score_kernel * (1.0 - t * t)     # T = tanh(pre)
        dkeys += dpre                                                     # pre = q W_q + K W_k [j]
        dq_proj = dpre.sum(axis=1)                                        #     -> d(q W_q) = Σ_j dpre
        return dq_proj @ self.query_kernel.T, dq_proj                     # dq = d(q W_q) W_qᵀ

    def steps_backward(self, queries, dquery_proj, dscores, saved, dkeys, grads):
        """After the loop: queries q_t and d(q_t W_q) (T, N, ·) → dW_q = Σ_t q_tᵀ d(q_t W_q) into
        grads, one GEMM. dv and d(K W_k) were added step by step: their per-step terms are
        (N, Tv, A) arrays, too large to keep for every step. (dscores, saved and dkeys are
        ``GeneralAttention``'s, which sums its keys' gradient here.)"""
        grads[0] += gemm_over_time(queries, dquery_proj)

    def project_keys_backward(self, dkeys, values, grads):
        """d(K W_k) summed over the steps → dV (N, Tv, H); adds dW_k into grads."""
        grads[1] += values.reshape(-1, self.dim).T @ dkeys.reshape(-1, self.units)   # dW_k = Vᵀ d(V W_k)
        return matmul_rows(dkeys, self.key_kernel.T)


class GeneralAttention(ScoreAttention):
    """Luong's "general" scores qᵀ W_a k."""
    weight_names = ("kernel",)

    def __init__(self, dim: int, dtype="float32", rng: np.random.Generator | None = None,
                 name: str = "attention"):
        super().__init__(dtype, name)
        self.dim = int(dim)
        rng = rng if rng is not None else np.random.default_rng()
        self.kernel = glorot_uniform(rng, (self.dim, self.dim), self.dtype)

    @property
    def query_projection_dim(self) -> int:
        """The width of q W_a, whose gradient each step of a loop hands back (H)."""
        return self.dim

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

    # --- one query step (attention inside the recurrence); the keys are V itself --------
    def project_keys(self, values):
        return values

    def step_scores(self, query, keys):
        """q (N, H), keys V (N, Tv, H) → (S (N, Tv), q W_a (N, H) for the backward)."""
        projected = query @ self.kernel                                   # q W_a
        return (keys @ projected[:, :, None])[..., 0], projected          # S_j = (q W_a) · v_j

    def step_scores_backward(self, dscores, projected, keys, dkeys, grads):
        """dS (N, Tv) → (dq (N, H), dP = d(q W_a) (N, H)); dV and dW_a are left to
        ``steps_backward``, after the loop."""
        dprojected = (dscores[:, None, :] @ keys)[:, 0]                   # S_j = P · v_j  ->  dP = Σ_j dS_j v_j
        return dprojected @ self.kernel.T, dprojected                     # P = q W_a      ->  dq = dP W_aᵀ

    def steps_backward(self, queries, dprojected, dscores, saved, dkeys, grads):
        """After the loop: queries q_t, dP_t and dS_t (T, N, ·), the steps' P_t (``saved``) →
        dW_a = Σ_t q_tᵀ dP_t into grads and dv_j = Σ_t dS_t,j P_t into dkeys, each one product
        over all the steps instead of a sum of T small ones inside the loop."""
        grads[0] += gemm_over_time(queries, dprojected)                 # P = q W_a     ->  dW_a = Σ_t qᵀ dP
        dkeys += outer_over_time(dscores, np.stack(saved))              # S_j = P · v_j ->  dv_j = Σ_t dS_j P

    def project_keys_backward(self, dkeys, values, grads):
        return dkeys                                                      # the keys were V itself
