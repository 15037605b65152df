"""Whole models with dropout against Keras, given the same masks.

``Seq2Seq(..., dropout=, recurrent_dropout=)`` and ``reference.build_deep_training_model``
with the same rates on every RNN layer (the tutorial's ``LSTM(..., dropout=...,
recurrent_dropout=...)``) get the same random weights and batch. npseq2seq draws its masks
(training=True, a generator of one seed) and reads them back from its forward's cache;
each Keras cell is then handed those masks where it would draw its own
(``get_dropout_mask`` / ``get_recurrent_dropout_mask``, tests/layers/test_rnn_dropout.py),
so both sides compute the same function. Compared: the loss and every weight's gradient
of ``model(x, training=True)`` under ``tf.GradientTape`` (``reference.keras_loss_and_gradients``),
in float64 and float32, with ``reference.tolerances``. Keras's own masks come from
TensorFlow's stateless RNG, which NumPy cannot replay: only the masks' law (how many,
what shape, drawn when, which values) is matched, and checked in the layer tests.

The default run has one fast case; the others are ``slow``.
"""
from __future__ import annotations

import numpy as np
import pytest

from npseq2seq import Seq2Seq
from npseq2seq.layers import Bidirectional
from npseq2seq.model.config import DROPOUT_RATES
from reference.tolerances import tol
from tests.layers.test_rnn_dropout import inject_masks

pytestmark = pytest.mark.parity

VE, VD, H = 7, 9, 4
N, TE, TD = 5, 5, 6
BOTH = dict(dropout=0.3, recurrent_dropout=0.4)

VARIANTS = {
    "lstm-char-both": dict(**BOTH),
    "gru-char-both": dict(cell="gru", **BOTH),
    "lstm-word-dropout": dict(level="word", dropout=0.3),
    "gru-word-mask-recurrent": dict(cell="gru", level="word", mask_zero=True, recurrent_dropout=0.4),
    "lstm-stack2-both": dict(num_layers=2, **BOTH),
    "gru-stack2-word-dropout": dict(cell="gru", num_layers=2, level="word", dropout=0.3),
    "lstm-bidirectional-both": dict(bidirectional=True, **BOTH),
    "gru-bidirectional-word-both": dict(cell="gru", bidirectional=True, level="word", **BOTH),
}
FAST = ("lstm-char-both",)


def _pair(keras, dtype, variant):
    """(Keras model, npseq2seq model), the same rates and random weights, compiled."""
    from reference.bridge import to_keras
    from reference.deep import build_deep_training_model
    from reference.testing import random_weights

    spec = VARIANTS[variant]
    word = spec.get("level") == "word"
    loss = "sparse_categorical_crossentropy" if word else "categorical_crossentropy"
    km = build_deep_training_model(VE, VD, H, cell=spec.get("cell", "lstm"), num_layers=spec.get("num_layers", 1),
                                   bidirectional=spec.get("bidirectional", False), level=spec.get("level", "char"),
                                   mask_zero=spec.get("mask_zero", False), compile=False,
                                   dropout=spec.get("dropout", 0.0),
                                   recurrent_dropout=spec.get("recurrent_dropout", 0.0))
    km.compile(optimizer="rmsprop", loss=loss)
    nm = Seq2Seq(VE, VD, H, dtype=dtype, seed=0, **spec)
    nm.compile(optimizer="rmsprop", loss=loss)
    nm.set_weights(random_weights(np.random.default_rng(0), [w.shape for w in nm.get_weights()], dtype, 0.5))
    to_keras(nm, km)
    return km, nm


def _batch(variant, dtype):
    return dropout_batch(VARIANTS[variant], dtype, "space")


def dropout_batch(spec, dtype, padding):
    """The batch of a variant ``spec`` (word level: sparse targets), seed 1."""
    from reference.testing import random_batch, random_word_batch

    rng = np.random.default_rng(1)
    if spec.get("level") == "word":
        return random_word_batch(rng, N, TE, TD, VE, VD, "sparse", dtype)
    return random_batch(rng, N, TE, TD, VE, VD, padding, dtype)


def hand_over_masks(km, nm, cache):
    """Every Keras RNN cell gets the masks the npseq2seq layer of the same place drew; an
    attentive top layer's go to the cell its AttentiveCell wraps (``.cell.cell``)."""
    import tensorflow as tf

    from reference.deep import decoder_name

    hand_over_encoder_masks(km, nm, cache)
    for k, layer_cache in enumerate(cache.decoder.rnns):
        cell = km.get_layer(decoder_name(k)).cell
        inject_masks(getattr(cell, "cell", cell), layer_cache.dropout, tf)


