"""Bad input to the library: translation input, API misuse, NaN/Inf during training,
reproducibility, and property-based tests of translate with arbitrary text.

(Data files: tests/text/test_pairs.py; model files: tests/io/test_io.py; the command line:
tests/cli/test_cli_robustness.py.)
"""
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from npseq2seq import SGD, RMSprop, Seq2Seq
from npseq2seq.decode import Translation
from npseq2seq.text import (
    CharVocab,
    TextTooLongError,
    UnknownTokenError,
    encode_input_texts,
    number_word_pairs,
    vectorize,
    words,
)
from tests.gradutil import random_batch


@pytest.fixture(scope="module")
def corpus():
    return number_word_pairs(40, high=99, seed=0)


@pytest.fixture(scope="module")
def char_model(corpus):
    vocab = CharVocab.from_texts(*corpus)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 8, seed=0, vocab=vocab)
    enc, dec, tgt = vectorize(*corpus, vocab)
    model.compile(RMSprop(learning_rate=0.02))
    model.fit([enc, dec], tgt, batch_size=8, epochs=2, verbose=0)
    return model


@pytest.fixture(scope="module")
def word_model():
    vocab = words.WordVocab.from_texts(*number_word_pairs(40, seed=0))   # inputs of 1 to 3 words
    return Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 8, seed=0, vocab=vocab,
                   level="word", mask_zero=True)


# --- 2. translation input ---------------------------------------------------------------------

def test_unknown_characters_raise_naming_them(char_model):
    with pytest.raises(UnknownTokenError) as info:
        char_model.translate(["seven", "se#ven€#"])
    assert info.value.chars == ["#", "€"] and info.value.text == "se#ven€#"
    assert str(info.value) == "unknown character(s) '#', '€' in text 'se#ven€#'"


def test_ignore_drops_unknown_characters(char_model):
    assert char_model.translate(["se#ven€", "#€"], errors="ignore") == [char_model.translate(["seven"])[0], ""]


def test_empty_text_translates_to_empty_without_running_the_model(char_model, monkeypatch):
    expected = char_model.translate(["seven"])[0]
    assert char_model.translate(["", "seven", ""]) == ["", expected, ""]
    assert char_model.translate(["", ""], n_best=2) == [[Translation("", 0.0, 0.0)]] * 2
    assert char_model.translate([]) == []
    monkeypatch.setattr(Seq2Seq, "encode", lambda *a: pytest.fail("the model ran on an empty text"))
    assert char_model.translate([""]) == [""]


def test_too_long_input_raises_or_is_truncated(char_model):
    limit = char_model.vocab.max_encoder_seq_length
    fits, text = "seven" + " " * (limit - 5), "seven" * limit
    assert len(char_model.translate([fits])) == 1                    # exactly the limit: fine
    with pytest.raises(TextTooLongError) as info:
        char_model.translate([fits + "e"])
    assert (info.value.text, info.value.length, info.value.limit) == (fits + "e", limit + 1, limit)
    assert isinstance(info.value, ValueError)
    assert str(info.value) == (f"text {fits + 'e'!r} has {limit + 1} characters, more than the limit "
                               f"of {limit} (pass truncate=True to cut it)")
    assert char_model.translate([text], truncate=True) == char_model.translate([text[:limit]])


NOT_TEXTS = [
    (None, "texts must be a sequence of str, got NoneType"),
    (5, "texts must be a sequence of str, got int"),
    (2.5, "texts must be a sequence of str, got float"),
    (b"seven", "texts must be a sequence of str, got bytes"),
    (bytearray(b"seven"), "texts must be a sequence of str, got bytearray"),
    ({"seven": 7}, "texts must be a sequence of str, got dict"),
    ("seven", r"texts must be a sequence of str, not a single str \(wrap it in a list\)"),
    ([b"seven"], r"texts\[0\] must be str, got bytes"),
    (["seven", None], r"texts\[1\] must be str, got NoneType"),
    (["seven", 7], r"texts\[1\] must be str, got int"),
    ([["seven"]], r"texts\[0\] must be str, got list"),
    (np.array([1, 2]), r"texts\[0\] must be str, got int64"),
]


