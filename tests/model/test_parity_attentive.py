"""Attention inside the recurrence against its Keras reference, number for number:
``Seq2Seq(attention="bahdanau")`` and ``attention="luong_general"`` (with and without
``input_feeding``) against ``reference/attentive.py`` (Keras's ``RNN`` running an
``AttentiveCell`` around ``LSTMCell`` / ``GRUCell``, the memory carried in its state).

Both sides get the same random weights (biases included) and the same batches; each check
runs in float64 and float32 (``keras_floatx``) with ``reference.tolerances``:

* layout: the weights' shapes and order are Keras's ``get_weights()``;
* forward: the training model's probabilities; the inference models (encoder → the state
  list, four fed-back decoder steps through ``decoder_model`` and ``decode_step``);
* loss and every weight's gradient against ``tf.GradientTape``;
* weights after 1 and 20 ``train_on_batch`` RMSprop steps; a 3-epoch ``fit``;
* greedy strings decoded from a model Keras trained, moved to npseq2seq.

Variants: LSTM and GRU, character level, word level with ``mask_zero`` (padded decoder
steps compared only where both sides compute them: Keras 3 runs its decoder over them),
a 2-layer stack and a bidirectional encoder, and ``mask_padding`` (``Masking()`` on both
zero-padded inputs; the encoder's mask in the cell's state, ``reference/attentive.py``).
One case of each check runs by default, the rest are marked slow.
"""
from __future__ import annotations

import numpy as np
import pytest

from npseq2seq import Seq2Seq
from npseq2seq.decode import decode_sequence as np_decode_sequence
from npseq2seq.text import CharVocab, number_word_pairs, vectorize
from reference.tolerances import tol

pytestmark = pytest.mark.parity

VE, VD, H = 7, 9, 4
N, TE, TD = 5, 5, 6
BAHDANAU, FEED, GENERAL = (dict(attention="bahdanau"), dict(attention="luong_general", input_feeding=True),
                           dict(attention="luong_general"))
VARIANTS = {
    "bahdanau": BAHDANAU, "bahdanau-gru": {**BAHDANAU, "cell": "gru"},
    "feeding": FEED, "feeding-gru": {**FEED, "cell": "gru"}, "general": GENERAL,
    "bahdanau-word-mask": {**BAHDANAU, "level": "word", "mask_zero": True},
    "feeding-word-mask": {**FEED, "level": "word", "mask_zero": True},
    "bahdanau-bi2": {**BAHDANAU, "num_layers": 2, "bidirectional": True},
    "feeding-bi2-word-mask": {**FEED, "num_layers": 2, "bidirectional": True, "level": "word", "mask_zero": True},
    "general-2-gru": {**GENERAL, "num_layers": 2, "cell": "gru"},
    "bahdanau-pad": {**BAHDANAU, "mask_padding": True},
    "feeding-gru-pad": {**FEED, "cell": "gru", "mask_padding": True},
    "general-bi2-pad": {**GENERAL, "num_layers": 2, "bidirectional": True, "mask_padding": True},
}


def variants(*fast):
    return [pytest.param(v, marks=() if v in fast else pytest.mark.slow) for v in VARIANTS]


def _word(variant):
    return VARIANTS[variant].get("level") == "word"


def _keras_model(variant, ve, vd, latent):
    from reference.attentive import build_attentive_training_model

    spec = VARIANTS[variant]
    return build_attentive_training_model(
        ve, vd, latent, cell=spec.get("cell", "lstm"), kind=spec["attention"],
        input_feeding=spec.get("input_feeding", False), num_layers=spec.get("num_layers", 1),
        bidirectional=spec.get("bidirectional", False), level=spec.get("level", "char"),
        mask_zero=spec.get("mask_zero", False), mask_padding=spec.get("mask_padding", False), compile=False)


def _pair(keras, dtype, variant, seed=0):
    """(Keras model, npseq2seq model), compiled with RMSprop, the same random weights."""
    from reference.bridge import to_keras
    from reference.testing import random_weights

    km = _keras_model(variant, VE, VD, H)
    km.compile(optimizer=keras.optimizers.RMSprop(), loss="categorical_crossentropy")
    nm = Seq2Seq(VE, VD, H, dtype=dtype, seed=seed, **VARIANTS[variant])
    nm.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    nm.set_weights(random_weights(np.random.default_rng(seed), [w.shape for w in nm.get_weights()], dtype))
    to_keras(nm, km)
    return km, nm


