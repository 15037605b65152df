"""GRU: the layer against its equations written out, every gradient against finite
differences (both reset_after modes). Seq2Seq(cell="gru") trained end to end: the
trained-model and whole-model gradient tests of test_model.py, parametrised over the cell."""
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from npseq2seq import GRU, Seq2Seq
from tests.gradutil import assert_gradient

sizes = st.integers(min_value=1, max_value=3)
reset_after_modes = pytest.mark.parametrize("reset_after", [True, False])


def random_gru(rng, units, input_dim, reset_after, **kw):
    layer = GRU(units, input_dim, reset_after=reset_after, dtype="float64", rng=rng, **kw)
    layer.bias[...] = rng.normal(size=layer.bias.shape)   # a zero bias would hide bias bugs
    return layer


def sig(a):
    return 1 / (1 + np.exp(-a))


def naive_gru(x, h, W, U, b, reset_after):
    """Keras's GRU equations, one gate at a time, no fused arrays."""
    H = h.shape[1]
    Wz, Wr, Wh = (W[:, k * H:(k + 1) * H] for k in range(3))
    Uz, Ur, Uh = (U[:, k * H:(k + 1) * H] for k in range(3))
    if reset_after:
        b_in, b_rec = b
    else:
        b_in, b_rec = b, np.zeros_like(b)
    bz, br, bh = (b_in[k * H:(k + 1) * H] for k in range(3))
    cz, cr, ch = (b_rec[k * H:(k + 1) * H] for k in range(3))
    hs = []
    for t in range(x.shape[1]):
        xt = x[:, t]
        z = sig(xt @ Wz + bz + h @ Uz + cz)
        r = sig(xt @ Wr + br + h @ Ur + cr)
        if reset_after:
            hh = np.tanh(xt @ Wh + bh + r * (h @ Uh + ch))
        else:
            hh = np.tanh(xt @ Wh + bh + (r * h) @ Uh)
        h = z * h + (1 - z) * hh
        hs.append(h)
    return np.stack(hs, 1), h


# --------------------------------------------------------------------------- the layer


@reset_after_modes
def test_gru_forward_matches_the_equations(reset_after):
    rng = np.random.default_rng(1)
    layer = random_gru(rng, 5, 4, reset_after, return_sequences=True, return_state=True)
    x, h0 = rng.normal(size=(3, 6, 4)), rng.normal(size=(3, 5))
    (seq, h), _ = layer.forward(x, [h0])
    ref_seq, ref_h = naive_gru(x, h0, layer.kernel, layer.recurrent_kernel, layer.bias, reset_after)
    np.testing.assert_allclose(seq, ref_seq, atol=1e-14)
    np.testing.assert_allclose(h, ref_h, atol=1e-14)


def test_the_two_modes_really_differ():
    """Same weights (the recurrent bias zero, so only where r is applied differs):
    reset_after changes the output, so the mode is not silently ignored."""
    rng = np.random.default_rng(7)
    after = random_gru(rng, 4, 3, True, return_sequences=True)
    before = GRU(4, 3, reset_after=False, return_sequences=True, dtype="float64")
    before.set_weights([after.kernel, after.recurrent_kernel, after.bias[0]])
    after.bias[1] = 0.0
    x, h0 = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 4))
    diff = np.abs(after.forward(x, [h0])[0] - before.forward(x, [h0])[0]).max()
    assert diff > 1e-3


@settings(max_examples=12, deadline=None)
@given(n=sizes, t=sizes, d=sizes, h=sizes, return_sequences=st.booleans(),
       reset_after=st.booleans(), seed=st.integers(0, 2**16))
@example(n=2, t=3, d=4, h=5, return_sequences=True, reset_after=True, seed=0)   # always: distinct
@example(n=2, t=3, d=4, h=5, return_sequences=True, reset_after=False, seed=0)  # sizes, all >= 2
def test_gru_gradients(n, t, d, h, return_sequences, reset_after, seed):
    """Every weight, the inputs and the initial state; the loss reads the outputs and
    the final state, each with its own random upstream gradient."""
    rng = np.random.default_rng(seed)
    layer = random_gru(rng, h, d, reset_after, return_sequences=return_sequences, return_state=True)
    x, h0 = rng.normal(size=(n, t, d)), rng.normal(size=(n, h))
    out_shape = (n, t, h) if return_sequences else (n, h)
    dout, dh = rng.normal(size=out_shape), rng.normal(size=(n, h))

    def f():
        (out, hT), _ = layer.forward(x, [h0])
        return np.sum(out * dout) + np.sum(hT * dh)

    _, cache = layer.forward(x, [h0])
    dx, (dh0,), (dW, dU, db) = layer.backward([dout, dh], cache)
    for name, arr, grad in [("x", x, dx), ("h0", h0, dh0), ("kernel", layer.kernel, dW),
                            ("recurrent_kernel", layer.recurrent_kernel, dU), ("bias", layer.bias, db)]:
        assert grad.shape == arr.shape, name
        assert_gradient(f, arr, grad, f"{name} (reset_after={reset_after})")


