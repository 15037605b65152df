"""The decoder: the previous token and the states → the next token's probabilities.

    ids (N, Td) ─► [Embedding, word level] ─► RNN (initial state: the encoder's) ─► outputs (N, Td, H)
        outputs ─► [attention over the encoder outputs: [outputs; context] (N, Td, 2H)]
                ─► Dense softmax ─► (N, Td, V)

One set of parts, two ways to run them:

- ``forward`` runs them over Td steps and keeps a cache for ``backward``: teacher-forced
  training (all Td steps at once: one GEMM for the RNN's input projection and one for
  the Dense layer), each step of training without teacher forcing (``free_running.py``),
  and the tutorial's ``decoder_model.predict``;
- ``step`` runs them for one step and keeps nothing: ``decode_step``, and so greedy
  decoding, beam search and ``inspect``. It is ``forward`` on one step with the RNN's
  cache-free ``step_forward`` (a decoding step costs ~40 µs, of which a cache's arrays
  would be a noticeable part), and it returns the same numbers to the last bit.

The decoder's *state* at inference is a list: the RNN's states ([h, c] or [h]) and,
with attention, the memory it reads after them (the encoder outputs, and their padding
mask with mask_zero), so that greedy and beam search handle any decoder alike.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .inputs import embed, embed_backward


class DecoderCache(NamedTuple):
    embedding: object | None     # EmbeddingCache (word level) or None
    rnn: object                  # RecurrentCache
    attention: object | None     # AttentionCache: the weights (N, Td, Te), or None
    dense: object                # DenseCache: the logits (N, Td, V) or (R, V) packed
    mask: np.ndarray | None      # (N, Td) the steps that count (mask_zero), or None
    real: np.ndarray | None      # (Td, N) packed: the real steps, the only rows Dense saw


class StepTrace(NamedTuple):
    """What one ``step`` computed, for ``inspect`` (``decode_step(..., trace=[])``)."""
    probs: np.ndarray            # (N, V) the next token's probabilities
    states: list                 # the RNN's new states, each (N, H)
    gates: np.ndarray            # (N, G·H) the RNN's fused gate activations
    attention: np.ndarray | None  # (N, Te) this step's attention weights, or None


def real_steps(lengths: np.ndarray, steps: int) -> np.ndarray:
    """(Td, N) True where step t < lengths[n]: the steps a packed batch really has."""
    return np.arange(steps)[:, None] < lengths[None, :]


class Decoder:
    """``Decoder(rnn, dense, embedding=None, attention=None)``, layers built by ``Seq2Seq``."""

    def __init__(self, rnn, dense, embedding=None, attention=None):
        self.rnn, self.dense, self.embedding, self.attention = rnn, dense, embedding, attention

    @property
    def layers(self) -> list:
        return [layer for layer in (self.embedding, self.rnn, self.attention, self.dense)
                if layer is not None]

    @property
    def memory_size(self) -> int:
        """How many arrays follow the RNN's states in the state list: the encoder outputs,
        and their padding mask when the Embeddings mask zeros (attention only)."""
        if self.attention is None:
            return 0
        return 1 + bool(self.embedding is not None and self.embedding.mask_zero)

    def split_state(self, states) -> tuple[list, list]:
        """A decoder state list → (the RNN's states, the attention memory: [] without)."""
        if self.attention is None:
            return list(states), []          # the RNN checks the number of its states
        k, memory = self.rnn.state_size, self.memory_size
        if len(states) != k + memory:
            cell = type(self.rnn).__name__.lower()
            raise ValueError(f"the decoder state of an attention model must be a list of "
                             f"{k + memory} arrays ({cell} states, encoder outputs"
                             f"{', encoder mask' if memory == 2 else ''}), as encode() returns; "
                             f"received {len(states)}")
        return list(states[:k]), list(states[k:])

    # --- forward: Td steps, cached ------------------------------------------------------
    def forward(self, inputs, states, memory=(), probabilities: bool = True, lengths=None):
        """inputs (N, Td) ids, or (N, Td, V) rows (fed-back probabilities) → (out, final
        states, cache). out: probabilities (N, Td, V), or the logits if not
        ``probabilities`` (the loss reads the logits). lengths: (N,) decreasing, to run
        packed: the RNN computes only the running rows, and only the real steps reach the
        Dense layer (out is then (R, V), R = Σ lengths)."""
        x, emb_cache, mask = embed(self.embedding, inputs)
        (seq, *states), rnn_cache = self.rnn.forward(x, initial_state=states, lengths=lengths,
                                                     mask=mask if lengths is None else None)
        features, att_cache = self._attend(seq, memory, mask)
        real = None if lengths is None else real_steps(lengths, seq.shape[1])
        if real is not None:                 # the real steps only, (R, H)
            features = np.swapaxes(features, 0, 1)[real]
        out, dense_cache = self.dense.forward(features, activate=probabilities)
        mask = None if lengths is not None else mask
        return out, states, DecoderCache(emb_cache, rnn_cache, att_cache, dense_cache, mask, real)

    def backward(self, dout, cache: DecoderCache, dstates=None, from_logits: bool = True,
                 embedding_rows: bool = False):
        """→ (d inputs (None for ids), d initial states, d memory outputs or None, grads).

        dout: d(loss)/d(logits) if ``from_logits`` (Keras's fused softmax cross-entropy),
        else d(loss)/d(probabilities). dstates: the gradients of the final states (None:
        nothing read them). grads: {layer name: [arrays]}.
        """
        backward = self.dense.backward_logits if from_logits else self.dense.backward
        dfeatures, dense_grads = backward(dout, cache.dense)
        if cache.real is not None:           # padded steps had no loss: zero gradient
            full = np.zeros(cache.real.shape + dfeatures.shape[1:], dfeatures.dtype)   # (Td, N, H)
            full[cache.real] = dfeatures
            dfeatures = np.swapaxes(full, 0, 1)
        dseq, dvalues, attention_grads = self._attend_backward(dfeatures, cache.attention)
        dstates = [None] * self.rnn.state_size if dstates is None else dstates
        dx, dinitial, rnn_grads = self.rnn.backward([dseq, *dstates], cache.rnn)
        grads = {**embed_backward(self.embedding, dx, cache.embedding, embedding_rows),
                 self.rnn.name: rnn_grads, self.dense.name: dense_grads, **attention_grads}
        return (None if self.embedding is not None else dx), dinitial, dvalues, grads

    # --- step: one step, nothing kept --------------------------------------------------
    def step(self, token_ids, states, memory=()):
        """token ids (N,) and the RNN's states → (probabilities (N, V), new states, StepTrace).

        With mask_zero a fed-back padding id is a masked step, as in the training model:
        the states carry over (and the attention's query is masked).
        """
        ids = np.asarray(token_ids)[None]                    # (1, N): one step, time-major
        x, _, mask = embed(self.embedding, ids)
        states, gates = self.rnn.step_forward(self.rnn.project_inputs(x)[0], states,
                                              None if mask is None else mask[0])
        seq = states[0][:, None]                             # (N, 1, H): the step's output
        features, att_cache = self._attend(seq, memory, None if mask is None else mask.T)
        probs, _ = self.dense.forward(features)
        weights = None if att_cache is None else att_cache.weights[:, 0]
        return probs[:, 0], states, StepTrace(probs[:, 0], states, gates, weights)

    # --- attention: the Dense layer's input ----------------------------------------------
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
