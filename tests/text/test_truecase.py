"""Tests of npseq2seq.text.truecase and WordVocab(cased_words=...): a lower-cased word
model's output written with the case of the data."""
import doctest
import json

import pytest

import npseq2seq.text.truecase as truecase
from npseq2seq.text import WordVocab, tokenize
from npseq2seq.text.truecase import cased_words, restore_case
from npseq2seq.text.words import END, START, decode_ids


def test_a_word_takes_its_usual_form_inside_sentences():
    lists = [["Tom", "voit", "Marie", "."], ["Je", "vois", "Tom", "."], ["Je", "parle", "."],
             ["Il", "dit", "je", "."], ["Paris", "."], ["C'", "est", "Bob", "!", "Bob", "part", "."]]
    # Tom and Marie inside sentences; "Je" only first (its own form is unknown: lower);
    # "Paris" only first too; "Bob" after "!" is a sentence start, but it is also inside one
    assert cased_words(lists) == ("Bob", "Marie", "Tom")


def test_ties_go_to_the_lower_case_form():
    assert cased_words([["a", "Bonjour", "."], ["a", "bonjour", "."]]) == ()
    assert cased_words([["a", "Bonjour", "."], ["a", "Bonjour", "."], ["a", "bonjour", "."]]) == ("Bonjour",)


@pytest.mark.parametrize("tokens, expected", [
    (["nous", "avons", "besoin", "de", "tom", "."], ["Nous", "avons", "besoin", "de", "Tom", "."]),
    (["j'", "ai", "froid", ".", "tom", "aussi", "!"], ["J'", "ai", "froid", ".", "Tom", "aussi", "!"]),
    (["«", "oui", "»", "?"], ["«", "Oui", "»", "?"]),
    (["3", "chats", "."], ["3", "chats", "."]),
    (["<unk>", "dort", "."], ["<unk>", "dort", "."]),
    ([], []),
])
def test_restore_case(tokens, expected):
    assert restore_case(tokens, ("Tom",)) == expected


def test_the_word_vocabulary_learns_and_applies_the_case_of_its_targets():
    inputs = ["We need Tom.", "I saw Tom.", "Go."]
    targets = ["Nous avons besoin de Tom.", "J'ai vu Tom.", "Va !"]
    vocab = WordVocab.from_texts(inputs, targets, restore_case=True)
    assert vocab.cased_words == ("Tom",) and vocab.lower
    ids = [START, *(vocab.target_token_index[w] for w in tokenize(targets[0])), END]
    assert decode_ids(ids, vocab) == "Nous avons besoin de Tom."
    assert vocab.decode(ids) == "Nous avons besoin de Tom."
    plain = WordVocab.from_texts(inputs, targets)                  # the default: as before
    assert plain.cased_words is None and plain.decode(ids) == "nous avons besoin de tom."
    # the input side is not cased: ids_to_words(side="input") stays as the encoder reads it
    assert decode_ids([vocab.input_token_index["tom"]], vocab, side="input") == "tom"
    # a cased vocabulary (lower=False) writes what it read: nothing to restore
    assert WordVocab.from_texts(inputs, targets, lower=False, restore_case=True).cased_words is None


def test_cased_words_round_trip_and_files_without_them():
    vocab = WordVocab.from_texts(["I saw Tom."], ["J'ai vu Tom."], restore_case=True)
    config = json.loads(json.dumps(vocab.to_config()))
    assert config["cased_words"] == ["Tom"] and WordVocab.from_config(config) == vocab
    old = {k: v for k, v in config.items() if k != "cased_words"}   # written before the option
    assert WordVocab.from_config(old).cased_words is None
    assert "cased_words" not in WordVocab.from_texts(["a"], ["b"]).to_config()
    for bad in ("Tom", [""], [3]):
        with pytest.raises(ValueError, match="cased_words must be None or a sequence"):
            WordVocab.from_config({**config, "cased_words": bad})


def test_model_files_keep_the_case(tmp_path):
    from npseq2seq import Seq2Seq
    vocab = WordVocab.from_texts(["I saw Tom."], ["J'ai vu Tom."], restore_case=True)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 4, level="word", vocab=vocab)
    model.save(tmp_path / "m.npz")
    assert Seq2Seq.load(tmp_path / "m.npz").vocab == vocab


def test_on_fra_txt_the_names_are_cased_and_the_pronouns_are_not(fra_10000):
    cased = set(cased_words(tokenize(t, lower=False) for t in fra_10000[1]))
    assert {"Tom", "Marie"} <= cased
    assert not cased & {"je", "Je", "il", "Il", "nous", "Nous", "de", "De"}


def test_docstring_examples():
    result = doctest.testmod(truecase)
    assert result.attempted > 0 and result.failed == 0
