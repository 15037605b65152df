"""Text data for the word-level seq2seq model of the tutorial's FAQ: words, vocabularies, id arrays.

The FAQ's word-level model reads integer sequences, one id per word, through
``Embedding(num_tokens, latent_dim)`` layers. Data flows one way, as in ``data.py``::

    text pairs ──data.load_pairs──────────▶ (input_texts, target_texts)  raw strings
               ──tokenize─────────────────▶ lists of words               "I'm cold." → ["i'm", "cold", "."]
               ──WordVocab.from_texts─────▶ vocab                        words ↔ ids, max lengths
               ──vectorize_words──────────▶ three int32 id arrays        what model.fit eats

and back, at translation time::

    new texts ──encode_input_words──▶ (N, T_e) ids ──model──▶ ids ──decode_ids──▶ sentence

    >>> inputs, targets = ["I'm cold.", "Go."], ["J'ai froid.", "Va !"]
    >>> vocab = WordVocab.from_texts(inputs, targets)
    >>> encoder_input_ids, decoder_input_ids, decoder_target_ids = vectorize_words(inputs, targets, vocab)
    >>> decode_ids(decoder_target_ids[0], vocab)
    "j'ai froid."

Shapes use letters: N samples, T time steps (T_e encoder, T_d decoder), V tokens
(V_e = num_encoder_tokens, V_d = num_decoder_tokens).

Differences from the character level (``data.py``), each for a reason:

* Four reserved ids, the same on both sides: ``PAD = 0`` (``"<pad>"``), ``UNK = 1``
  (``"<unk>"``), ``START = 2`` (``"<start>"``), ``END = 3`` (``"<end>"``). The input
  side only needs PAD and UNK, but one layout for both sides means one set of
  constants and no "which side?" bugs; the two unused input rows of the encoder
  Embedding simply never receive a gradient.
* Padding is id 0 (PAD), the convention of Keras's ``Embedding(mask_zero=True)``,
  where the character level uses -1 (an all-zero one-hot row).
* Words outside the vocabulary are not an error: they become UNK. A word vocabulary
  never covers every word a user may type, and capping it (``max_words``) is normal.

One convention as in ``data.py``: target texts are passed *raw*; ``<start>`` and
``<end>`` are added inside ``WordVocab.from_texts`` and ``vectorize_words``.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType

import numpy as np

from .data import TextTooLongError, _check_count, _check_texts, training_side

__all__ = [
    "PAD",
    "UNK",
    "START",
    "END",
    "RESERVED_TOKENS",
    "LANGUAGES",
    "tokenize",
    "detokenize",
    "WordVocab",
    "vectorize_words",
    "encode_input_words",
    "ids_to_words",
    "decode_ids",
]

# reserved ids, the same on the input and target sides (``data.START`` etc. are characters)
PAD, UNK, START, END = 0, 1, 2, 3
# Their words. tokenize never yields them: "<" and ">" are split off as punctuation.
RESERVED_TOKENS = ("<pad>", "<unk>", "<start>", "<end>")
LANGUAGES = ("en", "fr")

# --------------------------------------------------------------------------- tokenising

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
    tokens = _check_texts(tokens, "tokens")
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


# --------------------------------------------------------------------------- vocabulary


def _check_bool(value, name: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return value


def _ranked_words(
    token_lists: list[list[str]], max_words: int | None, min_count: int
) -> tuple[str, ...]:
    """The reserved tokens, then the words seen at least ``min_count`` times, most frequent
    first, ties in alphabetical (code point) order, at most ``max_words`` of them."""
    counts = Counter(itertools.chain.from_iterable(token_lists))
    kept = (word for word, n in counts.items() if n >= min_count)
    ranked = sorted(kept, key=lambda word: (-counts[word], word))
    return RESERVED_TOKENS + tuple(ranked[:max_words])


@dataclass(frozen=True, repr=False)
class WordVocab:
    """Word vocabularies of both sides and the padded sequence lengths, in tokens.

    Build it with ``WordVocab.from_texts``; save/restore it with ``to_config`` /
    ``from_config``. Two vocabularies are equal when all five fields are equal.

    Fields:
        input_words: the input side's words in id order: ``RESERVED_TOKENS`` (ids 0-3),
            then the words by descending frequency (V_e in all).
        target_words: the same for the targets (V_d).
        max_encoder_seq_length: T_e, the most tokens in an input text.
        max_decoder_seq_length: T_d, the most tokens in a target text plus 2 (START, END).
        lower: whether texts are lower-cased before tokenising, here and at translation.

    The tutorial's derived names are properties: ``num_encoder_tokens``,
    ``num_decoder_tokens``, ``input_token_index``, ``target_token_index`` (word → id),
    ``reverse_input_word_index``, ``reverse_target_word_index`` (id → word). The four
    indexes are read-only dicts (``MappingProxyType``), computed once.
    """

    input_words: tuple[str, ...]
    target_words: tuple[str, ...]
    max_encoder_seq_length: int
    max_decoder_seq_length: int
    lower: bool = True

    def __post_init__(self):
        # Accept any sequence of words (a list from JSON) but store tuples, so the
        # vocabulary is immutable and hashable.
        for name in ("input_words", "target_words"):
            words = getattr(self, name)
            if isinstance(words, str) or not isinstance(words, Sequence):
                raise TypeError(f"{name} must be a sequence of str, got {type(words).__name__}")
            words = tuple(words)
            if not all(isinstance(w, str) and w for w in words):
                raise ValueError(f"{name} must hold non-empty strings")
            # The model's ids 0-3 mean PAD, UNK, START, END whatever the data.
            if words[: len(RESERVED_TOKENS)] != RESERVED_TOKENS:
                raise ValueError(
                    f"{name} must start with {RESERVED_TOKENS}, got {words[: len(RESERVED_TOKENS)]}"
                )
            if len(set(words)) != len(words):
                repeated = sorted(w for w, n in Counter(words).items() if n > 1)
                raise ValueError(f"{name} must not repeat words, got repeats {repeated[:5]}")
            object.__setattr__(self, name, words)
        for name, least in (("max_encoder_seq_length", 1), ("max_decoder_seq_length", 2)):
            object.__setattr__(self, name, _check_count(getattr(self, name), name, least))
        _check_bool(self.lower, "lower")

    @classmethod
    def from_texts(
        cls,
        input_texts: Sequence[str],
        target_texts: Sequence[str],
        lower: bool = True,
        max_words: int | None = None,
        min_count: int = 1,
    ) -> WordVocab:
        """Build the vocabularies of N raw text pairs.

        Each side keeps, after the 4 reserved tokens, its words seen at least
        ``min_count`` times, most frequent first and ties alphabetically, so the ids
        depend only on the texts. ``max_words`` (None: no cap) caps the number of words
        of each side, reserved tokens not counted: V <= max_words + 4. Words left out
        become UNK when vectorising. The maximum lengths count every token, UNK or not.
        """
        _check_bool(lower, "lower")
        if max_words is not None:
            max_words = _check_count(max_words, "max_words", 1)
        min_count = _check_count(min_count, "min_count", 1)
        input_texts, target_texts = _check_pairs(input_texts, target_texts)
        input_tokens = [tokenize(t, lower) for t in input_texts]
        target_tokens = [tokenize(t, lower) for t in target_texts]
        if not input_tokens:
            raise ValueError("cannot build a vocabulary from zero text pairs")
        max_encoder_seq_length = max(map(len, input_tokens))
        if max_encoder_seq_length == 0:
            raise ValueError("all input texts are empty (no tokens)")
        return cls(
            input_words=_ranked_words(input_tokens, max_words, min_count),
            target_words=_ranked_words(target_tokens, max_words, min_count),
            max_encoder_seq_length=max_encoder_seq_length,
            max_decoder_seq_length=max(map(len, target_tokens)) + 2,  # + START and END
            lower=lower,
        )

    @property
    def num_encoder_tokens(self) -> int:
        return len(self.input_words)

    @property
    def num_decoder_tokens(self) -> int:
        return len(self.target_words)

    @cached_property
    def input_token_index(self) -> Mapping[str, int]:
        return MappingProxyType({w: i for i, w in enumerate(self.input_words)})

    @cached_property
    def target_token_index(self) -> Mapping[str, int]:
        return MappingProxyType({w: i for i, w in enumerate(self.target_words)})

    @cached_property
    def reverse_input_word_index(self) -> Mapping[int, str]:
        return MappingProxyType(dict(enumerate(self.input_words)))

    @cached_property
    def reverse_target_word_index(self) -> Mapping[int, str]:
        return MappingProxyType(dict(enumerate(self.target_words)))

    def to_config(self) -> dict:
        """A JSON-serialisable dict; ``WordVocab.from_config(v.to_config()) == v``."""
        return {
            "input_words": list(self.input_words),
            "target_words": list(self.target_words),
            "max_encoder_seq_length": self.max_encoder_seq_length,
            "max_decoder_seq_length": self.max_decoder_seq_length,
            "lower": self.lower,
        }

    @classmethod
    def from_config(cls, config: Mapping) -> WordVocab:
        """Rebuild a vocabulary from ``to_config()`` output."""
        expected = set(cls.__dataclass_fields__)
        if set(config) != expected:
            raise ValueError(
                f"vocabulary config needs exactly the keys {sorted(expected)}, got {sorted(config)}"
            )
        return cls(**config)

    def __repr__(self) -> str:
        return (
            f"WordVocab(num_encoder_tokens={self.num_encoder_tokens}, "
            f"num_decoder_tokens={self.num_decoder_tokens}, "
            f"max_encoder_seq_length={self.max_encoder_seq_length}, "
            f"max_decoder_seq_length={self.max_decoder_seq_length}, lower={self.lower})"
        )


# --------------------------------------------------------------------------- encoding


def _check_pairs(input_texts: Sequence[str], target_texts: Sequence[str]) -> tuple[list[str], list[str]]:
    """Return both sides as lists of str (TypeError otherwise), checking they pair up."""
    input_texts = _check_texts(input_texts, "input_texts")
    target_texts = _check_texts(target_texts, "target_texts")
    if len(input_texts) != len(target_texts):
        raise ValueError(f"{len(input_texts)} input texts but {len(target_texts)} target texts")
    return input_texts, target_texts


def _words_to_ids(
    texts: list[str],
    lower: bool,
    token_index: Mapping[str, int],
    length: int,
    *,
    wrap: bool = False,
    truncate: bool = False,
) -> np.ndarray:
    """Tokenise N texts and map them to an (N, T) int32 array of ids, T = ``length``,
    padded at the end with PAD.

    Words missing from ``token_index`` become UNK; ``wrap`` puts START before and END
    after each row. A row longer than ``length`` raises ``TextTooLongError`` (a
    ``ValueError``) naming its text unless ``truncate`` cuts it.
    """
    rows = []
    for text in texts:
        tokens = tokenize(text, lower)
        row = [token_index.get(word, UNK) for word in tokens]
        if wrap:
            row = [START, *row, END]
        if len(row) > length:
            if not truncate:
                unit = "tokens with <start> and <end>" if wrap else "tokens"
                raise TextTooLongError(text, len(row), length, unit, hint="pass truncate=True to cut it")
            row = row[:length]
        rows.append(row)
    lengths = np.fromiter(map(len, rows), dtype=np.intp, count=len(rows))
    ids = np.full((len(rows), length), PAD, dtype=np.int32)
    # The (N, T) mask of real tokens lists them in row-major order, the order of `flat`.
    flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int32, count=int(lengths.sum()))
    ids[np.arange(length) < lengths[:, None]] = flat
    return ids


def vectorize_words(
    input_texts: Sequence[str],
    target_texts: Sequence[str],
    vocab: WordVocab,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three int32 id arrays for training the word-level model, PAD (0) after each sequence.

    Returns:
        encoder_input_ids: (N, T_e), the input words.
        decoder_input_ids: (N, T_d), START + target words + END.
        decoder_target_ids: (N, T_d), decoder_input_ids one step ahead (teacher forcing):
            target words + END, then PAD from step len(target) + 1 on.

    ``target_texts`` are raw: START and END are added here. Words outside the
    vocabulary become UNK. A text with more tokens than the vocabulary's maximum
    lengths raises ``ValueError``; a bare str or a non-str item raises ``TypeError``.
    For one-hot targets, ``data.one_hot(decoder_target_ids, vocab.num_decoder_tokens)``.
    Unless the loss leaves the padded steps out (``mask_zero``-style masking), PAD is a
    class like any other and the model also learns to predict it after END.
    """
    input_texts, target_texts = _check_pairs(input_texts, target_texts)
    with training_side("encoder"):
        encoder_input_ids = _words_to_ids(
            input_texts, vocab.lower, vocab.input_token_index, vocab.max_encoder_seq_length
        )
    with training_side("decoder"):
        decoder_input_ids = _words_to_ids(
            target_texts, vocab.lower, vocab.target_token_index, vocab.max_decoder_seq_length, wrap=True
        )
    decoder_target_ids = np.full_like(decoder_input_ids, PAD)
    decoder_target_ids[:, :-1] = decoder_input_ids[:, 1:]
    return encoder_input_ids, decoder_input_ids, decoder_target_ids


