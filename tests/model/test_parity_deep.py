"""Stacked and bidirectional models against their Keras models, number for number.

``Seq2Seq(..., num_layers=N, bidirectional=...)`` and ``reference.build_deep_training_model``
(an encoder loop, a decoder loop whose layer k starts from encoder layer k's states;
``Bidirectional(RNN(H, return_state=True))`` encoder layers whose states are
concatenated for a decoder of 2H units) get the same random weights and batches. Every
check runs in float64 and float32 (``keras_floatx``) with ``reference.tolerances``:

* the weight order: each of Keras's weights, named by its path (layer, direction,
  weight), is the one npseq2seq lists at the same place (shapes alone could not tell
  encoder layer 2 from decoder layer 1 at word level);
* forward: the training model's probabilities; the inference models (every layer's
  states, and the attention memory), four fed-back decoder steps on ``decoder_model``
  and ``decode_step``;
* loss and every weight's gradient against ``tf.GradientTape``;
* weights after 1 and 20 ``train_on_batch`` steps (RMSprop; Adam on one variant);
* a 3-epoch ``fit`` (shuffle off, validation split): per-epoch loss and val_loss;
* decoded strings of a trained model (Keras trains it, or npseq2seq without teacher
  forcing), the same weights on both sides; at word level, the greedy ids of the same
  random weights.

Without teacher forcing (the FAQ's model, ``reference.deep.build_deep_no_teacher_forcing_model``:
the decoder stack run one step at a time on its own softmax outputs) the checks are the
same, on x = [encoder input, start character]; Keras lists its weights in the same order
as the teacher-forced model's (each decoder layer is one shared layer called at every step).

With ``mask_zero`` the probabilities are compared at real decoder steps only: Keras 3
runs its decoder layers over padding (an RNN called with ``initial_state`` is not handed
the mask), npseq2seq skips it; those steps are outside the loss on both sides
(test_parity_variants.py says more). The bidirectional encoder reads only the real steps
backwards on both sides (Keras reverses the mask with the inputs).

The default run has one fast case of each check; the other variants are ``slow``.
"""
from __future__ import annotations

import numpy as np
import pytest

from npseq2seq import Seq2Seq
from npseq2seq.decode import decode_sequence as np_decode_sequence
from npseq2seq.text import CharVocab, number_word_pairs, vectorize
from reference.tolerances import tol

pytestmark = pytest.mark.parity

VE, VD, H = 7, 9, 4      # encoder/decoder vocabularies, latent units (a direction)
N, TE, TD = 5, 5, 6      # batch, encoder and decoder time steps

VARIANTS = {
    "stack2": dict(num_layers=2),
    "stack3-gru-attention": dict(num_layers=3, cell="gru", attention="luong"),
    "stack2-word-mask": dict(num_layers=2, level="word", mask_zero=True),
    "stack2-word-gru-attention": dict(num_layers=2, level="word", cell="gru", attention="luong"),
    "bi": dict(bidirectional=True),
    "bi2-gru": dict(bidirectional=True, num_layers=2, cell="gru"),
    "bi2-word-mask-attention": dict(bidirectional=True, num_layers=2, level="word", mask_zero=True,
                                    attention="luong"),
    "bi3-attention": dict(bidirectional=True, num_layers=3, attention="luong"),
    "bi2-word": dict(bidirectional=True, num_layers=2, level="word"),
    # Keras 2's GRU (reset_after=False, bias (3H,)) in every GRU of the model
    "gru-reset-before-attention": dict(cell="gru", reset_after=False, attention="luong"),
    "stack2-word-mask-gru-reset-before-attention": dict(num_layers=2, level="word", mask_zero=True, cell="gru",
                                                        attention="luong", reset_after=False),
    "bi2-gru-reset-before": dict(bidirectional=True, num_layers=2, cell="gru", reset_after=False),
    # the FAQ's model without teacher forcing (reference.deep.build_deep_no_teacher_forcing_model)
    "ntf-stack2": dict(num_layers=2, teacher_forcing=False),
    "ntf-bi": dict(bidirectional=True, teacher_forcing=False),
    "ntf-bi2-gru": dict(bidirectional=True, num_layers=2, cell="gru", teacher_forcing=False),
    # Keras's Masking() over zero-padded one-hot rows (build_deep_training_model(mask_padding=True))
    "mask-stack2": dict(num_layers=2, mask_padding=True),
    "mask-bi": dict(bidirectional=True, mask_padding=True),
    "mask-attention": dict(mask_padding=True, attention="luong"),
    "mask-bi2-gru-attention": dict(bidirectional=True, num_layers=2, cell="gru", mask_padding=True,
                                   attention="luong"),
}
# the default run; the others are slow
FAST = ("stack2", "bi2-word-mask-attention", "gru-reset-before-attention", "ntf-bi2-gru", "mask-bi2-gru-attention")


