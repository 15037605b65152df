"""Embedding: token ids → rows of a table, the word-level model's input layer.

Shapes: ids (N, T) integers in [0, V), embeddings (V, E), outputs (N, T, E).

Forward is a row gather, ``outputs[n, t] = embeddings[ids[n, t]]``: the same
as one-hot(ids) @ embeddings, without building the one-hot tensor. Backward is
therefore the transposed gather, a scatter-add: each row of the table receives
the sum of the gradients of every position where its token appeared (a word
seen five times in a batch gets five contributions).

``mask_zero=True`` marks id 0 as padding (Keras's convention): ``compute_mask``
gives the (N, T) boolean mask that recurrent layers and the loss use to skip
padded steps.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..ops import RowGradient, scatter_add_rows
from .base import Layer


class EmbeddingCache(NamedTuple):
    ids: np.ndarray      # (N, T)


class Embedding(Layer):
    weight_names = ("embeddings",)

    def __init__(self, input_dim: int, output_dim: int, mask_zero: bool = False,
                 dtype="float32", rng: np.random.Generator | None = None, name="embedding"):
        super().__init__(dtype, name)
        if int(input_dim) < 1 or int(output_dim) < 1:
            raise ValueError(f"Embedding: input_dim and output_dim must be >= 1, "
                             f"got input_dim={input_dim}, output_dim={output_dim}")
        self.input_dim, self.output_dim, self.mask_zero = int(input_dim), int(output_dim), bool(mask_zero)
        rng = rng if rng is not None else np.random.default_rng()
        # Keras's default "uniform" initializer: U(-0.05, 0.05)
        self.embeddings = rng.uniform(-0.05, 0.05, size=(self.input_dim, self.output_dim)).astype(self.dtype)

    def forward(self, ids: np.ndarray):
        ids = np.asarray(ids)
        if not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"{self.name}: inputs must be integer token ids, received dtype {ids.dtype}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.input_dim):
            raise ValueError(f"{self.name}: token ids must lie in [0, {self.input_dim}), "
                             f"received min {ids.min()}, max {ids.max()}")
        return self.embeddings[ids], EmbeddingCache(ids)

    def backward(self, doutputs: np.ndarray, cache: EmbeddingCache, as_rows: bool = False):
        """Returns (None, [dembeddings]): ids have no gradient.

        as_rows: the gradient as TensorFlow hands it to Keras's optimizers, one row per
        lookup (a ``RowGradient``, Keras's ``tf.IndexedSlices``), instead of the (V, E) table;
        RMSprop and Adam square those rows before summing them (``optimizers/base.py``).
        """
        ids, rows = cache.ids.reshape(-1), doutputs.reshape(-1, self.output_dim)
        if as_rows:
            return None, [RowGradient(ids, rows, self.input_dim)]
        # out = E[ids]  ->  dE[k] = Σ over positions holding k of dout
        return None, [scatter_add_rows(self.input_dim, ids, rows)]

    def compute_mask(self, ids: np.ndarray) -> np.ndarray | None:
        return (np.asarray(ids) != 0) if self.mask_zero else None
