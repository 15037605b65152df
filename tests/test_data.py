"""Tests of npseq2seq.data: reading fra.txt, the vocabulary, one-hot arrays, toy corpora."""

import doctest
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import npseq2seq.data as data
from tests.conftest import FRA_PATH
from npseq2seq.data import (
    CORPORA,
    CORPUS_SIZES,
    END,
    PAD,
    START,
    CharVocab,
    DataError,
    UnknownTokenError,
    addition_pairs,
    encode_input_texts,
    english_number,
    french_number,
    generated_corpus,
    load_pairs,
    number_word_pairs,
    one_hot,
    texts_to_ids,
    vectorize,
    vectorize_ids,
)

# The shared data directory sits beside the repository (CI clones ../shared next to it);
# conftest's fra_path skips (or, where required, fails) without it.
FRA_TXT = FRA_PATH
needs_fra = pytest.mark.usefixtures("fra_path")


def write(tmp_path, content, name="pairs.txt"):
    """Write str (as UTF-8) or bytes to a file in tmp_path and return its path."""
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


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


@needs_fra
def test_whole_file_and_more_than_there_is():
    inputs, targets = load_pairs(FRA_TXT)
    assert len(inputs) == len(targets) == 66_000
    assert load_pairs(FRA_TXT, 10**9) == (inputs, targets)
    assert not any(START in t or END in t for t in inputs + targets)


# --------------------------------------------------------------------------- load_pairs formats


def test_two_and_three_columns_give_the_same_pairs(tmp_path):
    two = write(tmp_path, "Go.\tVa !\nHi.\tSalut !\n", "two.txt")
    three = write(tmp_path, "Go.\tVa !\tCC-BY 2.0 (France) #2877272\nHi.\tSalut !\t\n", "three.txt")
    assert load_pairs(two) == load_pairs(three) == (["Go.", "Hi."], ["Va !", "Salut !"])


def test_crlf_missing_final_newline_trailing_blank_lines_and_bom(tmp_path):
    expected = (["Go.", "Hi."], ["Va !", "Salut !"])
    assert load_pairs(write(tmp_path, "Go.\tVa !\r\nHi.\tSalut !\r\n")) == expected
    assert load_pairs(write(tmp_path, "Go.\tVa !\nHi.\tSalut !")) == expected
    assert load_pairs(write(tmp_path, "Go.\tVa !\nHi.\tSalut !\n\n \r\n\n")) == expected
    assert load_pairs(write(tmp_path, "\ufeffGo.\tVa !\nHi.\tSalut !\n")) == expected


def test_num_samples_takes_the_first_lines_and_checks_only_those(tmp_path):
    path = write(tmp_path, "a\tA\nb\tB\nc\tC\nno tab here\n")
    assert load_pairs(path, 2) == (["a", "b"], ["A", "B"])
    assert load_pairs(path, 3) == (["a", "b", "c"], ["A", "B", "C"])
    with pytest.raises(DataError, match="line 4"):
        load_pairs(path, 4)


def test_num_samples_larger_than_the_file_gives_every_pair(tmp_path):
    path = write(tmp_path, "a\tA\nb\tB\n")
    assert load_pairs(path, 3) == load_pairs(path, 10**9) == load_pairs(path) == (["a", "b"], ["A", "B"])


def test_a_directory_is_a_data_error(tmp_path):
    (tmp_path / "fra.txt").mkdir()
    with pytest.raises(DataError, match=r"fra.txt: cannot be read: Is a directory$") as info:
        load_pairs(tmp_path / "fra.txt")
    assert info.value.line is None and isinstance(info.value.__cause__, IsADirectoryError)


def test_texts_are_kept_as_they_are(tmp_path):
    path = write(tmp_path, " Go. \t  Va !\r\tx\nÇa\u2028va\tÇa\x0bva\n")
    assert load_pairs(path) == ([" Go. ", "Ça\u2028va"], ["  Va !\r", "Ça\x0bva"])


BAD_FILES = [
    # (file content, 1-based line named in the error or None, words the message must contain)
    ("", None, "no sentence pairs"),
    ("\n\n  \r\n", None, "no sentence pairs"),
    ("Go.\tVa !\nHi. Salut !\n", 2, "no tab"),
    ("Go.\tVa !\n\tSalut !\n", 2, "empty English"),
    ("Go.\tVa !\nHi.\t\n", 2, "empty French"),
    ("Go.\tVa !\nHi.\t  \tattribution\n", 2, "empty French"),
    ("Go.\tVa !\nHi.\tSalut !\tCC-BY\textra\n", 2, "4 tab-separated columns"),
    ("Go.\tVa !\n\nHi.\tSalut !\n", 2, "blank line"),
    ("Go.\tVa !\r\n\r\n\r\nHi.\tSalut !\r\n", 2, "blank line"),
    (b"Go.\tVa !\nHi.\tSalut !\nCafe\xe9.\tCaf\xc3\xa9.\n", 3, "not valid utf-8"),
    (b"Go.\tVa \xff!\n", 1, "not valid utf-8"),
    (b"Go.\tVa !\nHi.\tSalut \xe2\x80\n", 2, "not valid utf-8"),
]


