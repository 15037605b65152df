"""The subword level: ``SubwordVocab``, a word vocabulary whose tokens are byte-pair-encoded
pieces of words (``bpe.py``) rather than whole words.

Why: a word vocabulary capped at a few thousand words reads every other word as ``<unk>``
(on fra.txt's recipe split, 20.6 % of the held-out French references hold a word beyond
the 6,000 most frequent), and a bigger cap costs a bigger softmax. BPE spells the rare words
with frequent pieces (``"imperméable"`` → ``im per mé able</w>``), so a vocabulary of the
same size leaves no word unknown that is made of known characters.

Everything else is the word level's (``words.py``): the same reserved ids (PAD 0, UNK 1,
START 2, END 3), the same lower-casing, the same id arrays, the same word-level model
(``model_level`` is "word": the Embedding layers do not care what an id stands for).
Three things differ, each in one method:

- ``tokenize`` (the input side) and ``target_tokens`` split each word into its pieces, by
  each side's own merges (``input_merges``, ``target_merges``): English and French spell
  differently, and the target side's merges alone decide the softmax's size;
- ``join_tokens`` joins decoded pieces back into words (``bpe.join_pieces``), before the
  word level's case restoring and detokenizing: translations read exactly as the word
  level's do;
- the file form holds the merges (lists of [left, right] strings, JSON) and names its
  level, since the model's config says "word".

A piece the vocabulary lacks (a merge's result that every training word merged further)
is split back into the pieces it was merged from; a character the training texts never had
is a piece of its own, which the vocabulary reads as ``<unk>``: it is the only way a
subword vocabulary meets an unknown token.
"""
from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from .bpe import BPE, END_OF_WORD, check_merges, join_pieces, learn_merges
from .checks import check_count
from .tokenizer import tokenize
from .words import RESERVED_TOKENS, WordVocab, _check_bool, _ranked_words

__all__ = ["SubwordVocab", "DEFAULT_MERGES"]

# The merges of each side unless told: on fra.txt's recipe split (62,903 training pairs)
# 6,000 merges give 5,830 French and 5,385 English units (README), about the size of the
# word recipe's 6,000-word softmax.
DEFAULT_MERGES = 6000


def _pieces(token_lists: list[list[str]], merges: int) -> tuple[tuple[tuple[str, str], ...], list[list[str]]]:
    """One side's merges, learnt from its words' counts, and its texts as pieces."""
    merged = learn_merges(Counter(itertools.chain.from_iterable(token_lists)), merges)
    bpe = BPE(merged)
    return merged, [bpe.encode_words(tokens) for tokens in token_lists]


def _units(piece_lists: list[list[str]]) -> tuple[str, ...]:
    """The reserved tokens, the pieces by descending frequency (ties in code point order),
    then the characters and ``</w>`` no piece holds alone, so that every word of known
    characters encodes without ``<unk>``."""
    units = _ranked_words(piece_lists, None, 1)
    chars = set(itertools.chain.from_iterable(p.removesuffix(END_OF_WORD) for p in units[len(RESERVED_TOKENS):]))
    missing = (chars | {END_OF_WORD}) - set(units)
    return units + tuple(sorted(missing))


@dataclass(frozen=True, repr=False)
class SubwordVocab(WordVocab, level="subword"):
    """Subword vocabularies of both sides, their merges and the padded lengths, in pieces.

    Build it with ``SubwordVocab.from_texts``; save/restore it with ``to_config`` /
    ``from_config``. The fields are ``WordVocab``'s (``input_words``, ``target_words``:
    here the pieces, in id order) and:

        input_merges, target_merges: each side's BPE merges in the order learnt, (left,
            right) pairs of str.
    """

    input_merges: tuple[tuple[str, str], ...] = ()
    target_merges: tuple[tuple[str, str], ...] = ()

    unit = "subword units"

    def __post_init__(self):
        super().__post_init__()
        for name in ("input_merges", "target_merges"):
            object.__setattr__(self, name, check_merges(getattr(self, name), name))

    @classmethod
    def from_texts(
        cls,
        input_texts: Sequence[str],
        target_texts: Sequence[str],
        merges: int | None = None,
        lower: bool = True,
        reverse_input: bool = False,
        restore_case: bool = False,
    ) -> SubwordVocab:
        """Learn ``merges`` BPE merges on each side's words (``DEFAULT_MERGES`` if None) and
        build the vocabularies of the pieces they make of N raw text pairs. ``lower``,
        ``reverse_input``, ``restore_case``: as ``WordVocab.from_texts``."""
        merges = DEFAULT_MERGES if merges is None else check_count(merges, "merges", 0)
        _check_bool(lower, "lower")
        _check_bool(restore_case, "restore_case")
        input_texts, target_texts = cls.check_pairs(input_texts, target_texts)
        if not input_texts:
            raise ValueError("cannot build a vocabulary from zero text pairs")
        input_merges, input_pieces = _pieces([tokenize(t, lower) for t in input_texts], merges)
        target_merges, target_pieces = _pieces([tokenize(t, lower) for t in target_texts], merges)
        return cls._from_tokens(
            input_pieces, target_pieces, target_texts,
            input_words=_units(input_pieces), target_words=_units(target_pieces),
            lower=lower, reverse_input=reverse_input, restore_case=restore_case,
            input_merges=input_merges, target_merges=target_merges)

    @cached_property
    def input_bpe(self) -> BPE:
        """The input side's encoder, a piece outside ``input_words`` split back (``BPE``)."""
        return BPE(self.input_merges, known=self.input_token_index)

    @cached_property
    def target_bpe(self) -> BPE:
        """The target side's encoder, a piece outside ``target_words`` split back."""
        return BPE(self.target_merges, known=self.target_token_index)

    def tokenize(self, text: str) -> list[str]:
        """The input pieces of ``text``'s words (``tokenizer.tokenize`` with ``lower``)."""
        return self.input_bpe.encode_words(tokenize(text, self.lower))

    def target_tokens(self, text: str) -> list[str]:
        """The target pieces of ``text``'s words."""
        return self.target_bpe.encode_words(tokenize(text, self.lower))

    def join_tokens(self, tokens: list[str]) -> list[str]:
        """Decoded pieces as words (``bpe.join_pieces``)."""
        return join_pieces(tokens)

    def to_config(self) -> dict:
        """``WordVocab.to_config`` with the merges, and the level named."""
        return self._with_level({
            **super().to_config(),
            "input_merges": [list(m) for m in self.input_merges],
            "target_merges": [list(m) for m in self.target_merges],
        })
