"""npseq2seq's character-level seq2seq against the tutorial's Keras model, number for number.

Every check runs for the tutorial's LSTM, for the FAQ's GRU variant and (slow) for
Keras 2's GRU, ``reset_after=False`` (``cell`` fixture); the GRU-only checks (Keras's default GRU, the layer in both ``reset_after``
modes) are in ``test_parity_gru.py``, the word-level and no-teacher-forcing variants in
``test_parity_variants.py``, fit / decoding on fra.txt in ``test_parity_training.py``.

Both sides get identical weights (every weight randomised, biases included, set with
``set_weights`` on both) and identical one-hot batches, padded with the one-hot of a
"space" token (keras-io) or with all-zero rows (the 2017 blog). Every check runs in
float64 and float32 (``keras_floatx`` fixture); tolerances come from
``reference.tolerances`` and nowhere else.

Keras's loss is computed the way ``fit`` computes it: ``model(x, training=True)`` then
``model.compute_loss`` inside a ``tf.GradientTape``. The Dense softmax output carries
its logits, so Keras uses the fused ``softmax_cross_entropy_with_logits``, whose
gradient is ``p - y`` even on all-zero (padding) target rows; npseq2seq's default
loss reproduces that, ``exact_gradient=True`` gives the true gradient of the loss
instead (checked against finite differences).
"""
from __future__ import annotations

import numpy as np
import pytest

from npseq2seq import Seq2Seq
from npseq2seq import optimizers as np_optimizers
from npseq2seq.gradcheck import numerical_gradient
from npseq2seq.losses import CategoricalCrossentropy, categorical_crossentropy
from reference.tolerances import FINITE_DIFFERENCE_RELATIVE, FINITE_DIFFERENCE_STEP, tol

pytestmark = pytest.mark.parity

# small sizes: encoder/decoder vocabularies, latent units, batch, time steps
VE, VD, H = 7, 9, 8
N, TE, TD = 6, 5, 7
WEIGHT_NAMES = ["encoder kernel", "encoder recurrent_kernel", "encoder bias",
                "decoder kernel", "decoder recurrent_kernel", "decoder bias",
                "dense kernel", "dense bias"]
GATES = {"lstm": 4, "gru": 3, "gru-reset-before": 3}
# the ``cell`` of each case: the tutorial's LSTM, the FAQ's GRU (Keras 3's default), and
# Keras 2's GRU (reset_after=False: r before the recurrent kernel, one bias (3H,))
CELLS = {"lstm": dict(cell="lstm"), "gru": dict(cell="gru"), "gru-reset-before": dict(cell="gru", reset_after=False)}


@pytest.fixture(params=["lstm", "gru", pytest.param("gru-reset-before", marks=pytest.mark.slow)])
def cell(request):
    """conftest's ``cell``, and Keras 2's GRU (slow: test_parity_deep.py has a fast case)."""
    return request.param


def _build_pair(keras, dtype, seed=0, exact_gradient=False, optimizer="rmsprop",
                keras_optimizer="rmsprop", cell="lstm"):
    """(keras model, npseq2seq model) with the same random weights, both compiled."""
    from reference import build_training_model
    from reference.bridge import to_keras
    from reference.testing import random_weights

    rng = np.random.default_rng(seed)
    km = build_training_model(VE, VD, H, compile=False, **CELLS[cell])
    km.compile(optimizer=keras_optimizer, loss="categorical_crossentropy")
    nm = Seq2Seq(VE, VD, H, dtype=dtype, seed=seed, **CELLS[cell])
    nm.compile(optimizer=optimizer, loss=CategoricalCrossentropy(exact_gradient=exact_gradient))
    nm.set_weights(random_weights(rng, [w.shape for w in nm.get_weights()], dtype))
    to_keras(nm, km)
    return km, nm


def _batch(dtype, padding, seed=1, n=N):
    from reference.testing import random_batch

    return random_batch(np.random.default_rng(seed), n, TE, TD, VE, VD, padding, dtype)


# --------------------------------------------------------------------------- layout


