"""The keras-io tutorial's models, in Keras 3 (TensorFlow backend), builders taking the sizes.

Source: keras-io ``examples/nlp/lstm_seq2seq.py`` ("Character-level recurrent
sequence-to-sequence model", the Keras 3 port of F. Chollet's 2017 blog post "A
ten-minute introduction to sequence-to-sequence learning in Keras") and the FAQ
section of the blog post (GRU, word-level Embedding, no teacher forcing).

Each builder follows the tutorial line by line; the tutorial's own lines are
quoted in comments where the code differs. Places where Keras 3 forces a change
are marked ``KERAS 3:``.

The dtype of every layer is the global ``keras.config.floatx()`` at the time the
builder runs (a layer takes its dtype policy when it is constructed); use
``floatx("float64")`` around a builder call to get a float64 model.

This file is the character level; the FAQ's word level and its model without teacher
forcing are ``word_models.py`` and ``no_teacher_forcing.py``, and what every builder
shares (``CELLS``, ``floatx``, the sampling models) ``common.py``; all are importable
from here as before.
"""
from __future__ import annotations

import keras
import numpy as np

from .common import _COMPILED, CELLS, _call, _rnn, _rnn_layers, _sampling_models, floatx  # noqa: F401
from .no_teacher_forcing import (
    build_no_teacher_forcing_inference_models,
    build_no_teacher_forcing_model,
    start_token_input,
)
from .word_models import build_word_inference_models, build_word_training_model, decode_word_sequence

__all__ = [
    "floatx",
    "build_training_model",
    "build_inference_models",
    "decode_sequence",
    "build_word_training_model",
    "build_word_inference_models",
    "decode_word_sequence",
    "build_no_teacher_forcing_model",
    "build_no_teacher_forcing_inference_models",
    "start_token_input",
    "CELLS",
]


# --------------------------------------------------------------------------- character level


def build_training_model(num_encoder_tokens: int, num_decoder_tokens: int,
                         latent_dim: int = 256, cell: str = "lstm",
                         compile: bool = True, reset_after: bool = True) -> keras.Model:
    """The tutorial's ``model``: ([encoder_input_data, decoder_input_data]) -> decoder_target_data.

    LSTM: weights in ``get_weights()`` order [enc kernel, enc recurrent_kernel, enc bias,
    dec kernel, dec recurrent_kernel, dec bias, dense kernel, dense bias]; GRU: the same
    with GRU weights (bias (2, 3*latent_dim)).
    ``compile=True`` compiles it as the tutorial does (rmsprop, categorical_crossentropy,
    accuracy); tests usually recompile with their own optimizer objects.
    """
    # Define an input sequence and process it.
    encoder_inputs = keras.Input(shape=(None, num_encoder_tokens))
    encoder = _rnn(cell, latent_dim, reset_after, return_state=True)
    if cell == "lstm":
        encoder_outputs, state_h, state_c = encoder(encoder_inputs)
        # We discard `encoder_outputs` and only keep the states.
        encoder_states = [state_h, state_c]
    else:
        # FAQ (GRU): `encoder_outputs, state_h = encoder(encoder_inputs)`
        encoder_outputs, state_h = encoder(encoder_inputs)
        encoder_states = [state_h]

    # Set up the decoder, using `encoder_states` as initial state.
    decoder_inputs = keras.Input(shape=(None, num_decoder_tokens))

    # We set up our decoder to return full output sequences,
    # and to return internal states as well. We don't use the
    # return states in the training model, but we will use them in inference.
    # (The FAQ's GRU decoder is `GRU(latent_dim, return_sequences=True)` without
    # return_state; return_state=True is added here so that the inference decoder can
    # reuse the layer, as the LSTM version does. It does not change the weights or the
    # outputs.)
    decoder_rnn = _rnn(cell, latent_dim, reset_after, return_sequences=True, return_state=True)
    decoder_outputs, *_ = decoder_rnn(decoder_inputs, initial_state=encoder_states)
    decoder_dense = keras.layers.Dense(num_decoder_tokens, activation="softmax")
    decoder_outputs = decoder_dense(decoder_outputs)

    # Define the model that will turn
    # `encoder_input_data` & `decoder_input_data` into `decoder_target_data`
    model = keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)
    if compile:
        model.compile(optimizer="rmsprop", loss="categorical_crossentropy",
                      metrics=["accuracy"])
    return model


