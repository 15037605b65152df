"""The decoder: the previous token and the states → the next token's probabilities.

    ids (N, Td) ─► [Embedding, word level] ─► RNN 1 ─► … ─► RNN L ─► outputs (N, Td, H)
                   (layer k's initial state: encoder layer k's final states)
        outputs ─► [attention over the encoder outputs: [outputs; context] (N, Td, 2H)]
                ─► [Dropout, training only] ─► Dense softmax ─► (N, Td, V)

Each RNN layer reads the output sequence of the one below; the top layer's outputs go on.

One set of parts, two ways to run them:

- ``forward`` runs them over Td steps and keeps a cache for ``backward``: teacher-forced
  training (all Td steps at once: one GEMM for the RNN's input projection and one for
  the Dense layer), each step of training without teacher forcing (``free_running.py``),
  and the tutorial's ``decoder_model.predict``;
- ``step`` runs them for one step and keeps nothing: ``decode_step``, and so greedy
  decoding, beam search and ``inspect``. It is ``forward`` on one step with the RNN's
  cache-free ``step_forward`` (a decoding step costs ~40 µs, of which a cache's arrays
  would be a noticeable part), and it returns the same numbers to the last bit.

The decoder's *state* at inference is a list: the RNNs' states, layer 1's first
([h1, c1, h2, c2, …] or [h1, h2, …]) and, with attention, the memory it reads after
them (the encoder outputs, and their padding mask with mask_zero), so that greedy and
beam search handle any decoder alike.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..layers.masking import padding_mask
from .inputs import embed, embed_backward


class DecoderCache(NamedTuple):
    embedding: object | None     # EmbeddingCache (word level) or None
    rnns: list                   # each layer's RecurrentCache, bottom first
    attention: object | None     # AttentionCache: the weights (N, Td, Te), or None
    dense: object                # DenseCache: the logits (N, Td, V) or (R, V) packed
    mask: np.ndarray | None      # (N, Td) the steps that count (mask_zero), or None
    real: np.ndarray | None      # (Td, N) packed: the real steps, the only rows Dense saw
    dropout: object | None = None  # DropoutCache of the Dense layer's input (output_dropout), or None

    @property
    def rnn(self):
        """The top layer's cache (the only one of a one-layer decoder)."""
        return self.rnns[-1]


class StepTrace(NamedTuple):
    """What one ``step`` computed, for ``inspect`` (``decode_step(..., trace=[])``)."""
    probs: np.ndarray            # (N, V) the next token's probabilities
    states: list                 # every layer's new states, each (N, H), as decode_step returns them
    gates: np.ndarray            # (N, G·H) the top RNN layer's fused gate activations
    attention: np.ndarray | None  # (N, Te) this step's attention weights, or None


def real_steps(lengths: np.ndarray, steps: int) -> np.ndarray:
    """(Td, N) True where step t < lengths[n]: the steps a packed batch really has."""
    return np.arange(steps)[:, None] < lengths[None, :]


def unpack_steps(dreal: np.ndarray, real: np.ndarray) -> np.ndarray:
    """The gradient of the real steps' rows (R, ·) → (N, Td, ·), zeros at padded steps."""
    full = np.zeros(real.shape + dreal.shape[1:], dreal.dtype)     # (Td, N, ·)
    full[real] = dreal
    return np.swapaxes(full, 0, 1)