def _batch(variant, dtype, seed=1, n=N):
    """(x, y): word ids (padding 0 at the end) or one-hot characters (space-padded, and
    zero-padded for odd seeds and mask_padding); one-hot targets."""
    from reference.testing import random_batch, random_word_batch

    rng = np.random.default_rng(seed)
    if _word(variant):
        return random_word_batch(rng, n, TE, TD, VE, VD, "onehot", dtype)
    zero = seed % 2 or VARIANTS[variant].get("mask_padding")
    return random_batch(rng, n, TE, TD, VE, VD, "zero" if zero else "space", dtype)


def _real(variant, x):
    """(N, Td) the decoder steps both sides compute alike (all but mask_zero's padding)."""
    return x[1] != 0 if VARIANTS[variant].get("mask_zero") else np.ones(x[1].shape[:2], bool)


# --------------------------------------------------------------------------- layout, forward


@pytest.mark.parametrize("variant", variants("bahdanau", "feeding", "feeding-bi2-word-mask", "bahdanau-pad"))
def test_layout_and_forward(keras, keras_floatx, variant, record):
    """get_weights() shapes in Keras's order; the training model's probabilities; encoder
    → [*states, (ã_0), outputs, (mask)] and four decoder steps, each fed the last argmax."""
    from reference.attentive import build_attentive_inference_models
    from reference.models import _call
    from reference.testing import greedy_steps_difference, max_abs_diff

    km, nm = _pair(keras, keras_floatx, variant)
    assert [w.shape for w in nm.get_weights()] == [tuple(w.shape) for w in km.get_weights()]
    x, _ = _batch(variant, keras_floatx)
    real = _real(variant, x)
    diff = max_abs_diff(nm.predict(x, batch_size=N)[real], np.asarray(km(x, training=False))[real])
    record(f"attentive forward: training model, {variant}", keras_floatx, diff)
    assert diff <= tol(keras_floatx, "forward")
    if VARIANTS[variant].get("mask_padding"):    # the mask acts: unmasked, the same weights differ
        plain = Seq2Seq(VE, VD, H, dtype=keras_floatx, **{**VARIANTS[variant], "mask_padding": False})
        plain.set_weights(nm.get_weights())
        assert max_abs_diff(plain.predict(x, batch_size=N), nm.predict(x, batch_size=N)) > 1e-3

    k_enc, k_dec = build_attentive_inference_models(km, VARIANTS[variant].get("num_layers", 1))
    k_states, n_states = _call(k_enc, x[0]), nm.encoder_model.predict(x[0])
    assert [s.shape for s in n_states] == [s.shape for s in k_states]
    diff = max_abs_diff(n_states, k_states)
    if _word(variant):     # ids fed back (real tokens only: a fed-back 0 would be masked here)
        s_states = n_states
        for t in range(4):
            target = np.where(real[:, t], x[1][:, t], 1)[:, None]
            k_out, *k_states = _call(k_dec, [target] + k_states)
            n_out, *n_states = nm.decoder_model.predict([target] + n_states)
            s_out, s_states = nm.decode_step(target[:, 0], s_states)
            diff = max(diff, max_abs_diff(n_out, k_out), max_abs_diff(s_out, k_out[:, 0]),
                       max_abs_diff(n_states, k_states), max_abs_diff(s_states, k_states))
    else:
        diff = max(diff, greedy_steps_difference(k_dec, nm, k_states, n_states, VD, keras_floatx))
    record(f"attentive forward: inference models, {variant}", keras_floatx, diff)
    assert diff <= tol(keras_floatx, "forward")


@pytest.mark.parametrize("variant", variants("bahdanau", "feeding", "general", "feeding-bi2-word-mask",
                                              "feeding-gru-pad"))
