"""The tutorial FAQ's variants against their Keras models, number for number: the word-level
model (integer sequences through ``Embedding``; LSTM and GRU; with ``mask_zero``) and the
model trained without teacher forcing (the decoder fed its own softmax outputs; LSTM, GRU).

npseq2seq ``Seq2Seq(level="word", ...)`` / ``Seq2Seq(teacher_forcing=False, ...)`` and
``reference.models.build_word_training_model`` / ``build_no_teacher_forcing_model`` get
the same random weights (every array, embeddings and biases included) and the same
batches. Every check runs in float64 and float32 (``keras_floatx``) with the tolerances
of ``reference.tolerances``:

* forward: the training model's probabilities; the inference models' encoder states and
  four fed-back decoder steps (the no-teacher-forcing model samples with the same
  ``encoder_model`` / ``decoder_model`` as the teacher-forced one, on its trained layers);
* loss and every weight's gradient against ``tf.GradientTape``. Word level: one-hot
  targets with ``categorical_crossentropy`` (the FAQ) and int targets with
  ``sparse_categorical_crossentropy``; with ``mask_zero`` Keras's mask reaches the loss,
  which then averages over the unmasked steps only (``losses/loss.py`` ``apply_mask``):
  npseq2seq does the same. No teacher forcing: the concatenated output hides the logits,
  so Keras takes the clipped probability path; targets space- and zero-padded, and a
  saturated softmax where the clip is active;
* weights after 1 and 20 ``train_on_batch`` steps of RMSprop and Adam (word, word with
  mask_zero, no teacher forcing; each of a variant's two target kinds goes through one
  optimizer, loss and gradients cover both). They agree because npseq2seq hands its
  optimizer an Embedding's gradient as rows (``optimizers.RowGradient``), as TensorFlow
  hands Keras's a ``tf.IndexedSlices``: RMSprop and Adam square each lookup's row before
  summing (checked on its own against Keras's optimizers, clipping included);
* ``fit(shuffle=False, validation_split=0.2)``, 3 epochs on a slice of fra.txt: per-epoch
  ``loss`` and ``val_loss``, and the weights after it;
* decoded strings: a trained model with the same weights on both sides decodes every
  sentence of the slice to the same word ids / characters.

Known difference, outside the loss: with ``mask_zero`` Keras 3.15 runs its decoder over
padded steps (see test_layout_and_forward); npseq2seq's masked decoder skips them.
"""
from __future__ import annotations

import functools

import numpy as np
import pytest

from npseq2seq import Seq2Seq
from npseq2seq import optimizers as np_optimizers
from npseq2seq.decode import decode_sequence as np_decode_sequence
from npseq2seq.decode import greedy_decode
from npseq2seq.text import CharVocab, load_pairs, one_hot, vectorize, words
from reference.tolerances import tol

pytestmark = pytest.mark.parity

VE, VD, H = 9, 11, 8     # encoder/decoder vocabularies, latent units
N, TE, TD = 6, 5, 5      # batch, encoder and decoder time steps (TD: the free-running steps)
START_CHAR = 1           # random_batch's '\t'

# Seq2Seq keyword arguments of each variant
VARIANTS = {
    "word": dict(level="word"),
    "word-gru": dict(level="word", cell="gru"),
    "word-mask": dict(level="word", mask_zero=True),
    "ntf": dict(teacher_forcing=False),
    "ntf-gru": dict(teacher_forcing=False, cell="gru"),
    "ntf-gru-reset-before": dict(teacher_forcing=False, cell="gru", reset_after=False),   # Keras 2's GRU
}
SLOW = ("ntf-gru-reset-before",)   # left out of the default run (test_parity_deep.py has a fast case)


def _param(*values):
    return pytest.param(*values, marks=pytest.mark.slow if values[0] in SLOW else ())
# target kinds: word level one-hot / int ids; without teacher forcing space / zero padding
TARGETS = {"word": ("onehot", "sparse"), "char": ("space", "zero")}


def _level(variant):
    return VARIANTS[variant].get("level", "char")


def _targets(variant):
    return TARGETS[_level(variant)]


def _loss(targets):
    return "sparse_categorical_crossentropy" if targets == "sparse" else "categorical_crossentropy"


def _weight_names(variant):
    rnn = ["kernel", "recurrent_kernel", "bias"]
    names = ([f"encoder {n}" for n in rnn] + [f"decoder {n}" for n in rnn]
             + ["dense kernel", "dense bias"])
    if _level(variant) == "word":
        names = ["encoder embeddings", "decoder embeddings"] + names
    return names


