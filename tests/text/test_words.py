"""Tests of npseq2seq.text.words: WordVocab, id arrays, decoding ids back to text."""

import doctest
import json
import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import npseq2seq.text.words as words
from npseq2seq.text import TextTooLongError
from npseq2seq.text.ids import one_hot
from npseq2seq.text.tokenizer import detokenize, tokenize
from npseq2seq.text.words import (
    END,
    PAD,
    RESERVED_TOKENS,
    START,
    UNK,
    WordVocab,
    decode_ids,
    encode_input_words,
    ids_to_words,
    vectorize_words,
)
from tests.text.test_tokenizer import ANY_TEXT

# --------------------------------------------------------------------------- WordVocab

INPUTS = ["Go.", "Go on!", "I'm cold.", "Run!"]
TARGETS = ["Va !", "Continue !", "J'ai froid.", "Cours\u202f!"]


def test_vocabulary_order_is_frequency_then_alphabet():
    vocab = WordVocab.from_texts(INPUTS, TARGETS)
    # counts: go 2, ! 2, . 2, then 1 each; ties alphabetically (code points: "!" < "." < letters)
    assert vocab.input_words == RESERVED_TOKENS + ("!", ".", "go", "cold", "i'm", "on", "run")
    assert vocab.target_words == RESERVED_TOKENS + ("!", ".", "ai", "continue", "cours", "froid", "j'", "va")
    assert vocab.num_encoder_tokens == 11 and vocab.num_decoder_tokens == 12
    assert vocab.max_encoder_seq_length == 3  # "go on !", "i'm cold ."
    assert vocab.max_decoder_seq_length == 6  # <start> j' ai froid . <end>
    assert vocab.lower is True
    assert dict(vocab.input_token_index) == {w: i for i, w in enumerate(vocab.input_words)}
    assert dict(vocab.reverse_target_word_index) == dict(enumerate(vocab.target_words))
    assert dict(vocab.reverse_input_word_index) == dict(enumerate(vocab.input_words))
    assert repr(vocab) == (
        "WordVocab(num_encoder_tokens=11, num_decoder_tokens=12, max_encoder_seq_length=3, "
        "max_decoder_seq_length=6, lower=True)"
    )


def test_reserved_ids_are_the_same_on_both_sides():
    vocab = WordVocab.from_texts(INPUTS, TARGETS)
    assert (PAD, UNK, START, END) == (0, 1, 2, 3)
    assert RESERVED_TOKENS == ("<pad>", "<unk>", "<start>", "<end>")
    for index in (vocab.input_token_index, vocab.target_token_index):
        assert [index[w] for w in RESERVED_TOKENS] == [PAD, UNK, START, END]


def test_vocabulary_is_deterministic_whatever_the_order_of_the_pairs():
    rng = np.random.default_rng(0)
    order = rng.permutation(len(INPUTS))
    shuffled = WordVocab.from_texts([INPUTS[i] for i in order], [TARGETS[i] for i in order])
    vocab = WordVocab.from_texts(INPUTS, TARGETS)
    assert shuffled == vocab and hash(shuffled) == hash(vocab)


def test_max_words_and_min_count():
    capped = WordVocab.from_texts(INPUTS, TARGETS, max_words=3)
    assert capped.input_words == RESERVED_TOKENS + ("!", ".", "go")
    assert capped.target_words == RESERVED_TOKENS + ("!", ".", "ai")  # tie broken alphabetically
    # The lengths count every token, so a capped vocabulary vectorises the same texts.
    assert capped.max_encoder_seq_length == 3 and capped.max_decoder_seq_length == 6
    frequent = WordVocab.from_texts(INPUTS, TARGETS, min_count=2)
    assert frequent.input_words == RESERVED_TOKENS + ("!", ".", "go")
    assert frequent.target_words == RESERVED_TOKENS + ("!",)
    assert WordVocab.from_texts(INPUTS, TARGETS, max_words=100) == WordVocab.from_texts(INPUTS, TARGETS)


