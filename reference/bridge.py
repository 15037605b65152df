"""Weights between npseq2seq and Keras, and the Keras-free export.

The two sides list their weights in the same order (Keras's training-model
``get_weights()``: encoder kernel, recurrent_kernel, bias, decoder kernel,
recurrent_kernel, bias, dense kernel, bias), so moving weights is a copy; these
functions only add the checks (same count, same shapes) and the dtype cast.
"""
from __future__ import annotations

import numpy as np

__all__ = ["to_keras", "from_keras", "check_same_layout", "export_keras_model",
           "seq2seq_from_keras"]


def check_same_layout(np_weights, keras_weights) -> None:
    """Raise ValueError unless the two weight lists have the same length and shapes."""
    np_weights, keras_weights = list(np_weights), list(keras_weights)
    if len(np_weights) != len(keras_weights):
        raise ValueError(f"npseq2seq has {len(np_weights)} weight arrays, "
                         f"Keras has {len(keras_weights)}")
    for k, (a, b) in enumerate(zip(np_weights, keras_weights)):
        if np.shape(a) != np.shape(b):
            raise ValueError(f"weight {k}: npseq2seq shape {np.shape(a)} != Keras shape {np.shape(b)}")


def to_keras(np_model, keras_model) -> None:
    """Copy npseq2seq weights into a Keras training model (cast to the Keras dtype)."""
    target = keras_model.get_weights()
    source = np_model.get_weights()
    check_same_layout(source, target)
    keras_model.set_weights([np.asarray(w, dtype=t.dtype) for w, t in zip(source, target)])


def from_keras(keras_model, np_model) -> None:
    """Copy a Keras training model's weights into an npseq2seq model (cast to its dtype)."""
    source = keras_model.get_weights()
    target = np_model.get_weights()
    check_same_layout(target, source)
    np_model.set_weights([np.asarray(w, dtype=t.dtype) for w, t in zip(source, target)])


def _sizes_from_keras(keras_model):
    """(num_encoder_tokens, num_decoder_tokens, latent_dim, cell, dtype) from the weights."""
    weights = keras_model.get_weights()
    if len(weights) != 8:
        raise ValueError(f"expected the tutorial's training model (8 weight arrays), got {len(weights)}")
    enc_kernel, enc_rec, _, dec_kernel, *_ = weights
    latent_dim, gates_units = enc_rec.shape
    gates = gates_units // latent_dim
    cell = {4: "lstm", 3: "gru"}.get(gates)
    if cell is None or gates * latent_dim != gates_units:
        raise ValueError(f"recurrent kernel shape {enc_rec.shape} is neither LSTM nor GRU")
    return enc_kernel.shape[0], dec_kernel.shape[0], latent_dim, cell, enc_kernel.dtype.name


def seq2seq_from_keras(keras_model, vocab=None):
    """A new npseq2seq ``Seq2Seq`` of the Keras model's sizes, cell and dtype, with its weights."""
    from npseq2seq import Seq2Seq

    ve, vd, latent_dim, cell, dtype = _sizes_from_keras(keras_model)
    if vocab is not None and (vocab.num_encoder_tokens, vocab.num_decoder_tokens) != (ve, vd):
        raise ValueError(f"vocabulary has {vocab.num_encoder_tokens}/{vocab.num_decoder_tokens} "
                         f"tokens, the Keras model {ve}/{vd}")
    model = Seq2Seq(ve, vd, latent_dim=latent_dim, cell=cell, dtype=dtype, vocab=vocab)
    from_keras(keras_model, model)
    return model


def export_keras_model(keras_model, vocab, path) -> None:
    """Write a Keras training model + its vocabulary as an npseq2seq ``.npz`` model file.

    Uses npseq2seq's own ``save`` so the file is exactly what ``npseq2seq`` reads
    (``npseq2seq.io.load_model(path)``), with no TensorFlow needed to use it.
    """
    seq2seq_from_keras(keras_model, vocab).save(path)
