"""Attention *inside* the recurrence, in Keras 3: the reference for
``Seq2Seq(..., attention="bahdanau")`` and ``attention="luong_general"`` (with or without
``input_feeding``).

Keras has no layer for it (``Attention`` and ``AdditiveAttention`` read a finished output
sequence), so this module writes it as a Keras user does: an RNN *cell*, ``AttentiveCell``,
that wraps Keras's own ``LSTMCell`` / ``GRUCell`` and is run by ``keras.layers.RNN``.
At each step t, with the encoder outputs h_1..h_Te (the *memory*, keys = values)::

    bahdanau       e_tj = vᵀ tanh(W_q s_{t-1} + W_k h_j)     (query: the previous state)
                   a_t = softmax(e_t),  c_t = Σ_j a_tj h_j
                   s_t = cell([x_t; c_t], s_{t-1})           (the context is the step's input)
                   output [s_t; c_t]                         (to the Dense softmax)

    luong_general  s_t = cell([x_t; ã_{t-1}], s_{t-1})       ([x_t] without input feeding)
                   e_tj = s_tᵀ W_a h_j                       (query: the new state)
                   a_t = softmax(e_t),  c_t = Σ_j a_tj h_j
                   ã_t = tanh(W_c [c_t; s_t])                (the attentional vector, ã_0 = 0)
                   output ã_t                                (to the Dense softmax, and the
                                                              next step's input when feeding)

No biases in the attention (Bahdanau et al. 2015, eq. A.1.2; Luong et al. 2015, eqs. 5, 8).
With ``mask_zero`` or ``mask_padding`` the encoder's padding mask gets scores − 1e9 (Keras's
``Attention`` convention, so a fully masked row stays finite).

**Masks.** A cell sees one step of its inputs and its states, never a Keras mask: the RNN
skips masked steps around it, and an RNN called with ``initial_state`` (as the decoder is)
gets no mask from ``Layer.__call__`` (``npseq2seq/model/masking.py``). So the encoder's
padding mask reaches the cell the only way a Keras user can hand it a (N, Te) tensor: in
its state, after the memory, as the mask Keras itself derives from the encoder's input
(``not_equal(ids, 0)`` for ``Embedding(mask_zero=True)``; ``any(x != 0, axis=-1)``, the
definition of ``Masking(mask_value=0.0)``, for ``mask_padding``). With ``mask_padding``
both inputs pass through ``Masking()`` as in ``reference.deep``: the encoder RNNs skip
their padded steps; the decoder's (called with ``initial_state``) run over theirs, whose
outputs the loss leaves out through the mask its outputs carry. There is no query mask
inside the recurrence (``Attention()``'s zeroing of a padded query's context): the padded
decoder steps come after the real ones, so nothing real reads them.

**Dropout.** ``dropout`` / ``recurrent_dropout`` go to every RNN layer as in
``reference.deep``, and to the wrapped cell (``LSTMCell(units, dropout=..., ...)``), which
applies them to what it reads: its input [x_t; c_t] or [x_t; ã_{t-1}] and h_{t-1}. Keras's
``RNN`` draws a cell's masks before its loop and drops them after the call only for a
``DropoutRNNCell`` (``RNN._maybe_config_dropout_masks`` / ``_maybe_reset_dropout_masks``),
so ``AttentiveCell`` is one (the mixin Keras's own cells use; not exported by
``keras.layers`` in 3.15, imported from ``keras.src``): it has the wrapped cell draw its
masks on its own input width, once per call, and reset them after. ``call`` passes
``training`` on, so inference applies no dropout.

**How the encoder outputs reach the cell.** Keras 3's ``RNN`` has no ``constants``
argument (Keras 2 passed the memory that way). The cell carries them in its *state*:
``initial_state=[*encoder_states, (ã_0,) encoder_outputs, (encoder_mask)]``, and every step
returns them unchanged. This is the plain Keras 3 route (no subclassed RNN, no tensor
captured from outside the graph), and it keeps the state list of the inference models
exactly npseq2seq's: ``[*rnn states, (ã), encoder outputs, (mask)]``. The memory's state
size is declared as its width (``RNN.compute_output_shape`` only takes sizes per state;
the returned memory is not used downstream). The mask travels as 0.0/1.0 (``RNN``
casts every initial state to the layer's dtype). ã_0 = 0 is made from the decoder input's
batch (``_zero_feed``), not from an encoder state: an operation between the encoder and
the decoder would deepen the encoder in Keras's layer order and change ``get_weights()``.

Weight order: a Keras layer lists its own weights before its sublayers', so the decoder
RNN's weights are the attention's (bahdanau: query_kernel (H, A), key_kernel (He, A),
score_kernel (A,); luong_general: attention_kernel W_a (H, He), attentional_kernel W_c
(He + H, H)) followed by the wrapped cell's kernel ((D + He) or (D + H) rows: the step's
input, then the context or ã), recurrent_kernel and bias. Everything else is
``reference.deep``'s model (stacks: the attention is in the *top* decoder layer; the
lower ones are plain RNNs; bidirectional encoders: He = 2·latent_dim).
"""
from __future__ import annotations

