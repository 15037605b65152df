"""The layers of a config's model, created in the order of Keras's ``get_weights()``.

A Keras functional model lists its layers by *depth*, the longest path from a layer to
the output (``keras/src/ops/function.py``, ``map_graph``), deepest first; layers of equal
depth in the order a depth-first walk back from the output first reaches them (a call's
inputs before its ``initial_state``, so a decoder layer before the encoder layer that
feeds it only its states). For the models of this package, as a Keras user writes them
(an encoder loop, then a decoder loop whose layer k starts from encoder layer k's
states), that gives::

    [encoder Embedding, decoder Embedding,]  enc 1, dec 1, enc 2, dec 2, …, enc L, dec L,  Dense
    bidirectional:  [enc Embedding,] enc 1, [dec Embedding,] enc 2, dec 1, enc 3, dec 2, …, dec L, Dense
    bidirectional, word_dropout:  enc Embedding, dec Embedding, enc 1, enc 2, dec 1, enc 3, dec 2, …, dec L, Dense

Encoder layer k+1 sits at the depth of decoder layer k (both are one layer from decoder
layer k+1), and the decoder layer is reached first. A bidirectional encoder's states
pass through a ``Concatenate`` before the decoder, one more layer of depth: encoder
layer k+2 then shares decoder layer k's depth. The decoder's Embedding sits where a
"decoder layer 0" would. With one layer both orders are the tutorial's (and the FAQ's:
both Embeddings first). tests/model/test_parity_deep.py checks them against Keras.

A Dropout after each Embedding (word_dropout) puts the decoder's Embedding one layer
deeper, where a "decoder layer -1" would be: that moves it only before a bidirectional
encoder's first layer.

Each layer draws its initial weights from the model's one generator in that order, so
a seed gives the same weights as before stacks existed for every one-layer model (and,
with word_dropout and a bidirectional encoder, other initial weights than without it).
"""
from __future__ import annotations

import numpy as np

from ..layers import (
    GRU,
    LSTM,
    AdditiveAttention,
    AttentiveRNN,
    Bidirectional,
    Dense,
    DotAttention,
    Dropout,
    Embedding,
    TiedDense,
)
from ..layers.bahdanau_attention import BahdanauAttention, GeneralAttention
from ..layers.masking import Masking
from .attentive_decoder import AttentiveDecoder
from .config import Seq2SeqConfig
from .decoder import Decoder
from .encoder import Encoder

CELLS = {"lstm": LSTM, "gru": GRU}


def keras_order(num_layers: int, bidirectional: bool, word: bool, word_dropout: bool = False) -> list[tuple[str, int]]:
    """(role, k) of each layer with weights, in Keras's get_weights() order (module
    docstring). Roles: "encoder"/"decoder" (RNN layer k, 0-based), "decoder" layer -1 the
    decoder Embedding, "encoder_embedding", "dense". word_dropout: a Dropout between each
    Embedding and its RNN puts the decoder's Embedding one layer deeper, where a "decoder
    layer -2" would be (the encoder's stays the deepest layer)."""
    lag = 2 if bidirectional else 1        # encoder layer k + lag is as deep as decoder layer k
    first = -2 if word and word_dropout else -1     # the decoder Embedding's place
    order = [("encoder_embedding", 0)] if word else []
    order += [("encoder", k) for k in range(min(first + lag, num_layers))]   # deeper than it
    for k in range(first, num_layers):
        if k >= 0 or (word and k == first):
            order.append(("decoder", max(k, -1)))
        if 0 <= k + lag < num_layers:
            order.append(("encoder", k + lag))
    return order + [("dense", 0)]


def _layer_name(role: str, cell: str, k: int) -> str:
    """Layer 1 keeps the one-layer model's names (and so its files' weight names)."""
    return f"{role}_{cell}" + (f"_{k + 1}" if k else "")


def _make(config: Seq2SeqConfig, rng, role: str, k: int):
    """One layer of the model, drawing its initial weights from rng."""
    rnn, h, dtype, cell = CELLS[config.cell], config.latent_dim, config.np_dtype, config.cell
    word, top = config.level == "word", config.num_layers - 1
    hd = config.decoder_units

    # the GRU's one variant option (Keras 2's default reset_after=False), for every GRU layer
    options = {"reset_after": config.reset_after} if cell == "gru" else {}

    def recurrent(units, input_dim, return_sequences, name):
        return rnn(units, input_dim, return_sequences=return_sequences, return_state=True,
                   dtype=dtype, rng=rng, name=name, dropout=config.dropout,
                   recurrent_dropout=config.recurrent_dropout,
                   recurrent_activation=config.recurrent_activation, **options)

    if role == "encoder_embedding":   # FAQ: Embedding(num_tokens, latent_dim) before each RNN
        return Embedding(config.num_encoder_tokens, h, config.mask_zero, dtype, rng, name="encoder_embedding")
    if role == "decoder" and k < 0:
        return Embedding(config.num_decoder_tokens, h, config.mask_zero, dtype, rng, name="decoder_embedding")
    if role == "encoder":
        # every layer but the top returns its sequence to the next; with attention the top's
        # sequence is what the decoder attends to
        input_dim = (h if word else config.num_encoder_tokens) if k == 0 else \
            (2 * h if config.bidirectional else h)
        sequences = k < top or bool(config.attention)
        if not config.bidirectional:
            return recurrent(h, input_dim, sequences, _layer_name("encoder", cell, k))
        return Bidirectional(recurrent(h, input_dim, sequences, f"forward_{cell}"),
                             recurrent(h, input_dim, sequences, f"backward_{cell}"),
                             name=_layer_name("encoder", "bidirectional", k))
    if role == "decoder":
        input_dim = (h if word else config.num_decoder_tokens) if k == 0 else hd
        if k == top and config.recurrent_attention:
            return _attentive(config, rng, input_dim, _layer_name("decoder", cell, k))
        return recurrent(hd, input_dim, True, _layer_name("decoder", cell, k))
    # the Dense reads the top decoder outputs, with attention [outputs; context] (Luong
    # general: the attentional vector, H wide)
    return Dense(config.num_decoder_tokens, config.dense_input_dim,
                 activation="softmax", dtype=dtype, rng=rng, name="decoder_dense")