@pytest.mark.parametrize("level", ["char", "word"])
@pytest.mark.parametrize("texts, message", NOT_TEXTS)
def test_non_string_input_is_a_type_error_naming_what_was_received(char_model, word_model, level, texts, message):
    model = char_model if level == "char" else word_model
    with pytest.raises(TypeError, match=f"^{message}$"):
        model.translate(texts)


@pytest.mark.parametrize("kwargs, message", [
    ({"errors": "skip"}, "errors must be 'raise' or 'ignore', received 'skip'"),
    ({"batch_size": 0}, "batch_size must be a positive integer, received 0"),
    ({"batch_size": True}, "batch_size must be a positive integer, received True"),
    ({"batch_size": 1.5}, "batch_size must be a positive integer, received 1.5"),
])
def test_bad_translate_options(char_model, kwargs, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        char_model.translate(["seven"], **kwargs)


def test_a_model_without_vocabulary_cannot_translate():
    with pytest.raises(ValueError, match="decoding needs the vocabulary"):
        Seq2Seq(3, 4, 2).translate(["a"])


def test_word_level_unknown_words_become_unk(word_model):
    ids = words.encode_input_words(["zillion seven", "seven"], word_model.vocab)
    assert ids[0, 0] == words.UNK and ids[0, 1] == ids[1, 0] != words.UNK
    out = word_model.translate(["zillion seven", "Zillion, seven"])
    assert len(out) == 2 and all(isinstance(t, str) for t in out)


def test_word_level_empty_and_too_long(word_model):
    assert word_model.translate(["", "   ", "seven"])[:2] == ["", ""]
    limit = word_model.vocab.max_encoder_seq_length
    text = " ".join(["seven"] * (limit + 1))
    with pytest.raises(TextTooLongError, match=f"has {limit + 1} tokens, more than the limit of {limit}"):
        word_model.translate([text])
    cut = " ".join(["seven"] * limit)
    assert word_model.translate([text], truncate=True) == word_model.translate([cut])


# --- 3. API misuse ----------------------------------------------------------------------------

V_E, V_D = 5, 6


@pytest.fixture(scope="module")
def arrays():
    return random_batch(np.random.default_rng(0), 12, 3, 4, V_E, V_D)


def compiled():
    model = Seq2Seq(V_E, V_D, 4, seed=0)
    model.compile(RMSprop())
    return model


def fit(x=None, y=None, model=None, **kwargs):
    """fit on the fixture arrays, with any of x, y, the model or the arguments replaced."""
    def call(a):
        enc, dec, tgt = a
        m = model() if model else compiled()
        return m.fit([enc, dec] if x is None else x(a), tgt if y is None else y(a), verbose=0, **kwargs)
    return call


def weights_with(change):
    def call(a):
        model = compiled()
        model.set_weights(change(model.get_weights()))
    return call


MISUSE = {
    # fit before compile (a ValueError, as in Keras 3)
    "fit before compile": (fit(model=lambda: Seq2Seq(V_E, V_D, 4)),
                           "the model must be compiled before training: call model.compile"),
    "train_on_batch before compile": (lambda a: Seq2Seq(V_E, V_D, 4).train_on_batch(list(a[:2]), a[2]),
                                      "the model must be compiled before training"),
    "evaluate before compile": (lambda a: Seq2Seq(V_E, V_D, 4).evaluate(list(a[:2]), a[2]),
                                "the model must be compiled before training or evaluation"),
    # validation_split outside [0, 1), or not a number
    "validation_split 1.0": (fit(validation_split=1.0), "validation_split must be a number in [0, 1), received 1.0"),
    "validation_split 1.5": (fit(validation_split=1.5), "validation_split must be a number in [0, 1), received 1.5"),
    "validation_split -0.1": (fit(validation_split=-0.1), "validation_split must be a number in [0, 1), received -0.1"),
    "validation_split nan": (fit(validation_split=float("nan")), "validation_split must be a number in [0, 1), received nan"),
    "validation_split '0.2'": (fit(validation_split="0.2"), "validation_split must be a number in [0, 1), received '0.2'"),
    "validation_split True": (fit(validation_split=True), "validation_split must be a number in [0, 1), received True"),
    "validation_split leaves no training": (fit(validation_split=0.95), "validation_split=0.95 leaves no samples for training out of 12"),
    # other fit arguments
    "batch_size 0": (fit(batch_size=0), "batch_size must be a positive integer, received 0"),
    "batch_size 2.0": (fit(batch_size=2.0), "batch_size must be a positive integer, received 2.0"),
    "epochs -1": (fit(epochs=-1), "epochs must be a non-negative integer, received -1"),
    "epochs '2'": (fit(epochs="2"), "epochs must be a non-negative integer, received '2'"),
    "initial_epoch -1": (fit(initial_epoch=-1), "initial_epoch must be a non-negative integer, received -1"),
    "initial_epoch 0.5": (fit(initial_epoch=0.5), "initial_epoch must be a non-negative integer, received 0.5"),
    "validation_data 1 item": (fit(validation_data=([1],)), "validation_data must be a pair ([encoder_input, decoder_input], decoder_target), received tuple of length 1"),
    "validation_data array": (fit(validation_data=np.zeros(2)), "validation_data must be a pair ([encoder_input, decoder_input], decoder_target), received ndarray"),
    # x and y: containers
    "x an array": (fit(x=lambda a: a[0]), "x must be a list [encoder_input_data, decoder_input_data], received ndarray"),
    "x three arrays": (fit(x=lambda a: list(a)), "x must be a list [encoder_input_data, decoder_input_data], received list"),
    "x None": (fit(x=lambda a: None), "x must be a list [encoder_input_data, decoder_input_data], received NoneType"),
    # shapes and token counts
    "encoder tokens": (fit(x=lambda a: [a[0][..., :-1], a[1]]), "encoder_input_data: expected shape (batch, time, 5), received (12, 3, 4)"),
    "decoder tokens": (fit(x=lambda a: [a[0], np.concatenate([a[1], a[1][..., :1]], -1)]), "decoder_input_data: expected shape (batch, time, 6), received (12, 4, 7)"),
    "target tokens": (fit(y=lambda a: a[2][..., :-1]), "decoder_target_data: expected shape (batch, time, 6), received (12, 4, 5)"),
    "encoder 2-D floats": (fit(x=lambda a: [a[0][..., 0], a[1]]), "encoder_input_data: expected shape (batch, time, 5), received (12, 3)"),
    "encoder 4-D": (fit(x=lambda a: [a[0][None], a[1]]), "encoder_input_data: expected shape (batch, time, 5), received (1, 12, 3, 5)"),
    "target time steps": (fit(y=lambda a: a[2][:, :-1]), "decoder_target_data must match decoder_input_data's (batch, time) (12, 4), received (12, 3)"),
    "samples enc/dec": (fit(x=lambda a: [a[0][:-1], a[1]]), "encoder_input_data has 11 samples but decoder_input_data has 12"),
    "samples target": (fit(y=lambda a: a[2][:-1]), "decoder_target_data must match decoder_input_data's (batch, time) (12, 4), received (11, 4)"),
    "zero samples": (fit(x=lambda a: [a[0][:0], a[1][:0]], y=lambda a: a[2][:0]), "encoder_input_data has 0 samples, expected at least 1"),
    # dtypes
    "str inputs": (fit(x=lambda a: [a[0].astype(str), a[1]]), "encoder_input_data: expected a float array, received dtype <U32"),
    "object inputs": (fit(x=lambda a: [a[0].astype(object), a[1]]), "encoder_input_data: expected a float array, received dtype object"),
    "complex targets": (fit(y=lambda a: a[2].astype(complex)), "decoder_target_data: expected a float array, received dtype complex128"),
    "int ids 3-D": (fit(x=lambda a: [a[0].astype(int), a[1]]), "encoder_input_data: integer token ids must be (batch, time), received shape (12, 3, 5)"),
    "int ids out of range": (fit(x=lambda a: [np.full((12, 3), 5), a[1]]), "encoder_input_data: token ids must lie in [-1, 5), received min 5, max 5"),
    "int ids below -1": (fit(y=lambda a: np.full((12, 4), -2)), "decoder_target_data: token ids must lie in [-1, 6), received min -2, max -2"),
    "word level given one-hot": (lambda a: Seq2Seq(V_E, V_D, 4, level="word").predict(list(a[:2])),
                                 "encoder_input_data: the word-level model takes integer token ids (batch, time), received float64 array of shape (12, 3, 5)"),
    # set_weights
    "set_weights one short": (weights_with(lambda w: w[:-1]), "set_weights expected 8 arrays, received 7"),
    "set_weights one more": (weights_with(lambda w: w + [w[0]]), "set_weights expected 8 arrays, received 9"),
    "set_weights transposed": (weights_with(lambda w: [w[0].T] + w[1:]), "set_weights: array 0 (encoder_lstm/kernel) must have shape (5, 16), received (16, 5)"),
    "set_weights bias shape": (weights_with(lambda w: w[:-1] + [w[-1][:-1]]), "set_weights: array 7 (decoder_dense/bias) must have shape (6,), received (5,)"),
    "set_weights strings": (weights_with(lambda w: [w[0].astype(str)] + w[1:]), "set_weights: array 0 (encoder_lstm/kernel) must hold real numbers, received dtype <U"),
    "set_weights complex": (weights_with(lambda w: w[:3] + [w[3].astype(complex)] + w[4:]), "set_weights: array 3 (decoder_lstm/kernel) must hold real numbers, received dtype complex128"),
    "set_weights None": (weights_with(lambda w: None), "set_weights expected a list of 8 arrays, received NoneType"),
    "set_weights one array": (weights_with(lambda w: w[0]), "set_weights expected a list of 8 arrays, received ndarray"),
    # constructor, compile, predict, inference models
    "latent_dim 0": (lambda a: Seq2Seq(V_E, V_D, 0), "latent_dim must be a positive integer, received 0"),
    "latent_dim 2.5": (lambda a: Seq2Seq(V_E, V_D, 2.5), "latent_dim must be a positive integer, received 2.5"),
    "latent_dim True": (lambda a: Seq2Seq(V_E, V_D, True), "latent_dim must be a positive integer, received True"),
    "num_encoder_tokens 0": (lambda a: Seq2Seq(0, V_D, 4), "num_encoder_tokens must be a positive integer, received 0"),
    "num_encoder_tokens '5'": (lambda a: Seq2Seq("5", V_D, 4), "num_encoder_tokens must be a positive integer, received '5'"),
    "cell": (lambda a: Seq2Seq(V_E, V_D, 4, cell="rnn"), "cell must be one of ['gru', 'lstm'], received 'rnn'"),
    "level": (lambda a: Seq2Seq(V_E, V_D, 4, level="byte"), "level must be 'char' or 'word', received 'byte'"),
    "dtype": (lambda a: Seq2Seq(V_E, V_D, 4, dtype="int8"), "dtype must be 'float32' or 'float64', got 'int8'"),
    "seed -1": (lambda a: Seq2Seq(V_E, V_D, 4, seed=-1), "seed must be None or a non-negative integer, received -1"),
    "seed 'x'": (lambda a: Seq2Seq(V_E, V_D, 4, seed="x"), "seed must be None or a non-negative integer, received 'x'"),
    "optimizer": (lambda a: Seq2Seq(V_E, V_D, 4).compile(optimizer="adagrad"), "Could not interpret optimizer identifier"),
    "loss": (lambda a: Seq2Seq(V_E, V_D, 4).compile(loss="mse"), "loss must be one of ['categorical_crossentropy', 'sparse_categorical_crossentropy'] or a loss object, received 'mse'"),
    "predict batch_size": (lambda a: compiled().predict(list(a[:2]), batch_size=-1), "batch_size must be a positive integer, received -1"),
    "encoder_model tokens": (lambda a: compiled().encoder_model.predict(a[0][..., :2]), "encoder_input_data: expected shape (batch, time, 5), received (12, 3, 2)"),
    "decoder_model states": (lambda a: compiled().decoder_model.predict([a[1][:, :1], np.zeros((12, 4))]), "decoder_lstm: initial_state must be a list of 2 arrays, received 1"),
}


@pytest.mark.parametrize("case", list(MISUSE))
def test_api_misuse_is_a_value_error_naming_argument_expected_and_received(arrays, case):
    call, message = MISUSE[case]
    with pytest.raises(ValueError) as info:
        call(arrays)
    assert str(info.value).startswith(message), str(info.value)


# --- 6. NaN and Inf during training --------------------------------------------------------------

def test_a_nan_input_stops_fit_naming_epoch_and_batch_with_the_weights_before_that_batch(arrays):
    enc, dec, tgt = (a.copy() for a in arrays)
    enc[11, 0] = np.nan                                    # sample 11: batch 3 of 5 + 5 + 2
    model, replay = compiled(), compiled()
    with pytest.raises(FloatingPointError) as info:
        model.fit([enc, dec], tgt, batch_size=5, epochs=2, shuffle=False, verbose=0)
    assert str(info.value) == "epoch 1, batch 3: loss became nan; weights left as they were before this batch"
    for s in (slice(0, 5), slice(5, 10)):
        replay.train_on_batch([enc[s], dec[s]], tgt[s])
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), replay.get_weights()))
    assert int(model.optimizer.iterations) == 2
    assert all(np.isfinite(w).all() for w in model.params)