import keras
from keras import ops
from keras.src.layers.rnn.dropout_rnn_cell import DropoutRNNCell

from .common import CELLS, _rnn
from .deep import (
    DECODER_EMBEDDING,
    DECODER_MASKING,
    DENSE,
    _options,
    decoder_name,
    encoder_name,
    encoder_stack,
    model_input,
    output_dropped,
    output_layer,
    trained_encoder_states,
)

__all__ = ["AttentiveCell", "build_attentive_training_model", "build_attentive_inference_models"]

KINDS = ("bahdanau", "luong_general")
MASK_PENALTY = 1.0e9


class AttentiveCell(keras.layers.Layer, DropoutRNNCell):
    """``AttentiveCell(cell, kind, input_feeding=False, masked=False, memory_dim=None)``:
    ``cell`` a ``keras.layers.LSTMCell`` / ``GRUCell``; its state list is the cell's states,
    ã (input feeding), the memory (N, Te, He) and, if ``masked``, its mask (N, Te)."""

    def __init__(self, cell, kind="bahdanau", input_feeding=False, masked=False, memory_dim=None,
                 **kwargs):
        super().__init__(**kwargs)
        if kind not in KINDS or (input_feeding and kind != "luong_general"):
            raise ValueError(f"unsupported attention {kind!r} (input_feeding={input_feeding})")
        self.cell, self.kind, self.input_feeding, self.masked = cell, kind, input_feeding, masked
        self.units = cell.units
        self.memory_dim = memory_dim or self.units
        sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
        self.cell_states = len(sizes)
        self.state_size = [*sizes, *([self.units] if input_feeding else []), self.memory_dim,
                           *([1] if masked else [])]
        self.output_size = self.units + self.memory_dim if kind == "bahdanau" else self.units

    def build(self, input_shape):
        h, he = self.units, self.memory_dim
        if self.kind == "bahdanau":
            self.query_kernel = self.add_weight((h, h), "glorot_uniform", name="query_kernel")
            self.key_kernel = self.add_weight((he, h), "glorot_uniform", name="key_kernel")
            self.score_kernel = self.add_weight((h,), "glorot_uniform", name="score_kernel")
            extra = he                              # the context joins the step's input
        else:
            self.attention_kernel = self.add_weight((h, he), "glorot_uniform", name="attention_kernel")
            self.attentional_kernel = self.add_weight((he + h, h), "glorot_uniform",
                                                      name="attentional_kernel")
            extra = h if self.input_feeding else 0  # ã_{t-1} joins the step's input
        self.cell.build((input_shape[0], input_shape[-1] + extra))

    def attend(self, query, memory, mask):
        """query (N, H) → (context (N, He), weights (N, Te))."""
        if self.kind == "bahdanau":         # e_j = vᵀ tanh(W_q q + W_k h_j)
            pre = ops.expand_dims(ops.matmul(query, self.query_kernel), 1) + ops.matmul(memory, self.key_kernel)
            scores = ops.matmul(ops.tanh(pre), self.score_kernel)
        else:                               # e_j = qᵀ W_a h_j
            projected = ops.matmul(query, self.attention_kernel)
            scores = ops.squeeze(ops.matmul(memory, ops.expand_dims(projected, -1)), -1)
        if mask is not None:
            scores = ops.where(mask > 0.5, scores, scores - MASK_PENALTY)
        weights = ops.softmax(scores, axis=-1)
        context = ops.squeeze(ops.matmul(ops.expand_dims(weights, 1), memory), 1)
        return context, weights

    # --- dropout: the wrapped cell's masks, drawn once per RNN call (module docstring) -------
    def get_dropout_mask(self, step_input):
        """The wrapped cell's input mask, drawn on its input width [x_t; e_t]."""
        extra = self.memory_dim if self.kind == "bahdanau" else (self.units if self.input_feeding else 0)
        width = ops.concatenate([step_input, ops.zeros((ops.shape(step_input)[0], extra), step_input.dtype)], -1)
        return self.cell.get_dropout_mask(width)

    def get_recurrent_dropout_mask(self, step_input):
        return self.cell.get_recurrent_dropout_mask(step_input)

    def reset_dropout_mask(self):
        self.cell.reset_dropout_mask()

    def reset_recurrent_dropout_mask(self):
        self.cell.reset_recurrent_dropout_mask()

    def call(self, inputs, states, training=False):
        states = list(states)
        cell_states, rest = states[:self.cell_states], states[self.cell_states:]
        feed = rest.pop(0) if self.input_feeding else None
        memory, mask = rest[0], (rest[1] if self.masked else None)
        if self.kind == "bahdanau":
            context, _ = self.attend(cell_states[0], memory, mask)     # query: s_{t-1}
            h, new = self.cell(ops.concatenate([inputs, context], axis=-1), cell_states, training=training)
            output, feed_out = ops.concatenate([h, context], axis=-1), []
        else:
            x = ops.concatenate([inputs, feed], axis=-1) if self.input_feeding else inputs
            h, new = self.cell(x, cell_states, training=training)
            context, _ = self.attend(h, memory, mask)                 # query: s_t
            output = ops.tanh(ops.matmul(ops.concatenate([context, h], axis=-1), self.attentional_kernel))
            feed_out = [output] if self.input_feeding else []
        new = list(new) if isinstance(new, (list, tuple)) else [new]
        return output, [*new, *feed_out, memory, *([mask] if self.masked else [])]


