"""Masked, length-bucketed training (train/batches.py) and the packed recurrent loop under it:
the same numbers as the model run on the full padded arrays with masks, gradients against
finite differences, and fit(bucket_by_length=True) end to end."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npseq2seq import GRU, LSTM, SGD, CategoricalCrossentropy, RMSprop, Seq2Seq
from npseq2seq.text import CharVocab, number_word_pairs, vectorize_ids, words
from npseq2seq.train import batches as batches_module
from npseq2seq.train.batches import BucketedBatches, buckets, pack, sequence_lengths
from tests.gradutil import assert_gradient

CELLS = pytest.mark.parametrize("cell", ["lstm", "gru"])


def padded_ids(rng, n, t, v, pad, min_length=0):
    """(N, T) ids in [first, v) with a random real length per row, then ``pad``."""
    first = 0 if pad == -1 else words.PAD + 1
    ids = rng.integers(first, v, size=(n, t))
    lengths = rng.integers(min_length, t + 1, size=n)
    ids[np.arange(t) >= lengths[:, None]] = pad
    return ids


def random_model(rng, cell, level, n=4, te=4, td=5, ve=5, vd=6, h=3, mask_zero=False, **variant):
    model = Seq2Seq(ve, vd, h, cell=cell, level=level, dtype="float64", seed=int(rng.integers(1000)),
                    mask_zero=mask_zero, **variant)
    model.set_weights([rng.normal(scale=0.5, size=w.shape) for w in model.params])
    model.compile(SGD(), CategoricalCrossentropy(exact_gradient=True))
    pad = -1 if level == "char" else words.PAD
    enc = padded_ids(rng, n, te, ve, pad)
    y = padded_ids(rng, n, td, vd, pad, min_length=1)
    if pad == -1:       # a model without a vocabulary must see zero padding (sequence_lengths)
        y[0, -1] = pad
    dec = np.where(y == pad, pad, rng.integers(0 if pad == -1 else 1, vd, size=y.shape))
    return model, enc, dec, y


def masked_reference_loss(model, enc, dec, y):
    """The model over the full padded arrays, Keras-style masks on the decoder and the loss,
    and on the encoder of a mask_zero model (the others read their input padding)."""
    pad = model.config.padding_id
    enc_mask, dec_mask = (enc != pad) if model.mask_zero else None, y != pad

    def embed(embedding, ids):
        return ids if embedding is None else embedding.forward(ids)[0]

    (_, *states), _ = model.encoder.rnn.forward(embed(model.encoder.embedding, enc), mask=enc_mask)
    (seq, *_), _ = model.decoder.rnn.forward(embed(model.decoder.embedding, dec), initial_state=states,
                                             mask=dec_mask)
    _, dense_cache = model.decoder.dense.forward(seq)
    return model.loss(dense_cache.logits, y, mask=dec_mask)[0]


def whole_set_as_one_batch(model, enc, dec, y):
    batches = BucketedBatches(model.config, model.vocab, enc, dec, y, len(enc))
    return batches.batch(np.arange(len(enc)))


# --------------------------------------------------------------------------- the packed loop


@CELLS
@settings(max_examples=6, deadline=None)
@given(n=st.integers(1, 4), t=st.integers(1, 4), h=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_packed_layer_equals_the_masked_layer_and_its_gradients_are_right(cell, n, t, h, seed):
    rng = np.random.default_rng(seed)
    layer = (LSTM if cell == "lstm" else GRU)(h, 3, return_sequences=True, return_state=True,
                                             dtype="float64", rng=rng)
    layer.bias[...] = rng.normal(size=layer.bias.shape)
    lengths = np.sort(rng.integers(0, t + 1, size=n))[::-1].copy()
    x = rng.normal(size=(n, t, 3))
    init = [rng.normal(size=(n, h)) for _ in range(layer.state_size)]
    mask = np.arange(t) < lengths[:, None]
    packed, cache = layer.forward(x, init, lengths=lengths)
    masked, _ = layer.forward(x, init, mask=mask)
    for a, b in zip(packed, masked):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-14)
    douts = [rng.normal(size=a.shape) for a in packed]
    douts[0][~mask] = 0.0          # padded outputs feed nothing (bucketing drops them)
    dx, dinit, grads = layer.backward(douts, cache)
    assert not dx[~mask].any()

    def f():
        return sum(np.sum(o * d) for o, d in zip(layer.forward(x, init, lengths=lengths)[0], douts))

    for name, arr, grad in [("x", x, dx), *(("initial state", s, d) for s, d in zip(init, dinit)),
                            *zip(layer.weight_names, layer.weights, grads)]:
        assert_gradient(f, arr, grad, name)


def test_lengths_must_be_decreasing_and_not_given_with_a_mask():
    layer = LSTM(2, 3)
    x = np.zeros((3, 4, 3))
    with pytest.raises(ValueError, match="decreasing"):
        layer.forward(x, lengths=np.array([1, 3, 2]))
    with pytest.raises(ValueError, match=r"in \[0, 4\]"):
        layer.forward(x, lengths=np.array([5, 3, 2]))
    with pytest.raises(ValueError, match="not both"):
        layer.forward(x, mask=np.ones((3, 4), bool), lengths=np.array([4, 3, 2]))


# --------------------------------------------------------------------------- the model


LEVELS = pytest.mark.parametrize("level, mask_zero", [("char", False), ("word", False), ("word", True)])


@CELLS
@LEVELS
@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 2**16))
def test_packed_loss_equals_the_masked_loss_on_the_unbucketed_data(cell, level, mask_zero, seed):
    rng = np.random.default_rng(seed)
    model, enc, dec, y = random_model(rng, cell, level, mask_zero=mask_zero)
    loss, _, rows = model._loss_and_grads(whole_set_as_one_batch(model, enc, dec, y), False)
    assert rows == int((y != model.config.padding_id).sum())
    assert loss == pytest.approx(masked_reference_loss(model, enc, dec, y), rel=1e-13)
    # and over bucketed batches, weighted by real steps, it is still the same mean
    assert model._mean_loss(BucketedBatches(model.config, model.vocab, enc, dec, y, 2)) == pytest.approx(loss, rel=1e-13)


@CELLS
def test_word_level_packed_gradients_equal_mask_zero_models_own(cell):
    """A mask_zero word model already skips and masks PAD: the packed computation must give
    its loss and every gradient, while computing none of the padded steps."""
    rng = np.random.default_rng(7)
    model, enc, dec, y = random_model(rng, cell, "word", mask_zero=True)
    loss, grads, _ = model._loss_and_grads(whole_set_as_one_batch(model, enc, dec, y))
    ref_loss, ref_grads = model.loss_and_gradients([enc, dec], y)
    assert loss == pytest.approx(ref_loss, rel=1e-13)
    for g, r in zip(grads, ref_grads):
        np.testing.assert_allclose(g, r, rtol=0, atol=1e-13)


def assert_packed_gradients(model, enc, dec, y):
    """Every weight's gradient of the whole set packed as one batch, against centred finite
    differences of the packed batch's loss."""
    batch = whole_set_as_one_batch(model, enc, dec, y)
    _, grads, _ = model._loss_and_grads(batch)

    def f():
        return model._loss_and_grads(batch, with_grads=False)[0]

    for param, grad, k in zip(model.params, grads, range(99)):
        assert_gradient(f, param, grad, f"param {k}")


