"""The decoder with attention inside the recurrence (``attention="bahdanau"`` or
``"luong_general"``): ``Decoder`` whose top RNN layer is a ``layers.AttentiveRNN``.

    ids (N, Td) ─► [Embedding] ─► RNN 1 ─► … ─► RNN L−1 ─► AttentiveRNN ─► Dense softmax
                                                            ▲ every step reads the encoder
                                                            │ outputs (the memory)

The lower layers (a stack) are plain RNNs, as in ``Decoder``; the top one attends, so the
attention reads the top encoder layer's outputs with the top decoder state (as the
post-RNN attention does). Its outputs go straight to the Dense layer: [h_t; c_t] (N, Td,
H + He) for Bahdanau, ã_t (N, Td, H) for Luong.

The state list is ``Decoder``'s with, for Luong's input feeding, ã after the top layer's
cell states (``[h1, c1, …, hL, cL, ã, encoder outputs, (mask)]``), as the Keras
reference's state list (``reference/attentive.py``). ``encode`` adds ã_0 = 0
(``start_states``); training leaves it out of the top layer's initial state (zeros, no
gradient to return to the encoder). ``attention`` is the top layer, so the checks
"has this model attention?" (``decode_step(return_attention=True)``, ``inspect``) hold,
and the cache's ``attention.weights`` are the (N, Td, Te) alignments.

With ``mask_padding`` (Keras's ``Masking()`` on both inputs, ``model/masking.py``) the
encoder's mask rides in the state list after the outputs, as for the post-RNN attention,
and the attention gives padded encoder steps no weight; the decoder's RNNs get no mask
(Keras's RNN called with ``initial_state``), the loss leaves its padded steps out. A
length-bucketed batch (``lengths``) runs the lower layers packed and the top layer masked
by its lengths; only the real steps reach the Dense layer, as in ``Decoder``.
"""
from __future__ import annotations

import numpy as np

from .decoder import Decoder, DecoderCache, StepTrace, real_steps, unpack_steps
from .inputs import embed


