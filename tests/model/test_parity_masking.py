"""``Seq2Seq(..., mask_padding=True)`` against the tutorial's model with ``Masking()`` on both
inputs (``reference/masking.py``), number for number, float64 and float32.

Both sides get the same random weights (biases included) and the same zero-padded one-hot
batches (the 2017 blog's all-zero rows), with inputs of different lengths, so that the
masks matter. Checked:

* the facts npseq2seq follows (``npseq2seq/model/masking.py``): Keras's encoder skips
  padded steps (its states equal those of the unpadded input), its decoder does not (its
  probabilities at padded steps equal the unmasked model's), its loss is the mean over
  the decoder input's real steps;
* forward (the training model at every step, padded ones included; the inference models'
  states and four fed-back steps), loss, every weight's gradient against
  ``tf.GradientTape``; weights after 1 and 20 RMSprop and Adam steps (LSTM in the
  default run, GRU marked slow);
* slow: a 3-epoch ``fit`` on a slice of fra.txt, and the strings a trained model decodes.
"""
from __future__ import annotations

import numpy as np
import pytest

from npseq2seq import Seq2Seq
from npseq2seq import optimizers as np_optimizers
from npseq2seq.decode import decode_sequence as np_decode_sequence
from npseq2seq.text import CharVocab, load_pairs, vectorize
from reference.tolerances import tol

pytestmark = pytest.mark.parity

VE, VD, H = 7, 9, 8
N, TE, TD = 6, 6, 7
WEIGHT_NAMES = ["encoder kernel", "encoder recurrent_kernel", "encoder bias",
                "decoder kernel", "decoder recurrent_kernel", "decoder bias",
                "dense kernel", "dense bias"]
CELLS = ["lstm", pytest.param("gru", marks=pytest.mark.slow)]


def _pair(keras, dtype, cell="lstm", optimizer="rmsprop", keras_optimizer="rmsprop", seed=0,
          masked_keras=True):
    """(Keras model, npseq2seq model) with the same random weights; Keras with Masking()
    (or the tutorial's own model when not ``masked_keras``)."""
    from reference import build_training_model
    from reference.bridge import to_keras
    from reference.masking import build_masked_training_model
    from reference.testing import random_weights

    build = build_masked_training_model if masked_keras else build_training_model
    km = build(VE, VD, H, cell=cell, compile=False)
    km.compile(optimizer=keras_optimizer, loss="categorical_crossentropy")
    nm = Seq2Seq(VE, VD, H, cell=cell, dtype=dtype, seed=seed, mask_padding=True)
    nm.compile(optimizer=optimizer)
    nm.set_weights(random_weights(np.random.default_rng(seed), [w.shape for w in nm.params], dtype))
    to_keras(nm, km)
    return km, nm


def _batch(dtype, seed=1):
    from reference.testing import random_batch

    x, y = random_batch(np.random.default_rng(seed), N, TE, TD, VE, VD, "zero", dtype)
    assert not x[0].any(-1).all() and not x[1].any(-1).all()   # both inputs have padding
    return x, y


