"""The Keras reference builders themselves, checked for internal consistency (the
models against npseq2seq are in test_parity_char.py and test_parity_variants.py).

* The tutorial's inference models reuse the trained layers: stepping
  ``decoder_model`` one character at a time with the teacher's inputs reproduces the
  training model's outputs (LSTM, GRU, word level with and without mask_zero).
* The no-teacher-forcing model (FAQ) equals the teacher-forced inference models fed back
  their own softmax output, with the same weights (here npseq2seq's teacher-forced
  ``encoder_model`` / ``decoder_model``).
* ``reference.floatx`` really switches the dtype of new layers.
"""
from __future__ import annotations

import numpy as np
import pytest

from npseq2seq import Seq2Seq
from reference.tolerances import tol

pytestmark = pytest.mark.parity

VE, VD, H, N, TE, TD = 7, 9, 8, 5, 6, 7


def _random_weights(model, seed=0):
    from reference.testing import random_weights

    weights = random_weights(np.random.default_rng(seed), [w.shape for w in model.get_weights()],
                             model.get_weights()[0].dtype)
    model.set_weights(weights)
    return weights


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_inference_models_reproduce_training_model(keras, keras_floatx, cell, record):
    from reference import build_inference_models, build_training_model
    from reference.models import _call
    from reference.testing import max_abs_diff, random_batch

    km = build_training_model(VE, VD, H, cell=cell, compile=False)
    _random_weights(km)
    x, _ = random_batch(np.random.default_rng(1), N, TE, TD, VE, VD, "zero", keras_floatx)
    full = np.asarray(km(x, training=False))
    encoder_model, decoder_model = build_inference_models(km)
    states = _call(encoder_model, x[0])
    states = states if isinstance(states, list) else [states]
    assert len(states) == (2 if cell == "lstm" else 1)
    steps = []
    for t in range(TD):
        out, *states = _call(decoder_model, [x[1][:, t:t + 1]] + states)
        steps.append(out)
    diff = max_abs_diff(np.concatenate(steps, axis=1), full)
    record(f"reference: inference models step by step = training model, {cell}",
           keras_floatx, diff)
    assert diff <= tol(keras_floatx, "forward")


@pytest.mark.parametrize("cell, mask_zero", [("lstm", False), ("gru", False), ("lstm", True)])
def test_word_level_inference_models_reproduce_training_model(keras, keras_floatx, cell,
                                                              mask_zero, record):
    from reference import build_word_inference_models, build_word_training_model, decode_word_sequence
    from reference.models import _call
    from reference.testing import max_abs_diff

    km = build_word_training_model(VE, VD, H, cell=cell, mask_zero=mask_zero, compile=False)
    g = {"lstm": 4, "gru": 3}[cell] * H
    bias = (g,) if cell == "lstm" else (2, g)
    assert [w.shape for w in km.get_weights()] == [
        (VE, H), (VD, H), (H, g), (H, g), bias, (H, g), (H, g), bias, (H, VD), (VD,)]
    _random_weights(km)
    rng = np.random.default_rng(2)
    enc = rng.integers(1, VE, (N, TE))
    dec = rng.integers(1, VD, (N, TD))
    enc[1, 3:] = 0                     # padding (masked where mask_zero) at the end of a row
    full = np.asarray(km([enc, dec], training=False))
    encoder_model, decoder_model = build_word_inference_models(km)
    states = _call(encoder_model, enc)
    states = states if isinstance(states, list) else [states]
    steps = []
    for t in range(TD):
        out, *states = _call(decoder_model, [dec[:, t:t + 1]] + states)
        steps.append(out)
    diff = max_abs_diff(np.concatenate(steps, axis=1), full)
    record(f"reference: word-level inference models = training model, {cell}"
           + (", mask_zero" if mask_zero else ""), keras_floatx, diff)
    assert diff <= tol(keras_floatx, "forward")
    ids = decode_word_sequence(enc[:1], encoder_model, decoder_model, 0, 1, TD)
    assert 1 <= len(ids) <= TD + 1 and all(0 <= i < VD for i in ids)


def _ntf_pair(keras, dtype, max_len):
    """(Keras no-teacher-forcing model, npseq2seq Seq2Seq) with the same random weights."""
    from reference import build_no_teacher_forcing_model

    km = build_no_teacher_forcing_model(VE, VD, max_len, H, compile=False)
    km.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    nm = Seq2Seq(VE, VD, H, dtype=dtype)
    nm.set_weights(_random_weights(km))
    return km, nm