def _keras_model(variant, ve, vd, latent_dim, steps):
    from reference.models import build_no_teacher_forcing_model, build_word_training_model

    spec = VARIANTS[variant]
    cell, reset_after = spec.get("cell", "lstm"), spec.get("reset_after", True)
    if _level(variant) == "word":
        return build_word_training_model(ve, vd, latent_dim, cell=cell,
                                         mask_zero=spec.get("mask_zero", False), compile=False,
                                         reset_after=reset_after)
    return build_no_teacher_forcing_model(ve, vd, steps, latent_dim, cell=cell, compile=False,
                                          reset_after=reset_after)


def _keras_inference_models(variant, km):
    from reference.models import build_no_teacher_forcing_inference_models, build_word_inference_models

    if _level(variant) == "word":
        return build_word_inference_models(km)
    return build_no_teacher_forcing_inference_models(km)


def _pair(keras, dtype, variant, targets=None, optimizer="rmsprop", keras_optimizer="rmsprop",
          seed=0):
    """(Keras model, npseq2seq model) of a variant, compiled with the loss of ``targets``,
    with the same random weights."""
    from reference.bridge import to_keras
    from reference.testing import random_weights

    loss = _loss(targets or _targets(variant)[0])
    km = _keras_model(variant, VE, VD, H, TD)
    km.compile(optimizer=keras_optimizer, loss=loss)
    nm = Seq2Seq(VE, VD, H, dtype=dtype, seed=seed, **VARIANTS[variant])
    nm.compile(optimizer=optimizer, loss=loss)
    rng = np.random.default_rng(seed)
    nm.set_weights(random_weights(rng, [w.shape for w in nm.get_weights()], dtype))
    to_keras(nm, km)
    return km, nm


def _batch(variant, targets, dtype, seed=1):
    """(x, y): word ids (targets one-hot or ids), or, without teacher forcing, one-hot
    characters with the FAQ's decoder input, the start character alone."""
    from reference.models import start_token_input
    from reference.testing import random_batch, random_word_batch

    rng = np.random.default_rng(seed)
    if _level(variant) == "word":
        return random_word_batch(rng, N, TE, TD, VE, VD, targets, dtype)
    (enc, dec), tgt = random_batch(rng, N, TE, TD, VE, VD, targets, dtype)
    start = start_token_input(N, VD, START_CHAR, dtype)
    np.testing.assert_array_equal(start, dec[:, :1])      # every decoder row starts with '\t'
    return [enc, start], tgt


@pytest.fixture(params=[_param(v) for v in sorted(VARIANTS)])
def variant(request):
    return request.param


CASES = [_param(v, t) for v in sorted(VARIANTS) for t in _targets(v)]


# --------------------------------------------------------------------------- layout, forward