def test_weight_layout_and_bridge(keras, keras_floatx, cell):
    """Same number, order, shapes and dtype of weights; the bridge round-trips exactly."""
    from reference.bridge import check_same_layout, from_keras, to_keras

    km, nm = _build_pair(keras, keras_floatx, cell=cell)
    kw, nw = km.get_weights(), nm.get_weights()
    check_same_layout(nw, kw)
    gh = GATES[cell] * H
    bias = (2, gh) if cell == "gru" else (gh,)   # GRU reset_after: input and recurrent bias
    assert [w.shape for w in nw] == [(VE, gh), (H, gh), bias, (VD, gh), (H, gh), bias,
                                     (H, VD), (VD,)]
    assert all(w.dtype == np.dtype(keras_floatx) for w in kw + nw)
    # the Keras variables behind get_weights are the ones the names say
    paths = [v.path for v in km.weights]
    assert [p.rsplit("/", 1)[-1] for p in paths] == ["kernel", "recurrent_kernel", "bias"] * 2 + [
        "kernel", "bias"]
    # the bridge copies bit for bit, both ways
    for a, b in zip(nw, kw):
        np.testing.assert_array_equal(a, b)
    other = Seq2Seq(VE, VD, H, dtype=keras_floatx, seed=123, **CELLS[cell])
    from_keras(km, other)
    for a, b in zip(other.get_weights(), kw):
        np.testing.assert_array_equal(a, b)
    other.set_weights([w + 1 for w in other.get_weights()])
    to_keras(other, km)
    for a, b in zip(other.get_weights(), km.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError):
        from_keras(km, Seq2Seq(VE, VD, H + 1, dtype=keras_floatx, **CELLS[cell]))


def test_default_initialisation_matches_keras_statistics(keras, keras_floatx, cell, uniform_draws):
    """Fresh weights of npseq2seq and of the Keras model, at sizes large enough for
    sample statistics (random values differ: other RNGs): the biases, deterministic, are
    equal; each recurrent kernel (H, G·H) of both has orthonormal rows; each kernel of the
    encoder, decoder and Dense of both has the statistics of glorot-uniform draws,
    U(±√(6 / (fan_in + fan_out))) (``uniform_draws``: bound, largest |w| near it,
    standard deviation)."""
    from reference import build_training_model

    ve, vd, h = 60, 70, 32      # glorot kernels of 5760 to 8960 entries, the Dense's 2240
    km = build_training_model(ve, vd, h, compile=False, **CELLS[cell])
    nm = Seq2Seq(ve, vd, h, dtype=keras_floatx, seed=0, **CELLS[cell])
    for k, (a, b) in enumerate(zip(nm.get_weights(), km.get_weights())):
        name = WEIGHT_NAMES[k]
        if k in (2, 5, 7):  # biases: deterministic
            np.testing.assert_array_equal(a, b, err_msg=name)
        elif k in (1, 4):   # orthogonal (H, G·H): orthonormal rows
            assert a.shape == b.shape == (h, GATES[cell] * h)
            np.testing.assert_allclose(a @ a.T, np.eye(h), atol=1e-5, err_msg=name)
            np.testing.assert_allclose(b @ b.T, np.eye(h), atol=1e-5, err_msg=f"Keras {name}")
        else:               # glorot uniform
            assert a.shape == b.shape
            limit = np.sqrt(6.0 / sum(a.shape))
            uniform_draws(a, limit, name)
            uniform_draws(b, limit, f"Keras {name}")


# --------------------------------------------------------------------------- forward


def test_forward_training_model(keras, keras_floatx, padding, cell, record):
    from reference.testing import max_abs_diff

    km, nm = _build_pair(keras, keras_floatx, cell=cell)
    x, _ = _batch(keras_floatx, padding)
    ours = nm.predict(x, batch_size=N)
    called = np.asarray(km(x, training=False))
    predicted = km.predict(x, batch_size=N, verbose=0)
    assert ours.shape == called.shape == (N, TD, VD)
    assert ours.dtype == np.dtype(keras_floatx)
    diff = max(max_abs_diff(ours, called), max_abs_diff(ours, predicted))
    record(f"forward: training model, {cell}", keras_floatx, diff, padding)
    assert diff <= tol(keras_floatx, "forward")


