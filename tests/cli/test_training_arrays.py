"""The command line trains on int32 token ids (``args.training_arrays``), not one-hot arrays:
the same weights to the bit as the tutorial's one-hot arrays, at a fraction of the memory."""
import numpy as np
import pytest

from npseq2seq import Seq2Seq
from npseq2seq.cli.args import training_arrays
from npseq2seq.text import CharVocab, WordVocab, number_word_pairs

VARIANTS = pytest.mark.parametrize("padding, variant, bucketed", [
    ("space", {}, False),
    ("zero", {}, False),
    ("zero", {}, True),
    ("space", {"teacher_forcing": False}, False),
    ("zero", {"mask_padding": True}, False),
    ("zero", {"attention": "luong"}, True),
])


def trained(vocab, x, y, variant, bucketed):
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 8, seed=3, vocab=vocab, **variant)
    model.compile("rmsprop", model.config.default_loss)
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, validation_split=0.2, bucket_by_length=bucketed)
    return model.get_weights()


@VARIANTS
def test_char_models_train_on_ids_to_the_same_bits_as_on_one_hot_arrays(padding, variant, bucketed):
    inputs, targets = number_word_pairs(60, seed=1)
    vocab = CharVocab.from_texts(inputs, targets, padding=padding)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 8, vocab=vocab, **variant)
    x, y = training_arrays(model, (inputs, targets))
    assert all(a.dtype == np.int32 and a.ndim == 2 for a in (*x, y))
    enc, dec, tgt = vocab.encode_pairs(inputs, targets)            # the tutorial's one-hot arrays
    one_hot = model.config.training_inputs(enc, dec), tgt
    assert sum(a.nbytes for a in (*x, y)) * vocab.num_decoder_tokens // 2 < sum(a.nbytes for a in (*one_hot[0], one_hot[1]))
    for ids_w, hot_w in zip(trained(vocab, *one_hot, variant, bucketed), trained(vocab, x, y, variant, bucketed)):
        np.testing.assert_array_equal(ids_w, hot_w)


def test_word_level_ids_are_the_vocabularys_arrays():
    inputs, targets = number_word_pairs(20, seed=1)
    vocab = WordVocab.from_texts(inputs, targets)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 4, level="word", vocab=vocab)
    (enc, dec), tgt = training_arrays(model, (inputs, targets))
    for a, b in zip((enc, dec, tgt), vocab.encode_pairs(inputs, targets)):
        np.testing.assert_array_equal(a, b)