def test_lower_false_keeps_case_and_is_remembered():
    vocab = WordVocab.from_texts(["Go.", "go go"], ["Va !", "va !"], lower=False)
    assert vocab.input_words == RESERVED_TOKENS + ("go", ".", "Go")
    assert vocab.lower is False
    np.testing.assert_array_equal(encode_input_words(["GO go", "Go."], vocab), [[UNK, 4], [6, 5]])


# The French elisions tokenize splits off (the closed list of tokenizer.py's comment on _TOKEN).
ELISIONS = {"c", "d", "j", "l", "m", "n", "s", "t", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"}


def _by_hand(text: str) -> list[str]:
    """tokenize's rules, as far as fra.txt's first 10,000 lines need them, written as a
    character scan (not tokenize's regular expression): lower case, NFC, ’ and ‘ read as
    '; a word is a run of letters/digits that ' or - joins to the next letter/digit, or :
    between two digits (3:30); a French elision at the start of a word is a token of its
    own; any other non-space character is a token alone."""
    text = unicodedata.normalize("NFC", text.lower()).replace("’", "'").replace("‘", "'")
    tokens = []
    for chunk in text.split():
        word = ""
        for i, c in enumerate(chunk):
            after = chunk[i + 1:i + 2]
            joins = c in "'-" or (c == ":" and word[-1:].isdigit() and after.isdigit())
            if c.isalnum() or (joins and word and after.isalnum()):
                word += c
                continue
            if word:
                tokens.append(word)
                word = ""
            tokens.append(c)
        if word:
            tokens.append(word)
    split = []
    for token in tokens:
        head, apostrophe, rest = token.partition("'")
        split += [head + apostrophe, rest] if apostrophe and rest and head in ELISIONS else [token]
    return split


def test_the_facts_of_the_first_10000_lines(fra_10000):
    """On the first 10,000 lines of fra.txt, each side's vocabulary, maximum lengths and
    UNK rates are those computed here from ``_by_hand``'s tokens (``_by_hand`` checked on
    one sentence written out), which agree with ``tokenize`` on every line: the words in
    order of descending count, ties in code point order, after the reserved tokens; T_e
    the most tokens of an input, T_d the most of a target plus 2; capped at 2000 words a
    side, the first 2000 of those words, and ``vectorize_words`` writes exactly as many
    UNK ids as there are occurrences of the words ranked past 2000, among exactly as many
    tokens as the texts have."""
    inputs, targets = fra_10000
    assert _by_hand("Qu’est-ce que J'ai vu à 3:30 ?") == [
        "qu'", "est-ce", "que", "j'", "ai", "vu", "à", "3:30", "?"]
    sides = {"input": inputs, "target": targets}
    tokens = {side: [_by_hand(t) for t in texts] for side, texts in sides.items()}
    for side, texts in sides.items():
        differ = [(t, tokenize(t), mine) for t, mine in zip(texts, tokens[side]) if tokenize(t) != mine]
        assert differ == [], f"{side} texts: tokenize disagrees with _by_hand: {differ[:3]}"

    counts = {side: {} for side in sides}
    for side, token_lists in tokens.items():
        for token_list in token_lists:
            for token in token_list:
                counts[side][token] = counts[side].get(token, 0) + 1
    # descending count; within one count, the words in code point order
    ranked = {side: tuple(w for n in sorted(set(c.values()), reverse=True)
                          for w in sorted(w for w in c if c[w] == n))
              for side, c in counts.items()}
    vocab = WordVocab.from_texts(inputs, targets)
    assert vocab.input_words == RESERVED_TOKENS + ranked["input"]
    assert vocab.target_words == RESERVED_TOKENS + ranked["target"]
    assert vocab.max_encoder_seq_length == max(map(len, tokens["input"]))
    assert vocab.max_decoder_seq_length == max(map(len, tokens["target"])) + 2

    cap = 2000
    assert min(len(ranked["input"]), len(ranked["target"])) > cap     # the cap leaves words out
    capped = WordVocab.from_texts(inputs, targets, max_words=cap)
    assert capped.input_words == RESERVED_TOKENS + ranked["input"][:cap]
    assert capped.target_words == RESERVED_TOKENS + ranked["target"][:cap]
    encoder_ids, _, target_ids = vectorize_words(inputs, targets, capped)
    real = {"input": encoder_ids != PAD,
            "target": (target_ids != PAD) & (target_ids != END)}      # the words; END is not one
    for side, ids in (("input", encoder_ids), ("target", target_ids)):
        left_out = sum(counts[side][w] for w in ranked[side][cap:])
        assert left_out > 0
        assert (int((ids == UNK).sum()), int(real[side].sum())) == (
            left_out, sum(counts[side].values())), side


def test_to_config_round_trip_through_json():
    vocab = WordVocab.from_texts(INPUTS, TARGETS, lower=False, max_words=5)
    config = json.loads(json.dumps(vocab.to_config()))
    assert WordVocab.from_config(config) == vocab
    assert sorted(config) == [
        "input_words", "lower", "max_decoder_seq_length", "max_encoder_seq_length", "target_words",
    ]
    with pytest.raises(ValueError, match="needs exactly the keys"):
        WordVocab.from_config({**config, "padding": "zero"})
    with pytest.raises(ValueError, match="needs exactly the keys"):
        WordVocab.from_config({k: v for k, v in config.items() if k != "lower"})


def _config(**changes):
    return {**WordVocab.from_texts(INPUTS, TARGETS).to_config(), **changes}


@pytest.mark.parametrize("changes, error, message", [
    ({"input_words": ["<pad>", "<unk>", "<start>", "a"]}, ValueError, "must start with"),
    ({"target_words": ["a", "<pad>", "<unk>", "<start>", "<end>"]}, ValueError, "must start with"),
    ({"input_words": [*RESERVED_TOKENS, "a", "b", "a"]}, ValueError, r"repeats \['a'\]"),
    ({"input_words": [*RESERVED_TOKENS, ""]}, ValueError, "non-empty strings"),
    ({"target_words": [*RESERVED_TOKENS, 5]}, ValueError, "non-empty strings"),
    ({"input_words": "<pad><unk>"}, TypeError, "sequence of str"),
    ({"max_encoder_seq_length": 0}, ValueError, "max_encoder_seq_length must be an int >= 1, got 0"),
    ({"max_decoder_seq_length": 1}, ValueError, "max_decoder_seq_length must be an int >= 2, got 1"),
    ({"max_decoder_seq_length": 2.0}, ValueError, "max_decoder_seq_length must be an int"),
    ({"lower": 1}, ValueError, "lower must be True or False, got 1"),
])
def test_invalid_vocabularies(changes, error, message):
    with pytest.raises(error, match=message):
        WordVocab.from_config(_config(**changes))


@pytest.mark.parametrize("args, kwargs, error, message", [
    (([], []), {}, ValueError, "zero text pairs"),
    ((["", " "], ["a", "b"]), {}, ValueError, "all input texts are empty"),
    ((["a"], ["b", "c"]), {}, ValueError, "1 input texts but 2 target texts"),
    (("a", ["b"]), {}, TypeError, "not a single str"),
    ((["a"], [None]), {}, TypeError, r"target_texts\[0\] must be str"),
    ((["a"], ["b"]), {"max_words": 0}, ValueError, "max_words must be an int >= 1, got 0"),
    ((["a"], ["b"]), {"max_words": 2.5}, ValueError, "max_words must be an int >= 1"),
    ((["a"], ["b"]), {"min_count": 0}, ValueError, "min_count must be an int >= 1, got 0"),
    ((["a"], ["b"]), {"lower": "yes"}, ValueError, "lower must be True or False"),
])
def test_from_texts_errors(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        WordVocab.from_texts(*args, **kwargs)


# --------------------------------------------------------------------------- vectorize_words


def test_vectorize_words_arrays():
    vocab = WordVocab.from_texts(INPUTS, TARGETS)
    encoder, decoder_in, decoder_target = vectorize_words(INPUTS, TARGETS, vocab)
    assert encoder.dtype == decoder_in.dtype == decoder_target.dtype == np.int32
    assert encoder.shape == (4, 3) and decoder_in.shape == decoder_target.shape == (4, 6)
    ie, it = vocab.input_token_index, vocab.target_token_index
    np.testing.assert_array_equal(encoder[2], [ie["i'm"], ie["cold"], ie["."]])
    np.testing.assert_array_equal(encoder[0], [ie["go"], ie["."], PAD])
    np.testing.assert_array_equal(decoder_in[0], [START, it["va"], it["!"], END, PAD, PAD])
    np.testing.assert_array_equal(decoder_target[0], [it["va"], it["!"], END, PAD, PAD, PAD])
    np.testing.assert_array_equal(decoder_in[2], [START, it["j'"], it["ai"], it["froid"], it["."], END])
    # Teacher forcing: the target is the input one step ahead, PAD in the last step.
    np.testing.assert_array_equal(decoder_target[:, :-1], decoder_in[:, 1:])
    np.testing.assert_array_equal(decoder_target[:, -1], PAD)
    # One-hot targets as the FAQ writes them come from ids.one_hot.
    assert one_hot(decoder_target, vocab.num_decoder_tokens).shape == (4, 6, 12)


def test_vectorize_words_maps_unknown_words_to_unk_and_checks_lengths():
    vocab = WordVocab.from_texts(INPUTS, TARGETS, max_words=3)
    encoder, decoder_in, _ = vectorize_words(["Run fast!"], ["Cours !"], vocab)
    np.testing.assert_array_equal(encoder, [[UNK, UNK, vocab.input_token_index["!"]]])
    np.testing.assert_array_equal(decoder_in, [[START, UNK, vocab.target_token_index["!"], END, PAD, PAD]])
    with pytest.raises(ValueError, match=r"text 'Go on now !' has 4 tokens, more than the limit of 3"):
        vectorize_words(["Go on now !"], ["Va !"], vocab)
    with pytest.raises(ValueError, match="7 tokens with <start> and <end>, more than the limit of 6"):
        vectorize_words(["Go."], ["a b c d e"], vocab)
    with pytest.raises(ValueError, match="1 input texts but 2 target texts"):
        vectorize_words(["Go."], ["Va !", "Va !"], vocab)
    # Any iterable of str works, read once (a generator too).
    from_generators = vectorize_words((t for t in INPUTS), (t for t in TARGETS), vocab)
    for got, want in zip(from_generators, vectorize_words(INPUTS, TARGETS, vocab)):
        np.testing.assert_array_equal(got, want)
    empty = vectorize_words([], [], vocab)
    assert [a.shape for a in empty] == [(0, 3), (0, 6), (0, 6)]


def test_vectorize_words_on_fra_txt_decodes_back(fra_10000):
    inputs, targets = fra_10000
    vocab = WordVocab.from_texts(inputs, targets)
    encoder, decoder_in, decoder_target = vectorize_words(inputs, targets, vocab)
    longest_input = max(len(_by_hand(t)) for t in inputs)            # T_e, counted by hand
    longest_target = max(len(_by_hand(t)) for t in targets) + 2      # T_d: <start>, <end>
    assert encoder.shape == (10_000, longest_input) and decoder_in.shape == (10_000, longest_target)
    assert not (encoder == UNK).any() and not (decoder_in == UNK).any()
    np.testing.assert_array_equal(decoder_in[:, 0], START)
    # Exactly one END per row, and nothing but PAD after it.
    assert ((decoder_in == END).sum(axis=1) == 1).all()
    after_end = np.cumsum(decoder_in == END, axis=1) - (decoder_in == END) > 0
    assert (decoder_in[after_end] == PAD).all()
    for i in range(0, 10_000, 7):
        assert decode_ids(decoder_target[i], vocab) == detokenize(tokenize(targets[i]))
        assert decode_ids(encoder[i], vocab, "en", side="input") == detokenize(tokenize(inputs[i]), "en")


# --------------------------------------------------------------------------- translation time


def test_encode_input_words():
    vocab = WordVocab.from_texts(INPUTS, TARGETS)
    ie = vocab.input_token_index
    ids = encode_input_words(["I'm COLD!", "Xyzzy.", ""], vocab)
    assert ids.dtype == np.int32
    np.testing.assert_array_equal(ids, [
        [ie["i'm"], ie["cold"], ie["!"]],
        [UNK, ie["."], PAD],
        [PAD, PAD, PAD],
    ])
    with pytest.raises(ValueError, match=r"text 'Go on, go on\.' has 6 tokens, more than the limit of 3"):
        encode_input_words(["Go.", "Go on, go on."], vocab)
    np.testing.assert_array_equal(
        encode_input_words(["Go on, go on."], vocab, truncate=True), [[ie["go"], ie["on"], UNK]]
    )
    with pytest.raises(TypeError, match=r"texts\[1\] must be str, got int"):
        encode_input_words(["Go.", 3], vocab)
    with pytest.raises(TypeError, match="not a single str"):
        encode_input_words("Go.", vocab)


def test_ids_to_words_and_decode_ids():
    vocab = WordVocab.from_texts(INPUTS, TARGETS)
    it = vocab.target_token_index
    ids = [START, it["j'"], it["ai"], UNK, PAD, it["."], END, it["va"]]
    assert ids_to_words(ids, vocab) == ["j'", "ai", "<unk>", "."]
    assert decode_ids(np.array(ids, dtype=np.int64), vocab) == "j'ai <unk>."
    assert ids_to_words([], vocab) == []
    assert ids_to_words([END, it["va"]], vocab) == []
    assert ids_to_words([it["va"], it["!"]], vocab) == ["va", "!"]  # no END: all of it
    ie = vocab.input_token_index
    assert decode_ids([ie["i'm"], ie["cold"], ie["!"]], vocab, "en", side="input") == "i'm cold!"


@pytest.mark.parametrize("ids, kwargs, error, message", [
    ([0.0, 1.0], {}, TypeError, "ids must be integers, got dtype float64"),
    ([[4, 5]], {}, ValueError, r"shape \(T,\), got shape \(1, 2\)"),
    ([4, 12], {}, ValueError, r"ids must lie in \[0, 12\), got \[4, 12\]"),
    ([-1], {}, ValueError, r"ids must lie in \[0, 12\)"),
    ([11], {"side": "input"}, ValueError, r"ids must lie in \[0, 11\), got \[11, 11\]"),
    ([4], {"side": "source"}, ValueError, "side must be 'input' or 'target', got 'source'"),
])
def test_ids_to_words_errors(ids, kwargs, error, message):
    vocab = WordVocab.from_texts(INPUTS, TARGETS)
    with pytest.raises(error, match=message):
        ids_to_words(ids, vocab, **kwargs)


# --------------------------------------------------------------------------- arbitrary input

_VOCAB = WordVocab.from_texts(INPUTS, TARGETS)


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(ANY_TEXT | st.integers() | st.none() | st.binary(max_size=3), max_size=4),
    truncate=st.booleans(),
)
def test_encode_input_words_any_input(texts, truncate):
    """Arbitrary input gives ids, or the library's own TypeError/ValueError, never anything else."""
    if not all(isinstance(t, str) for t in texts):
        with pytest.raises(TypeError, match=r"texts\[\d+\] must be str"):
            encode_input_words(texts, _VOCAB, truncate=truncate)
        return
    too_long = max((len(tokenize(t)) for t in texts), default=0) > _VOCAB.max_encoder_seq_length
    if too_long and not truncate:
        with pytest.raises(ValueError, match="more than the limit of 3"):
            encode_input_words(texts, _VOCAB, truncate=truncate)
        return
    ids = encode_input_words(texts, _VOCAB, truncate=truncate)
    assert ids.shape == (len(texts), 3) and ids.dtype == np.int32
    assert ((ids >= 0) & (ids < _VOCAB.num_encoder_tokens) & (ids != START) & (ids != END)).all()


def test_docstring_examples():
    result = doctest.testmod(words)
    assert result.attempted > 0 and result.failed == 0


def test_too_long_training_target_counts_its_start_and_end_tokens():
    """The count and the limit are in the same unit: the target's tokens with <start> and <end>."""
    vocab = WordVocab.from_texts(["a b", "a"], ["x y", "x"])
    limit = vocab.max_decoder_seq_length                                 # 2 words + <start>, <end>
    with pytest.raises(TextTooLongError) as info:
        vectorize_words(["a"], ["x y x"], vocab)
    assert (f"has {limit + 1} tokens with <start> and <end>, more than the limit of {limit}"
            in str(info.value))
    assert "max_decoder_seq_length is the limit" in str(info.value) and "truncate" not in str(info.value)