def keras_pair(dtype, spec):
    """(``reference``'s Keras training model of ``spec``, npseq2seq's), 7 / 9 tokens, 4 units,
    the same random weights. ``spec``: Seq2Seq's keyword arguments, every dropout rate among
    them (Dropout layers before the Dense, after the Embeddings; the RNNs' rates), and
    tie_embeddings (the softmax layer reading the decoder Embedding's table)."""
    from reference.attentive import build_attentive_training_model
    from reference.bridge import to_keras
    from reference.deep import build_deep_training_model
    from reference.testing import random_weights

    common = dict(cell=spec.get("cell", "lstm"), num_layers=spec.get("num_layers", 1),
                  bidirectional=spec.get("bidirectional", False), level=spec.get("level", "char"),
                  mask_zero=spec.get("mask_zero", False), compile=False,
                  tie_embeddings=spec.get("tie_embeddings", False),
                  **{rate: spec.get(rate, 0.0) for rate in DROPOUT_RATES})
    if spec.get("attention") in ("bahdanau", "luong_general"):
        km = build_attentive_training_model(7, 9, 4, kind=spec["attention"],
                                            input_feeding=spec.get("input_feeding", False), **common)
    else:
        km = build_deep_training_model(7, 9, 4, attention=bool(spec.get("attention")), **common)
    loss = "sparse_categorical_crossentropy" if spec.get("level") == "word" else "categorical_crossentropy"
    km.compile(optimizer="rmsprop", loss=loss)
    nm = Seq2Seq(7, 9, 4, dtype=dtype, seed=0, **spec)
    nm.compile(optimizer="rmsprop", loss=loss)
    nm.set_weights(random_weights(np.random.default_rng(0), [w.shape for w in nm.get_weights()], dtype, 0.5))
    to_keras(nm, km)
    return km, nm


def hand_over_dropout_mask(km, name, keep):
    """Keras's Dropout layer ``name`` computes where(keep, x·scale, 0) with our mask (broadcast
    over its noise_shape's 1s) instead of its draw (TensorFlow's stateless_dropout: x·scale,
    scale = 1/(1 − rate) cast to x's dtype)."""
    import tensorflow as tf

    layer = km.get_layer(name)

    def call(inputs, training=False):
        if not training:
            return inputs
        scale = tf.constant(1 / (1 - layer.rate), inputs.dtype)    # not tf.cast: via float32
        return tf.where(tf.constant(keep), inputs * scale, tf.zeros_like(inputs))
    layer.call = call


def hand_over_every_mask(km, nm, cache):
    """Every mask a training call of ``nm`` drew (``cache``), to the Keras layer of the same
    place: the RNN cells', the Dropout's before the Dense, the Dropouts' after the Embeddings."""
    from reference.deep import DECODER_WORD_DROPOUT, ENCODER_WORD_DROPOUT, OUTPUT_DROPOUT

    c = nm.config
    if c.dropout or c.recurrent_dropout:
        hand_over_masks(km, nm, cache)
    if c.output_dropout:
        hand_over_dropout_mask(km, OUTPUT_DROPOUT, cache.decoder.dropout.keep)
    if c.word_dropout:
        hand_over_dropout_mask(km, ENCODER_WORD_DROPOUT, cache.encoder.embedding.dropout.keep)
        hand_over_dropout_mask(km, DECODER_WORD_DROPOUT, cache.decoder.embedding.dropout.keep)


def hand_over_encoder_masks(km, nm, cache):
    """Each Keras encoder cell (both directions of a Bidirectional) gets the masks of the
    npseq2seq layer of the same place."""
    import tensorflow as tf

    from reference.deep import encoder_name

    for k, (rnn, layer_cache) in enumerate(zip(nm.encoder.rnns, cache.encoder.rnns)):
        keras_layer = km.get_layer(encoder_name(k))
        if isinstance(rnn, Bidirectional):
            inject_masks(keras_layer.forward_layer.cell, layer_cache.forward.dropout, tf)
            inject_masks(keras_layer.backward_layer.cell, layer_cache.backward.dropout, tf)
        else:
            inject_masks(keras_layer.cell, layer_cache.dropout, tf)


def masks_drawn(nm, x, seed):
    """(loss, gradients) of a training call with ``rng`` seeded ``seed``, and the cache of the
    same draws again, to read the masks from."""
    loss, grads = nm.loss_and_gradients(x[0], x[1], training=True, rng=np.random.default_rng(seed))
    _, cache = nm.forward(*nm._prepare_x(x[0]), training=True, rng=np.random.default_rng(seed))
    return loss, grads, cache


def compare_with_keras(km, nm, x, y, loss, grads, dtype, variant, record, label, least):
    """The loss and every gradient against Keras's (masks already handed over); each Keras
    gradient larger than ``least`` somewhere; the masks acted (inference's gradients differ)."""
    from reference.testing import gradient_differences, keras_loss_and_gradients, max_abs_diff

    k_loss, k_grads = keras_loss_and_gradients(km, x, y)
    record(f"{label} loss", dtype, abs(loss - k_loss), variant)
    assert abs(loss - k_loss) <= tol(dtype, "loss")
    assert all(np.abs(g).max() > least for g in k_grads)    # every weight gets a real gradient
    diffs = gradient_differences(grads, k_grads, dtype, nm.param_names())
    record(f"{label} gradient", dtype, max(diffs.values()), variant)
    assert max(diffs.values()) <= tol(dtype, "gradient"), diffs
    assert max_abs_diff(nm.loss_and_gradients(x, y)[1], grads) > 1e-2


@pytest.mark.parametrize("variant", [pytest.param(v, marks=() if v in FAST else pytest.mark.slow)
                                     for v in VARIANTS])
def test_loss_and_gradients_given_the_same_masks(keras, keras_floatx, variant, record):
    km, nm = _pair(keras, keras_floatx, variant)
    x, y = _batch(variant, keras_floatx)
    loss, grads, cache = masks_drawn(nm, (x, y), seed=2)
    hand_over_masks(km, nm, cache)
    compare_with_keras(km, nm, x, y, loss, grads, keras_floatx, variant, record, "dropout", least=1e-4)
