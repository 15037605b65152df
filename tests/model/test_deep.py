"""Stacked layers and a bidirectional encoder (``num_layers``, ``bidirectional``): the config,
every gradient against finite differences, the decoder's step against its forward and
encode against the encoder's forward (bit for bit), model files (old ones without the two
keys included), and decoding (greedy, beam search, inspect) on a trained model.
Keras parity: test_parity_deep.py."""
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npseq2seq import SGD, CategoricalCrossentropy, Seq2Seq, load_model
from npseq2seq import inspect as npinspect
from npseq2seq.io import CONFIG_KEY, atomic_savez, read_arrays
from npseq2seq.model import Seq2SeqConfig
from npseq2seq.text import CharVocab, number_word_pairs, vectorize
from tests.gradutil import check_all_gradients, random_batch, randomised, word_batch

DEEP = [dict(num_layers=2), dict(num_layers=3, cell="gru"), dict(num_layers=2, attention="luong"),
        dict(bidirectional=True), dict(bidirectional=True, num_layers=2, cell="gru", attention="luong"),
        dict(bidirectional=True, num_layers=2, level="word", mask_zero=True),
        dict(num_layers=2, level="word", mask_zero=True, attention="luong", cell="gru"),
        dict(bidirectional=True, level="word", mask_zero=True, attention="luong"),
        dict(num_layers=2, cell="gru", reset_after=False),     # Keras 2's GRU in every layer
        dict(bidirectional=True, cell="gru", reset_after=False, level="word", mask_zero=True, attention="luong")]


def _id(kwargs):
    return "-".join(f"{k}={v}" for k, v in kwargs.items())


def test_config_fields_defaults_and_errors():
    config = Seq2SeqConfig(5, 6)
    assert (config.num_layers, config.bidirectional, config.decoder_units) == (1, False, 256)
    assert Seq2SeqConfig(5, 6, 8, bidirectional=True).decoder_units == 16
    for bad in (0, 1.5, True, "2"):
        with pytest.raises(ValueError, match="num_layers must be a positive integer"):
            Seq2SeqConfig(5, 6, num_layers=bad)
    # a file written before the two fields existed: the defaults
    old = {k: v for k, v in config.to_dict().items() if k not in ("num_layers", "bidirectional")}
    assert Seq2SeqConfig.from_dict(old) == config
    model = Seq2Seq(5, 6, 4, num_layers=2, bidirectional=True)
    assert model.get_config()["num_layers"] == 2 and model.get_config()["bidirectional"] is True
    assert "num_layers=2, bidirectional" in model.summary()


def test_layer_shapes_stack_and_bidirectional():
    model = Seq2Seq(7, 9, 4, num_layers=2, bidirectional=True, attention="luong")
    assert [w.shape for w in model.params] == [
        (7, 16), (4, 16), (16,), (7, 16), (4, 16), (16,),        # encoder layer 1: forward, backward
        (8, 16), (4, 16), (16,), (8, 16), (4, 16), (16,),        # encoder layer 2 reads [fw; bw]
        (9, 32), (8, 32), (32,), (8, 32), (8, 32), (32,),        # decoder layers, 2H = 8 units
        (16, 9), (9,)]                                           # Dense reads [outputs; context]


@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 3), te=st.integers(1, 3), td=st.integers(1, 3), h=st.integers(1, 2),
       layers=st.integers(1, 3), bidirectional=st.booleans(),
       cell=st.sampled_from(["lstm", "gru", "gru-reset-before"]),
       kind=st.sampled_from(["char", "char-attention", "char-no-tf", "word", "word-mask-attention"]),
       seed=st.integers(0, 999))
def test_every_gradient_matches_finite_differences(n, te, td, h, layers, bidirectional, cell, kind, seed):
    rng = np.random.default_rng(seed)
    kwargs = dict(level="word" if kind.startswith("word") else "char", attention="luong" if "attention" in kind
                  else None, mask_zero="mask" in kind, teacher_forcing=kind != "char-no-tf")
    if cell == "gru-reset-before":       # Keras 2's GRU: reset_after=False, bias (3H,)
        cell, kwargs["reset_after"] = "gru", False
    model = randomised(Seq2Seq(4, 5, h, cell=cell, num_layers=layers, bidirectional=bidirectional,
                               dtype="float64", **kwargs), rng)
    model.compile(SGD(), CategoricalCrossentropy(exact_gradient=True))
    if kwargs["level"] == "word":
        enc, dec, tgt = word_batch(rng, n, te, td, 4, 5)
        check_all_gradients(model, [enc, dec], np.eye(5)[tgt])
    else:
        enc, dec, tgt = random_batch(rng, n, te, td, 4, 5, zero_pad=bool(seed % 2))
        check_all_gradients(model, model.config.training_inputs(enc, dec), tgt)