def test_layout_and_forward(keras, keras_floatx, variant, record):
    """Same weights in the same order and shapes; the training model's probabilities;
    the inference models: encoder states, then 4 decoder steps fed back their argmax, on
    npseq2seq's ``decoder_model`` and on its ``decode_step`` (what greedy decoding runs).

    With mask_zero the probabilities are compared at the real decoder steps only, and one
    row is fed the padding id 0 once: Keras 3.15 runs its decoder over padded steps, since
    ``Layer.__call__`` hands an RNN the Embedding's mask only when the input is its one
    tensor argument, and the decoder also gets ``initial_state``. npseq2seq's masked
    decoder (training model, ``decoder_model``) skips them instead; the encoder (one
    tensor argument) skips padding on both sides. Those steps are outside the loss on both
    sides (the mask still reaches Keras's loss, through the outputs), so loss, gradients
    and training agree. Fed a padding id, Keras's one-step decoder runs a real step;
    npseq2seq's ``decode_step`` and ``decoder_model`` skip it (the states carry over, as in
    the training model); that row is checked for the carry-over and then continues from
    npseq2seq's states on both sides."""
    from reference.bridge import check_same_layout
    from reference.models import _call
    from reference.testing import max_abs_diff

    km, nm = _pair(keras, keras_floatx, variant)
    kw, nw = km.get_weights(), nm.get_weights()
    check_same_layout(nw, kw)
    assert all(a.dtype == b.dtype == np.dtype(keras_floatx) for a, b in zip(nw, kw))
    for a, b in zip(nw, kw):
        np.testing.assert_array_equal(a, b)
    paths = [v.path.rsplit("/", 1)[-1] for v in km.weights]
    assert paths == [n.rsplit(" ", 1)[-1] for n in _weight_names(variant)]
    if _level(variant) == "word":     # the bridge reads the variant off the Keras model
        from reference.bridge import seq2seq_from_keras

        twin = seq2seq_from_keras(km)
        assert (twin.level, twin.cell, twin.mask_zero, twin.dtype) == (
            nm.level, nm.cell, nm.mask_zero, nm.dtype)
        for a, b in zip(twin.get_weights(), kw):
            np.testing.assert_array_equal(a, b)

    masked = VARIANTS[variant].get("mask_zero", False)
    x, _ = _batch(variant, _targets(variant)[0], keras_floatx)
    real = x[1] != 0 if masked else np.ones((N, TD), bool)
    assert real.all() != masked                   # the masked variant's batch has padding
    ours = nm.predict(x, batch_size=N, steps=TD)
    called = np.asarray(km(x, training=False))
    predicted = km.predict(x, batch_size=N, verbose=0)
    assert ours.shape == called.shape == (N, TD, VD) and ours.dtype == np.dtype(keras_floatx)
    diff = max(max_abs_diff(ours[real], called[real]), max_abs_diff(ours[real], predicted[real]))
    record(f"variants forward: training model, {variant}", keras_floatx, diff)
    assert diff <= tol(keras_floatx, "forward")

    k_enc, k_dec = _keras_inference_models(variant, km)
    k_states = _call(k_enc, x[0])
    k_states = k_states if isinstance(k_states, list) else [k_states]   # GRU: one state
    n_states = list(nm.encoder_model.predict(x[0]))
    assert len(n_states) == len(k_states) == {"lstm": 2, "gru": 1}[nm.cell]
    diff = max_abs_diff(n_states, k_states)
    word = _level(variant) == "word"
    ids = np.full(N, words.START if word else START_CHAR)
    for step in range(4):
        if word and step == 2:
            ids[0] = words.PAD            # a padding input (greedy decoding can predict it)
        target = ids[:, None].astype(np.int32) if word else one_hot(ids[:, None], VD, keras_floatx)
        k_out, *k_next = _call(k_dec, [target] + k_states)
        s_out, s_next = nm.decode_step(ids, n_states)
        n_out, *n_next = nm.decoder_model.predict([target] + n_states)
        assert n_out.shape == k_out.shape == (N, 1, VD)
        # rows fed a padding id under mask_zero: Keras runs a real step, npseq2seq a masked one
        # (the states carry over, as in both training models); every other row must agree
        skipped = masked & (ids == words.PAD)
        live = ~skipped
        diff = max(diff, max_abs_diff(s_out[live], k_out[live, 0]),
                   max_abs_diff(n_out[live], k_out[live]),
                   max_abs_diff([s[live] for s in s_next], [k[live] for k in k_next]),
                   max_abs_diff([s[live] for s in n_next], [k[live] for k in k_next]))
        for old, via_step, via_model in zip(n_states, s_next, n_next):
            np.testing.assert_array_equal(via_step[skipped], old[skipped])
            np.testing.assert_array_equal(via_model[skipped], old[skipped])
        n_states = s_next
        k_states = [np.where(skipped[:, None], s, k) for s, k in zip(s_next, k_next)]
        ids = k_out[:, 0].argmax(-1)
    record(f"variants forward: inference models, {variant}", keras_floatx, diff)
    assert diff <= tol(keras_floatx, "forward")


def test_default_embedding_initialisation_matches_keras_statistics(keras, keras_floatx, uniform_draws):
    """Fresh Embedding tables of npseq2seq's word-level model and of the Keras one, at sizes
    large enough for sample statistics (values differ: other RNGs): both tables of both
    have the statistics of Keras's default ``"uniform"`` initializer, U(-0.05, 0.05)
    (``uniform_draws``: bound, largest |w| near it, standard deviation)."""
    from reference.models import build_word_training_model

    ve, vd, h = 200, 250, 32     # tables of 6400 and 8000 entries
    km = build_word_training_model(ve, vd, h, compile=False)
    nm = Seq2Seq(ve, vd, h, level="word", dtype=keras_floatx, seed=0)
    names = _weight_names("word")
    for k, vocab_size in ((0, ve), (1, vd)):
        ours, theirs = nm.get_weights()[k], km.get_weights()[k]
        assert ours.shape == theirs.shape == (vocab_size, h), names[k]
        uniform_draws(ours, 0.05, names[k])
        uniform_draws(theirs, 0.05, f"Keras {names[k]}")


