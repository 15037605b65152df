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
"""
from __future__ import annotations

import contextlib
import weakref

import keras
import numpy as np

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

CELLS = ("lstm", "gru")


@contextlib.contextmanager
def floatx(dtype: str):
    """Build (and run) Keras models in ``dtype``; restores the previous settings on exit.

    Sets ``keras.config.floatx()`` *and* the global dtype policy. Setting floatx alone
    is not enough in Keras 3.15: the global ``DTypePolicy`` is created from floatx the
    first time any layer is built and then cached (``dtype_policies.dtype_policy()``),
    and ``set_floatx`` does not reset it, so every later layer keeps the first dtype.
    """
    dtype = str(np.dtype(dtype))
    old_floatx, old_policy = keras.config.floatx(), keras.config.dtype_policy()
    keras.config.set_floatx(dtype)
    keras.config.set_dtype_policy(dtype)
    try:
        yield
    finally:
        keras.config.set_floatx(old_floatx)
        keras.config.set_dtype_policy(old_policy)


def _rnn(cell: str, latent_dim: int, reset_after: bool = True, **kwargs):
    if cell == "lstm":
        if not reset_after:
            raise ValueError("reset_after=False is a GRU option, not an LSTM one")
        return keras.layers.LSTM(latent_dim, **kwargs)
    if cell == "gru":
        # FAQ "What if I want to use a GRU layer instead of a LSTM?": same model, one state.
        # Keras 3 default reset_after=True (bias shape (2, 3*units)), as npseq2seq's GRU;
        # reset_after=False is Keras 2's default (bias (3*units,)), Seq2Seq(reset_after=False).
        return keras.layers.GRU(latent_dim, reset_after=reset_after, **kwargs)
    raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")


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


_COMPILED = weakref.WeakKeyDictionary()


def _call(model, inputs):
    """``model.predict(inputs, verbose=0)`` for one small batch, without predict's overhead.

    ``predict`` runs the model inside a ``tf.function`` after building a data pipeline
    for every call; here the model's forward pass is wrapped in one ``tf.function`` per
    model (cached, ``reduce_retracing=True`` so a new batch size does not retrace each
    time) and called directly. The numbers are those of ``predict``.
    """
    import tensorflow as tf

    fn = _COMPILED.get(model)
    if fn is None:
        fn = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
        _COMPILED[model] = fn
    out = fn(inputs)
    if isinstance(out, (list, tuple)):
        return [np.asarray(o) for o in out]
    return np.asarray(out)


# --------------------------------------------------------------------------- word level (FAQ)


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


def _rnn_layers(model):
    """(encoder RNN, decoder RNN, Dense) of a seq2seq model of this module, found by role:
    the encoder RNN returns its last output, the decoder RNN its sequence."""
    rnns = [layer for layer in model.layers if isinstance(layer, (keras.layers.LSTM, keras.layers.GRU))]
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    encoders = [layer for layer in rnns if not layer.return_sequences and layer.return_state]
    decoders = [layer for layer in rnns if layer.return_sequences and layer.return_state]
    if len(rnns) != 2 or len(encoders) != 1 or len(decoders) != 1 or len(dense) != 1:
        raise ValueError(f"not a seq2seq model of reference.models: {[layer.name for layer in model.layers]}")
    return encoders[0], decoders[0], dense[0]


def _sampling_models(encoder_inputs, encoder_rnn, decoder_inputs, decoder_rnn, decoder_dense,
                     decoder_embedding=None):
    """The tutorial's encoder_model / decoder_model on trained layers (LSTM or GRU)."""
    _, *encoder_states = encoder_rnn.output            # [h, c] (LSTM) or [h] (GRU)
    encoder_model = keras.Model(encoder_inputs, encoder_states)
    decoder_states_inputs = [keras.Input(shape=(decoder_rnn.units,)) for _ in encoder_states]
    x = decoder_inputs if decoder_embedding is None else decoder_embedding(decoder_inputs)
    x, *decoder_states = decoder_rnn(x, initial_state=decoder_states_inputs)
    decoder_outputs = decoder_dense(x)
    decoder_model = keras.Model([decoder_inputs] + decoder_states_inputs,
                                [decoder_outputs] + decoder_states)
    return encoder_model, decoder_model


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


# --------------------------------------------------------------------------- no teacher forcing (FAQ)


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