def test_keras_masking_facts(keras, keras_floatx, record):
    """What Keras 3 does with the two masks, measured: the encoder's final states are those
    of the unpadded input (padding skipped); the decoder runs over its padded steps (its
    outputs there equal the unmasked tutorial model's); the loss is the mean over the
    decoder input's real steps, not over all N·Td rows."""
    from reference.masking import build_masked_inference_models
    from reference.models import _call
    from reference.testing import keras_loss_and_gradients, max_abs_diff

    km, nm = _pair(keras, keras_floatx)
    plain, _ = _pair(keras, keras_floatx, masked_keras=False)
    x, y = _batch(keras_floatx)
    k_enc, _ = build_masked_inference_models(km)
    lengths = x[0].any(-1).sum(1)
    for n in range(N):   # each input alone, cut to its real steps: the same states
        alone = _call(k_enc, x[0][n:n + 1, :lengths[n]])
        padded = _call(k_enc, x[0][n:n + 1])
        assert max_abs_diff(alone, padded) <= tol(keras_floatx, "forward")
    assert lengths.min() < TE
    # decoder: same as the unmasked model's decoder from the masked encoder's states
    masked_probs = np.asarray(km(x))
    k_states = _call(k_enc, x[0])
    k_states = k_states if isinstance(k_states, list) else [k_states]
    unmasked_decoder = np.asarray(plain.layers[3](x[1], initial_state=k_states)[0])
    unmasked_probs = np.asarray(plain.layers[4](unmasked_decoder))
    pad = ~x[1].any(-1)
    assert pad.any()
    diff = max_abs_diff(masked_probs[pad], unmasked_probs[pad])
    record("masking: Keras decoder at padded steps = unmasked decoder", keras_floatx, diff)
    assert diff <= tol(keras_floatx, "forward")
    # loss: the masked mean; the plain mean over all rows differs
    k_loss, _ = keras_loss_and_gradients(km, x, y)
    rows = -(y * np.log(masked_probs)).sum(-1)
    assert abs(k_loss - rows[~pad].mean()) <= 10 * tol(keras_floatx, "loss")
    assert abs(k_loss - rows.mean()) > 1e-3


def test_forward(keras, keras_floatx, record):
    """Training model at every step; encoder_model states and four fed-back decoder steps."""
    from reference.masking import build_masked_inference_models
    from reference.models import _call
    from reference.testing import greedy_steps_difference, max_abs_diff

    km, nm = _pair(keras, keras_floatx)
    x, _ = _batch(keras_floatx)
    ours = nm.predict(x, batch_size=N)
    diff = max_abs_diff(ours, np.asarray(km(x)))
    k_enc, k_dec = build_masked_inference_models(km)
    k_states = _call(k_enc, x[0])
    n_states = nm.encoder_model.predict(x[0])
    diff = max(diff, max_abs_diff(n_states, k_states),
               greedy_steps_difference(k_dec, nm, list(k_states), list(n_states), VD, keras_floatx))
    record("masking: forward (training and inference models)", keras_floatx, diff)
    assert diff <= tol(keras_floatx, "forward")


@pytest.mark.parametrize("cell", CELLS)
def test_loss_and_gradients(keras, keras_floatx, cell, record):
    from reference.testing import gradient_differences, keras_loss_and_gradients

    km, nm = _pair(keras, keras_floatx, cell=cell)
    x, y = _batch(keras_floatx)
    k_loss, theirs = keras_loss_and_gradients(km, x, y)
    loss, ours = nm.loss_and_gradients(x, y)
    diff = max(abs(loss - k_loss), abs(nm.evaluate(x, y, batch_size=N) - km.evaluate(x, y, verbose=0)))
    record(f"masking: loss, {cell}", keras_floatx, diff)
    assert diff <= tol(keras_floatx, "loss")
    assert all(np.abs(g).max() > 1e-3 for g in theirs)
    diffs = gradient_differences(ours, theirs, keras_floatx, WEIGHT_NAMES)
    record(f"masking: gradients vs GradientTape, {cell}", keras_floatx, max(diffs.values()))
    bad = {k: v for k, v in diffs.items() if v > tol(keras_floatx, "gradient")}
    assert not bad, bad


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("optimizer", ["RMSprop", "Adam"])
def test_train_on_batch(keras, keras_floatx, cell, optimizer, record):
    from reference.testing import train_on_batch_side_by_side

    km, nm = _pair(keras, keras_floatx, cell=cell, optimizer=getattr(np_optimizers, optimizer)(),
                   keras_optimizer=getattr(keras.optimizers, optimizer)())
    batches = [_batch(keras_floatx, seed=10 + k) for k in range(4)]
    diffs = train_on_batch_side_by_side(km, nm, batches, steps=20)
    for check in ("weights_1_step", "weights_20_steps", "loss"):
        record(f"masking: {check}, {optimizer}, {cell}", keras_floatx, diffs[check])
        assert diffs[check] <= tol(keras_floatx, check), check
    assert diffs["moved"] > 1e-3