# --------------------------------------------------------------------------- loss, gradients


def _check_loss_and_gradients(km, nm, x, y, variant, dtype, record, label, relative=False):
    """Loss (evaluate and the GradientTape value) and every weight's gradient. ``relative``:
    the loss difference over max(1, |loss|), for the large losses of a saturated softmax."""
    from reference.testing import gradient_differences, keras_loss_and_gradients

    k_tape, theirs = keras_loss_and_gradients(km, x, y)
    # Keras's evaluate too, where it is cheap: tracing it for the unrolled no-teacher-forcing
    # model takes seconds, and test_fit_history compares its val_loss (the same evaluation)
    k_eval = k_tape if _level(variant) == "char" else km.evaluate(x, y, batch_size=N, verbose=0)
    n_loss, ours = nm.loss_and_gradients(x, y)
    scale = max(1.0, abs(k_tape)) if relative else 1.0
    diff = max(abs(n_loss - k_tape), abs(n_loss - k_eval), abs(nm.evaluate(x, y) - k_tape)) / scale
    record(f"variants loss{' (rel)' if relative else ''}, {variant}", dtype, diff, label)
    assert diff <= tol(dtype, "loss")

    assert [g.shape for g in ours] == [g.shape for g in theirs]
    assert all(np.abs(g).max() > 1e-4 for g in theirs)      # every weight gets a real gradient
    diffs = gradient_differences(ours, theirs, dtype, _weight_names(variant))
    record(f"variants gradients vs GradientTape, {variant}" + (" (rel)" if dtype == "float32" else ""),
           dtype, max(diffs.values()), label)
    bad = {k: v for k, v in diffs.items() if v > tol(dtype, "gradient")}
    assert not bad, f"gradients differ from Keras beyond {tol(dtype, 'gradient')}: {bad}"
    return k_tape, theirs


@pytest.mark.parametrize("variant, targets", CASES)
def test_loss_and_gradients_match_gradient_tape(keras, keras_floatx, variant, targets, record):
    km, nm = _pair(keras, keras_floatx, variant, targets)
    x, y = _batch(variant, targets, keras_floatx)
    _check_loss_and_gradients(km, nm, x, y, variant, keras_floatx, record, targets)
    if VARIANTS[variant].get("mask_zero"):
        # Keras's loss is the mean over the unmasked steps (the decoder input's padding),
        # not over all N * TD steps: check the value, so a wrong mask cannot pass unseen
        mask = x[1] != 0
        probs = km.predict(x, verbose=0)
        ids = y if targets == "sparse" else y.argmax(-1)
        rows = -np.log(np.take_along_axis(probs, ids[..., None], -1)[..., 0])
        assert not mask.all()
        np.testing.assert_allclose(km.evaluate(x, y, verbose=0), rows[mask].mean(),
                                   rtol=10 * tol(keras_floatx, "loss"))


def test_no_teacher_forcing_clipped_probability_path(keras, keras_floatx, record):
    """A saturated softmax puts target probabilities below Keras's clip ε = 1e-7: the loss
    is the clipped value (far from the unclipped one) and the clip passes no gradient;
    npseq2seq's loss and every gradient still match Keras's."""
    variant = "ntf"
    km, nm = _pair(keras, keras_floatx, variant)
    w = nm.get_weights()
    w[6] = w[6] * 40.0                      # dense kernel
    nm.set_weights(w)
    km.set_weights(w)
    x, y = _batch(variant, "zero", keras_floatx, seed=4)
    probs = nm.predict(x, steps=TD)
    assert (probs[y == 1] < 1e-7).any(), "clipping never active: the test separates nothing"
    k_loss, _ = _check_loss_and_gradients(km, nm, x, y, variant, keras_floatx, record, "saturated",
                                          relative=True)
    tiny = np.finfo(probs.dtype).tiny
    unclipped = float(np.mean(-(y * np.log(np.maximum(probs, tiny))).sum(-1)))
    assert abs(unclipped - k_loss) > 0.1


# --------------------------------------------------------------------------- optimisation