@settings(max_examples=8, deadline=None)
@given(n=sizes, t=st.integers(1, 4), d=sizes, h=sizes, reset_after=st.booleans(),
       seed=st.integers(0, 2**16))
# always: distinct sizes >= 2, masks [[1, 1, 0], [0, 0, 1]] and [[0, 1, 1], [1, 1, 1]]
@example(n=2, t=3, d=4, h=5, reset_after=True, seed=3)
@example(n=2, t=3, d=4, h=5, reset_after=False, seed=0)
def test_gru_mask_skips_steps_and_its_gradients(n, t, d, h, reset_after, seed):
    """With a mask (the word-level model's mask_zero) skipped steps carry h over, and
    the gradients (U's through r ⊙ h₋₁ too, for reset_after=False) stay exact."""
    rng = np.random.default_rng(seed)
    layer = random_gru(rng, h, d, reset_after, return_sequences=True, return_state=True)
    x, h0 = rng.normal(size=(n, t, d)), rng.normal(size=(n, h))
    mask = rng.random((n, t)) < 0.6
    douts = [rng.normal(size=(n, t, h)), rng.normal(size=(n, h))]

    def f():
        outs, _ = layer.forward(x, [h0], mask=mask)
        return sum(np.sum(o * d_) for o, d_ in zip(outs, douts))

    (seq, _), cache = layer.forward(x, [h0], mask=mask)
    prev = np.concatenate([h0[:, None], seq[:, :-1]], axis=1)
    np.testing.assert_array_equal(seq[~mask], prev[~mask])
    dx, (dh0,), grads = layer.backward(douts, cache)
    assert not dx[~mask].any()
    for name, arr, grad in [("x", x, dx), ("h0", h0, dh0),
                            *zip(layer.weight_names, layer.weights, grads)]:
        assert_gradient(f, arr, grad, f"{name} (reset_after={reset_after})")


@reset_after_modes
def test_gru_without_return_state_and_default_initial_state(reset_after):
    rng = np.random.default_rng(3)
    layer = random_gru(rng, 3, 2, reset_after)
    x = rng.normal(size=(2, 4, 2))
    out, cache = layer.forward(x)
    assert out.shape == (2, 3)
    full = GRU(3, 2, return_sequences=True, return_state=True, reset_after=reset_after,
               dtype="float64")
    full.set_weights(layer.get_weights())
    (seq, h), _ = full.forward(x, [np.zeros((2, 3))])
    np.testing.assert_array_equal(out, h)
    np.testing.assert_array_equal(seq[:, -1], h)
    dx, dstate, grads = layer.backward(np.ones((2, 3)), cache)
    assert dx.shape == x.shape and len(dstate) == 1 and len(grads) == 3


@reset_after_modes
def test_gru_keras_default_initialisers(reset_after):
    layer = GRU(8, 5, reset_after=reset_after, rng=np.random.default_rng(0))
    assert layer.kernel.shape == (5, 24) and layer.recurrent_kernel.shape == (8, 24)
    assert layer.bias.shape == ((2, 24) if reset_after else (24,))
    assert all(w.dtype == np.float32 for w in layer.weights)
    assert not layer.bias.any()
    assert np.abs(layer.kernel).max() <= np.sqrt(6 / (5 + 24))
    u = layer.recurrent_kernel.astype(np.float64)
    np.testing.assert_allclose(u @ u.T, np.eye(8), atol=1e-6)   # orthonormal rows
    assert layer.zero_state(3)[0].shape == (3, 8) and len(layer.zero_state(3)) == 1


def test_gru_bad_arguments_name_the_problem():
    with pytest.raises(ValueError, match="reset_after must be True or False, received 'yes'"):
        GRU(3, 4, reset_after="yes")
    layer = GRU(3, 4)
    with pytest.raises(ValueError, match="initial_state must be a list of 1"):
        layer.forward(np.zeros((2, 5, 4)), [np.zeros((2, 3)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"bias: expected shape \(2, 9\)"):
        layer.set_weights([np.zeros((4, 9)), np.zeros((3, 9)), np.zeros(9)])


# --------------------------------------------------------------------------- Seq2Seq(cell="gru")


def test_gru_model_weights_are_in_keras_training_model_order():
    model = Seq2Seq(7, 9, 4, cell="gru")
    assert [w.shape for w in model.get_weights()] == [
        (7, 12), (4, 12), (2, 12), (9, 12), (4, 12), (2, 12), (4, 9), (9,)]
    assert [layer.name for layer in model.layers] == ["encoder_gru", "decoder_gru", "decoder_dense"]