@pytest.mark.parametrize("kwargs", [
    dict(),                                                           # the tutorial's model
    dict(num_layers=2, bidirectional=True, teacher_forcing=False),    # the FAQ's free-running decoder
    dict(level="word", mask_zero=True, attention="additive", num_layers=2),
    dict(mask_padding=True)], ids=_id)
def test_every_gradient_of_a_reset_before_gru_model_matches_finite_differences(kwargs):
    """The whole model with Keras 2's GRU (reset_after=False) in every layer, every weight,
    float64 centred differences (the hypothesis test above draws it among others)."""
    rng = np.random.default_rng(11)
    model = randomised(Seq2Seq(4, 5, 3, cell="gru", reset_after=False, dtype="float64", **kwargs), rng)
    model.compile(SGD(), CategoricalCrossentropy(exact_gradient=True))
    if kwargs.get("level") == "word":
        enc, dec, tgt = word_batch(rng, 3, 4, 3, 4, 5)
        check_all_gradients(model, [enc, dec], np.eye(5)[tgt])
    else:
        enc, dec, tgt = random_batch(rng, 3, 4, 3, 4, 5, zero_pad=True)
        check_all_gradients(model, model.config.training_inputs(enc, dec), tgt)


def _model_and_ids(kwargs, dtype="float64"):
    rng = np.random.default_rng(4)
    model = randomised(Seq2Seq(7, 6, 3, dtype=dtype, seed=1, **kwargs), rng)
    enc, dec, _ = word_batch(rng, 4, 5, 3, 7, 6)
    if kwargs.get("level") != "word":
        enc = np.where(enc == 0, -1, enc)           # character level: zero padding is id -1
    return model, enc, dec


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kwargs", DEEP, ids=_id)
def test_step_is_forward_on_one_step_and_encode_is_forward_bit_for_bit(kwargs, dtype):
    model, enc, dec = _model_and_ids(kwargs, dtype)
    states, memory, _ = model.encoder.forward(enc)
    encoded = model.encode(enc)
    assert len(encoded) == model.decoder.state_size + model.decoder.memory_size
    assert model.decoder.state_size == model.num_layers * model.decoder.rnn.state_size
    for a, b in zip(encoded, states + memory, strict=True):
        np.testing.assert_array_equal(a, b)
    for t in range(dec.shape[1]):
        probs, new_states, trace = model.decoder.step(dec[:, t], states, memory)
        seq_probs, seq_states, cache = model.decoder.forward(dec[:, t:t + 1], states, memory)
        np.testing.assert_array_equal(probs, seq_probs[:, 0])
        for a, b in zip(new_states, seq_states, strict=True):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(trace.gates, cache.rnn.gates[0])     # the top layer's
        states = new_states


def test_a_wrong_number_of_stacked_states_is_refused():
    model, enc, dec = _model_and_ids(dict(num_layers=2))
    with pytest.raises(ValueError, match=r"must be a list of 4 arrays \(2 layers of 2, layer 1's first\)"):
        model.decode_step(dec[:, 0], model.encode(enc)[:3])


@pytest.mark.parametrize("kwargs", DEEP[:2] + DEEP[4:6] + DEEP[8:] + [
    dict(num_layers=2, bidirectional=True, teacher_forcing=False),
    dict(num_layers=2, bidirectional=True, mask_padding=True, attention="luong")], ids=_id)
def test_model_files_round_trip(kwargs, tmp_path):
    model, enc, dec = _model_and_ids(kwargs)
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.get_config() == model.get_config() and loaded.param_names() == model.param_names()
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    x = model.config.training_inputs(enc, dec)
    np.testing.assert_array_equal(loaded.predict(x, steps=dec.shape[1]), model.predict(x, steps=dec.shape[1]))