def test_forward_inference_models(keras, keras_floatx, padding, cell, record):
    """encoder_model states, then 4 greedy steps fed back, both sides (npseq2seq's
    decoder_model and decode_step)."""
    from reference import build_inference_models
    from reference.models import _call
    from reference.testing import greedy_steps_difference, max_abs_diff

    km, nm = _build_pair(keras, keras_floatx, cell=cell)
    (enc, _), _ = _batch(keras_floatx, padding)
    k_enc, k_dec = build_inference_models(km)
    k_states = _call(k_enc, enc)
    k_states = k_states if isinstance(k_states, list) else [k_states]   # GRU: one state
    n_states = list(nm.encoder_model.predict(enc))
    assert len(n_states) == len(k_states) == {"lstm": 2, "gru": 1, "gru-reset-before": 1}[cell]
    assert all(s.shape == (N, H) for s in n_states)
    diff = max(max_abs_diff(n_states, k_states),
               greedy_steps_difference(k_dec, nm, k_states, n_states, VD, keras_floatx))
    record(f"forward: inference models, {cell}", keras_floatx, diff, padding)
    assert diff <= tol(keras_floatx, "forward")


# --------------------------------------------------------------------------- loss


def test_loss(keras, keras_floatx, padding, cell, record):
    from reference.testing import keras_loss_and_gradients

    km, nm = _build_pair(keras, keras_floatx, cell=cell)
    x, y = _batch(keras_floatx, padding)
    k_eval = km.evaluate(x, y, batch_size=N, verbose=0)
    k_tape, _ = keras_loss_and_gradients(km, x, y)
    ours = nm.evaluate(x, y, batch_size=N)
    ours_lg, _ = nm.loss_and_gradients(x, y)
    diff = max(abs(ours - k_eval), abs(ours - k_tape), abs(ours_lg - k_tape))
    record(f"loss, {cell}", keras_floatx, diff, padding)
    assert diff <= tol(keras_floatx, "loss")


def test_loss_uses_keras_logits_path(keras, keras_floatx, record):
    """With extreme logits Keras's in-model loss is the exact from-logits value, not the
    clipped-probability one: npseq2seq gives the same, and the two paths really differ."""
    from reference.testing import keras_loss_and_gradients

    km, nm = _build_pair(keras, keras_floatx)
    w = nm.get_weights()
    w[6] *= 40.0                 # dense kernel: saturate the softmax
    nm.set_weights(w)
    km.set_weights(w)
    x, y = _batch(keras_floatx, "space")
    k_loss, _ = keras_loss_and_gradients(km, x, y)
    ours = nm.evaluate(x, y, batch_size=N)
    probs = nm.predict(x)
    clipped = float(np.mean(categorical_crossentropy(y, probs)))    # probability path
    assert abs(clipped - k_loss) > 1.0, "test does not separate the two loss paths"
    diff = abs(ours - k_loss)
    record("loss: from-logits path, saturated softmax", keras_floatx, diff / max(1.0, abs(k_loss)))
    assert diff <= tol(keras_floatx, "loss") * max(1.0, abs(k_loss))


def test_standalone_categorical_crossentropy(keras, keras_floatx, record):
    """npseq2seq.losses.categorical_crossentropy == keras.losses.categorical_crossentropy
    on plain arrays (no logits attached): the renormalise-and-clip probability path."""
    rng = np.random.default_rng(5)
    p = rng.random((4, 5, 6)).astype(keras_floatx)
    p[0, 0] = [1e-12, 1 - 5e-12, 1e-12, 1e-12, 1e-12, 1e-12]   # clipping at both ends
    p[1] *= 3.0                                                # not normalised
    y = np.eye(6, dtype=keras_floatx)[rng.integers(0, 6, (4, 5))]
    y[2, 1] = 0.0                                              # an all-zero row
    for from_logits in (False, True):
        theirs = np.asarray(keras.losses.categorical_crossentropy(y, p, from_logits=from_logits))
        ours = categorical_crossentropy(y, p, from_logits=from_logits)
        diff = float(np.abs(ours - theirs).max())
        record(f"standalone categorical_crossentropy (from_logits={from_logits})",
               keras_floatx, diff)
        assert diff <= tol(keras_floatx, "loss")


# --------------------------------------------------------------------------- gradients


def _check_gradients(ours, theirs, dtype):
    """Per weight: max abs diff (float64) or max abs diff / max |Keras grad| (float32)."""
    from reference.testing import gradient_differences

    diffs = gradient_differences(ours, theirs, dtype, WEIGHT_NAMES)
    bad = {k: v for k, v in diffs.items() if v > tol(dtype, "gradient")}
    assert not bad, f"gradients differ from Keras beyond {tol(dtype, 'gradient')}: {bad}"
    return max(diffs.values())


