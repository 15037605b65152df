"""The word level of the tutorial's FAQ: ``WordVocab`` and its id arrays.

The FAQ's word-level model reads integer sequences, one id per word, through
``Embedding(num_tokens, latent_dim)`` layers. Data flows one way, as at the character
level (``chars.py``)::

    text pairs ──load_pairs───────────────▶ (input_texts, target_texts)  raw strings
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

Differences from the character level (``chars.py``), each for a reason:

* Four reserved ids, the same on both sides: ``PAD = 0`` (``"<pad>"``), ``UNK = 1``
  (``"<unk>"``), ``START = 2`` (``"<start>"``), ``END = 3`` (``"<end>"``). The input
  side only needs PAD and UNK, but one layout for both sides means one set of
  constants and no "which side?" bugs; the two unused input rows of the encoder
  Embedding simply never receive a gradient.
* Padding is id 0 (PAD), the convention of Keras's ``Embedding(mask_zero=True)``,
  where the character level uses -1 (an all-zero one-hot row).
* Words outside the vocabulary are not an error: they become UNK. A word vocabulary
  never covers every word a user may type, and capping it (``max_words``) is normal.

One convention as in ``chars.py``: target texts are passed *raw*; ``<start>`` and
``<end>`` are added inside ``WordVocab.from_texts`` and ``vectorize_words``.

This file is the vocabulary; ``word_arrays.py`` holds the reserved ids and the arrays
and sentences made with it (``vectorize_words``, ``encode_input_words``,
``ids_to_words``, ``decode_ids``), importable from here as ever.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .checks import check_count, check_errors
from .ids import fit_row
from .tokenizer import tokenize
from .truecase import cased_words
from .vocab import Vocab
from .word_arrays import (
    END,
    PAD,
    RESERVED_TOKENS,
    START,
    UNK,
    decode_ids,
    encode_input_words,
    ids_to_words,
    vectorize_words,
)

__all__ = [
    "PAD",
    "UNK",
    "START",
    "END",
    "RESERVED_TOKENS",
    "WordVocab",
    "vectorize_words",
    "encode_input_words",
    "ids_to_words",
    "decode_ids",
]

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
class WordVocab(Vocab, level="word"):
    """Word vocabularies of both sides and the padded sequence lengths, in tokens.

    Build it with ``WordVocab.from_texts``; save/restore it with ``to_config`` /
    ``from_config``. Two vocabularies are equal when all five fields are equal. It
    implements ``Vocab`` (``vocab.py``).

    Fields:
        input_words: the input side's words in id order: ``RESERVED_TOKENS`` (ids 0-3),
            then the words by descending frequency (V_e in all).
        target_words: the same for the targets (V_d).
        max_encoder_seq_length: T_e, the most tokens in an input text.
        max_decoder_seq_length: T_d, the most tokens in a target text plus 2 (START, END).
        lower: whether texts are lower-cased before tokenising, here and at translation.
        reverse_input: whether each input is encoded backwards.
        cased_words: None (output lower-cased, as files from before the option), or the
            target words whose usual form inside a sentence is not lower-case ("Tom",
            "Paris"): decoding then writes them so and capitalises each sentence's first
            word (``truecase.py``), so that a lower-cased model's output reads like French.

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
    reverse_input: bool = False
    cased_words: tuple[str, ...] | None = None

    start_token, end_token, unit = RESERVED_TOKENS[START], RESERVED_TOKENS[END], "tokens"
    input_pad_id = target_pad_id = PAD    # PAD marks padding on both sides, never a word

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
        super().__post_init__()
        _check_bool(self.lower, "lower")
        _check_bool(self.reverse_input, "reverse_input")
        if self.cased_words is not None:
            cased = self.cased_words
            if isinstance(cased, str) or not isinstance(cased, Sequence) or \
                    not all(isinstance(w, str) and w for w in cased):
                raise ValueError(f"cased_words must be None or a sequence of non-empty str, got {cased!r:.60}")
            object.__setattr__(self, "cased_words", tuple(cased))

    @classmethod
    def from_texts(
        cls,
        input_texts: Sequence[str],
        target_texts: Sequence[str],
        lower: bool = True,
        max_words: int | None = None,
        min_count: int = 1,
        reverse_input: bool = False,
        restore_case: bool = False,
    ) -> WordVocab:
        """Build the vocabularies of N raw text pairs.

        Each side keeps, after the 4 reserved tokens, its words seen at least
        ``min_count`` times, most frequent first and ties alphabetically, so the ids
        depend only on the texts. ``max_words`` (None: no cap) caps the number of words
        of each side, reserved tokens not counted: V <= max_words + 4. Words left out
        become UNK when vectorising. The maximum lengths count every token, UNK or not.
        ``reverse_input``: encode each input backwards (``Vocab.input_id_array``).
        ``restore_case`` (with ``lower``): learn from the targets how to write the lower-cased
        output with its case back (``cased_words``; the command line sets it).
        """
        _check_bool(lower, "lower")
        _check_bool(restore_case, "restore_case")
        if max_words is not None:
            max_words = check_count(max_words, "max_words", 1)
        min_count = check_count(min_count, "min_count", 1)
        input_texts, target_texts = cls.check_pairs(input_texts, target_texts)
        if not input_texts:
            raise ValueError("cannot build a vocabulary from zero text pairs")
        input_tokens = [tokenize(t, lower) for t in input_texts]
        target_tokens = [tokenize(t, lower) for t in target_texts]
        return cls._from_tokens(
            input_tokens, target_tokens, target_texts,
            input_words=_ranked_words(input_tokens, max_words, min_count),
            target_words=_ranked_words(target_tokens, max_words, min_count),
            lower=lower, reverse_input=reverse_input, restore_case=restore_case)

    @classmethod
    def _from_tokens(cls, input_tokens, target_tokens, target_texts, *, lower, restore_case,
                     **fields) -> WordVocab:
        """The vocabulary of these token lists (words, or a subclass's pieces) with its other
        ``fields``: the padded lengths counted here, and the targets' case learnt from the raw
        ``target_texts`` if ``restore_case`` (with ``lower``)."""
        max_encoder_seq_length = max(map(len, input_tokens))
        if max_encoder_seq_length == 0:
            raise ValueError("all input texts are empty (no tokens)")
        return cls(
            max_encoder_seq_length=max_encoder_seq_length,
            max_decoder_seq_length=max(map(len, target_tokens)) + 2,  # + START and END
            lower=lower,
            cased_words=(cased_words(tokenize(t, lower=False) for t in target_texts)
                         if restore_case and lower else None),
            **fields,
        )

    @property
    def input_vocabulary(self) -> tuple[str, ...]:
        return self.input_words

    @property
    def target_vocabulary(self) -> tuple[str, ...]:
        return self.target_words

    # the word-level names of Vocab's id → token dicts
    reverse_input_word_index = property(lambda self: self.reverse_input_index)
    reverse_target_word_index = property(lambda self: self.reverse_target_index)

    def tokenize(self, text: str) -> list[str]:
        """``tokenizer.tokenize`` with the vocabulary's ``lower``."""
        return tokenize(text, self.lower)

    def input_ids(self, text: str, errors: str = "raise") -> list[int]:
        """The ids of ``text``'s tokens, an unknown word as UNK (``errors`` changes nothing)."""
        check_errors(errors)
        index = self.input_token_index
        return [index.get(word, UNK) for word in self.tokenize(text)]

    def target_tokens(self, text: str) -> list[str]:
        """The tokens of a target text (its words; a subword vocabulary splits them)."""
        return self.tokenize(text)

    def join_tokens(self, tokens: list[str]) -> list[str]:
        """Decoded tokens as words (they are words here; a subword vocabulary joins its pieces)."""
        return tokens

    def target_ids(self, text: str) -> list[int]:
        index = self.target_token_index
        row = [START, *(index.get(word, UNK) for word in self.target_tokens(text)), END]
        return fit_row(row, text, self.max_decoder_seq_length, unit="tokens with <start> and <end>")

    def encode_inputs(self, texts: Sequence[str], truncate: bool = False, errors: str = "raise",
                      dtype="float32") -> np.ndarray:
        """(N, T_e) int32 ids: ``encode_input_words``. ``errors`` is checked but changes
        nothing: no word is unknown (it becomes ``<unk>``). ``dtype`` is unused: ids are int32."""
        check_errors(errors)
        return encode_input_words(texts, self, truncate=truncate)

    def encode_pairs(self, input_texts: Sequence[str], target_texts: Sequence[str],
                     dtype="float32") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Three int32 id arrays: ``vectorize_words`` (``dtype`` is unused: ids are int32)."""
        return vectorize_words(input_texts, target_texts, self)

    def encode_pair_ids(self, input_texts: Sequence[str],
                        target_texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``vectorize_words``: ids already."""
        return vectorize_words(input_texts, target_texts, self)

    def decode(self, ids, keep_end: bool = False) -> str:
        """``decode_ids``: the words before the first END as a sentence. ``keep_end`` changes
        nothing: the words stop before ``<end>``, which is no word to show."""
        return decode_ids(ids, self)

    def to_config(self) -> dict:
        """A JSON-serialisable dict; ``WordVocab.from_config(v.to_config()) == v``. Without
        ``cased_words`` the dict is what it was before the option."""
        cased = {} if self.cased_words is None else {"cased_words": list(self.cased_words)}
        return self._with_reverse({
            "input_words": list(self.input_words),
            "target_words": list(self.target_words),
            "max_encoder_seq_length": self.max_encoder_seq_length,
            "max_decoder_seq_length": self.max_decoder_seq_length,
            "lower": self.lower,
            **cased,
        })

    @classmethod
    def from_config(cls, config) -> WordVocab:
        """Rebuild from ``to_config()`` output (a file without ``cased_words``: None)."""
        return super().from_config({"cased_words": None, **config})
