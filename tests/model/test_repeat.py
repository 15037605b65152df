"""RepeatSeq2Seq (Keras's addition_rnn model) on its own: every gradient against finite
differences, shapes, training on the Trainer, input checks; and CharTable's fixed-width,
optionally reversed rows. Against Keras: ``test_parity_repeat.py``."""
import numpy as np
import pytest

from npseq2seq.losses import CategoricalCrossentropy
from npseq2seq.model import RepeatSeq2Seq
from npseq2seq.optimizers import SGD
from npseq2seq.text import CharTable, one_hot
from tests.gradutil import check_all_gradients, randomised

VI, VO, TE, TD, H = 6, 5, 5, 3, 4


def _data(rng, n=3):
    return (one_hot(rng.integers(0, VI, (n, TE)), VI, "float64"),
            one_hot(rng.integers(0, VO, (n, TD)), VO, "float64"))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_gradients(cell, num_layers):
    rng = np.random.default_rng(0)
    model = randomised(RepeatSeq2Seq(VI, VO, TD, H, num_layers, cell, "float64", seed=0), rng)
    model.compile(SGD(), CategoricalCrossentropy(exact_gradient=True))
    x, y = _data(rng)
    check_all_gradients(model, x, y)


def test_weights_in_keras_order_and_training():
    model = RepeatSeq2Seq(VI, VO, TD, H, num_layers=2, dtype="float64", seed=1)
    assert [w.shape for w in model.params] == [(VI, 4 * H), (H, 4 * H), (4 * H,)] + \
        [(H, 4 * H), (H, 4 * H), (4 * H,)] * 2 + [(H, VO), (VO,)]
    x, y = _data(np.random.default_rng(1), n=40)
    assert model.predict(x).shape == (40, TD, VO) and model.predict_ids(x).shape == (40, TD)
    model.compile("adam")
    history = model.fit(x, y, batch_size=8, epochs=5, verbose=0, validation_split=0.25)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert np.isfinite(history.history["val_loss"]).all()
    np.testing.assert_array_equal(model.predict(x[:5]), model.predict(x)[:5])


def test_bad_input():
    model = RepeatSeq2Seq(VI, VO, TD, H)
    model.compile()
    x, y = _data(np.random.default_rng(2))
    with pytest.raises(ValueError, match="y must be"):
        model.evaluate(x, y[:, :2])
    with pytest.raises(ValueError, match=r"x: expected shape"):
        model.evaluate(x[..., :2], y)
    with pytest.raises(ValueError, match="cell"):
        RepeatSeq2Seq(VI, VO, TD, cell="rnn")


def test_char_table_pads_then_reverses_as_addition_rnn():
    table = CharTable("0123456789+")
    assert len(table) == 12 and table.chars[0] == " "
    assert table.decode(table.encode(["12+345"], 7)[0]) == "12+345 "
    assert table.decode(table.encode(["12+345"], 7, reverse=True)[0]) == " 543+21"
    assert table.one_hot(["1"], 3).shape == (1, 3, 12)
    with pytest.raises(ValueError):
        table.encode(["12345678"], 7)
