"""The FAQ's word-level model ("What if I want to use a word-level model with integer
sequences?"), in Keras 3: ``Embedding`` layers in front of the tutorial's RNNs, its
sampling models (which the FAQ leaves to the reader) and greedy decoding of ids.
"""
from __future__ import annotations

import keras
import numpy as np

from .common import _call, _rnn, _rnn_layers, _sampling_models

__all__ = ["build_word_training_model", "build_word_inference_models", "decode_word_sequence"]


def build_word_training_model(num_encoder_tokens: int, num_decoder_tokens: int,
                              latent_dim: int = 256, cell: str = "lstm", mask_zero: bool = False,
                              compile: bool = True, reset_after: bool = True) -> keras.Model:
    """FAQ "What if I want to use a word-level model with integer sequences?".

    Inputs are integer token ids (N, T); targets one-hot (N, T, num_decoder_tokens) as in
    the FAQ, or integer ids with ``sparse_categorical_crossentropy``.
    Weight order (Keras 3.15, topological): [enc embedding, dec embedding, enc kernel,
    enc recurrent_kernel, enc bias, dec kernel, dec recurrent_kernel, dec bias,
    dense kernel, dense bias].

    ``cell="gru"``: GRU layers, one state (as the FAQ's GRU answer does to the char model).
    ``mask_zero=True`` (not in the FAQ): ``Embedding(..., mask_zero=True)``, so id 0 is
    padding: both RNNs skip padded steps (states carried over), and the mask travels with
    the decoder's outputs through the Dense layer into the loss, which then averages over
    the unmasked (sample, step) rows only (``losses/loss.py`` ``apply_mask``).
    """
    # Define an input sequence and process it.
    encoder_inputs = keras.Input(shape=(None,))
    x = keras.layers.Embedding(num_encoder_tokens, latent_dim, mask_zero=mask_zero)(encoder_inputs)
    # FAQ: `x, state_h, state_c = LSTM(latent_dim, return_state=True)(x)`
    x, *encoder_states = _rnn(cell, latent_dim, reset_after, return_state=True)(x)

    # Set up the decoder, using `encoder_states` as initial state.
    decoder_inputs = keras.Input(shape=(None,))
    x = keras.layers.Embedding(num_decoder_tokens, latent_dim, mask_zero=mask_zero)(decoder_inputs)
    # FAQ: `x = LSTM(latent_dim, return_sequences=True)(x, initial_state=encoder_states)`;
    # return_state=True is added so the inference decoder can reuse the layer (same weights
    # and outputs).
    x, *_ = _rnn(cell, latent_dim, reset_after, return_sequences=True, return_state=True)(
        x, initial_state=encoder_states)
    decoder_outputs = keras.layers.Dense(num_decoder_tokens, activation="softmax")(x)

    # Define the model that will turn
    # `encoder_input_data` & `decoder_input_data` into `decoder_target_data`
    model = keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)

    # Compile & run training
    if compile:
        model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    # Note that `decoder_target_data` needs to be one-hot encoded,
    # rather than sequences of integers like `decoder_input_data`!
    return model


def build_word_inference_models(model: keras.Model):
    """Sampling models for the word-level model (the FAQ leaves them to the reader).

    Built the same way as the character-level ones, reusing the trained layers:
    ``encoder_model(ids) -> [h, c]`` (GRU: ``h``),
    ``decoder_model([ids (N, 1), h, c]) -> [probs (N, 1, V), h, c]`` (GRU: one state).
    """
    encoder_rnn, decoder_rnn, dense = _rnn_layers(model)
    decoder_embedding = next(layer for layer in model.layers if isinstance(layer, keras.layers.Embedding)
                             and layer.input is model.inputs[1])
    return _sampling_models(model.input[0], encoder_rnn, model.input[1], decoder_rnn, dense,
                            decoder_embedding)


def decode_word_sequence(input_seq, encoder_model, decoder_model, start_id, end_id,
                         max_decoder_seq_length):
    """Greedy decoding for the word-level model; returns the list of token ids
    (the end id included when produced), with the tutorial's stop rule."""
    states_value = _call(encoder_model, np.asarray(input_seq))
    if not isinstance(states_value, list):  # GRU: a single state
        states_value = [states_value]
    target_seq = np.array([[start_id]], dtype="int32")
    decoded = []
    while True:
        output_tokens, *states_value = _call(decoder_model, [target_seq] + states_value)
        sampled = int(np.argmax(output_tokens[0, -1, :]))
        decoded.append(sampled)
        if sampled == end_id or len(decoded) > max_decoder_seq_length:
            return decoded
        target_seq = np.array([[sampled]], dtype="int32")
