"""Text data for character-level seq2seq: reading, vocabularies, one-hot arrays, toy corpora.

Data flows one way::

    text pairs ──load_pairs / generated_corpus──▶ (input_texts, target_texts)  raw strings
               ──CharVocab.from_texts──────────▶ vocab                  chars ↔ ids, max lengths
               ──vectorize─────────────────────▶ three one-hot arrays   what model.fit eats

exactly as the keras-io example ``lstm_seq2seq.py`` ("A ten-minute introduction to
sequence-to-sequence learning in Keras") does it::

    >>> inputs, targets = number_word_pairs(seed=0)           # or load_pairs("fra.txt", 10_000)
    >>> vocab = CharVocab.from_texts(inputs, targets)
    >>> encoder_input_data, decoder_input_data, decoder_target_data = vectorize(inputs, targets, vocab)

One convention everywhere in this module: target texts are passed *raw*. The start
character ``START = "\\t"`` and end character ``END = "\\n"`` are added inside
``CharVocab.from_texts`` and ``vectorize``, never by the caller.

Shapes use letters: N samples, T time steps (T_e encoder, T_d decoder), V tokens
(V_e = num_encoder_tokens, V_d = num_decoder_tokens).

Padding. Sequences shorter than the longest one are padded at the end. Two modes:

* ``"space"`` (keras-io, default): padded steps are the one-hot of ``" "``. The decoder
  then learns to emit spaces after the end character, and every target row is one-hot.
* ``"zero"`` (the original 2017 blog post): padded steps are all-zero rows.

Int arrays use the id ``-1`` for "no token" (an all-zero one-hot row); see ``one_hot``.
"""

from __future__ import annotations

import numbers
import os
import re
from contextlib import contextmanager
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType

import numpy as np

__all__ = [
    "START",
    "END",
    "PAD",
    "PADDINGS",
    "DataError",
    "UnknownTokenError",
    "TextTooLongError",
    "load_pairs",
    "CharVocab",
    "one_hot",
    "texts_to_ids",
    "vectorize_ids",
    "vectorize",
    "encode_input_texts",
    "english_number",
    "french_number",
    "number_word_pairs",
    "addition_pairs",
    "CORPORA",
    "CORPUS_SIZES",
    "generated_corpus",
]

# Characters here; ``words.py`` has START, END, PAD of its own, which are token *ids*.
START = "\t"  # start-of-sequence character, first decoder input step
END = "\n"  # end-of-sequence character, the decoder's stop signal
PAD = " "  # its one-hot fills padded steps when padding == "space"
PADDINGS = ("space", "zero")


class DataError(ValueError):
    """A data file is missing or malformed.

    The message names the file and, when the problem sits on a line, its 1-based number.
    ``path`` and ``line`` (``None`` when not about one line) are kept as attributes.
    """

    def __init__(self, path: str, line: int | None, problem: str):
        where = f"{path}, line {line}" if line is not None else path
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line


class UnknownTokenError(ValueError):
    """A text contains characters that are not in the vocabulary.

    ``chars`` (sorted list of the unknown characters) and ``text`` are kept as attributes.
    """

    def __init__(self, chars: Sequence[str], text: str):
        self.chars = sorted(set(chars))
        self.text = text
        shown = ", ".join(repr(c) for c in self.chars)
        super().__init__(f"unknown character(s) {shown} in text {text!r}")


class TextTooLongError(ValueError):
    """A text has more tokens (characters or words) than the model's encoder can take.

    ``text``, ``length`` (its number of tokens), ``limit`` and ``unit`` (what is
    counted) are kept as attributes; the message names them, and ``hint`` says what to
    do: where the function takes ``truncate``, pass ``truncate=True`` to cut the text.
    """

    def __init__(self, text: str, length: int, limit: int, unit: str = "characters",
                 hint: str | None = None):
        message = f"text {text!r} has {length} {unit}, more than the limit of {limit}"
        super().__init__(message if hint is None else f"{message} ({hint})")
        self.text, self.length, self.limit, self.unit = text, length, limit, unit


