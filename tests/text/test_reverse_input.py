"""``reverse_input``: both vocabularies encode each input backwards, padding first (as Keras's
addition_rnn reverses its space-padded queries); targets untouched; stored with the
vocabulary (a model file keeps it, translate follows it); old configs load unreversed."""
import numpy as np
import pytest

from npseq2seq import Seq2Seq, load_model
from npseq2seq.text import CharVocab, WordVocab, vectorize_ids, vocab_from_config, words

INPUTS, TARGETS = ["go.", "run!"], ["va !", "cours !"]


@pytest.mark.parametrize("padding", ["space", "zero"])
def test_char_inputs_reversed_padding_first(padding):
    plain = CharVocab.from_texts(INPUTS, TARGETS, padding=padding)
    rev = CharVocab.from_texts(INPUTS, TARGETS, padding=padding, reverse_input=True)
    a, b = vectorize_ids(INPUTS, TARGETS, plain), vectorize_ids(INPUTS, TARGETS, rev)
    np.testing.assert_array_equal(b[0], a[0][:, ::-1])             # the padded row backwards
    for x, y in zip(a[1:], b[1:]):                                 # targets as they were
        np.testing.assert_array_equal(x, y)
    pad = -1 if padding == "zero" else rev.input_token_index[" "]
    assert b[0][0, 0] == pad and "".join(rev.input_vocabulary[i] for i in b[0][0, 1:]) == ".og"
    np.testing.assert_array_equal(rev.encode_inputs(INPUTS), rev.encode_pairs(INPUTS, TARGETS)[0])


def test_word_inputs_reversed():
    rev = WordVocab.from_texts(INPUTS, TARGETS, reverse_input=True)
    enc, _, _ = words.vectorize_words(INPUTS, TARGETS, rev)
    plain, _, _ = words.vectorize_words(INPUTS, TARGETS, WordVocab.from_texts(INPUTS, TARGETS))
    np.testing.assert_array_equal(enc, plain[:, ::-1])


@pytest.mark.parametrize("cls", [CharVocab, WordVocab])
def test_config_round_trip_and_old_configs(cls):
    rev = cls.from_texts(INPUTS, TARGETS, reverse_input=True)
    assert vocab_from_config(rev.to_config(), rev.level) == rev and "reverse_input=True" in repr(rev)
    plain = cls.from_texts(INPUTS, TARGETS)
    assert "reverse_input" not in plain.to_config()       # files of unreversed vocabularies unchanged
    assert vocab_from_config(plain.to_config(), plain.level).reverse_input is False
    with pytest.raises(ValueError, match="reverse_input"):
        cls.from_config({**rev.to_config(), "reverse_input": "yes"})


def test_model_file_keeps_it_and_translate_follows(tmp_path):
    vocab = CharVocab.from_texts(INPUTS, TARGETS, padding="zero", reverse_input=True)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 8, seed=0, vocab=vocab,
                    mask_padding=True)
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.vocab.reverse_input
    assert loaded.translate(INPUTS) == model.translate(INPUTS)
    # the input is read reversed: with the padding masked, "go." gives the states of ".og"
    forwards = CharVocab.from_texts(INPUTS, TARGETS, padding="zero")
    backwards = forwards.encode_inputs([".og"])          # padded at the end, as usual
    np.testing.assert_array_equal(model.encode(vocab.encode_inputs(["go."]))[0],
                                  model.encode(backwards)[0])


def test_bucketed_training_of_a_reversed_mask_zero_model():
    """Length buckets pack a mask_zero encoder by its lengths, which need the padding last;
    a reversed input has it first: its encoder then reads its mask over the whole row, and
    the bucketed loss is the padded model's mean over the real target steps."""
    vocab = WordVocab.from_texts(["go now .", "run !"], ["va !", "cours vite !"], reverse_input=True)
    enc, dec, tgt = words.vectorize_words(["go now .", "run !"], ["va !", "cours vite !"], vocab)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 6, level="word",
                    mask_zero=True, dtype="float64", seed=0, vocab=vocab)
    model.compile("rmsprop", "sparse_categorical_crossentropy")
    probs = model.predict([enc, dec])                # before the step: the padded model's forward
    real = tgt != words.PAD                          # the real target steps, which buckets count
    expected = -np.log(np.take_along_axis(probs, tgt[..., None], -1)[..., 0][real]).mean()
    bucketed = model.fit([enc, dec], tgt, batch_size=2, epochs=1, verbose=0, shuffle=False,
                         bucket_by_length=True).history["loss"][0]   # one batch: its pre-update loss
    assert enc[1, 0] == words.PAD                    # "run !" is padded first
    np.testing.assert_allclose(bucketed, expected, rtol=1e-12)