def encode_input_words(texts: Sequence[str], vocab: WordVocab, truncate: bool = False) -> np.ndarray:
    """(N, T_e) int32 encoder input ids for new texts, e.g. at translation time.

    Unknown words become UNK, never an error. A text with more than
    ``max_encoder_seq_length`` tokens raises ``ValueError`` naming it and the limit,
    unless ``truncate=True`` keeps its first T_e tokens. ``texts`` must be a list of str
    (a bare str or a non-str item raises ``TypeError``).
    """
    texts = _check_texts(texts, "texts")
    return _words_to_ids(
        texts, vocab.lower, vocab.input_token_index, vocab.max_encoder_seq_length, truncate=truncate
    )


def ids_to_words(ids, vocab: WordVocab, side: str = "target") -> list[str]:
    """The words of one id sequence (T,), up to and without the first END.

    PAD and START are left out; UNK stays as ``"<unk>"``. ``side`` is ``"target"`` or
    ``"input"`` (which vocabulary reads the ids). Raises ``TypeError`` for non-integer
    ids, ``ValueError`` for ids outside [0, V) or an array that is not 1-D.
    """
    if side not in ("input", "target"):
        raise ValueError(f"side must be 'input' or 'target', got {side!r}")
    words = vocab.input_words if side == "input" else vocab.target_words
    ids = np.asarray(ids)
    if ids.size == 0:
        ids = ids.astype(np.intp)  # np.asarray([]) is float, yet a fine empty id sequence
    if not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"ids must be integers, got dtype {ids.dtype}")
    if ids.ndim != 1:
        raise ValueError(f"ids must be one sequence of shape (T,), got shape {ids.shape}")
    if ids.size and (ids.min() < 0 or ids.max() >= len(words)):
        raise ValueError(f"ids must lie in [0, {len(words)}), got [{ids.min()}, {ids.max()}]")
    stop = np.flatnonzero(ids == END)
    ids = ids[: stop[0]] if stop.size else ids
    return [words[i] for i in ids[(ids != PAD) & (ids != START)]]


def decode_ids(ids, vocab: WordVocab, language: str = "fr", side: str = "target") -> str:
    """``detokenize(ids_to_words(ids, vocab, side), language)``: one id sequence as a sentence.

    ``language`` defaults to French, the tutorial's target side.
    """
    return detokenize(ids_to_words(ids, vocab, side), language)
