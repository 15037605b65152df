"""The tutorial's GRU variant (its FAQ) against Keras, number for number.

``Seq2Seq(cell="gru")`` and ``reference.build_training_model(cell="gru")`` get the
same random weights (every array, both bias rows included) and the same one-hot
batches, space- or zero-padded; every check runs in float64 and float32
(``keras_floatx``) with the tolerances of ``reference.tolerances``:

* forward: the training model's probabilities, the encoder's one state and four
  fed-back decoder steps of the inference models;
* loss and every weight's gradient against ``tf.GradientTape``;
* weights after 1 and 20 ``train_on_batch`` steps of RMSprop and Adam;
* decoded strings of a trained model, the tutorial's loop on both sides.

The reference builder makes Keras's default GRU (``reset_after=True``), which is
also what ``Seq2Seq(cell="gru")`` builds. ``reset_after=False`` is checked one
level down, npseq2seq's ``GRU`` layer against ``keras.layers.GRU(reset_after=False)``
(and True): outputs, final state and the gradients of weights, inputs and initial state.
"""
from __future__ import annotations

import numpy as np
import pytest

from npseq2seq import GRU, Seq2Seq
from npseq2seq import optimizers as np_optimizers
from npseq2seq.data import CharVocab, number_word_pairs, vectorize
from npseq2seq.decoding import decode_sequence as np_decode_sequence
from reference.tolerances import tol

pytestmark = pytest.mark.parity

VE, VD, H = 7, 9, 8      # encoder/decoder vocabularies, latent units
N, TE, TD = 6, 5, 7      # batch, encoder and decoder time steps
WEIGHT_NAMES = ["encoder kernel", "encoder recurrent_kernel", "encoder bias",
                "decoder kernel", "decoder recurrent_kernel", "decoder bias",
                "dense kernel", "dense bias"]


def _pair(keras, dtype, optimizer="rmsprop", keras_optimizer="rmsprop", seed=0):
    """(Keras model, npseq2seq model), both GRU, compiled, with the same random weights."""
    from reference import build_training_model
    from reference.bridge import to_keras
    from reference.testing import random_weights

    km = build_training_model(VE, VD, H, cell="gru", compile=False)
    km.compile(optimizer=keras_optimizer, loss="categorical_crossentropy")
    nm = Seq2Seq(VE, VD, H, cell="gru", dtype=dtype, seed=seed)
    nm.compile(optimizer=optimizer, loss="categorical_crossentropy")
    rng = np.random.default_rng(seed)
    nm.set_weights(random_weights(rng, [w.shape for w in nm.get_weights()], dtype))
    to_keras(nm, km)
    return km, nm


def _batch(dtype, padding, seed=1):
    from reference.testing import random_batch

    return random_batch(np.random.default_rng(seed), N, TE, TD, VE, VD, padding, dtype)


@pytest.fixture(params=["space", "zero"])
def padding(request):
    return request.param


def _differences(ours, theirs, dtype):
    """Per weight: max abs difference (float64) or relative to max |Keras| (float32)."""
    from reference.testing import max_abs_diff, max_rel_diff

    measure = max_abs_diff if dtype == "float64" else max_rel_diff
    return {name: measure(a, b) for name, a, b in zip(WEIGHT_NAMES, ours, theirs)}


# --------------------------------------------------------------------------- layout


def test_gru_model_is_keras_default_gru(keras, keras_floatx):
    """Keras's layers are GRUs with reset_after=True; shapes and order agree, and the
    weights reached Keras bit for bit."""
    km, nm = _pair(keras, keras_floatx)
    rnns = [layer for layer in km.layers if isinstance(layer, keras.layers.GRU)]
    assert len(rnns) == 2 and all(layer.reset_after for layer in rnns)
    assert nm.encoder.reset_after and nm.decoder.reset_after
    gh = 3 * H
    assert [w.shape for w in nm.get_weights()] == [(VE, gh), (H, gh), (2, gh), (VD, gh),
                                                   (H, gh), (2, gh), (H, VD), (VD,)]
    for a, b in zip(nm.get_weights(), km.get_weights()):
        assert a.dtype == b.dtype == np.dtype(keras_floatx)
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------- forward


