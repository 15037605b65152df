"""Tests of npseq2seq.text.chars: the character vocabulary and its one-hot arrays, checked
against a transcription of the Keras tutorial's loop."""

import doctest
import json

import numpy as np
import pytest

import npseq2seq.text.chars as chars_module
from npseq2seq.text import TextTooLongError, UnknownTokenError, load_pairs, one_hot
from npseq2seq.text.chars import (
    END,
    PAD,
    START,
    CharVocab,
    encode_input_texts,
    vectorize,
    vectorize_ids,
)
from tests.conftest import FRA_PATH

# The shared data directory sits beside the repository (CI clones ../shared next to it);
# conftest's fra_path skips (or, where required, fails) without it.
FRA_TXT = FRA_PATH
needs_fra = pytest.mark.usefixtures("fra_path")


# --------------------------------------------------------------------------- the Keras reference


def keras_reference(path, num_samples, padding):
    """A literal transcription of keras-io lstm_seq2seq.py (reading, vocabulary, arrays).

    padding="zero" is the 2017 blog version: the same loop without the padding lines.
    """
    input_texts = []
    target_texts = []
    input_characters = set()
    target_characters = set()
    with open(path, "r", encoding="utf-8") as f:
        lines = f.read().split("\n")
    for line in lines[: min(num_samples, len(lines) - 1)]:
        input_text, target_text = line.split("\t")[:2]
        target_text = "\t" + target_text + "\n"
        input_texts.append(input_text)
        target_texts.append(target_text)
        for char in input_text:
            if char not in input_characters:
                input_characters.add(char)
        for char in target_text:
            if char not in target_characters:
                target_characters.add(char)
    input_characters = sorted(list(input_characters))
    target_characters = sorted(list(target_characters))
    num_encoder_tokens = len(input_characters)
    num_decoder_tokens = len(target_characters)
    max_encoder_seq_length = max([len(txt) for txt in input_texts])
    max_decoder_seq_length = max([len(txt) for txt in target_texts])
    input_token_index = dict([(char, i) for i, char in enumerate(input_characters)])
    target_token_index = dict([(char, i) for i, char in enumerate(target_characters)])
    encoder_input_data = np.zeros(
        (len(input_texts), max_encoder_seq_length, num_encoder_tokens), dtype="float32"
    )
    decoder_input_data = np.zeros(
        (len(input_texts), max_decoder_seq_length, num_decoder_tokens), dtype="float32"
    )
    decoder_target_data = np.zeros(
        (len(input_texts), max_decoder_seq_length, num_decoder_tokens), dtype="float32"
    )
    for i, (input_text, target_text) in enumerate(zip(input_texts, target_texts)):
        for t, char in enumerate(input_text):
            encoder_input_data[i, t, input_token_index[char]] = 1.0
        if padding == "space":
            encoder_input_data[i, t + 1 :, input_token_index[" "]] = 1.0
        for t, char in enumerate(target_text):
            # decoder_target_data is ahead of decoder_input_data by one timestep
            decoder_input_data[i, t, target_token_index[char]] = 1.0
            if t > 0:
                # decoder_target_data will be ahead by one timestep
                # and will not include the start character.
                decoder_target_data[i, t - 1, target_token_index[char]] = 1.0
        if padding == "space":
            decoder_input_data[i, t + 1 :, target_token_index[" "]] = 1.0
            decoder_target_data[i, t:, target_token_index[" "]] = 1.0
    vocab_facts = (
        input_characters, target_characters, num_encoder_tokens, num_decoder_tokens,
        max_encoder_seq_length, max_decoder_seq_length, input_token_index, target_token_index,
    )
    return vocab_facts, (encoder_input_data, decoder_input_data, decoder_target_data)


@needs_fra
@pytest.mark.parametrize("padding", ["space", "zero"])
def test_vectorize_equals_the_keras_loop_on_fra_txt(padding):
    vocab_facts, expected = keras_reference(FRA_TXT, 1000, padding)
    inputs, targets = load_pairs(FRA_TXT, 1000)
    vocab = CharVocab.from_texts(inputs, targets, padding=padding)
    assert (
        list(vocab.input_characters), list(vocab.target_characters),
        vocab.num_encoder_tokens, vocab.num_decoder_tokens,
        vocab.max_encoder_seq_length, vocab.max_decoder_seq_length,
        dict(vocab.input_token_index), dict(vocab.target_token_index),
    ) == vocab_facts
    arrays = vectorize(inputs, targets, vocab)
    for got, want in zip(arrays, expected):
        assert got.dtype == np.float32 and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