def variants(fast=FAST):
    return [pytest.param(v, marks=() if v in fast else pytest.mark.slow) for v in VARIANTS]


def _word(variant):
    return VARIANTS[variant].get("level") == "word"


def _free(variant):
    """Without teacher forcing: the decoder fed its own outputs, x = [encoder input, start]."""
    return VARIANTS[variant].get("teacher_forcing") is False


def _keras_model(spec, ve, vd, h, steps):
    """The Keras training model of a variant (uncompiled); ``steps``: the decoder steps the
    no-teacher-forcing model unrolls."""
    from reference.deep import build_deep_no_teacher_forcing_model, build_deep_training_model

    common = dict(cell=spec.get("cell", "lstm"), num_layers=spec.get("num_layers", 1),
                  bidirectional=spec.get("bidirectional", False), compile=False,
                  reset_after=spec.get("reset_after", True))
    if spec.get("teacher_forcing") is False:
        return build_deep_no_teacher_forcing_model(ve, vd, steps, h, **common)
    return build_deep_training_model(ve, vd, h, level=spec.get("level", "char"),
                                     mask_zero=spec.get("mask_zero", False),
                                     attention=bool(spec.get("attention")),
                                     mask_padding=spec.get("mask_padding", False), **common)


def _pair(keras, dtype, variant, optimizer="rmsprop", keras_optimizer="rmsprop", seed=0, scale=0.5):
    """(Keras model, npseq2seq model) of a variant, compiled, with the same random weights
    (normal, standard deviation ``scale``)."""
    from reference.bridge import to_keras
    from reference.testing import random_weights

    spec = dict(VARIANTS[variant])
    loss = "sparse_categorical_crossentropy" if _word(variant) else "categorical_crossentropy"
    km = _keras_model(spec, VE, VD, H, TD)
    # Keras runs the unrolled no-teacher-forcing model eagerly in fit: tracing it costs more
    # than running it (tests/model/test_parity_variants.py); the same train_step
    km.compile(optimizer=keras_optimizer, loss=loss, run_eagerly=_free(variant))
    nm = Seq2Seq(VE, VD, H, dtype=dtype, seed=seed, **spec)
    nm.compile(optimizer=optimizer, loss=loss)
    nm.set_weights(random_weights(np.random.default_rng(seed), [w.shape for w in nm.get_weights()], dtype,
                                  scale))
    to_keras(nm, km)
    return km, nm


def _batch(variant, dtype, seed=1, n=N):
    """(x, y): word ids with id targets (padding 0 at the end), or one-hot characters
    (space-padded, and zero-padded for odd seeds and always with mask_padding); without
    teacher forcing the decoder input is the start character alone."""
    from reference.testing import random_batch, random_word_batch

    rng = np.random.default_rng(seed)
    if _word(variant):
        return random_word_batch(rng, n, TE, TD, VE, VD, "sparse", dtype)
    padding = "zero" if seed % 2 or VARIANTS[variant].get("mask_padding") else "space"
    (enc, dec), tgt = random_batch(rng, n, TE, TD, VE, VD, padding, dtype)
    return [enc, dec[:, :1] if _free(variant) else dec], tgt


