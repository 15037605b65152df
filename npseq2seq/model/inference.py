"""Inference: the tutorial's two models, ``encoder_model`` and ``decoder_model``.

Training runs the whole sequence pair at once (``Seq2Seq.forward``); translating cannot,
as each output token is the next step's input. keras.io's tutorial splits the trained
layers into two models for it, and so does this mixin of ``Seq2Seq``:

    encoder_input (N, Te) ─► encode ─► states ──┐
    token ids (N,) ──────────► decode_step ◄────┘ ─► (probs (N, Vd), new states)

``encode`` runs once per batch of inputs and ``decode_step`` once per output token;
greedy decoding, beam search, sampling and ``inspect`` run on these two (``decode/``).
``encoder_model`` / ``decoder_model`` are the same two behind Keras's ``predict``.

The mixin asks the model for ``config``, ``encoder``, ``decoder`` (``encoder.py``,
``decoder.py``), the token counts, and ``_prepare_x`` / ``forward`` (for
``attention_weights``, which reads the training model's alignments).
"""
from __future__ import annotations

import numpy as np

from .inputs import prepare_tokens


class InferenceModel:
    """A Keras-like object with ``predict`` (the tutorial's encoder_model / decoder_model)."""

    def __init__(self, fn, doc):
        self._fn = fn
        self.__doc__ = doc

    def predict(self, inputs, verbose=0):
        return self._fn(inputs)

    __call__ = predict


class Inference:
    """``encode``, ``decode_step``, ``attention_weights`` and what ``decoder_model`` runs;
    a base class of ``Seq2Seq`` (see the module docstring for what it asks of the model)."""

    def encode(self, encoder_input, decoding: bool = False) -> list[np.ndarray]:
        """The decoder's initial state for a batch of inputs: [h, c] (LSTM) or [h] (GRU), each
        (N, H), for each layer (layer 1's first); with attention followed by the encoder outputs (N, Te, H) (and, with
        mask_zero or mask_padding, their padding mask (N, Te)). Every array has the batch axis first.
        decoding=True, for a decoding loop: with Bahdanau's attention the list ends with the
        keys V W_k (N, Te, A), projected once instead of at every ``decode_step``."""
        ids = prepare_tokens(self.config, encoder_input, self.num_encoder_tokens, "encoder_input_data")
        states = self.decoder.start_states(self.encoder.encode(ids))
        return self.decoder.with_keys(states) if decoding else states

    def decode_step(self, token_ids, states, return_attention: bool = False, trace: list | None = None,
                    logits: bool = False):
        """One decoder step for a batch: token ids (N,) + states → (probs (N, Vd), new states).

        With attention the memory at the end of ``states`` passes through unchanged, and
        ``return_attention=True`` adds this step's attention weights (N, Te) as a third result.
        trace: a list to append the step's ``StepTrace`` to (its gates; for ``inspect``).
        logits=True returns the Dense layer's logits instead of the probabilities (no softmax).
        """
        if logits and trace is not None:
            raise ValueError("decode_step: trace records the probabilities; it cannot be used with logits=True")
        if return_attention and self.decoder.attention is None:
            raise ValueError("return_attention=True needs a model built with attention ('luong', "
                             "'additive', 'bahdanau' or 'luong_general')")
        states, memory = self.decoder.split_state(states)
        probs, states, step = self.decoder.step(token_ids, states, memory, probabilities=not logits)
        if trace is not None:
            trace.append(step)
        if return_attention:
            return probs, states + memory, step.attention
        return probs, states + memory

    def _decoder_predict(self, inputs):
        """``decoder_model.predict``: [target_seq (N, T, Vd), *states] → [probs, *states]."""
        target_seq, *states = inputs
        states, memory = self.decoder.split_state(states)
        ids = prepare_tokens(self.config, target_seq, self.num_decoder_tokens, "target_seq")
        probs, states, _ = self.decoder.forward(ids, states, memory)
        return [probs, *states, *memory]

    def attention_weights(self, x) -> np.ndarray:
        """Alignments (N, Td, Te) of the training model on x = [encoder input, decoder input]:
        ``[n, i, j]`` is the weight decoder step i gave encoder step j (each row sums to 1).

        Fed a greedy translation's own output (start token, then the output without
        its last token), these are the weights greedy decoding used at every step.
        """
        if self.decoder.attention is None:
            raise ValueError("attention_weights needs a model built with attention ('luong', "
                             "'additive', 'bahdanau' or 'luong_general')")
        enc, dec = self._prepare_x(x)
        return self.forward(enc, dec)[1].decoder.attention.weights
