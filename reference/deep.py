"""Deeper tutorial models in Keras 3: stacked layers and a bidirectional encoder, the
reference for ``Seq2Seq(..., num_layers=N, bidirectional=True)``.

Written as a Keras user extends the tutorial (keras-io ``examples/nlp/lstm_seq2seq.py``):
an encoder loop, then a decoder loop whose layer k starts from encoder layer k's final
states (the pattern ``encoder_state_h1, encoder_state_c1, …``)::

    x = encoder_inputs
    encoder_states = []
    for k in range(num_layers):
        x, *states = LSTM(latent_dim, return_sequences=k < num_layers - 1,
                          return_state=True)(x)
        encoder_states.append(states)
    y = decoder_inputs
    for k in range(num_layers):
        y, *_ = LSTM(latent_dim, return_sequences=True, return_state=True)(
            y, initial_state=encoder_states[k])
    decoder_outputs = Dense(num_decoder_tokens, activation="softmax")(y)

Bidirectional: each encoder layer is ``Bidirectional(LSTM(latent_dim, return_state=True))``
(merge_mode "concat"), which returns ``[outputs, h_fw, c_fw, h_bw, c_bw]``; the decoder
layer of ``2 * latent_dim`` units starts from ``Concatenate()([h_fw, h_bw])`` and
``Concatenate()([c_fw, c_bw])`` (keras#8823, rstudio/keras3#624). Attention (as
``reference.attention``) reads the top encoder layer's outputs. Word level (the FAQ):
``Embedding(num_tokens, latent_dim, mask_zero=...)`` before each stack.

Dropout (issue 19): ``dropout=`` / ``recurrent_dropout=`` go to every RNN layer, as a
Keras user adds them to the tutorial's ``LSTM(latent_dim, return_state=True, dropout=0.2,
recurrent_dropout=0.2)``; Keras applies them when the model is called with
``training=True`` (``fit``, ``train_on_batch``, a ``GradientTape`` around
``model(x, training=True)``). ``reset_after=False``: Keras 2's GRU, in every GRU layer.

Masked padding (``mask_padding=True``, character level): ``Masking(mask_value=0.0)`` after
each ``Input``, as ``reference.masking`` for one layer; what Keras 3 then does with the
mask in stacks, bidirectional layers and attention is written down in
``npseq2seq/model/masking.py``.

Without teacher forcing (``build_deep_no_teacher_forcing_model``): the FAQ's loop, one
decoder step at a time through the whole decoder stack, the softmax output fed back;
its weights are listed in the teacher-forced model's order (each decoder layer is one
layer, shared by the unrolled steps), and ``build_deep_inference_models`` reads it too.

Weight order (``get_weights()``): Keras orders a functional model's layers by depth,
see ``npseq2seq/model/build.py`` (tests/model/test_parity_deep.py reads it off the
weights' paths here).

Inference models: ``encoder_model(x) -> [*states of every layer, (encoder_outputs,
(encoder_mask))]`` (the bidirectional states concatenated), ``decoder_model([target,
*states, *memory]) -> [probs, *states, *memory]``: the list npseq2seq's ``encode`` /
``decode_step`` use, so ``reference.decode_sequence`` drives them unchanged.
"""
from __future__ import annotations

import keras

from .common import CELLS, _rnn

__all__ = ["build_deep_training_model", "build_deep_inference_models",
           "build_deep_no_teacher_forcing_model"]

# layer names, unique in a model: the states' Concatenate layers take Keras's automatic
# names ("concatenate", "concatenate_1", ...), so the features' one is named otherwise
ATTENTION, CONCAT, DENSE = "attention", "attention_features", "dense"
OUTPUT_DROPOUT = "output_dropout"
ENCODER_WORD_DROPOUT, DECODER_WORD_DROPOUT = "encoder_word_dropout", "decoder_word_dropout"
ENCODER_EMBEDDING, DECODER_EMBEDDING = "encoder_embedding", "decoder_embedding"
ENCODER_MASKING, DECODER_MASKING = "encoder_masking", "decoder_masking"


def encoder_name(k: int) -> str:
    return f"encoder_{k + 1}"


def decoder_name(k: int) -> str:
    return f"decoder_{k + 1}"


