"""A Seq2Seq model's Keras training model, as the graph of calls a Keras user writes.

The calls follow ``reference/``'s builders (the tutorial, its FAQ, ``reference/deep.py``'s
encoder loop and decoder loop, ``reference/attention.py``, ``reference/masking.py``)::

    x = encoder_inputs                       [Embedding(mask_zero) [Dropout(word_dropout, noise_shape)]
                                              | Masking()] first
    for k in layers:  x, *states_k = RNN_k(x)                   # Bidirectional: states
                                                                  # concatenated [fw; bw]
    y = decoder_inputs                       [Embedding [Dropout] | Masking]
    for k in layers:  y, *_ = RNN_k(y, initial_state=states_k)
    [context = Attention()([y, x]);  y = Concatenate()([y, context])]
    [y = Dropout(output_dropout)(y)]
    outputs = Dense(num_decoder_tokens, activation="softmax")(y)

Without teacher forcing (the FAQ) the decoder layers and the Dense are called once a step
on the previous step's probabilities, from a (N, 1, V) start input, and the steps'
outputs are joined along time. The FAQ joins them with
``Lambda(lambda x: K.concatenate(x, axis=1))``, which Keras 3 stores as Python bytecode
and loads only with ``safe_mode=False``; ``Concatenate(axis=1)`` computes the same and
loads safely, so that is what is written. The number of steps is fixed in the graph.

Masks are written as Keras records them: the encoder's Embedding (``mask_zero``) or
Masking mask is an op node (``NotEqual``, and ``Any`` for Masking) handed to every
encoder layer as ``mask=``; the decoder's RNNs, called with ``initial_state``, get none
(the Keras fact ``model/masking.py`` describes), and Attention finds its masks on its
inputs when Keras rebuilds the graph.
"""
from __future__ import annotations

from . import writer_layers as kl
from .writer_graph import Graph

__all__ = ["training_graph"]