def test_forward_and_inference_states(keras, keras_floatx, padding, record):
    """Training-model probabilities; encoder_model → [h]; 4 decoder_model steps fed back."""
    from reference import build_inference_models
    from reference.models import _call
    from reference.testing import max_abs_diff

    km, nm = _pair(keras, keras_floatx)
    x, _ = _batch(keras_floatx, padding)
    ours = nm.predict(x, batch_size=N)
    assert ours.shape == (N, TD, VD) and ours.dtype == np.dtype(keras_floatx)
    diff = max(max_abs_diff(ours, np.asarray(km(x, training=False))),
               max_abs_diff(ours, km.predict(x, batch_size=N, verbose=0)))
    record("GRU forward: training model", keras_floatx, diff, padding)
    assert diff <= tol(keras_floatx, "forward")

    k_enc, k_dec = build_inference_models(km)
    k_states = [_call(k_enc, x[0])]                  # a GRU encoder_model returns h alone
    n_states = nm.encoder_model.predict(x[0])
    assert len(n_states) == 1 and n_states[0].shape == (N, H)
    diff = max_abs_diff(n_states, k_states)
    target = np.zeros((N, 1, VD), keras_floatx)
    target[:, 0, 1] = 1.0
    for _ in range(4):
        k_out, *k_states = _call(k_dec, [target] + k_states)
        n_out, *n_states = nm.decoder_model.predict([target] + n_states)
        assert len(n_states) == len(k_states) == 1 and n_out.shape == k_out.shape == (N, 1, VD)
        diff = max(diff, max_abs_diff(n_out, k_out), max_abs_diff(n_states, k_states))
        target = np.zeros((N, 1, VD), keras_floatx)
        target[np.arange(N), 0, k_out[:, 0].argmax(-1)] = 1.0
    record("GRU forward: inference models", keras_floatx, diff, padding)
    assert diff <= tol(keras_floatx, "forward")


# --------------------------------------------------------------------------- loss, gradients


def test_loss_and_gradients_match_gradient_tape(keras, keras_floatx, padding, record):
    from reference.testing import keras_loss_and_gradients

    km, nm = _pair(keras, keras_floatx)
    x, y = _batch(keras_floatx, padding)
    k_loss, theirs = keras_loss_and_gradients(km, x, y)
    k_eval = km.evaluate(x, y, batch_size=N, verbose=0)
    n_loss, ours = nm.loss_and_gradients(x, y)
    diff = max(abs(n_loss - k_loss), abs(n_loss - k_eval), abs(nm.evaluate(x, y) - k_loss))
    record("GRU loss", keras_floatx, diff, padding)
    assert diff <= tol(keras_floatx, "loss")

    assert [g.shape for g in ours] == [g.shape for g in theirs]
    assert all(np.abs(g).max() > 1e-3 for g in theirs)    # every weight gets a real gradient
    # both bias rows of both GRUs: the recurrent row's gradient differs from the input row's
    for k in (2, 5):
        assert np.abs(theirs[k][0] - theirs[k][1]).max() > 1e-3
    diffs = _differences(ours, theirs, keras_floatx)
    record("GRU gradients vs GradientTape" + (" (rel)" if keras_floatx == "float32" else ""),
           keras_floatx, max(diffs.values()), padding)
    bad = {k: v for k, v in diffs.items() if v > tol(keras_floatx, "gradient")}
    assert not bad, f"gradients differ from Keras beyond {tol(keras_floatx, 'gradient')}: {bad}"


# --------------------------------------------------------------------------- optimisation


@pytest.mark.parametrize("optimizer", ["RMSprop", "Adam"])
def test_train_on_batch_trajectory(keras, keras_floatx, padding, optimizer, record):
    """20 steps over 4 cycling batches: each pre-update loss, weights after 1 and 20 steps."""
    from reference.testing import max_abs_diff

    km, nm = _pair(keras, keras_floatx, optimizer=getattr(np_optimizers, optimizer)(),
                   keras_optimizer=getattr(keras.optimizers, optimizer)())
    start = nm.get_weights()
    batches = [_batch(keras_floatx, padding, seed=10 + k) for k in range(4)]
    loss_diff = 0.0
    for step in range(20):
        x, y = batches[step % len(batches)]
        loss_diff = max(loss_diff, abs(float(km.train_on_batch(x, y)) - nm.train_on_batch(x, y)))
        if step == 0:
            d1 = max_abs_diff(nm.get_weights(), km.get_weights())
            record(f"GRU weights after 1 {optimizer} step", keras_floatx, d1, padding)
            assert d1 <= tol(keras_floatx, "weights_1_step")
    d20 = max_abs_diff(nm.get_weights(), km.get_weights())
    record(f"GRU weights after 20 {optimizer} steps", keras_floatx, d20, padding)
    record(f"GRU train_on_batch losses, {optimizer}", keras_floatx, loss_diff, padding)
    assert d20 <= tol(keras_floatx, "weights_20_steps")
    assert loss_diff <= tol(keras_floatx, "loss")
    assert max_abs_diff(nm.get_weights(), start) > 1e-3   # the weights really moved


