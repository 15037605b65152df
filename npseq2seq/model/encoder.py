"""The encoder: input tokens → (Embedding) → RNN → the states the decoder starts from.

    ids (N, Te) ─► [Embedding (N, Te, E), word level] ─► RNN ─► final states [h, c] / [h]
                                                          └──► outputs (N, Te, H): the memory
                                                               attention reads (attention only)

At character level the ids enter the RNN directly: one-hot × kernel is a row of the
kernel, so the RNN gathers rows instead of multiplying by zeros (``Recurrent.project_inputs``).
Backward takes the gradients of what the decoder used, the final states (it started
from them) and, with attention, the outputs (its values), and runs the RNN's BPTT.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .inputs import embed, embed_backward


class EncoderCache(NamedTuple):
    embedding: object | None     # EmbeddingCache (word level) or None
    rnn: object                  # RecurrentCache
    mask: np.ndarray | None      # (N, Te) the input's padding mask (mask_zero) or None


class Encoder:
    """``Encoder(rnn, embedding=None, return_memory=False)``; the layers are built by
    ``Seq2Seq`` (in the order Keras lists their weights) and passed in.

    return_memory: also hand the decoder the RNN's output sequence, and the padding mask
    when there is one (attention); the RNN must then have ``return_sequences=True``.
    """

    def __init__(self, rnn, embedding=None, return_memory: bool = False):
        self.rnn, self.embedding, self.return_memory = rnn, embedding, return_memory

    @property
    def layers(self) -> list:
        return [layer for layer in (self.embedding, self.rnn) if layer is not None]

    def forward(self, ids: np.ndarray, lengths: np.ndarray | None = None):
        """ids (N, Te) → (final states, memory, cache). memory is [] without attention, else
        [outputs (N, Te, H)] or, with a padding mask, [outputs, mask (N, Te)].

        lengths: (N,) decreasing, to run the RNN packed (length-bucketed training) instead
        of reading a padding mask.
        """
        x, emb_cache, mask = embed(self.embedding, ids)
        (seq, *states), rnn_cache = self.rnn.forward(x, mask=mask if lengths is None else None,
                                                     lengths=lengths)
        memory = ([seq] if mask is None else [seq, mask]) if self.return_memory else []
        return states, memory, EncoderCache(emb_cache, rnn_cache, mask)

    def backward(self, dstates: list, dseq: np.ndarray | None, cache: EncoderCache,
                 embedding_rows: bool = False) -> dict[str, list]:
        """d(final states) and d(outputs) (None: attention did not read them) → the grads
        of each layer, {layer name: [arrays]}."""
        # the final states were the decoder's initial states; with attention the output
        # sequence was also the attention's values
        dx, _, rnn_grads = self.rnn.backward([dseq, *dstates], cache.rnn)
        return {**embed_backward(self.embedding, dx, cache.embedding, embedding_rows),
                self.rnn.name: rnn_grads}

    def encode(self, ids: np.ndarray) -> list[np.ndarray]:
        """Inference: the decoder's initial state list, [*states, *memory]. Without memory
        only the final states are computed (``Recurrent.final_states``: no cache kept)."""
        if self.return_memory:                 # the memory is the whole output sequence
            states, memory, _ = self.forward(ids)
            return states + memory
        x, _, mask = embed(self.embedding, ids)
        return self.rnn.final_states(x, mask=mask)
