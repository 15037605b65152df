"""Attention inside the recurrence with dropout, against Keras, given the same masks.

``Seq2Seq(attention="bahdanau" | "luong_general", dropout=, recurrent_dropout=)`` and
``reference.attentive.build_attentive_training_model`` with the same rates (every RNN layer,
and the ``LSTMCell``/``GRUCell`` that ``AttentiveCell`` wraps) get the same random weights and
batch. npseq2seq draws its masks (training=True, a generator of one seed) and reads them back
from its forward's cache; each Keras cell is handed those masks where it would draw its own
(``get_dropout_mask`` / ``get_recurrent_dropout_mask``, as tests/model/test_parity_dropout.py
does): the attentive layer's are the wrapped cell's, over its input [x_t; e_t] (N, D + E).
Compared: the loss and every weight's gradient of ``model(x, training=True)`` under
``tf.GradientTape``, float64 and float32. Keras's own masks come from TensorFlow's RNG, which
NumPy cannot replay: their law is checked in tests/layers/test_attentive_dropout.py.

The default run has one fast case; the others are ``slow``.
"""
from __future__ import annotations

import numpy as np
import pytest

from npseq2seq import Seq2Seq
from tests.model.test_parity_dropout import compare_with_keras, dropout_batch, hand_over_masks, masks_drawn

pytestmark = pytest.mark.parity

VE, VD, H = 7, 9, 4
N, TE, TD = 5, 5, 6
BOTH = dict(dropout=0.3, recurrent_dropout=0.4)
VARIANTS = {
    "bahdanau-both": dict(attention="bahdanau", **BOTH),
    "feeding-gru-both": dict(attention="luong_general", input_feeding=True, cell="gru", **BOTH),
    "general-dropout": dict(attention="luong_general", dropout=0.3),
    "feeding-word-mask-recurrent": dict(attention="luong_general", input_feeding=True, level="word",
                                        mask_zero=True, recurrent_dropout=0.4),
    "bahdanau-bi2-pad-both": dict(attention="bahdanau", num_layers=2, bidirectional=True, mask_padding=True,
                                  **BOTH),
}
FAST = ("bahdanau-both",)


def _pair(keras, dtype, variant):
    from reference.attentive import build_attentive_training_model
    from reference.bridge import to_keras
    from reference.testing import random_weights

    spec = VARIANTS[variant]
    word = spec.get("level") == "word"
    loss = "sparse_categorical_crossentropy" if word else "categorical_crossentropy"
    km = build_attentive_training_model(
        VE, VD, H, cell=spec.get("cell", "lstm"), kind=spec["attention"],
        input_feeding=spec.get("input_feeding", False), num_layers=spec.get("num_layers", 1),
        bidirectional=spec.get("bidirectional", False), level=spec.get("level", "char"),
        mask_zero=spec.get("mask_zero", False), mask_padding=spec.get("mask_padding", False), compile=False,
        dropout=spec.get("dropout", 0.0), recurrent_dropout=spec.get("recurrent_dropout", 0.0))
    km.compile(optimizer="rmsprop", loss=loss)
    nm = Seq2Seq(VE, VD, H, dtype=dtype, seed=0, **spec)
    nm.compile(optimizer="rmsprop", loss=loss)
    nm.set_weights(random_weights(np.random.default_rng(0), [w.shape for w in nm.get_weights()], dtype, 0.5))
    to_keras(nm, km)
    return km, nm


def _batch(variant, dtype):
    return dropout_batch(VARIANTS[variant], dtype, "zero")


@pytest.mark.parametrize("variant", [pytest.param(v, marks=() if v in FAST else pytest.mark.slow)
                                     for v in VARIANTS])
def test_loss_and_gradients_given_the_same_masks(keras, keras_floatx, variant, record):
    km, nm = _pair(keras, keras_floatx, variant)
    x, y = _batch(variant, keras_floatx)
    loss, grads, cache = masks_drawn(nm, (x, y), seed=2)
    top = cache.decoder.rnns[-1].dropout
    # the attentive cell's masks cover its whole input [x_t; e_t]
    assert top is not None and (top.inputs is None or top.inputs.shape[-1] == nm.decoder.rnn.rnn.input_dim)
    hand_over_masks(km, nm, cache)
    compare_with_keras(km, nm, x, y, loss, grads, keras_floatx, variant, record, "attentive dropout",
                       least=1e-5)


def test_inference_ignores_the_rates(keras):
    """predict and the loss outside training of a model with dropout equal those of the same
    weights without, bit for bit."""
    km, nm = _pair(keras, "float64", "feeding-gru-both")
    plain = Seq2Seq(VE, VD, H, dtype="float64", **{**VARIANTS["feeding-gru-both"], "dropout": 0.0,
                                                   "recurrent_dropout": 0.0})
    plain.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    plain.set_weights(nm.get_weights())
    x, y = _batch("feeding-gru-both", "float64")
    np.testing.assert_array_equal(nm.predict(x, batch_size=N), plain.predict(x, batch_size=N))
    np.testing.assert_array_equal(nm.loss_and_gradients(x, y)[0], plain.loss_and_gradients(x, y)[0])


def test_the_reference_cell_draws_its_masks_once_per_call(keras):
    """The Keras reference itself: ``fit`` runs (graph mode), the wrapped cell's masks are
    dropped after every call (``AttentiveCell`` is a ``DropoutRNNCell``), two training calls
    draw different masks, inference uses none."""
    km, _ = _pair(keras, "float32", "feeding-gru-both")
    x, y = _batch("feeding-gru-both", "float32")
    km.fit(x, y, batch_size=N, epochs=1, verbose=0)
    cell = km.get_layer("decoder_1").cell.cell
    first, second = np.asarray(km(x, training=True)), np.asarray(km(x, training=True))
    assert cell._dropout_mask is None and cell._recurrent_dropout_mask is None
    assert np.abs(first - second).max() > 1e-4
    np.testing.assert_array_equal(np.asarray(km(x, training=False)), np.asarray(km(x, training=False)))
