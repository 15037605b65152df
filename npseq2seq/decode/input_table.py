"""The decoder's input projection as a table: row ``token`` is x W + b for that token.

At character level the decoder's input is one-hot, and one-hot(k) W + b is row k of the
kernel plus b: the table is ``kernel + b`` (V, G·H), made once, and each step reads a row
instead of gathering and adding (what ``Recurrent.project_inputs`` does for a few ids,
the same additions, so the same bits).

At word level the input is the Embedding's row e_k, and e_k W + b is a (1, E) × (E, G·H)
product. The whole table E W + b would be one GEMM, but a GEMM's rows need not equal the
one-row product's to the last bit (BLAS sums in another order), and the decoding step's
reference (``decode_step``, ``decode_sequence``) computes the one-row product. So a row
is made the first time its token is read, by the layer's own projection of that one
embedding, and kept: the same numbers, and no cost for the words a model never emits.
"""
from __future__ import annotations

import numpy as np


class InputTable:
    """``InputTable(project, embedding=None, num_tokens=None)``: ``project`` maps inputs
    (T, N) ids or (T, N, E) floats to x W + b (T, N, G·H), the layer's own projection.
    ``table[token]`` → (1, G·H), read-only."""

    def __init__(self, project, embedding=None, num_tokens: int | None = None):
        self.project, self.embedding = project, embedding
        if embedding is None:            # one-hot: every row at once, the few-ids gather's sums
            table = project(np.arange(num_tokens)[:, None])          # (V, 1, G·H)
            self.rows = list(table)
        else:
            self.rows = [None] * embedding.input_dim

    def __getitem__(self, token: int) -> np.ndarray:
        row = self.rows[token]
        if row is None:                  # word level: e_k W + b as the one-row product
            vectors = self.embedding.embeddings[token][None, None]   # (T=1, N=1, E)
            row = self.rows[token] = self.project(vectors)[0]
        return row
