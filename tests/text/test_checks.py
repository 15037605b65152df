"""Tests of npseq2seq.text.checks: the argument checks the text functions share."""

import pytest

from npseq2seq.text.checks import check_count, check_errors, check_num_samples, check_pairs, check_texts


def test_check_texts():
    assert check_texts(("a", "b"), "texts") == ["a", "b"]
    assert check_texts((t for t in "ab"), "texts") == ["a", "b"]       # any iterable, read once
    with pytest.raises(TypeError, match="not a single str"):
        check_texts("ab", "texts")
    for bad in (None, b"ab", {"a": "b"}):
        with pytest.raises(TypeError, match=f"^texts must be a sequence of str, got {type(bad).__name__}$"):
            check_texts(bad, "texts")
    with pytest.raises(TypeError, match=r"^texts\[1\] must be str, got int$"):
        check_texts(["a", 1], "texts")


def test_check_pairs():
    assert check_pairs(("a",), ["b"]) == (["a"], ["b"])
    with pytest.raises(ValueError, match="^2 input texts but 1 target texts$"):
        check_pairs(["a", "b"], ["c"])
    with pytest.raises(TypeError, match=r"target_texts\[0\] must be str"):
        check_pairs(["a"], [None])


@pytest.mark.parametrize("value", [0, -1, 1.0, True, "2"])
def test_check_count(value):
    assert check_count(2, "n", 1) == 2 and check_count(0, "n", 0) == 0
    with pytest.raises(ValueError, match=f"^n must be an int >= 1, got {value!r}$"):
        check_count(value, "n", 1)


def test_check_num_samples_and_errors():
    check_num_samples(None)
    check_num_samples(3)
    with pytest.raises(ValueError, match="num_samples must be a positive int or None, got 0"):
        check_num_samples(0)
    assert check_errors("raise") == "raise" and check_errors("ignore") == "ignore"
    with pytest.raises(ValueError, match="errors must be 'raise' or 'ignore', got 'strict'"):
        check_errors("strict")