def build_inference_models(model: keras.Model):
    """The tutorial's sampling models, rebuilt from the (trained) layers of ``model``.

    Returns (encoder_model, decoder_model):
    ``encoder_model.predict(x) -> [h, c]`` (GRU: ``h`` alone, as a single array),
    ``decoder_model.predict([target_seq, h, c]) -> [output_tokens, h, c]``
    (GRU: ``[target_seq, h] -> [output_tokens, h]``).
    """
    encoder_rnn, decoder_rnn, decoder_dense = _training_layers(model)
    latent_dim = encoder_rnn.units
    is_lstm = isinstance(encoder_rnn, keras.layers.LSTM)

    # Define sampling models
    # Restore the model and construct the encoder and decoder.
    encoder_inputs = model.input[0]  # input_1
    if is_lstm:
        encoder_outputs, state_h_enc, state_c_enc = encoder_rnn.output  # lstm_1
        encoder_states = [state_h_enc, state_c_enc]
    else:
        encoder_outputs, state_h_enc = encoder_rnn.output
        encoder_states = [state_h_enc]
    encoder_model = keras.Model(encoder_inputs, encoder_states)

    decoder_inputs = model.input[1]  # input_2
    decoder_state_input_h = keras.Input(shape=(latent_dim,))
    if is_lstm:
        decoder_state_input_c = keras.Input(shape=(latent_dim,))
        decoder_states_inputs = [decoder_state_input_h, decoder_state_input_c]
        decoder_outputs, state_h_dec, state_c_dec = decoder_rnn(
            decoder_inputs, initial_state=decoder_states_inputs
        )
        decoder_states = [state_h_dec, state_c_dec]
    else:
        decoder_states_inputs = [decoder_state_input_h]
        decoder_outputs, state_h_dec = decoder_rnn(
            decoder_inputs, initial_state=decoder_states_inputs
        )
        decoder_states = [state_h_dec]
    decoder_outputs = decoder_dense(decoder_outputs)
    decoder_model = keras.Model(
        [decoder_inputs] + decoder_states_inputs, [decoder_outputs] + decoder_states
    )
    return encoder_model, decoder_model


def _training_layers(model):
    """(encoder rnn, decoder rnn, dense) of a training model.

    The tutorial indexes ``model.layers[2]``, ``[3]``, ``[4]``; with Keras 3.15 the
    layer list is [input_layer, input_layer_1, lstm, lstm_1, dense], so the same
    indices hold. They are checked rather than trusted.
    """
    layers = model.layers
    encoder_rnn, decoder_rnn, decoder_dense = layers[2], layers[3], layers[4]
    rnn_types = (keras.layers.LSTM, keras.layers.GRU)
    if not (isinstance(encoder_rnn, rnn_types) and isinstance(decoder_rnn, rnn_types)
            and isinstance(decoder_dense, keras.layers.Dense)
            and encoder_rnn.return_state and decoder_rnn.return_sequences):
        raise ValueError(f"not a tutorial training model: layers {[layer.name for layer in layers]}")
    return encoder_rnn, decoder_rnn, decoder_dense


def decode_sequence(input_seq, encoder_model, decoder_model, target_token_index,
                    reverse_target_char_index, max_decoder_seq_length, num_decoder_tokens):
    """The tutorial's greedy ``decode_sequence``, with its globals passed as arguments.

    ``input_seq`` is one encoder input (1, T_e, V_e). The decoded string includes the
    end character ``"\\n"`` when one is produced, and stops after more than
    ``max_decoder_seq_length`` characters otherwise (the tutorial's ``>``, so at most
    max_decoder_seq_length + 1 characters).

    The tutorial calls ``encoder_model.predict`` / ``decoder_model.predict`` once per
    character; ``predict`` builds a fresh data pipeline on every call, so this function
    runs the same forward pass through a cached ``tf.function`` instead (see ``_call``),
    with the same numbers, many times faster.
    """
    dtype = keras.config.floatx() if decoder_model.inputs[0].dtype is None \
        else decoder_model.inputs[0].dtype
    # Encode the input as state vectors.
    states_value = _call(encoder_model, np.asarray(input_seq, dtype))
    if not isinstance(states_value, list):  # GRU: a single state
        states_value = [states_value]

    # Generate empty target sequence of length 1.
    target_seq = np.zeros((1, 1, num_decoder_tokens), dtype)
    # Populate the first character of target sequence with the start character.
    target_seq[0, 0, target_token_index["\t"]] = 1.0

    # Sampling loop for a batch of sequences
    # (to simplify, here we assume a batch of size 1).
    stop_condition = False
    decoded_sentence = ""
    while not stop_condition:
        output_tokens, *states_value = _call(decoder_model, [target_seq] + states_value)

        # Sample a token
        sampled_token_index = int(np.argmax(output_tokens[0, -1, :]))
        sampled_char = reverse_target_char_index[sampled_token_index]
        decoded_sentence += sampled_char

        # Exit condition: either hit max length
        # or find stop character.
        if sampled_char == "\n" or len(decoded_sentence) > max_decoder_seq_length:
            stop_condition = True

        # Update the target sequence (of length 1).
        target_seq = np.zeros((1, 1, num_decoder_tokens), dtype)
        target_seq[0, 0, sampled_token_index] = 1.0

        # Update states: `states_value = [h, c]` (done by the unpacking above)
    return decoded_sentence