class Decoder:
    """``Decoder(rnns, dense, embedding=None, attention=None, mask_padding=False, dropout=None,
    word_dropout=None)``, layers built by ``model.build``; rnns: the RNN layers bottom first (a
    single layer may be passed as itself). mask_padding: Keras's Masking() on the decoder
    input, which reaches the attention (its queries) but not the RNNs (``model/masking.py``).
    dropout: a ``layers.Dropout`` on the Dense layer's input (``output_dropout``), or None;
    word_dropout: one on the Embedding's vectors (``inputs.embed``), or None."""

    def __init__(self, rnns, dense, embedding=None, attention=None, mask_padding: bool = False,
                 dropout=None, word_dropout=None):
        self.rnns = list(rnns) if isinstance(rnns, (list, tuple)) else [rnns]
        self.dense, self.embedding, self.attention = dense, embedding, attention
        self.mask_padding, self.dropout, self.word_dropout = mask_padding, dropout, word_dropout

    @property
    def rnn(self):
        """The top RNN layer (the only one of a one-layer decoder): its outputs go on."""
        return self.rnns[-1]

    @property
    def layers(self) -> list:
        return [layer for layer in (self.embedding, *self.rnns, self.attention, self.dense)
                if layer is not None]

    @property
    def state_size(self) -> int:
        """How many arrays the RNNs' states are: the sum over the layers."""
        return sum(rnn.state_size for rnn in self.rnns)

    def per_layer(self, states) -> list:
        """A flat list of the RNNs' states (or None) → one list per layer, bottom first."""
        if states is None:
            return [None] * len(self.rnns)
        states = list(states)
        if len(self.rnns) == 1:
            return [states]                  # the layer checks their number, naming itself
        if len(states) != self.state_size:
            raise ValueError(f"the decoder's states must be a list of {self.state_size} arrays "
                             f"({len(self.rnns)} layers of {self.rnn.state_size}, layer 1's first), "
                             f"received {len(states)}")
        k = self.rnn.state_size              # the layers are of one cell
        return [states[i:i + k] for i in range(0, len(states), k)]

    @property
    def memory_size(self) -> int:
        """How many arrays follow the RNN's states in the state list: the encoder outputs,
        and their padding mask when the Embeddings mask zeros or with mask_padding (attention
        only)."""
        if self.attention is None:
            return 0
        return 1 + bool(self.mask_padding or (self.embedding is not None and self.embedding.mask_zero))

    def start_states(self, encoded: list) -> list:
        """``encode``'s state list as ``decode_step`` takes it: the same list here
        (``AttentiveDecoder`` adds Luong's ã_0)."""
        return encoded

    def with_keys(self, states: list) -> list:
        """A start state list for a decoding loop: the same here (``AttentiveDecoder``
        appends Bahdanau's projected keys)."""
        return states

    def split_state(self, states) -> tuple[list, list]:
        """A decoder state list → (the RNN's states, the attention memory: [] without)."""
        if self.attention is None:
            return list(states), []          # the RNN checks the number of its states
        k, memory = self.state_size, self.memory_size
        if len(states) != k + memory:
            cell = type(self.rnn).__name__.lower()
            raise ValueError(f"the decoder state of an attention model must be a list of "
                             f"{k + memory} arrays ({cell} states, encoder outputs"
                             f"{', encoder mask' if memory == 2 else ''}), as encode() returns; "
                             f"received {len(states)}")
        return list(states[:k]), list(states[k:])

    # --- forward: Td steps, cached ------------------------------------------------------
    def forward(self, inputs, states, memory=(), probabilities: bool = True, lengths=None,
                training: bool = False, rng=None):
        """inputs (N, Td) ids, or (N, Td, V) rows (fed-back probabilities) → (out, final
        states, cache). out: probabilities (N, Td, V), or the logits if not
        ``probabilities`` (the loss reads the logits). lengths: (N,) decreasing, to run
        packed: the RNN computes only the running rows, and only the real steps reach the
        Dense layer (out is then (R, V), R = Σ lengths). training, rng: the RNNs' dropout
        (masks drawn from rng, layer by layer from the bottom)."""
        seq, emb_cache, mask = embed(self.embedding, inputs, self.word_dropout, training, rng)
        new_states, rnn_caches = [], []
        for rnn, initial in zip(self.rnns, self.per_layer(states)):
            (seq, *layer_states), cache = rnn.forward(seq, initial_state=initial, lengths=lengths,
                                                      mask=mask if lengths is None else None,
                                                      training=training, rng=rng)
            new_states += layer_states
            rnn_caches.append(cache)
        features, att_cache = self._attend(seq, memory, self._query_mask(inputs, mask))
        real = None if lengths is None else real_steps(lengths, seq.shape[1])
        if real is not None:                 # the real steps only, (R, H)
            features = np.swapaxes(features, 0, 1)[real]
        features, drop_cache = self._drop(features, training, rng)
        out, dense_cache = self.dense.forward(features, activate=probabilities)
        mask = None if lengths is not None else mask
        return out, new_states, DecoderCache(emb_cache, rnn_caches, att_cache, dense_cache, mask, real,
                                             drop_cache)

    def backward(self, dout, cache: DecoderCache, dstates=None, from_logits: bool = True,
                 embedding_rows: bool = False):
        """→ (d inputs (None for ids), d initial states, d memory outputs or None, grads).

        dout: d(loss)/d(logits) if ``from_logits`` (Keras's fused softmax cross-entropy),
        else d(loss)/d(probabilities). dstates: the gradients of the final states (None:
        nothing read them). grads: {layer name: [arrays]}.
        """
        backward = self.dense.backward_logits if from_logits else self.dense.backward
        dfeatures, dense_grads = backward(dout, cache.dense)
        dfeatures = self._drop_backward(dfeatures, cache.dropout)
        if cache.real is not None:           # padded steps had no loss: zero gradient
            dfeatures = unpack_steps(dfeatures, cache.real)
        dx, dvalues, attention_grads = self._attend_backward(dfeatures, cache.attention)
        dfinal = self.per_layer([None] * self.state_size if dstates is None else dstates)
        grads, dinitial = {self.dense.name: dense_grads, **attention_grads}, []
        for k in reversed(range(len(self.rnns))):      # the top layer first
            # its outputs were the next layer's inputs (the top's, the features'): dx
            dx, dlayer, grads[self.rnns[k].name] = self.rnns[k].backward([dx, *dfinal[k]], cache.rnns[k])
            dinitial = dlayer + dinitial
        grads = self._embedding_gradients(grads, dx, cache.embedding, embedding_rows)
        return (None if self.embedding is not None else dx), dinitial, dvalues, grads

    def _embedding_gradients(self, grads: dict, dx, cache, embedding_rows: bool) -> dict:
        """grads with the Embedding's, and the Dense kernel's part folded into them when the two
        share the table (``layers.TiedDense``): then the table's gradient is one dense array, as
        TensorFlow sums a variable's two uses before the optimiser sees them."""
        rows = embedding_rows and not self.dense.tied
        return self.dense.fold_gradients({**grads, **embed_backward(self.embedding, dx, cache, rows)})

    # --- step: one step, nothing kept --------------------------------------------------
    def step(self, token_ids, states, memory=(), probabilities: bool = True):
        """token ids (N,) and the RNNs' states → (probabilities (N, V), new states, StepTrace).

        With mask_zero a fed-back padding id is a masked step, as in the training model:
        the states carry over (and the attention's query is masked). probabilities=False
        returns the logits instead (the trace's ``probs`` too): greedy decoding reads only
        their argmax (``decode/greedy.py``).
        """
        ids = np.asarray(token_ids)[None]                    # (1, N): one step, time-major
        x, _, mask = embed(self.embedding, ids)
        new_states = []
        for rnn, prev in zip(self.rnns, self.per_layer(states)):
            layer_states, gates = rnn.step_forward(rnn.project_inputs(x)[0], prev,
                                                   None if mask is None else mask[0])
            new_states += layer_states
            x = layer_states[0][None]                        # (1, N, H): the next layer's input
        seq = layer_states[0][:, None]                       # (N, 1, H): the top layer's output
        features, att_cache = self._attend(seq, memory, self._query_mask(ids.T, None if mask is None else mask.T))
        probs, _ = self.dense.forward(features, activate=probabilities)
        weights = None if att_cache is None else att_cache.weights[:, 0]
        return probs[:, 0], new_states, StepTrace(probs[:, 0], new_states, gates, weights)

    # --- output_dropout: Keras's Dropout on the Dense layer's input --------------------
    def _drop(self, features, training: bool, rng):
        """(features with a fresh mask on every entry, DropoutCache) in training with
        output_dropout; (features, None) otherwise. Packed, only the real steps' rows (R, ·)
        are drawn: the padded steps never reach the Dense layer."""
        if self.dropout is None or not training:
            return features, None
        return self.dropout.forward(features, training=True, rng=rng)

    def _drop_backward(self, dfeatures, drop_cache):
        """out = where(keep, x·scale, 0) → dx = where(keep, dout·scale, 0); as is without."""
        return dfeatures if drop_cache is None else self.dropout.backward(dfeatures, drop_cache)[0]

    # --- attention: the Dense layer's input ----------------------------------------------
    def _query_mask(self, inputs, mask):
        """(N, Td) the attention's query mask: the Embedding's (mask_zero), or with
        mask_padding the decoder input's Masking() mask, which Keras hands to Attention()
        though not to the RNNs called with initial_state (model/masking.py); else None."""
        if mask is None and self.mask_padding and self.attention is not None:
            return padding_mask(inputs)
        return mask

    def _attend(self, seq, memory, query_mask=None):
        """The Dense layer's input from the decoder outputs seq (N, Td, H): seq itself, or
        with attention [seq; context] (N, Td, 2H); and the attention cache (None without)."""
        if self.attention is None:
            return seq, None
        values, value_mask = memory[0], (memory[1] if len(memory) > 1 else None)
        context, cache = self.attention.forward(seq, values, query_mask, value_mask)
        return np.concatenate([seq, context], axis=-1), cache

    def _attend_backward(self, dfeatures, att_cache):
        """Reverse of ``_attend`` → (d decoder outputs, d encoder outputs or None, {the
        attention's name: its weight grads} or {})."""
        if att_cache is None:
            return dfeatures, None, {}
        h = self.rnn.units
        # features = [seq; context]: the context half goes back through the attention
        dquery, dvalues, grads = self.attention.backward(dfeatures[..., h:], att_cache)
        # seq reaches the Dense directly and as the query
        return dfeatures[..., :h] + dquery, dvalues, {self.attention.name: grads}