@pytest.mark.parametrize("content, line, words", BAD_FILES)
def test_bad_files_raise_data_error_naming_file_and_line(tmp_path, content, line, words):
    path = write(tmp_path, content, "bad-fra.txt")
    with pytest.raises(DataError) as info:
        load_pairs(path)
    message = str(info.value)
    assert "bad-fra.txt" in message and words in message
    assert info.value.line == line
    if line is not None:
        assert f"line {line}:" in message


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="nowhere.txt: file not found") as info:
        load_pairs(tmp_path / "nowhere.txt")
    assert isinstance(info.value.__cause__, FileNotFoundError)
    assert isinstance(info.value, ValueError)


def test_undecodable_in_another_codec_still_names_a_line(tmp_path):
    # UTF-16 with a dangling byte after line 1: surrogateescape cannot absorb this error.
    path = write(tmp_path, "Go.\tVa !\n".encode("utf-16") + b"\x00", "odd.txt")
    with pytest.raises(DataError, match=r"odd.txt, line 2: .*not valid utf-16"):
        load_pairs(path, encoding="utf-16")
    assert load_pairs(write(tmp_path, "Go.\tVa !\n".encode("utf-16")), encoding="utf-16") == (
        ["Go."], ["Va !"]
    )


@pytest.mark.parametrize("num_samples", [0, -3, 1.5, True, "10"])
def test_num_samples_must_be_a_positive_int(tmp_path, num_samples):
    path = write(tmp_path, "Go.\tVa !\n")
    with pytest.raises(ValueError, match="num_samples") as info:
        load_pairs(path, num_samples)
    assert not isinstance(info.value, DataError)


@pytest.fixture(scope="module")
def scratch_file(tmp_path_factory):
    return tmp_path_factory.mktemp("hypothesis") / "fra.txt"


def check_load_outcome(path, num_samples):
    """load_pairs returns well-formed pairs or raises DataError, nothing else."""
    try:
        inputs, targets = load_pairs(path, num_samples)
    except DataError as err:
        assert path.name in str(err)
        return
    assert 0 < len(inputs) == len(targets) <= (num_samples or len(inputs))
    for text in inputs + targets:
        assert isinstance(text, str) and text.strip() and "\t" not in text and "\n" not in text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(codec="utf-8")), num_samples=st.none() | st.integers(1, 5))
def test_any_text_file_loads_or_raises_data_error(scratch_file, text, num_samples):
    scratch_file.write_text(text, encoding="utf-8", newline="")
    check_load_outcome(scratch_file, num_samples)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(), num_samples=st.none() | st.integers(1, 5))
def test_any_bytes_load_or_raise_data_error(scratch_file, content, num_samples):
    scratch_file.write_bytes(content)
    check_load_outcome(scratch_file, num_samples)


# Lines that are mostly well-formed, so the property also reaches the happy paths.
_side = st.text(st.characters(codec="utf-8", exclude_characters="\t\n"), max_size=6)
_line = st.lists(_side, min_size=1, max_size=4).map("\t".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(_line, max_size=6),
    ending=st.sampled_from(["\n", "\r\n"]),
    final_newline=st.booleans(),
    num_samples=st.none() | st.integers(1, 5),
)
def test_structured_files_load_or_raise_data_error(scratch_file, lines, ending, final_newline, num_samples):
    text = ending.join(lines) + (ending if final_newline else "")
    scratch_file.write_text(text, encoding="utf-8", newline="")
    check_load_outcome(scratch_file, num_samples)


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
        with pytest.raises(TypeError, match=f"^input_texts must be a sequence of str, got {type(bad).__name__}$"):
            CharVocab.from_texts(bad, ["Va !"])
    with pytest.raises(ValueError, match="padding"):
        CharVocab.from_texts(INPUTS, TARGETS, padding="same")


# --------------------------------------------------------------------------- one-hot encoding


