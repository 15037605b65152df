"""Seq2Seq: whole-model gradients, Keras's fit semantics, decoding, files.

(Argument errors and same-seed reproducibility: tests/test_robustness.py.)
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npseq2seq import SGD, CategoricalCrossentropy, ModelFileError, RMSprop, Seq2Seq, load_model
from npseq2seq.decode import decode_sequence, greedy_decode
from npseq2seq.text import CharVocab, number_word_pairs, vectorize
from tests.gradutil import assert_gradient, random_batch, randomised


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@settings(max_examples=8, deadline=None)
@given(n=st.integers(1, 3), te=st.integers(1, 3), td=st.integers(1, 3), ve=st.integers(1, 3),
       vd=st.integers(2, 3), h=st.integers(1, 3), zero_pad=st.booleans(), seed=st.integers(0, 999))
def test_whole_model_gradients_through_the_encoder_states(cell, n, te, td, ve, vd, h, zero_pad, seed):
    rng = np.random.default_rng(seed)
    model = randomised(Seq2Seq(ve, vd, h, cell=cell, dtype="float64", seed=seed), rng)
    model.compile(SGD(), CategoricalCrossentropy(exact_gradient=True))
    x_enc, x_dec, y = random_batch(rng, n, te, td, ve, vd, zero_pad)
    _, grads = model.loss_and_gradients([x_enc, x_dec], y)
    f = lambda: model.loss_and_gradients([x_enc, x_dec], y)[0]
    names = ["enc kernel", "enc recurrent_kernel", "enc bias", "dec kernel",
             "dec recurrent_kernel", "dec bias", "dense kernel", "dense bias"]
    for name, param, grad in zip(names, model.params, grads):
        assert_gradient(f, param, grad, name)


def test_weights_are_in_keras_training_model_order():
    model = Seq2Seq(7, 9, 4)
    shapes = [w.shape for w in model.get_weights()]
    assert shapes == [(7, 16), (4, 16), (16,), (9, 16), (4, 16), (16,), (4, 9), (9,)]
    assert model.count_params() == sum(int(np.prod(s)) for s in shapes)
    with pytest.raises(ValueError, match="expected 8 arrays"):
        model.set_weights(model.get_weights()[:-1])
    bad = model.get_weights()
    bad[2] = np.zeros(15)
    with pytest.raises(ValueError, match=r"array 2 \(encoder_lstm/bias\) must have shape \(16,\), received \(15,\)"):
        model.set_weights(bad)


def test_float32_by_default_and_float64_on_request():
    rng = np.random.default_rng(0)
    x_enc, x_dec, y = random_batch(rng, 2, 3, 4, 5, 6)
    for dtype in ("float32", "float64"):
        model = Seq2Seq(5, 6, 3, dtype=dtype, seed=0)
        model.compile()
        assert all(w.dtype == dtype for w in model.params)
        assert model.predict([x_enc, x_dec]).dtype == dtype
        model.train_on_batch([x_enc, x_dec], y)
        assert all(w.dtype == dtype for w in model.params)
        assert all(s.dtype == dtype for s in model.encoder_model.predict(x_enc))


def test_train_on_batch_returns_the_loss_before_the_update():
    rng = np.random.default_rng(2)
    x_enc, x_dec, y = random_batch(rng, 4, 3, 4, 5, 6)
    model = Seq2Seq(5, 6, 4, seed=0)
    model.compile(RMSprop(learning_rate=0.05))
    before = model.evaluate([x_enc, x_dec], y)
    assert model.train_on_batch([x_enc, x_dec], y) == pytest.approx(before, rel=1e-6)
    assert model.evaluate([x_enc, x_dec], y) < before


def test_fit_follows_keras_semantics():
    """Without shuffling, replayed batch by batch with train_on_batch: validation = the last
    20 % of the samples; epoch loss = batch-size-weighted mean of the pre-update batch losses
    (last partial batch kept); val_loss with end-of-epoch weights. (Shuffling: next test.)"""
    rng = np.random.default_rng(3)
    x_enc, x_dec, y = random_batch(rng, 23, 3, 4, 5, 6)
    model = Seq2Seq(5, 6, 4, seed=0)
    model.compile(RMSprop())
    replay = Seq2Seq(5, 6, 4, seed=1)
    replay.set_weights(model.get_weights())
    replay.compile(RMSprop())
    hist = model.fit([x_enc, x_dec], y, batch_size=5, epochs=2, validation_split=0.2,
                     shuffle=False, verbose=0)
    split = int(np.floor(23 * 0.8))                         # 18 training samples: 5 + 5 + 5 + 3
    for epoch in range(2):
        losses, sizes = [], []
        for s in range(0, split, 5):
            sl = slice(s, min(s + 5, split))
            losses.append(replay.train_on_batch([x_enc[sl], x_dec[sl]], y[sl]))
            sizes.append(sl.stop - sl.start)
        assert hist.history["loss"][epoch] == pytest.approx(np.average(losses, weights=sizes), rel=1e-6)
        val = replay.evaluate([x_enc[split:], x_dec[split:]], y[split:], batch_size=5)
        assert hist.history["val_loss"][epoch] == pytest.approx(val, rel=1e-6)
    for a, b in zip(model.get_weights(), replay.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_fit_holds_out_the_last_20_percent_before_shuffling():
    """shuffle=True, validation_split=0.2: each epoch's val_loss equals evaluate() on the last
    20 % of the samples as given, at that epoch's end weights (recorded by a callback); and
    the model trains exactly as one of the same seed fitted on the first 80 % alone (same
    epoch losses, same final weights): no held-out sample is trained on, and the split draws
    nothing from the shuffling generator."""
    rng = np.random.default_rng(5)
    x_enc, x_dec, y = random_batch(rng, 23, 3, 4, 5, 6)
    split = int(np.floor(23 * 0.8))                         # 18 training samples, 5 held out
    held_out = ([x_enc[split:], x_dec[split:]], y[split:])
    model, alone = Seq2Seq(5, 6, 4, seed=0), Seq2Seq(5, 6, 4, seed=0)
    model.compile(RMSprop())
    alone.compile(RMSprop())
    evaluated = []
    hist = model.fit([x_enc, x_dec], y, batch_size=5, epochs=3, validation_split=0.2,
                     shuffle=True, verbose=0,
                     callbacks=[lambda epoch, logs, m: evaluated.append(m.evaluate(*held_out, batch_size=5))])
    ref = alone.fit([x_enc[:split], x_dec[:split]], y[:split], batch_size=5, epochs=3, shuffle=True,
                    verbose=0)
    assert len(evaluated) == 3
    assert hist.history["val_loss"] == pytest.approx(evaluated, rel=1e-6)
    assert hist.history["loss"] == pytest.approx(ref.history["loss"], rel=1e-6)
    for a, b in zip(model.get_weights(), alone.get_weights()):
        np.testing.assert_array_equal(a, b)


# Per cell: small, and trained long enough that the decoder reads the encoder's state
# (a GRU of 32 units after 8 epochs, in Keras too, still decodes every input to the same
# string, a pure language model; 16 units and 40 epochs do not).
TRAINED = {"lstm": dict(latent_dim=32, epochs=8), "gru": dict(latent_dim=16, epochs=40)}


@pytest.fixture(scope="module", params=sorted(TRAINED))
def trained_numbers_model(request):
    cell, config = request.param, TRAINED[request.param]
    inputs, targets = number_word_pairs(num_samples=100, high=99, seed=0)
    vocab = CharVocab.from_texts(inputs, targets)
    enc, dec, tgt = vectorize(inputs, targets, vocab)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, config["latent_dim"],
                    cell=cell, seed=0, vocab=vocab)
    model.compile(RMSprop(learning_rate=0.01))
    hist = model.fit([enc, dec], tgt, batch_size=16, epochs=config["epochs"], validation_split=0.2,
                     verbose=0)
    return model, inputs, enc, hist


def test_training_loss_falls(trained_numbers_model):
    _, _, _, hist = trained_numbers_model
    loss = hist.history["loss"]
    assert loss[-1] < 0.7 * loss[0]


def test_batched_greedy_equals_one_at_a_time_decoding(trained_numbers_model):
    model, inputs, enc, _ = trained_numbers_model
    vocab = model.vocab
    one_by_one = [decode_sequence(model, enc[i:i + 1]) for i in range(len(enc))]
    batched = model.translate(inputs, keep_end=True)
    assert batched == one_by_one
    assert len(set(batched)) > 1                  # not a degenerate constant output
    ids = greedy_decode(model, enc[:5], vocab.target_token_index["\t"], vocab.target_token_index["\n"],
                        vocab.max_decoder_seq_length + 1)
    assert ["".join(vocab.reverse_target_char_index[int(i)] for i in seq) for seq in ids] == one_by_one[:5]


def test_inference_models_agree_with_the_training_model(trained_numbers_model):
    model, _, enc, _ = trained_numbers_model
    vocab = model.vocab
    dec_in = np.zeros((3, 2, vocab.num_decoder_tokens), np.float32)
    dec_in[:, 0, vocab.target_token_index["\t"]] = 1
    dec_in[:, 1, vocab.target_token_index["v"]] = 1
    probs = model.predict([enc[:3], dec_in])
    states = model.encoder_model.predict(enc[:3])
    assert len(states) == model.decoder.rnn.state_size         # [h, c] for LSTM, [h] for GRU
    assert all(s.shape == (3, model.latent_dim) for s in states)
    p0, *states = model.decoder_model.predict([dec_in[:, :1]] + states)
    assert len(states) == model.decoder.rnn.state_size and p0.shape == (3, 1, vocab.num_decoder_tokens)
    p1, *states = model.decoder_model.predict([dec_in[:, 1:]] + states)
    np.testing.assert_allclose(np.concatenate([p0, p1], 1), probs, atol=1e-6)


def test_save_and_load_round_trip(trained_numbers_model, tmp_path):
    model, inputs, enc, _ = trained_numbers_model
    path = tmp_path / "m.npz"
    model.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]      # no temporary file left behind
    loaded = load_model(path)
    assert loaded.cell == model.cell and type(loaded.encoder) is type(model.encoder)
    assert getattr(loaded.decoder, "reset_after", None) == getattr(model.decoder, "reset_after", None)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    assert loaded.vocab == model.vocab
    assert loaded.translate(inputs[:10]) == model.translate(inputs[:10])
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ModelFileError, match="other.npz"):
        load_model(tmp_path / "other.npz")
    (tmp_path / "trunc.npz").write_bytes(path.read_bytes()[:200])
    with pytest.raises(ModelFileError, match="trunc.npz"):
        load_model(tmp_path / "trunc.npz")