def test_an_infinite_loss_stops_at_once(arrays):
    model = compiled()
    weights = model.get_weights()
    weights[7][...] = -3e38                                # Dense bias: logits of ±3e38, so
    weights[7][0] = 3e38                                   # log-sum-exp − the target's logit overflows
    model.set_weights(weights)
    with pytest.raises(FloatingPointError, match=r"^epoch 1, batch 1: loss became inf; weights left"):
        with np.errstate(all="ignore"):
            model.fit(list(arrays[:2]), arrays[2], batch_size=4, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), weights))


def test_a_nan_in_a_later_epoch_names_it(arrays, monkeypatch):
    model = compiled()
    real, calls = Seq2Seq._loss_and_grads, []

    def poisoned(self, *args, **kwargs):
        calls.append(1)
        loss, grads, weight = real(self, *args, **kwargs)
        return (float("inf") if len(calls) == 4 else loss), grads, weight   # epoch 2, batch 1

    monkeypatch.setattr(Seq2Seq, "_loss_and_grads", poisoned)
    with pytest.raises(FloatingPointError, match=r"^epoch 2, batch 1: loss became inf; "):
        model.fit(list(arrays[:2]), arrays[2], batch_size=4, epochs=3, verbose=0)
    assert int(model.optimizer.iterations) == 3


