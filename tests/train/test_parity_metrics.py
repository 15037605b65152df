"""``compile(metrics=["accuracy"])`` against Keras's on real fits: the per-epoch
``accuracy`` and ``val_accuracy`` of ``fit`` and the ``[loss, accuracy]`` of ``evaluate``.

* character level, one-hot targets (Keras's CategoricalAccuracy), both paddings: with
  zero padding the all-zero target rows count as steps whose target is token 0;
* the FAQ's model without teacher forcing (probabilities, not logits);
* word level with integer targets (SparseCategoricalAccuracy), without and with
  ``mask_zero``: with the mask, only the real steps count (Keras takes the mask from
  the Dense output).
"""
from __future__ import annotations

import numpy as np
import pytest

from npseq2seq import Seq2Seq
from npseq2seq.text import CharVocab, load_pairs, vectorize
from reference.tolerances import tol

pytestmark = pytest.mark.parity

FIT = dict(batch_size=32, epochs=2, validation_split=0.25, shuffle=False)


def _fit_both(keras, km, nm, x, y, loss):
    from reference.bridge import to_keras
    from reference.testing import fit_side_by_side, randomise_biases

    randomise_biases(nm)
    nm.compile(optimizer="rmsprop", loss=loss, metrics=["accuracy"])
    km.compile(optimizer=keras.optimizers.RMSprop(), loss=loss, metrics=["accuracy"])
    to_keras(nm, km)
    n_hist, k_hist, diff = fit_side_by_side(km, nm, x, y, **FIT)
    assert sorted(n_hist) == sorted(k_hist) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    k_eval = km.evaluate(x, y, batch_size=32, verbose=0)
    n_eval = nm.evaluate(x, y, batch_size=32)
    assert len(n_eval) == len(k_eval) == 2
    return n_hist, k_hist, max(diff, *(abs(a - b) for a, b in zip(n_eval, k_eval)))


@pytest.mark.parametrize("padding", ["space", "zero"])
def test_char_accuracy_as_keras(keras, keras_floatx, fra_path, padding, record):
    from reference import build_training_model

    inputs, targets = load_pairs(fra_path, 160)
    vocab = CharVocab.from_texts(inputs, targets, padding=padding)
    enc, dec, tgt = vectorize(inputs, targets, vocab, padding=padding, dtype=keras_floatx)
    nm = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 16, dtype=keras_floatx, seed=0)
    km = build_training_model(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 16, compile=False)
    n_hist, k_hist, diff = _fit_both(keras, km, nm, [enc, dec], tgt, "categorical_crossentropy")
    record("fit/evaluate: loss and accuracy (and val_), char", keras_floatx, diff, padding)
    assert diff <= tol(keras_floatx, "history"), (n_hist, k_hist)
    assert 0 < k_hist["accuracy"][-1] < 1


@pytest.mark.parametrize("mask_zero", [False, True], ids=["unmasked", "mask_zero"])
def test_word_accuracy_as_keras(keras, keras_floatx, mask_zero, record):
    from reference.models import build_word_training_model
    from reference.testing import random_word_batch

    ve, vd, h = 11, 13, 8
    x, y = random_word_batch(np.random.default_rng(4), 80, 6, 7, ve, vd, "sparse", keras_floatx)
    nm = Seq2Seq(ve, vd, h, level="word", mask_zero=mask_zero, dtype=keras_floatx, seed=0)
    km = build_word_training_model(ve, vd, h, mask_zero=mask_zero, compile=False)
    n_hist, k_hist, diff = _fit_both(keras, km, nm, x, y, "sparse_categorical_crossentropy")
    record("fit/evaluate: loss and accuracy (and val_), word", keras_floatx, diff,
           "mask_zero" if mask_zero else "")
    assert diff <= tol(keras_floatx, "history"), (n_hist, k_hist)
    # the mask changes the number: the padded steps (target 0) are left out of it
    real = (y != 0).mean()
    assert 0 < real < 1


def test_no_teacher_forcing_accuracy_as_keras(keras, keras_floatx, record):
    """The FAQ's free-running model: its output is a concatenation of softmax steps, and the
    accuracy reads their argmax (Keras's CategoricalAccuracy on the probabilities); zero
    padding, so the all-zero target rows count (target token 0). Keras builds this model
    slowly: one padding only."""
    padding = "zero"
    from reference.models import build_no_teacher_forcing_model, start_token_input
    from reference.testing import random_batch

    ve, vd, h, n, te, td = 9, 11, 8, 48, 5, 6
    (enc, _), tgt = random_batch(np.random.default_rng(8), n, te, td, ve, vd, padding, keras_floatx)
    x = [enc, start_token_input(n, vd, 1, keras_floatx)]
    nm = Seq2Seq(ve, vd, h, teacher_forcing=False, dtype=keras_floatx, seed=0)
    km = build_no_teacher_forcing_model(ve, vd, td, h, compile=False)
    n_hist, k_hist, diff = _fit_both(keras, km, nm, x, tgt, "categorical_crossentropy")
    record("fit/evaluate: loss and accuracy (and val_), no teacher forcing", keras_floatx, diff, padding)
    assert diff <= tol(keras_floatx, "history"), (n_hist, k_hist)
