"""The tutorial's character model with ``Masking(mask_value=0.0)`` on both inputs, in Keras 3:
the reference for ``Seq2Seq(..., mask_padding=True)``.

Not in the tutorial: the change a Keras user makes to stop the encoder reading the
zero padding after a short input (keras-io#1906, keras#14161: "the model gives the same
output whatever the input"), written as such a user writes it, one ``Masking()`` after
each ``Input``::

    x = Masking(mask_value=0.0)(encoder_inputs)
    _, *encoder_states = LSTM(latent_dim, return_state=True)(x)
    x = Masking(mask_value=0.0)(decoder_inputs)
    x, *_ = LSTM(latent_dim, return_sequences=True, return_state=True)(
        x, initial_state=encoder_states)
    decoder_outputs = Dense(num_decoder_tokens, activation="softmax")(x)

The data must be zero-padded (the 2017 blog's all-zero rows): space padding is a real
one-hot row that ``Masking`` cannot tell from a space. What Keras 3 then does with the
masks (the encoder skips padded steps; the decoder, also given ``initial_state``, is
not given its mask and runs over them; the loss averages over the decoder input's real
steps) is written down in ``npseq2seq/model/masking.py`` and checked by
``tests/model/test_parity_masking.py``.

Weight order (``get_weights()``): the tutorial model's; ``Masking`` has no weights.
Inference models: the tutorial's, on the trained layers, with the Masking layers in
front of each input (``encoder_model`` masks its input's padding as the training model
does).
"""
from __future__ import annotations

import keras

from .common import _rnn, _rnn_layers, _sampling_models

__all__ = ["build_masked_training_model", "build_masked_inference_models"]

ENCODER_MASKING, DECODER_MASKING = "encoder_masking", "decoder_masking"


def build_masked_training_model(num_encoder_tokens: int, num_decoder_tokens: int,
                                latent_dim: int = 256, cell: str = "lstm",
                                compile: bool = True, reset_after: bool = True) -> keras.Model:
    """The tutorial's ``model`` with ``Masking()`` after each input (LSTM or GRU)."""
    encoder_inputs = keras.Input(shape=(None, num_encoder_tokens))
    x = keras.layers.Masking(mask_value=0.0, name=ENCODER_MASKING)(encoder_inputs)
    # We discard `encoder_outputs` and only keep the states.
    _, *encoder_states = _rnn(cell, latent_dim, reset_after, return_state=True)(x)

    decoder_inputs = keras.Input(shape=(None, num_decoder_tokens))
    x = keras.layers.Masking(mask_value=0.0, name=DECODER_MASKING)(decoder_inputs)
    x, *_ = _rnn(cell, latent_dim, reset_after, return_sequences=True, return_state=True)(
        x, initial_state=encoder_states)
    decoder_outputs = keras.layers.Dense(num_decoder_tokens, activation="softmax")(x)

    model = keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)
    if compile:
        model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    return model


def build_masked_inference_models(model: keras.Model):
    """(encoder_model, decoder_model) on the trained layers: ``encoder_model(x) -> [h, c]``
    (GRU: ``[h]``), ``decoder_model([target (N, 1, V), *states]) -> [probs, *states]``."""
    encoder_rnn, decoder_rnn, dense = _rnn_layers(model)
    return _sampling_models(model.input[0], encoder_rnn, model.input[1], decoder_rnn, dense,
                            model.get_layer(DECODER_MASKING))
