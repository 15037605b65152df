"""LSTM and Dense: forward against the written-out equations, backward against finite differences."""
import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from npseq2seq.layers import GRU, LSTM, Dense
from npseq2seq.ops import GateActivation, glorot_uniform, matmul_rows, orthogonal, scatter_add_rows, sigmoid, softmax
from tests.gradutil import assert_gradient

sizes = st.integers(min_value=1, max_value=3)


def random_lstm(rng, units, input_dim, **kw):
    layer = LSTM(units, input_dim, dtype="float64", rng=rng, **kw)
    layer.bias[:] = rng.normal(size=layer.bias.shape)   # a zero bias would hide bias bugs
    return layer


def naive_lstm(x, h, c, W, U, b):
    """The Keras equations, one gate at a time, no fused arrays."""
    H = h.shape[1]
    Wi, Wf, Wc, Wo = (W[:, k * H:(k + 1) * H] for k in range(4))
    Ui, Uf, Uc, Uo = (U[:, k * H:(k + 1) * H] for k in range(4))
    bi, bf, bc, bo = (b[k * H:(k + 1) * H] for k in range(4))
    hs = []
    for t in range(x.shape[1]):
        xt = x[:, t]
        i = 1 / (1 + np.exp(-(xt @ Wi + h @ Ui + bi)))
        f = 1 / (1 + np.exp(-(xt @ Wf + h @ Uf + bf)))
        g = np.tanh(xt @ Wc + h @ Uc + bc)
        o = 1 / (1 + np.exp(-(xt @ Wo + h @ Uo + bo)))
        c = f * c + i * g
        h = o * np.tanh(c)
        hs.append(h)
    return np.stack(hs, 1), h, c


def test_lstm_forward_matches_the_equations():
    rng = np.random.default_rng(1)
    layer = random_lstm(rng, 5, 4, return_sequences=True, return_state=True)
    x, h0, c0 = rng.normal(size=(3, 6, 4)), rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    (seq, h, c), _ = layer.forward(x, [h0, c0])
    ref_seq, ref_h, ref_c = naive_lstm(x, h0, c0, layer.kernel, layer.recurrent_kernel, layer.bias)
    np.testing.assert_allclose(seq, ref_seq, atol=1e-14)
    np.testing.assert_allclose(h, ref_h, atol=1e-14)
    np.testing.assert_allclose(c, ref_c, atol=1e-14)


@settings(max_examples=12, deadline=None)
@given(n=sizes, t=sizes, d=sizes, h=sizes, return_sequences=st.booleans(), seed=st.integers(0, 2**16))
@example(n=2, t=3, d=4, h=5, return_sequences=True, seed=0)    # always: distinct sizes, all >= 2
def test_lstm_gradients(n, t, d, h, return_sequences, seed):
    rng = np.random.default_rng(seed)
    layer = random_lstm(rng, h, d, return_sequences=return_sequences, return_state=True)
    x, h0, c0 = rng.normal(size=(n, t, d)), rng.normal(size=(n, h)), rng.normal(size=(n, h))
    out_shape = (n, t, h) if return_sequences else (n, h)
    dout, dh, dc = rng.normal(size=out_shape), rng.normal(size=(n, h)), rng.normal(size=(n, h))

    def f():
        (out, hT, cT), _ = layer.forward(x, [h0, c0])
        return np.sum(out * dout) + np.sum(hT * dh) + np.sum(cT * dc)

    _, cache = layer.forward(x, [h0, c0])
    dx, (dh0, dc0), (dW, dU, db) = layer.backward([dout, dh, dc], cache)
    for name, arr, grad in [("x", x, dx), ("h0", h0, dh0), ("c0", c0, dc0), ("kernel", layer.kernel, dW),
                            ("recurrent_kernel", layer.recurrent_kernel, dU), ("bias", layer.bias, db)]:
        assert_gradient(f, arr, grad, name)