@contextmanager
def training_side(side: str):
    """Re-raise a TextTooLongError as training data raises it: training cannot cut a
    text, the vocabulary sets the limit. side: "encoder" (an input text) or "decoder" (a
    target text, counted with the start and end tokens it is wrapped in)."""
    try:
        yield
    except TextTooLongError as error:
        what = "an input text" if side == "encoder" else "a target text, counted with its start and end tokens"
        raise TextTooLongError(error.text, error.length, error.limit, error.unit,
                               hint=f"{what}; the vocabulary's max_{side}_seq_length is the limit") from None


# --------------------------------------------------------------------------- reading fra.txt

# Text is decoded with errors="surrogateescape": undecodable bytes become lone surrogates
# U+DC80..U+DCFF (which valid UTF-8 never yields), so we can report the line they are on.
_BAD_BYTES = re.compile("[\udc80-\udcff]")


def load_pairs(
    path: str | os.PathLike,
    num_samples: int | None = None,
    *,
    encoding: str = "utf-8",
) -> tuple[list[str], list[str]]:
    """Read the first ``num_samples`` sentence pairs of a Tatoeba/manythings ``fra.txt``.

    Each line is ``English<TAB>French`` (older release) or
    ``English<TAB>French<TAB>attribution`` (newer release; the attribution is dropped).
    LF or CRLF line endings, a missing final newline and blank lines at the very end of
    the file are accepted. Fewer than ``num_samples`` lines is not an error: you get what
    there is. Only the lines that are returned are checked.

    Returns ``(input_texts, target_texts)``: two lists of N raw strings, without the
    start/end characters.

    Raises ``DataError`` (a ``ValueError``) naming the file and line for: a missing file,
    a path that cannot be read (a directory, no permission), a file without any pair, a line without a tab, more than 3 columns, an empty (or
    whitespace-only) side, a blank line before the end, bytes that are not valid
    ``encoding``. ``num_samples`` that is not a positive int or None raises ``ValueError``.
    """
    if num_samples is not None and (
        isinstance(num_samples, bool)
        or not isinstance(num_samples, numbers.Integral)
        or num_samples < 1
    ):
        raise ValueError(f"num_samples must be a positive int or None, got {num_samples!r}")
    path = os.fspath(path)
    input_texts: list[str] = []
    target_texts: list[str] = []
    blank_line = None  # first blank line seen: only fine if nothing but blank lines follows
    lineno = 0
    try:
        # newline="\n": split on LF only (a stray CR inside a sentence must not cut it);
        # the CR of a CRLF ending is removed below.
        with open(path, encoding=encoding, errors="surrogateescape", newline="\n") as f:
            for lineno, line in enumerate(f, start=1):
                if num_samples is not None and len(input_texts) == num_samples:
                    break
                line = line.removesuffix("\n").removesuffix("\r")
                if lineno == 1:
                    line = line.removeprefix("\ufeff")  # a byte-order mark left by some editors
                if _BAD_BYTES.search(line):
                    raise DataError(path, lineno, f"bytes that are not valid {encoding}")
                if not line.strip():
                    blank_line = blank_line or lineno
                    continue
                if blank_line is not None:
                    raise DataError(path, blank_line, "blank line between sentence pairs")
                columns = line.split("\t")
                if len(columns) == 1:
                    raise DataError(path, lineno, "no tab: expected English<TAB>French")
                if len(columns) > 3:
                    raise DataError(
                        path, lineno,
                        f"{len(columns)} tab-separated columns, expected 2 or 3 "
                        "(English, French[, attribution])",
                    )
                english, french = columns[0], columns[1]
                for side, text in (("English", english), ("French", french)):
                    if not text.strip():
                        raise DataError(path, lineno, f"empty {side} sentence")
                input_texts.append(english)
                target_texts.append(french)
    except FileNotFoundError as err:
        raise DataError(path, None, "file not found") from err
    except OSError as err:  # a directory, no permission, a device error: say which, not a traceback
        raise DataError(path, None, f"cannot be read: {err.strerror or err}") from err
    except UnicodeDecodeError as err:
        # Only for codecs whose errors surrogateescape cannot absorb (e.g. UTF-16). The text
        # is decoded in chunks, so the bad bytes are on the next line or a later one.
        raise DataError(
            path, lineno + 1, f"bytes that are not valid {encoding} on this line or later ({err.reason})"
        ) from err
    if not input_texts:
        raise DataError(path, None, "no sentence pairs (the file is empty or blank)")
    return input_texts, target_texts