def test_no_teacher_forcing_forward_matches_npseq2seq_feedback(keras, keras_floatx, record):
    from reference import start_token_input
    from reference.testing import max_abs_diff, one_hot, random_ids

    km, nm = _ntf_pair(keras, keras_floatx, TD)
    rng = np.random.default_rng(3)
    enc = one_hot(random_ids(rng, N, TE, VE), VE, keras_floatx)
    start = start_token_input(N, VD, 1, keras_floatx)
    theirs = np.asarray(km([enc, start], training=False))
    assert theirs.shape == (N, TD, VD)
    states = nm.encoder_model.predict(enc)
    inputs, outs = start, []
    for _ in range(TD):
        out, *states = nm.decoder_model.predict([inputs] + list(states))
        outs.append(out)
        inputs = out                 # the softmax output itself is the next input
    diff = max_abs_diff(np.concatenate(outs, axis=1), theirs)
    record("reference: no-teacher-forcing model = npseq2seq fed back", keras_floatx, diff)
    assert diff <= tol(keras_floatx, "forward")


def test_floatx_context_sets_layer_dtypes(keras):
    """reference.floatx switches the dtype of newly built layers both ways in one
    process (keras.config.set_floatx alone does not, once a layer has been built)."""
    from reference import build_training_model, floatx

    for dtype in ("float64", "float32", "float64"):
        with floatx(dtype):
            km = build_training_model(3, 4, 2, compile=False)
        assert {w.dtype for w in km.get_weights()} == {np.dtype(dtype)}
        assert all(layer.dtype_policy.name == dtype for layer in km.layers[2:])


def test_package_re_exports_every_builder(keras):
    """``reference`` names lazily what ``reference.models`` and ``reference.attention`` export."""
    import reference
    from reference import attention, models

    for module in (models, attention):
        assert set(module.__all__) <= set(reference.__all__)
        for name in module.__all__:
            assert getattr(reference, name) is getattr(module, name)


@pytest.mark.parametrize("cell, level, mask_zero", [("lstm", "char", False), ("gru", "word", True)])
def test_bridge_reads_the_attention_model_off_keras(keras, cell, level, mask_zero):
    from reference import build_attention_training_model
    from reference.bridge import seq2seq_from_keras

    km = build_attention_training_model(VE, VD, H, cell=cell, level=level, mask_zero=mask_zero,
                                        compile=False)
    weights = _random_weights(km)
    nm = seq2seq_from_keras(km)
    assert (nm.attention, nm.cell, nm.level, nm.mask_zero) == ("luong", cell, level, mask_zero)
    for a, b in zip(nm.get_weights(), weights):
        np.testing.assert_array_equal(a, b)
    rng = np.random.default_rng(3)
    x = [rng.integers(1, VE, size=(N, TE)), rng.integers(1, VD, size=(N, TD))]      # ids
    if level == "char":
        x = [np.eye(VE, dtype=nm.dtype)[x[0]], np.eye(VD, dtype=nm.dtype)[x[1]]]    # one-hot
    np.testing.assert_allclose(nm.predict(x, batch_size=N), np.asarray(km(x, training=False)),
                               rtol=0, atol=tol(nm.dtype, "forward"))


def test_bridge_reads_a_gru_without_reset_after_and_refuses_mixed_modes(keras):
    """A GRU model of Keras 2's default (reset_after=False, bias (3H,)) comes back as
    Seq2Seq(reset_after=False) with the same probabilities; GRUs of two modes are refused."""
    from reference.bridge import seq2seq_from_keras

    def model(encoder_reset_after, decoder_reset_after):
        enc_in, dec_in = keras.Input(shape=(None, VE)), keras.Input(shape=(None, VD))
        _, h = keras.layers.GRU(H, return_state=True, reset_after=encoder_reset_after)(enc_in)
        seq = keras.layers.GRU(H, return_sequences=True, reset_after=decoder_reset_after)(
            dec_in, initial_state=[h])
        return keras.Model([enc_in, dec_in], keras.layers.Dense(VD, activation="softmax")(seq))

    km = model(False, False)
    weights = _random_weights(km)
    nm = seq2seq_from_keras(km)
    assert (nm.cell, nm.config.reset_after) == ("gru", False)
    for a, b in zip(nm.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(a, b)
    rng = np.random.default_rng(3)
    x = [np.eye(VE, dtype=nm.dtype)[rng.integers(0, VE, (N, TE))],
         np.eye(VD, dtype=nm.dtype)[rng.integers(0, VD, (N, TD))]]
    np.testing.assert_allclose(nm.predict(x, batch_size=N), np.asarray(km(x, training=False)),
                               rtol=0, atol=tol(nm.dtype, "forward"))
    with pytest.raises(ValueError, match="one GRU with reset_after and one without"):
        seq2seq_from_keras(model(True, False))
