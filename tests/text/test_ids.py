"""Tests of npseq2seq.text.ids: rows of ids cut or refused, padded into arrays, one-hot."""

import numpy as np
import pytest

from npseq2seq.text import TextTooLongError, UnknownTokenError
from npseq2seq.text.ids import char_ids, fit_row, one_hot, pad_rows, texts_to_ids


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


def test_texts_to_ids_pads_with_the_given_id():
    ids = texts_to_ids(["ab", "", "b"], {"a": 0, "b": 1}, 3, pad_id=7)
    np.testing.assert_array_equal(ids, [[0, 1, 7], [7, 7, 7], [1, 7, 7]])


def test_fit_row_refuses_or_cuts_a_long_row():
    assert fit_row([1, 2], "ab", 2) == [1, 2]
    assert fit_row([1, 2, 3], "abc", 2, truncate=True) == [1, 2]
    message = r"text 'a b c' has 3 words, more than the limit of 2 \(pass truncate=True"
    with pytest.raises(TextTooLongError, match=message):
        fit_row([1, 2, 3], "a b c", 2, unit="words")


def test_pad_rows():
    ids = pad_rows([[3], [], [1, 2]], 2, pad_id=-1)
    assert ids.dtype == np.int32
    np.testing.assert_array_equal(ids, [[3, -1], [-1, -1], [1, 2]])
    assert pad_rows([], 4, 0).shape == (0, 4)


def test_char_ids():
    index = {"a": 0, "b": 1}
    assert char_ids("abba", index) == [0, 1, 1, 0]
    assert char_ids("a?b!", index, errors="ignore") == [0, 1]
    with pytest.raises(UnknownTokenError) as info:
        char_ids("a?b!", index)
    assert info.value.chars == ["!", "?"] and info.value.text == "a?b!"