# --------------------------------------------------------------------------- vocabulary


def _check_texts(texts: Sequence[str], name: str) -> list[str]:
    """Return ``texts`` as a list, or raise TypeError if it is not an iterable of str.

    A bare str (or bytes) is refused rather than taken as a list of characters, and a
    mapping rather than iterated over its keys: both are almost always a slip.
    """
    if isinstance(texts, str):
        raise TypeError(f"{name} must be a sequence of str, not a single str (wrap it in a list)")
    if isinstance(texts, (bytes, bytearray, Mapping)) or not isinstance(texts, Iterable):
        raise TypeError(f"{name} must be a sequence of str, got {type(texts).__name__}")
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"{name}[{i}] must be str, got {type(text).__name__}")
    return texts


def _check_pairs(input_texts: Sequence[str], target_texts: Sequence[str]) -> tuple[list[str], list[str]]:
    """Type-check both sides, check they pair up, and return the targets wrapped in START/END."""
    input_texts = _check_texts(input_texts, "input_texts")
    target_texts = _check_texts(target_texts, "target_texts")
    if len(input_texts) != len(target_texts):
        raise ValueError(
            f"{len(input_texts)} input texts but {len(target_texts)} target texts"
        )
    for i, text in enumerate(target_texts):
        # A raw START/END inside a target would make the decoder start or stop mid-sentence.
        if START in text or END in text:
            raise ValueError(
                f"target_texts[{i}] = {text!r} contains the start {START!r} or end {END!r} "
                "character; pass raw texts, they are added for you"
            )
    return input_texts, [START + text + END for text in target_texts]


def _check_padding(padding: str) -> str:
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    return padding


