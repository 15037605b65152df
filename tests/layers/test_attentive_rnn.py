"""AttentiveRNN (attention inside the recurrence) against finite differences, float64:
every weight, the inputs, the initial states (ã_0 included), the memory; Bahdanau and
Luong general (with and without input feeding), LSTM and GRU, with and without a step
mask and a memory mask. And the loop against its own one-step path (``step``)."""
import numpy as np
import pytest

from npseq2seq.gradcheck import numerical_gradient
from npseq2seq.layers import GRU, LSTM, BahdanauAttention, GeneralAttention
from npseq2seq.layers.attentive_rnn import AttentiveRNN
from npseq2seq.layers.projection import outer_over_time

N, T, TE, D, H = 3, 4, 5, 3, 4
KINDS = [("bahdanau", False), ("luong_general", True), ("luong_general", False)]


def make(cell, kind, feeding, rng, reset_after=True):
    extra = H if kind == "bahdanau" or feeding else 0
    kwargs = {"reset_after": reset_after} if cell == "gru" else {}
    rnn = (LSTM if cell == "lstm" else GRU)(H, D + extra, True, True, dtype="float64", rng=rng, **kwargs)
    score = BahdanauAttention(H, H, "float64", rng) if kind == "bahdanau" else GeneralAttention(H, "float64", rng)
    layer = AttentiveRNN(rnn, score, kind, feeding, rng, name="dec")
    for w in layer.weights:                       # random everywhere, biases included
        w[...] = rng.normal(scale=0.5, size=w.shape)
    return layer


def setup(cell, kind, feeding, masked, ids=False, seed=0):
    rng = np.random.default_rng(seed)
    layer = make(cell, kind, feeding, rng)
    x = rng.integers(-1 if not masked else 0, D, size=(N, T)) if ids else rng.normal(size=(N, T, D))
    states = [rng.normal(size=(N, H)) for _ in range(layer.state_size)]
    values = rng.normal(size=(N, TE, H))
    mask = vmask = None
    if masked:
        mask = np.ones((N, T), bool)
        mask[0, 2:] = False
        mask[1, 3] = False
        vmask = np.ones((N, TE), bool)
        vmask[0, 3:] = False
        vmask[2, 1:] = False
    return rng, layer, x, states, values, vmask, mask


@pytest.mark.parametrize("kind, feeding", KINDS)
@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("masked", [False, True])
def test_gradients_match_finite_differences(cell, kind, feeding, masked):
    rng, layer, x, states, values, vmask, mask = setup(cell, kind, feeding, masked)
    out, _ = layer.forward(x, states, layer.memory(values, vmask), mask)
    douts = [rng.normal(size=o.shape) for o in out]

    def loss():
        out, _ = layer.forward(x, states, layer.memory(values, vmask), mask)
        return sum(float(np.sum(o * d)) for o, d in zip(out, douts))

    _, cache = layer.forward(x, states, layer.memory(values, vmask), mask)
    dx, dstates, dvalues, grads = layer.backward(douts, cache)
    checks = [("x", x, dx), ("values", values, dvalues)]
    checks += [(f"state {k}", s, d) for k, (s, d) in enumerate(zip(states, dstates))]
    checks += [(name, w, g) for name, w, g in zip(layer.weight_names, layer.weights, grads)]
    assert len(dstates) == layer.state_size and len(grads) == len(layer.weights)
    for name, array, analytic in checks:
        numeric = numerical_gradient(loss, array)
        assert np.abs(numeric).max() > 1e-6, name          # the check is not vacuous
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8, err_msg=name)


@pytest.mark.parametrize("kind, feeding", KINDS)
def test_token_ids_and_gru_without_reset_after(kind, feeding):
    """Ids gather kernel rows (the extra rows get only the loop's gradient); GRU with
    reset_after=False forms U's gradient from r ⊙ h₋₁ (its own weight_gradients)."""
    rng = np.random.default_rng(3)
    layer = make("gru", kind, feeding, rng, reset_after=False)
    x = rng.integers(-1, D, size=(N, T))
    states = [rng.normal(size=(N, H)) for _ in range(layer.rnn.state_size)]   # ã_0 left out: zeros
    values = rng.normal(size=(N, TE, H))
    out, cache = layer.forward(x, states, layer.memory(values))
    douts = [rng.normal(size=o.shape) for o in out]
    dx, dstates, dvalues, grads = layer.backward(douts, cache)
    assert dx is None and len(dstates) == layer.rnn.state_size

    def loss():
        out, _ = layer.forward(x, states, layer.memory(values))
        return sum(float(np.sum(o * d)) for o, d in zip(out, douts))

    for name, array, analytic in [("values", values, dvalues), ("h0", states[0], dstates[0]),
                                  *zip(layer.weight_names, layer.weights, grads)]:
        np.testing.assert_allclose(analytic, numerical_gradient(loss, array), rtol=1e-6, atol=1e-8,
                                   err_msg=name)