def _cell(cell: str, units: int, options: dict):
    """The wrapped cell with the RNN layers' options (dropout, recurrent_dropout, reset_after)."""
    if cell == "lstm":
        return keras.layers.LSTMCell(units, **{k: v for k, v in options.items() if k != "reset_after"})
    return keras.layers.GRUCell(units, **options)


def padding_mask(encoder_inputs, word: bool):
    """The mask Keras derives from the encoder input, as 0.0/1.0: ``Embedding(mask_zero=True)``'s
    ids ≠ 0, or ``Masking(mask_value=0.0)``'s rows with a non-zero entry."""
    real = ops.not_equal(encoder_inputs, 0) if word else ops.any(ops.not_equal(encoder_inputs, 0.0), axis=-1)
    return ops.cast(real, keras.config.floatx())


def _zero_feed(decoder_inputs, units: int, word: bool):
    """ã_0 = 0, (N, units), built from the decoder input's batch (see the module docstring)."""
    first = decoder_inputs[:, :1] if word else decoder_inputs[:, 0, :1]
    return ops.repeat(ops.zeros_like(ops.cast(first, keras.config.floatx())), units, axis=1)


def build_attentive_training_model(num_encoder_tokens: int, num_decoder_tokens: int, latent_dim: int = 256,
                                   cell: str = "lstm", kind: str = "bahdanau", input_feeding: bool = False,
                                   num_layers: int = 1, bidirectional: bool = False, level: str = "char",
                                   mask_zero: bool = False, compile: bool = True, mask_padding: bool = False,
                                   dropout: float = 0.0, recurrent_dropout: float = 0.0,
                                   reset_after: bool = True, output_dropout: float = 0.0,
                                   word_dropout: float = 0.0, tie_embeddings: bool = False) -> keras.Model:
    """([encoder_input, decoder_input]) -> decoder_target: ``reference.deep``'s model whose top
    decoder layer is ``RNN(AttentiveCell(...))`` over the top encoder layer's outputs.
    mask_padding (char level): ``Masking(mask_value=0.0)`` after each input; dropout,
    recurrent_dropout, reset_after: every RNN layer's and the wrapped cell's; output_dropout:
    a ``Dropout`` before the Dense layer (``reference.deep.output_dropped``); word_dropout: one
    after each Embedding (``reference.deep.model_input``); tie_embeddings: the softmax layer's
    kernel is the decoder Embedding's table (``reference.deep.output_layer``)."""
    if cell not in CELLS or level not in ("char", "word") or (mask_zero and level != "word") \
            or (mask_padding and level != "char"):
        raise ValueError(f"unsupported variant: cell={cell!r}, level={level!r}, mask_zero={mask_zero}, "
                         f"mask_padding={mask_padding}")
    word, options = level == "word", _options(cell, dropout, recurrent_dropout, reset_after)
    # the encoder: reference.deep's, every layer returning its sequence (the top one's is the memory)
    encoder_inputs, x, encoder_states = encoder_stack(num_encoder_tokens, latent_dim, cell, num_layers,
                                                      bidirectional, level, mask_zero, mask_padding, True, options,
                                                      word_dropout)
    made = {}
    decoder_inputs, y = model_input("decoder", level, num_decoder_tokens, latent_dim, mask_zero, mask_padding,
                                    word_dropout, made)
    masked = mask_zero or mask_padding
    memory = [x] + ([padding_mask(encoder_inputs, word)] if masked else [])

    units = 2 * latent_dim if bidirectional else latent_dim
    for k in range(num_layers - 1):      # plain decoder layers below the attentive one
        y, *_ = _rnn(cell, units, return_sequences=True, return_state=True, name=decoder_name(k), **options)(
            y, initial_state=encoder_states[k])
    feed = [_zero_feed(decoder_inputs, units, word)] if input_feeding else []
    attentive = keras.layers.RNN(
        AttentiveCell(_cell(cell, units, options), kind, input_feeding, masked=masked, memory_dim=units),
        return_sequences=True, return_state=True, name=decoder_name(num_layers - 1))
    y, *_ = attentive(y, initial_state=[*encoder_states[-1], *feed, *memory])
    y = output_dropped(y, output_dropout)
    outputs = output_layer(num_decoder_tokens, made.get("embedding") if tie_embeddings else None)(y)

    model = keras.Model([encoder_inputs, decoder_inputs], outputs)
    if compile:
        model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    return model


