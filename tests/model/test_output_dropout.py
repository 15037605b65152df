"""``Seq2Seq(output_dropout=rate)``: Keras's ``Dropout(rate)`` on the decoder's outputs, just
before the Dense layer (``Decoder._drop``), in ``fit`` / ``train_on_batch`` only.

Checked here: the config and the file keep the rate (files from before it load with 0.0);
inference computes what the same weights without it compute, bit for bit; a training step
draws a fresh mask for every entry and step, scaled by 1/(1 − rate); every weight's gradient
against centred finite differences with the mask fixed (padded and length-bucketed batches,
every decoder kind); a rate of 0 draws nothing, so such a model trains to the bits it trained
to before the option existed; two threads train in halves with it. And against Keras given
the same mask: ``reference``'s models with ``Dropout(rate)`` before their Dense layer, our
mask handed to that layer in place of its own draw; the loss and every weight's gradient of
``model(x, training=True)`` (the fast case in the default run, the others ``slow``).
"""
from __future__ import annotations

import numpy as np
import pytest

from npseq2seq import Seq2Seq
from npseq2seq.model import Seq2SeqConfig
from tests.gradutil import assert_gradient, packed_batch, random_batch, randomised, word_batch

VE, VD, H = 5, 6, 3
RATE = 0.4

KINDS = {
    "char": {},
    "luong-dot-gru-word-mask": dict(cell="gru", level="word", mask_zero=True, attention="luong"),
    "feeding-word-mask-both": dict(attention="luong_general", input_feeding=True, level="word", mask_zero=True,
                                   dropout=0.2, recurrent_dropout=0.3),
    "bahdanau-stack2-bidirectional": dict(attention="bahdanau", num_layers=2, bidirectional=True),
    "no-teacher-forcing": dict(teacher_forcing=False),
}
FAST = ("char", "feeding-word-mask-both")


def pair(rate=RATE, **kw):
    """(a model with output_dropout, the same model without), equal random weights, compiled."""
    plain = randomised(Seq2Seq(VE, VD, H, dtype="float64", seed=1, **kw), np.random.default_rng(0))
    drop = Seq2Seq(VE, VD, H, dtype="float64", seed=1, output_dropout=rate, **kw)
    drop.set_weights(plain.get_weights())
    for m in (plain, drop):
        m.compile(optimizer="rmsprop", loss=m.config.default_loss)
    return drop, plain


def data(model, n=4, seed=2):
    rng = np.random.default_rng(seed)
    if model.config.level == "word":
        enc, dec, tgt = word_batch(rng, n, 4, 5, VE, VD)
    else:
        enc, dec, tgt = random_batch(rng, n, 4, 5, VE, VD)
    return model.config.training_inputs(enc, dec), tgt


def test_config_checks_and_the_file_keeps_the_rate(tmp_path):
    assert Seq2SeqConfig(VE, VD, output_dropout=0.25).output_dropout == 0.25
    for bad in (1.0, -0.1, True, "0.2"):
        with pytest.raises(ValueError, match=r"^output_dropout must be a number in \[0, 1\)"):
            Seq2SeqConfig(VE, VD, output_dropout=bad)
    stored = Seq2SeqConfig(VE, VD).to_dict()
    del stored["output_dropout"]                       # a file from before the option
    assert Seq2SeqConfig.from_dict(stored).output_dropout == 0.0
    model, _ = pair(attention="luong_general", input_feeding=True)
    assert model.decoder.dropout.rate == RATE and Seq2Seq(VE, VD, H).decoder.dropout is None
    assert model.count_params() == Seq2Seq(VE, VD, H, attention="luong_general", input_feeding=True).count_params()
    model.save(tmp_path / "m.npz")
    loaded = Seq2Seq.load(tmp_path / "m.npz")
    assert loaded.config == model.config and f"output_dropout={RATE}" in loaded.summary()


@pytest.mark.parametrize("kind", KINDS)
def test_inference_is_untouched_and_training_drops(kind):
    """evaluate, predict, the loss outside training and a decoding step: the numbers of the same
    weights without the option, bit for bit. In training the Dense layer's input is
    where(keep, x / (1 − rate), 0) with about ``rate`` of its entries dropped."""
    drop, plain = pair(**KINDS[kind])
    x, y = data(drop, n=6)
    assert drop.evaluate(x, y) == plain.evaluate(x, y)
    assert np.array_equal(drop.predict(x, steps=y.shape[1]), plain.predict(x, steps=y.shape[1]))
    assert drop.loss_and_gradients(x, y)[0] == plain.loss_and_gradients(x, y)[0]
    states = drop.encode(x[0])
    ids = np.zeros(len(y), int)
    assert np.array_equal(drop.decode_step(ids, states)[0], plain.decode_step(ids, states)[0])
    rates = dict(dropout=0.0, recurrent_dropout=0.0)         # only the output's mask, to read it
    only, _ = pair(**{**KINDS[kind], **rates})
    _, cache = only.forward(*only._prepare_x(x), steps=y.shape[1], training=True,
                            rng=np.random.default_rng(3))
    caches = cache.decoder if isinstance(cache.decoder, list) else [cache.decoder]
    keep = np.concatenate([c.dropout.keep.ravel() for c in caches])
    assert all(c.dropout.keep.shape == c.dense.inputs.shape for c in caches)  # one draw per entry
    assert abs(1 - keep.mean() - RATE) < 0.2 and caches[0].dropout.scale == 1 / (1 - RATE)
    assert only.loss_and_gradients(x, y, training=True)[0] != plain.loss_and_gradients(x, y, training=True)[0]