# --------------------------------------------------------------------------- decoding


def test_decoded_strings(keras, keras_floatx):
    """A GRU model trained on number words (npseq2seq trains; the weights go to Keras):
    the tutorial's decode_sequence gives the same string for every input on both sides,
    and so does npseq2seq's batched translate."""
    from reference import build_inference_models, build_training_model, decode_sequence
    from reference.bridge import to_keras

    inputs, targets = number_word_pairs(num_samples=100, high=99, seed=0)
    vocab = CharVocab.from_texts(inputs, targets)
    enc, dec, tgt = vectorize(inputs, targets, vocab, dtype=keras_floatx)
    nm = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 16, cell="gru",
                 dtype=keras_floatx, seed=0, vocab=vocab)
    nm.compile(np_optimizers.RMSprop(learning_rate=0.01))
    nm.fit([enc, dec], tgt, batch_size=16, epochs=40, verbose=0)
    km = build_training_model(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 16,
                              cell="gru", compile=False)
    to_keras(nm, km)
    k_enc, k_dec = build_inference_models(km)
    theirs = [decode_sequence(enc[i:i + 1], k_enc, k_dec, vocab.target_token_index,
                              vocab.reverse_target_char_index, vocab.max_decoder_seq_length,
                              vocab.num_decoder_tokens) for i in range(len(enc))]
    ours = [np_decode_sequence(nm, enc[i:i + 1]) for i in range(len(enc))]
    assert ours == theirs
    assert nm.translate(inputs, keep_end=True) == theirs
    assert len(set(theirs)) > 3        # the decoder reads the encoder: not one constant string


# --------------------------------------------------------------------------- the layer, both modes


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_layer_against_keras_both_reset_after_modes(keras, keras_floatx, reset_after, record):
    """npseq2seq's GRU vs keras.layers.GRU: output sequence, final state, and the
    GradientTape gradients of a random projection of both with respect to kernel,
    recurrent_kernel, bias, the inputs and the initial state."""
    import tensorflow as tf

    from reference.testing import max_abs_diff, max_rel_diff, random_weights

    n, t, d = 4, 6, 5
    rng = np.random.default_rng(3)
    ours = GRU(H, d, return_sequences=True, return_state=True, reset_after=reset_after,
               dtype=keras_floatx)
    ours.set_weights(random_weights(rng, [w.shape for w in ours.weights], keras_floatx))
    theirs = keras.layers.GRU(H, return_sequences=True, return_state=True, reset_after=reset_after)
    theirs.build((n, t, d))
    assert [tuple(w.shape) for w in theirs.get_weights()] == [w.shape for w in ours.weights]
    theirs.set_weights(ours.get_weights())
    x, h0 = [rng.standard_normal(s).astype(keras_floatx) for s in ((n, t, d), (n, H))]
    dseq, dh = [rng.standard_normal(s).astype(keras_floatx) for s in ((n, t, H), (n, H))]

    xt, h0t = tf.constant(x), tf.constant(h0)
    with tf.GradientTape() as tape:
        tape.watch([xt, h0t])
        k_seq, k_h = theirs(xt, initial_state=[h0t])
        objective = tf.reduce_sum(k_seq * dseq) + tf.reduce_sum(k_h * dh)
    k_grads = tape.gradient(objective, [*theirs.trainable_weights, xt, h0t])
    (seq, h), cache = ours.forward(x, [h0])
    dx, (dh0,), grads = ours.backward([dseq, dh], cache)

    fwd = max(max_abs_diff(seq, k_seq), max_abs_diff(h, k_h))
    record(f"GRU layer forward (reset_after={reset_after})", keras_floatx, fwd)
    assert fwd <= tol(keras_floatx, "forward")
    measure = max_abs_diff if keras_floatx == "float64" else max_rel_diff
    names = ["kernel", "recurrent_kernel", "bias", "inputs", "initial state"]
    diffs = {name: measure(a, np.asarray(b))
             for name, a, b in zip(names, [*grads, dx, dh0], k_grads)}
    record(f"GRU layer gradients (reset_after={reset_after})"
           + (" (rel)" if keras_floatx == "float32" else ""), keras_floatx, max(diffs.values()))
    bad = {k: v for k, v in diffs.items() if v > tol(keras_floatx, "gradient")}
    assert not bad, f"gradients differ from Keras beyond {tol(keras_floatx, 'gradient')}: {bad}"