def build_attentive_inference_models(model: keras.Model, num_layers: int = 1):
    """(encoder_model, decoder_model) on the trained layers of ``model``:
    ``encoder_model(x) -> [*states of every layer, (ã_0 = 0), encoder_outputs, (mask)]``,
    ``decoder_model([target, *that list]) -> [probs, *the new list]`` (npseq2seq's state list)."""
    encoders = [model.get_layer(encoder_name(k)) for k in range(num_layers)]
    decoders = [model.get_layer(decoder_name(k)) for k in range(num_layers)]
    attentive = decoders[-1].cell
    bidirectional = isinstance(encoders[0], keras.layers.Bidirectional)
    word = DECODER_EMBEDDING in {layer.name for layer in model.layers}

    encoder_inputs = model.input[0]
    encoder_states = trained_encoder_states(encoders, bidirectional)
    units = attentive.units
    feed = [ops.zeros_like(encoder_states[-1])] if attentive.input_feeding else []
    memory = [encoders[-1].output[0]]
    if attentive.masked:
        memory.append(ops.cast(padding_mask(encoder_inputs, word), "bool"))
    encoder_model = keras.Model(encoder_inputs, encoder_states + feed + memory)

    dense = model.get_layer(DENSE)
    decoder_inputs = keras.Input(shape=(None,) if word else (None, dense.units))
    y = model.get_layer(DECODER_EMBEDDING)(decoder_inputs) if word else decoder_inputs
    if DECODER_MASKING in {layer.name for layer in model.layers}:
        y = model.get_layer(DECODER_MASKING)(y)
    per_layer = attentive.cell_states
    state_inputs, decoder_states = [], []
    for layer in decoders[:-1]:
        inputs = [keras.Input(shape=(layer.units,)) for _ in range(per_layer)]
        y, *states = layer(y, initial_state=inputs)
        state_inputs += inputs
        decoder_states += states
    top = [keras.Input(shape=(units,)) for _ in range(per_layer + len(feed))]
    memory_inputs = [keras.Input(shape=(None, attentive.memory_dim))]
    if attentive.masked:
        memory_inputs.append(keras.Input(shape=(None,), dtype="bool"))
    mask_state = [ops.cast(memory_inputs[1], keras.config.floatx())] if attentive.masked else []
    y, *states = decoders[-1](y, initial_state=[*top, memory_inputs[0], *mask_state])
    probs = dense(y)
    decoder_states += states[:per_layer + len(feed)]      # the memory passes through as given
    decoder_model = keras.Model([decoder_inputs, *state_inputs, *top, *memory_inputs],
                                [probs, *decoder_states, *memory_inputs])
    return encoder_model, decoder_model
