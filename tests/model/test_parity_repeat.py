"""RepeatSeq2Seq against Keras's ``addition_rnn`` model (``reference/repeat.py``), number for
number, float64 and float32: weight layout, forward, loss, every gradient against
``tf.GradientTape``, weights after 1 and 20 Adam (the example's optimizer) and RMSprop
steps, and (slow) a 3-epoch ``fit`` and the predicted sums on the addition corpus.
LSTM with one decoder layer in the default run; GRU and two decoder layers marked slow."""
from __future__ import annotations

import numpy as np
import pytest

from npseq2seq import optimizers as np_optimizers
from npseq2seq.model import RepeatSeq2Seq
from npseq2seq.text import CharTable, addition_pairs, one_hot
from reference.tolerances import tol

pytestmark = pytest.mark.parity

VI, VO, TE, TD, H, N = 7, 6, 6, 4, 8, 10
VARIANTS = [("lstm", 1), pytest.param("gru", 1, marks=pytest.mark.slow),
            pytest.param("lstm", 2, marks=pytest.mark.slow)]


def _pair(keras, dtype, cell="lstm", num_layers=1, optimizer="adam", keras_optimizer="adam",
          sizes=(VI, VO, TD, H), seed=0):
    from reference.bridge import check_same_layout
    from reference.repeat import build_addition_model
    from reference.testing import random_weights

    vi, vo, td, h = sizes
    km = build_addition_model(vi, vo, td, h, num_layers, cell, compile=False)
    km.compile(optimizer=keras_optimizer, loss="categorical_crossentropy")
    nm = RepeatSeq2Seq(vi, vo, td, h, num_layers, cell, dtype, seed=seed)
    nm.compile(optimizer)
    nm.set_weights(random_weights(np.random.default_rng(seed), [w.shape for w in nm.params], dtype))
    check_same_layout(nm.get_weights(), km.get_weights())
    km.set_weights(nm.get_weights())
    return km, nm


def _batch(dtype, seed=1):
    rng = np.random.default_rng(seed)
    return (one_hot(rng.integers(0, VI, (N, TE)), VI, dtype),
            one_hot(rng.integers(0, VO, (N, TD)), VO, dtype))


@pytest.mark.parametrize("cell,num_layers", VARIANTS)
def test_forward_loss_gradients(keras, keras_floatx, cell, num_layers, record):
    from reference.testing import gradient_differences, keras_loss_and_gradients, max_abs_diff

    km, nm = _pair(keras, keras_floatx, cell, num_layers)
    x, y = _batch(keras_floatx)
    fdiff = max_abs_diff(nm.predict(x), np.asarray(km(x)))
    record(f"repeat: forward, {cell} x{num_layers}", keras_floatx, fdiff)
    assert fdiff <= tol(keras_floatx, "forward")
    k_loss, theirs = keras_loss_and_gradients(km, x, y)
    loss, ours = nm.loss_and_gradients(x, y)
    ldiff = max(abs(loss - k_loss), abs(nm.evaluate(x, y) - km.evaluate(x, y, verbose=0)))
    record(f"repeat: loss, {cell} x{num_layers}", keras_floatx, ldiff)
    assert ldiff <= tol(keras_floatx, "loss")
    assert all(np.abs(g).max() > 1e-3 for g in theirs)
    diffs = gradient_differences(ours, theirs, keras_floatx, nm.param_names())
    record(f"repeat: gradients vs GradientTape, {cell} x{num_layers}", keras_floatx, max(diffs.values()))
    bad = {k: v for k, v in diffs.items() if v > tol(keras_floatx, "gradient")}
    assert not bad, bad


@pytest.mark.parametrize("optimizer", ["Adam", pytest.param("RMSprop", marks=pytest.mark.slow)])
def test_train_on_batch(keras, keras_floatx, optimizer, record):
    from reference.testing import train_on_batch_side_by_side

    km, nm = _pair(keras, keras_floatx, optimizer=getattr(np_optimizers, optimizer)(),
                   keras_optimizer=getattr(keras.optimizers, optimizer)())
    batches = [_batch(keras_floatx, seed=10 + k) for k in range(4)]
    diffs = train_on_batch_side_by_side(km, nm, batches, steps=20)
    for check in ("weights_1_step", "weights_20_steps", "loss"):
        record(f"repeat: {check}, {optimizer}", keras_floatx, diffs[check])
        assert diffs[check] <= tol(keras_floatx, check), check
    assert diffs["moved"] > 1e-3


def _addition(dtype, n=400):
    """addition_rnn's data: queries space-padded to 7 and reversed, answers padded to 4."""
    inputs, targets = addition_pairs(n, digits=3)
    table = CharTable("0123456789+")
    return table, table.one_hot(inputs, 7, reverse=True, dtype=dtype), table.one_hot(targets, 4, dtype=dtype)


@pytest.mark.slow
def test_fit_and_predictions(keras, keras_floatx, record):
    """3 epochs of fit(shuffle=False, validation_split=0.1) from the same random weights
    (biases included): per-epoch loss and val_loss, weights; then the
    predicted answers (argmax per step) agree on every held-out sum."""
    from reference.testing import fit_side_by_side, max_abs_diff, randomise_biases

    table, x, y = _addition(keras_floatx)
    sizes = (len(table), len(table), 4, 32)
    km, nm = _pair(keras, keras_floatx, sizes=sizes)
    randomise_biases(nm)
    km.set_weights(nm.get_weights())
    n_hist, k_hist, diff = fit_side_by_side(km, nm, x, y, batch_size=32, epochs=3,
                                            validation_split=0.1, shuffle=False)
    record("repeat: fit per-epoch loss and val_loss", keras_floatx, diff)
    assert diff <= tol(keras_floatx, "history"), (n_hist, k_hist)
    assert k_hist["loss"][-1] < k_hist["loss"][0]
    wdiff = max_abs_diff(nm.get_weights(), km.get_weights())
    record("repeat: fit weights after 3 epochs", keras_floatx, wdiff)
    assert wdiff <= tol(keras_floatx, "weights_20_steps")
    ours = [table.decode(row) for row in nm.predict_ids(x)]
    theirs = [table.decode(row) for row in km.predict(x, verbose=0).argmax(-1)]
    assert len(set(theirs)) >= 5 and ours == theirs