def test_a_non_finite_gradient_with_a_finite_loss_stops_before_the_update(arrays, monkeypatch):
    model = compiled()
    before = model.get_weights()
    real = Seq2Seq.backward

    def overflowing(self, *args, **kwargs):
        grads = real(self, *args, **kwargs)
        grads[4] = np.full_like(grads[4], np.inf)          # decoder recurrent_kernel
        return grads

    monkeypatch.setattr(Seq2Seq, "backward", overflowing)
    with pytest.raises(FloatingPointError) as info:
        model.train_on_batch(list(arrays[:2]), arrays[2])
    assert str(info.value) == ("the gradient of decoder_lstm/recurrent_kernel holds NaN or Inf; "
                               "weights left as they were before this batch")
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))
    assert int(model.optimizer.iterations) == 0


def test_an_update_that_overflows_the_weights_is_reported(arrays):
    model = Seq2Seq(V_E, V_D, 4, seed=0)
    model.compile(SGD(learning_rate=1e300))                # float32 weights: w - 1e300 * g overflows
    with pytest.raises(FloatingPointError, match=r"^epoch 1, batch 1: the update made .*decoder_dense/kernel.* "
                                                 r"NaN or Inf; these weights are lost"):
        with np.errstate(all="ignore"):
            model.fit(list(arrays[:2]), arrays[2], batch_size=12, verbose=0)


