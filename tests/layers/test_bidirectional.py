"""Bidirectional: the two directions against their layers run by hand (the backward one on
each row's real steps reversed), the masked outputs zeroed, every gradient against
finite differences (sequences or last outputs, states, masks, packed lengths, ids).
Its Keras parity is checked inside whole models (tests/model/test_parity_deep.py)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npseq2seq import GRU, LSTM
from npseq2seq.layers import Bidirectional
from tests.gradutil import assert_gradient

CELLS = {"lstm": LSTM, "gru": GRU}


def bidirectional(rng, cell, units, input_dim, return_sequences=True, return_state=True):
    layers = [CELLS[cell](units, input_dim, return_sequences=return_sequences, return_state=return_state,
                          dtype="float64", rng=rng, name=f"{side}_{cell}") for side in ("forward", "backward")]
    for layer in layers:
        layer.bias[...] = rng.normal(size=layer.bias.shape)   # a zero bias would hide bias bugs
    return Bidirectional(*layers)


def padded_mask(rng, n, t):
    """(n, t) True on each row's first 1..t steps (padding at the end), one full row."""
    lengths = rng.integers(1, t + 1, size=n)
    lengths[0] = t
    return np.arange(t)[None, :] < lengths[:, None]


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_directions_are_the_layers_run_forwards_and_on_the_reversed_real_steps(cell):
    rng = np.random.default_rng(0)
    layer = bidirectional(rng, cell, 3, 4)
    x, mask = rng.normal(size=(4, 5, 4)), padded_mask(rng, 4, 5)
    (out, *states), _ = layer.forward(x, mask=mask)
    k = layer.forward_layer.state_size
    assert out.shape == (4, 5, 6) and len(states) == 2 * k
    for row in range(4):
        steps = int(mask[row].sum())
        (fw_seq, *fw_states), _ = layer.forward_layer.forward(x[row:row + 1, :steps])
        (bw_seq, *bw_states), _ = layer.backward_layer.forward(x[row:row + 1, :steps][:, ::-1])
        np.testing.assert_allclose(out[row, :steps, :3], fw_seq[0], atol=1e-14)
        np.testing.assert_allclose(out[row, :steps, 3:], bw_seq[0, ::-1], atol=1e-14)
        np.testing.assert_array_equal(out[row, steps:], 0)          # zero_output_for_mask
        for ours, theirs in zip(states, fw_states + bw_states):
            np.testing.assert_allclose(ours[row], theirs[0], atol=1e-14)


def test_last_outputs_and_final_states_without_a_mask():
    """return_sequences=False: [y_T ; y'_1], the two final h; final_states is forward's."""
    rng = np.random.default_rng(1)
    layer = bidirectional(rng, "lstm", 2, 3, return_sequences=False)
    ids = rng.integers(-1, 3, size=(3, 4))                  # one-hot rows as ids, -1 all-zero
    (out, h_fw, c_fw, h_bw, c_bw), _ = layer.forward(ids)
    np.testing.assert_array_equal(out, np.concatenate([h_fw, h_bw], axis=1))
    for a, b in zip(layer.final_states(ids), [h_fw, c_fw, h_bw, c_bw], strict=True):
        np.testing.assert_array_equal(a, b)


def test_packed_lengths_equal_the_mask():
    rng = np.random.default_rng(2)
    layer = bidirectional(rng, "gru", 3, 2)
    x = rng.normal(size=(4, 5, 2))
    lengths = np.array([5, 4, 2, 1])
    masked, _ = layer.forward(x, mask=np.arange(5)[None] < lengths[:, None])
    packed, _ = layer.forward(x, lengths=lengths)
    for a, b in zip(masked, packed, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-15)


def test_weights_are_forward_then_backward_and_mismatched_layers_are_refused():
    rng = np.random.default_rng(3)
    layer = bidirectional(rng, "lstm", 2, 3)
    assert layer.weight_names == ("forward_lstm/kernel", "forward_lstm/recurrent_kernel", "forward_lstm/bias",
                                  "backward_lstm/kernel", "backward_lstm/recurrent_kernel", "backward_lstm/bias")
    assert layer.weights[0] is layer.forward_layer.kernel and layer.weights[3] is layer.backward_layer.kernel
    with pytest.raises(ValueError, match="must agree on units"):
        Bidirectional(LSTM(2, 3), LSTM(3, 3))
    with pytest.raises(ValueError, match="of one kind"):
        Bidirectional(LSTM(2, 3), GRU(2, 3))
    with pytest.raises(ValueError, match="initial_state must be a list of 4 arrays"):
        layer.forward(rng.normal(size=(1, 2, 3)), initial_state=[np.zeros((1, 2))] * 2)


sizes = st.integers(1, 3)


@settings(max_examples=12, deadline=None)
@given(n=sizes, t=sizes, d=sizes, h=sizes, cell=st.sampled_from(["lstm", "gru"]),
       sequences=st.booleans(), how=st.sampled_from(["none", "mask", "lengths"]), seed=st.integers(0, 2**16))
def test_every_gradient_matches_finite_differences(n, t, d, h, cell, sequences, how, seed):
    rng = np.random.default_rng(seed)
    layer = bidirectional(rng, cell, h, d, return_sequences=sequences)
    x = rng.normal(size=(n, t, d))
    initial = [rng.normal(size=(n, h)) for _ in range(layer.state_size)]
    mask = padded_mask(rng, n, t)
    lengths = np.sort(mask.sum(axis=1))[::-1]
    kwargs = {"none": {}, "mask": {"mask": mask}, "lengths": {"lengths": lengths}}[how]
    (out, *states), _ = layer.forward(x, initial, **kwargs)
    weights = [rng.normal(size=out.shape)] + [rng.normal(size=s.shape) for s in states]

    def loss():
        (o, *s), _ = layer.forward(x, initial, **kwargs)
        return sum(float((w * a).sum()) for w, a in zip(weights, [o, *s]))

    outputs, cache = layer.forward(x, initial, **kwargs)
    dx, dinitial, grads = layer.backward(weights, cache)
    assert_gradient(loss, x, dx, "inputs")
    for k, s in enumerate(initial):
        assert_gradient(loss, s, dinitial[k], f"initial state {k}")
    for name, w, g in zip(layer.weight_names, layer.weights, grads, strict=True):
        assert_gradient(loss, w, g, name)