def _options(cell, dropout, recurrent_dropout, reset_after) -> dict:
    """The RNN layers' options beyond their size (``_rnn`` refuses reset_after=False on an LSTM)."""
    options = dict(dropout=dropout, recurrent_dropout=recurrent_dropout)
    return {**options, "reset_after": reset_after} if cell == "gru" or not reset_after else options


def model_input(side: str, level: str, num_tokens: int, latent_dim: int, mask_zero: bool = False,
                mask_padding: bool = False, word_dropout: float = 0.0, made: dict | None = None):
    """(the side's Input, what its first RNN reads): one-hot characters (N, T, V), through
    ``Masking(mask_value=0.0)`` with mask_padding; or ids (N, T) through an Embedding, then
    with word_dropout ``Dropout(word_dropout, noise_shape=(None, None, 1))``: a token's whole
    vector dropped (npseq2seq's ``word_dropout``; Dropout hands the Embedding's mask on).
    made: a dict that receives the Embedding layer under "embedding" (the tied softmax reads it)."""
    embedding, masking, dropout = ((ENCODER_EMBEDDING, ENCODER_MASKING, ENCODER_WORD_DROPOUT) if side == "encoder"
                                   else (DECODER_EMBEDDING, DECODER_MASKING, DECODER_WORD_DROPOUT))
    if level == "char":
        inputs = keras.Input(shape=(None, num_tokens))
        return inputs, keras.layers.Masking(mask_value=0.0, name=masking)(inputs) if mask_padding else inputs
    inputs = keras.Input(shape=(None,))
    layer = keras.layers.Embedding(num_tokens, latent_dim, mask_zero=mask_zero, name=embedding)
    if made is not None:
        made["embedding"] = layer
    vectors = layer(inputs)
    if word_dropout:
        vectors = keras.layers.Dropout(word_dropout, noise_shape=(None, None, 1), name=dropout)(vectors)
    return inputs, vectors


def joined(states):
    """A Bidirectional layer's states [h_fw, c_fw, h_bw, c_bw] (forward's, then backward's) as
    the [h, c] of a decoder of twice the units: each forward state joined to its backward one."""
    half = len(states) // 2
    return [keras.layers.Concatenate()([f, b]) for f, b in zip(states[:half], states[half:])]


def encoder_stack(num_encoder_tokens, latent_dim, cell, num_layers, bidirectional, level, mask_zero,
                  mask_padding, return_top_sequences, options, word_dropout: float = 0.0):
    """(encoder_inputs, the top layer's outputs, [each layer's states]) of the encoder loop;
    options: every RNN layer's reset_after, dropout and recurrent_dropout."""
    encoder_inputs, x = model_input("encoder", level, num_encoder_tokens, latent_dim, mask_zero, mask_padding,
                                    word_dropout)
    # Every layer but the top returns its sequence to the next one (with attention the top
    # one too: the decoder attends to it); each keeps its states.
    encoder_states = []
    for k in range(num_layers):
        rnn = _rnn(cell, latent_dim, return_sequences=k < num_layers - 1 or return_top_sequences,
                   return_state=True, name=encoder_name(k), **options)
        if bidirectional:
            x, *states = keras.layers.Bidirectional(rnn, name=encoder_name(k))(x)
            states = joined(states)
        else:
            x, *states = rnn(x)
        encoder_states.append(states)
    return encoder_inputs, x, encoder_states


def trained_encoder_states(encoders, bidirectional: bool) -> list:
    """Every encoder layer's final states, off a trained model's layers (``encoder_model``'s
    outputs), a Bidirectional's joined as the decoder reads them."""
    encoder_states = []
    for layer in encoders:
        _, *states = layer.output
        encoder_states += joined(states) if bidirectional else states
    return encoder_states


