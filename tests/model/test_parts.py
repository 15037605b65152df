"""The encoder and decoder as parts: the decoder's cache-free ``step`` is its ``forward`` on
one step, bit for bit, for every variant; the encoder's ``encode`` is its ``forward``."""
import numpy as np
import pytest

from npseq2seq import Seq2Seq
from tests.gradutil import randomised, word_batch

VARIANTS = [dict(), dict(cell="gru"), dict(attention="luong"), dict(cell="gru", attention="luong"),
            dict(level="word"), dict(level="word", mask_zero=True),
            dict(level="word", mask_zero=True, attention="luong", cell="gru")]


def model_and_batch(kwargs, dtype):
    rng = np.random.default_rng(4)
    model = randomised(Seq2Seq(7, 6, 5, dtype=dtype, seed=1, **kwargs), rng)
    enc, dec, _ = word_batch(rng, 4, 5, 3, 7, 6)    # ids; a padded tail on every row
    if kwargs.get("level") != "word":
        enc = np.where(enc == 0, -1, enc)           # character level: zero padding is id -1
    return model, enc, dec


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kwargs", VARIANTS, ids=lambda k: "-".join(f"{v}" for v in k.values()) or "lstm")
def test_step_is_forward_on_one_step_bit_for_bit(kwargs, dtype):
    model, enc, dec = model_and_batch(kwargs, dtype)
    states = model.encode(enc)
    rnn_states, memory = model.decoder.split_state(states)
    for t in range(dec.shape[1]):         # each step from the states the last one left
        tokens = dec[:, t]
        probs, new_states, trace = model.decoder.step(tokens, rnn_states, memory)
        seq_probs, seq_states, cache = model.decoder.forward(tokens[:, None], rnn_states, memory)
        np.testing.assert_array_equal(probs, seq_probs[:, 0])
        np.testing.assert_array_equal(trace.probs, probs)
        for a, b in zip(new_states, seq_states, strict=True):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(trace.gates, cache.rnn.gates[0])
        if memory:
            np.testing.assert_array_equal(trace.attention, cache.attention.weights[:, 0])
        rnn_states = new_states


@pytest.mark.parametrize("kwargs", VARIANTS, ids=lambda k: "-".join(f"{v}" for v in k.values()) or "lstm")
def test_encode_is_forward_without_its_cache(kwargs):
    model, enc, _ = model_and_batch(kwargs, "float64")
    states, memory, cache = model.encoder.forward(enc)
    encoded = model.encoder.encode(enc)
    assert len(encoded) == len(states) + len(memory) == model.decoder.rnn.state_size + model.decoder.memory_size
    for a, b in zip(encoded, states + memory, strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_state_list_of_an_attention_model_is_checked():
    model, enc, dec = model_and_batch(dict(level="word", mask_zero=True, attention="luong"), "float64")
    states = model.encode(enc)
    with pytest.raises(ValueError, match=r"list of 4 arrays \(lstm states, encoder outputs, encoder mask\)"):
        model.decode_step(dec[:, 0], states[:-1])


def test_layers_are_composed_in_keras_order():
    model = Seq2Seq(7, 6, 5, level="word", attention="luong")
    assert [layer.name for layer in model.layers] == [
        "encoder_embedding", "decoder_embedding", "encoder_lstm", "decoder_lstm", "attention", "decoder_dense"]
    assert model.encoder.layers == [model.layers[0], model.layers[2]]
    assert model.decoder.layers == [model.layers[1], model.layers[3], model.layers[4], model.layers[5]]