@CELLS
@LEVELS
def test_packed_gradients_against_finite_differences(cell, level, mask_zero):
    rng = np.random.default_rng(11 if cell == "lstm" else 12)
    model, enc, dec, y = random_model(rng, cell, level, n=3, te=3, td=4, ve=4, vd=5, h=2,
                                      mask_zero=mask_zero)
    assert_packed_gradients(model, enc, dec, y)


def one_sample_at_a_time(model, enc, dec, y):
    """(loss, grads) as the mean over real target steps of each sample run alone, its decoder
    input and target cut to its own length (no padded decoder step anywhere, so no mask is
    needed), its encoder input as bucketing gives it: whole (the model reads its padding), or
    cut to its length for a mask_zero model. Nothing of train/batches.py is used."""
    pad = model.config.padding_id
    total, grads, steps = 0.0, None, 0
    for n in range(len(enc)):
        length = int((y[n] != pad).sum())
        loss, g = model.loss_and_gradients([enc[n:n + 1], dec[n:n + 1, :length]], y[n:n + 1, :length])
        total += loss * length
        grads = [x * length for x in g] if grads is None else [a + x * length for a, x in zip(grads, g)]
        steps += length
    return total / steps, [g / steps for g in grads]


ATTENTION_VARIANTS = pytest.mark.parametrize("level, mask_zero, attention, deep", [
    ("char", False, "luong", {}), ("word", False, "additive", {}), ("word", True, "luong", {}),
    ("word", True, "additive", {"bidirectional": True}), ("char", False, "luong", {"num_layers": 2}),
    # attention inside the recurrence: the attentive layer masked by the batch's lengths
    ("char", False, "bahdanau", {}), ("word", True, "luong_general", {"input_feeding": True}),
    ("char", False, "luong_general", {"num_layers": 2, "mask_padding": True}),
    ("word", False, "bahdanau", {"bidirectional": True})])


