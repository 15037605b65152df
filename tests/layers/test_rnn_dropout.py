"""LSTM/GRU ``dropout`` and ``recurrent_dropout`` (Keras's, ``layers/rnn_dropout.py``):
inference untouched, the masks Keras draws (how many, what shape, what values), every
gradient against finite differences with a fixed mask, packed rows, and Keras's numbers
given the same masks (injected into its cell)."""
import numpy as np
import pytest

from npseq2seq.layers import GRU, LSTM
from npseq2seq.layers.rnn_dropout import RNNDropoutMasks, blocks, draw_masks, dropped_product, gate_blocks
from tests.gradutil import assert_gradient

CELLS = {"lstm": (LSTM, {}), "gru": (GRU, {"reset_after": True}), "gru-reset-before": (GRU, {"reset_after": False})}
RATES = {"dropout": (0.3, 0.0), "recurrent": (0.0, 0.4), "both": (0.3, 0.4)}


def layer_of(cell, d, h, rates, dtype="float64", seed=0, **kw):
    """A layer with random weights, biases included (a zero bias hides bias bugs)."""
    cls, extra = CELLS[cell]
    rng = np.random.default_rng(seed)
    layer = cls(h, d, return_sequences=True, return_state=True, dtype=dtype, rng=rng,
                dropout=rates[0], recurrent_dropout=rates[1], **extra, **kw)
    layer.set_weights([rng.normal(scale=0.5, size=w.shape) for w in layer.weights])
    return layer


