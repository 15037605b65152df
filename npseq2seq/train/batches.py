"""An epoch's batches: padded (as Keras trains) or length-bucketed and packed (beyond Keras).

Both kinds hand the model a ``Batch``, and the model runs its one ``loss_and_gradients``
chain on it; a packed batch also carries the lengths and the row order that let the
RNNs skip padded steps.

``fit(..., bucket_by_length=True)``: the tutorial pads every sequence to the longest of
the data set (16 input and 59 target characters for its 10,000 lines) and trains on
every padded step. This mode trains the same model on the real steps only:

1. Lengths. A sample's decoder length is the number of its target tokens up to
   and including the end token, read from zero-padded targets: id -1 (an
   all-zero one-hot row) at character level, PAD (id 0) at word level. Space
   padding cannot be told from a real space, so character data must be
   vectorised with ``padding="zero"``, and the targets must show that zero
   padding (at least one id -1, as ``vectorize_ids`` always leaves in the last
   step).
2. Buckets. The samples are sorted by decoder length (ties broken by encoder
   length for a mask_zero model, whose encoder is packed too, then in a random
   order that changes every epoch), cut into batches, and the batches visited in
   a random order: each batch holds targets of nearly one length and is cut to
   its longest one.
3. Packing. Inside a batch the rows are sorted by decreasing decoder length, so
   at step t the sequences still running are the first rows, and the decoder
   computes exactly those (``Recurrent.forward(lengths=...)``, PyTorch's
   ``pack_padded_sequence``). The Dense layer and the loss see the real target
   steps only.
4. Loss. The mean cross-entropy over the real target steps (padding neither
   computed nor counted); an epoch's loss and ``val_loss`` are means over all the
   real target steps of the epoch / of the validation data.

The encoder is packed the same way (by its own lengths, its final states then
reordered to the decoder's rows) only for a ``mask_zero`` model, which skips its
input padding when it translates too. Any other model reads the padding of its
input (as the tutorial's does, in Keras as here) whenever it translates, so it
must read it in training as well: its encoder runs over the full padded input.
The decoder never meets padding when translating: it stops at the end token.

The result equals the model run over the full padded arrays with Keras-style
masks on the decoder and the loss (and on the encoder of a mask_zero model: a
skipped step keeps its states, masked rows are left out of the loss);
``tests/train/test_bucketing.py`` checks that, and the gradients against finite
differences. Teacher-forced models, character or word level, LSTM or GRU, stacked or
bidirectional, with or without attention: an attention model's memory (the encoder
outputs, and their mask) follows the encoder's final states into the decoder's row
order, and its padded decoder steps are queries whose outputs nothing reads (their
gradient is zero), so each sample's loss is that of the sample alone, cut to its length.
With attention inside the recurrence (``model/attentive_decoder.py``) the layers below the
attentive one run packed, and the attentive layer runs the cut batch masked by the lengths
(its rows' finished steps computed and skipped, not packed out).

Letters: N batch, Te/Td encoder/decoder steps, H units, V tokens, R real target steps.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Batch(NamedTuple):
    """One batch of prepared arrays; the last three only when it is packed."""
    enc: np.ndarray            # (N, Te) encoder ids: packed, rows by decreasing encoder length;
                               # else the full padded inputs, in the decoder's row order
    dec: np.ndarray            # (N, Td) decoder input ids (packed: rows by decreasing length)
    y: np.ndarray              # (N, Td) target ids (or one-hot/soft rows), in the decoder's order
    enc_lengths: np.ndarray | None = None   # (N,) when the encoder is packed, else None
    dec_lengths: np.ndarray | None = None   # (N,) when the decoder is packed, else None
    to_decoder: np.ndarray | None = None    # (N,) decoder row i is encoder row to_decoder[i]

    @property
    def packed(self) -> bool:
        return self.dec_lengths is not None

    def rows(self, lo: int, hi: int) -> "Batch":
        """Decoder rows lo..hi as a batch of their own (``train/halves.py``): a packed one
        stays packed, its encoder rows the ones those decoder rows read, still in decreasing
        length, and both sides cut to the longest sequence left."""
        if not self.packed:
            return Batch(self.enc[lo:hi], self.dec[lo:hi], self.y[lo:hi])
        td = int(self.dec_lengths[lo:hi].max())              # rows sorted: the first is longest
        dec, y, dec_lengths = self.dec[lo:hi, :td], self.y[lo:hi, :td], self.dec_lengths[lo:hi]
        if self.enc_lengths is None:                         # the encoder reads its padded rows
            return Batch(self.enc[lo:hi], dec, y, None, dec_lengths, np.arange(hi - lo))
        # encoder rows are sorted by decreasing length: in index order, they stay so
        enc_rows = np.sort(self.to_decoder[lo:hi])
        te = max(int(self.enc_lengths[enc_rows].max()), 1)
        return Batch(self.enc[enc_rows, :te], dec, y, self.enc_lengths[enc_rows], dec_lengths,
                     np.searchsorted(enc_rows, self.to_decoder[lo:hi]))


class PaddedBatches:
    """Keras's batches: consecutive slices, or a fresh permutation each epoch (shuffle)."""

    def __init__(self, enc, dec, y, batch_size: int, rng: np.random.Generator | None = None):
        self.enc, self.dec, self.y, self.batch_size, self.rng = enc, dec, y, batch_size, rng

    def plan(self) -> list:
        """The epoch's selections, drawn now (one ``rng.permutation`` per epoch)."""
        n, size = len(self.enc), self.batch_size
        if self.rng is None:   # a batch is then a contiguous slice: a view, no copy
            return [slice(start, start + size) for start in range(0, n, size)]
        order = self.rng.permutation(n)
        return [order[start:start + size] for start in range(0, n, size)]

    def batch(self, sel) -> Batch:
        return Batch(self.enc[sel], self.dec[sel], self.y[sel])


