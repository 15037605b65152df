"""Tests of npseq2seq.text.vocab: the one interface both vocabularies implement, run through
the same checks for each (characters with space and with zero padding, words), and checked
against each level's own functions, which it must reproduce exactly."""

import json

import numpy as np
import pytest

from npseq2seq.text import (
    CharVocab,
    TextTooLongError,
    UnknownTokenError,
    Vocab,
    WordVocab,
    decode_ids,
    detokenize,
    encode_input_texts,
    encode_input_words,
    tokenize,
    vectorize,
    vectorize_ids,
    vectorize_words,
    vocab_from_config,
    words,
)

INPUTS = ["Go.", "Hi there.", "Run!"]
TARGETS = ["Va !", "Salut.", "Cours !"]
LEVELS = ["char-space", "char-zero", "word"]


def make(level: str) -> Vocab:
    if level == "word":
        return WordVocab.from_texts(INPUTS, TARGETS)
    return CharVocab.from_texts(INPUTS, TARGETS, padding=level.removeprefix("char-"))


@pytest.fixture(params=LEVELS)
def vocab(request) -> Vocab:
    return make(request.param)


def as_ids(array: np.ndarray) -> np.ndarray:
    """Ids of an encoded array: one-hot rows (..., V) → their id, -1 for an all-zero row."""
    if array.ndim == 2:
        return array
    return np.where(array.any(axis=-1), array.argmax(axis=-1), -1)


def shown(vocab: Vocab, text: str) -> str:
    """What decoding a target gives back: the text itself, or at word level its tokens rejoined."""
    return text if vocab.level == "char" else detokenize(tokenize(text, vocab.lower))


# --------------------------------------------------------------------------- what it is


def test_both_vocabularies_are_vocabs_of_their_level(vocab):
    assert isinstance(vocab, Vocab)
    assert vocab.level == ("word" if isinstance(vocab, WordVocab) else "char")
    assert vocab.num_encoder_tokens == len(vocab.input_vocabulary)
    assert vocab.num_decoder_tokens == len(vocab.target_vocabulary)
    assert dict(vocab.input_token_index) == {t: i for i, t in enumerate(vocab.input_vocabulary)}
    assert dict(vocab.target_token_index) == {t: i for i, t in enumerate(vocab.target_vocabulary)}
    assert vocab.max_encoder_seq_length >= 1 and vocab.max_decoder_seq_length >= 2
    assert repr(vocab).startswith(f"{type(vocab).__name__}(num_encoder_tokens={vocab.num_encoder_tokens}, ")


def test_the_interface_cannot_be_built_alone():
    with pytest.raises(TypeError, match="abstract"):
        Vocab()


def test_start_and_stop_ids():
    char, word = make("char-space"), make("word")
    assert (char.start_id, char.stop_id) == (char.target_token_index["\t"], char.target_token_index["\n"])
    assert (word.start_id, word.stop_id) == (words.START, words.END) == (2, 3)


def test_start_and_stop_ids_name_the_start_and_end_tokens(vocab):
    assert vocab.target_token(vocab.start_id) == vocab.start_token
    assert vocab.target_token(vocab.stop_id) == vocab.end_token
    row = vocab.target_ids(TARGETS[0])
    assert (row[0], row[-1]) == (vocab.start_id, vocab.stop_id)


# --------------------------------------------------------------------------- encode_inputs


def test_encode_inputs_is_each_levels_own_encoder():
    char, zero, word = make("char-space"), make("char-zero"), make("word")
    for v in (char, zero):
        np.testing.assert_array_equal(v.encode_inputs(INPUTS), encode_input_texts(INPUTS, v))
        assert v.encode_inputs(INPUTS).shape == (3, v.max_encoder_seq_length, v.num_encoder_tokens)
        assert v.encode_inputs(INPUTS, dtype="float64").dtype == np.float64
        np.testing.assert_array_equal(v.encode_inputs(["G§o"], errors="ignore"), v.encode_inputs(["Go"]))
    np.testing.assert_array_equal(word.encode_inputs(INPUTS), encode_input_words(INPUTS, word))
    assert word.encode_inputs(INPUTS).shape == (3, word.max_encoder_seq_length)
    assert word.encode_inputs(INPUTS, dtype="float64").dtype == np.int32      # ids stay ids