@pytest.mark.parametrize("cell, reset_after", [("lstm", None), ("gru", True), ("gru", False)])
@pytest.mark.parametrize("n, steps", [(5, 7), (1, 4)])
def test_token_ids_equal_one_hot_inputs_exactly(cell, reset_after, n, steps):
    """The row gather (and its scatter-add backward) gives the one-hot GEMM's numbers: 35
    ids are gathered from the input table, 4 (fewer than its 7 rows) from the kernel."""
    rng = np.random.default_rng(2)
    if cell == "lstm":
        layer = random_lstm(rng, 4, 6, return_sequences=True, return_state=True)
    else:
        layer = GRU(4, 6, reset_after=reset_after, return_sequences=True, return_state=True,
                    dtype="float64", rng=rng)
        layer.bias[...] = rng.normal(size=layer.bias.shape)   # a zero bias would hide bias bugs
    ids = rng.integers(-1, 6, size=(n, steps))    # -1: an all-zero (zero-padding) row
    ids[0, 0] = -1
    one_hot = np.zeros((n, steps, 6))
    mask = ids >= 0
    one_hot[mask, ids[mask]] = 1.0
    initial = [rng.normal(size=(n, 4)) for _ in range(layer.state_size)]
    out_ids, cache_ids = layer.forward(ids, initial)
    out_oh, cache_oh = layer.forward(one_hot, initial)
    for a, b in zip(out_ids, out_oh):
        np.testing.assert_array_equal(a, b)
    douts = [rng.normal(size=a.shape) for a in out_ids]
    dx_ids, dinitial_ids, grads_ids = layer.backward(douts, cache_ids)
    _, dinitial_oh, grads_oh = layer.backward(douts, cache_oh)
    assert dx_ids is None
    for a, b in zip(dinitial_ids, dinitial_oh):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(grads_ids, grads_oh):
        np.testing.assert_allclose(a, b, atol=1e-13)


def test_lstm_without_return_state_and_default_initial_state():
    """No initial state is h0 = c0 = 0: the output is the last h of a run from explicit zeros."""
    rng = np.random.default_rng(3)
    layer = random_lstm(rng, 3, 2)
    x = rng.normal(size=(2, 4, 2))
    out, cache = layer.forward(x)
    assert out.shape == (2, 3)
    full = LSTM(3, 2, return_sequences=True, return_state=True, dtype="float64")
    full.set_weights(layer.get_weights())
    (seq, h, c), _ = full.forward(x, [np.zeros((2, 3)), np.zeros((2, 3))])
    np.testing.assert_array_equal(out, h)
    np.testing.assert_array_equal(seq[:, -1], h)
    dx, dstate, grads = layer.backward(np.ones((2, 3)), cache)
    assert dx.shape == x.shape and len(dstate) == 2 and len(grads) == 3


def test_lstm_keras_default_initialisers():
    layer = LSTM(8, 5, rng=np.random.default_rng(0))
    assert layer.kernel.shape == (5, 32) and layer.recurrent_kernel.shape == (8, 32)
    assert layer.kernel.dtype == np.float32
    np.testing.assert_array_equal(layer.bias, np.r_[np.zeros(8), np.ones(8), np.zeros(16)])
    limit = np.sqrt(6 / (5 + 32))
    assert np.abs(layer.kernel).max() <= limit
    u = layer.recurrent_kernel.astype(np.float64)
    np.testing.assert_allclose(u @ u.T, np.eye(8), atol=1e-6)   # orthonormal rows


def test_initialisers_shapes_and_properties():
    rng = np.random.default_rng(0)
    q = orthogonal(rng, (12, 3), np.float64)
    np.testing.assert_allclose(q.T @ q, np.eye(3), atol=1e-12)
    g = glorot_uniform(rng, (400, 600), np.float64)
    assert abs(g.std() - np.sqrt(6 / 1000) / np.sqrt(3)) < 2e-3


