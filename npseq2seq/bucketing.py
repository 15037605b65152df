"""Masked, length-bucketed training: an option beyond Keras, ``fit(..., bucket_by_length=True)``.

The tutorial pads every sequence to the longest of the data set (16 input and 59
target characters for its 10,000 lines) and trains on every padded step. This
mode trains the same model on the real steps only:

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
``tests/test_bucketing.py`` checks that, and the gradients against finite
differences. Teacher-forced LSTM/GRU models without attention, character or word
level.

Letters: N batch, Te/Td encoder/decoder steps, H units, V tokens, R real target steps.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .text import words


class PackedBatch(NamedTuple):
    """One batch, cut to its longest sequences and sorted for packing."""
    enc: np.ndarray            # (N, Te) encoder ids: packed, rows by decreasing encoder length;
                               # else the full padded inputs, in the decoder's row order
    enc_lengths: np.ndarray | None   # (N,) when the encoder is packed, else None
    to_decoder: np.ndarray     # (N,) decoder row i is encoder row to_decoder[i]
    dec: np.ndarray            # (N, Td) decoder input ids, rows by decreasing decoder length
    dec_lengths: np.ndarray    # (N,)
    y: np.ndarray              # (N, Td) target ids, in the decoder's row order


def padding_id(model) -> int:
    """The id of a padded step: -1 (all-zero one-hot row) at character level, PAD at word level."""
    return -1 if model.level == "char" else words.PAD


def sequence_lengths(model, enc: np.ndarray, y: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
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
    if getattr(model.vocab, "padding", None) == "space":
        raise ValueError("length-bucketed training needs zero padding at character level "
                         "(CharVocab.from_texts(..., padding='zero')): spaces that pad cannot be "
                         "told from real ones")
    # only a -1 shows the padding is zero padding: targets without one are space-padded
    # (whose lengths would count the spaces) or not padded at all
    if model.level == "char" and not np.any(y == -1):
        raise ValueError("decoder_target_data: length-bucketed training at character level needs "
                         "zero-padded targets (id -1) to read their lengths, and these have none: "
                         "space padding and no padding cannot be told apart. Vectorize with "
                         "padding='zero'")
    pad = padding_id(model)
    lengths = []
    sides = [("encoder_input_data", enc)] if model.mask_zero else []
    for name, ids in sides + [("decoder_target_data", y)]:
        real = ids != pad
        length = real.sum(axis=1)
        if np.any(real != (np.arange(ids.shape[1]) < length[:, None])):
            raise ValueError(f"{name}: length-bucketed training needs padding after the tokens, "
                             "and zero padding at character level (vectorize with padding='zero'): "
                             "received a padded step followed by a token")
        lengths.append(length)
    if not lengths[-1].all():
        raise ValueError("decoder_target_data: every sample needs at least one target token, "
                         f"received {int((lengths[-1] == 0).sum())} empty target rows")
    return (lengths[0] if model.mask_zero else None), lengths[-1]


def check_model(model) -> None:
    if not model.teacher_forcing or getattr(model, "attention", None):
        raise ValueError("bucket_by_length supports the teacher-forced LSTM/GRU models without "
                         "attention (character or word level)")


def batches(enc_lengths, dec_lengths, batch_size: int, rng: np.random.Generator | None) -> list[np.ndarray]:
    """Sample indices of each batch: bucketed by length; rng None keeps a fixed order."""
    n = len(dec_lengths)
    ties = rng.random(n) if rng is not None else np.arange(n)
    keys = (ties, dec_lengths) if enc_lengths is None else (ties, enc_lengths, dec_lengths)
    order = np.lexsort(keys)                                   # the last key sorts first
    chunks = [order[i:i + batch_size] for i in range(0, n, batch_size)]
    if rng is not None:
        chunks = [chunks[i] for i in rng.permutation(len(chunks))]
    return chunks


def pack(sel, enc, dec, y, enc_lengths, dec_lengths) -> PackedBatch:
    """The samples ``sel`` as a PackedBatch: sorted, and cut to their longest sequences."""
    sel = np.asarray(sel)
    sel = sel[np.argsort(-dec_lengths[sel], kind="stable")]                # decoder order
    td = int(dec_lengths[sel].max())
    if enc_lengths is None:                      # the encoder reads its whole padded input
        return PackedBatch(enc[sel], None, np.arange(len(sel)), dec[sel, :td], dec_lengths[sel],
                           y[sel, :td])
    by_encoder = np.argsort(-enc_lengths[sel], kind="stable")   # encoder row j = decoder row by_encoder[j]
    enc_sel = sel[by_encoder]
    te = max(int(enc_lengths[enc_sel].max()), 1)
    return PackedBatch(enc[enc_sel, :te], enc_lengths[enc_sel], np.argsort(by_encoder),
                       dec[sel, :td], dec_lengths[sel], y[sel, :td])


def loss_and_grads(model, batch: PackedBatch, with_grads: bool = True, embedding_rows: bool = False):
    """(mean loss over the batch's real target steps, grads in params order or None, R).

    embedding_rows: the Embeddings' gradients as ``RowGradient``s, as ``fit`` uses them.
    The lengths, not a mask, leave the padding out, so the Embeddings' masks go unused.
    """
    x, enc_emb, _ = model._embed(model.encoder_embedding, batch.enc)
    (_, *states), enc_cache = model.encoder.forward(x, lengths=batch.enc_lengths)
    states = [s[batch.to_decoder] for s in states]                 # encoder rows → decoder rows
    x, dec_emb, _ = model._embed(model.decoder_embedding, batch.dec)
    (seq, *_), dec_cache = model.decoder.forward(x, initial_state=states, lengths=batch.dec_lengths)
    real = np.arange(batch.dec.shape[1])[:, None] < batch.dec_lengths[None, :]   # (Td, N)
    # the real steps only, (R, H) → logits (R, V); the loss reads the logits, so no softmax
    _, dense_cache = model.dense.forward(np.swapaxes(seq, 0, 1)[real], activate=False)
    loss, dlogits = model.loss(dense_cache.logits, batch.y.T[real])
    if not with_grads:
        return loss, None, int(real.sum())
    drows, dense_grads = model.dense.backward_logits(dlogits, dense_cache)
    dseq = np.zeros(real.shape + drows.shape[1:], model.dtype)                  # (Td, N, H)
    dseq[real] = drows                                                        # padded steps: no loss
    dx, dstates, dec_grads = model.decoder.backward(
        [np.swapaxes(dseq, 0, 1)] + [None] * model.decoder.state_size, dec_cache)
    dec_emb_grads = model._embedding_backward(model.decoder_embedding, dx, dec_emb, embedding_rows)
    from_decoder = np.argsort(batch.to_decoder)                    # decoder rows → encoder rows
    dx, _, enc_grads = model.encoder.backward([None, *(d[from_decoder] for d in dstates)], enc_cache)
    enc_emb_grads = model._embedding_backward(model.encoder_embedding, dx, enc_emb, embedding_rows)
    return loss, enc_emb_grads + dec_emb_grads + enc_grads + dec_grads + dense_grads, int(real.sum())


def masked_loss(model, enc, dec, y, batch_size: int = 64) -> float:
    """Mean loss over the real target steps of prepared id arrays, computed packed."""
    check_model(model)
    enc_lengths, dec_lengths = sequence_lengths(model, enc, y)
    total, count = 0.0, 0
    for sel in batches(enc_lengths, dec_lengths, batch_size, None):
        loss, _, rows = loss_and_grads(model, pack(sel, enc, dec, y, enc_lengths, dec_lengths), False)
        total, count = total + loss * rows, count + rows
    return total / count


def epoch_functions(model, enc, dec, y, val, batch_size, shuffle):
    """``Seq2Seq.fit``'s three functions for ``bucket_by_length=True`` on prepared arrays:
    an epoch's batches, one training step on a batch (→ loss, real target steps), the
    validation loss (None without validation data)."""
    check_model(model)
    enc_lengths, dec_lengths = sequence_lengths(model, enc, y)
    if val is not None:
        sequence_lengths(model, val[0], val[2])     # fail before training, not after an epoch

    def epoch_batches():
        return batches(enc_lengths, dec_lengths, batch_size, model.rng if shuffle else None)

    def train_batch(sel):
        batch = pack(sel, enc, dec, y, enc_lengths, dec_lengths)
        loss, grads, rows = loss_and_grads(model, batch, embedding_rows=True)
        model._apply_gradients(loss, grads)
        return loss, rows          # the epoch's loss: a mean over all its real target steps

    validate = None if val is None else (lambda: masked_loss(model, *val, batch_size))
    return epoch_batches, train_batch, validate
