"""Luong (dot-product) attention: the layer against its equations and finite differences,
and Seq2Seq(attention="luong") and attention="additive" (the layer's own tests are in
tests/layers/test_additive_attention.py): whole-model gradients, inference, files,
training, the CLI."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npseq2seq import SGD, CategoricalCrossentropy, RMSprop, Seq2Seq, load_model
from npseq2seq.decode import decode_sequence, greedy_decode
from npseq2seq.layers import DotAttention
from npseq2seq.text import CharVocab, number_word_pairs, one_hot, vectorize
from tests.gradutil import assert_gradient, check_all_gradients, randomised, word_batch

sizes = st.integers(min_value=1, max_value=3)
KINDS = ["luong", "additive"]


def random_masks(rng, n, tq, tv, with_masks):
    """(query_mask, value_mask) or (None, None); every value row keeps at least one step
    (Keras's documented requirement: an all-masked row is attended to uniformly)."""
    if not with_masks:
        return None, None
    value_mask = rng.random((n, tv)) < 0.6
    value_mask[np.arange(n), rng.integers(0, tv, n)] = True
    return rng.random((n, tq)) < 0.7, value_mask


def naive_attention(q, v, query_mask, value_mask):
    """Keras's Attention() one query step at a time, one score at a time."""
    n, tq, tv = q.shape[0], q.shape[1], v.shape[1]
    context, weights = np.zeros_like(q), np.zeros((n, tq, tv))
    for b in range(n):
        for i in range(tq):
            scores = np.array([q[b, i] @ v[b, j] - (0 if value_mask is None or value_mask[b, j]
                                                    else 1e9) for j in range(tv)])
            weights[b, i] = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
            if query_mask is None or query_mask[b, i]:
                context[b, i] = sum(weights[b, i, j] * v[b, j] for j in range(tv))
    return context, weights


@pytest.mark.parametrize("with_masks", [False, True])
def test_attention_forward_matches_the_equations(with_masks):
    rng = np.random.default_rng(0)
    q, v = rng.normal(size=(3, 4, 5)), rng.normal(size=(3, 6, 5))
    query_mask, value_mask = random_masks(rng, 3, 4, 6, with_masks)
    context, cache = DotAttention("float64").forward(q, v, query_mask, value_mask)
    ref_context, ref_weights = naive_attention(q, v, query_mask, value_mask)
    np.testing.assert_allclose(context, ref_context, atol=1e-14)
    np.testing.assert_allclose(cache.weights, ref_weights, atol=1e-15)
    np.testing.assert_allclose(cache.weights.sum(-1), 1.0, atol=1e-15)
    if with_masks:   # masked value steps get exactly no weight
        assert np.all(cache.weights[~np.broadcast_to(value_mask[:, None], cache.weights.shape)] == 0)


@settings(max_examples=20, deadline=None)
@given(n=sizes, tq=sizes, tv=sizes, h=sizes, with_masks=st.booleans(), seed=st.integers(0, 2**16))
def test_attention_gradients(n, tq, tv, h, with_masks, seed):
    rng = np.random.default_rng(seed)
    layer = DotAttention("float64")
    q, v = rng.normal(size=(n, tq, h)), rng.normal(size=(n, tv, h))
    query_mask, value_mask = random_masks(rng, n, tq, tv, with_masks)
    dcontext = rng.normal(size=(n, tq, h))

    def f():
        return np.sum(layer.forward(q, v, query_mask, value_mask)[0] * dcontext)

    dq, dv, grads = layer.backward(dcontext, layer.forward(q, v, query_mask, value_mask)[1])
    assert grads == []
    assert_gradient(f, q, dq, "query")
    assert_gradient(f, v, dv, "values")


def test_attention_float32_and_argument_errors():
    layer = DotAttention()
    context, cache = layer.forward(np.ones((2, 3, 4)), np.ones((2, 5, 4)))
    assert context.dtype == cache.weights.dtype == np.float32
    with pytest.raises(ValueError, match="same batch and dim"):
        layer.forward(np.ones((2, 3, 4)), np.ones((2, 5, 3)))
    with pytest.raises(ValueError, match="value_mask must have shape"):
        layer.forward(np.ones((2, 3, 4)), np.ones((2, 5, 4)), value_mask=np.ones((2, 3), bool))
    assert layer.weights == [] and layer.count_params() == 0


# --------------------------------------------------------------------------- the model


def char_batch(rng, n, te, td, ve, vd, zero_pad):
    """One-hot batch with padded tails (id -1: all-zero rows, else token 0 as the pad)."""
    pad = -1 if zero_pad else 0
    enc, dec = rng.integers(0, ve, size=(n, te)), rng.integers(0, vd, size=(n, td + 1))
    for i in range(n):
        enc[i, rng.integers(1, te + 1):] = pad
        dec[i, rng.integers(1, td + 1):] = pad
    return ([one_hot(enc, ve, np.float64), one_hot(dec[:, :-1], vd, np.float64)],
            one_hot(dec[:, 1:], vd, np.float64))


@settings(max_examples=10, deadline=None)
@given(cell=st.sampled_from(["lstm", "gru"]), n=sizes, te=sizes, td=sizes, ve=sizes,
       vd=st.integers(2, 3), h=sizes, zero_pad=st.booleans(), seed=st.integers(0, 999),
       kind=st.sampled_from(KINDS))
def test_char_model_gradients_through_attention(cell, n, te, td, ve, vd, h, zero_pad, seed, kind):
    """Every weight (the additive scale too), with the loss reaching the encoder through its
    final states *and* through the attention over its outputs."""
    rng = np.random.default_rng(seed)
    model = randomised(Seq2Seq(ve, vd, h, cell=cell, dtype="float64", attention=kind), rng)
    model.compile(SGD(), CategoricalCrossentropy(exact_gradient=True))
    check_all_gradients(model, *char_batch(rng, n, te, td, ve, vd, zero_pad))


@settings(max_examples=8, deadline=None)
@given(cell=st.sampled_from(["lstm", "gru"]), n=sizes, te=sizes, td=sizes, h=sizes,
       mask_zero=st.booleans(), seed=st.integers(0, 999), kind=st.sampled_from(KINDS))
def test_word_model_gradients_through_attention(cell, n, te, td, h, mask_zero, seed, kind):
    """Word level, with mask_zero: padded encoder steps masked out of the attention,
    padded decoder steps' contexts zeroed and left out of the loss."""
    rng = np.random.default_rng(seed)
    model = randomised(Seq2Seq(5, 4, h, cell=cell, level="word", mask_zero=mask_zero,
                               dtype="float64", attention=kind), rng)
    model.compile(SGD(), CategoricalCrossentropy(exact_gradient=True))
    enc, dec, tgt = word_batch(rng, n, te, td, 5, 4)
    check_all_gradients(model, [enc, dec], np.eye(4)[tgt])


def test_layout_and_weight_order():
    model = Seq2Seq(7, 9, 4, attention="luong", seed=0)
    # the same arrays as the plain model, in the same (Keras) order; the Dense reads 2H features
    assert [w.shape for w in model.params] == [(7, 16), (4, 16), (16,), (9, 16), (4, 16),
                                               (16,), (8, 9), (9,)]
    assert [layer.name for layer in model.layers] == ["encoder_lstm", "decoder_lstm", "attention",
                                                      "decoder_dense"]
    assert model.encoder.rnn.return_sequences and model.get_config()["attention"] == "luong"
    plain = Seq2Seq(7, 9, 4, seed=0)
    assert not plain.encoder.rnn.return_sequences and plain.get_config()["attention"] is None
    assert "attention" in model.summary()
    # additive: Keras's AdditiveAttention scale (H,) after the decoder RNN, before the Dense
    additive = Seq2Seq(7, 9, 4, attention="additive", seed=0)
    assert [w.shape for w in additive.params] == [(7, 16), (4, 16), (16,), (9, 16), (4, 16),
                                                  (16,), (4,), (8, 9), (9,)]
    assert [layer.name for layer in additive.layers] == [layer.name for layer in model.layers]
    assert additive.param_names()[6] == "attention/scale"
    # the weights drawn before the scale are luong's: the same seed, the same arrays
    for a, b in zip(additive.params[:6], model.params[:6]):
        np.testing.assert_array_equal(a, b)


def test_argument_errors():
    with pytest.raises(ValueError, match="attention must be None or one of"):
        Seq2Seq(3, 4, 5, attention="dot")
    with pytest.raises(ValueError, match="teacher_forcing=True"):
        Seq2Seq(3, 4, 5, attention="luong", teacher_forcing=False)
    plain = Seq2Seq(3, 4, 5)
    with pytest.raises(ValueError, match="attention \\('luong'"):
        plain.decode_step(np.zeros(2, int), plain.encode(np.zeros((2, 3), int)), return_attention=True)
    with pytest.raises(ValueError, match="attention \\('luong'"):
        plain.attention_weights([np.zeros((2, 3), int), np.zeros((2, 3), int)])


@pytest.fixture(scope="module", params=KINDS)
def trained(request):
    """A small attention model trained on number words (enough to decode distinct strings)."""
    inputs, targets = number_word_pairs(num_samples=100, high=99, seed=0)
    vocab = CharVocab.from_texts(inputs, targets)
    enc, dec, tgt = vectorize(inputs, targets, vocab)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 32, seed=0, vocab=vocab,
                    attention=request.param)
    model.compile(RMSprop(learning_rate=0.01))
    hist = model.fit([enc, dec], tgt, batch_size=16, epochs=8, verbose=0)
    return model, inputs, enc, hist