@CELLS
@ATTENTION_VARIANTS
def test_attention_models_train_bucketed_as_one_sample_at_a_time(cell, level, mask_zero, attention, deep):
    """Bucketed attention models: the loss and every gradient of a packed batch equal those of
    its samples run one at a time (``one_sample_at_a_time``), and over several bucketed
    batches the epoch's mean loss is still that number."""
    rng = np.random.default_rng(21 if cell == "lstm" else 22)
    model, enc, dec, y = random_model(rng, cell, level, n=5, mask_zero=mask_zero, attention=attention,
                                      **deep)
    loss, grads, rows = model._loss_and_grads(whole_set_as_one_batch(model, enc, dec, y))
    ref_loss, ref_grads = one_sample_at_a_time(model, enc, dec, y)
    assert rows == int((y != model.config.padding_id).sum())
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    for k, (g, r) in enumerate(zip(grads, ref_grads)):
        np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-12, err_msg=f"param {k}")
    assert model._mean_loss(BucketedBatches(model.config, model.vocab, enc, dec, y, 2)) == pytest.approx(loss, rel=1e-12)


@pytest.mark.parametrize("level, mask_zero, attention", [("char", False, "luong"), ("word", True, "additive")])
def test_packed_attention_gradients_against_finite_differences(level, mask_zero, attention):
    rng = np.random.default_rng(13)
    model, enc, dec, y = random_model(rng, "lstm", level, n=3, te=3, td=4, ve=4, vd=5, h=2,
                                      mask_zero=mask_zero, attention=attention)
    assert_packed_gradients(model, enc, dec, y)


@pytest.mark.parametrize("attention, extra", [("bahdanau", {}), ("luong_general", {"input_feeding": True}),
                                               ("luong_general", {"num_layers": 2})])
def test_packed_recurrent_attention_gradients_against_finite_differences(attention, extra):
    rng = np.random.default_rng(14)
    model, enc, dec, y = random_model(rng, "gru", "word", n=3, te=3, td=4, ve=4, vd=5, h=2,
                                      mask_zero=True, attention=attention, **extra)
    batch = whole_set_as_one_batch(model, enc, dec, y)
    assert batch.packed and len(set(batch.dec_lengths)) > 1
    _, grads, _ = model._loss_and_grads(batch)

    def f():
        return model._loss_and_grads(batch, with_grads=False)[0]

    for param, grad, k in zip(model.params, grads, range(99)):
        assert_gradient(f, param, grad, f"param {k}")


@CELLS
@pytest.mark.parametrize("attention, extra", [("bahdanau", {}), ("luong_general", {"input_feeding": True})])
def test_packed_recurrent_attention_equals_the_padded_mask_zero_batch(cell, attention, extra):
    """A mask_zero model's unbucketed batch (Keras's masks over the padding: skipped steps, the
    loss's mean over the real target steps) and the same samples packed give one loss and
    the same gradients: bucketing changes what is computed, not the numbers."""
    rng = np.random.default_rng(31)
    model, enc, dec, y = random_model(rng, cell, "word", n=6, mask_zero=True, attention=attention, **extra)
    loss, grads, _ = model._loss_and_grads(whole_set_as_one_batch(model, enc, dec, y))
    padded_loss, padded_grads = model.loss_and_gradients([enc, dec], y)
    assert loss == pytest.approx(padded_loss, rel=1e-12)
    for k, (g, r) in enumerate(zip(grads, padded_grads)):
        np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-12, err_msg=f"param {k}")