@pytest.mark.parametrize("activation", [None, "softmax"])
def test_dense_gradients(activation):
    rng = np.random.default_rng(4)
    layer = Dense(5, 3, activation=activation, dtype="float64", rng=rng)
    layer.bias[:] = rng.normal(size=5)
    x, dout = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 5))
    f = lambda: np.sum(layer.forward(x)[0] * dout)
    out, cache = layer.forward(x)
    dx, (dW, db) = layer.backward(dout, cache)
    for name, arr, grad in [("x", x, dx), ("kernel", layer.kernel, dW), ("bias", layer.bias, db)]:
        assert_gradient(f, arr, grad, name)
    if activation == "softmax":
        np.testing.assert_allclose(out, softmax(cache.logits))
        np.testing.assert_allclose(out.sum(-1), 1.0)


def test_sigmoid_is_the_plain_logistic_and_stable():
    x = np.array([-1000.0, -2.0, 0.0, 2.0, 1000.0])
    # σ(x) = 1 / (1 + e^-x): σ(±2) = 1 / (1 + e^∓2), σ(0) = 1/2; e^-1000 underflows to 0
    # (σ(1000) = 1) and e^1000 would overflow (σ(-1000) ≈ e^-1000, 0 in float64)
    np.testing.assert_allclose(sigmoid(x.copy()),
                               [0.0, 1 / (1 + math.exp(2)), 0.5, 1 / (1 + math.exp(-2)), 1.0], rtol=1e-15)


@pytest.mark.parametrize("num_rows", [7, 3000])   # both the one-hot GEMM and the sorted paths
def test_scatter_add_rows_accumulates_repeated_ids(num_rows):
    rng = np.random.default_rng(5)
    ids = rng.integers(-1, num_rows, size=500)
    ids[:50] = 3                                   # many repeats
    rows = rng.normal(size=(500, 4))
    expected = np.zeros((num_rows, 4))
    keep = ids >= 0
    np.add.at(expected, ids[keep], rows[keep])
    np.testing.assert_allclose(scatter_add_rows(num_rows, ids, rows), expected, atol=1e-12)
    assert not scatter_add_rows(num_rows, np.full(3, -1), rows[:3]).any()


def test_bad_inputs_name_the_problem():
    layer = LSTM(3, 4)
    with pytest.raises(ValueError, match=r"\(batch, time, 4\)"):
        layer.forward(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match="token ids"):
        layer.forward(np.full((2, 5), 4))
    with pytest.raises(ValueError, match="initial_state"):
        layer.forward(np.zeros((2, 5, 4)), [np.zeros((2, 3))])
    with pytest.raises(ValueError, match="expected shape"):
        layer.set_weights([np.zeros((4, 12)), np.zeros((3, 12)), np.zeros(11)])


@settings(max_examples=8, deadline=None)
@given(n=sizes, t=st.integers(1, 4), d=sizes, h=sizes, seed=st.integers(0, 2**16))
@example(n=2, t=3, d=4, h=5, seed=3)    # always: distinct sizes >= 2; mask [[0, 1, 0], [1, 0, 1]]
def test_lstm_mask_skips_steps_and_its_gradients(n, t, d, h, seed):
    rng = np.random.default_rng(seed)
    layer = random_lstm(rng, h, d, return_sequences=True, return_state=True)
    x, h0, c0 = rng.normal(size=(n, t, d)), rng.normal(size=(n, h)), rng.normal(size=(n, h))
    mask = rng.random((n, t)) < 0.6
    douts = [rng.normal(size=(n, t, h)), rng.normal(size=(n, h)), rng.normal(size=(n, h))]

    def f():
        outs, _ = layer.forward(x, [h0, c0], mask=mask)
        return sum(np.sum(o * d_) for o, d_ in zip(outs, douts))

    (seq, hT, cT), cache = layer.forward(x, [h0, c0], mask=mask)
    # a skipped step repeats the previous output (Keras's default, zero_output_for_mask=False)
    prev = np.concatenate([h0[:, None], seq[:, :-1]], axis=1)
    np.testing.assert_array_equal(seq[~mask], prev[~mask])
    dx, (dh0, dc0), grads = layer.backward(douts, cache)
    assert not dx[~mask].any()
    for name, arr, grad in [("x", x, dx), ("h0", h0, dh0), ("c0", c0, dc0),
                            *zip(layer.weight_names, layer.weights, grads)]:
        assert_gradient(f, arr, grad, name)