def test_encode_inputs_unknown_tokens():
    char, word = make("char-space"), make("word")
    with pytest.raises(UnknownTokenError, match="'§'"):
        char.encode_inputs(["G§o"])
    ids = word.encode_inputs(["Go §!"])
    assert ids[0, 1] == words.UNK
    # nothing is unknown at word level: "ignore" changes nothing
    np.testing.assert_array_equal(word.encode_inputs(["Go §!"], errors="ignore"), ids)


def test_encode_inputs_errors(vocab):
    too_long = "Run! " * 10
    with pytest.raises(TextTooLongError, match="truncate=True"):
        vocab.encode_inputs([too_long])
    cut = vocab.encode_inputs([too_long], truncate=True)
    assert cut.shape[:2] == (1, vocab.max_encoder_seq_length)
    np.testing.assert_array_equal(as_ids(cut)[0], vocab.input_ids(too_long)[:vocab.max_encoder_seq_length])
    with pytest.raises(ValueError, match="errors must be 'raise' or 'ignore', got 'replace'"):
        vocab.encode_inputs(INPUTS, errors="replace")
    with pytest.raises(TypeError, match="single str"):
        vocab.encode_inputs("Go.")
    with pytest.raises(TypeError, match=r"texts\[1\] must be str"):
        vocab.encode_inputs(["Go.", 3])


def test_encode_inputs_pads_with_the_input_pad_id(vocab):
    ids = as_ids(vocab.encode_inputs(["Go."]))[0]
    real = len(vocab.input_ids("Go."))
    pad = vocab.input_pad_id if vocab.input_pad_id is not None else vocab.input_token_index[" "]
    assert (ids[real:] == pad).all() and (ids[:real] != pad).all()


# --------------------------------------------------------------------------- encode_pairs


def test_encode_pairs_is_each_levels_own_vectorizer():
    for level in ("char-space", "char-zero"):
        v = make(level)
        for got, want in zip(v.encode_pairs(INPUTS, TARGETS, dtype="float64"),
                             vectorize(INPUTS, TARGETS, v, padding=v.padding, dtype="float64")):
            assert got.dtype == np.float64
            np.testing.assert_array_equal(got, want)
        for got, want in zip(v.id_arrays(INPUTS, TARGETS, (-1, -1)),
                             vectorize_ids(INPUTS, TARGETS, v, padding="zero")):
            np.testing.assert_array_equal(got, want)
    word = make("word")
    for got, want in zip(word.encode_pairs(INPUTS, TARGETS), vectorize_words(INPUTS, TARGETS, word)):
        assert got.dtype == np.int32
        np.testing.assert_array_equal(got, want)


def test_encode_pairs_teacher_forcing_and_padding(vocab):
    encoder, decoder_in, decoder_target = (as_ids(a) for a in vocab.encode_pairs(INPUTS, TARGETS))
    assert encoder.shape == (3, vocab.max_encoder_seq_length)
    assert decoder_in.shape == decoder_target.shape == (3, vocab.max_decoder_seq_length)
    np.testing.assert_array_equal(decoder_target[:, :-1], decoder_in[:, 1:])
    pad = vocab.target_pad_id
    for row_in, row_target, text in zip(decoder_in, decoder_target, TARGETS):
        ids = vocab.target_ids(text)
        np.testing.assert_array_equal(row_in[:len(ids)], ids)
        # the targets: the text and the end token, then padding
        assert vocab.decode(row_target[:len(ids) - 1]) == shown(vocab, text)
        assert row_target[len(ids) - 2] == vocab.stop_id
        padded = row_target[len(ids) - 1:]
        assert (padded == (pad if pad is not None else vocab.target_token_index[" "])).all()


def test_encode_pairs_errors(vocab):
    with pytest.raises(ValueError, match="1 input texts but 2 target texts"):
        vocab.encode_pairs(["Go."], ["Va !", "Va !"])
    with pytest.raises(TypeError, match="single str"):
        vocab.encode_pairs("Go.", ["Va !"])
    with pytest.raises(TextTooLongError, match="max_encoder_seq_length is the limit"):
        vocab.encode_pairs(["Run! " * 10], ["Va !"])
    with pytest.raises(TextTooLongError, match="max_decoder_seq_length is the limit"):
        vocab.encode_pairs(["Go."], ["Va ! " * 10])
    assert [a.shape[0] for a in vocab.encode_pairs([], [])] == [0, 0, 0]


