"""``Seq2Seq(level="word", word_dropout=rate)``: Keras's ``Dropout(rate, noise_shape=(None,
None, 1))`` after each Embedding (``model/inputs.py``), in ``fit`` / ``train_on_batch`` only: a
token's whole vector dropped, the others scaled by 1/(1 − rate).

Checked here: the config refuses it at character level and the file keeps the rate (files from
before it load with 0.0); inference computes what the same weights without it compute, bit for
bit; a training step draws one keep per token on each side; every weight's gradient against
centred finite differences with the masks fixed (padded and length-bucketed batches, every
decoder kind); a rate of 0 draws nothing, so such a model trains to the bits it trained to
before the option existed; two threads train in halves with it. And against Keras given the
same masks: ``reference``'s models with the Dropout after their Embeddings, our masks handed to
those layers (and to every RNN cell and the output Dropout when the model has their rates) in
place of their own draws; the loss and every weight's gradient of ``model(x, training=True)``
(the fast case in the default run, the others ``slow``).
"""
from __future__ import annotations

import numpy as np
import pytest

from npseq2seq import Seq2Seq
from npseq2seq.model import Seq2SeqConfig
from npseq2seq.model.inputs import Dropped
from tests.gradutil import assert_gradient, packed_batch, randomised, word_batch

VE, VD, H = 5, 6, 3
RATE = 0.4

KINDS = {
    "word": dict(),
    "word-mask-luong-gru": dict(cell="gru", mask_zero=True, attention="luong"),
    "feeding-mask-every-rate": dict(attention="luong_general", input_feeding=True, mask_zero=True,
                                    dropout=0.2, recurrent_dropout=0.3, output_dropout=0.3),
    "bahdanau-stack2-bidirectional": dict(attention="bahdanau", num_layers=2, bidirectional=True),
}
FAST = ("word", "feeding-mask-every-rate")


def pair(rate=RATE, **kw):
    """(a word model with word_dropout, the same model without), equal random weights, compiled."""
    plain = randomised(Seq2Seq(VE, VD, H, dtype="float64", seed=1, level="word", **kw), np.random.default_rng(0))
    drop = Seq2Seq(VE, VD, H, dtype="float64", seed=1, level="word", word_dropout=rate, **kw)
    # by name: the Dropout after the decoder's Embedding puts that layer a layer deeper, which
    # moves it in Keras's weight order when the encoder is stacked or bidirectional
    weights = dict(zip(plain.param_names(), plain.get_weights()))
    drop.set_weights([weights[name] for name in drop.param_names()])
    for m in (plain, drop):
        m.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    return drop, plain


def data(n=4, seed=2):
    enc, dec, tgt = word_batch(np.random.default_rng(seed), n, 4, 5, VE, VD)
    return [enc, dec], tgt


def test_config_checks_and_the_file_keeps_the_rate(tmp_path):
    assert Seq2SeqConfig(VE, VD, level="word", word_dropout=0.25).word_dropout == 0.25
    for bad in (1.0, -0.1, True, "0.2"):
        with pytest.raises(ValueError, match=r"^word_dropout must be a number in \[0, 1\)"):
            Seq2SeqConfig(VE, VD, level="word", word_dropout=bad)
    with pytest.raises(ValueError, match="word_dropout drops the Embedding's token vectors: it needs level='word'"):
        Seq2SeqConfig(VE, VD, word_dropout=0.1)
    stored = Seq2SeqConfig(VE, VD).to_dict()
    del stored["word_dropout"]                       # a file from before the option
    assert Seq2SeqConfig.from_dict(stored).word_dropout == 0.0
    model, plain = pair(attention="luong_general", input_feeding=True)
    assert model.encoder.word_dropout.rate == model.decoder.word_dropout.rate == RATE
    assert model.decoder.word_dropout.noise_shape == (None, None, 1) and plain.encoder.word_dropout is None
    assert model.count_params() == plain.count_params()
    model.save(tmp_path / "m.npz")
    loaded = Seq2Seq.load(tmp_path / "m.npz")
    assert loaded.config == model.config and f"word_dropout={RATE}" in loaded.summary()