def build_deep_training_model(num_encoder_tokens: int, num_decoder_tokens: int, latent_dim: int = 256,
                              cell: str = "lstm", num_layers: int = 2, bidirectional: bool = False,
                              level: str = "char", mask_zero: bool = False, attention: bool = False,
                              compile: bool = True, mask_padding: bool = False, dropout: float = 0.0,
                              recurrent_dropout: float = 0.0, reset_after: bool = True,
                              output_dropout: float = 0.0, word_dropout: float = 0.0,
                              tie_embeddings: bool = False) -> keras.Model:
    """([encoder_input, decoder_input]) -> decoder_target, ``num_layers`` RNN layers a side.

    level "char": one-hot inputs (N, T, V); "word": ids (N, T) through Embeddings.
    latent_dim: units of each encoder layer (of each direction when ``bidirectional``);
    the decoder layers have 2·latent_dim units after a bidirectional encoder.
    mask_padding (char level): ``Masking(mask_value=0.0)`` after each input, as
    ``reference.masking`` does for one layer.
    dropout, recurrent_dropout, reset_after: every RNN layer's (Keras's LSTM/GRU arguments).
    output_dropout: a ``Dropout(output_dropout)`` (named ``OUTPUT_DROPOUT``) before the Dense layer;
    word_dropout (word level): a ``Dropout`` after each Embedding (``model_input``).
    tie_embeddings (word level): the softmax layer's kernel is the decoder Embedding's table
    (``reference.tied``).
    """
    options = _options(cell, dropout, recurrent_dropout, reset_after)
    if cell not in CELLS or level not in ("char", "word") or (mask_zero and level != "word") \
            or (mask_padding and level != "char"):
        raise ValueError(f"unsupported variant: cell={cell!r}, level={level!r}, mask_zero={mask_zero}, "
                         f"mask_padding={mask_padding}")
    encoder_inputs, x, encoder_states = encoder_stack(num_encoder_tokens, latent_dim, cell, num_layers,
                                                 bidirectional, level, mask_zero, mask_padding, attention, options,
                                                 word_dropout)
    made = {}
    decoder_inputs, y = model_input("decoder", level, num_decoder_tokens, latent_dim, mask_zero, mask_padding,
                                    word_dropout, made)

    # The decoder: layer k starts from encoder layer k's states.
    units = 2 * latent_dim if bidirectional else latent_dim
    for k in range(num_layers):
        y, *_ = _rnn(cell, units, return_sequences=True, return_state=True,
                     name=decoder_name(k), **options)(y, initial_state=encoder_states[k])
    if attention:
        context = keras.layers.Attention(name=ATTENTION)([y, x])
        y = keras.layers.Concatenate(name=CONCAT)([y, context])
    y = output_dropped(y, output_dropout)
    outputs = output_layer(num_decoder_tokens, made.get("embedding") if tie_embeddings else None)(y)

    model = keras.Model([encoder_inputs, decoder_inputs], outputs)
    if compile:
        model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    return model


def output_layer(num_decoder_tokens: int, tied_to=None):
    """``Dense(num_decoder_tokens, activation="softmax")``, or with ``tied_to`` (the decoder's
    Embedding layer) ``reference.tied.TiedDense``: its kernel that Embedding's table."""
    if tied_to is None:
        return keras.layers.Dense(num_decoder_tokens, activation="softmax", name=DENSE)
    from .tied import TiedDense
    return TiedDense(tied_to, name=DENSE)


def output_dropped(y, rate: float):
    """``Dropout(rate)(y)`` before the Dense layer when rate > 0 (npseq2seq's ``output_dropout``)."""
    return keras.layers.Dropout(rate, name=OUTPUT_DROPOUT)(y) if rate else y