def test_attention_model_trains_and_decodes(trained):
    model, inputs, enc, hist = trained
    assert hist.history["loss"][-1] < 0.7 * hist.history["loss"][0]
    one_by_one = [decode_sequence(model, enc[i:i + 1]) for i in range(20)]   # the tutorial's loop
    assert model.translate(inputs[:20], keep_end=True) == one_by_one
    assert len(set(one_by_one)) > 3


def test_decode_steps_and_inference_models_equal_the_training_model(trained):
    """Greedy decoding step by step gives the training model's probabilities and
    attention weights when the training model is fed the decoded tokens (teacher
    forcing on the model's own output); so does decoder_model.predict."""
    model, _, enc, _ = trained
    vocab, x = model.vocab, enc[:5]
    start = vocab.target_token_index["\t"]
    states = model.encode(x)
    assert [s.shape for s in states] == [(5, 32), (5, 32), (5, x.shape[1], 32)]
    tokens, probs, weights = np.full(5, start), [], []
    for _ in range(6):
        p, states, w = model.decode_step(tokens, states, return_attention=True)
        probs.append(p), weights.append(w)
        tokens = p.argmax(-1)
    fed = np.stack([np.full(5, start)] + [p.argmax(-1) for p in probs[:-1]], axis=1)
    dec_in = one_hot(fed, vocab.num_decoder_tokens, np.float32)
    np.testing.assert_allclose(np.stack(probs, 1), model.predict([x, dec_in]), atol=1e-6)
    np.testing.assert_allclose(np.stack(weights, 1), model.attention_weights([x, dec_in]), atol=1e-6)
    k_states = model.encoder_model.predict(x)
    k_probs = []
    for t in range(6):
        p, *k_states = model.decoder_model.predict([dec_in[:, t:t + 1]] + k_states)
        k_probs.append(p[:, 0])
    np.testing.assert_allclose(np.stack(k_probs, 1), np.stack(probs, 1), atol=1e-6)