@pytest.mark.parametrize("kind", KINDS)
def test_inference_is_untouched_and_training_drops_whole_tokens(kind):
    """evaluate, predict, the loss outside training and a decoding step: the numbers of the same
    weights without the option, bit for bit. In training each side's vectors are
    where(keep, E[ids] / (1 − rate), 0) with one keep per token, about ``rate`` of them dropped."""
    drop, plain = pair(**KINDS[kind])
    x, y = data(n=6)
    assert drop.evaluate(x, y) == plain.evaluate(x, y)
    assert np.array_equal(drop.predict(x, steps=y.shape[1]), plain.predict(x, steps=y.shape[1]))
    assert drop.loss_and_gradients(x, y)[0] == plain.loss_and_gradients(x, y)[0]
    states = drop.encode(x[0])
    ids = np.zeros(len(y), int)
    assert np.array_equal(drop.decode_step(ids, states)[0], plain.decode_step(ids, states)[0])
    _, cache = drop.forward(*drop._prepare_x(x), training=True, rng=np.random.default_rng(3))
    keeps = []
    for side, ids in ((cache.encoder, x[0]), (cache.decoder, x[1])):
        assert isinstance(side.embedding, Dropped)
        keep = side.embedding.dropout.keep
        assert keep.shape == ids.shape + (1,)      # one draw per token: its whole vector
        keeps.append(keep.ravel())
    assert abs(1 - np.concatenate(keeps).mean() - RATE) < 0.2
    assert cache.encoder.embedding.dropout.scale == 1 / (1 - RATE)
    assert drop.loss_and_gradients(x, y, training=True)[0] != plain.loss_and_gradients(x, y, training=True)[0]


@pytest.mark.parametrize("kind", [pytest.param(k, marks=() if k in FAST else pytest.mark.slow) for k in KINDS])
def test_gradients_with_fixed_masks(kind):
    """loss_and_gradients(training=True) with a generator of one seed each time (the same
    masks): every weight's gradient against centred finite differences."""
    drop, plain = pair(**KINDS[kind])
    x, y = data()

    def loss_grads():
        return drop.loss_and_gradients(x, y, training=True, rng=np.random.default_rng(9))
    loss, grads = loss_grads()
    if not (drop.config.dropout or drop.config.recurrent_dropout or drop.config.output_dropout):
        assert loss != plain.loss_and_gradients(x, y, training=True)[0]    # the masks acted
    for name, param, grad in zip(drop.param_names(), drop.params, grads):
        assert_gradient(lambda: loss_grads()[0], param, grad, name)


@pytest.mark.parametrize("kind", ["feeding-mask-every-rate", pytest.param("word-mask-luong-gru", marks=pytest.mark.slow)])
def test_gradients_of_a_length_bucketed_batch(kind):
    """Packed (each side's RNNs run on the real steps only), the masks fixed: every gradient
    against finite differences."""
    drop, _ = pair(**KINDS[kind])
    (enc, dec), y = data(n=5)
    packed = packed_batch(drop, enc, dec, y)

    def loss_grads():
        loss, grads, _ = drop._loss_and_grads(packed, training=True, rng=np.random.default_rng(4))
        return loss, grads
    loss, grads = loss_grads()
    for name, param, grad in zip(drop.param_names(), drop.params, grads):
        assert_gradient(lambda: loss_grads()[0], param, grad, name)