def test_embedding_gradient_accumulates_repeated_tokens():
    from npseq2seq.layers import Embedding
    rng = np.random.default_rng(6)
    layer = Embedding(6, 3, mask_zero=True, dtype="float64", rng=rng)
    ids = np.array([[1, 2, 2, 0], [5, 2, 0, 0]])
    dout = rng.normal(size=(2, 4, 3))
    out, cache = layer.forward(ids)
    np.testing.assert_array_equal(out, layer.embeddings[ids])
    _, (demb,) = layer.backward(dout, cache)
    assert_gradient(lambda: np.sum(layer.forward(ids)[0] * dout), layer.embeddings, demb, "embeddings")
    np.testing.assert_allclose(demb[2], dout[0, 1] + dout[0, 2] + dout[1, 1])
    _, (as_rows,) = layer.backward(dout, cache, as_rows=True)   # one row per lookup, as Keras's
    np.testing.assert_array_equal(as_rows.ids, ids.reshape(-1))  # optimisers receive it
    assert as_rows.shape == demb.shape and as_rows.rows.shape == (8, 3)
    np.testing.assert_allclose(as_rows.dense(), demb, rtol=0, atol=1e-15)
    np.testing.assert_allclose(as_rows.squares()[2],
                               dout[0, 1] ** 2 + dout[0, 2] ** 2 + dout[1, 1] ** 2, rtol=1e-15)
    np.testing.assert_array_equal(layer.compute_mask(ids), ids != 0)
    assert np.abs(layer.embeddings).max() <= 0.05
    with pytest.raises(ValueError, match=r"token ids must lie in \[0, 6\)"):
        layer.forward(np.array([[6]]))


@pytest.mark.parametrize("dtype, tol", [("float64", 2e-16), ("float32", 2e-7)])
def test_gate_activation_is_sigmoid_and_tanh_by_block(dtype, tol):
    rng = np.random.default_rng(9)
    z = (rng.normal(scale=6.0, size=(5, 8)) * [1, 1, 1, 1, 1, 1, 100, 1]).astype(dtype)
    act = GateActivation.for_blocks("stst", 2, dtype)       # σ, tanh, σ, tanh blocks of 2 columns
    a = act(z.copy())
    expected = np.where(np.repeat([1, 0, 1, 0], 2).astype(bool),
                        sigmoid(z.astype(np.float64)), np.tanh(z.astype(np.float64)))
    assert a.dtype == dtype
    np.testing.assert_allclose(a, expected, rtol=0, atol=tol)   # rounding of tanh, not an approximation
    d = act.derivative(a, np.empty_like(a))
    ad = a.astype(np.float64)
    np.testing.assert_allclose(d, np.where(np.repeat([1, 0, 1, 0], 2).astype(bool), ad * (1 - ad), 1 - ad * ad),
                               rtol=0, atol=4 * tol)


def test_dense_on_a_time_major_view_equals_dense_on_contiguous_rows():
    """A recurrent layer's sequence is a (N, T, H) view of (T, N, H): Dense must give the same
    outputs and gradients as on a contiguous copy, without reordering copies."""
    rng = np.random.default_rng(10)
    layer = Dense(5, 3, activation="softmax", dtype="float64", rng=rng)
    view = np.swapaxes(rng.normal(size=(4, 2, 3)), 0, 1)           # (N=2, T=4, H=3) view
    copy = np.ascontiguousarray(view)
    out_v, cache_v = layer.forward(view)
    out_c, cache_c = layer.forward(copy)
    np.testing.assert_allclose(out_v, out_c, rtol=0, atol=1e-15)
    assert np.shares_memory(np.swapaxes(cache_v.logits, 0, 1).reshape(-1), cache_v.logits)   # no copy
    dlogits = rng.normal(size=out_c.shape)
    for d in (dlogits, np.swapaxes(np.ascontiguousarray(np.swapaxes(dlogits, 0, 1)), 0, 1)):
        dx_v, grads_v = layer.backward_logits(d, cache_v)
        dx_c, grads_c = layer.backward_logits(d, cache_c)
        np.testing.assert_allclose(dx_v, dx_c, rtol=0, atol=1e-14)
        for a, b in zip(grads_v, grads_c):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-14)


