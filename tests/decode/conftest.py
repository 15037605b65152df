"""The trained models the decoding tests share (trained once for tests/decode/): small,
far from perfect, but their outputs vary and are not uniform."""
import pytest

from npseq2seq import RMSprop, Seq2Seq
from npseq2seq.text import CharVocab, addition_pairs, number_word_pairs, vectorize, words

CONFIGS = [("char", "lstm"), ("char", "gru"), ("word", "lstm"), ("word", "gru")]


def train_small(level, cell):
    """A model trained about a second: far from perfect, but its outputs vary and are not
    uniform. Character level on 2-digit sums; word level on number words split at the
    hyphens ("quatre vingt deux"), so that words repeat across sentences."""
    if level == "char":
        inputs, targets = addition_pairs(num_samples=400, digits=2, seed=0)
        vocab = CharVocab.from_texts(inputs, targets)
        enc, dec, tgt = vectorize(inputs, targets, vocab)
        start, stop, loss = vocab.target_token_index["\t"], vocab.target_token_index["\n"], \
            "categorical_crossentropy"
    else:   # without mask_zero: a <pad> fed back to decode_step is a token like any other
        inputs, targets = ([t.replace("-", " ") for t in side]
                           for side in number_word_pairs(num_samples=100, high=99, seed=0))
        vocab = words.WordVocab.from_texts(inputs, targets)
        enc, dec, tgt = words.vectorize_words(inputs, targets, vocab)
        start, stop, loss = words.START, words.END, "sparse_categorical_crossentropy"
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 32, cell=cell, level=level,
                    seed=0, vocab=vocab)
    model.compile(RMSprop(learning_rate=0.01), loss)
    model.fit([enc, dec], tgt, batch_size=20, epochs=10, verbose=0)
    n = 60                     # sentences decoded by the tests
    assert len(set(model.translate(inputs[:n]))) > 5, "a degenerate model would test little"
    return model, inputs[:n], enc[:n], start, stop


@pytest.fixture(scope="package")
def char_lstm():
    """train_small("char", "lstm"), trained once for tests/decode/: the char-lstm ``trained``
    model is this one, and so is the CLI test's."""
    return train_small("char", "lstm")


@pytest.fixture(scope="package", params=CONFIGS, ids=["-".join(c) for c in CONFIGS])
def trained(request):
    if request.param == ("char", "lstm"):
        return request.getfixturevalue("char_lstm")
    return train_small(*request.param)
