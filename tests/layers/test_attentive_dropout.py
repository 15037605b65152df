"""AttentiveRNN with dropout (Keras's masks of the wrapped cell, over its input [x_t; e_t]
and h_{t-1}) and with ``lengths``: finite differences with fixed masks (float64), the
masks' law (one draw per call, the cell's shapes, inputs before recurrent), inference
untouched, lengths = the mask t < lengths. Parity with Keras given the same masks is
tests/model/test_parity_attentive_dropout.py."""
import numpy as np
import pytest

from npseq2seq.gradcheck import numerical_gradient
from npseq2seq.layers.rnn_dropout import RNNDropoutMasks, draw_masks
from tests.layers.test_attentive_rnn import KINDS, D, H, N, T, setup

RATES = {"both": (0.3, 0.4), "dropout": (0.3, 0.0), "recurrent": (0.0, 0.4)}


def with_rates(layer, rates):
    layer.rnn.dropout, layer.rnn.recurrent_dropout = RATES[rates]
    return layer


CASES = [pytest.param("lstm", "bahdanau", False, "both", False, id="lstm-bahdanau-both"),
         pytest.param("gru", "luong_general", True, "both", True, id="gru-feeding-both-ids"),
         pytest.param("lstm", "luong_general", False, "dropout", False, id="lstm-general-dropout"),
         pytest.param("gru", "bahdanau", False, "recurrent", True, id="gru-bahdanau-recurrent-ids",
                      marks=pytest.mark.slow),
         pytest.param("lstm", "luong_general", True, "dropout", False, id="lstm-feeding-dropout",
                      marks=pytest.mark.slow)]


@pytest.mark.parametrize("cell, kind, feeding, rates, ids", CASES)
def test_gradients_with_fixed_masks_match_finite_differences(cell, kind, feeding, rates, ids):
    rng, layer, x, states, values, vmask, mask = setup(cell, kind, feeding, masked=True, ids=ids)
    with_rates(layer, rates)
    masks = draw_masks(layer.rnn, N, rng)
    memory = lambda: layer.memory(values, vmask)    # noqa: E731  (re-projects the keys)

    def run():
        return layer.forward(x, states, memory(), mask, training=True, dropout_masks=masks)

    out, cache = run()
    douts = [rng.normal(size=o.shape) for o in out]
    loss = lambda: sum(float(np.sum(o * d)) for o, d in zip(run()[0], douts))   # noqa: E731
    dx, dstates, dvalues, grads = layer.backward(douts, cache)
    checks = [("values", values, dvalues), *[(f"state {k}", s, d) for k, (s, d) in enumerate(zip(states, dstates))]]
    checks += [("x", x, dx)] if not ids else []
    checks += list(zip(layer.weight_names, layer.weights, grads))
    for name, array, analytic in checks:
        numeric = numerical_gradient(loss, array)
        assert np.abs(numeric).max() > 1e-6, name
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8, err_msg=name)
    # the masks acted: without them the same layer computes other outputs
    assert np.abs(layer.forward(x, states, memory(), mask)[0][0] - out[0]).max() > 1e-3


@pytest.mark.parametrize("kind, feeding", KINDS)
def test_masks_drawn_once_per_call_over_the_cells_input(kind, feeding):
    """One draw per call from the generator, as ``draw_masks`` of the wrapped cell (input width
    D + E, one mask per gate with recurrent_dropout, inputs first); the cache keeps them."""
    _, layer, x, states, values, _, _ = setup("lstm", kind, feeding, masked=False)
    with_rates(layer, "both")
    _, cache = layer.forward(x, states, layer.memory(values), training=True, rng=np.random.default_rng(5))
    expected = draw_masks(layer.rnn, N, np.random.default_rng(5))
    extra = layer.rnn.input_dim - D
    assert cache.dropout.inputs.shape == (4, N, D + extra) and cache.dropout.recurrent.shape == (4, N, H)
    np.testing.assert_array_equal(cache.dropout.inputs, expected.inputs)
    np.testing.assert_array_equal(cache.dropout.recurrent, expected.recurrent)
    assert cache.rnn.dropout.inputs.shape == (4, N, D)          # the x part, as Recurrent reads it


def test_inference_is_untouched_and_training_needs_masks():
    _, layer, x, states, values, vmask, mask = setup("gru", "bahdanau", False, masked=True)
    plain = [o.copy() for o in layer.forward(x, states, layer.memory(values, vmask), mask)[0]]
    with_rates(layer, "both")
    for a, b in zip(layer.forward(x, states, layer.memory(values, vmask), mask)[0], plain):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="needs an rng"):
        layer.forward(x, states, layer.memory(values, vmask), mask, training=True)
    with pytest.raises(ValueError, match="dropout_masks.inputs"):
        layer.forward(x, states, layer.memory(values, vmask), mask, training=True,
                      dropout_masks=RNNDropoutMasks(np.ones((3, N, D)), None))


@pytest.mark.parametrize("kind, feeding", KINDS)
def test_lengths_are_the_mask_of_the_real_steps(kind, feeding):
    _, layer, x, states, values, vmask, _ = setup("lstm", kind, feeding, masked=False)
    lengths = np.array([4, 2, 1])
    mask = np.arange(T)[None, :] < lengths[:, None]
    a, cache_a = layer.forward(x, states, layer.memory(values, vmask), lengths=lengths)
    b, cache_b = layer.forward(x, states, layer.memory(values, vmask), mask)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    douts = [np.ones_like(o) for o in a]
    for u, v in zip(layer.backward(douts, cache_a)[1], layer.backward(douts, cache_b)[1]):
        np.testing.assert_array_equal(u, v)
    with pytest.raises(ValueError, match="lengths must be"):
        layer.forward(x, states, layer.memory(values), lengths=np.array([5, 1, 1]))
    with pytest.raises(ValueError, match="not both"):
        layer.forward(x, states, layer.memory(values), mask, lengths=lengths)