class AttentiveDecoder(Decoder):
    """``AttentiveDecoder(rnns, dense, embedding=None, mask_padding=False, dropout=None,
    word_dropout=None)``: rnns bottom first, the last an ``AttentiveRNN``."""

    def __init__(self, rnns, dense, embedding=None, mask_padding: bool = False, dropout=None,
                 word_dropout=None):
        super().__init__(rnns, dense, embedding, attention=None, mask_padding=mask_padding, dropout=dropout,
                         word_dropout=word_dropout)
        self.attention = self.rnn

    @property
    def layers(self) -> list:
        return [layer for layer in (self.embedding, *self.rnns, self.dense) if layer is not None]

    def per_layer(self, states) -> list:
        """Flat states (or None) → one list per layer; the top layer's may end with ã."""
        if states is None:
            return [None] * len(self.rnns)
        states, k = list(states), self.rnns[0].state_size if len(self.rnns) > 1 else 0
        lower = [states[i * k:(i + 1) * k] for i in range(len(self.rnns) - 1)]
        return lower + [states[k * (len(self.rnns) - 1):]]

    def split_state(self, states) -> tuple[list, list]:
        """A decoder state list → (the RNN states with ã, the memory), as ``Decoder.split_state``;
        the memory ends with Bahdanau's projected keys when ``with_keys`` added them."""
        k, memory = self.state_size, self.memory_size
        if len(states) != k + memory and not (self.rnn.kind == "bahdanau" and len(states) == k + memory + 1):
            raise ValueError(f"the decoder state of an attention model must be a list of {k + memory} "
                             f"arrays (the cells' states{', ã' if self.rnn.input_feeding else ''}, encoder "
                             f"outputs{', encoder mask' if memory == 2 else ''}), as encode() returns; "
                             f"received {len(states)}")
        return list(states[:k]), list(states[k:])

    def start_states(self, encoded: list) -> list:
        """encode()'s list with ã_0 = 0 after the RNN states (input feeding)."""
        if not self.rnn.input_feeding:
            return encoded
        k = self.state_size - 1
        return [*encoded[:k], np.zeros_like(encoded[k - 1]), *encoded[k:]]

    def with_keys(self, states: list) -> list:
        """encode()'s list for a decoding loop: with Bahdanau's score, the keys V W_k
        (N, Te, A) appended, projected once here instead of at every ``decode_step``.
        Every array of the list has the batch axis first, so greedy decoding's compaction
        and beam search's reordering (``s[rows]``) carry the keys along with their rows."""
        if self.rnn.kind != "bahdanau":
            return states
        values = np.asarray(states[self.state_size], self.rnn.dtype)
        return [*states, self.rnn.score.project_keys(values)]

    def forward(self, inputs, states, memory=(), probabilities: bool = True, lengths=None,
                training: bool = False, rng=None):
        """As ``Decoder.forward``: lengths (N,) decreasing, a packed batch (the lower layers
        packed, the top one masked by them; out (R, V), the real steps only). training, rng:
        every layer's dropout, masks drawn layer by layer from the bottom."""
        seq, emb_cache, mask = embed(self.embedding, inputs, self.word_dropout, training, rng)
        mask = mask if lengths is None else None
        new_states, caches = [], []
        layers = self.per_layer(states)
        for rnn, initial in zip(self.rnns[:-1], layers[:-1]):
            (seq, *layer_states), cache = rnn.forward(seq, initial_state=initial, mask=mask, lengths=lengths,
                                                      training=training, rng=rng)
            new_states += layer_states
            caches.append(cache)
        (seq, *top_states), top = self.rnn.forward(seq, layers[-1], self._memory(memory), mask, lengths,
                                                   training, rng)
        real = None if lengths is None else real_steps(lengths, seq.shape[1])
        if real is not None:                 # the real steps only, (R, ·)
            seq = np.swapaxes(seq, 0, 1)[real]
        seq, drop_cache = self._drop(seq, training, rng)      # output_dropout (training only)
        out, dense_cache = self.dense.forward(seq, activate=probabilities)
        return out, new_states + top_states, DecoderCache(emb_cache, caches + [top], top, dense_cache, mask, real,
                                                          drop_cache)

    def backward(self, dout, cache: DecoderCache, dstates=None, from_logits: bool = True,
                 embedding_rows: bool = False):
        """As ``Decoder.backward``: (d inputs or None, d initial states, d memory outputs, grads)."""
        backward = self.dense.backward_logits if from_logits else self.dense.backward
        dseq, dense_grads = backward(dout, cache.dense)
        dseq = self._drop_backward(dseq, cache.dropout)
        if cache.real is not None:           # padded steps had no loss: zero gradient
            dseq = unpack_steps(dseq, cache.real)
        dfinal = self.per_layer([None] * self.state_size if dstates is None else dstates)
        dx, dinitial, dvalues, top_grads = self.rnn.backward([dseq, *dfinal[-1]], cache.rnns[-1])
        grads = {self.dense.name: dense_grads, self.rnn.name: top_grads}
        for k in reversed(range(len(self.rnns) - 1)):
            dx, dlayer, grads[self.rnns[k].name] = self.rnns[k].backward([dx, *dfinal[k]], cache.rnns[k])
            dinitial = dlayer + dinitial
        grads = self._embedding_gradients(grads, dx, cache.embedding, embedding_rows)
        return (None if self.embedding is not None else dx), dinitial, dvalues, grads

    def step(self, token_ids, states, memory=(), probabilities: bool = True):
        """As ``Decoder.step``; the trace's states are the cells' (ã left out), its attention
        the top layer's weights (N, Te)."""
        ids = np.asarray(token_ids)[None]
        x, _, mask = embed(self.embedding, ids)
        step_mask = None if mask is None else mask[0]
        layers, new_states = self.per_layer(states), []
        for rnn, prev in zip(self.rnns[:-1], layers[:-1]):
            layer_states, _ = rnn.step_forward(rnn.project_inputs(x)[0], prev, step_mask)
            new_states += layer_states
            x = layer_states[0][None]
        xw = self.rnn.project(x if np.issubdtype(x.dtype, np.integer) else x.astype(self.rnn.dtype, copy=False))
        out, top_states, gates, weights = self.rnn.step(xw[0], layers[-1], self._memory(memory), step_mask)
        probs, _ = self.dense.forward(out[:, None], activate=probabilities)
        cells = new_states + top_states[:self.rnn.rnn.state_size]
        return probs[:, 0], new_states + top_states, StepTrace(probs[:, 0], cells, gates, weights)

    def _memory(self, memory):
        """The attention's memory (values, their keys, the mask) from the state list's tail;
        the keys projected here unless ``with_keys`` carried them."""
        m = self.memory_size
        keys = memory[m] if len(memory) > m else None
        return self.rnn.memory(memory[0], memory[1] if m > 1 else None, keys=keys)
