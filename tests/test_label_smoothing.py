"""Label smoothing: Keras's ``CategoricalCrossentropy(label_smoothing=s)`` targets
y·(1 − s) + s/V, on both target forms and both paths, checked against the formula, finite
differences and Keras's own loss function."""
import numpy as np
import pytest

from npseq2seq.losses import (
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    get,
    probability_cross_entropy,
    softmax_cross_entropy,
)
from npseq2seq.ops import softmax
from tests.gradutil import assert_gradient
from tests.test_losses import batch

S = 0.1


def smoothed(y, s=S):
    return y * (1 - s) + s / y.shape[-1]


@pytest.mark.parametrize("use_ids", [False, True])
def test_value_and_keras_gradient_are_those_of_the_smoothed_rows(use_ids):
    """Every row is smoothed, the all-zero padding rows too (they become uniform s/V), and
    the gradient is TensorFlow's p − y' on every row."""
    rng = np.random.default_rng(0)
    logits, ids, y = batch(rng)
    loss, d = softmax_cross_entropy(logits, ids if use_ids else y, label_smoothing=S)
    y_s = smoothed(y)
    assert loss == pytest.approx(-(y_s * np.log(softmax(logits))).sum() / 12, rel=1e-14)
    np.testing.assert_allclose(d, (softmax(logits) - y_s) / 12, rtol=0, atol=1e-16)


@pytest.mark.parametrize("use_ids", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_exact_gradient_matches_finite_differences(use_ids, masked):
    rng = np.random.default_rng(1)
    logits, ids, y = batch(rng)
    target = ids if use_ids else y
    mask = None
    if masked:
        mask = np.ones(ids.shape, bool)
        mask[0, :2] = False
    _, d = softmax_cross_entropy(logits, target, True, mask, label_smoothing=0.3)
    assert_gradient(lambda: softmax_cross_entropy(logits, target, True, mask, label_smoothing=0.3)[0],
                    logits, d, "logits")
    assert np.abs(d[:, -2:]).sum() > 0           # the smoothed padding rows have a loss now
    if masked:
        assert not d[0, :2].any()


@pytest.mark.parametrize("exact", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ids_and_one_hot_agree(exact, dtype):
    """The sparse loss never builds the one-hot rows; it gives what the one-hot path gives."""
    rng = np.random.default_rng(2)
    logits, ids, y = batch(rng, v=7)
    logits, y = logits.astype(dtype), y.astype(dtype)
    mask = np.ones(ids.shape, bool)
    mask[1, 0] = False
    l1, d1 = softmax_cross_entropy(logits, y, exact, mask, label_smoothing=S)
    l2, d2 = softmax_cross_entropy(logits, ids, exact, mask, label_smoothing=S)
    eps = float(np.finfo(dtype).eps)
    assert l1 == pytest.approx(l2, rel=8 * eps)
    np.testing.assert_allclose(d1, d2, rtol=0, atol=4 * eps / 12)
    assert d1.dtype == d2.dtype == dtype


def test_smoothing_zero_is_the_plain_loss_bit_for_bit():
    rng = np.random.default_rng(3)
    logits, ids, y = batch(rng)
    for target in (ids, y):
        plain = softmax_cross_entropy(logits, target)
        zero = softmax_cross_entropy(logits, target, label_smoothing=0.0)
        assert plain[0] == zero[0] and np.array_equal(plain[1], zero[1])


@pytest.mark.parametrize("use_ids", [False, True])
def test_probability_path_uses_the_smoothed_rows(use_ids):
    rng = np.random.default_rng(4)
    logits, ids, y = batch(rng)
    probs = softmax(logits)
    loss, d = probability_cross_entropy(probs, ids if use_ids else y, label_smoothing=S)
    assert loss == pytest.approx(-(smoothed(y) * np.log(probs)).sum() / 12, rel=1e-13)
    assert_gradient(lambda: probability_cross_entropy(probs, y, label_smoothing=S)[0], probs, d, "probs")


def test_objects_configs_and_errors():
    for cls in (CategoricalCrossentropy, SparseCategoricalCrossentropy):
        loss = cls(label_smoothing=0.2)
        config = loss.get_config()
        assert config["label_smoothing"] == 0.2
        again = get(config)
        assert type(again) is cls and again.label_smoothing == 0.2
    assert get({"name": "categorical_crossentropy"}).label_smoothing == 0.0   # files written before
    rng = np.random.default_rng(5)
    logits, ids, y = batch(rng)
    assert SparseCategoricalCrossentropy(label_smoothing=S)(logits, ids)[0] == pytest.approx(
        CategoricalCrossentropy(label_smoothing=S)(logits, y)[0], rel=1e-14)
    for bad in (-0.1, 1.5, float("nan"), "a", None):
        with pytest.raises(ValueError, match="label_smoothing"):
            CategoricalCrossentropy(label_smoothing=bad)
        with pytest.raises(ValueError, match="label_smoothing"):
            get({"name": "categorical_crossentropy", "label_smoothing": bad})


@pytest.mark.parity
@pytest.mark.parametrize("s", [0.1, 0.35])
def test_against_keras_loss_function(keras, keras_floatx, s, record):
    """Keras's ``categorical_crossentropy(..., from_logits=True, label_smoothing=s)``, row by
    row, against both target forms (Keras's sparse loss has no smoothing: its one-hot rows)."""
    rng = np.random.default_rng(6)
    logits, ids, y = batch(rng, n=4, t=5, v=9)
    logits, y = logits.astype(keras_floatx), y.astype(keras_floatx)
    rows = keras.ops.convert_to_numpy(keras.losses.categorical_crossentropy(
        y, logits, from_logits=True, label_smoothing=s))
    expected = rows.mean()
    for target in (y, ids):
        loss, _ = softmax_cross_entropy(logits, target, label_smoothing=s)
        diff = abs(loss - float(expected)) / abs(float(expected))
        record(f"label smoothing {s}: loss ({'ids' if target is ids else 'one-hot'})", keras_floatx, diff,
               "relative")
        assert diff <= 16 * np.finfo(keras_floatx).eps
    # the gradient: TensorFlow's of the mean, p − y', divided by the rows
    import tensorflow as tf
    lt = tf.Variable(logits)
    with tf.GradientTape() as tape:
        value = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=s)(y, lt)
    grad = tape.gradient(value, lt).numpy()
    for target in (y, ids):
        _, d = softmax_cross_entropy(logits, target, label_smoothing=s)
        gdiff = float(np.abs(d - grad).max())
        record(f"label smoothing {s}: gradient", keras_floatx, gdiff, "absolute")
        assert gdiff <= 4 * np.finfo(keras_floatx).eps / rows.size