@pytest.mark.parametrize("kind", [pytest.param(k, marks=() if k in FAST else pytest.mark.slow) for k in KINDS])
def test_gradients_with_a_fixed_mask(kind):
    """loss_and_gradients(training=True) with a generator of one seed each time (the same
    masks): every weight's gradient against centred finite differences."""
    drop, plain = pair(**KINDS[kind])
    x, y = data(drop)

    def loss_grads():
        return drop.loss_and_gradients(x, y, training=True, rng=np.random.default_rng(9))
    loss, grads = loss_grads()
    if not (drop.config.dropout or drop.config.recurrent_dropout):
        assert loss != plain.loss_and_gradients(x, y, training=True)[0]    # the mask acted
    for name, param, grad in zip(drop.param_names(), drop.params, grads):
        assert_gradient(lambda: loss_grads()[0], param, grad, name)


@pytest.mark.parametrize("kind", ["feeding-word-mask-both",
                                  pytest.param("luong-dot-gru-word-mask", marks=pytest.mark.slow)])
def test_gradients_of_a_length_bucketed_batch(kind):
    """Packed, only the real steps' rows reach the Dropout and the Dense layer: their gradient
    against finite differences, the mask fixed."""
    drop, _ = pair(**KINDS[kind])
    (enc, dec), y = data(drop, n=5)
    packed = packed_batch(drop, enc, dec, y)

    def loss_grads():
        loss, grads, _ = drop._loss_and_grads(packed, training=True, rng=np.random.default_rng(4))
        return loss, grads
    _, cache = drop.forward(packed.enc, packed.dec, packing=packed, training=True, rng=np.random.default_rng(4))
    # (R, ·): the real rows only; H wide, or 2H ([outputs; context]) after the dot attention
    assert cache.decoder.dropout.keep.shape == (int(packed.dec_lengths.sum()), drop.decoder.dense.kernel.shape[0])
    loss, grads = loss_grads()
    for name, param, grad in zip(drop.param_names(), drop.params, grads):
        assert_gradient(lambda: loss_grads()[0], param, grad, name)


def test_a_rate_of_zero_draws_nothing_and_fits_are_seeded():
    """output_dropout=0 builds no Dropout and draws nothing: the model's generator, and so its
    shuffling and other masks, stay where they were; two fits from one seed give one result."""
    x, y = data(Seq2Seq(VE, VD, H), n=12)
    runs = []
    for rate in (0.0, 0.3, 0.3):
        model = Seq2Seq(VE, VD, H, seed=5, dropout=0.2, output_dropout=rate)
        model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
        history = model.fit(x, y, batch_size=4, epochs=2, verbose=0).history
        runs.append((history["loss"], model.get_weights(), model.rng.integers(2**62)))
    reference = Seq2Seq(VE, VD, H, seed=5, dropout=0.2)            # the model before the option
    reference.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    before = reference.fit(x, y, batch_size=4, epochs=2, verbose=0).history["loss"]
    assert runs[0][0] == before and runs[0][2] == reference.rng.integers(2**62)
    assert runs[1][0] == runs[2][0] and all(np.array_equal(a, b) for a, b in zip(runs[1][1], runs[2][1]))
    assert runs[1][0] != runs[0][0]


def test_two_threads_train_in_halves_with_it():
    """A batch trained in halves draws each half's mask from its own generator (train/halves.py):
    seeded, and a real step."""
    import npseq2seq

    x, y = data(Seq2Seq(VE, VD, H), n=64)
    losses = []
    try:
        npseq2seq.set_num_threads(2)
        for _ in range(2):
            model = Seq2Seq(VE, VD, H, seed=5, output_dropout=0.3)
            model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
            losses.append(model.fit(x, y, batch_size=64, epochs=2, verbose=0).history["loss"])
    finally:
        npseq2seq.set_num_threads(1)
    assert losses[0] == losses[1] and np.isfinite(losses[0]).all()


# --- against Keras, given the same mask ------------------------------------------------------
PARITY = {
    "lstm-char": dict(),
    "feeding-word-mask-both": dict(attention="luong_general", input_feeding=True, level="word", mask_zero=True,
                                   dropout=0.3, recurrent_dropout=0.4),
    "gru-stack2-bidirectional-luong": dict(cell="gru", num_layers=2, bidirectional=True, attention="luong"),
    "bahdanau-gru": dict(attention="bahdanau", cell="gru"),
}
PARITY_FAST = ("feeding-word-mask-both",)


@pytest.mark.parity
@pytest.mark.parametrize("variant", [pytest.param(v, marks=() if v in PARITY_FAST else pytest.mark.slow)
                                     for v in PARITY])
def test_loss_and_gradients_given_the_same_masks(keras, keras_floatx, variant, record):
    from tests.model.test_parity_dropout import (
        compare_with_keras,
        dropout_batch,
        hand_over_every_mask,
        keras_pair,
        masks_drawn,
    )

    spec = PARITY[variant]
    km, nm = keras_pair(keras_floatx, {**spec, "output_dropout": RATE})
    x, y = dropout_batch(spec, keras_floatx, "space")
    loss, grads, cache = masks_drawn(nm, (x, y), seed=2)
    keep = cache.decoder.dropout.keep
    assert keep.shape == cache.decoder.dense.inputs.shape and not keep.all()
    hand_over_every_mask(km, nm, cache)
    compare_with_keras(km, nm, x, y, loss, grads, keras_floatx, variant, record, "output dropout", least=1e-5)