@pytest.mark.parametrize("optimizer", ["RMSprop", "Adam"])
@pytest.mark.parametrize("variant", ["word", "word-mask", "ntf"])
def test_train_on_batch_trajectory(keras, keras_floatx, variant, optimizer, record):
    """20 steps over 4 cycling batches: each pre-update loss, weights after 1 and 20 steps.
    RMSprop with the variant's first target kind (one-hot / space), Adam with its second
    (int ids / zero padding). The GRU variants differ from these only in the cell, whose
    trajectories test_parity_char.py checks (tracing Keras's train step is what costs)."""
    from reference.testing import train_on_batch_side_by_side

    targets = _targets(variant)[optimizer == "Adam"]
    km, nm = _pair(keras, keras_floatx, variant, targets,
                   optimizer=getattr(np_optimizers, optimizer)(),
                   keras_optimizer=getattr(keras.optimizers, optimizer)())
    batches = [_batch(variant, targets, keras_floatx, seed=10 + k) for k in range(4)]
    diffs = train_on_batch_side_by_side(km, nm, batches, steps=20)
    label = f"{variant}, {targets}"
    record(f"variants weights after 1 {optimizer} step", keras_floatx, diffs["weights_1_step"], label)
    record(f"variants weights after 20 {optimizer} steps", keras_floatx, diffs["weights_20_steps"],
           label)
    record(f"variants train_on_batch losses, {optimizer}", keras_floatx, diffs["loss"], label)
    for check in ("weights_1_step", "weights_20_steps", "loss"):   # the tolerances' names
        assert diffs[check] <= tol(keras_floatx, check), check
    assert diffs["moved"] > 1e-3      # the weights really moved


@pytest.mark.parametrize("optimizer, options", [
    ("RMSprop", {}), ("Adam", {}), ("SGD", {"momentum": 0.9}),
    ("RMSprop", {"clipnorm": 0.5}), ("Adam", {"clipvalue": 0.3}), ("RMSprop", {"global_clipnorm": 0.5}),
], ids=lambda v: "-".join(f"{k}={x}" for k, x in v.items()) if isinstance(v, dict) else v)
def test_optimizers_take_embedding_gradients_as_keras_does(keras, keras_floatx, optimizer, options,
                                                          record):
    """What makes the word-level trajectories above agree: Keras's optimizers receive an
    Embedding's gradient as ``tf.IndexedSlices`` (one row per lookup, repeated ids not
    summed) and square the rows before summing them; npseq2seq's ``RowGradient`` does the
    same, clipping included. 20 eager steps, with a dense weight beside the table (for
    global_clipnorm's shared norm); ids repeat."""
    import tensorflow as tf

    from npseq2seq.optimizers import RowGradient
    from reference.testing import max_abs_diff

    rng = np.random.default_rng(3)
    table, other = (rng.standard_normal(s).astype(keras_floatx) for s in ((VD, H), (H, 3)))
    k_vars = [keras.Variable(table.copy()), keras.Variable(other.copy())]
    k_opt = getattr(keras.optimizers, optimizer)(**options)
    n_opt = getattr(np_optimizers, optimizer)(**options)
    diffs = []
    for step in range(20):
        ids = rng.integers(0, 4, size=10)                    # 10 lookups of 4 rows: repeats
        rows, dense = (rng.standard_normal(s).astype(keras_floatx) for s in ((10, H), (H, 3)))
        k_opt.apply_gradients([(tf.IndexedSlices(tf.constant(rows), tf.constant(ids), (VD, H)),
                                k_vars[0]), (tf.constant(dense), k_vars[1])])
        n_opt.apply_gradients([(RowGradient(ids, rows, VD), table), (dense, other)])
        diffs.append(max_abs_diff([table, other], [np.asarray(v) for v in k_vars]))
    label = f"{optimizer} {options}" if options else optimizer
    record("variants optimizer on embedding rows, 1 step", keras_floatx, diffs[0], label)
    record("variants optimizer on embedding rows, 20 steps", keras_floatx, diffs[-1], label)
    assert diffs[0] <= tol(keras_floatx, "weights_1_step")
    assert diffs[-1] <= tol(keras_floatx, "weights_20_steps")


# --------------------------------------------------------------------------- fit and decoding on fra.txt

