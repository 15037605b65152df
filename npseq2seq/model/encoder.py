"""The encoder: input tokens → (Embedding) → a stack of RNNs → the states the decoder starts from.

    ids (N, Te) ─► [Embedding (N, Te, E), word level] ─► RNN 1 ─► RNN 2 ─► … ─► RNN L
                                                           │        │            ├──► outputs (N, Te, H):
                                                           ▼        ▼            ▼    the memory attention
                                                      states 1  states 2  …  states L   reads (attention only)

Every layer but the top one returns its output sequence, which the next layer reads (and
the padding mask, if any, goes to every layer, as Keras passes it down a stack of RNNs
that return sequences). Every layer returns its final states: layer k's start decoder
layer k (the Keras pattern ``encoder_state_h1, encoder_state_c1, …``), so ``forward``
returns them as one flat list, layer 1's first.

A bidirectional encoder's layers are ``layers.Bidirectional``: each hands on its
[forward; backward] output sequence (N, Te, 2H) and its states [h_fw, c_fw, h_bw, c_bw],
which are concatenated into [h_fw; h_bw], [c_fw; c_bw] (N, 2H) for a decoder of 2H units
(the usual Keras recipe: ``Concatenate()([forward_h, backward_h])``).

At character level the ids enter the first RNN directly: one-hot × kernel is a row of
the kernel, so the RNN gathers rows instead of multiplying by zeros
(``Recurrent.project_inputs``). Backward takes the gradients of what the decoder used,
the final states (it started from them) and, with attention, the top outputs (its
values), and runs the layers' BPTT from the top down.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..layers import Bidirectional
from .inputs import embed, embed_backward


class EncoderCache(NamedTuple):
    embedding: object | None     # EmbeddingCache (word level) or None
    rnns: list                   # each layer's RecurrentCache (BidirectionalCache), bottom first
    mask: np.ndarray | None      # (N, Te) the input's padding mask (mask_zero) or None

    @property
    def rnn(self):
        """The top layer's cache (the only one of a one-layer encoder)."""
        return self.rnns[-1]


def join_directions(states: list, k: int) -> list:
    """[*forward (k), *backward (k)] states (N, H) → k states [forward; backward] (N, 2H)."""
    return [np.concatenate([f, b], axis=1) for f, b in zip(states[:k], states[k:])]


def split_directions(dstates: list, units: int) -> list:
    """The reverse of ``join_directions`` for gradients: k (N, 2H) → [*forward, *backward]."""
    return [d[:, :units] for d in dstates] + [d[:, units:] for d in dstates]


class Encoder:
    """``Encoder(rnns, embedding=None, return_memory=False, word_dropout=None)``; the layers are built by
    ``model.build`` (in the order Keras lists their weights) and passed in.

    rnns: the RNN layers bottom first (one ``Recurrent`` or ``Bidirectional`` per layer; a
    single layer may be passed as itself). return_memory: also hand the decoder the top
    layer's output sequence, and the padding mask when there is one (attention); the top
    layer must then have ``return_sequences=True``, as every layer below it has.
    word_dropout: a ``Dropout`` on the Embedding's vectors in training (``inputs.embed``).
    """

    def __init__(self, rnns, embedding=None, return_memory: bool = False, word_dropout=None):
        self.rnns = list(rnns) if isinstance(rnns, (list, tuple)) else [rnns]
        self.embedding, self.return_memory, self.word_dropout = embedding, return_memory, word_dropout
        self.bidirectional = isinstance(self.rnns[0], Bidirectional)

    @property
    def rnn(self):
        """The top RNN layer (the only one of a one-layer encoder)."""
        return self.rnns[-1]

    @property
    def layers(self) -> list:
        return [layer for layer in (self.embedding, *self.rnns) if layer is not None]

    def _for_decoder(self, rnn, states: list) -> list:
        """A layer's final states as its decoder layer starts from them."""
        return join_directions(states, rnn.state_size // 2) if self.bidirectional else states

    def forward(self, ids: np.ndarray, lengths: np.ndarray | None = None, training: bool = False,
                rng: np.random.Generator | None = None):
        """ids (N, Te) → (final states of every layer, memory, cache). memory is [] without
        attention, else [outputs (N, Te, H)] or, with a padding mask, [outputs, mask (N, Te)].

        lengths: (N,) decreasing, to run the RNNs packed (length-bucketed training) instead
        of reading a padding mask. training, rng: dropout (masks drawn from rng: the word
        dropout's, then the RNNs' layer by layer from the bottom).
        """
        x, emb_cache, mask = embed(self.embedding, ids, self.word_dropout, training, rng)
        states, caches = [], []
        for rnn in self.rnns:               # each layer reads the output sequence of the last
            (x, *layer_states), cache = rnn.forward(x, mask=mask if lengths is None else None,
                                                    lengths=lengths, training=training, rng=rng)
            states += self._for_decoder(rnn, layer_states)
            caches.append(cache)
        memory = ([x] if mask is None else [x, mask]) if self.return_memory else []
        return states, memory, EncoderCache(emb_cache, caches, mask)

    def backward(self, dstates: list, dseq: np.ndarray | None, cache: EncoderCache,
                 embedding_rows: bool = False) -> dict[str, list]:
        """d(final states of every layer) and d(top outputs) (None: attention did not read
        them) → the grads of each layer, {layer name: [arrays]}."""
        per_layer = len(dstates) // len(self.rnns)
        grads = {}
        dx = dseq       # with attention the top sequence was also the attention's values
        for k in reversed(range(len(self.rnns))):
            rnn = self.rnns[k]
            # its final states were decoder layer k's initial states
            dlayer = dstates[k * per_layer:(k + 1) * per_layer]
            if self.bidirectional:
                dlayer = split_directions(dlayer, rnn.units)
            # its output sequence was the next layer's input: dx is that layer's d(inputs)
            dx, _, grads[rnn.name] = rnn.backward([dx, *dlayer], cache.rnns[k])
        return {**embed_backward(self.embedding, dx, cache.embedding, embedding_rows), **grads}

    def encode(self, ids: np.ndarray) -> list[np.ndarray]:
        """Inference: the decoder's initial state list, [*states, *memory]. Without memory
        the top layer computes only its final states (``Recurrent.final_states``: no cache
        kept); the layers below it hand on their output sequences."""
        if self.return_memory:                 # the memory is the whole output sequence
            states, memory, _ = self.forward(ids)
            return states + memory
        x, _, mask = embed(self.embedding, ids)
        states = []
        for rnn in self.rnns[:-1]:
            (x, *layer_states), _ = rnn.forward(x, mask=mask)
            states += self._for_decoder(rnn, layer_states)
        return states + self._for_decoder(self.rnn, self.rnn.final_states(x, mask=mask))
