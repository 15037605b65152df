"""Weights between npseq2seq and Keras, and the Keras-free export.

The two sides list their weights in the same order (Keras's training-model
``get_weights()``: encoder kernel, recurrent_kernel, bias, decoder kernel,
recurrent_kernel, bias, dense kernel, bias; the word-level model has its two Embedding
tables first), so moving weights is a copy; these functions only add the checks (same
count, same shapes) and the dtype cast.
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


def _deep_sizes(keras_model, rnns) -> dict:
    """Seq2Seq's arguments of a training model of ``reference.deep``: num_layers from the
    RNN layers (half of them the encoder's), bidirectional from a Bidirectional among them;
    the weights' shapes are checked when they are copied (``from_keras``)."""
    bidirectional = any(type(layer).__name__ == "Bidirectional" for layer in rnns)
    first = rnns[0].forward_layer if bidirectional else rnns[0]
    embeddings = [layer for layer in keras_model.layers if type(layer).__name__ == "Embedding"]
    dense = [layer for layer in keras_model.layers if type(layer).__name__ == "Dense"]
    if len(rnns) % 2 or len(dense) != 1 or len(embeddings) not in (0, 2):
        raise ValueError(f"unsupported model: {[layer.name for layer in keras_model.layers]}")
    sizes = dict(num_decoder_tokens=dense[0].units, latent_dim=first.units,
                 cell=type(first).__name__.lower(), dtype=keras_model.get_weights()[0].dtype.name,
                 level="word" if embeddings else "char",
                 attention="luong" if any(type(layer).__name__ == "Attention" for layer in keras_model.layers)
                 else None, num_layers=len(rnns) // 2, bidirectional=bidirectional)
    cells = [getattr(layer, "forward_layer", layer) for layer in rnns]
    if sizes["cell"] == "gru":
        modes = {layer.reset_after for layer in cells}
        if len(modes) > 1:
            raise ValueError("unsupported model: GRUs with and without reset_after; Seq2Seq's GRUs "
                             "share one mode")
        sizes["reset_after"] = modes.pop()
    if embeddings:        # the encoder's Embedding is listed first
        sizes.update(num_encoder_tokens=embeddings[0].input_dim, mask_zero=embeddings[0].mask_zero)
    else:                 # one-hot rows (N, T, Ve)
        sizes["num_encoder_tokens"] = keras_model.inputs[0].shape[-1]
    return sizes


def _sizes_from_keras(keras_model) -> dict:
    """Seq2Seq's arguments (sizes, cell, dtype, level, mask_zero, attention) read off a Keras
    training model of ``reference.models`` or ``reference.attention`` (see
    ``seq2seq_from_keras``); ValueError naming what else it finds."""
    rnns = [layer for layer in keras_model.layers
            if type(layer).__name__ in ("LSTM", "GRU", "Bidirectional")]
    if len(rnns) > 2 or any(type(layer).__name__ == "Bidirectional" for layer in rnns):
        return _deep_sizes(keras_model, rnns)
    weights = keras_model.get_weights()
    level = {8: "char", 10: "word"}.get(len(weights))
    if level is None:
        raise ValueError("unsupported model: expected a training model of reference.models or "
                         "reference.attention, with 8 weight arrays (character level) or 10 "
                         f"(word level), got {len(weights)}")
    first = 2 if level == "word" else 0        # the two Embedding tables come first
    enc_kernel, enc_rec, enc_bias, dec_kernel, _, dec_bias, dense_kernel, _ = weights[first:]
    enc_input, dec_input = (weights[0], weights[1]) if level == "word" else (enc_kernel, dec_kernel)
    latent_dim, gates_units = enc_rec.shape
    gates = gates_units // latent_dim
    cell = {4: "lstm", 3: "gru"}.get(gates)
    if cell is None or gates * latent_dim != gates_units:
        raise ValueError(f"recurrent kernel shape {enc_rec.shape} is neither LSTM nor GRU")
    # a GRU's bias tells its mode: (2, 3H) with reset_after (Keras 3's default), (3H,) without
    if cell == "gru" and enc_bias.ndim != dec_bias.ndim:
        raise ValueError(f"unsupported model: one GRU with reset_after and one without (biases "
                         f"{enc_bias.shape}, {dec_bias.shape}); Seq2Seq's GRUs share one mode")
    # Keras's Attention() adds no weights: its layer, and the Dense reading [decoder output;
    # context], are what tell the attention model from the tutorial's
    attention = any(type(layer).__name__ == "Attention" for layer in keras_model.layers)
    if dense_kernel.shape[0] != (2 if attention else 1) * latent_dim:
        raise ValueError(f"unsupported model: Dense kernel {dense_kernel.shape} "
                         f"{'with' if attention else 'without'} an Attention layer, for "
                         f"{latent_dim} units; expected ({latent_dim}, V) without attention or "
                         f"({2 * latent_dim}, V) with Attention()([decoder outputs, encoder outputs]) "
                         "concatenated to the decoder outputs")
    sizes = dict(num_encoder_tokens=enc_input.shape[0], num_decoder_tokens=dec_input.shape[0],
                 latent_dim=latent_dim, cell=cell, dtype=enc_kernel.dtype.name, level=level,
                 attention="luong" if attention else None)
    if cell == "gru":
        sizes["reset_after"] = enc_bias.ndim == 2
    if level == "word":
        sizes["mask_zero"] = any(getattr(layer, "mask_zero", False) for layer in keras_model.layers)
    return sizes


def seq2seq_from_keras(keras_model, vocab=None):
    """A new npseq2seq ``Seq2Seq`` of the Keras model's sizes, cell, dtype and level (and
    mask_zero, attention, num_layers and bidirectional), with its weights.

    Supported: the training models of ``reference.deep`` (stacked layers, bidirectional
    encoders), of ``reference.models`` (the tutorial's, LSTM or GRU, and the word-level
    one, with or without mask_zero; the FAQ's model without teacher forcing has the same
    weights and comes back teacher-forced) and of
    ``reference.attention`` (``attention="luong"``), with LSTMs or GRUs (``reset_after``
    True or False, read off the GRUs). The weights' count and shapes and the layers'
    types tell them apart; what they show to be another model (GRUs of two modes, an
    attention layer with weights, a Dense of another width) is refused with a ValueError.
    """
    from npseq2seq import Seq2Seq

    sizes = _sizes_from_keras(keras_model)
    ve, vd = sizes["num_encoder_tokens"], sizes["num_decoder_tokens"]
    if vocab is not None and (vocab.num_encoder_tokens, vocab.num_decoder_tokens) != (ve, vd):
        raise ValueError(f"vocabulary has {vocab.num_encoder_tokens}/{vocab.num_decoder_tokens} "
                         f"tokens, the Keras model {ve}/{vd}")
    model = Seq2Seq(**sizes, vocab=vocab)
    from_keras(keras_model, model)
    return model


def export_keras_model(keras_model, vocab, path) -> None:
    """Write a Keras training model + its vocabulary as an npseq2seq ``.npz`` model file.

    Uses npseq2seq's own ``save`` so the file is exactly what ``npseq2seq`` reads
    (``npseq2seq.io.load_model(path)``), with no TensorFlow needed to use it.
    """
    seq2seq_from_keras(keras_model, vocab).save(path)