NUM_SAMPLES = 200     # the first lines of fra.txt (word level)
# Without teacher forcing Keras unrolls one decoder step per target character into its
# graph, and tracing that graph is what costs: the pairs of the first 300 lines whose
# French side has at most 12 characters (133 pairs, 14 decoder steps with start and end).
NTF_LINES, NTF_MAX_TARGET = 300, 12
LATENT_DIM = 16
BATCH_SIZE = 40       # word: 160 training samples (4 x 40), 40 validation; NTF: 106 (40, 40, 26), 27
FIT_VARIANTS = {"word": "onehot", "word-mask": "sparse", "ntf": "space"}
DECODE_EPOCHS = 20    # Keras training before the decoding checks
DECODE_LR = 0.02


@functools.lru_cache(maxsize=None)
def _texts(path: str, level: str):
    if level == "word":
        return load_pairs(path, NUM_SAMPLES)
    inputs, targets = load_pairs(path, NTF_LINES)
    keep = [k for k, t in enumerate(targets) if len(t) <= NTF_MAX_TARGET]
    return [inputs[k] for k in keep], [targets[k] for k in keep]


def _fra_data(path, variant, targets, dtype):
    """(vocab, x, y) of the slice for a variant: word ids, or one-hot characters with the
    start character alone as decoder input."""
    inputs, outputs = _texts(str(path), _level(variant))
    if _level(variant) == "word":
        vocab = words.WordVocab.from_texts(inputs, outputs)
        enc, dec, tgt = words.vectorize_words(inputs, outputs, vocab)
        y = tgt if targets == "sparse" else one_hot(tgt, vocab.num_decoder_tokens, dtype)
        return vocab, [enc, dec], y
    vocab = CharVocab.from_texts(inputs, outputs, padding=targets)
    enc, dec, tgt = vectorize(inputs, outputs, vocab, padding=targets, dtype=dtype)
    return vocab, [enc, dec[:, :1]], tgt


def _fra_pair(keras, dtype, variant, vocab, loss, learning_rate=0.001, seed=0):
    """Keras and npseq2seq models of the slice's sizes, npseq2seq's initial weights on both.

    Keras runs the no-teacher-forcing model eagerly (``run_eagerly=True``: the same
    ``train_step`` / ``test_step``, not wrapped in a ``tf.function``): tracing its unrolled
    14-step graph for fit takes most of a minute on 2 cores, running 3 epochs eagerly a
    few seconds. test_train_on_batch_trajectory runs it in graph mode.
    """
    from reference.bridge import to_keras
    from reference.testing import randomise_biases

    nm = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, LATENT_DIM, dtype=dtype,
                 seed=seed, vocab=vocab, **VARIANTS[variant])
    randomise_biases(nm)    # Keras's initial biases are zeros: they would hide a bias bug
    nm.compile(optimizer=np_optimizers.RMSprop(learning_rate=learning_rate), loss=loss)
    km = _keras_model(variant, vocab.num_encoder_tokens, vocab.num_decoder_tokens, LATENT_DIM,
                      vocab.max_decoder_seq_length)
    km.compile(optimizer=keras.optimizers.RMSprop(learning_rate=learning_rate), loss=loss,
               run_eagerly=_level(variant) == "char")
    to_keras(nm, km)
    return km, nm


@pytest.mark.parametrize("variant", sorted(FIT_VARIANTS))
def test_fit_history(keras, keras_floatx, fra_path, variant, record):
    from reference.testing import fit_side_by_side, max_abs_diff

    targets = FIT_VARIANTS[variant]
    vocab, x, y = _fra_data(fra_path, variant, targets, keras_floatx)
    km, nm = _fra_pair(keras, keras_floatx, variant, vocab, _loss(targets))
    n_hist, k_hist, diff = fit_side_by_side(km, nm, x, y, batch_size=BATCH_SIZE, epochs=3,
                                            validation_split=0.2, shuffle=False)
    assert sorted(n_hist) == sorted(k_hist) == ["loss", "val_loss"]
    assert len(n_hist["loss"]) == len(k_hist["loss"]) == 3
    record(f"variants fit: per-epoch loss and val_loss, {variant}", keras_floatx, diff, targets)
    assert diff <= tol(keras_floatx, "history"), (n_hist, k_hist)
    assert k_hist["loss"][-1] < k_hist["loss"][0]        # the epochs really trained
    wdiff = max_abs_diff(nm.get_weights(), km.get_weights())
    record(f"variants fit: weights after 3 epochs, {variant}", keras_floatx, wdiff, targets)
    assert wdiff <= tol(keras_floatx, "weights_20_steps")


