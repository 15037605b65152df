"""The tutorial's model with Luong (dot-product) or additive attention after the decoder RNN,
in Keras 3: the reference for ``Seq2Seq(..., attention="luong")`` and ``attention="additive"``.

Not in the tutorial. Built from its model with the smallest change that gives the
decoder attention, using Keras's own ``keras.layers.Attention`` (Luong-style
dot-product attention) with its defaults (``score_mode="dot"``, ``use_scale=False``,
``dropout=0``: no weights, scores not scaled)::

    encoder_outputs, *encoder_states = RNN(return_sequences=True, return_state=True)(encoder_inputs)
    decoder_outputs, *_ = RNN(return_sequences=True, return_state=True)(decoder_inputs,
                                                                      initial_state=encoder_states)
    context = Attention()([decoder_outputs, encoder_outputs])     # query; value (= key)
    decoder_outputs = Dense(num_decoder_tokens, activation="softmax")(
        Concatenate()([decoder_outputs, context]))

With ``attention="additive"`` the one change is the layer:
``AdditiveAttention(use_scale=True)`` (Keras's "Bahdanau-style" scores
``reduce_sum(scale * tanh(query + key))``, no projections, one weight ``scale`` (H,)) in
place of ``Attention()``; everything else, masks and inference models included, is the same.

This is Luong et al.'s (2015) global attention with the "dot" score, the context
concatenated to the decoder output and fed straight to the softmax layer, without
their extra ``tanh(W_c [c; h])`` layer and without input feeding: the Keras
documentation's own use of ``Attention`` (query encoding and attention output
concatenated). Without input feeding the decoder RNN does not depend on the
contexts, so teacher-forced training stays one RNN pass plus one batched attention.

Masks: the character-level model's one-hot inputs carry no Keras mask, so padded
encoder steps *are* attended to, as in npseq2seq by default. At word level with
``mask_zero=True`` Keras propagates the Embeddings' masks through the RNNs into
``Attention`` by itself: padded encoder steps get no weight (score − 1e9) and the
context of padded decoder steps is zeroed (query mask). (The decoder RNN itself does
not get its Embedding's mask in Keras 3: ``Layer.__call__`` fills in ``mask`` only when
the call has a single tensor argument, and the decoder is also given
``initial_state``. So Keras runs the decoder over padding that npseq2seq skips; with
padding at the end only, that changes only outputs at padded steps, which the loss
masks out.)

Weight order (``get_weights()``): the tutorial model's, with the Dense kernel
``(2 * latent_dim, num_decoder_tokens)`` (rows 0..H-1 read the decoder output, rows
H..2H-1 the context); the Attention layer has no weights, AdditiveAttention's ``scale``
(H,) comes between the decoder RNN's weights and the Dense layer's.

Inference models follow npseq2seq's state convention, so the tutorial's
``decode_sequence`` (``reference.decode_sequence``) runs them unchanged: the encoder
outputs travel at the end of the state list, passed through the decoder model
untouched::

    encoder_model(x)                                      -> [*states, encoder_outputs]
    decoder_model([target, *states, encoder_outputs])     -> [probs, *states, encoder_outputs]

(word level with ``mask_zero``: the encoder's (N, Te) padding mask follows the
encoder outputs in both lists).
"""
from __future__ import annotations

import keras

from .common import CELLS, _rnn
from .deep import DECODER_EMBEDDING, ENCODER_EMBEDDING, model_input  # noqa: F401  (attention.ENCODER_EMBEDDING)

__all__ = ["build_attention_training_model", "build_attention_inference_models"]

# Seq2Seq's attention names -> the Keras layer after the decoder RNN
ATTENTION_LAYERS = {"luong": lambda name: keras.layers.Attention(name=name),
                    "additive": lambda name: keras.layers.AdditiveAttention(use_scale=True, name=name)}

# layer names, so the inference builder finds the trained layers by name
ENCODER, DECODER, ATTENTION, CONCAT, DENSE = "encoder", "decoder", "attention", "concatenate", "dense"