@pytest.mark.parametrize("cell", CELLS)
def test_inference_and_zero_rates_keep_the_bits(cell):
    """training=False, or rates of 0, runs the no-dropout path: the same bits."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4, 5)).astype(np.float32)
    plain = layer_of(cell, 5, 3, (0.0, 0.0), "float32")
    dropping = layer_of(cell, 5, 3, (0.5, 0.5), "float32")
    out = plain.forward(x)[0]
    for other in (dropping.forward(x)[0], plain.forward(x, training=True, rng=rng)[0],
                  dropping.forward(x, training=False, rng=rng)[0]):
        assert all(np.array_equal(a, b) for a, b in zip(out, other))
    assert plain.forward(x, training=True, rng=rng)[1].dropout is None


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("rates", RATES)
def test_masks_as_keras_draws_them(cell, rates):
    """Implementation 2 (dropout only): one (N, D) mask; implementation 1 (recurrent_dropout):
    one per gate for x_t (if dropout) and for h_{t-1}; entries 0 or 1/(1 − rate); seeded."""
    layer = layer_of(cell, 40, 30, RATES[rates])
    gates = 4 if cell == "lstm" else 3
    masks = draw_masks(layer, 50, np.random.default_rng(2))
    again = draw_masks(layer, 50, np.random.default_rng(2))
    assert layer.implementation == (1 if layer.recurrent_dropout else 2)
    count = gates if layer.recurrent_dropout else 1
    for mask, same, rate, shape in [(masks.inputs, again.inputs, layer.dropout, (count, 50, 40)),
                                    (masks.recurrent, again.recurrent, layer.recurrent_dropout, (gates, 50, 30))]:
        if not rate:
            assert mask is None
            continue
        assert mask.shape == shape and mask.dtype == np.float64 and np.array_equal(mask, same)
        assert set(np.unique(mask)) == {0.0, 1 / (1 - rate)}
        kept = (mask > 0).mean()                         # ≥ 2,000 draws: 5 σ ≤ 0.055
        assert abs(kept - (1 - rate)) < 5 * np.sqrt(rate * (1 - rate) / mask.size)
        if count > 1:
            assert not np.array_equal(mask[0], mask[1])  # a mask per gate


def _check_gradients(layer, x, h0, masks, **kw):
    """Every gradient of sum(w · outputs) against finite differences, the masks fixed."""
    rng = np.random.default_rng(7)
    init = [h0 * (k + 1) for k in range(layer.state_size)]
    out, cache = layer.forward(x, init, training=True, dropout_masks=masks, **kw)
    ws = [rng.normal(size=o.shape) for o in out]
    dx, dinit, grads = layer.backward(ws, cache)

    def f():
        o = layer.forward(x, init, training=True, dropout_masks=masks, **kw)[0]
        return float(sum((a * w).sum() for a, w in zip(o, ws)))
    checks = [*zip(layer.weight_names, layer.weights, grads), *(("h0", s, d) for s, d in zip(init, dinit))]
    if dx is not None:
        checks.append(("x", x, dx))
    for name, arr, grad in checks:
        assert grad.shape == arr.shape, name
        assert_gradient(f, arr, grad, f"{name} ({layer.name})")


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("rates", RATES)
def test_gradients_with_fixed_masks(cell, rates):
    rng = np.random.default_rng(3)
    n, t, d, h = 3, 4, 5, 2
    layer = layer_of(cell, d, h, RATES[rates])
    masks = draw_masks(layer, n, rng)
    _check_gradients(layer, rng.normal(size=(n, t, d)), rng.normal(size=(n, h)), masks)


@pytest.mark.parametrize("cell", ["lstm", "gru-reset-before"])
@pytest.mark.parametrize("rates", ["dropout", "both"])
def test_gradients_with_token_ids_a_padding_mask_and_fixed_masks(cell, rates):
    """Ids (one-hot rows, -1 an all-zero row): the masked gather and its scatter-add; a padding
    mask skipping steps at the same time."""
    rng = np.random.default_rng(4)
    n, t, d, h = 3, 5, 4, 2
    layer = layer_of(cell, d, h, RATES[rates])
    ids = rng.integers(-1, d, size=(n, t))
    padding = np.arange(t)[None] < np.array([5, 3, 2])[:, None]
    masks = draw_masks(layer, n, rng)
    _check_gradients(layer, ids, rng.normal(size=(n, h)), masks, mask=padding)
    # the ids give the numbers of their one-hot rows, masked alike
    onehot = np.zeros((n, t, d))
    rows, steps = np.nonzero(ids >= 0)
    onehot[rows, steps, ids[rows, steps]] = 1
    a = layer.forward(ids, training=True, dropout_masks=masks)[0][0]
    b = layer.forward(onehot, training=True, dropout_masks=masks)[0][0]
    np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_packed_rows_read_their_masks(cell):
    """lengths (packed rows, length-bucketed training) give the numbers of the padding mask,
    with the same dropout masks: each step slices the masks to its running rows."""
    rng = np.random.default_rng(5)
    n, t, d, h = 4, 5, 3, 2
    layer = layer_of(cell, d, h, RATES["both"])
    x = rng.normal(size=(n, t, d))
    lengths = np.array([5, 4, 2, 1])
    masks = draw_masks(layer, n, rng)
    packed, pcache = layer.forward(x, training=True, dropout_masks=masks, lengths=lengths)
    masked, mcache = layer.forward(x, training=True, dropout_masks=masks,
                                   mask=np.arange(t)[None] < lengths[:, None])
    for a, b in zip(packed[1:], masked[1:]):        # final states
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-14)
    dfinal = [rng.normal(size=(n, h)) for _ in packed[1:]]
    for a, b in zip(layer.backward([None, *dfinal], pcache), layer.backward([None, *dfinal], mcache)):
        for u, v in zip(*(([a], [b]) if isinstance(a, np.ndarray) else (a, b))):
            np.testing.assert_allclose(u, v, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("count", [1, 3, 4])
@pytest.mark.parametrize("rows", [(5,), (3, 5)])
def test_dropped_product_reads_every_form_of_the_weights(count, rows):
    """The product per mask block from the fused (K, M) weights, from ``gate_blocks``' copy
    (G', K, M/G') and from a list of column views: one set of numbers, each block equal to
    (a ⊙ m_g) W_g written out by hand."""
    rng = np.random.default_rng(count)
    k, width = 6, 4 * 3
    a = rng.normal(size=(*rows, k))
    weights = rng.normal(size=(k, width))
    masks = rng.normal(size=(count, rows[-1], k))
    cols = blocks(width, count)
    want = np.concatenate([(a * m) @ weights[:, c] for m, c in zip(masks, cols)], axis=-1)
    copied = gate_blocks(weights, count)
    assert copied.shape == (count, k, width // count) and copied.flags.c_contiguous
    assert (count == 1) == np.shares_memory(copied, weights)      # one block: a view, no copy
    for form in (weights, copied, [weights[:, c] for c in cols]):
        np.testing.assert_allclose(dropped_product(a, form, masks), want, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("cell", CELLS)
def test_a_step_reads_the_kernel_as_given_or_its_own(cell):
    """cell_forward with recurrent masks: U's gate blocks (what ``forward`` passes, made once
    a call) and the layer's own U (recurrent_kernel None) give one step's numbers."""
    rng = np.random.default_rng(2)
    n, h = 3, 4
    layer = layer_of(cell, 5, h, RATES["both"])
    rec = draw_masks(layer, n, rng).recurrent
    prev = [rng.normal(size=(n, h)) for _ in range(layer.state_size)]
    results = []
    for kernel in (layer.step_kernel(rec), None):
        z = rng.normal(size=(n, layer.num_gates * h)) if not results else results[0][0].copy()
        start = z.copy()
        new = [np.empty((n, h)) for _ in prev]
        extras = [np.empty((n, h)) for _ in range(layer.num_extras)]
        layer.cell_forward(z, prev, new, extras, rec, kernel)
        results.append((start, z, new))
    (z0, za, na), (_, zb, nb) = results
    np.testing.assert_allclose(za, zb, rtol=1e-13, atol=1e-14)
    for u, v in zip(na, nb):
        np.testing.assert_allclose(u, v, rtol=1e-13, atol=1e-14)
    assert layer.step_kernel(rec).shape == (layer.num_gates, h, h)
    assert layer.step_kernel(None) is layer.recurrent_kernel


def test_bad_rates_and_masks_are_refused():
    with pytest.raises(ValueError, match=r"lstm: dropout must be a number in \[0, 1\), received 1"):
        LSTM(2, 3, dropout=1)
    with pytest.raises(ValueError, match=r"gru: recurrent_dropout must be a number in \[0, 1\)"):
        GRU(2, 3, recurrent_dropout=-0.1)
    layer = layer_of("lstm", 3, 2, RATES["both"])
    x = np.ones((2, 4, 3))
    with pytest.raises(ValueError, match=r"dropout_masks.inputs must be an array of shape \(4, 2, 3\)"):
        layer.forward(x, training=True, dropout_masks=RNNDropoutMasks(np.ones((1, 2, 3)), np.ones((4, 2, 2))))
    with pytest.raises(ValueError, match="needs an rng"):
        layer.forward(x, training=True)


# --------------------------------------------------------------------------- Keras


def keras_with_our_masks(keras, layer, masks):
    """Keras's layer of ``layer``'s kind, rates and weights, its cell handed ``masks`` where
    it would draw its own (``DropoutRNNCell.get_dropout_mask`` / ``get_recurrent_dropout_mask``:
    a list of G masks in implementation 1, one mask in implementation 2)."""
    import tensorflow as tf

    kind = type(layer).__name__
    extra = {"reset_after": layer.reset_after} if kind == "GRU" else {}
    k = getattr(keras.layers, kind)(layer.units, dropout=layer.dropout, recurrent_dropout=layer.recurrent_dropout,
                                    return_sequences=True, return_state=True, **extra)
    k.build((None, None, layer.input_dim))
    k.set_weights(layer.get_weights())
    inject_masks(k.cell, masks, tf)
    return k


def inject_masks(cell, masks, tf):
    """Hand a Keras cell our masks instead of its draws."""
    def as_keras(m):
        if m is None:
            return None
        return [tf.constant(g) for g in m] if cell.implementation == 1 else tf.constant(m[0])
    cell.get_dropout_mask = lambda step_input: as_keras(masks.inputs)
    cell.get_recurrent_dropout_mask = lambda step_input: as_keras(masks.recurrent)


@pytest.mark.parity
@pytest.mark.parametrize("cell, rates", [("lstm", "both"),
                                         pytest.param("lstm", "recurrent", marks=pytest.mark.slow),
                                         pytest.param("lstm", "dropout", marks=pytest.mark.slow),
                                         pytest.param("gru", "both", marks=pytest.mark.slow),
                                         pytest.param("gru-reset-before", "both", marks=pytest.mark.slow),
                                         pytest.param("gru", "recurrent", marks=pytest.mark.slow)])
def test_keras_numbers_given_the_same_masks(keras, keras_floatx, cell, rates):
    """Outputs, final states and every gradient (inputs, initial states, weights) of Keras's
    LSTM/GRU(dropout=, recurrent_dropout=) with training=True, given our masks."""
    import tensorflow as tf

    from reference.testing import max_abs_diff, max_rel_diff
    from reference.tolerances import tol

    n, t, d, h = 4, 5, 6, 3
    rng = np.random.default_rng(8)
    layer = layer_of(cell, d, h, RATES[rates], keras_floatx)
    x = rng.normal(size=(n, t, d)).astype(keras_floatx)
    init = [rng.normal(size=(n, h)).astype(keras_floatx) for _ in range(layer.state_size)]
    masks = draw_masks(layer, n, rng)
    k = keras_with_our_masks(keras, layer, masks)
    ws = None
    xt, it = tf.constant(x), [tf.constant(s) for s in init]
    with tf.GradientTape() as tape:
        tape.watch([xt, *it])
        k_out = k(xt, initial_state=it, training=True)
        ws = [rng.normal(size=o.shape).astype(keras_floatx) for o in k_out]
        k_loss = tf.add_n([tf.reduce_sum(o * w) for o, w in zip(k_out, ws)])
    k_grads = [g.numpy() for g in tape.gradient(k_loss, [xt, *it, *k.trainable_weights])]
    out, cache = layer.forward(x, init, training=True, dropout_masks=masks)
    dx, dinit, grads = layer.backward(ws, cache)
    assert max_abs_diff(list(out), [o.numpy() for o in k_out]) <= tol(keras_floatx, "forward")
    measure = max_abs_diff if keras_floatx == "float64" else max_rel_diff
    assert measure([dx, *dinit, *grads], k_grads) <= tol(keras_floatx, "gradient")
    # the masks acted: inference differs, on both sides alike
    plain = layer.forward(x, init)[0]
    assert max_abs_diff(list(plain), [o.numpy() for o in k(xt, initial_state=it, training=False)]) \
        <= tol(keras_floatx, "forward")
    assert max_abs_diff(plain[0], out[0]) > 0.01