@needs_fra
def test_the_tutorial_facts_on_the_first_10000_lines():
    inputs, targets = load_pairs(FRA_TXT, num_samples=10_000)
    assert len(inputs) == len(targets) == 10_000
    assert (inputs[0], targets[0]) == ("Go.", "Va !")
    vocab = CharVocab.from_texts(inputs, targets)
    assert vocab.num_encoder_tokens == 71
    assert vocab.num_decoder_tokens == 90
    assert vocab.max_encoder_seq_length == 16
    assert vocab.max_decoder_seq_length == 59
    encoder_input_data, decoder_input_data, decoder_target_data = vectorize(inputs, targets, vocab)
    assert encoder_input_data.shape == (10_000, 16, 71)
    assert decoder_input_data.shape == decoder_target_data.shape == (10_000, 59, 90)
    # Space padding: every row of every array is one-hot.
    for array in (encoder_input_data, decoder_input_data, decoder_target_data):
        np.testing.assert_array_equal(array.sum(axis=-1), 1.0)


# --------------------------------------------------------------------------- CharVocab

INPUTS = ["Go.", "Hi there."]
TARGETS = ["Va !", "Salut."]


def test_vocab_follows_the_tutorial_recipe():
    vocab = CharVocab.from_texts(INPUTS, TARGETS)
    assert vocab.input_characters == tuple(sorted(set("Go.Hi there.")))
    assert vocab.target_characters == tuple(sorted(set("\tVa !\n\tSalut.\n")))
    assert vocab.max_encoder_seq_length == 9
    assert vocab.max_decoder_seq_length == 8
    assert vocab.num_encoder_tokens == len(vocab.input_characters)
    for chars, index, reverse in (
        (vocab.input_characters, vocab.input_token_index, vocab.reverse_input_char_index),
        (vocab.target_characters, vocab.target_token_index, vocab.reverse_target_char_index),
    ):
        assert dict(index) == {c: i for i, c in enumerate(chars)}
        assert dict(reverse) == dict(enumerate(chars))
    with pytest.raises(TypeError):
        vocab.target_token_index["x"] = 0  # read-only: the vocabulary is frozen


def test_space_is_added_only_for_space_padding():
    spaced = CharVocab.from_texts(["12+3"], ["15"])
    assert PAD in spaced.input_characters and PAD in spaced.target_characters
    zero = CharVocab.from_texts(["12+3"], ["15"], padding="zero")
    assert PAD not in zero.input_characters and PAD not in zero.target_characters
    assert zero.padding == "zero" and zero.num_decoder_tokens == 4  # \t \n 1 5


def test_config_round_trip_through_json_and_equality():
    vocab = CharVocab.from_texts(INPUTS, TARGETS)
    config = json.loads(json.dumps(vocab.to_config()))
    assert CharVocab.from_config(config) == vocab
    listed = dict(config, input_characters=list(config["input_characters"]))
    assert CharVocab.from_config(listed) == vocab
    assert hash(CharVocab.from_config(config)) == hash(vocab)
    assert CharVocab.from_texts(INPUTS, TARGETS, padding="zero") != vocab
    assert CharVocab.from_texts(INPUTS + ["Go!"], TARGETS + ["Va."]) != vocab
    assert "num_encoder_tokens=" in repr(vocab)


@pytest.mark.parametrize(
    "change, words",
    [
        ({"input_characters": "ba "}, "sorted"),
        ({"input_characters": "  ab"}, "sorted"),
        ({"target_characters": " ab"}, "START"),
        ({"max_encoder_seq_length": 0}, "max_encoder_seq_length"),
        ({"max_decoder_seq_length": 1.5}, "max_decoder_seq_length"),
        ({"padding": "left"}, "padding"),
        ({"input_characters": "ab"}, "' '"),
        ({"extra": 1}, "keys"),
    ],
)
def test_bad_configs_raise_value_error(change, words):
    config = dict(CharVocab.from_texts(INPUTS, TARGETS).to_config(), **change)
    with pytest.raises(ValueError, match=words):
        CharVocab.from_config(config)


def test_from_texts_rejects_bad_input():
    with pytest.raises(ValueError, match="2 input texts but 1 target"):
        CharVocab.from_texts(INPUTS, TARGETS[:1])
    with pytest.raises(ValueError, match="raw texts"):
        CharVocab.from_texts(["Go."], ["\tVa !\n"])
    with pytest.raises(ValueError, match="zero text pairs"):
        CharVocab.from_texts([], [])
    with pytest.raises(TypeError, match=r"input_texts\[1\]"):
        CharVocab.from_texts(["Go.", 3], ["Va", "Vas"])
    with pytest.raises(TypeError, match="single str"):
        CharVocab.from_texts("Go.", "Va !")
    for bad in (None, 3, b"Go.", {"Go.": "Va !"}):
        message = f"^input_texts must be a sequence of str, got {type(bad).__name__}$"
        with pytest.raises(TypeError, match=message):
            CharVocab.from_texts(bad, ["Va !"])
    with pytest.raises(ValueError, match="padding"):
        CharVocab.from_texts(INPUTS, TARGETS, padding="same")


# --------------------------------------------------------------------------- one-hot arrays