class _Builder:
    def __init__(self, model, steps):
        self.model, self.config, self.steps = model, model.config, steps
        self.dtype = self.config.dtype
        self.graph = Graph()
        self.count: dict[str, int] = {}
        # every RNN layer's options beyond its size: the GRU's variant and the dropout rates
        c = self.config
        self._options = dict(reset_after=c.reset_after, dropout=c.dropout, recurrent_dropout=c.recurrent_dropout)

    def name(self, base: str) -> str:
        """Keras's automatic names: base, base_1, base_2, … in creation order."""
        k = self.count.get(base, 0)
        self.count[base] = k + 1
        return base if k == 0 else f"{base}_{k}"

    def call(self, layer, args, kwargs, outputs):
        return self.graph.call(layer, args, kwargs, [(shape, self.dtype) for shape in outputs])

    # --- the encoder -----------------------------------------------------------------------
    def encoder(self, inputs):
        """(top layer's outputs, states of each layer)."""
        c, model = self.config, self.model
        x, mask = inputs, None
        if c.level == "word":
            table = model.encoder.embedding
            x, = self.call(kl.embedding(table.name, c.num_encoder_tokens, c.latent_dim, c.mask_zero, self.dtype,
                                        table.embeddings), [inputs], {}, [(None, None, c.latent_dim)])
            x = self.word_dropout(x, model.encoder.word_dropout)
            if c.mask_zero:
                mask, = self.graph.call(kl.not_equal(self.name("not_equal")), [inputs, 0], {},
                                        [((None, None), "bool")])
        elif c.mask_padding:
            x, = self.call(kl.masking("encoder_masking", self.dtype), [inputs], {}, [inputs.shape])
            differs, = self.graph.call(kl.not_equal(self.name("not_equal")), [inputs, 0.0], {},
                                       [(inputs.shape, "bool")])
            mask, = self.graph.call(kl.any_op(self.name("any")), [differs], {}, [((None, None), "bool")])
        states = []
        for k, rnn in enumerate(model.encoder.rnns):
            sequences = k < c.num_layers - 1 or bool(c.attention)
            x, layer_states = (self._bidirectional if c.bidirectional else self._encoder_rnn)(rnn, x, mask, sequences)
            states.append(layer_states)
        return x, states

    def word_dropout(self, x, drop):
        """x past ``Dropout(rate, noise_shape=(None, None, 1))`` when the model has word_dropout
        (Keras hands the Embedding's mask on: the RNNs' ``mask=`` is still its NotEqual node)."""
        if drop is None:
            return x
        layer = kl.dropout(drop.name, drop.rate, self.dtype, list(drop.noise_shape))
        x, = self.call(layer, [x], {"training": False}, [x.shape])       # as Keras records the call
        return x

    def _encoder_rnn(self, rnn, x, mask, sequences):
        c, h = self.config, self.config.latent_dim
        config = kl.rnn_config(c.cell, rnn.name, h, self.dtype, sequences, **self._options)
        layer = kl.rnn(c.cell, config, rnn.weights, {"input_shape": list(x.shape)})
        out_shape = (None, None, h) if sequences else (None, h)
        out, *states = self.call(layer, [x], {"training": False, "mask": mask},
                                 [out_shape] + [(None, h)] * rnn.state_size)
        return out, states

    def _bidirectional(self, rnn, x, mask, sequences):
        c, h = self.config, self.config.latent_dim
        fw, bw = rnn.forward_layer, rnn.backward_layer
        inner = dict(units=h, dtype=self.dtype, return_sequences=sequences, zero_output_for_mask=sequences,
                     **self._options)
        layer = kl.bidirectional(c.cell, rnn.name, kl.rnn_config(c.cell, f"forward_{rnn.name}", **inner),
                                 kl.rnn_config(c.cell, f"backward_{rnn.name}", go_backwards=True, **inner),
                                 self.dtype, list(x.shape), fw.weights, bw.weights)
        n = fw.state_size
        out, *states = self.call(layer, [x], {"mask": mask},
                                 [(None, None, 2 * h) if sequences else (None, 2 * h)] + [(None, h)] * (2 * n))
        # the recipe: [h_fw; h_bw], [c_fw; c_bw] start a decoder of 2h units
        joined = []
        for f, b in zip(states[:n], states[n:]):
            concat = kl.concatenate(self.name("concatenate"), self.dtype, [list(f.shape), list(b.shape)])
            joined += self.call(concat, [[f, b]], {}, [(None, 2 * h)])
        return out, joined

    # --- the decoder -----------------------------------------------------------------------
    def decoder_layers(self, y, states):
        """The decoder RNNs on y (layer k from states[k]): (top outputs, new states)."""
        c, hd = self.config, self.config.decoder_units
        new = []
        for rnn, initial in zip(self.model.decoder.rnns, states):
            config = kl.rnn_config(c.cell, rnn.name, hd, self.dtype, True, **self._options)
            build = {"shapes_dict": {"sequences_shape": list(y.shape),
                                     "initial_state_shape": [list(s.shape) for s in initial]}}
            layer = self.graph.layers.get(rnn.name) or kl.rnn(c.cell, config, rnn.weights, build)
            y, *layer_states = self.call(layer, [y], {"initial_state": initial},
                                         [y.shape[:2] + (hd,)] + [(None, hd)] * rnn.state_size)
            new.append(layer_states)
        return y, new

    def dense(self, y):
        """Dense softmax on y, after the decoder's Dropout when the model has output_dropout
        (the same two layers at every step of the free-running loop)."""
        drop = self.model.decoder.dropout
        if drop is not None:
            layer = self.graph.layers.get(drop.name) or kl.dropout(drop.name, drop.rate, self.dtype)
            y, = self.call(layer, [y], {"training": False}, [y.shape])    # as Keras records the call
        dense = self.model.decoder.dense
        layer = self.graph.layers.get(dense.name) or kl.dense(
            dense.name, dense.units, self.dtype, list(y.shape), dense.kernel, dense.bias)
        out, = self.call(layer, [y], {}, [y.shape[:2] + (dense.units,)])
        return out

    def attention(self, y, memory):
        c, hd = self.config, self.config.decoder_units
        shapes = [list(y.shape), list(memory.shape)]
        attention = self.model.decoder.attention
        scale = attention.scale if c.attention == "additive" else None
        context, = self.call(kl.attention(c.attention, "attention", self.dtype, shapes, scale), [[y, memory]], {},
                             [y.shape])
        concat = kl.concatenate("attention_features", self.dtype, [list(y.shape), list(context.shape)])
        y, = self.call(concat, [[y, context]], {}, [(None, None, 2 * hd)])
        return y

    def build(self):
        c = self.config
        word = c.level == "word"
        enc_in = self.graph.input(kl.input_layer("encoder_inputs", (None, None) if word else
                                                 (None, None, c.num_encoder_tokens), self.dtype),
                                  (None, None) if word else (None, None, c.num_encoder_tokens), self.dtype)
        memory, states = self.encoder(enc_in)
        dec_shape = (None, None) if word else (None, None if c.teacher_forcing else 1, c.num_decoder_tokens)
        dec_in = self.graph.input(kl.input_layer("decoder_inputs", dec_shape, self.dtype), dec_shape, self.dtype)
        if not c.teacher_forcing:
            return [enc_in, dec_in], self._free_running(dec_in, states)
        y = dec_in
        if word:
            table = self.model.decoder.embedding
            y, = self.call(kl.embedding(table.name, c.num_decoder_tokens, c.latent_dim, c.mask_zero, self.dtype,
                                        table.embeddings), [dec_in], {}, [(None, None, c.latent_dim)])
            y = self.word_dropout(y, self.model.decoder.word_dropout)
        elif c.mask_padding:
            y, = self.call(kl.masking("decoder_masking", self.dtype), [dec_in], {}, [dec_in.shape])
        y, _ = self.decoder_layers(y, states)
        if c.attention:
            y = self.attention(y, memory)
        return [enc_in, dec_in], self.dense(y)

    def _free_running(self, start, states):
        """The FAQ's loop: each step's probabilities are the next step's input."""
        outputs, y = [], start
        for _ in range(self.steps):
            y, states = self.decoder_layers(y, states)
            y = self.dense(y)
            outputs.append(y)
        if len(outputs) == 1:
            return outputs[0]
        concat = kl.concatenate(self.name("concatenate"), self.dtype, [list(o.shape) for o in outputs], axis=1)
        out, = self.call(concat, [outputs], {}, [(None, len(outputs), self.config.num_decoder_tokens)])
        return out


def training_graph(model, steps: int | None = None):
    """(Graph, input tensors, output tensor) of ``model``'s Keras training model. ``steps``:
    the decoder steps of a model without teacher forcing (the targets' length)."""
    builder = _Builder(model, steps)
    inputs, output = builder.build()
    return builder.graph, inputs, output