def test_gradients_match_gradient_tape(keras, keras_floatx, padding, cell, record):
    """Default loss (exact_gradient=False) against tf.GradientTape, every weight."""
    from reference.testing import keras_loss_and_gradients

    km, nm = _build_pair(keras, keras_floatx, cell=cell)
    x, y = _batch(keras_floatx, padding)
    _, theirs = keras_loss_and_gradients(km, x, y)
    _, ours = nm.loss_and_gradients(x, y)
    assert [g.shape for g in ours] == [g.shape for g in theirs]
    assert all(np.abs(g).max() > 1e-3 for g in theirs)  # every weight gets a real gradient
    if cell == "gru":   # both bias rows of both GRUs matter: the recurrent row's gradient
        for k in (2, 5):  # differs from the input row's (reset_after: r multiplies it)
            assert np.abs(theirs[k][0] - theirs[k][1]).max() > 1e-3
    diff = _check_gradients(ours, theirs, keras_floatx)
    record(f"gradients vs GradientTape, {cell}" + (" (rel)" if keras_floatx == "float32" else ""),
           keras_floatx, diff, padding)


def test_zero_padding_gradient_quirk(keras, padding, record):
    """float64. Keras's gradient is p - y on every target row. With space padding every
    row is one-hot and that is the true gradient: default, exact and finite differences
    all agree. With zero padding Keras's gradient is NOT the gradient of its loss:
    npseq2seq's default matches Keras, exact_gradient=True matches finite differences,
    and the two differ."""
    from reference import floatx
    from reference.testing import keras_loss_and_gradients, max_abs_diff, max_rel_diff

    with floatx("float64"):
        km, nm = _build_pair(keras, "float64")
        _, nm_exact = _build_pair(keras, "float64", exact_gradient=True)
        x, y = _batch("float64", padding, n=3)
        _, theirs = keras_loss_and_gradients(km, x, y)
    _, default = nm.loss_and_gradients(x, y)
    _, exact = nm_exact.loss_and_gradients(x, y)
    # npseq2seq's loss differentiated in place, entry by entry, for every weight
    numeric = [numerical_gradient(lambda: nm_exact.evaluate(x, y, batch_size=len(y)), w,
                                  h=FINITE_DIFFERENCE_STEP) for w in nm_exact.params]
    fd_diff = max_rel_diff(exact, numeric)
    record("exact_gradient=True vs finite differences (rel)", "float64", fd_diff, padding)
    assert fd_diff <= FINITE_DIFFERENCE_RELATIVE
    assert max_abs_diff(default, theirs) <= tol("float64", "gradient")
    quirk = max_abs_diff(exact, theirs)
    record("exact_gradient=True vs Keras (the quirk)", "float64", quirk, padding)
    if padding == "space":
        assert quirk <= tol("float64", "gradient")
    else:
        assert quirk > 1e-3, "zero-padded rows should give Keras a different gradient"
        assert max_rel_diff(default, numeric) > 1e-3


# --------------------------------------------------------------------------- optimisation


@pytest.mark.parametrize("optimizer", ["RMSprop", "Adam"])
def test_train_on_batch_trajectory(keras, keras_floatx, padding, optimizer, cell, record):
    """20 train_on_batch steps over 4 cycling batches from identical weights: the
    pre-update losses agree each step, the weights after step 1 and after step 20."""
    from reference.testing import train_on_batch_side_by_side

    km, nm = _build_pair(keras, keras_floatx, optimizer=getattr(np_optimizers, optimizer)(),
                         keras_optimizer=getattr(keras.optimizers, optimizer)(), cell=cell)
    batches = [_batch(keras_floatx, padding, seed=10 + k) for k in range(4)]
    diffs = train_on_batch_side_by_side(km, nm, batches, steps=20)
    record(f"weights after 1 {optimizer} step, {cell}", keras_floatx, diffs["weights_1_step"], padding)
    record(f"weights after 20 {optimizer} steps, {cell}", keras_floatx, diffs["weights_20_steps"],
           padding)
    record(f"train_on_batch losses, {optimizer}, {cell}", keras_floatx, diffs["loss"], padding)
    for check in ("weights_1_step", "weights_20_steps", "loss"):   # the tolerances' names
        assert diffs[check] <= tol(keras_floatx, check), check
    assert diffs["moved"] > 1e-3   # the weights really moved (a frozen model would pass trivially)
