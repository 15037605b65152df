"""recurrent_activation="hard_sigmoid": Keras 2's clip(0.2·x + 0.5, 0, 1) on the gates of
LSTM and GRU (both reset_after modes), against its definition, against the cell equations
written out, and every gradient against centred finite differences in float64, with
weights large enough that some gates sit on the clipped (flat) ends, so both branches of
the derivative are checked. Parity with tf_keras, whose hard_sigmoid is the same
function: tests/keras_files/test_tf_keras_files.py."""
import numpy as np
import pytest

from npseq2seq import GRU, LSTM, Seq2Seq, Seq2SeqConfig
from npseq2seq.ops import HardGateActivation, gate_activation
from tests.gradutil import assert_gradient


def hard_sigmoid(x):
    return np.clip(x * x.dtype.type(0.2) + x.dtype.type(0.5), 0.0, 1.0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_activation_is_keras_2s_on_gate_blocks_and_tanh_elsewhere(dtype):
    rng = np.random.default_rng(0)
    z = rng.normal(scale=4.0, size=(7, 4 * 3)).astype(dtype)
    act = gate_activation("ssts", 3, dtype, "hard_sigmoid")
    assert isinstance(act, HardGateActivation)
    a = act(z.copy())
    gates = np.r_[0:6, 9:12]
    np.testing.assert_array_equal(a[:, gates], hard_sigmoid(z[:, gates]))
    np.testing.assert_array_equal(a[:, 6:9], np.tanh(z[:, 6:9]))
    assert (a[:, gates] == 0).any() and (a[:, gates] == 1).any()      # both clipped ends reached


def test_its_derivative_from_the_activations():
    rng = np.random.default_rng(1)
    z = rng.normal(scale=4.0, size=(50, 6))
    act = gate_activation("st", 3, "float64", "hard_sigmoid")
    d = act.derivative(act(z.copy()), np.empty_like(z))
    eps = 1e-6
    numeric = (act(z + eps) - act(z - eps)) / (2 * eps)
    np.testing.assert_allclose(d, numeric, atol=1e-6)
    assert set(np.unique(d[:, :3])) == {0.0, 0.2}


def test_an_unknown_activation_is_refused():
    with pytest.raises(ValueError, match="recurrent_activation must be one of"):
        gate_activation("ss", 2, "float64", "relu")
    with pytest.raises(ValueError, match="recurrent_activation"):
        Seq2SeqConfig(3, 4, 2, recurrent_activation="hard_sigmoid6")


def naive_lstm(x, h, c, W, U, b):
    H = h.shape[1]
    for t in range(x.shape[1]):
        z = x[:, t] @ W + h @ U + b
        i, f, g, o = (z[:, k * H:(k + 1) * H] for k in range(4))
        c = hard_sigmoid(f) * c + hard_sigmoid(i) * np.tanh(g)
        h = hard_sigmoid(o) * np.tanh(c)
    return h, c


def test_lstm_forward_matches_the_equations():
    rng = np.random.default_rng(2)
    layer = LSTM(4, 3, return_state=True, dtype="float64", rng=rng, recurrent_activation="hard_sigmoid")
    layer.bias[...] = rng.normal(size=layer.bias.shape)
    x, h0, c0 = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    (out, h, c), _ = layer.forward(x, [h0, c0])
    eh, ec = naive_lstm(x, h0, c0, layer.kernel, layer.recurrent_kernel, layer.bias)
    np.testing.assert_allclose(h, eh, atol=1e-14)
    np.testing.assert_allclose(c, ec, atol=1e-14)


def _layers(rng):
    for name, make in (("lstm", lambda: LSTM(5, 4, return_sequences=True, return_state=True, dtype="float64",
                                             rng=rng, recurrent_activation="hard_sigmoid")),
                       ("gru", lambda: GRU(5, 4, return_sequences=True, return_state=True, dtype="float64",
                                           rng=rng, recurrent_activation="hard_sigmoid")),
                       ("gru-reset_before", lambda: GRU(5, 4, return_sequences=True, return_state=True,
                                                        reset_after=False, dtype="float64", rng=rng,
                                                        recurrent_activation="hard_sigmoid"))):
        yield name, make


@pytest.mark.parametrize("which", ["lstm", "gru", "gru-reset_before"])
def test_gradients_against_finite_differences(which):
    rng = np.random.default_rng(3)
    layer = dict(_layers(rng))[which]()
    for w in layer.weights:
        w[...] = rng.normal(scale=1.5, size=w.shape)        # some gates clipped, some not
    states = [rng.normal(size=(2, 5)) for _ in range(layer.state_size)]
    x = rng.normal(size=(2, 3, 4))
    (out, *final), cache = layer.forward(x, states)
    douts = [rng.normal(size=a.shape) for a in (out, *final)]

    def f():
        outs, _ = layer.forward(x, states)
        return sum(np.sum(a * d) for a, d in zip(outs, douts))

    dx, dstates, dweights = layer.backward(douts, cache)
    assert (cache.gates == 0).any(), "no gate clipped at 0 (tanh is never exactly 0): the flat branch unchecked"
    for name, arr, grad in [("x", x, dx), *[(f"state {k}", s, d) for k, (s, d) in enumerate(zip(states, dstates))],
                            *zip(layer.weight_names, layer.weights, dweights)]:
        assert_gradient(f, arr, grad, f"{which} {name}")


def test_the_option_is_stored_and_used_by_seq2seq(tmp_path):
    model = Seq2Seq(Seq2SeqConfig(5, 6, 4, recurrent_activation="hard_sigmoid", seed=0))
    assert all(isinstance(layer.activation, HardGateActivation) for layer in model.layers[:2])
    model.save(tmp_path / "m.npz")
    again = Seq2Seq.load(tmp_path / "m.npz")
    assert again.config.recurrent_activation == "hard_sigmoid"
    rng = np.random.default_rng(4)
    x = [np.eye(5)[rng.integers(0, 5, (2, 3))].astype("float32"), np.eye(6)[rng.integers(0, 6, (2, 4))]
         .astype("float32")]
    np.testing.assert_array_equal(model.predict(x), again.predict(x))
    plain = Seq2Seq(Seq2SeqConfig(5, 6, 4, seed=0))
    plain.set_weights(model.get_weights())
    assert not np.allclose(plain.predict(x), model.predict(x))