def _real(variant, x):
    """(N, Td) the decoder steps both sides compute alike (all but mask_zero's padding)."""
    return x[1] != 0 if VARIANTS[variant].get("mask_zero") else np.ones((len(x[0]), TD), bool)


# --------------------------------------------------------------------------- layout


def _our_key(name):
    """'encoder_bidirectional_2/forward_lstm/kernel' → ('encoder', 2, 'forward', 'kernel')."""
    layer, *rest = name.split("/")
    direction = rest[0].split("_")[0] if len(rest) == 2 else ""
    if layer == "decoder_dense" or layer.endswith("embedding"):
        return ("dense" if layer == "decoder_dense" else layer, 1, direction, rest[-1])
    last = layer.rsplit("_", 1)[-1]
    return (layer.split("_")[0], int(last) if last.isdigit() else 1, direction, rest[-1])


def _keras_key(path):
    """'encoder_2/forward_encoder_2/lstm_cell/kernel' → ('encoder', 2, 'forward', 'kernel')."""
    layer, *rest = path.split("/")
    direction = rest[0].split("_")[0] if rest[0].startswith(("forward_", "backward_")) else ""
    if layer == "dense" or layer.endswith("embedding"):
        return (layer, 1, direction, rest[-1])
    side, k = layer.rsplit("_", 1)
    return (side, int(k), direction, rest[-1])


@pytest.mark.parametrize("variant", VARIANTS)
def test_weight_order_is_keras_order(keras, variant):
    """Keras's get_weights() order, read off the weights' paths, is npseq2seq's, for every
    variant (Keras orders layers by depth: model/build.py); the bridge reads the variant
    back off the Keras model."""
    from reference import floatx
    from reference.bridge import check_same_layout, seq2seq_from_keras

    with floatx("float64"):
        km, nm = _pair(keras, "float64", variant)
    ours, theirs = [_our_key(n) for n in nm.param_names()], [_keras_key(w.path) for w in km.weights]
    assert ours == theirs
    check_same_layout(nm.get_weights(), km.get_weights())
    twin = seq2seq_from_keras(km)
    # what the weights cannot tell (the bridge's docstring): the model without teacher
    # forcing comes back teacher-forced, and Masking layers have no weights
    assert twin.get_config() == {**nm.get_config(), "seed": None, "teacher_forcing": True,
                                 "mask_padding": False}
    for a, b in zip(twin.get_weights(), km.get_weights()):
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------- forward


def _decoder_steps(k_dec, nm, k_states, n_states, variant, dtype, steps=4):
    """``steps`` decoder steps fed Keras's argmax (never the padding id), on Keras's
    decoder_model and npseq2seq's decoder_model and decode_step: the largest difference."""
    from reference.models import _call
    from reference.testing import max_abs_diff, one_hot

    ids, diff, s_states = np.full(N, 1), 0.0, n_states
    for _ in range(steps):
        target = ids[:, None].astype(np.int32) if _word(variant) else one_hot(ids[:, None], VD, dtype)
        k_out, *k_states = _call(k_dec, [target] + k_states)
        n_out, *n_states = nm.decoder_model.predict([target] + n_states)
        s_out, s_states = nm.decode_step(ids, s_states)
        assert len(n_states) == len(s_states) == len(k_states) and n_out.shape == k_out.shape == (N, 1, VD)
        diff = max(diff, max_abs_diff(n_out, k_out), max_abs_diff(s_out, k_out[:, 0]),
                   max_abs_diff(n_states, k_states), max_abs_diff(s_states, k_states))
        ids = np.maximum(k_out[:, 0].argmax(-1), 1)
    return diff


