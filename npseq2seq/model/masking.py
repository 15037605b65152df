"""Masked character padding (``mask_padding=True``): what Keras 3 does, and so what npseq2seq does.

The Keras model (``reference/masking.py``) puts ``Masking(mask_value=0.0)`` after each
input of the tutorial's character model, whose zero padding is all-zero one-hot rows::

    x = Masking()(encoder_inputs);  _, *states = LSTM(H, return_state=True)(x)
    y = Masking()(decoder_inputs);  y, *_ = LSTM(H, return_sequences=True,
                                                 return_state=True)(y, initial_state=states)
    outputs = Dense(V, activation="softmax")(y)

What each part of that does in Keras 3 (``layers/layer.py`` ``Layer.__call__``, step
"Populate mask argument(s)"; ``layers/rnn/rnn.py``; ``losses/loss.py`` ``apply_mask``),
measured by ``tests/model/test_parity_masking.py``:

- the encoder RNN is called with one tensor, so ``__call__`` hands it the mask: padded
  steps are skipped, the states carry over, and the final states are those after the
  last real character. npseq2seq: a ``layers.Masking`` in the encoder's input slot (the
  word-level model's Embedding slot), whose mask the encoder's RNN reads.
- the decoder RNN is called with ``initial_state`` too, so it has two tensor arguments
  and ``__call__`` passes *no* mask (it would look for a ``sequences_mask`` argument):
  the decoder runs over the padded steps (all-zero input rows, so the bias and the
  recurrence alone). npseq2seq does the same: the decoder gets no mask, its forward
  equals Keras's at every step, padded ones included.
- the mask still travels: after the call, ``_set_mask_metadata`` attaches the mask of
  the first argument to the RNN's output sequence (``RNN.compute_mask``), the Dense layer
  passes it on, and the loss applies it: ``sum_over_batch_size`` with a mask weighs the
  real rows by total/valid, i.e. the mean over the real (sample, step) rows only. The
  mask is the decoder *input*'s: every step fed a character, including the one fed the
  end character, whose target row is all zeros (loss 0, but counted, and TensorFlow's
  ``softmax - y`` still pushes its logits). ``loss_mask`` below is that mask.

So the training loss, the gradients and every step of training match Keras; the
inference models never meet padding (the encoder input of ``encoder_model`` carries the
Masking, and the decoder is fed one real character at a time).
"""
from __future__ import annotations

import numpy as np

from ..layers.masking import padding_mask
from .config import Seq2SeqConfig


def loss_mask(config: Seq2SeqConfig, dec: np.ndarray, decoder_mask: np.ndarray | None):
    """The (N, Td) rows the loss averages over, or None for all of them: with mask_padding
    the decoder input's real steps; with mask_zero the decoder's own (Embedding) mask."""
    return padding_mask(dec) if config.mask_padding else decoder_mask