# --------------------------------------------------------------------------- decode


def test_decode_gives_back_the_target(vocab):
    for text in TARGETS:
        emitted = vocab.target_ids(text)[1:]              # as decoding emits them: up to the end token
        assert vocab.decode(emitted) == shown(vocab, text)
        assert vocab.decode(np.array(emitted, dtype=np.int64)) == shown(vocab, text)
        assert vocab.decode(emitted[:-1]) == shown(vocab, text)   # no end token emitted


def test_decode_keep_end():
    char, word = make("char-space"), make("word")
    assert char.decode(char.target_ids("Va !")[1:], keep_end=True) == "Va !\n"
    assert word.decode(word.target_ids("Va !")[1:], keep_end=True) == "va !"   # <end> is no word
    it = word.target_token_index
    assert word.decode([it["va"], words.END, it["!"]]) == "va" == decode_ids([it["va"], words.END], word)


# --------------------------------------------------------------------------- has_tokens


@pytest.mark.parametrize("level", ["char-space", "word"])
def test_has_tokens(level):
    vocab = make(level)
    assert vocab.has_tokens("Go.") and vocab.has_tokens("Go.", errors="ignore")
    assert not vocab.has_tokens("") and not vocab.has_tokens("", errors="ignore")
    # an unknown character is a token to raise on; ignored, it leaves nothing
    assert vocab.has_tokens("§§")
    assert vocab.has_tokens("§§", errors="ignore") == (level == "word")    # a word: <unk>
    assert vocab.has_tokens("  ") == (level != "word")     # spaces are characters, not words


def test_has_tokens_agrees_with_encode_inputs(vocab):
    for text in ["", " ", "§", "Go §", "\u202f!"]:
        for errors in ("raise", "ignore"):
            try:
                ids = as_ids(vocab.encode_inputs([text], errors=errors))[0]
            except UnknownTokenError:
                assert vocab.has_tokens(text, errors)
                continue
            real = len(vocab.input_ids(text, errors))
            assert vocab.has_tokens(text, errors) == (real > 0), (text, errors)
            assert len(ids) == vocab.max_encoder_seq_length


def test_has_tokens_errors(vocab):
    with pytest.raises(ValueError, match="errors must be 'raise' or 'ignore'"):
        vocab.has_tokens("Go.", errors="strict")
    with pytest.raises(TypeError, match="text must be str, got list"):
        vocab.has_tokens(["Go."])


# --------------------------------------------------------------------------- token names


def test_tokenize_and_unknown_tokens():
    char, word = make("char-space"), make("word")
    assert char.tokenize("Go, Go!") == list("Go, Go!")
    assert char.unknown_tokens("Go, Gox!") == [",", "x"]
    assert word.tokenize("Go, GO!") == ["go", ",", "go", "!"]
    assert word.unknown_tokens("Go, GO §!") == [",", "§"]


def test_unknown_tokens_are_what_encoding_raises_on_drops_or_reads_as_unk(vocab):
    for text in INPUTS + ["", "Go, Go §!", "§§"]:
        unknown = vocab.unknown_tokens(text)
        assert unknown == [t for t in vocab.tokenize(text) if t not in vocab.input_token_index]
        if vocab.level == "word":
            assert vocab.input_ids(text).count(words.UNK) == len(unknown)
        else:
            assert len(vocab.input_ids(text, errors="ignore")) == len(text) - len(unknown)
            if unknown:
                with pytest.raises(UnknownTokenError):
                    vocab.input_ids(text)
    with pytest.raises(TypeError, match="text must be str"):
        vocab.unknown_tokens(3)


def test_input_tokens():
    char, word = make("char-space"), make("word")
    assert char.input_tokens("Go.") == ["G", "o", "."]
    assert char.input_tokens("G§o", errors="ignore") == ["G", "o"]
    with pytest.raises(UnknownTokenError):
        char.input_tokens("G§o")
    assert word.input_tokens("Go §!") == ["go", "<unk>", "!"]
    assert word.input_tokens("Go §!", errors="ignore") == ["go", "<unk>", "!"]


