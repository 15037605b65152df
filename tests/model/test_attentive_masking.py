"""Attention inside the recurrence with ``mask_padding`` and dropout, as whole models: finite
differences (float64), padded sentences read as alone, the file round trip. Keras parity:
tests/model/test_parity_attentive.py (mask_padding) and test_parity_attentive_dropout.py."""
import numpy as np
import pytest

from npseq2seq import SGD, CategoricalCrossentropy, Seq2Seq, load_model
from npseq2seq.decode import greedy_decode
from npseq2seq.text import CharVocab, number_word_pairs, one_hot, vectorize
from tests.gradutil import check_all_gradients, randomised
from tests.model.test_attentive import KINDS, char_batch


@pytest.mark.parametrize("kind, cell, num_layers, bidirectional", [
    ("bahdanau", "lstm", 1, False), ("feeding", "gru", 1, False),
    pytest.param("general", "lstm", 2, True, marks=pytest.mark.slow)])
def test_mask_padding_gradients_match_finite_differences(kind, cell, num_layers, bidirectional):
    """Zero-padded inputs: the encoder skips its padding, the attention gives it no weight,
    the loss leaves out the padded decoder steps; every weight's gradient."""
    rng = np.random.default_rng(40 + num_layers)
    model = randomised(Seq2Seq(5, 4, 3, cell=cell, mask_padding=True, dtype="float64", num_layers=num_layers,
                               bidirectional=bidirectional, **KINDS[kind]), rng)
    model.compile(SGD(), CategoricalCrossentropy(exact_gradient=True))
    (enc, dec), tgt = char_batch(rng, 3, 4, 3, 5, 4)
    enc[1, 2:] = 0                                    # a zero-padded encoder row
    check_all_gradients(model, [enc, dec], tgt)


@pytest.mark.parametrize("kind", ["bahdanau", "feeding", "general"])
def test_a_padded_sentence_reads_as_alone(kind):
    """With mask_padding a sentence's padding changes nothing: its decoder probabilities and
    alignments in a padded batch are those of the sentence alone (the padded encoder steps
    get weight 0); without it the padding is read."""
    rng = np.random.default_rng(3)
    ids = rng.integers(0, 6, (3, 5))
    lengths = [5, 3, 2]
    dec = one_hot(rng.integers(0, 4, (3, 4)), 4, "float64")
    models = []
    for masked in (True, False):
        model = Seq2Seq(6, 4, 3, dtype="float64", seed=0, mask_padding=masked, **KINDS[kind])
        model.set_weights([rng.normal(0, 1.0, w.shape) for w in model.get_weights()] if not models
                          else models[0].get_weights())
        models.append(model)
    enc = one_hot(np.where(np.arange(5) < np.array(lengths)[:, None], ids, -1), 6, "float64")
    probs, weights = models[0].predict([enc, dec]), models[0].attention_weights([enc, dec])
    for n, length in enumerate(lengths):
        alone = [enc[n:n + 1, :length], dec[n:n + 1]]
        np.testing.assert_allclose(probs[n], models[0].predict(alone)[0], rtol=0, atol=1e-14)
        np.testing.assert_allclose(weights[n, :, :length], models[0].attention_weights(alone)[0], rtol=0, atol=1e-14)
        assert np.all(weights[n, :, length:] < 1e-300)
    assert np.abs(models[1].predict([enc, dec])[2] - models[1].predict([enc[2:, :2], dec[2:]])[0]).max() > 1e-3


def test_mask_padding_and_dropout_train_save_load_and_decode_batched_as_alone(tmp_path):
    inputs, targets = number_word_pairs(num_samples=60, high=99, seed=0)
    vocab = CharVocab.from_texts(inputs, targets, padding="zero")
    enc, dec, tgt = vectorize(inputs, targets, vocab)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 12, seed=0, vocab=vocab,
                    attention="bahdanau", mask_padding=True, dropout=0.2, recurrent_dropout=0.1)
    model.compile()
    hist = model.fit([enc, dec], tgt, batch_size=20, epochs=3, verbose=0, bucket_by_length=True)
    assert np.all(np.isfinite(hist.history["loss"])) and hist.history["loss"][-1] < hist.history["loss"][0]
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.config == model.config
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    start, end = vocab.target_token_index["\t"], vocab.target_token_index["\n"]
    steps = vocab.max_decoder_seq_length
    batched = greedy_decode(loaded, enc[:6], start, end, steps)
    real = (enc[:6].sum(axis=-1) > 0).sum(axis=1)
    single = [greedy_decode(loaded, enc[i:i + 1, :real[i]], start, end, steps)[0] for i in range(6)]
    assert all(np.array_equal(a, b) for a, b in zip(batched, single))
