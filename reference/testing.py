"""Helpers for the parity suite: random padded one-hot batches, random weights,
Keras gradients through ``tf.GradientTape``, and max-difference measures."""
from __future__ import annotations

import numpy as np


def random_ids(rng, n, t, vocab_size, min_len=1, pad_id=-1, start_id=None, end_id=None):
    """(n, t) token ids: each row a random length in [min_len, t], then ``pad_id``."""
    ids = rng.integers(0, vocab_size, size=(n, t))
    lengths = rng.integers(min_len, t + 1, size=n)
    lengths[0] = t                      # one full-length row, so t is the real maximum
    for row, length in zip(ids, lengths):
        if start_id is not None:
            row[0] = start_id
        if end_id is not None:
            row[length - 1] = end_id
        row[length:] = pad_id
    return ids


def one_hot(ids, vocab_size, dtype):
    """One-hot rows; id -1 gives an all-zero row (the 2017 blog's zero padding)."""
    out = np.zeros(ids.shape + (vocab_size,), dtype)
    rows = ids >= 0
    out[rows, ids[rows]] = 1.0
    return out


def random_batch(rng, n, te, td, ve, vd, padding, dtype):
    """([encoder_input, decoder_input], decoder_target) one-hot, padded like the tutorial.

    padding "space": pad with the one-hot of token 0 (standing for ' '); "zero": all-zero
    rows. Token 1 of the decoder stands for '\\t' (start), token 2 for '\\n' (end).
    The decoder target is the decoder input one step ahead, padded at the end.
    """
    pad = 0 if padding == "space" else -1
    enc = random_ids(rng, n, te, ve, pad_id=pad)
    dec = random_ids(rng, n, td, vd, min_len=2, pad_id=pad, start_id=1, end_id=2)
    tgt = np.full_like(dec, pad)
    tgt[:, :-1] = dec[:, 1:]
    return ([one_hot(enc, ve, dtype), one_hot(dec, vd, dtype)], one_hot(tgt, vd, dtype))


def random_weights(rng, shapes, dtype, scale=0.5):
    """Normal(0, scale²) arrays of the given shapes: every weight, biases included."""
    return [(scale * rng.standard_normal(s)).astype(dtype) for s in shapes]


def keras_loss_and_gradients(model, x, y):
    """(loss, grads in get_weights() order) of a compiled Keras model, as fit computes them.

    Inside the tape: ``y_pred = model(x, training=True)`` and ``model.compute_loss``,
    which is what ``Model.train_step`` does with the TensorFlow backend. The eager
    softmax output carries ``_keras_logits``, so the loss takes the fused from-logits
    path (``tf.nn.softmax_cross_entropy_with_logits``), as in ``fit``.
    """
    import tensorflow as tf

    dtype = model.get_weights()[0].dtype
    x = [tf.constant(a, dtype) for a in x]
    y = tf.constant(y, dtype)
    weights = model.trainable_weights
    with tf.GradientTape() as tape:
        y_pred = model(x, training=True)
        loss = model.compute_loss(x=x, y=y, y_pred=y_pred, training=True)
    grads = tape.gradient(loss, weights)
    return float(loss), [np.asarray(g) for g in grads]


def max_abs_diff(a, b) -> float:
    """max |a − b| over one array or a list of arrays."""
    if isinstance(a, (list, tuple)):
        return max(max_abs_diff(x, y) for x, y in zip(a, b))
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


def max_rel_diff(ours, theirs) -> float:
    """max over arrays of max |ours − theirs| / max |theirs| (per array)."""
    if isinstance(ours, (list, tuple)):
        return max(max_rel_diff(x, y) for x, y in zip(ours, theirs))
    theirs = np.asarray(theirs, np.float64)
    scale = max(float(np.max(np.abs(theirs))), np.finfo(np.float64).tiny)
    return max_abs_diff(ours, theirs) / scale
