"""Keras's ``addition_rnn`` model (keras-io ``examples/nlp/addition_rnn.py``), in Keras 3: the
reference for ``npseq2seq.model.RepeatSeq2Seq``, the tutorial's "trivial case".

The example's model, line for line (its ``input_shape=`` argument, deprecated in
Keras 3, becomes a ``keras.Input`` as the first entry of the Sequential)::

    model = keras.Sequential()
    model.add(layers.LSTM(128, input_shape=(MAXLEN, len(chars))))
    model.add(layers.RepeatVector(DIGITS + 1))
    for _ in range(num_layers):
        model.add(layers.LSTM(128, return_sequences=True))
    model.add(layers.Dense(len(chars), activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])

``get_weights()``: encoder LSTM (kernel, recurrent_kernel, bias), each decoder LSTM's,
Dense (kernel, bias). ``cell="gru"`` swaps every LSTM for a GRU (not in the example).
"""
from __future__ import annotations

import keras

from .common import _rnn

__all__ = ["build_addition_model"]


def build_addition_model(num_input_tokens: int, num_output_tokens: int, output_length: int,
                         latent_dim: int = 128, num_layers: int = 1, cell: str = "lstm",
                         input_length: int | None = None, compile: bool = True) -> keras.Model:
    """addition_rnn's Sequential model; the example shares one table, so there
    ``num_input_tokens == num_output_tokens == len(chars)``, ``output_length == DIGITS + 1``
    and ``input_length == MAXLEN``."""
    model = keras.Sequential()
    # KERAS 3: `layers.LSTM(128, input_shape=(MAXLEN, len(chars)))`
    model.add(keras.Input(shape=(input_length, num_input_tokens)))
    # "Encode" the input sequence using a LSTM, producing an output of size 128.
    model.add(_rnn(cell, latent_dim))
    # As the decoder RNN's input, repeatedly provide with the last output of RNN for each
    # time step.
    model.add(keras.layers.RepeatVector(output_length))
    # The decoder RNN could be multiple layers stacked or a single layer.
    for _ in range(num_layers):
        model.add(_rnn(cell, latent_dim, return_sequences=True))
    # For each step of the output sequence, decide which character should be chosen.
    model.add(keras.layers.Dense(num_output_tokens, activation="softmax"))
    if compile:
        model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model