def test_loss_and_gradients_match_gradient_tape(keras, keras_floatx, variant, record):
    from reference.testing import gradient_differences, keras_loss_and_gradients

    km, nm = _pair(keras, keras_floatx, variant)
    x, y = _batch(variant, keras_floatx)
    k_loss, theirs = keras_loss_and_gradients(km, x, y)
    n_loss, ours = nm.loss_and_gradients(x, y)
    record(f"attentive loss, {variant}", keras_floatx, abs(n_loss - k_loss))
    assert abs(n_loss - k_loss) <= tol(keras_floatx, "loss")
    assert all(np.abs(g).max() > 1e-7 for g in theirs)      # every weight gets a gradient
    diffs = gradient_differences(ours, theirs, keras_floatx, nm.param_names())
    record(f"attentive gradients vs GradientTape, {variant}" + (" (rel)" if keras_floatx == "float32" else ""),
           keras_floatx, max(diffs.values()))
    assert max(diffs.values()) <= tol(keras_floatx, "gradient"), diffs


# --------------------------------------------------------------------------- optimisation


@pytest.mark.parametrize("variant", variants("feeding", "bahdanau-pad"))
def test_train_on_batch_trajectory(keras, keras_floatx, variant, record):
    """20 RMSprop steps over 4 cycling batches: each pre-update loss, the weights after 1
    and after 20 steps."""
    from reference.testing import train_on_batch_side_by_side

    km, nm = _pair(keras, keras_floatx, variant)
    batches = [_batch(variant, keras_floatx, seed=10 + k) for k in range(4)]
    diffs = train_on_batch_side_by_side(km, nm, batches, steps=20)
    for check in ("weights_1_step", "weights_20_steps", "loss"):
        record(f"attentive {check}, RMSprop, {variant}", keras_floatx, diffs[check])
        assert diffs[check] <= tol(keras_floatx, check), check
    assert diffs["moved"] > 1e-3


@pytest.mark.parametrize("variant", variants("bahdanau-word-mask"))
def test_fit_three_epochs(keras, keras_floatx, variant, record):
    """fit(shuffle=False, validation_split=0.2), 3 epochs of 4 batches: per-epoch loss and
    val_loss, and the weights after it."""
    from reference.testing import check_three_epochs

    km, nm = _pair(keras, keras_floatx, variant)
    x, y = _batch(variant, keras_floatx, seed=3, n=25)
    check_three_epochs(km, nm, x, y, keras_floatx, f"attentive fit history, {variant}", record)


# --------------------------------------------------------------------------- decoding


@pytest.mark.parametrize("variant", [v for v in variants("bahdanau") if not _word(v.values[0])])
def test_decoded_strings_of_a_keras_trained_model(keras, keras_floatx, variant):
    """Keras trains the model on number words; its weights go to npseq2seq: the tutorial's
    decode_sequence on Keras's inference models gives the same string for every input as
    npseq2seq's, and as npseq2seq's batched translate."""
    from reference import decode_sequence
    from reference.attentive import build_attentive_inference_models
    from reference.bridge import from_keras

    inputs, targets = number_word_pairs(num_samples=60, high=99, seed=0)
    pad = VARIANTS[variant].get("mask_padding")
    vocab = CharVocab.from_texts(inputs, targets, **({"padding": "zero"} if pad else {}))
    enc, dec, tgt = vectorize(inputs, targets, vocab, dtype=keras_floatx)
    keras.utils.set_random_seed(0)
    km = _keras_model(variant, vocab.num_encoder_tokens, vocab.num_decoder_tokens, 12)
    km.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.02), loss="categorical_crossentropy")
    km.fit([enc, dec], tgt, batch_size=20, epochs=20, verbose=0)
    nm = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 12, dtype=keras_floatx, vocab=vocab,
                 **VARIANTS[variant])
    from_keras(km, nm)
    k_enc, k_dec = build_attentive_inference_models(km, VARIANTS[variant].get("num_layers", 1))
    some = range(0, len(enc), 3)
    theirs = [decode_sequence(enc[i:i + 1], k_enc, k_dec, vocab.target_token_index,
                              vocab.reverse_target_char_index, vocab.max_decoder_seq_length,
                              vocab.num_decoder_tokens) for i in some]
    assert [np_decode_sequence(nm, enc[i:i + 1]) for i in some] == theirs
    assert nm.translate([inputs[i] for i in some], keep_end=True) == theirs
    # the decoder reads the encoder: not one constant string (of these 20 inputs, 3 distinct
    # strings for float32 with input feeding, measured; more for the other variants)
    assert len(set(theirs)) >= 3