@dataclass(frozen=True, repr=False)
class CharVocab:
    """Character vocabularies of both sides and the padded sequence lengths.

    Build it with ``CharVocab.from_texts``; save/restore it with ``to_config`` /
    ``from_config``. Two vocabularies are equal when all five fields are equal.

    Fields:
        input_characters: sorted unique characters of the inputs (V_e of them).
        target_characters: sorted unique characters of the targets, START and END included (V_d).
        max_encoder_seq_length: T_e, the longest input text.
        max_decoder_seq_length: T_d, the longest target text including START and END.
        padding: ``"space"`` or ``"zero"``, the default padding of ``vectorize``.

    The tutorial's derived names are properties: ``num_encoder_tokens``,
    ``num_decoder_tokens``, ``input_token_index``, ``target_token_index`` (char → id),
    ``reverse_input_char_index``, ``reverse_target_char_index`` (id → char). The four
    indexes are read-only dicts (``MappingProxyType``), computed once.
    """

    input_characters: tuple[str, ...]
    target_characters: tuple[str, ...]
    max_encoder_seq_length: int
    max_decoder_seq_length: int
    padding: str = "space"

    def __post_init__(self):
        # Accept any sequence of characters (a str, a list from JSON) but store tuples,
        # so the vocabulary is immutable and hashable.
        for name in ("input_characters", "target_characters"):
            chars = getattr(self, name)
            if not isinstance(chars, Sequence):
                raise TypeError(f"{name} must be a str or a sequence of characters")
            chars = tuple(chars)
            if not all(isinstance(c, str) and len(c) == 1 for c in chars):
                raise ValueError(f"{name} must hold single characters")
            # Sorted order is what makes the ids the same as the Keras tutorial's.
            if any(a >= b for a, b in zip(chars, chars[1:])):
                raise ValueError(f"{name} must be sorted and without repeats")
            object.__setattr__(self, name, chars)
        if START not in self.target_characters or END not in self.target_characters:
            raise ValueError("target_characters must contain START '\\t' and END '\\n'")
        for name, least in (("max_encoder_seq_length", 1), ("max_decoder_seq_length", 2)):
            object.__setattr__(self, name, _check_count(getattr(self, name), name, least))
        _check_padding(self.padding)
        if self.padding == "space" and (
            PAD not in self.input_characters or PAD not in self.target_characters
        ):
            raise ValueError("padding 'space' needs ' ' in both input and target characters")

    @classmethod
    def from_texts(
        cls,
        input_texts: Sequence[str],
        target_texts: Sequence[str],
        padding: str = "space",
    ) -> CharVocab:
        """Build the vocabulary of N raw text pairs as keras-io ``lstm_seq2seq.py`` does.

        Targets are wrapped as ``START + text + END`` before counting characters and
        lengths. One deviation from the tutorial: with ``padding="space"``, ``" "`` is
        added to a side whose texts contain no space, because its one-hot is the padding
        (the tutorial never needs this: its sentences always contain a space).
        """
        _check_padding(padding)
        input_texts, wrapped_targets = _check_pairs(input_texts, target_texts)
        if not input_texts:
            raise ValueError("cannot build a vocabulary from zero text pairs")
        input_characters = set().union(*input_texts)
        target_characters = set().union(*wrapped_targets)
        if padding == "space":
            input_characters.add(PAD)
            target_characters.add(PAD)
        max_encoder_seq_length = max(map(len, input_texts))
        if max_encoder_seq_length == 0:
            raise ValueError("all input texts are empty")
        return cls(
            input_characters=tuple(sorted(input_characters)),
            target_characters=tuple(sorted(target_characters)),
            max_encoder_seq_length=max_encoder_seq_length,
            max_decoder_seq_length=max(map(len, wrapped_targets)),
            padding=padding,
        )

    @property
    def num_encoder_tokens(self) -> int:
        return len(self.input_characters)

    @property
    def num_decoder_tokens(self) -> int:
        return len(self.target_characters)

    @cached_property
    def input_token_index(self) -> Mapping[str, int]:
        return MappingProxyType({c: i for i, c in enumerate(self.input_characters)})

    @cached_property
    def target_token_index(self) -> Mapping[str, int]:
        return MappingProxyType({c: i for i, c in enumerate(self.target_characters)})

    @cached_property
    def reverse_input_char_index(self) -> Mapping[int, str]:
        return MappingProxyType(dict(enumerate(self.input_characters)))

    @cached_property
    def reverse_target_char_index(self) -> Mapping[int, str]:
        return MappingProxyType(dict(enumerate(self.target_characters)))

    def to_config(self) -> dict:
        """A JSON-serialisable dict; ``CharVocab.from_config(v.to_config()) == v``.

        The character lists are stored as strings (each character is one code point).
        """
        return {
            "input_characters": "".join(self.input_characters),
            "target_characters": "".join(self.target_characters),
            "max_encoder_seq_length": self.max_encoder_seq_length,
            "max_decoder_seq_length": self.max_decoder_seq_length,
            "padding": self.padding,
        }

    @classmethod
    def from_config(cls, config: Mapping) -> CharVocab:
        """Rebuild a vocabulary from ``to_config()`` output (character lists may be str or list)."""
        expected = set(cls.__dataclass_fields__)
        if set(config) != expected:
            raise ValueError(
                f"vocabulary config needs exactly the keys {sorted(expected)}, got {sorted(config)}"
            )
        return cls(**config)

    def __repr__(self) -> str:
        return (
            f"CharVocab(num_encoder_tokens={self.num_encoder_tokens}, "
            f"num_decoder_tokens={self.num_decoder_tokens}, "
            f"max_encoder_seq_length={self.max_encoder_seq_length}, "
            f"max_decoder_seq_length={self.max_decoder_seq_length}, padding={self.padding!r})"
        )