def test_the_reference_sees_what_bucketing_would_get_wrong():
    """``one_sample_at_a_time`` can fail: a packed batch whose decoder rows read the wrong
    encoder rows (states and attention memory left in the encoder's order) differs from it."""
    rng = np.random.default_rng(5)
    model, enc, dec, y = random_model(rng, "lstm", "word", n=5, mask_zero=True, attention="luong")
    batch = whole_set_as_one_batch(model, enc, dec, y)
    assert not np.array_equal(batch.to_decoder, np.arange(len(enc)))   # rows really reordered
    wrong = batch._replace(to_decoder=np.arange(len(enc)))
    ref_loss, _ = one_sample_at_a_time(model, enc, dec, y)
    assert model._loss_and_grads(batch, False)[0] == pytest.approx(ref_loss, rel=1e-12)
    assert model._loss_and_grads(wrong, False)[0] != pytest.approx(ref_loss, rel=1e-6)


def test_pack_sorts_and_cuts_to_the_longest_sequences():
    y = np.array([[1, 2, 3, 0], [1, 0, 0, 0], [1, 2, 0, 0]])
    enc = np.array([[5, 0, 0, 0], [5, 6, 7, 0], [5, 6, 0, 0]])
    masked = Seq2Seq(8, 4, 2, level="word", mask_zero=True)
    enc_lengths, dec_lengths = sequence_lengths(masked.config, masked.vocab, enc, y)
    np.testing.assert_array_equal(enc_lengths, [1, 3, 2])
    np.testing.assert_array_equal(dec_lengths, [3, 1, 2])
    b = pack(np.array([1, 2]), enc, y, y, enc_lengths, dec_lengths)
    np.testing.assert_array_equal(b.dec_lengths, [2, 1])            # decoder order: samples 2, 1
    np.testing.assert_array_equal(b.enc_lengths, [3, 2])            # encoder order: samples 1, 2
    np.testing.assert_array_equal(b.enc[b.to_decoder], enc[[2, 1], :3])   # same samples, per row
    assert b.y.shape == (2, 2) and b.enc.shape == (2, 3)
    # without mask_zero the encoder reads its padding when translating: so it does here too
    plain = Seq2Seq(8, 4, 2, level="word")
    enc_lengths, dec_lengths = sequence_lengths(plain.config, plain.vocab, enc, y)
    assert enc_lengths is None
    b = pack(np.array([1, 2]), enc, y, y, enc_lengths, dec_lengths)
    np.testing.assert_array_equal(b.enc, enc[[2, 1]])               # full width, decoder order
    assert b.enc_lengths is None and b.y.shape == (2, 2)


def test_batches_are_buckets_of_similar_length_covering_every_sample():
    rng = np.random.default_rng(0)
    dec_lengths = rng.integers(1, 30, size=200)
    plan = buckets(np.zeros(200, int), dec_lengths, 16, rng)
    assert sorted(np.concatenate(plan)) == list(range(200))
    spread = [np.ptp(dec_lengths[b]) for b in plan]
    assert max(spread) <= 3                                   # 200 samples, 29 lengths, 16 a batch


# --------------------------------------------------------------------------- fit


def zero_padded_numbers(n=200):
    inputs, targets = number_word_pairs(n, seed=0)
    vocab = CharVocab.from_texts(inputs, targets, padding="zero")
    return vocab, vectorize_ids(inputs, targets, vocab)