def test_one_hot_with_minus_one_as_zero_row():
    ids = np.array([[2, 0, -1], [1, -1, -1]])
    out = one_hot(ids, 3, dtype="float64")
    assert out.shape == (2, 3, 3) and out.dtype == np.float64
    np.testing.assert_array_equal(out[0], [[0, 0, 1], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(out[1], [[0, 1, 0], [0, 0, 0], [0, 0, 0]])
    assert one_hot([], 4).shape == (0, 4)
    with pytest.raises(ValueError, match=r"\[-1, 3\)"):
        one_hot([0, 3], 3)
    with pytest.raises(ValueError, match=r"\[-1, 3\)"):
        one_hot([-2], 3)
    with pytest.raises(TypeError, match="integers"):
        one_hot([0.0, 1.0], 3)


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


def test_texts_to_ids_pads_with_the_given_id():
    ids = texts_to_ids(["ab", "", "b"], {"a": 0, "b": 1}, 3, pad_id=7)
    np.testing.assert_array_equal(ids, [[0, 1, 7], [7, 7, 7], [1, 7, 7]])


# --------------------------------------------------------------------------- number words

FRENCH = {
    0: "zéro", 1: "un", 7: "sept", 10: "dix", 11: "onze", 16: "seize", 17: "dix-sept",
    19: "dix-neuf", 20: "vingt", 21: "vingt et un", 22: "vingt-deux", 30: "trente",
    31: "trente et un", 45: "quarante-cinq", 51: "cinquante et un", 60: "soixante",
    61: "soixante et un", 69: "soixante-neuf", 70: "soixante-dix", 71: "soixante et onze",
    72: "soixante-douze", 77: "soixante-dix-sept", 79: "soixante-dix-neuf", 80: "quatre-vingts",
    81: "quatre-vingt-un", 82: "quatre-vingt-deux", 89: "quatre-vingt-neuf", 90: "quatre-vingt-dix",
    91: "quatre-vingt-onze", 97: "quatre-vingt-dix-sept", 99: "quatre-vingt-dix-neuf",
    100: "cent", 101: "cent un", 111: "cent onze", 121: "cent vingt et un", 171: "cent soixante et onze",
    180: "cent quatre-vingts", 181: "cent quatre-vingt-un", 200: "deux cents", 201: "deux cent un",
    280: "deux cent quatre-vingts", 300: "trois cents", 371: "trois cent soixante et onze",
    480: "quatre cent quatre-vingts", 580: "cinq cent quatre-vingts", 999: "neuf cent quatre-vingt-dix-neuf",
    1000: "mille", 1001: "mille un", 1080: "mille quatre-vingts", 2000: "deux mille",
    21_000: "vingt et un mille", 80_000: "quatre-vingt mille", 80_080: "quatre-vingt mille quatre-vingts",
    200_000: "deux cent mille", 200_200: "deux cent mille deux cents",
    999_999: "neuf cent quatre-vingt-dix-neuf mille neuf cent quatre-vingt-dix-neuf",
}
ENGLISH = {
    0: "zero", 5: "five", 13: "thirteen", 20: "twenty", 21: "twenty-one", 40: "forty",
    71: "seventy-one", 80: "eighty", 97: "ninety-seven", 100: "one hundred", 105: "one hundred five",
    180: "one hundred eighty", 200: "two hundred", 201: "two hundred one", 999: "nine hundred ninety-nine",
    1000: "one thousand", 21_001: "twenty-one thousand one",
    999_999: "nine hundred ninety-nine thousand nine hundred ninety-nine",
}


@pytest.mark.parametrize("n, words", FRENCH.items())
def test_french_number(n, words):
    assert french_number(n) == words


@pytest.mark.parametrize("n, words", ENGLISH.items())
def test_english_number(n, words):
    assert english_number(n) == words


def test_number_words_are_distinct_and_follow_the_spelling_rules():
    for speller in (english_number, french_number):
        assert len({speller(n) for n in range(1000)}) == 1000
    for n in range(1, 1000):
        words = french_number(n)
        # "cents"/"vingts" take an s only at the end of the number; "et" only before un/onze.
        assert "cents " not in words and "vingts " not in words and "vingts-" not in words
        assert words.count(" et ") == words.count(" et un") + words.count(" et onze")
        assert " et un" not in words or n % 100 in (21, 31, 41, 51, 61)
        assert words.replace("-", " ").replace(" et ", " ").split() and "  " not in words


@pytest.mark.parametrize("bad", [-1, 1_000_000, 2.0, True, "3"])
def test_number_words_reject_out_of_range(bad):
    for speller in (english_number, french_number):
        with pytest.raises(ValueError, match="n must be an int"):
            speller(bad)


# --------------------------------------------------------------------------- generated corpora


def test_number_word_pairs():
    inputs, targets = number_word_pairs(seed=3)
    assert len(inputs) == 1000
    assert sorted(zip(inputs, targets)) == sorted((english_number(n), french_number(n)) for n in range(1000))
    assert inputs != [english_number(n) for n in range(1000)]  # shuffled
    assert number_word_pairs(seed=3) == (inputs, targets)
    assert number_word_pairs(10, seed=3) == (inputs[:10], targets[:10])
    assert number_word_pairs(seed=4) != (inputs, targets)
    assert number_word_pairs(low=70, high=71) in [
        (["seventy", "seventy-one"], ["soixante-dix", "soixante et onze"]),
        (["seventy-one", "seventy"], ["soixante et onze", "soixante-dix"]),
    ]
    with pytest.raises(ValueError, match="only 3 distinct"):
        number_word_pairs(4, low=1, high=3)
    with pytest.raises(ValueError, match="greater than"):
        number_word_pairs(low=5, high=4)


def test_addition_pairs():
    inputs, targets = addition_pairs(2000, digits=3, seed=1)
    assert len(inputs) == len(set(inputs)) == 2000
    operands = [tuple(map(int, q.split("+"))) for q in inputs]
    assert len({frozenset(p) for p in operands}) == 2000  # distinct up to order
    assert all(str(a + b) == answer for (a, b), answer in zip(operands, targets))
    assert all(0 <= a < 1000 and 0 <= b < 1000 for a, b in operands)
    assert all(q == f"{a}+{b}" for q, (a, b) in zip(inputs, operands))  # no leading zeros, padding
    assert addition_pairs(2000, seed=1) == (inputs, targets)
    assert addition_pairs(50, seed=1) == (inputs[:50], targets[:50])
    assert addition_pairs(2000, seed=2) != (inputs, targets)
    assert len(addition_pairs(55, digits=1)[0]) == 55  # every pair of 0..9
    with pytest.raises(ValueError, match="only 55 distinct"):
        addition_pairs(56, digits=1)
    with pytest.raises(ValueError, match="digits"):
        addition_pairs(10, digits=0)


def test_generated_corpus_registry():
    assert set(CORPORA) == {"numbers", "addition"}
    assert generated_corpus("numbers", num_samples=5, seed=2) == number_word_pairs(5, seed=2)
    assert generated_corpus("addition", num_samples=5) == addition_pairs(5)
    with pytest.raises(ValueError, match="'poems'.*addition, numbers"):
        generated_corpus("poems")


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_generated_corpora_vectorize(name):
    inputs, targets = generated_corpus(name, num_samples=300)
    vocab = CharVocab.from_texts(inputs, targets)
    arrays = vectorize(inputs, targets, vocab)
    assert arrays[0].shape == (300, vocab.max_encoder_seq_length, vocab.num_encoder_tokens)
    for array in arrays:
        np.testing.assert_array_equal(array.sum(axis=-1), 1.0)


def test_docstring_examples():
    assert doctest.testmod(data).failed == 0


# --------------------------------------------------------------------------- data/ fixtures

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def test_data_dir_holds_what_the_generators_make():
    """data/numbers.txt and data/addition-1000.txt are the generators' output, line for line:
    a change to a generator (which would change what saved demo models were trained on)
    shows up here."""
    assert load_pairs(DATA_DIR / "numbers.txt") == number_word_pairs()
    assert load_pairs(DATA_DIR / "addition-1000.txt") == addition_pairs(num_samples=1000)


def test_data_dir_three_column_fixture_loads_without_its_attribution():
    inputs, targets = load_pairs(DATA_DIR / "three-columns.txt")
    assert inputs[:2] == ["Go.", "Hi."] and targets[:2] == ["Va !", "Salut !"]
    assert len(inputs) == 5 and not any("CC-BY" in t for t in targets)


@pytest.mark.parametrize("pair, side, shown", [(("abcab", "xy"), "encoder", "'abcab' has 5 characters"),
                                                (("ab", "xyxy"), "decoder", "'\\txyxy\\n' has 6 characters")])
def test_too_long_training_text_names_its_side_and_the_vocabulary_limit(pair, side, shown):
    """Training data cannot be cut (vectorize has no truncate): the error says which side
    overflowed and that the vocabulary sets the limit, not 'pass truncate=True'."""
    vocab = data.CharVocab.from_texts(["abc", "ab"], ["xy", "xx"])    # input ≤ 3, target ≤ 4
    with pytest.raises(data.TextTooLongError) as info:
        data.vectorize_ids([pair[0]], [pair[1]], vocab)
    message = str(info.value)
    assert shown in message and f"max_{side}_seq_length is the limit" in message
    assert "truncate" not in message


def test_corpus_sizes_are_what_the_generators_give():
    assert len(number_word_pairs()[0]) == CORPUS_SIZES["numbers"]
    with pytest.raises(ValueError, match=f"only {CORPUS_SIZES['addition']} distinct"):
        addition_pairs(CORPUS_SIZES["addition"] + 1)
    assert set(CORPUS_SIZES) == set(CORPORA)