# --- 7. reproducibility ----------------------------------------------------------------------

@pytest.mark.parametrize("cell, level, dtype", [("lstm", "char", "float32"), ("gru", "char", "float64"),
                                                ("lstm", "word", "float32")])
def test_same_seed_gives_bit_identical_weights_and_losses(cell, level, dtype):
    rng = np.random.default_rng(5)
    if level == "word":
        enc, dec = rng.integers(0, V_E, (30, 3)), rng.integers(0, V_D, (30, 4))
        tgt = np.eye(V_D)[rng.integers(0, V_D, (30, 4))]
    else:
        enc, dec, tgt = random_batch(rng, 30, 3, 4, V_E, V_D)

    def train(seed):
        model = Seq2Seq(V_E, V_D, 6, cell=cell, level=level, dtype=dtype, seed=seed)
        model.compile(RMSprop(learning_rate=0.01))
        history = model.fit([enc, dec], tgt, batch_size=7, epochs=3, validation_split=0.2, verbose=0)
        return model.get_weights(), history.history

    (w1, h1), (w2, h2), (w3, _) = train(11), train(11), train(12)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(w1, w2))
    assert h1 == h2 and len(h1["loss"]) == 3
    assert not all(np.array_equal(a, b) for a, b in zip(w1, w3))


