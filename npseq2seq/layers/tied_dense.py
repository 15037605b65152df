"""TiedDense: a Dense layer whose kernel is an Embedding's table, transposed (weight tying).

Shapes: inputs (..., E), the table (V, E), kernel = tableᵀ (E, V), bias (V,), outputs (..., V).

Press & Wolf (2017, "Using the Output Embedding to Improve Language Models") and Inan et al.
(2017) score the next token with the very vectors that read tokens in: the decoder's
Embedding row of token k is both what the RNN reads for k and the direction in which a
state votes for k. The output layer then owns only its bias; the (V, E) table is learnt
from both ends, and a model of V tokens loses V·E weights (of the 256-unit recipe's 3.8
million, 770,000). OpenNMT calls it ``share_decoder_embeddings``, fairseq
``share_decoder_input_output_embed``; Keras has no layer for it, so the Keras models of
``reference/`` use a small custom layer that reads the Embedding's variable.

Forward and backward are ``Dense``'s with ``kernel`` a view of the table (no copy: an
update of the table is an update of the kernel). The kernel's gradient, d tableᵀ, is the
table's second part: ``fold_gradients`` adds it, transposed, to the Embedding's own
(the scatter-add of its lookups) once both are known, so an optimiser sees one gradient
for the one matrix, as TensorFlow sums a variable's two uses before Keras's optimiser
reads it (a dense sum, never the rows of a lookup alone).
"""
from __future__ import annotations

import numpy as np

from .base import Layer
from .dense import Dense


class TiedDense(Dense):
    """``TiedDense(embedding, activation="softmax", name=...)``: ``Dense(embedding.input_dim)``
    on ``embedding.output_dim`` features, its kernel ``embedding.embeddings.T``; its one weight
    is the bias (zeros at first, as Dense's)."""

    weight_names = ("bias",)
    tied = True

    def __init__(self, embedding, activation: str | None = "softmax", name: str = "decoder_dense"):
        Layer.__init__(self, embedding.dtype, name)
        if activation not in (None, "linear", "softmax"):
            raise ValueError(f"Dense activation must be None, 'linear' or 'softmax', got {activation!r}")
        self.embedding = embedding
        self.units, self.input_dim = embedding.input_dim, embedding.output_dim
        self.activation = None if activation == "linear" else activation
        self.bias = np.zeros(self.units, dtype=self.dtype)

    @property
    def kernel(self) -> np.ndarray:
        """The table transposed, (E, V): a view, so it is always the table's current values."""
        return self.embedding.embeddings.T

    def fold_gradients(self, grads: dict) -> dict:
        """grads {layer name: [arrays]} with this layer's [d kernel, d bias] (``backward_logits``)
        and the Embedding's [d table] (a dense array) → the kernel's part added into the table's:
        logits = x tableᵀ + b  ->  d table += (xᵀ dz)ᵀ; this layer keeps [d bias]."""
        dkernel, dbias = grads[self.name]
        dtable = grads[self.embedding.name][0]
        if not isinstance(dtable, np.ndarray):
            raise TypeError(f"{self.name}: the tied Embedding's gradient must be a dense array, "
                            f"received {type(dtable).__name__}")
        dtable += dkernel.T
        return {**grads, self.name: [dbias]}