# --------------------------------------------------------------------------- on fra.txt

LINES, MAX_TARGET, LATENT = 300, 12, 16


def _fra(path, dtype):
    inputs, targets = load_pairs(path, LINES)
    keep = [k for k, t in enumerate(targets) if len(t) <= MAX_TARGET]
    inputs, targets = [inputs[k] for k in keep], [targets[k] for k in keep]
    vocab = CharVocab.from_texts(inputs, targets, padding="zero")
    enc, dec, tgt = vectorize(inputs, targets, vocab, padding="zero", dtype=dtype)
    return inputs, vocab, [enc, dec], tgt


def _fra_pair(keras, dtype, vocab, learning_rate):
    from reference.bridge import to_keras
    from reference.masking import build_masked_training_model
    from reference.testing import randomise_biases

    nm = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, LATENT, dtype=dtype, seed=0,
                 vocab=vocab, mask_padding=True)
    randomise_biases(nm)
    nm.compile(optimizer=np_optimizers.RMSprop(learning_rate=learning_rate))
    km = build_masked_training_model(vocab.num_encoder_tokens, vocab.num_decoder_tokens, LATENT,
                                     compile=False)
    km.compile(optimizer=keras.optimizers.RMSprop(learning_rate=learning_rate),
               loss="categorical_crossentropy")
    to_keras(nm, km)
    return km, nm


@pytest.mark.slow
def test_fit_history(keras, keras_floatx, fra_path, record):
    from reference.testing import fit_side_by_side, max_abs_diff

    _, vocab, x, y = _fra(fra_path, keras_floatx)
    km, nm = _fra_pair(keras, keras_floatx, vocab, 0.001)
    n_hist, k_hist, diff = fit_side_by_side(km, nm, x, y, batch_size=40, epochs=3,
                                            validation_split=0.2, shuffle=False)
    record("masking: fit per-epoch loss and val_loss", keras_floatx, diff)
    assert diff <= tol(keras_floatx, "history"), (n_hist, k_hist)
    assert k_hist["loss"][-1] < k_hist["loss"][0]
    wdiff = max_abs_diff(nm.get_weights(), km.get_weights())
    record("masking: fit weights after 3 epochs", keras_floatx, wdiff)
    assert wdiff <= tol(keras_floatx, "weights_20_steps")


@pytest.mark.slow
def test_decoded_strings(keras, keras_floatx, fra_path, record):
    """npseq2seq trains (20 epochs), Keras gets the weights: the tutorial's decode_sequence
    over Keras's masked inference models and npseq2seq's translate agree on every line."""
    from reference import decode_sequence
    from reference.bridge import to_keras
    from reference.masking import build_masked_inference_models

    inputs, vocab, x, y = _fra(fra_path, keras_floatx)
    km, nm = _fra_pair(keras, keras_floatx, vocab, 0.02)
    nm.fit(x, y, batch_size=32, epochs=20, shuffle=False, verbose=0)
    to_keras(nm, km)
    k_enc, k_dec = build_masked_inference_models(km)
    enc = x[0]
    theirs = [decode_sequence(enc[i:i + 1], k_enc, k_dec, vocab.target_token_index,
                              vocab.reverse_target_char_index, vocab.max_decoder_seq_length,
                              vocab.num_decoder_tokens) for i in range(len(enc))]
    assert len(set(theirs)) >= 5, f"model too untrained to test decoding: {set(theirs)}"
    ours = [np_decode_sequence(nm, enc[i:i + 1]) for i in range(len(enc))]
    mismatches = [(i, a, b) for i, (a, b) in enumerate(zip(ours, theirs)) if a != b]
    record("masking: decode_sequence mismatched sentences (count)", keras_floatx, len(mismatches))
    assert not mismatches, mismatches[:5]
    assert nm.translate(inputs, keep_end=True) == theirs