# --- 8. properties: arbitrary text gives a result or the library's own exception ----------------

# Any code point (surrogates included, as sys.argv and surrogateescape can deliver them), and
# text drawn from the model's own characters so that the happy path is reached too.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)
KNOWN_TEXT = st.text(st.sampled_from(sorted(set("".join(number_word_pairs(40, high=99, seed=0)[0])))), max_size=35)
TEXTS = st.lists(ANY_TEXT | KNOWN_TEXT, max_size=4)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def check_char_error(err, texts, vocab, ignore, truncate):
    """err is one the flags allow: UnknownTokenError only with errors="raise" (naming a
    text's unknown characters), TextTooLongError only without truncate (a text longer
    than the limit once its unknown characters are dropped)."""
    known = vocab.input_token_index
    if isinstance(err, UnknownTokenError):
        assert not ignore
        assert err.text in texts and err.chars == sorted({c for c in err.text if c not in known})
    else:
        assert not truncate and err.length > err.limit == vocab.max_encoder_seq_length
        assert err.text in texts and err.length == sum(c in known for c in err.text)


@PROPERTY
@given(texts=TEXTS, ignore=st.booleans(), truncate=st.booleans())
def test_char_translate_of_any_text(char_model, texts, ignore, truncate):
    vocab = char_model.vocab
    known = vocab.input_token_index
    try:
        out = char_model.translate(texts, errors="ignore" if ignore else "raise", truncate=truncate)
    except (UnknownTokenError, TextTooLongError) as err:
        check_char_error(err, texts, vocab, ignore, truncate)
        return
    assert len(out) == len(texts)
    for text, translation in zip(texts, out):
        assert set(translation) <= set(vocab.target_characters)
        assert len(translation) <= vocab.max_decoder_seq_length + 1
        if not any(c in known for c in text):
            assert translation == ""


@PROPERTY
@given(texts=TEXTS, truncate=st.booleans())
def test_word_translate_of_any_text(word_model, texts, truncate):
    try:
        out = word_model.translate(texts, truncate=truncate)
    except TextTooLongError as err:
        assert not truncate and err.length > err.limit
        return
    assert len(out) == len(texts) and all(isinstance(t, str) for t in out)
    for text, translation in zip(texts, out):
        if not words.tokenize(text, word_model.vocab.lower):
            assert translation == ""


@PROPERTY
@given(texts=TEXTS, ignore=st.booleans(), truncate=st.booleans())
def test_encode_input_texts_of_any_text(char_model, texts, ignore, truncate):
    """One-hot rows, or an error the flags allow: UnknownTokenError only with errors="raise"
    (naming a text's unknown characters), TextTooLongError only without truncate (a text
    longer than the limit once unknown characters are dropped)."""
    vocab = char_model.vocab
    try:
        x = encode_input_texts(texts, vocab, errors="ignore" if ignore else "raise", truncate=truncate)
    except (UnknownTokenError, TextTooLongError) as err:
        check_char_error(err, texts, vocab, ignore, truncate)
        return
    assert x.shape == (len(texts), vocab.max_encoder_seq_length, vocab.num_encoder_tokens)
    np.testing.assert_array_equal(x.sum(axis=-1), 1.0)          # space padding: every row one-hot


@PROPERTY
@given(texts=TEXTS, truncate=st.booleans())
def test_encode_input_words_of_any_text(word_model, texts, truncate):
    """Each text's word ids (an unknown word is <unk>, never an UnknownTokenError), then
    <pad>; TextTooLongError only without truncate, for more words than the limit."""
    vocab = word_model.vocab
    limit = vocab.max_encoder_seq_length
    try:
        ids = words.encode_input_words(texts, vocab, truncate=truncate)
    except TextTooLongError as err:
        assert not truncate and err.text in texts
        assert err.length == len(words.tokenize(err.text, vocab.lower)) > err.limit == limit
        return
    assert ids.shape == (len(texts), limit)
    for text, row in zip(texts, ids):
        tokens = words.tokenize(text, vocab.lower)[:limit]
        expected = [vocab.input_token_index.get(w, words.UNK) for w in tokens]
        assert row.tolist() == expected + [words.PAD] * (limit - len(expected))