def test_state_rows_can_be_selected_like_any_state(trained):
    """Beam search and greedy shrinking select rows with s[idx] on every state array:
    the encoder outputs in the state list must follow, so rows decode as their own batch."""
    model, _, enc, _ = trained
    states = model.encode(enc[:6])
    tokens = np.full(6, model.vocab.target_token_index["\t"])
    probs, states = model.decode_step(tokens, states)
    idx = np.array([4, 1, 1])
    sub_probs, _ = model.decode_step(probs.argmax(-1)[idx], [s[idx] for s in states])
    full_probs, _ = model.decode_step(probs.argmax(-1), states)
    np.testing.assert_allclose(sub_probs, full_probs[idx], atol=1e-6)


def test_save_and_load_keep_the_attention(trained, tmp_path):
    model, inputs, _, _ = trained
    model.save(tmp_path / "att.npz")
    loaded = load_model(tmp_path / "att.npz")
    assert loaded.attention == model.attention and type(loaded.decoder.attention) is type(model.decoder.attention)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert loaded.translate(inputs[:10]) == model.translate(inputs[:10])


@pytest.mark.parametrize("kind", KINDS)
def test_word_level_with_mask_zero_trains_and_decodes(kind):
    """The padding mask travels in the state list: batched greedy equals one at a time,
    though the batch pads short inputs that a batch of one does not."""
    from npseq2seq.text import words
    inputs, targets = number_word_pairs(num_samples=100, high=99, seed=0)
    vocab = words.WordVocab.from_texts(inputs, targets)
    enc, dec, tgt = words.vectorize_words(inputs, targets, vocab)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 24, level="word",
                    mask_zero=True, seed=0, vocab=vocab, attention=kind)
    model.compile(RMSprop(learning_rate=0.01), "sparse_categorical_crossentropy")
    hist = model.fit([enc, dec], tgt, batch_size=20, epochs=4, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    states = model.encode(enc[:4])
    assert len(states) == 4 and states[3].dtype == bool and states[3].shape == enc[:4].shape
    max_steps = vocab.max_decoder_seq_length + 1
    batched = greedy_decode(model, enc[:20], words.START, words.END, max_steps)
    single = [greedy_decode(model, enc[i:i + 1, :max(1, int((enc[i] != 0).sum()))], words.START,
                            words.END, max_steps)[0] for i in range(20)]
    assert all(np.array_equal(a, b) for a, b in zip(batched, single))
    assert len(model.translate(inputs[:3])) == 3


def test_a_state_list_without_the_encoder_outputs_is_refused():
    model = Seq2Seq(3, 4, 5, attention="luong")
    states = model.encode(np.zeros((2, 3), int))
    with pytest.raises(ValueError, match="list of 3 arrays .*encoder outputs.*received 2"):
        model.decode_step(np.zeros(2, int), states[:2])
    with pytest.raises(ValueError, match="received 2"):
        model.decoder_model.predict([np.zeros((2, 1), int)] + states[:2])


@pytest.mark.parametrize("kind", KINDS)
def test_cli_trains_and_translates_with_attention(tmp_path, capsys, kind):
    from npseq2seq import cli

    out = tmp_path / "att.npz"
    common = ["train", "--corpus", "numbers", "--num-samples", "100", "--latent-dim", "8",
              "--batch-size", "50", "--show", "0"]
    assert cli.main([*common, "--epochs", "1", "--attention", kind, "--out", str(out)]) == 0
    assert load_model(out).attention == kind
    assert cli.main(["train", "--resume", str(out), "--epochs", "2"]) == 0     # kept through resume
    assert cli.main(["translate", "--model", str(out), "seven"]) == 0
    capsys.readouterr()
    assert cli.main([*common, "--attention", "luong", "--no-teacher-forcing",
                     "--out", str(tmp_path / "bad.npz")]) == cli.EXIT_USER_ERROR
    assert "teacher_forcing=True" in capsys.readouterr().err