@CELLS
def test_fit_bucket_by_length_trains_and_reports_masked_losses(cell, monkeypatch):
    """fit(bucket_by_length=True, validation_split=0.2) replayed through the ordinary masked
    path (``masked_reference_loss``, full padded arrays with masks), not through train/batches.py:

    - every epoch trains on each of the first 80 % of the samples exactly once;
    - an epoch's ``loss`` is the mean over the real target steps of those samples of each
      batch's masked loss at the weights before that batch (weights recorded as fit packs
      each training batch, before its loss and its update are computed);
    - ``val_loss`` is the masked loss of the last 20 % at the weights the epoch ended with
      (recorded by a callback);
    - and the loss falls over the 3 epochs."""
    vocab, (enc, dec, y) = zero_padded_numbers()
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 16, cell=cell, seed=0,
                    dtype="float64")
    model.compile(RMSprop(0.01), "categorical_crossentropy")
    split, epochs = 160, 3                                  # int(200 * 0.8) training samples
    trained = []            # (samples, weights before the step) of each training batch, in order
    real_pack = batches_module.pack

    def spy(sel, enc_arg, *rest):
        if len(enc_arg) == split:             # a training batch (validation packs the other 40)
            trained.append((np.array(sel), model.get_weights()))
        return real_pack(sel, enc_arg, *rest)

    monkeypatch.setattr(batches_module, "pack", spy)
    ends = []                                                    # weights at each epoch's end
    history = model.fit([enc, dec], y, batch_size=32, epochs=epochs, verbose=0,
                        validation_split=0.2, bucket_by_length=True,
                        callbacks=[lambda epoch, logs, m: ends.append(m.get_weights())]).history
    monkeypatch.undo()
    assert len(history["loss"]) == len(history["val_loss"]) == len(ends) == epochs
    assert history["loss"][-1] < history["loss"][0]
    real = (y != -1).sum(axis=1)                               # real target steps per sample
    per_epoch = len(trained) // epochs
    assert per_epoch and len(trained) == epochs * per_epoch
    for epoch in range(epochs):
        batches = trained[epoch * per_epoch:(epoch + 1) * per_epoch]
        assert sorted(np.concatenate([sel for sel, _ in batches])) == list(range(split))
        total = 0.0
        for sel, weights in batches:
            model.set_weights(weights)
            total += masked_reference_loss(model, enc[sel], dec[sel], y[sel]) * real[sel].sum()
        assert history["loss"][epoch] == pytest.approx(total / real[:split].sum(), rel=1e-12)
        model.set_weights(ends[epoch])
        assert history["val_loss"][epoch] == pytest.approx(
            masked_reference_loss(model, enc[split:], dec[split:], y[split:]), rel=1e-12)


def test_fit_bucket_by_length_refuses_what_it_cannot_cut():
    inputs, targets = number_word_pairs(20, seed=0)
    spaces = CharVocab.from_texts(inputs, targets)                # space padding
    model = Seq2Seq(spaces.num_encoder_tokens, spaces.num_decoder_tokens, 4, vocab=spaces)
    model.compile()
    with pytest.raises(ValueError, match="padding='zero'"):
        model.fit(list(vectorize_ids(inputs, targets, spaces)[:2]), vectorize_ids(inputs, targets, spaces)[2],
                  epochs=1, verbose=0, bucket_by_length=True)
    vocab, (enc, dec, y) = zero_padded_numbers(20)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 4)
    model.compile()
    y = y.copy()
    y[:, -1] = 0                      # a token after the padding
    with pytest.raises(ValueError, match="padding after the tokens"):
        model.fit([enc, dec], y, epochs=1, verbose=0, bucket_by_length=True)
    free = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 4, teacher_forcing=False)
    free.compile()
    with pytest.raises(ValueError, match="teacher-forced"):
        free.fit([enc, dec], y, epochs=1, verbose=0, bucket_by_length=True)


def test_char_level_refuses_targets_that_show_no_zero_padding():
    """Only an id -1 tells zero padding from space padding: targets with none (space-padded,
    or not padded) are refused rather than cut at the wrong length, with no vocabulary or
    with a zero-padding vocabulary whose arrays were vectorised with padding="space"."""
    inputs, targets = number_word_pairs(20, seed=0)
    spaces = CharVocab.from_texts(inputs, targets)                # space padding
    enc, dec, y = vectorize_ids(inputs, targets, spaces)
    model = Seq2Seq(spaces.num_encoder_tokens, spaces.num_decoder_tokens, 4)   # no vocab
    model.compile()
    with pytest.raises(ValueError, match="space padding and no padding cannot be told apart"):
        model.fit([enc, dec], y, epochs=1, verbose=0, bucket_by_length=True)
    with pytest.raises(ValueError, match="needs zero-padded targets"):
        model._mean_loss(BucketedBatches(model.config, model.vocab, enc, dec, y, 64))
    vocab, (enc, dec, y) = zero_padded_numbers(20)
    with_vocab = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 4, vocab=vocab)
    with_vocab.compile()
    enc_s, dec_s, y_s = vectorize_ids(inputs, targets, vocab, padding="space")
    with pytest.raises(ValueError, match="space padding and no padding cannot be told apart"):
        with_vocab.fit([enc_s, dec_s], y_s, epochs=1, verbose=0, bucket_by_length=True)
    # the same arrays zero-padded show their padding (vectorize_ids leaves it in the last step)
    assert (y[:, -1] == -1).all()
    np.testing.assert_array_equal(sequence_lengths(model.config, model.vocab, enc, y)[1], (y != -1).sum(1))