def build_deep_no_teacher_forcing_model(num_encoder_tokens: int, num_decoder_tokens: int,
                                        max_decoder_seq_length: int, latent_dim: int = 256,
                                        cell: str = "lstm", num_layers: int = 2,
                                        bidirectional: bool = False, compile: bool = True,
                                        dropout: float = 0.0, recurrent_dropout: float = 0.0,
                                        reset_after: bool = True) -> keras.Model:
    """The FAQ's model without teacher forcing (``reference.models.build_no_teacher_forcing_model``)
    on the deep encoder: each of ``max_decoder_seq_length`` steps runs the decoder stack on
    one step (layer k carrying its own states, started from encoder layer k's), and the
    Dense softmax output is the next step's input. Input 2: the start character only,
    (N, 1, num_decoder_tokens); the output: the steps' probabilities concatenated."""
    options = _options(cell, dropout, recurrent_dropout, reset_after)
    encoder_inputs, _, states = encoder_stack(num_encoder_tokens, latent_dim, cell, num_layers, bidirectional,
                                         "char", False, False, False, options)
    decoder_inputs = keras.Input(shape=(1, num_decoder_tokens))
    units = 2 * latent_dim if bidirectional else latent_dim
    decoder_rnns = [_rnn(cell, units, return_sequences=True, return_state=True, name=decoder_name(k), **options)
                    for k in range(num_layers)]
    decoder_dense = keras.layers.Dense(num_decoder_tokens, activation="softmax", name=DENSE)
    all_outputs, inputs = [], decoder_inputs
    for _ in range(max_decoder_seq_length):
        y = inputs
        for k, rnn in enumerate(decoder_rnns):     # one step through the stack
            y, *states[k] = rnn(y, initial_state=states[k])
        inputs = decoder_dense(y)                  # fed back as the next step's input
        all_outputs.append(inputs)
    outputs = keras.layers.Lambda(lambda t: keras.ops.concatenate(t, axis=1))(all_outputs)
    model = keras.Model([encoder_inputs, decoder_inputs], outputs)
    if compile:
        model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    return model


def _layers(model, prefix):
    """The model's layers named prefix_1, prefix_2, … in order."""
    found, k = [], 0
    names = {layer.name for layer in model.layers}
    while f"{prefix}_{k + 1}" in names:
        found.append(model.get_layer(f"{prefix}_{k + 1}"))
        k += 1
    return found


def build_deep_inference_models(model: keras.Model):
    """(encoder_model, decoder_model) reusing the trained layers of ``model`` (see the
    module docstring for their inputs and outputs)."""
    encoders, decoders = _layers(model, "encoder"), _layers(model, "decoder")
    bidirectional = isinstance(encoders[0], keras.layers.Bidirectional)
    names = {layer.name for layer in model.layers}
    word, attention = DECODER_EMBEDDING in names, ATTENTION in names
    mask_padding = DECODER_MASKING in names
    mask_zero = word and model.get_layer(DECODER_EMBEDDING).mask_zero

    encoder_inputs = model.input[0]
    encoder_states = trained_encoder_states(encoders, bidirectional)
    memory = [encoders[-1].output[0]] if attention else []
    if attention and mask_zero:   # the mask Keras derived from the encoder's ids, as a tensor
        memory.append(keras.ops.not_equal(encoder_inputs, 0))
    if attention and mask_padding:   # Masking()'s: a row with any non-zero entry
        memory.append(keras.ops.any(keras.ops.not_equal(encoder_inputs, 0.0), axis=-1))
    encoder_model = keras.Model(encoder_inputs, encoder_states + memory)

    dense = model.get_layer(DENSE)
    decoder_inputs = keras.Input(shape=(None,) if word else (None, dense.units))
    y = model.get_layer(DECODER_EMBEDDING)(decoder_inputs) if word else decoder_inputs
    if mask_padding:
        y = model.get_layer(DECODER_MASKING)(y)
    state_inputs, decoder_states = [], []
    for layer in decoders:
        inputs = [keras.Input(shape=(layer.units,)) for _ in range(len(encoder_states) // len(decoders))]
        y, *states = layer(y, initial_state=inputs)
        state_inputs += inputs
        decoder_states += states
    memory_inputs = []
    if attention:
        memory_inputs.append(keras.Input(shape=(None, memory[0].shape[-1])))
        if mask_zero or mask_padding:
            memory_inputs.append(keras.Input(shape=(None,), dtype="bool"))
            # an Input carries no Keras mask: hand both masks over as training did implicitly
            query_mask = keras.ops.not_equal(decoder_inputs, 0) if mask_zero else \
                keras.ops.any(keras.ops.not_equal(decoder_inputs, 0.0), axis=-1)
            context = model.get_layer(ATTENTION)([y, memory_inputs[0]], mask=[query_mask, memory_inputs[1]])
        else:
            context = model.get_layer(ATTENTION)([y, memory_inputs[0]])
        y = model.get_layer(CONCAT)([y, context])
    probs = dense(y)
    decoder_model = keras.Model([decoder_inputs, *state_inputs, *memory_inputs],
                                [probs, *decoder_states, *memory_inputs])
    return encoder_model, decoder_model
