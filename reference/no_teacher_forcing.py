"""The FAQ's model without teacher forcing ("What if I don't want to use teacher forcing
for training?"), in Keras 3: the decoder run one step at a time on its own output, its
sampling models, and the start-character input it trains on.
"""
from __future__ import annotations

import keras
import numpy as np

from .common import _rnn, _rnn_layers, _sampling_models

__all__ = ["build_no_teacher_forcing_model", "build_no_teacher_forcing_inference_models", "start_token_input"]


def build_no_teacher_forcing_model(num_encoder_tokens: int, num_decoder_tokens: int,
                                   max_decoder_seq_length: int, latent_dim: int = 256,
                                   cell: str = "lstm", compile: bool = True,
                                   reset_after: bool = True) -> keras.Model:
    """FAQ "What if I don't want to use teacher forcing for training?".

    The decoder runs one step at a time, its softmax output fed back as the next input;
    the ``max_decoder_seq_length`` outputs are concatenated along time. Input 2 is the
    start-character one-hot only, shape (N, 1, num_decoder_tokens) (``start_token_input``).
    Weights in the same order as the teacher-forced model of the same cell.
    ``cell="gru"``: the FAQ's GRU answer applied to this model (one state).

    Loss note: the model output is a concatenation, not a softmax, so Keras's
    categorical_crossentropy cannot find the logits and takes its *probability* path
    (renormalise, clip to [1e-7, 1 - 1e-7], -Σ y log p): see ``tests``.

    (Over 50 lines: the FAQ's code line by line with its comments, so that it can be read
    against the FAQ; split up, it would no longer be the FAQ's model as a user writes it.)
    """
    # The first part is unchanged
    encoder_inputs = keras.Input(shape=(None, num_encoder_tokens))
    encoder = _rnn(cell, latent_dim, reset_after, return_state=True)
    # FAQ: `encoder_outputs, state_h, state_c = encoder(encoder_inputs)`
    encoder_outputs, *states = encoder(encoder_inputs)

    # Set up the decoder, which will only process one timestep at a time.
    decoder_inputs = keras.Input(shape=(1, num_decoder_tokens))
    decoder_rnn = _rnn(cell, latent_dim, reset_after, return_sequences=True, return_state=True)
    decoder_dense = keras.layers.Dense(num_decoder_tokens, activation="softmax")

    all_outputs = []
    inputs = decoder_inputs
    for _ in range(max_decoder_seq_length):
        # Run the decoder on one timestep
        # FAQ: `outputs, state_h, state_c = decoder_lstm(inputs, initial_state=states)`
        outputs, *new_states = decoder_rnn(inputs, initial_state=states)
        outputs = decoder_dense(outputs)
        # Store the current prediction (we will concatenate all predictions later)
        all_outputs.append(outputs)
        # Reinject the outputs as inputs for the next loop iteration
        # as well as update the states
        inputs = outputs
        states = new_states   # FAQ: `states = [state_h, state_c]`

    # Concatenate all predictions
    # KERAS 3: `keras.backend` is gone; the FAQ's
    # `Lambda(lambda x: K.concatenate(x, axis=1))(all_outputs)` becomes keras.ops.concatenate.
    # Keras 3 also needs the output shape of a Lambda on a list when it cannot infer it; it
    # infers it here by running the function on symbolic tensors.
    decoder_outputs = keras.layers.Lambda(lambda x: keras.ops.concatenate(x, axis=1))(all_outputs)

    # Define and compile model as previously
    model = keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)
    if compile:
        model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    return model


def build_no_teacher_forcing_inference_models(model: keras.Model):
    """Sampling models for the no-teacher-forcing model (the FAQ leaves them to the reader):
    the teacher-forced model's ``encoder_model`` / ``decoder_model``, built on the trained
    layers of ``model`` (a decoder input of any length; at sampling time one step).
    """
    encoder_rnn, decoder_rnn, dense = _rnn_layers(model)
    decoder_inputs = keras.Input(shape=(None, dense.units))
    return _sampling_models(model.input[0], encoder_rnn, decoder_inputs, decoder_rnn, dense)


def start_token_input(num_samples: int, num_decoder_tokens: int, start_index: int,
                      dtype=None) -> np.ndarray:
    """The FAQ's decoder input for the no-teacher-forcing model: only the start character.

    # Prepare decoder input data that just contains the start character
    # Note that we could have made it a constant hard-coded in the model
    """
    decoder_input_data = np.zeros((num_samples, 1, num_decoder_tokens),
                                  dtype or keras.config.floatx())
    decoder_input_data[:, 0, start_index] = 1.0
    return decoder_input_data
