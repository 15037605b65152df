"""The FAQ variants of Seq2Seq: word level (Embedding, optional masking) and no teacher forcing."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npseq2seq import SGD, CategoricalCrossentropy, RMSprop, Seq2Seq
from npseq2seq.losses import probability_cross_entropy
from npseq2seq.text import CharVocab, number_word_pairs, vectorize
from npseq2seq.train import Batch
from tests.gradutil import assert_gradient, check_all_gradients, randomised, word_batch


@settings(max_examples=6, deadline=None)
@given(n=st.integers(1, 3), te=st.integers(1, 3), td=st.integers(1, 3), h=st.integers(1, 3),
       mask_zero=st.booleans(), sparse=st.booleans(), seed=st.integers(0, 999))
def test_word_level_gradients(n, te, td, h, mask_zero, sparse, seed):
    rng = np.random.default_rng(seed)
    model = randomised(Seq2Seq(5, 4, h, level="word", mask_zero=mask_zero, dtype="float64"), rng)
    model.compile(SGD(), CategoricalCrossentropy(exact_gradient=True))
    enc, dec, tgt = word_batch(rng, n, te, td, 5, 4)
    y = tgt if sparse else np.eye(4)[tgt]
    check_all_gradients(model, [enc, dec], y)


def test_word_level_weights_in_keras_order_and_sparse_equals_one_hot():
    model = Seq2Seq(7, 9, 4, level="word", dtype="float64", seed=0)
    assert [w.shape for w in model.params] == [(7, 4), (9, 4), (4, 16), (4, 16), (16,), (4, 16),
                                               (4, 16), (16,), (4, 9), (9,)]
    rng = np.random.default_rng(1)
    randomised(model, rng)
    model.compile(SGD(), "categorical_crossentropy")
    enc, dec, tgt = word_batch(rng, 4, 3, 5, 7, 9)
    loss_ids, grads_ids = model.loss_and_gradients([enc, dec], tgt)
    loss_oh, grads_oh = model.loss_and_gradients([enc, dec], np.eye(9)[tgt])
    assert loss_ids == pytest.approx(loss_oh, rel=1e-14)
    for a, b in zip(grads_ids, grads_oh):
        np.testing.assert_allclose(a, b, atol=1e-15)


def test_mask_zero_leaves_padding_out_of_the_loss():
    rng = np.random.default_rng(2)
    model = randomised(Seq2Seq(6, 5, 3, level="word", mask_zero=True, dtype="float64"), rng)
    model.compile(SGD())
    enc, dec, tgt = word_batch(rng, 3, 4, 5, 6, 5)
    loss = model.evaluate([enc, dec], tgt)
    # appending more padding changes nothing: padded steps are skipped and not counted
    pad = np.zeros((3, 3), dtype=enc.dtype)
    longer = model.evaluate([np.hstack([enc, pad]), np.hstack([dec, pad])], np.hstack([tgt, pad]))
    assert longer == pytest.approx(loss, rel=1e-12)


@pytest.mark.parametrize("attention", [None, "luong"])
def test_mask_zero_decode_step_skips_a_fed_back_padding_id_like_the_training_model(attention):
    """A greedy or beam decoder may feed <pad> (id 0) back; decode_step then treats it as the
    masked step it is in the training model: states carry over, the probabilities match."""
    rng = np.random.default_rng(3)
    model = randomised(Seq2Seq(6, 5, 4, level="word", mask_zero=True, attention=attention,
                               dtype="float64"), rng)
    enc, _, _ = word_batch(rng, 3, 4, 3, 6, 5)
    dec = np.array([[2, 0, 3], [0, 4, 1], [1, 2, 0]])           # padding ids in every position
    expected = model.predict([enc, dec])
    states = model.encode(enc)
    for t in range(dec.shape[1]):
        probs, states = model.decode_step(dec[:, t], states)
        np.testing.assert_allclose(probs, expected[:, t], rtol=0, atol=1e-12)


@settings(max_examples=6, deadline=None)
@given(n=st.integers(1, 3), te=st.integers(1, 3), td=st.integers(1, 4), ve=st.integers(1, 3),
       vd=st.integers(2, 4), h=st.integers(1, 3), seed=st.integers(0, 999))
def test_no_teacher_forcing_gradients_flow_through_fed_back_outputs(n, te, td, ve, vd, h, seed):
    rng = np.random.default_rng(seed)
    model = randomised(Seq2Seq(ve, vd, h, teacher_forcing=False, dtype="float64"), rng)
    model.compile(SGD())
    enc = np.eye(ve)[rng.integers(0, ve, size=(n, te))]
    start = np.zeros((n, 1, vd))
    start[:, 0, 0] = 1.0                        # the FAQ's decoder input: the start token only
    y = np.eye(vd)[rng.integers(0, vd, size=(n, td))]
    check_all_gradients(model, [enc, start], y)
    assert model.predict([enc, start], steps=td).shape == (n, td, vd)


def test_no_teacher_forcing_feeds_back_the_softmax():
    """Step t's input is step t-1's output: rerunning the teacher-forced decoder on the
    fed-back probabilities reproduces the same outputs."""
    rng = np.random.default_rng(3)
    free = randomised(Seq2Seq(3, 4, 5, teacher_forcing=False, dtype="float64"), rng)
    forced = Seq2Seq(3, 4, 5, dtype="float64")
    forced.set_weights(free.get_weights())
    enc = np.eye(3)[rng.integers(0, 3, size=(2, 4))]
    start = np.zeros((2, 1, 4))
    start[:, 0, 1] = 1.0
    probs = free.predict([enc, start], steps=6)
    fed = np.concatenate([start, probs[:, :-1]], axis=1)
    np.testing.assert_allclose(forced.predict([enc, fed]), probs, atol=1e-14)


def test_probability_path_clips_and_matches_finite_differences():
    rng = np.random.default_rng(4)
    p = rng.dirichlet(np.ones(5), size=(3, 2))
    y = np.eye(5)[rng.integers(0, 5, size=(3, 2))]
    loss, d = probability_cross_entropy(p, y)
    assert loss == pytest.approx(-(y * np.log(p / p.sum(-1, keepdims=True))).sum() / 6, rel=1e-13)
    assert_gradient(lambda: probability_cross_entropy(p, y)[0], p, d, "probs")
    # a saturated row: the log sees the clipped 1e-7, and the clip passes no gradient
    p[0, 0] = [1 - 4e-12, 1e-12, 1e-12, 1e-12, 1e-12]
    y[0, 0] = np.eye(5)[2]
    loss, d = probability_cross_entropy(p, y)
    assert -np.log(1e-7) / 6 < loss
    assert d[0, 0, 2] == 0.0


def test_variants_train_and_decode():
    inputs, targets = number_word_pairs(num_samples=100, high=99, seed=0)
    vocab = CharVocab.from_texts(inputs, targets)
    enc, dec, tgt = vectorize(inputs, targets, vocab)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 24, teacher_forcing=False,
                    seed=0, vocab=vocab)
    model.compile(RMSprop(learning_rate=0.01))
    hist = model.fit([enc, dec[:, :1]], tgt, batch_size=20, epochs=4, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert len(model.translate(inputs[:3])) == 3


def test_variant_argument_errors():
    with pytest.raises(ValueError, match="level must be"):
        Seq2Seq(3, 4, 5, level="byte")
    with pytest.raises(ValueError, match="teacher_forcing=False"):
        Seq2Seq(3, 4, 5, level="word", teacher_forcing=False)
    with pytest.raises(ValueError, match="mask_zero"):
        Seq2Seq(3, 4, 5, mask_zero=True)
    model = Seq2Seq(3, 4, 5, level="word")
    model.compile()
    with pytest.raises(ValueError, match="integer token ids"):
        model.predict([np.zeros((2, 3, 3)), np.zeros((2, 3), int)])


def test_word_level_model_trains_and_translates():
    from npseq2seq.decode import greedy_decode
    from npseq2seq.text import words
    inputs, targets = number_word_pairs(num_samples=100, high=99, seed=0)
    vocab = words.WordVocab.from_texts(inputs, targets)
    enc, dec, tgt = words.vectorize_words(inputs, targets, vocab)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 24, level="word",
                    mask_zero=True, seed=0, vocab=vocab)
    model.compile(RMSprop(learning_rate=0.01), "sparse_categorical_crossentropy")
    hist = model.fit([enc, dec], tgt, batch_size=20, epochs=6, verbose=0)
    assert hist.history["loss"][-1] < 0.8 * hist.history["loss"][0]
    out = model.translate(inputs[:20] + ["zillion"])                 # an unknown word → <unk>
    assert len(out) == 21 and all(isinstance(t, str) for t in out)
    batched = greedy_decode(model, enc[:20], words.START, words.END, vocab.max_decoder_seq_length + 1)
    single = [greedy_decode(model, enc[i:i + 1], words.START, words.END,
                            vocab.max_decoder_seq_length + 1)[0] for i in range(20)]
    assert all(np.array_equal(a, b) for a, b in zip(batched, single))
    assert out[:20] == [words.decode_ids(ids, vocab) for ids in batched]


def test_row_gradient_update_squares_each_row_before_summing():
    """An Embedding's gradient as rows (Keras's tf.IndexedSlices): the update uses the
    summed rows where it is linear in g and Σ rows² where it squares g. Without
    repeated ids that is exactly the dense update."""
    from npseq2seq import Adam
    from npseq2seq.optimizers import RowGradient

    rng = np.random.default_rng(7)
    w0 = rng.normal(size=(5, 3))
    rows = rng.normal(size=(4, 3))
    for ids, repeats in ((np.array([3, 0, 4, 1]), False), (np.array([1, 1, 3, 1]), True)):
        g = RowGradient(ids, rows, 5)
        dense = np.zeros((5, 3))
        np.add.at(dense, ids, rows)
        squares = np.zeros((5, 3))
        np.add.at(squares, ids, rows ** 2)
        np.testing.assert_allclose(g.dense(), dense, atol=1e-15)
        np.testing.assert_allclose(g.squares(), squares, atol=1e-15)
        assert g.shape == (5, 3)
        for make in (RMSprop, Adam, lambda: SGD(momentum=0.9)):
            by_rows, by_dense = w0.copy(), w0.copy()
            opt_rows, opt_dense = make(), make()
            for _ in range(2):
                opt_rows.apply_gradients([(g, by_rows)])
                opt_dense.apply_gradients([(dense, by_dense)])
            same = np.allclose(by_rows, by_dense, rtol=0, atol=1e-15)
            assert same == (not repeats or isinstance(opt_rows, SGD)), type(opt_rows).__name__
    # RMSprop, one step from zero slots: v = (1 - rho) Σ rows², w -= lr Σ rows / sqrt(v + eps)
    w = w0.copy()
    RMSprop().apply_gradients([(RowGradient(ids, rows, 5), w)])
    expected = w0 - 1e-3 * dense / np.sqrt(0.1 * squares + 1e-7)
    np.testing.assert_allclose(w, expected, rtol=1e-13)


def test_word_level_training_updates_embeddings_by_rows():
    """train_on_batch hands the optimizer the Embeddings' gradients as rows; the gradients
    reported by loss_and_gradients are the same ones, summed into the tables."""
    from npseq2seq.optimizers import RowGradient

    rng = np.random.default_rng(8)
    model = randomised(Seq2Seq(6, 5, 3, level="word", dtype="float64"), rng)
    model.compile(RMSprop())
    enc, dec, tgt = word_batch(rng, 3, 4, 5, 6, 5)
    _, dense = model.loss_and_gradients([enc, dec], tgt)
    _, as_rows, _ = model._loss_and_grads(Batch(enc, dec, tgt), embedding_rows=True)
    assert all(isinstance(g, RowGradient) for g in as_rows[:2])
    assert not any(isinstance(g, RowGradient) for g in as_rows[2:])
    for a, b in zip(as_rows, dense):
        np.testing.assert_allclose(a.dense() if isinstance(a, RowGradient) else a, b, atol=1e-15)
    before = model.get_weights()
    model.train_on_batch([enc, dec], tgt)
    assert all(np.abs(a - b).max() > 0 for a, b in zip(model.get_weights(), before))
