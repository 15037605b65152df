"""Generated corpora, for training without a data file: English number words → French
number words (``number_word_pairs``), and the sums of the Keras ``addition_rnn`` example
(``addition_pairs``); ``generated_corpus(name)`` picks one by name.

    >>> number_word_pairs(low=97, high=97)
    (['ninety-seven'], ['quatre-vingt-dix-sept'])

Like ``load_pairs``, they return ``(input_texts, target_texts)``: two lists of raw strings.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

from .checks import check_num_samples

__all__ = [
    "english_number",
    "french_number",
    "number_word_pairs",
    "addition_pairs",
    "CORPORA",
    "CORPUS_SIZES",
    "generated_corpus",
]

# --------------------------------------------------------------------------- number words

_MAX_NUMBER = 999_999

_EN_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_EN_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()

_FR_ONES = (
    "zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize "
    "quatorze quinze seize dix-sept dix-huit dix-neuf"
).split()
_FR_TENS = "_ _ vingt trente quarante cinquante soixante".split()


def _check_number(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 0 <= n <= _MAX_NUMBER:
        raise ValueError(f"n must be an int in [0, {_MAX_NUMBER}], got {n!r}")
    return int(n)


def english_number(n: int) -> str:
    """English words for 0 <= n <= 999,999: hyphens in 21-99, no "and".

    >>> english_number(105), english_number(97), english_number(2021)
    ('one hundred five', 'ninety-seven', 'two thousand twenty-one')
    """
    n = _check_number(n)
    if n < 20:
        return _EN_ONES[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _EN_TENS[tens] + (f"-{_EN_ONES[unit]}" if unit else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_EN_ONES[hundreds]} hundred" + (f" {english_number(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    return f"{english_number(thousands)} thousand" + (f" {english_number(rest)}" if rest else "")


def _french_below_1000(n: int, ends_number: bool) -> str:
    """French for 1 <= n <= 999; ``ends_number`` False when "mille" follows (no plural s then)."""
    if n < 20:
        return _FR_ONES[n]
    if n < 70:
        tens, unit = divmod(n, 10)
        if unit == 0:
            return _FR_TENS[tens]
        return _FR_TENS[tens] + (" et un" if unit == 1 else f"-{_FR_ONES[unit]}")
    if n < 80:  # 70-79 count on from sixty: soixante-dix, soixante et onze, ...
        return "soixante et onze" if n == 71 else f"soixante-{_FR_ONES[n - 60]}"
    if n < 100:  # 80-99 are four twenties (+ 1..19), no "et"
        if n == 80:
            return "quatre-vingts" if ends_number else "quatre-vingt"
        return f"quatre-vingt-{_FR_ONES[n - 80]}"
    hundreds, rest = divmod(n, 100)
    if rest:
        head = "cent" if hundreds == 1 else f"{_FR_ONES[hundreds]} cent"
        return f"{head} {_french_below_1000(rest, ends_number)}"
    if hundreds == 1:
        return "cent"
    return f"{_FR_ONES[hundreds]} cent" + ("s" if ends_number else "")


def french_number(n: int) -> str:
    """French words for 0 <= n <= 999,999 in the traditional (pre-1990) spelling.

    Hyphens join the words below 100 except around "et" (vingt et un, soixante et onze);
    "cent" and "vingt" take an s only when multiplied and ending the number (deux cents,
    quatre-vingts, but deux cent un, quatre-vingt-un, deux cent mille); "mille" never
    takes an s and is not preceded by "un".

    >>> french_number(71), french_number(80), french_number(201)
    ('soixante et onze', 'quatre-vingts', 'deux cent un')
    """
    n = _check_number(n)
    if n == 0:
        return _FR_ONES[0]
    thousands, rest = divmod(n, 1000)
    if not thousands:
        return _french_below_1000(rest, ends_number=True)
    head = "mille" if thousands == 1 else f"{_french_below_1000(thousands, ends_number=False)} mille"
    return head + (f" {_french_below_1000(rest, ends_number=True)}" if rest else "")


# --------------------------------------------------------------------------- generated corpora


def _check_num_samples(num_samples: int | None, available: int) -> None:
    check_num_samples(num_samples)
    if num_samples is not None and num_samples > available:
        raise ValueError(f"num_samples={num_samples} but only {available} distinct samples exist")


def number_word_pairs(
    num_samples: int | None = None,
    low: int = 0,
    high: int = 999,
    seed: int = 0,
) -> tuple[list[str], list[str]]:
    """English number words → French number words, for distinct numbers in [low, high].

    e.g. ``"ninety-seven" → "quatre-vingt-dix-sept"``. The numbers are a shuffle of
    [low, high] drawn from ``np.random.default_rng(seed)``; you get its first
    ``num_samples`` (all of them if None), so a smaller request is a prefix of a larger one.
    """
    low, high = _check_number(low), _check_number(high)
    if low > high:
        raise ValueError(f"low={low} is greater than high={high}")
    _check_num_samples(num_samples, high - low + 1)
    order = np.random.default_rng(seed).permutation(np.arange(low, high + 1))[:num_samples]
    return [english_number(n) for n in order], [french_number(n) for n in order]


def addition_pairs(
    num_samples: int = 50_000,
    digits: int = 3,
    seed: int = 0,
) -> tuple[list[str], list[str]]:
    """The task of the Keras ``addition_rnn`` example: ``"535+61" → "596"``.

    As in the example, each operand has a uniformly drawn number of digits in
    1..``digits`` and uniform digits (so it is uniform in [0, 10**k) for k digits), and
    questions are distinct up to order (``a+b`` and ``b+a`` count as one). Unlike the
    example, questions are neither space-padded to a fixed width nor reversed: the
    seq2seq model handles variable lengths itself.

    Deterministic given ``seed``; a smaller request is a prefix of a larger one.
    """
    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral) or not 1 <= digits <= 9:
        raise ValueError(f"digits must be an int in [1, 9], got {digits!r}")
    size = 10**digits
    _check_num_samples(num_samples, size * (size + 1) // 2)
    rng = np.random.default_rng(seed)
    chunk = 1 << 16  # fixed batch of draws, so results do not depend on num_samples
    a = np.empty(0, dtype=np.int64)
    b = np.empty(0, dtype=np.int64)
    while True:
        new = rng.integers(0, 10 ** rng.integers(1, digits + 1, size=(2, chunk)))
        a, b = np.concatenate([a, new[0]]), np.concatenate([b, new[1]])
        # An unordered pair {a, b} as one integer; keep each key's first draw, in draw order.
        keys = np.minimum(a, b) * size + np.maximum(a, b)
        first = np.sort(np.unique(keys, return_index=True)[1])
        if first.size >= num_samples:
            break
    first = first[:num_samples]
    return [f"{x}+{y}" for x, y in zip(a[first], b[first])], [str(s) for s in a[first] + b[first]]


CORPORA: dict[str, Callable[..., tuple[list[str], list[str]]]] = {
    "numbers": number_word_pairs,
    "addition": addition_pairs,
}
# How many distinct pairs each corpus has with its generator's defaults (numbers 0-999;
# sums of two numbers below 1,000, a+b and b+a counted once).
CORPUS_SIZES = {"numbers": 1000, "addition": 1000 * 1001 // 2}


def generated_corpus(name: str, **kwargs) -> tuple[list[str], list[str]]:
    """``CORPORA[name](**kwargs)``: a generated ``(input_texts, target_texts)`` corpus."""
    if name not in CORPORA:
        raise ValueError(f"unknown corpus {name!r}; available: {', '.join(sorted(CORPORA))}")
    return CORPORA[name](**kwargs)