def build_attention_training_model(num_encoder_tokens: int, num_decoder_tokens: int,
                                   latent_dim: int = 256, cell: str = "lstm", level: str = "char",
                                   mask_zero: bool = False, compile: bool = True,
                                   attention: str = "luong", reset_after: bool = True) -> keras.Model:
    """([encoder_input, decoder_input]) -> decoder_target, with attention: "luong" (Keras's
    ``Attention()``, dot-product) or "additive" (``AdditiveAttention(use_scale=True)``).

    level "char": one-hot inputs (N, T, V), as the tutorial; "word": integer ids (N, T)
    through ``Embedding(num_tokens, latent_dim, mask_zero=mask_zero)``, as the FAQ.
    Weights in ``get_weights()`` order: [enc embedding, dec embedding (word level),
    enc kernel, recurrent_kernel, bias, dec kernel, recurrent_kernel, bias,
    (additive: attention scale (latent_dim,)), dense kernel (2·latent_dim, Vd), dense bias].
    """
    if attention not in ATTENTION_LAYERS:
        raise ValueError(f"attention must be one of {sorted(ATTENTION_LAYERS)}, got {attention!r}")
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
    if level not in ("char", "word"):
        raise ValueError(f"level must be 'char' or 'word', got {level!r}")
    if mask_zero and level != "word":
        raise ValueError("mask_zero needs level='word'")
    # one-hot characters, or ids through Embeddings named ENCODER_EMBEDDING / DECODER_EMBEDDING
    encoder_inputs, x_enc = model_input("encoder", level, num_encoder_tokens, latent_dim, mask_zero)
    decoder_inputs, x_dec = model_input("decoder", level, num_decoder_tokens, latent_dim, mask_zero)

    # The encoder now keeps its outputs: they are what the decoder attends to.
    encoder_outputs, *encoder_states = _rnn(cell, latent_dim, reset_after, return_sequences=True,
                                            return_state=True, name=ENCODER)(x_enc)
    decoder_outputs, *_ = _rnn(cell, latent_dim, reset_after, return_sequences=True, return_state=True,
                               name=DECODER)(x_dec, initial_state=encoder_states)
    # query = the decoder outputs; value = key = the encoder outputs (masks, if any, are
    # picked up from the tensors by Keras itself)
    context = ATTENTION_LAYERS[attention](ATTENTION)([decoder_outputs, encoder_outputs])
    features = keras.layers.Concatenate(name=CONCAT)([decoder_outputs, context])
    outputs = keras.layers.Dense(num_decoder_tokens, activation="softmax", name=DENSE)(features)

    model = keras.Model([encoder_inputs, decoder_inputs], outputs)
    if compile:
        model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    return model


def build_attention_inference_models(model: keras.Model):
    """(encoder_model, decoder_model) reusing the trained layers of ``model``.

    ``encoder_model(x) -> [*states, encoder_outputs(, encoder_mask)]`` and
    ``decoder_model([target, *states, encoder_outputs(, encoder_mask)]) ->
    [probs, *states, encoder_outputs(, encoder_mask)]``: the same list in and out,
    so ``reference.decode_sequence`` / ``decode_word_sequence`` drive them unchanged.
    """
    encoder_rnn, decoder_rnn = model.get_layer(ENCODER), model.get_layer(DECODER)
    attention, concat, dense = (model.get_layer(ATTENTION), model.get_layer(CONCAT),
                                model.get_layer(DENSE))
    latent_dim = encoder_rnn.units
    word = any(layer.name == DECODER_EMBEDDING for layer in model.layers)
    mask_zero = word and model.get_layer(DECODER_EMBEDDING).mask_zero

    encoder_inputs = model.input[0]
    encoder_outputs, *encoder_states = encoder_rnn.output
    memory = [encoder_outputs]
    if mask_zero:   # the mask Keras derived from the encoder's ids, as a tensor of its own
        memory.append(keras.ops.not_equal(encoder_inputs, 0))
    encoder_model = keras.Model(encoder_inputs, [*encoder_states, *memory])

    decoder_inputs = keras.Input(shape=(None,) if word else (None, dense.units))
    state_inputs = [keras.Input(shape=(latent_dim,)) for _ in encoder_states]
    memory_inputs = [keras.Input(shape=(None, latent_dim))]
    x = model.get_layer(DECODER_EMBEDDING)(decoder_inputs) if word else decoder_inputs
    decoder_outputs, *decoder_states = decoder_rnn(x, initial_state=state_inputs)
    if mask_zero:
        memory_inputs.append(keras.Input(shape=(None,), dtype="bool"))
        # an Input carries no Keras mask: hand both masks over as training did implicitly
        context = attention([decoder_outputs, memory_inputs[0]],
                            mask=[keras.ops.not_equal(decoder_inputs, 0), memory_inputs[1]])
    else:
        context = attention([decoder_outputs, memory_inputs[0]])
    probs = dense(concat([decoder_outputs, context]))
    decoder_model = keras.Model([decoder_inputs, *state_inputs, *memory_inputs],
                                [probs, *decoder_states, *memory_inputs])
    return encoder_model, decoder_model