def test_input_tokens_name_what_encode_inputs_encodes(vocab):
    for text in INPUTS + ["Run! " * 10]:
        ids = as_ids(vocab.encode_inputs([text], truncate=True))[0]
        names = vocab.input_tokens(text, truncate=True)
        assert [vocab.input_token(i) for i in ids[:len(names)]] == names
    with pytest.raises(TextTooLongError):
        vocab.input_tokens("Run! " * 10)
    with pytest.raises(ValueError, match="errors must be"):
        vocab.input_tokens("Go.", errors="replace")
    with pytest.raises(TypeError, match="text must be str"):
        vocab.input_tokens(None)


def test_token_names_of_ids(vocab):
    for side, name in (("input", vocab.input_token), ("target", vocab.target_token)):
        tokens = getattr(vocab, f"{side}_vocabulary")
        assert [name(i) for i in range(len(tokens))] == list(tokens)
        assert name(np.int64(0)) == tokens[0]
        assert name(-1) == "<pad>"                          # an all-zero row
        for bad in (len(tokens), -2):
            with pytest.raises(ValueError, match=rf"token id must lie in \[-1, {len(tokens)}\), got {bad}"):
                name(bad)
        for bad in (1.0, True, "1"):
            with pytest.raises(TypeError, match="token id must be an int"):
                name(bad)


# --------------------------------------------------------------------------- padding facts


def test_pad_ids():
    assert (make("char-space").input_pad_id, make("char-space").target_pad_id) == (None, None)
    assert (make("char-zero").input_pad_id, make("char-zero").target_pad_id) == (-1, -1)
    assert (make("word").input_pad_id, make("word").target_pad_id) == (words.PAD, words.PAD) == (0, 0)


def test_a_pad_id_marks_padding_only(vocab):
    """Where there is a pad id, the steps that hold it are exactly the padded ones: what
    length-bucketed training reads the lengths from."""
    if vocab.target_pad_id is None:
        return
    _, decoder_in, decoder_target = (as_ids(a) for a in vocab.encode_pairs(INPUTS, TARGETS))
    lengths = [len(vocab.target_ids(t)) for t in TARGETS]
    np.testing.assert_array_equal((decoder_in != vocab.target_pad_id).sum(axis=1), lengths)
    np.testing.assert_array_equal((decoder_target != vocab.target_pad_id).sum(axis=1),
                                  np.subtract(lengths, 1))


# --------------------------------------------------------------------------- config


def test_vocab_from_config_picks_the_class(vocab):
    config = json.loads(json.dumps(vocab.to_config()))
    for level in (None, vocab.level):
        again = vocab_from_config(config, level=level)
        assert type(again) is type(vocab) and again == vocab
    assert type(vocab).from_config(config) == vocab


def test_vocab_from_config_errors():
    char, word = make("char-space").to_config(), make("word").to_config()
    with pytest.raises(ValueError, match="level must be one of \\['char', 'subword', 'word'\\], got 'byte'"):
        vocab_from_config(char, level="byte")
    with pytest.raises(ValueError, match="needs exactly the keys"):
        vocab_from_config(char, level="word")       # a model file whose level does not fit its vocabulary
    with pytest.raises(ValueError, match="needs exactly the keys"):
        vocab_from_config(word, level="char")
    with pytest.raises(ValueError, match="needs exactly the keys"):
        vocab_from_config({"input_tokens": []})


def test_the_saved_format_is_unchanged():
    """The keys a model file holds, as before the interface: old files load."""
    assert sorted(make("char-zero").to_config()) == [
        "input_characters", "max_decoder_seq_length", "max_encoder_seq_length", "padding",
        "target_characters"]
    assert sorted(make("word").to_config()) == [
        "input_words", "lower", "max_decoder_seq_length", "max_encoder_seq_length", "target_words"]
    old = {"input_characters": " .Go", "target_characters": "\t\n !Va", "max_encoder_seq_length": 3,
           "max_decoder_seq_length": 6, "padding": "space"}
    assert vocab_from_config(old, level="char") == CharVocab(" .Go", "\t\n !Va", 3, 6)