@pytest.mark.parametrize("variant", variants())
def test_forward_and_inference_models(keras, keras_floatx, variant, record):
    from reference.deep import build_deep_inference_models
    from reference.models import _call
    from reference.testing import max_abs_diff

    km, nm = _pair(keras, keras_floatx, variant)
    x, _ = _batch(variant, keras_floatx)
    real = _real(variant, x)
    ours = nm.predict(x, batch_size=N, steps=TD)
    assert ours.shape == (N, TD, VD)
    diff = max(max_abs_diff(ours[real], np.asarray(km(x, training=False))[real]),
               max_abs_diff(ours[real], km.predict(x, batch_size=N, verbose=0)[real]))
    record(f"deep forward: training model, {variant}", keras_floatx, diff)
    assert diff <= tol(keras_floatx, "forward")

    k_enc, k_dec = build_deep_inference_models(km)
    k_states = _call(k_enc, x[0])
    k_states = k_states if isinstance(k_states, list) else [k_states]
    n_states = nm.encoder_model.predict(x[0])
    units = H * (2 if nm.bidirectional else 1)
    assert [s.shape for s in n_states[:nm.decoder.state_size]] == [(N, units)] * nm.decoder.state_size
    assert len(n_states) == len(k_states) == nm.decoder.state_size + nm.decoder.memory_size
    diff = max(max_abs_diff(n_states, k_states), max_abs_diff(nm.encode(x[0]), k_states),
               _decoder_steps(k_dec, nm, k_states, n_states, variant, keras_floatx))
    record(f"deep forward: inference models, {variant}", keras_floatx, diff)
    assert diff <= tol(keras_floatx, "forward")


# --------------------------------------------------------------------------- loss, gradients


@pytest.mark.parametrize("variant", variants())
def test_loss_and_gradients_match_gradient_tape(keras, keras_floatx, variant, record):
    from reference.testing import gradient_differences, keras_loss_and_gradients

    km, nm = _pair(keras, keras_floatx, variant)
    x, y = _batch(variant, keras_floatx)
    k_loss, theirs = keras_loss_and_gradients(km, x, y)
    n_loss, ours = nm.loss_and_gradients(x, y)
    diff = max(abs(n_loss - k_loss), abs(nm.evaluate(x, y) - km.evaluate(x, y, batch_size=N, verbose=0)))
    record(f"deep loss, {variant}", keras_floatx, diff)
    assert diff <= tol(keras_floatx, "loss")
    assert all(np.abs(g).max() > 1e-4 for g in theirs)    # every weight gets a real gradient
    diffs = gradient_differences(ours, theirs, keras_floatx, nm.param_names())
    record(f"deep gradients vs GradientTape, {variant}" + (" (rel)" if keras_floatx == "float32" else ""),
           keras_floatx, max(diffs.values()))
    assert max(diffs.values()) <= tol(keras_floatx, "gradient"), diffs


# --------------------------------------------------------------------------- optimisation


@pytest.mark.parametrize("optimizer", ["RMSprop", pytest.param("Adam", marks=pytest.mark.slow)])
@pytest.mark.parametrize("variant", variants())
def test_train_on_batch_trajectory(keras, keras_floatx, variant, optimizer, record):
    """20 steps over 4 cycling batches: each pre-update loss, weights after 1 and 20 steps."""
    from npseq2seq import optimizers as np_optimizers
    from reference.testing import train_on_batch_side_by_side

    km, nm = _pair(keras, keras_floatx, variant, optimizer=getattr(np_optimizers, optimizer)(),
                   keras_optimizer=getattr(keras.optimizers, optimizer)())
    batches = [_batch(variant, keras_floatx, seed=10 + k) for k in range(4)]
    diffs = train_on_batch_side_by_side(km, nm, batches, steps=20)
    for check in ("weights_1_step", "weights_20_steps", "loss"):   # the tolerances' names
        record(f"deep {check}, {optimizer}, {variant}", keras_floatx, diffs[check])
        assert diffs[check] <= tol(keras_floatx, check), check
    assert diffs["moved"] > 1e-3   # the weights really moved


@pytest.mark.parametrize("variant", variants())
def test_fit_three_epochs(keras, keras_floatx, variant, record):
    """fit(shuffle=False, validation_split=0.2), 3 epochs of 4 batches: per-epoch loss and
    val_loss, and the weights after it."""
    from reference.testing import check_three_epochs

    km, nm = _pair(keras, keras_floatx, variant)
    x, y = _batch(variant, keras_floatx, seed=3, n=25)
    check_three_epochs(km, nm, x, y, keras_floatx, f"deep fit history, {variant}", record)