# --------------------------------------------------------------------------- encoding


def one_hot(ids: np.ndarray, num_tokens: int, dtype="float32") -> np.ndarray:
    """One-hot encode integer ids of any shape S into an array of shape S + (V,).

    ``V = num_tokens``; id ``-1`` gives an all-zero row (zero padding). Other ids must
    lie in ``[0, V)``.
    """
    ids = np.asarray(ids)
    if ids.size == 0:
        ids = ids.astype(np.intp)  # np.asarray([]) is float, yet a fine empty id array
    if not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"ids must be integers, got dtype {ids.dtype}")
    if isinstance(num_tokens, bool) or not isinstance(num_tokens, numbers.Integral) or num_tokens < 1:
        raise ValueError(f"num_tokens must be a positive int, got {num_tokens!r}")
    if ids.size and (ids.min() < -1 or ids.max() >= num_tokens):
        raise ValueError(f"ids must lie in [-1, {num_tokens}), got [{ids.min()}, {ids.max()}]")
    out = np.zeros(ids.shape + (num_tokens,), dtype=dtype)
    where = np.nonzero(ids >= 0)  # the positions that hold a token
    out[where + (ids[where],)] = 1
    return out


def texts_to_ids(
    texts: Sequence[str],
    token_index: Mapping[str, int],
    length: int,
    *,
    pad_id: int = -1,
    errors: str = "raise",
    truncate: bool = False,
) -> np.ndarray:
    """Map N texts to an (N, T) int32 array of ids, T = ``length``, padded at the end with ``pad_id``.

    Characters missing from ``token_index`` raise ``UnknownTokenError`` (``errors="raise"``)
    or are dropped (``errors="ignore"``). A text longer than ``length`` (after dropping)
    raises ``TextTooLongError`` (a ``ValueError``) unless ``truncate=True`` cuts it. A bare str or a non-str item
    raises ``TypeError``.
    """
    if errors not in ("raise", "ignore"):
        raise ValueError(f"errors must be 'raise' or 'ignore', got {errors!r}")
    texts = _check_texts(texts, "texts")
    rows = []
    for text in texts:
        try:
            row = [token_index[c] for c in text]
        except KeyError:
            unknown = [c for c in text if c not in token_index]
            if errors == "raise":
                raise UnknownTokenError(unknown, text) from None
            row = [token_index[c] for c in text if c in token_index]
        if len(row) > length:
            if not truncate:
                raise TextTooLongError(text, len(row), length, hint="pass truncate=True to cut it")
            row = row[:length]
        rows.append(row)
    lengths = np.array([len(row) for row in rows], dtype=np.intp)
    ids = np.full((len(rows), length), pad_id, dtype=np.int32)
    # The (N, T) mask of real characters lists them in row-major order, the order of `flat`.
    flat = np.fromiter((i for row in rows for i in row), dtype=np.int32, count=int(lengths.sum()))
    ids[np.arange(length) < lengths[:, None]] = flat
    return ids


def _pad_ids(vocab: CharVocab, padding: str | None) -> tuple[int, int]:
    """(encoder pad id, decoder pad id) for ``padding`` (None: the vocabulary's); -1 is all-zero."""
    padding = vocab.padding if padding is None else _check_padding(padding)
    if padding == "zero":
        return -1, -1
    if PAD not in vocab.input_token_index or PAD not in vocab.target_token_index:
        raise ValueError("padding 'space' needs ' ' in the vocabulary; use padding='zero'")
    return vocab.input_token_index[PAD], vocab.target_token_index[PAD]