def test_vectorize_by_hand():
    vocab = CharVocab.from_texts(["ab", "b"], ["x", "yx"], padding="zero")
    encoder_ids, decoder_input_ids, decoder_target_ids = vectorize_ids(["ab", "b"], ["x", "yx"], vocab)
    i, t = vocab.input_token_index, vocab.target_token_index
    np.testing.assert_array_equal(encoder_ids, [[i["a"], i["b"]], [i["b"], -1]])
    np.testing.assert_array_equal(
        decoder_input_ids, [[t[START], t["x"], t[END], -1], [t[START], t["y"], t["x"], t[END]]]
    )
    np.testing.assert_array_equal(
        decoder_target_ids, [[t["x"], t[END], -1, -1], [t["y"], t["x"], t[END], -1]]
    )
    assert encoder_ids.dtype == np.int32
    arrays = vectorize(["ab", "b"], ["x", "yx"], vocab, dtype="float64")
    assert [a.dtype for a in arrays] == [np.float64] * 3
    np.testing.assert_array_equal(arrays[2], one_hot(decoder_target_ids, vocab.num_decoder_tokens))


def test_vectorize_padding_defaults_to_the_vocab_and_can_be_overridden():
    vocab = CharVocab.from_texts(INPUTS, TARGETS)  # space padding
    spaced, zero = vectorize(INPUTS, TARGETS, vocab), vectorize(INPUTS, TARGETS, vocab, padding="zero")
    np.testing.assert_array_equal(spaced[0][0, 3:], one_hot(np.full(6, vocab.input_token_index[PAD]), 10))
    assert not zero[0][0, 3:].any()
    no_space = CharVocab.from_texts(["ab"], ["c"], padding="zero")
    with pytest.raises(ValueError, match="padding 'space'"):
        vectorize(["ab"], ["c"], no_space, padding="space")


def test_vectorize_rejects_texts_the_vocab_cannot_hold():
    vocab = CharVocab.from_texts(INPUTS, TARGETS)
    with pytest.raises(UnknownTokenError, match="'!'"):
        vectorize(["Go!"], ["Va !"], vocab)
    with pytest.raises(ValueError, match="limit of 9"):
        vectorize(["Go. Go. Go."], ["Va !"], vocab)
    with pytest.raises(ValueError, match="1 input texts but 2"):
        vectorize(["Go."], TARGETS, vocab)
    assert [a.shape[0] for a in vectorize([], [], vocab)] == [0, 0, 0]


def test_encode_input_texts():
    vocab = CharVocab.from_texts(INPUTS, TARGETS)
    np.testing.assert_array_equal(encode_input_texts(INPUTS, vocab), vectorize(INPUTS, TARGETS, vocab)[0])

    with pytest.raises(UnknownTokenError) as info:
        encode_input_texts(["Hi!", "Go?!"], vocab)
    assert info.value.chars == ["!"] and info.value.text == "Hi!"
    assert "'!'" in str(info.value) and "'Hi!'" in str(info.value)
    assert isinstance(info.value, ValueError)
    np.testing.assert_array_equal(
        encode_input_texts(["H?i!"], vocab, errors="ignore"), encode_input_texts(["Hi"], vocab)
    )

    with pytest.raises(ValueError, match=r"'Hi there. Go.' has 13 characters.*limit of 9"):
        encode_input_texts(["Hi there. Go."], vocab)
    np.testing.assert_array_equal(
        encode_input_texts(["Hi there. Go."], vocab, truncate=True), encode_input_texts(["Hi there."], vocab)
    )

    with pytest.raises(TypeError, match="single str"):
        encode_input_texts("Hi", vocab)
    with pytest.raises(TypeError, match=r"texts\[0\] must be str"):
        encode_input_texts([b"Hi"], vocab)
    with pytest.raises(ValueError, match="errors"):
        encode_input_texts(["Hi"], vocab, errors="replace")
    assert not encode_input_texts(["Go"], vocab, padding="zero")[0, 2:].any()


@pytest.mark.parametrize("pair, side, shown", [(("abcab", "xy"), "encoder", "'abcab' has 5 characters"),
                                                (("ab", "xyxy"), "decoder", "'\\txyxy\\n' has 6 characters")])
def test_too_long_training_text_names_its_side_and_the_vocabulary_limit(pair, side, shown):
    """Training data cannot be cut (vectorize has no truncate): the error says which side
    overflowed and that the vocabulary sets the limit, not 'pass truncate=True'."""
    vocab = CharVocab.from_texts(["abc", "ab"], ["xy", "xx"])    # input ≤ 3, target ≤ 4
    with pytest.raises(TextTooLongError) as info:
        vectorize_ids([pair[0]], [pair[1]], vocab)
    message = str(info.value)
    assert shown in message and f"max_{side}_seq_length is the limit" in message
    assert "truncate" not in message


def test_docstring_examples():
    assert doctest.testmod(chars_module).failed == 0