class BucketedBatches:
    """Length-bucketed, packed batches (see the module docstring)."""

    def __init__(self, config, vocab, enc, dec, y, batch_size: int, rng: np.random.Generator | None = None):
        check_bucketable(config)
        self.enc, self.dec, self.y, self.batch_size, self.rng = enc, dec, y, batch_size, rng
        self.enc_lengths, self.dec_lengths = sequence_lengths(config, vocab, enc, y)

    def plan(self) -> list[np.ndarray]:
        return buckets(self.enc_lengths, self.dec_lengths, self.batch_size, self.rng)

    def batch(self, sel) -> Batch:
        return pack(sel, self.enc, self.dec, self.y, self.enc_lengths, self.dec_lengths)


def buckets(enc_lengths, dec_lengths, batch_size: int, rng: np.random.Generator | None) -> list[np.ndarray]:
    """Sample indices of each batch: bucketed by length; rng None keeps a fixed order."""
    n = len(dec_lengths)
    ties = rng.random(n) if rng is not None else np.arange(n)
    keys = (ties, dec_lengths) if enc_lengths is None else (ties, enc_lengths, dec_lengths)
    order = np.lexsort(keys)                                   # the last key sorts first
    chunks = [order[i:i + batch_size] for i in range(0, n, batch_size)]
    if rng is not None:
        chunks = [chunks[i] for i in rng.permutation(len(chunks))]
    return chunks


def pack(sel, enc, dec, y, enc_lengths, dec_lengths) -> Batch:
    """The samples ``sel`` as a packed Batch: sorted, and cut to their longest sequences."""
    sel = np.asarray(sel)
    sel = sel[np.argsort(-dec_lengths[sel], kind="stable")]                # decoder order
    td = int(dec_lengths[sel].max())
    if enc_lengths is None:                      # the encoder reads its whole padded input
        return Batch(enc[sel], dec[sel, :td], y[sel, :td], None, dec_lengths[sel], np.arange(len(sel)))
    by_encoder = np.argsort(-enc_lengths[sel], kind="stable")   # encoder row j = decoder row by_encoder[j]
    enc_sel = sel[by_encoder]
    te = max(int(enc_lengths[enc_sel].max()), 1)
    return Batch(enc[enc_sel, :te], dec[sel, :td], y[sel, :td], enc_lengths[enc_sel],
                 dec_lengths[sel], np.argsort(by_encoder))


def check_bucketable(config) -> None:
    if not config.teacher_forcing:
        raise ValueError("bucket_by_length supports the teacher-forced models (character or word "
                         "level, with or without attention): without teacher forcing the decoder's "
                         "steps are its own outputs, which no length cuts")


def sequence_lengths(config, vocab, enc: np.ndarray, y: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """(encoder lengths or None, decoder lengths) (N,) of prepared id arrays (N, Te), (N, Td).

    Encoder lengths only for a mask_zero model (the only one whose encoder is packed,
    see the module docstring). Padding must come after the tokens: a sequence whose
    padding is followed by a token again is an error (it could not be cut to its length).
    At character level the targets must show their zero padding (some id -1), or nothing
    tells it from space padding (arrays vectorised with padding="space" whatever the
    vocabulary says, or a model without a vocabulary).
    """
    if not np.issubdtype(np.asarray(y).dtype, np.integer):
        raise ValueError("length-bucketed training needs one-hot (or integer) targets, "
                         "received soft target rows")
    if getattr(vocab, "padding", None) == "space":
        raise ValueError("length-bucketed training needs zero padding at character level "
                         "(CharVocab.from_texts(..., padding='zero')): spaces that pad cannot be "
                         "told from real ones")
    # only a -1 shows the padding is zero padding: targets without one are space-padded
    # (whose lengths would count the spaces) or not padded at all
    if config.level == "char" and not np.any(y == -1):
        raise ValueError("decoder_target_data: length-bucketed training at character level needs "
                         "zero-padded targets (id -1) to read their lengths, and these have none: "
                         "space padding and no padding cannot be told apart. Vectorize with "
                         "padding='zero'")
    lengths = []
    # a reversed input (reverse_input) has its padding first: its encoder is not packed but
    # reads its mask over the whole row, as a mask_padding model's does
    pack_encoder = config.mask_zero and not getattr(vocab, "reverse_input", False)
    sides = [("encoder_input_data", enc)] if pack_encoder else []
    for name, ids in sides + [("decoder_target_data", y)]:
        real = ids != config.padding_id
        length = real.sum(axis=1)
        if np.any(real != (np.arange(ids.shape[1]) < length[:, None])):
            raise ValueError(f"{name}: length-bucketed training needs padding after the tokens, "
                             "and zero padding at character level (vectorize with padding='zero'): "
                             "received a padded step followed by a token")
        lengths.append(length)
    if not lengths[-1].all():
        raise ValueError("decoder_target_data: every sample needs at least one target token, "
                         f"received {int((lengths[-1] == 0).sum())} empty target rows")
    return (lengths[0] if pack_encoder else None), lengths[-1]