def _attentive(config: Seq2SeqConfig, rng, input_dim: int, name: str) -> AttentiveRNN:
    """The top decoder layer with attention inside its recurrence (Keras: RNN(AttentiveCell)
    of reference/attentive.py): its cell reads [x_t; context] (Bahdanau) or [x_t; ã_{t-1}]
    (Luong with input feeding); the attention's weights come first, as the Keras cell lists them."""
    hd, dtype = config.decoder_units, config.np_dtype
    if config.attention == "bahdanau":
        score, extra = BahdanauAttention(hd, hd, dtype, rng, name=name), hd
    else:
        score, extra = GeneralAttention(hd, dtype, rng, name=name), hd if config.input_feeding else 0
    options = {"reset_after": config.reset_after} if config.cell == "gru" else {}
    rnn = CELLS[config.cell](hd, input_dim + extra, return_sequences=True, return_state=True,
                             dtype=dtype, rng=rng, name=name, dropout=config.dropout,
                             recurrent_dropout=config.recurrent_dropout,
                             recurrent_activation=config.recurrent_activation, **options)
    return AttentiveRNN(rnn, score, config.attention, config.input_feeding, rng, name=name)


def _attention(config: Seq2SeqConfig, rng):
    """Keras's Attention() (use_scale=False) adds no weights; AdditiveAttention() its scale (H,)."""
    if config.attention == "additive":
        return AdditiveAttention(config.decoder_units, config.np_dtype, rng)
    return DotAttention(config.np_dtype)


def _word_dropout(config: Seq2SeqConfig, side: str):
    """``Dropout(word_dropout, noise_shape=(None, None, 1))`` after the side's Embedding, or None."""
    if not config.word_dropout:
        return None
    return Dropout(config.word_dropout, noise_shape=(None, None, 1), dtype=config.np_dtype,
                   name=f"{side}_word_dropout")


def build(config: Seq2SeqConfig, rng: np.random.Generator) -> tuple[Encoder, Decoder, list]:
    """(encoder, decoder, the layers in Keras's get_weights() order) of ``config``'s model,
    each layer created in that order."""
    order = keras_order(config.num_layers, config.bidirectional, config.level == "word", bool(config.word_dropout))
    made, attention = {}, None
    post_rnn = config.attention and not config.recurrent_attention
    for key in order:
        if key == ("dense", 0) and post_rnn:   # Keras lists the attention just before the Dense
            attention = _attention(config, rng)
        if key == ("dense", 0) and config.tie_embeddings:    # its kernel: the decoder table (no draw)
            made[key] = TiedDense(made["decoder", -1], activation="softmax", name="decoder_dense")
        else:
            made[key] = _make(config, rng, *key)
    encoder_rnns = [made["encoder", k] for k in range(config.num_layers)]
    decoder_rnns = [made["decoder", k] for k in range(config.num_layers)]
    encoder_input = made.get(("encoder_embedding", 0))
    if config.mask_padding:      # Masking() before the encoder; the decoder: see model/masking.py
        encoder_input = Masking(config.np_dtype, name="encoder_masking")
    # Keras's Dropout layers have no weights, so they are not in the weights' order: one
    # before the Dense layer, and one after each Embedding dropping whole token vectors
    dropout = Dropout(config.output_dropout, dtype=config.np_dtype, name="output_dropout") \
        if config.output_dropout else None
    encoder = Encoder(encoder_rnns, encoder_input, return_memory=bool(config.attention),
                      word_dropout=_word_dropout(config, "encoder"))
    decoder_dropouts = dict(mask_padding=config.mask_padding, dropout=dropout,
                            word_dropout=_word_dropout(config, "decoder"))
    if config.recurrent_attention:
        decoder = AttentiveDecoder(decoder_rnns, made["dense", 0], made.get(("decoder", -1)), **decoder_dropouts)
    else:
        decoder = Decoder(decoder_rnns, made["dense", 0], made.get(("decoder", -1)), attention, **decoder_dropouts)
    layers = [made[key] for key in order]
    if attention is not None:       # Keras lists it (no weights) just before the Dense
        layers.insert(-1, attention)
    return encoder, decoder, layers