def test_an_old_file_without_the_new_keys_loads_as_one_layer(tmp_path):
    model, enc, dec = _model_and_ids(dict(attention="luong"))
    model.save(tmp_path / "m.npz")
    arrays = read_arrays(tmp_path / "m.npz")
    config = json.loads(arrays[CONFIG_KEY].tobytes())
    for key in ("num_layers", "bidirectional", "reset_after"):   # as files before them
        del config["model"][key]
    arrays[CONFIG_KEY] = np.frombuffer(json.dumps(config).encode(), np.uint8)
    atomic_savez(tmp_path / "old.npz", arrays)
    loaded = load_model(tmp_path / "old.npz")
    assert (loaded.num_layers, loaded.bidirectional, loaded.config.reset_after) == (1, False, True)
    np.testing.assert_array_equal(loaded.predict([enc, dec]), model.predict([enc, dec]))


@pytest.fixture(scope="module")
def trained():
    """A 2-layer bidirectional GRU with attention trained briefly on number words."""
    inputs, targets = number_word_pairs(num_samples=40, high=60, seed=0)
    vocab = CharVocab.from_texts(inputs, targets)
    enc, dec, tgt = vectorize(inputs, targets, vocab)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 8, cell="gru", num_layers=2,
                    bidirectional=True, attention="luong", seed=0, vocab=vocab)
    model.compile("rmsprop")
    model.fit([enc, dec], tgt, batch_size=10, epochs=2, verbose=0)
    return model, inputs[:5]


def test_translate_greedy_beam_and_inspect(trained):
    model, texts = trained
    greedy = model.translate(texts)
    assert model.translate(texts, beam_width=1) == greedy
    assert len(model.translate(texts, beam_width=3)) == len(texts)
    trace = npinspect.record(model, texts[0])
    assert trace.translation == greedy[0]
    h = model.latent_dim
    # the encoder's top layer, both directions side by side; the decoder's top layer (2H units)
    assert all(g.shape[1] == 2 * h for g in trace.encoder.gates.values())
    assert all(s.shape[1] == 2 * h for s in trace.decoder.states.values())
    encoded = model.encode(model.vocab.encode_inputs([texts[0]], dtype=model.dtype))
    top_h = encoded[1][0]                # GRU: [h of layer 1, h of layer 2, encoder outputs]
    # the forward direction ends at the last step, the backward one at the first
    np.testing.assert_array_equal(trace.encoder.states["h"][-1, :h], top_h[:h])
    np.testing.assert_array_equal(trace.encoder.states["h"][0, h:], top_h[h:])
    steps = []
    model.decode_step(np.array([model.vocab.start_id]), encoded, trace=steps)
    np.testing.assert_array_equal(trace.decoder.states["h"][0], steps[0].states[-1][0])


@pytest.mark.parametrize("kwargs", [dict(num_layers=2, cell="gru"), dict(bidirectional=True, num_layers=2),
                                    dict(bidirectional=True, cell="gru", reset_after=False)], ids=_id)
def test_length_bucketed_batches_give_the_mask_zero_models_loss_and_gradients(kwargs):
    """A packed batch (``fit(bucket_by_length=True)``) runs every encoder layer packed (the
    backward direction on the reversed real steps as a mask) and every decoder layer packed:
    the mask_zero model's own loss and gradients."""
    from npseq2seq.train.batches import BucketedBatches

    rng = np.random.default_rng(7)
    model = randomised(Seq2Seq(7, 6, 3, level="word", mask_zero=True, dtype="float64", **kwargs), rng)
    model.compile(SGD(), CategoricalCrossentropy(exact_gradient=True))
    enc, dec, tgt = word_batch(rng, 5, 4, 5, 7, 6)
    tgt[0, -1], tgt[:, 0] = 0, np.maximum(tgt[:, 0], 1)   # some padding to cut, no empty row
    dec = np.where(tgt == 0, 0, dec)
    batch = BucketedBatches(model.config, None, enc, dec, tgt, len(enc)).batch(np.arange(len(enc)))
    loss, grads, _ = model._loss_and_grads(batch)
    ref_loss, ref_grads = model.loss_and_gradients([enc, dec], tgt)
    assert loss == pytest.approx(ref_loss, rel=1e-13)
    for g, r in zip(grads, ref_grads, strict=True):
        np.testing.assert_allclose(g, r, rtol=0, atol=1e-13)