def test_dense_without_activation_returns_the_logits_only():
    layer = Dense(4, 3, activation="softmax", dtype="float64", rng=np.random.default_rng(11))
    x = np.random.default_rng(12).normal(size=(2, 3))
    logits, cache = layer.forward(x, activate=False)
    probs, full = layer.forward(x)
    np.testing.assert_array_equal(logits, full.logits)
    assert cache.outputs is None and np.allclose(probs, softmax(logits))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_step_forward_with_a_mask_is_one_masked_step_of_forward(cell):
    """Decoding runs single steps; a masked row keeps its states exactly as in ``forward``."""
    rng = np.random.default_rng(11)
    layer = (LSTM if cell == "lstm" else GRU)(3, 4, return_state=True, dtype="float64", rng=rng)
    layer.bias[...] = rng.normal(size=layer.bias.shape)
    x = rng.normal(size=(5, 1, 4))
    initial = [rng.normal(size=(5, 3)) for _ in range(layer.state_size)]
    mask = np.array([True, False, True, False, True])
    (_, *expected), _ = layer.forward(x, initial, mask=mask[:, None])
    states, _ = layer.step_forward(layer.project_inputs(np.swapaxes(x, 0, 1))[0], initial, mask)
    for got, want, before in zip(states, expected, initial):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)
        np.testing.assert_array_equal(got[~mask], before[~mask])
        assert not np.allclose(got[mask], before[mask])


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("inputs", ["ids", "floats"])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("n", [40, 3, 1])
def test_final_states_are_forwards_final_states_bit_for_bit(cell, inputs, masked, n):
    """The inference path (no training cache) computes the very numbers ``forward`` does,
    with random initial states and biases, ids with zero padding (-1) or float inputs, and
    a mask; in float32, where a different order of operations would show. Ids: 40 or 3
    sentences are gathered step by step from the input table; one sentence's 7 ids are
    fewer than the table's 9 rows, and are gathered from the kernel all at once."""
    rng = np.random.default_rng(5)
    layer = (LSTM if cell == "lstm" else GRU)(6, 9, return_state=True, dtype="float32", rng=rng)
    layer.bias[...] = rng.normal(size=layer.bias.shape)
    x = rng.integers(-1, 9, size=(n, 7)) if inputs == "ids" else rng.normal(size=(n, 7, 9))
    initial = [rng.normal(size=(n, 6)).astype("float32") for _ in range(layer.state_size)]
    mask = rng.random((n, 7)) < 0.7 if masked else None
    (_, *expected), _ = layer.forward(x, initial, mask=mask)
    kept = [s.copy() for s in initial]
    got = layer.final_states(x, initial, mask=mask)
    assert len(got) == layer.state_size
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
    for s, k in zip(initial, kept):                  # its state buffers are its own
        np.testing.assert_array_equal(s, k)


@pytest.mark.parametrize("shape", [(5,), (4, 5), (3, 4, 5), (2, 3, 4, 5)])
@pytest.mark.parametrize("contiguous", [True, False])
def test_matmul_rows_is_matmul_as_one_gemm(shape, contiguous):
    rng = np.random.default_rng(9)
    a, b = rng.normal(size=shape), rng.normal(size=(5, 6))
    if not contiguous and len(shape) > 1:
        a = np.swapaxes(rng.normal(size=shape[-2::-1] + (5,)), 0, len(shape) - 2)
    got = matmul_rows(a, b)
    assert got.shape == a.shape[:-1] + (6,)
    np.testing.assert_allclose(got, a @ b, rtol=1e-13, atol=1e-13)


def test_dense_activation_error_names_every_accepted_value():
    with pytest.raises(ValueError, match=r"must be None, 'linear' or 'softmax', got 'relu'"):
        Dense(4, 3, activation="relu")
    assert Dense(4, 3, activation="linear").activation is None     # "linear" is accepted: no activation
