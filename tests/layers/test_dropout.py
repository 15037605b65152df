"""The Dropout layer: Keras's numbers given Keras's mask (forward and gradient, bit for bit),
inference untouched, seeded masks, Keras's noise_shape, a gradient check with a fixed mask."""
import numpy as np
import pytest

from npseq2seq.layers import Dropout
from tests.gradutil import assert_gradient


def test_inference_is_the_identity():
    x = np.random.default_rng(0).normal(size=(3, 4, 5)).astype(np.float32)
    layer = Dropout(0.5)
    out, cache = layer.forward(x)
    assert out is x or np.array_equal(out, x)
    assert layer.backward(x, cache)[0] is x


def test_masks_are_seeded_scaled_and_shared_along_noise_shape():
    x = np.ones((200, 7, 50))
    layer = Dropout(0.3, noise_shape=(None, 1, None), dtype="float64")
    out, cache = layer.forward(x, training=True, rng=np.random.default_rng(1))
    again, _ = layer.forward(x, training=True, rng=np.random.default_rng(1))
    assert np.array_equal(out, again)                                     # the seed decides
    assert set(np.unique(out)) == {0.0, 1 / 0.7}                          # kept entries scaled
    assert (out == out[:, :1]).all()                                      # one mask for every step
    kept = cache.keep.mean()                                              # 10,000 draws: 5 σ ≈ 0.023
    assert abs(kept - 0.7) < 5 * np.sqrt(0.21 / cache.keep.size)
    with pytest.raises(ValueError, match="noise_shape"):
        layer.forward(np.ones((2, 3)), training=True, rng=np.random.default_rng(0))


def test_gradient_with_a_fixed_mask():
    rng = np.random.default_rng(2)
    x, w = rng.normal(size=(4, 3, 5)), rng.normal(size=(4, 3, 5))
    layer = Dropout(0.4, dtype="float64")
    keep = rng.random((4, 3, 5)) >= 0.4
    out, cache = layer.forward(x, training=True, keep=keep)
    dx, grads = layer.backward(w, cache)
    assert grads == []
    assert_gradient(lambda: float((layer.forward(x, training=True, keep=keep)[0] * w).sum()), x, dx, "x")


@pytest.mark.parametrize("rate, arg", [(1.0, "rate"), (-0.1, "rate"), (True, "rate")])
def test_bad_rates_are_refused(rate, arg):
    with pytest.raises(ValueError, match=f"{arg} must be a number in \\[0, 1\\)"):
        Dropout(rate)


@pytest.mark.parity
@pytest.mark.parametrize("noise_shape", [None, (None, 1, None)])
def test_keras_numbers_given_keras_mask(keras, keras_floatx, noise_shape):
    import tensorflow as tf

    rng = np.random.default_rng(3)
    x = (rng.random((6, 4, 8)) + 0.5).astype(keras_floatx)    # no zeros: Keras's mask reads off its output
    w = rng.normal(size=x.shape).astype(keras_floatx)
    layer = keras.layers.Dropout(0.3, noise_shape=noise_shape, seed=4)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        k_out = layer(xt, training=True)
        k_loss = tf.reduce_sum(k_out * w)
    k_out, k_dx = k_out.numpy(), tape.gradient(k_loss, xt).numpy()
    keep = k_out != 0
    assert 0 < keep.mean() < 1
    ours = Dropout(0.3, noise_shape=noise_shape, dtype=keras_floatx)
    out, cache = ours.forward(x, training=True, keep=keep)
    assert out.dtype == k_out.dtype and np.array_equal(out, k_out)
    assert np.array_equal(ours.backward(w, cache)[0], k_dx)


@pytest.mark.parity
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_rnn_input_dropout_is_a_dropout_shared_over_time_as_keras(keras, keras_floatx, cell):
    """Keras's ``LSTM(dropout=rate)`` / ``GRU(dropout=rate)`` without recurrent_dropout
    multiplies every step's input by one (N, D) mask: the same numbers as this Dropout with
    noise_shape (N, 1, D) in front of npseq2seq's layer, given Keras's mask (injected into
    its cell), outputs and gradients alike. (The layers' own dropout, recurrent_dropout too:
    tests/layers/test_rnn_dropout.py.)"""
    import tensorflow as tf

    from npseq2seq.layers import GRU, LSTM
    from reference.testing import max_abs_diff
    from reference.tolerances import tol

    n, t, d, h, rate = 5, 4, 6, 3, 0.4
    rng = np.random.default_rng(5)
    x = rng.normal(size=(n, t, d)).astype(keras_floatx)
    w = rng.normal(size=(n, t, h)).astype(keras_floatx)
    keep = rng.random((n, d)) >= rate
    scale = np.asarray(1 / (1 - rate), keras_floatx)
    ours = (LSTM if cell == "lstm" else GRU)(h, d, return_sequences=True, dtype=keras_floatx,
                                            rng=np.random.default_rng(6))
    ours.set_weights([rng.normal(scale=0.5, size=v.shape) for v in ours.weights])   # biases too
    layer = getattr(keras.layers, cell.upper())(h, dropout=rate, return_sequences=True)
    layer.build((n, t, d))
    layer.set_weights(ours.get_weights())
    # Keras draws its mask with dropout(ones_like(x_t)): 0 or 1/(1 - rate); this one is ours
    layer.cell._create_dropout_mask = lambda step_input, dropout_rate: tf.constant(np.where(keep, scale, 0))
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        k_out = layer(xt, training=True)
        k_loss = tf.reduce_sum(k_out * w)
    k_grads = tape.gradient(k_loss, [xt, *layer.trainable_weights])

    drop = Dropout(rate, noise_shape=(None, 1, None), dtype=keras_floatx)
    dropped, dcache = drop.forward(x, training=True, keep=keep[:, None, :])
    out, cache = ours.forward(dropped)
    ddropped, _, grads = ours.backward(w, cache)
    dx = drop.backward(ddropped, dcache)[0]
    assert max_abs_diff(out, k_out.numpy()) <= tol(keras_floatx, "forward")
    assert max_abs_diff([dx, *grads], [g.numpy() for g in k_grads]) <= tol(keras_floatx, "forward")
    # and without training Keras's layer ignores the mask, as npseq2seq's path skips the Dropout
    undropped = ours.forward(x)[0]
    assert max_abs_diff(undropped, layer(xt, training=False).numpy()) <= tol(keras_floatx, "forward")
    assert max_abs_diff(undropped, out) > 0.01    # the mask did act, on both sides