def _trained(keras, path, dtype, variant):
    """A model of the variant trained a little on the slice, with the same weights on both
    sides: (Keras model, npseq2seq model, vocab, encoder input). Keras trains the word-level
    model; npseq2seq trains the no-teacher-forcing one (test_fit_history shows that the two
    train alike, and Keras would spend most of a minute tracing or running it eagerly)."""
    from reference.bridge import from_keras, to_keras

    targets = FIT_VARIANTS[variant]
    vocab, x, y = _fra_data(path, variant, targets, dtype)
    km, nm = _fra_pair(keras, dtype, variant, vocab, _loss(targets), DECODE_LR, seed=1)
    if _level(variant) == "word":
        km.fit(x, y, batch_size=32, epochs=DECODE_EPOCHS, shuffle=False, verbose=0)
        from_keras(km, nm)
    else:
        nm.fit(x, y, batch_size=32, epochs=DECODE_EPOCHS, shuffle=False, verbose=0)
        to_keras(nm, km)
    return km, nm, vocab, x[0]


def test_decoded_words(keras, keras_floatx, fra_path, tmp_path, record):
    """Word level: the greedy loop over Keras's inference models (reference
    ``decode_word_sequence``) and npseq2seq's batched and one-sentence greedy decoding
    give the same word ids for every sentence, and translate the same sentences; so does
    the Keras model exported to npseq2seq's .npz and loaded back."""
    from npseq2seq import load_model
    from reference.bridge import export_keras_model
    from reference.models import build_word_inference_models, decode_word_sequence

    km, nm, vocab, enc = _trained(keras, fra_path, keras_floatx, "word")
    k_enc, k_dec = build_word_inference_models(km)
    max_steps = vocab.max_decoder_seq_length
    theirs = [decode_word_sequence(enc[i:i + 1], k_enc, k_dec, words.START, words.END, max_steps)
              for i in range(len(enc))]
    assert len({tuple(t) for t in theirs}) >= 5, "Keras model too untrained to test decoding"
    batched = [list(ids) for ids in greedy_decode(nm, enc, words.START, words.END, max_steps + 1)]
    single = [list(greedy_decode(nm, enc[i:i + 1], words.START, words.END, max_steps + 1)[0])
              for i in range(len(enc))]
    mismatches = [i for i, (a, b, c) in enumerate(zip(batched, single, theirs)) if not a == b == c]
    record("variants decoded word ids: mismatched sentences (count), word", keras_floatx,
           len(mismatches))
    assert not mismatches, [(i, batched[i], theirs[i]) for i in mismatches[:5]]
    inputs, _ = _texts(str(fra_path), "word")
    sentences = [words.decode_ids(np.array(t), vocab) for t in theirs]
    assert nm.translate(inputs) == sentences
    export_keras_model(km, vocab, tmp_path / "word.npz")
    loaded = load_model(tmp_path / "word.npz")
    assert (loaded.level, loaded.cell, loaded.dtype) == ("word", "lstm", np.dtype(keras_floatx))
    assert loaded.translate(inputs) == sentences


def test_decoded_strings_without_teacher_forcing(keras, keras_floatx, fra_path, record):
    """No teacher forcing: the trained layers sample with the teacher-forced model's
    ``encoder_model`` / ``decoder_model`` and the tutorial's ``decode_sequence``; npseq2seq's
    no-teacher-forcing model decodes every sentence to the same string."""
    from reference import decode_sequence
    from reference.models import build_no_teacher_forcing_inference_models

    km, nm, vocab, enc = _trained(keras, fra_path, keras_floatx, "ntf")
    k_enc, k_dec = build_no_teacher_forcing_inference_models(km)
    theirs = [decode_sequence(enc[i:i + 1], k_enc, k_dec, vocab.target_token_index,
                              vocab.reverse_target_char_index, vocab.max_decoder_seq_length,
                              vocab.num_decoder_tokens) for i in range(len(enc))]
    assert len(set(theirs)) >= 5, f"model too untrained to test decoding: {set(theirs)}"
    ours = [np_decode_sequence(nm, enc[i:i + 1]) for i in range(len(enc))]
    mismatches = [(i, a, b) for i, (a, b) in enumerate(zip(ours, theirs)) if a != b]
    record("variants decode_sequence: mismatched sentences (count), ntf", keras_floatx,
           len(mismatches))
    assert not mismatches, mismatches[:5]
    inputs, _ = _texts(str(fra_path), "char")
    assert nm.translate(inputs, keep_end=True) == theirs
