"""Words from sentences and back: ``tokenize`` splits a sentence into words and
punctuation marks (the French and English of ``fra.txt``), ``detokenize`` joins them into a
sentence that reads naturally. The word level (``words.py``) counts and encodes these tokens.

    >>> tokenize("J'ai froid.")
    ["j'", 'ai', 'froid', '.']
    >>> detokenize(["j'", 'ai', 'froid', '.'])
    "j'ai froid."
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from .checks import check_texts

__all__ = ["LANGUAGES", "tokenize", "detokenize"]

LANGUAGES = ("en", "fr")   # detokenize's typography: English, French

# A word is a run of letters/digits ([^\W_]: \w without the underscore) that may contain
# an apostrophe or a hyphen between two letters/digits (i'm, don't, aujourd'hui, a-t-il,
# peut-être) and, between two digits, the separators of numbers and times (50,000 99.9 3:30).
# Before that, two things are tokens of their own:
# - a French elision at the start of a word, apostrophe included: "J'ai" → "j'" "ai",
#   "qu'il" → "qu'" "il". Keeping "j'ai", "l'homme", "d'eau" whole would make one
#   vocabulary entry per (elided article or pronoun, word) pair. The list is closed, so
#   English contractions (i'm, it's, can't, o'clock) are not split;
# - an abbreviation of dotted single letters, final dot included: "I.D.", "p.m.".
# Anything else that is not a space is a one-character token: . , ! ? « » " $ % and so on
# ("?!" is "?" "!", "..." is "." "." "."). Every Unicode space separates tokens, including
# the no-break spaces U+00A0/U+202F and the thin space U+2009 that fra.txt puts before !?:;.
# fra.txt writes the apostrophe ', ’ and (by mistake, twice) ‘.
_TOKEN = re.compile(
    r"""
    (?<![^\W_])(?:c|d|j|l|m|n|s|t|qu|jusqu|lorsqu|puisqu|quoiqu)['’‘](?=[^\W_])  # elision
    | (?<![^\W_])(?:[^\W\d_]\.){2,}                                           # abbreviation
    | [^\W_]+(?:(?:['’‘\-\u2010\u2011]|(?<=\d)[.,:](?=\d))[^\W_]+)*            # word
    | \S                                                                       # punctuation
    """,
    re.VERBOSE | re.IGNORECASE,
)
# Inside a word the typographic apostrophes and the Unicode hyphens become ASCII, so that
# "j’ai" and "j'ai", "porte‐monnaie" and "porte-monnaie" share vocabulary entries.
_IN_WORD = str.maketrans({"’": "'", "‘": "'", "\u2010": "-", "\u2011": "-"})


def tokenize(text: str, lower: bool = True) -> list[str]:
    """Split ``text`` into words and punctuation marks.

    The text is NFC-normalised (and lower-cased if ``lower``) first. Punctuation is split
    off as one token per character, French elisions are split after their apostrophe,
    apostrophes and hyphens inside a word keep it whole, and so do the separators of
    numbers (``50,000``, ``3:30``) and dotted abbreviations (``p.m.``); ``’``, ``‘``
    and the Unicode hyphens inside a word become ``'`` and ``-``. Deterministic; every
    token is a non-empty string without spaces.

    >>> tokenize("I'm cold.")
    ["i'm", 'cold', '.']
    >>> tokenize("Qu’est-ce que c'est\\u202f?!")
    ["qu'", 'est-ce', 'que', "c'", 'est', '?', '!']
    >>> tokenize("Dis : « s'il te plaît ».", lower=False)
    ['Dis', ':', '«', "s'", 'il', 'te', 'plaît', '»', '.']

    Raises ``TypeError`` if ``text`` is not a str.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, got {type(text).__name__}")
    if lower:
        text = text.lower()
    # NFC after lower(): lower-casing can decompose (İ → i + combining dot).
    text = unicodedata.normalize("NFC", text)
    # Punctuation tokens are single characters: only longer tokens are words or elisions.
    return [token.translate(_IN_WORD) if len(token) > 1 else token for token in _TOKEN.findall(text)]


# Which tokens join their neighbour without a space, for detokenize. French typography
# puts a space before ! ? : ; » and after «; English does not.
_CLOSING_MARKS = frozenset(".,)]}%…/'’")  # "cold." "99%" "boys' club"
_OPENING_MARKS = frozenset("([{¿¡$€£/‘")  # "$5" "(sic"
_GLUE_LEFT = {"en": _CLOSING_MARKS | frozenset("!?:;»"), "fr": _CLOSING_MARKS}
_GLUE_RIGHT = {"en": _OPENING_MARKS | {"«"}, "fr": _OPENING_MARKS}
_SENTENCE_END = frozenset(".!?…")  # between two of these, never a space: "?!" "...?"


def detokenize(tokens: Sequence[str], language: str = "fr") -> str:
    """Join tokens back into a sentence that reads naturally: the inverse of ``tokenize``.

    No space before ``. , ) %`` and the like, none after ``( $`` and the like, none after
    a French elision (``j'`` + ``ai`` → ``j'ai``), none between sentence marks (``?!``,
    ``...``). ``language="fr"`` puts a plain space before ``! ? : ;`` and inside
    ``« »`` (French typography; fra.txt uses a narrow no-break space there, which
    ``tokenize`` treats as any space), ``"en"`` none. Straight double quotes alternate
    between opening and closing. Reserved tokens such as ``"<unk>"`` are words here.

    >>> detokenize(["j'", 'ai', 'froid', '.'])
    "j'ai froid."
    >>> detokenize(['dis', ':', '«', 'non', '»', '?', '!'])
    'dis : « non » ?!'
    >>> detokenize(['"', 'look', ',', '"', 'she', 'said', '.'], language="en")
    '"look," she said.'

    Raises ``ValueError`` for an unknown ``language``, ``TypeError`` for a bare str or
    a non-str token.
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")
    tokens = check_texts(tokens, "tokens")
    glue_left_tokens, glue_right_tokens = _GLUE_LEFT[language], _GLUE_RIGHT[language]
    pieces: list[str] = []
    glue_next = True  # no space before the first token
    quote_open = False
    previous = ""
    for token in tokens:
        if token == '"':
            quote_open = not quote_open
            glue_left, glue_right = not quote_open, quote_open
        else:
            glue_left = token in glue_left_tokens or (
                token in _SENTENCE_END and previous in _SENTENCE_END
            )
            glue_right = (
                token in glue_right_tokens
                or (len(token) > 1 and token[-1] in "'’")  # an elision: l' d' qu'
            )
        if not (glue_next or glue_left):
            pieces.append(" ")
        pieces.append(token)
        glue_next, previous = glue_right, token
    return "".join(pieces)