def test_a_rate_of_zero_draws_nothing_and_fits_are_seeded():
    """word_dropout=0 builds no Dropout and draws nothing: the model's generator, and so its
    shuffling and other masks, stay where they were; two fits from one seed give one result."""
    x, y = data(n=12)
    runs = []
    for rate in (0.0, 0.3, 0.3):
        model = Seq2Seq(VE, VD, H, seed=5, level="word", dropout=0.2, word_dropout=rate)
        model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
        history = model.fit(x, y, batch_size=4, epochs=2, verbose=0).history
        runs.append((history["loss"], model.get_weights(), model.rng.integers(2**62)))
    reference = Seq2Seq(VE, VD, H, seed=5, level="word", dropout=0.2)     # the model before the option
    reference.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    before = reference.fit(x, y, batch_size=4, epochs=2, verbose=0).history["loss"]
    assert runs[0][0] == before and runs[0][2] == reference.rng.integers(2**62)
    assert runs[1][0] == runs[2][0] and all(np.array_equal(a, b) for a, b in zip(runs[1][1], runs[2][1]))
    assert runs[1][0] != runs[0][0]


def test_two_threads_train_in_halves_with_it():
    """A batch trained in halves draws each half's masks from its own generator (train/halves.py):
    seeded, and a real step."""
    import npseq2seq

    x, y = data(n=64)
    losses = []
    try:
        npseq2seq.set_num_threads(2)
        for _ in range(2):
            model = Seq2Seq(VE, VD, H, seed=5, level="word", word_dropout=0.3)
            model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
            losses.append(model.fit(x, y, batch_size=64, epochs=2, verbose=0).history["loss"])
    finally:
        npseq2seq.set_num_threads(1)
    assert losses[0] == losses[1] and np.isfinite(losses[0]).all()


# --- against Keras, given the same masks -----------------------------------------------------
PARITY = {
    "lstm-word": dict(),
    "feeding-mask-every-rate": dict(attention="luong_general", input_feeding=True, mask_zero=True,
                                    dropout=0.3, recurrent_dropout=0.4, output_dropout=0.2),
    "gru-stack2-bidirectional-luong-mask": dict(cell="gru", num_layers=2, bidirectional=True, attention="luong",
                                                mask_zero=True),
    "bahdanau-gru": dict(attention="bahdanau", cell="gru"),
}
PARITY_FAST = ("feeding-mask-every-rate",)


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

    spec = {"level": "word", **PARITY[variant]}
    km, nm = keras_pair(keras_floatx, {**spec, "word_dropout": RATE})
    x, y = dropout_batch(spec, keras_floatx, "zero")
    loss, grads, cache = masks_drawn(nm, (x, y), seed=2)
    for side, ids in ((cache.encoder, x[0]), (cache.decoder, x[1])):
        keep = side.embedding.dropout.keep
        assert keep.shape == ids.shape + (1,) and not keep.all()      # one draw a token, some dropped
    hand_over_every_mask(km, nm, cache)
    compare_with_keras(km, nm, x, y, loss, grads, keras_floatx, variant, record, "word dropout", least=1e-5)


@pytest.mark.parity
@pytest.mark.parametrize("spec", [dict(num_layers=2), dict(bidirectional=True), dict(num_layers=3, bidirectional=True),
                                  dict(num_layers=2, attention="bahdanau")], ids=str)
def test_weight_order_is_keras_order(keras, spec):
    """The Dropout after the decoder's Embedding puts that layer one layer deeper, which moves
    it in Keras's get_weights() order (model/build.py ``keras_order``): read off the Keras
    weights' paths, the order is npseq2seq's."""
    from reference import floatx
    from tests.model.test_parity_deep import _keras_key, _our_key
    from tests.model.test_parity_dropout import keras_pair

    with floatx("float64"):
        km, nm = keras_pair("float64", {"level": "word", **spec, "word_dropout": RATE})
    ours, theirs = [_our_key(n) for n in nm.param_names()], [_keras_key(w.path) for w in km.weights]
    assert ours == theirs
    plain = Seq2Seq(7, 9, 4, level="word", **spec)
    moved = [name for name, other in zip(nm.param_names(), plain.param_names()) if name != other]
    assert moved or not spec.get("bidirectional")     # a bidirectional encoder's order changes
