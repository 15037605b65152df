"""``Seq2Seq(dropout=, recurrent_dropout=)``: Keras's RNN dropout on every encoder and decoder
layer, in ``fit`` / ``train_on_batch`` only; seeded; stored by ``io``; every gradient of a
whole model against finite differences with the masks fixed."""
import numpy as np
import pytest

from npseq2seq import Seq2Seq
from npseq2seq.model import Seq2SeqConfig
from tests.gradutil import assert_gradient, random_batch, randomised, word_batch

VE, VD, H = 5, 6, 3


def pair(**kw):
    """(a model with dropout, the same model without), equal random weights, compiled."""
    rng = np.random.default_rng(0)
    plain = randomised(Seq2Seq(VE, VD, H, dtype="float64", seed=1, **kw), rng)
    drop = Seq2Seq(VE, VD, H, dtype="float64", seed=1, dropout=0.3, recurrent_dropout=0.4, **kw)
    drop.set_weights(plain.get_weights())
    for m in (plain, drop):
        m.compile(optimizer="rmsprop", loss=m.config.default_loss)
    return drop, plain


def char_data(n=8, seed=2):
    enc, dec, tgt = random_batch(np.random.default_rng(seed), n, 4, 5, VE, VD)
    return [enc, dec], tgt


def test_config_checks_and_stores_the_rates(tmp_path):
    config = Seq2SeqConfig(VE, VD, dropout=0.25, recurrent_dropout=0)
    assert (config.dropout, config.recurrent_dropout) == (0.25, 0.0)
    for bad in (1.0, -0.1, True, "0.2"):
        with pytest.raises(ValueError, match=r"^recurrent_dropout must be a number in \[0, 1\)"):
            Seq2SeqConfig(VE, VD, recurrent_dropout=bad)
    stored = config.to_dict()
    del stored["dropout"], stored["recurrent_dropout"]          # a file from before dropout
    assert Seq2SeqConfig.from_dict(stored).dropout == 0.0
    model, _ = pair(num_layers=2)
    assert all((r.dropout, r.recurrent_dropout) == (0.3, 0.4) for r in model.encoder.rnns + model.decoder.rnns)
    model.save(tmp_path / "m.npz")
    loaded = Seq2Seq.load(tmp_path / "m.npz")
    assert loaded.config == model.config and "dropout=0.3, recurrent_dropout=0.4" in loaded.summary()
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), model.get_weights()))


@pytest.mark.parametrize("variant", [{}, dict(cell="gru", level="word", mask_zero=True, attention="luong"),
                                     dict(teacher_forcing=False), dict(bidirectional=True, num_layers=2)])
def test_inference_is_untouched(variant):
    """evaluate, predict, encode, decode_step and translate's parts: the numbers of the same
    model without dropout, bit for bit; a training step's loss is not."""
    drop, plain = pair(**variant)
    if variant.get("level") == "word":
        enc, dec, tgt = word_batch(np.random.default_rng(3), 6, 4, 5, VE, VD)
        x, y = [enc, dec], tgt
    else:
        x, y = char_data()
    x = drop.config.training_inputs(*x)
    assert drop.evaluate(x, y) == plain.evaluate(x, y)
    assert np.array_equal(drop.predict(x, steps=y.shape[1]), plain.predict(x, steps=y.shape[1]))
    states = drop.encode(x[0])
    assert all(np.array_equal(a, b) for a, b in zip(states, plain.encode(x[0])))
    ids = np.zeros(len(y), int)
    assert all(np.array_equal(a, b) for a, b in zip(drop.decode_step(ids, states)[1], plain.decode_step(ids, states)[1]))
    assert drop.loss_and_gradients(x, y)[0] == plain.loss_and_gradients(x, y)[0]
    assert drop.loss_and_gradients(x, y, training=True)[0] != plain.loss_and_gradients(x, y, training=True)[0]
    before = drop.get_weights()
    assert drop.train_on_batch(x, y) != plain.evaluate(x, y)    # the pre-update loss, with dropout
    drop.set_weights(before)


def test_fit_is_seeded_and_uses_dropout():
    """Two fits from one seed give the same bits; with dropout, other bits than without."""
    x, y = char_data(n=12)
    runs = []
    for rates in [(0.3, 0.4), (0.3, 0.4), (0.0, 0.0)]:
        model = Seq2Seq(VE, VD, H, seed=5, dropout=rates[0], recurrent_dropout=rates[1])
        model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
        history = model.fit(x, y, batch_size=4, epochs=2, verbose=0, validation_split=0.25)
        runs.append((history.history, model.get_weights()))
    assert runs[0][0] == runs[1][0] and all(np.array_equal(a, b) for a, b in zip(runs[0][1], runs[1][1]))
    assert runs[0][0]["loss"] != runs[2][0]["loss"]


GRADIENT_VARIANTS = {
    "lstm-stack2": dict(num_layers=2),
    "gru-word-mask-attention": dict(cell="gru", level="word", mask_zero=True, attention="luong"),
    "gru-bidirectional": dict(cell="gru", bidirectional=True),
    "lstm-no-teacher-forcing": dict(teacher_forcing=False),
}


@pytest.mark.parametrize("variant", [pytest.param(v, marks=() if v == "lstm-stack2" else pytest.mark.slow)
                                     for v in GRADIENT_VARIANTS])
def test_whole_model_gradients_with_fixed_masks(variant):
    """loss_and_gradients(training=True) with a generator of one seed each time (the same
    masks): every weight's gradient against finite differences."""
    spec = GRADIENT_VARIANTS[variant]
    drop, _ = pair(**spec)
    if spec.get("level") == "word":
        enc, dec, tgt = word_batch(np.random.default_rng(3), 4, 4, 4, VE, VD)
        x, y = [enc, dec], tgt
    else:
        x, y = char_data(n=4)
    x = drop.config.training_inputs(*x)

    def loss_grads():
        return drop.loss_and_gradients(x, y, training=True, rng=np.random.default_rng(9))
    loss, grads = loss_grads()
    assert loss != drop.loss_and_gradients(x, y)[0]            # the masks acted
    for name, param, grad in zip(drop.param_names(), drop.params, grads):
        assert_gradient(lambda: loss_grads()[0], param, grad, name)
