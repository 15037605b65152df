"""Weight tying in Keras: the Dense softmax whose kernel is the decoder Embedding's table,
transposed (npseq2seq's ``tie_embeddings``; ``layers/tied_dense.py``).

Keras has no layer for it, so this is the small custom layer a Keras user writes: it owns a
bias and reads the Embedding's ``embeddings`` variable at every call,

    softmax(y @ transpose(embeddings) + bias)

so TensorFlow differentiates the one variable through both of its uses (the lookup and this
product) and sums the two parts before the optimiser reads them. The Embedding layer is held
by a function, not as an attribute: Keras tracks a layer stored on another and would list the
table twice among the model's weights; this way ``model.get_weights()`` lists the table once
(with its Embedding) and this layer's bias last, npseq2seq's order.
"""
from __future__ import annotations

import keras
from keras import ops


class TiedDense(keras.layers.Layer):
    """``TiedDense(embedding)``: Dense(embedding.input_dim, activation="softmax") whose kernel
    is ``embedding.embeddings``ᵀ; its one weight is ``bias`` (zeros)."""

    def __init__(self, embedding: keras.layers.Embedding, **kwargs):
        super().__init__(**kwargs)
        self._table = lambda: embedding.embeddings      # untracked: the table stays the Embedding's
        self.units = embedding.input_dim
        self.supports_masking = True      # as Dense: the padding mask passes on to the loss

    def build(self, input_shape):
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, inputs):
        # keras.activations.softmax, as Dense(activation="softmax") calls it: it tags the output
        # with its logits, from which the loss is computed (Keras's fused softmax cross-entropy)
        return keras.activations.softmax(ops.matmul(inputs, ops.transpose(self._table())) + self.bias)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