# --------------------------------------------------------------------------- decoding


@pytest.mark.parametrize("variant", variants(fast=("bi2-gru",)))
def test_decoded_strings_of_a_trained_model(keras, keras_floatx, variant):
    """A model trained on number words (character level; word-level variants are trained
    here at character level with their other settings), the same weights on both sides:
    the tutorial's decode_sequence on Keras's inference models gives the same string for
    every input as npseq2seq's, and as npseq2seq's batched translate. Keras trains the
    teacher-forced models; npseq2seq trains those without teacher forcing (Keras would
    trace or run eagerly its unrolled graph; the fit test shows the two train alike), and
    its weights go to Keras."""
    from npseq2seq.optimizers import RMSprop
    from reference import decode_sequence
    from reference.bridge import from_keras, to_keras
    from reference.deep import build_deep_inference_models

    spec = {k: v for k, v in VARIANTS[variant].items() if k not in ("level", "mask_zero")}
    inputs, targets = number_word_pairs(num_samples=60, high=99, seed=0)
    padding = "zero" if spec.get("mask_padding") else "space"
    vocab = CharVocab.from_texts(inputs, targets, padding=padding)
    enc, dec, tgt = vectorize(inputs, targets, vocab, padding=padding, dtype=keras_floatx)
    keras.utils.set_random_seed(0)
    km = _keras_model(spec, vocab.num_encoder_tokens, vocab.num_decoder_tokens, 12,
                      vocab.max_decoder_seq_length)
    nm = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 12, dtype=keras_floatx, vocab=vocab,
                 seed=0, **spec)
    if _free(variant):
        nm.compile(optimizer=RMSprop(learning_rate=0.02))
        nm.fit([enc, dec[:, :1]], tgt, batch_size=20, epochs=20, verbose=0)
        to_keras(nm, km)
    else:
        km.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.02), loss="categorical_crossentropy")
        km.fit([enc, dec], tgt, batch_size=20, epochs=20, verbose=0)
        from_keras(km, nm)
    k_enc, k_dec = build_deep_inference_models(km)
    some = range(0, len(enc), 3)
    theirs = [decode_sequence(enc[i:i + 1], k_enc, k_dec, vocab.target_token_index,
                              vocab.reverse_target_char_index, vocab.max_decoder_seq_length,
                              vocab.num_decoder_tokens) for i in some]
    assert [np_decode_sequence(nm, enc[i:i + 1]) for i in some] == theirs
    assert nm.translate([inputs[i] for i in some], keep_end=True) == theirs
    assert len(set(theirs)) > 3       # the decoder reads the encoder: not one constant string


@pytest.mark.parametrize("variant", [p for p in variants(fast=("bi2-word",))
                                     if _word(p.values[0]) and not VARIANTS[p.values[0]].get("mask_zero")])
def test_decoded_word_ids_of_the_same_weights(keras, keras_floatx, variant):
    """Word level, the same random weights: Keras's greedy loop on its inference models
    (``reference.decode_word_sequence``) and npseq2seq's batched greedy decoding give the
    same ids for every input (without mask_zero: a fed-back padding id would be a real
    step in Keras's one-step decoder and a skipped one here, see test_parity_variants.py)."""
    from npseq2seq.decode import greedy_decode
    from reference import decode_word_sequence
    from reference.deep import build_deep_inference_models

    km, nm = _pair(keras, keras_floatx, variant, scale=1.0)   # (at 0.5 one string for all inputs)
    (enc, _), _ = _batch(variant, keras_floatx, n=12)
    k_enc, k_dec = build_deep_inference_models(km)
    theirs = [decode_word_sequence(enc[i:i + 1], k_enc, k_dec, 2, 3, TD) for i in range(len(enc))]
    ours = [list(ids) for ids in greedy_decode(nm, enc, 2, 3, TD + 1)]
    assert ours == theirs
    assert len({tuple(ids) for ids in theirs}) > 3      # the decoder reads the encoder
