"""Tests of npseq2seq.text.corpora: number words in English and French, the generated
corpora, and the files of them in data/."""

import doctest
from pathlib import Path

import numpy as np
import pytest

import npseq2seq.text.corpora as corpora
from npseq2seq.text import CharVocab, load_pairs, vectorize
from npseq2seq.text.corpora import (
    CORPORA,
    CORPUS_SIZES,
    addition_pairs,
    english_number,
    french_number,
    generated_corpus,
    number_word_pairs,
)

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
    assert doctest.testmod(corpora).failed == 0


# --------------------------------------------------------------------------- data/ fixtures

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


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


def test_corpus_sizes_are_what_the_generators_give():
    assert len(number_word_pairs()[0]) == CORPUS_SIZES["numbers"]
    with pytest.raises(ValueError, match=f"only {CORPUS_SIZES['addition']} distinct"):
        addition_pairs(CORPUS_SIZES["addition"] + 1)
    assert set(CORPUS_SIZES) == set(CORPORA)