def vectorize_ids(
    input_texts: Sequence[str],
    target_texts: Sequence[str],
    vocab: CharVocab,
    padding: str | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The integer form of ``vectorize``: three int32 arrays of ids, -1 where a row is all-zero.

    Returns ``encoder_input_ids`` (N, T_e), ``decoder_input_ids`` (N, T_d) and
    ``decoder_target_ids`` (N, T_d). ``target_texts`` are raw: START and END are added
    here. The decoder target is the decoder input shifted one step left (teacher
    forcing), with padding in the last step.
    """
    input_texts, wrapped_targets = _check_pairs(input_texts, target_texts)
    encoder_pad, decoder_pad = _pad_ids(vocab, padding)
    with training_side("encoder"):
        encoder_input_ids = texts_to_ids(
            input_texts, vocab.input_token_index, vocab.max_encoder_seq_length, pad_id=encoder_pad
        )
    with training_side("decoder"):
        decoder_input_ids = texts_to_ids(
            wrapped_targets, vocab.target_token_index, vocab.max_decoder_seq_length, pad_id=decoder_pad
        )
    decoder_target_ids = np.full_like(decoder_input_ids, decoder_pad)
    decoder_target_ids[:, :-1] = decoder_input_ids[:, 1:]
    return encoder_input_ids, decoder_input_ids, decoder_target_ids


def vectorize(
    input_texts: Sequence[str],
    target_texts: Sequence[str],
    vocab: CharVocab,
    padding: str | None = None,
    dtype="float32",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One-hot arrays for training, identical to keras-io ``lstm_seq2seq.py``.

    ``target_texts`` are raw: START and END are added here. ``padding`` is ``"space"``,
    ``"zero"`` or None for ``vocab.padding``.

    Returns:
        encoder_input_data: (N, T_e, V_e)
        decoder_input_data: (N, T_d, V_d), START + target + END, then padding
        decoder_target_data: (N, T_d, V_d), decoder_input_data one step ahead: target + END,
            then padding (from step len(target) + 1 on).

    Raises ``UnknownTokenError`` for characters outside the vocabulary and ``ValueError``
    for texts longer than the vocabulary's maximum lengths.
    """
    encoder_ids, decoder_input_ids, decoder_target_ids = vectorize_ids(
        input_texts, target_texts, vocab, padding
    )
    return (
        one_hot(encoder_ids, vocab.num_encoder_tokens, dtype),
        one_hot(decoder_input_ids, vocab.num_decoder_tokens, dtype),
        one_hot(decoder_target_ids, vocab.num_decoder_tokens, dtype),
    )


def encode_input_texts(
    texts: Sequence[str],
    vocab: CharVocab,
    padding: str | None = None,
    dtype="float32",
    errors: str = "raise",
    truncate: bool = False,
) -> np.ndarray:
    """One-hot (N, T_e, V_e) encoder input for new texts, e.g. at translation time.

    Characters outside the vocabulary raise ``UnknownTokenError`` (a ``ValueError``)
    unless ``errors="ignore"`` drops them. Texts longer than ``max_encoder_seq_length``
    raise ``TextTooLongError`` (a ``ValueError``) unless ``truncate=True``. ``texts`` must be a list of str (a
    bare str raises ``TypeError``).
    """
    encoder_pad, _ = _pad_ids(vocab, padding)
    ids = texts_to_ids(
        texts, vocab.input_token_index, vocab.max_encoder_seq_length,
        pad_id=encoder_pad, errors=errors, truncate=truncate,
    )
    return one_hot(ids, vocab.num_encoder_tokens, dtype)


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


def _check_count(value, name: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
        raise ValueError(f"{name} must be an int >= {least}, got {value!r}")
    return int(value)


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
    if num_samples is None:
        return
    if isinstance(num_samples, bool) or not isinstance(num_samples, numbers.Integral) or num_samples < 1:
        raise ValueError(f"num_samples must be a positive int or None, got {num_samples!r}")
    if num_samples > available:
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
