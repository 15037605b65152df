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

Deeper models (``reference/deep.py`` with ``mask_padding=True``, measured by
``tests/model/test_parity_deep.py``), by the same ``__call__`` rule:

- a stacked encoder: every layer is called with one tensor, and an RNN that returns
  sequences hands its input's mask on with its outputs (``RNN.compute_mask``), so every
  layer skips the padded steps; npseq2seq passes the one mask to every encoder layer.
- a bidirectional encoder: ``Bidirectional`` passes the mask to both directions, and
  the backward layer reverses the mask with its input (``go_backwards``), so for
  end-padded rows it meets the padding first, carries its zero initial states over it,
  and reads the real steps last to first: its final states are those of the real
  characters read backwards (``layers.bidirectional`` does the same with the mask; as
  Keras's ``Bidirectional`` sets ``zero_output_for_mask``, its outputs at padded steps
  are zeros).
- a stacked decoder: every layer is also given ``initial_state``, so none gets a mask
  and all run over the padding; each layer's outputs still carry the mask of its first
  argument, so it reaches the Dense layer and the loss unchanged (the loss is the same
  masked mean as with one layer).
- attention: ``Attention()([decoder_outputs, encoder_outputs])`` is called with one
  (list) argument, so ``__call__`` *does* hand it both masks, ``[query_mask,
  value_mask]``: padded encoder steps get no weight (their scores are pushed to -1e9
  before the softmax) and the context at a padded decoder step is zeroed (times the
  query mask). npseq2seq: the encoder's mask travels with its outputs in the decoder's
  state list (``[*states, encoder_outputs, encoder_mask]``, as with mask_zero), and the
  decoder computes the query mask from its input rows for the attention alone
  (``Decoder._query_mask``), not for its RNNs. The context's zeros only touch
  probabilities at padded decoder steps, which the loss leaves out; the forward pass
  matches Keras at every step, padded ones included.
"""
from __future__ import annotations

import numpy as np

from ..layers.masking import padding_mask
from .config import Seq2SeqConfig


def loss_mask(config: Seq2SeqConfig, dec: np.ndarray, decoder_mask: np.ndarray | None):
    """The (N, Td) rows the loss averages over, or None for all of them: with mask_padding
    the decoder input's real steps; with mask_zero the decoder's own (Embedding) mask."""
    return padding_mask(dec) if config.mask_padding else decoder_mask