@pytest.mark.parametrize("kind, feeding", KINDS)
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_step_equals_forward(cell, kind, feeding):
    """``step`` run T times gives forward's outputs, states and alignments to the last bit."""
    _, layer, x, states, values, vmask, mask = setup(cell, kind, feeding, masked=True)
    memory = layer.memory(values, vmask)
    (out, *final), cache = layer.forward(x, states, memory, mask)
    xw = layer.project(np.swapaxes(x, 0, 1))
    current = states
    for t in range(T):
        y, current, _, weights = layer.step(xw[t].copy(), current, memory, mask[:, t])
        np.testing.assert_array_equal(y, out[:, t])
        np.testing.assert_array_equal(weights, cache.weights[:, t])
    for a, b in zip(current, final):
        np.testing.assert_array_equal(a, b)


def test_memory_mask_gives_padding_no_weight():
    _, layer, x, states, values, vmask, mask = setup("lstm", "bahdanau", False, masked=True)
    _, cache = layer.forward(x, states, layer.memory(values, vmask), mask)
    assert np.all(cache.weights[np.broadcast_to(~vmask[:, None], cache.weights.shape)] < 1e-300)
    np.testing.assert_allclose(cache.weights.sum(-1), 1.0)


def test_bad_arguments_are_named():
    rng = np.random.default_rng(0)
    rnn = LSTM(H, D, True, True, dtype="float64", rng=rng)
    with pytest.raises(ValueError, match="input feeding"):
        AttentiveRNN(rnn, BahdanauAttention(H, H, "float64", rng), "bahdanau", input_feeding=True)
    layer = make("lstm", "bahdanau", False, rng)
    with pytest.raises(ValueError, match="memory must be"):
        layer.memory(np.zeros((N, TE, H + 1)))
    with pytest.raises(ValueError, match="initial_state must be"):
        layer.forward(np.zeros((N, T, D)), [np.zeros((N, H))], layer.memory(np.zeros((N, TE, H))))


def test_outer_over_time_is_the_sum_of_the_steps_outer_products():
    """The backward's sums over the steps (``projection.outer_over_time``) against the step-by-step
    additions they replace, on strided views as the backward passes them."""
    rng = np.random.default_rng(3)
    a = rng.normal(size=(6, 4, 7 + 2))[..., 1:8]            # (T, N, P), not contiguous
    b = rng.normal(size=(6, 4, 5))
    expected = np.zeros((4, 7, 5))
    for t in range(6):
        expected += a[t][:, :, None] * b[t][:, None, :]
    np.testing.assert_allclose(outer_over_time(a, b), expected, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("kind, feeding", KINDS)
@pytest.mark.parametrize("masked", [False, True])
def test_float32_backward_agrees_with_float64(kind, feeding, masked):
    """In float32 (the buffers the loop keeps for the sums after it are of the layer's dtype)
    every gradient equals the float64 layer's to float32's rounding."""
    rng, layer, x, states, values, vmask, mask = setup("lstm", kind, feeding, masked)
    out, cache = layer.forward(x, states, layer.memory(values, vmask), mask)
    douts = [rng.normal(size=o.shape) for o in out]
    expected = layer.backward(douts, cache)
    rng32 = np.random.default_rng(0)
    layer32 = AttentiveRNN(LSTM(H, layer.rnn.input_dim, True, True, dtype="float32", rng=rng32),
                           BahdanauAttention(H, H, "float32", rng32) if kind == "bahdanau"
                           else GeneralAttention(H, "float32", rng32), kind, feeding, rng32, name="dec")
    for w32, w in zip(layer32.weights, layer.weights):
        w32[...] = w
    f32 = [np.asarray(a, np.float32) for a in (x, values)]
    _, cache32 = layer32.forward(f32[0], [s.astype(np.float32) for s in states], layer32.memory(f32[1], vmask), mask)
    got = layer32.backward([d.astype(np.float32) for d in douts], cache32)
    dx, dstates, dvalues, grads = got
    for name, g, e in [("x", dx, expected[0]), ("values", dvalues, expected[2]),
                       *[(f"state {k}", a, b) for k, (a, b) in enumerate(zip(dstates, expected[1]))],
                       *zip(layer.weight_names, grads, expected[3])]:
        assert g.dtype == np.float32, name
        np.testing.assert_allclose(g, e, rtol=2e-4, atol=2e-5 * np.abs(e).max(), err_msg=name)
