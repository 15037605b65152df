"""``SubwordVocab`` (``text/subwords.py``): the word level on BPE pieces. Its pieces and ids,
French back as written (pieces → words → case → sentence), an unknown character as
``<unk>``, the config round trip through JSON and the level registry, and bad configs."""
import json

import numpy as np
import pytest

from npseq2seq.text import (
    RESERVED_TOKENS,
    SubwordVocab,
    WordVocab,
    vocab_class,
    vocab_from_config,
    vocab_levels,
)
from npseq2seq.text.bpe import BPE
from npseq2seq.text.words import END, START, UNK

INPUTS = ["I see Tom.", "Tom is lower.", "We see the newest one.", "Are you cold?", "I'm cold."]
TARGETS = ["Je vois Tom.", "Tom est plus bas.", "Nous voyons le plus récent.", "As-tu froid ?",
           "J'ai froid."]


@pytest.fixture(scope="module")
def vocab():
    return SubwordVocab.from_texts(INPUTS, TARGETS, merges=12, restore_case=True)


def test_the_level_and_the_model_it_feeds(vocab):
    assert vocab.level == "subword" and vocab.model_level == "word"
    assert WordVocab.model_level == "word" and vocab_class("char").model_level == "char"
    assert vocab_levels() == ("char", "word", "subword") and vocab_class("subword") is SubwordVocab


def test_pieces_and_merges(vocab):
    assert vocab.target_words[:4] == RESERVED_TOKENS and vocab.input_words[:4] == RESERVED_TOKENS
    assert 0 < len(vocab.target_merges) <= 12 and 0 < len(vocab.input_merges) <= 12
    assert vocab.target_merges != vocab.input_merges                    # each side its own
    # every piece a training text makes is a unit, and every character and </w> alone too
    for text in TARGETS:
        assert all(p in vocab.target_token_index for p in vocab.target_tokens(text))
    assert {c for t in TARGETS for c in t.lower() if not c.isspace()} <= set(vocab.target_words)
    assert "</w>" in vocab.target_words
    bpe = BPE(vocab.input_merges)
    assert vocab.tokenize("I see Tom.") == [p for w in ["i", "see", "tom", "."] for p in bpe.encode(w)]
    assert vocab.max_decoder_seq_length == max(len(vocab.target_tokens(t)) for t in TARGETS) + 2


def test_targets_decode_back_as_written(vocab):
    _, _, target_ids = vocab.encode_pair_ids(INPUTS, TARGETS)
    assert [vocab.decode(row) for row in target_ids] == TARGETS      # case restored, detokenized
    row = vocab.target_ids("Tom est plus bas.")
    assert row[0] == START and row[-1] == END and UNK not in row


def test_an_unknown_character_is_unk_inside_its_word(vocab):
    assert vocab.input_ids("I see Tom!")[-2:] != [UNK, UNK]
    assert UNK in vocab.input_ids("I see Zoë.") and vocab.unknown_tokens("I see Zoë.") != []
    assert vocab.unknown_tokens("I see Tom.") == []
    row = vocab.target_ids("Je vois Zoë.")
    assert row.count(UNK) == 2                                          # z and ë
    assert vocab.decode(row) == "Je vois <unk>o<unk>."


def test_every_new_word_of_known_characters_is_spelt_with_known_pieces(vocab):
    """A merge's result that no training text ends with (every word that made it merged it
    further) is split back, never read as <unk>."""
    letters = sorted({c for t in TARGETS for c in t.lower() if c.isalpha()})
    rng = np.random.default_rng(0)
    for _ in range(300):
        word = "".join(rng.choice(letters, size=rng.integers(1, 12)))
        pieces = vocab.target_tokens(word)
        assert all(p in vocab.target_token_index for p in pieces), (word, pieces)
        assert vocab.join_tokens(pieces) == [word]
    assert not vocab.unknown_tokens("See the newest lower one.")


def test_config_round_trip_through_json(vocab):
    config = json.loads(json.dumps(vocab.to_config()))
    assert config["level"] == "subword" and config["target_merges"][0] == list(vocab.target_merges[0])
    for level in (None, "word", "subword"):                             # a model file passes "word"
        assert vocab_from_config(config, level=level) == vocab
    assert SubwordVocab.from_config(config) == vocab
    assert "level" not in WordVocab.from_texts(INPUTS, TARGETS).to_config()   # word files as before


def test_bad_configs(vocab):
    config = vocab.to_config()
    with pytest.raises(ValueError, match="feeds a word-level model, not a 'char'"):
        vocab_from_config(config, level="char")
    with pytest.raises(ValueError, match=r"target_merges\[1\]"):
        vocab_from_config({**config, "target_merges": [["a", "b"], ["x"]]}, level="word")
    with pytest.raises(ValueError, match="level must be one of"):
        vocab_from_config({**config, "level": "bytes"}, level="word")
    with pytest.raises(ValueError, match="read as a 'word' one"):
        WordVocab.from_config(config)
    with pytest.raises(ValueError, match="needs exactly the keys"):
        vocab_from_config({k: v for k, v in config.items() if k != "input_merges"} | {"extra": 1})


def test_bad_arguments():
    with pytest.raises(ValueError, match="merges"):
        SubwordVocab.from_texts(INPUTS, TARGETS, merges=-1)
    with pytest.raises(ValueError, match="zero text pairs"):
        SubwordVocab.from_texts([], [])
    with pytest.raises(ValueError, match="lower"):
        SubwordVocab.from_texts(INPUTS, TARGETS, lower="yes")


def test_deterministic_and_zero_merges_is_characters():
    a = SubwordVocab.from_texts(INPUTS, TARGETS, merges=12)
    assert SubwordVocab.from_texts(INPUTS[::-1], TARGETS[::-1], merges=12).target_merges == a.target_merges
    chars = SubwordVocab.from_texts(INPUTS, TARGETS, merges=0)
    assert chars.target_merges == () and all(len(p) == 1 or p == "</w>" for p in chars.target_words[4:])
    ids = chars.encode_inputs(["I see Tom."])
    assert ids.shape == (1, chars.max_encoder_seq_length) and ids.dtype == np.int32
