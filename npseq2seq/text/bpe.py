"""Byte-pair encoding (Sennrich, Haddow and Birch 2016, "Neural Machine Translation of Rare
Words with Subword Units"): words as sequences of subword units, so that a vocabulary of a
few thousand units spells every word instead of reading the rare ones as ``<unk>``.

Learning starts from each word's characters followed by the end-of-word symbol
``END_OF_WORD = "</w>"`` and merges, ``num_merges`` times, the adjacent pair of symbols that
occurs most often in the corpus (counted over word frequencies) into one new symbol.
Encoding a new word replays the merges in the order they were learnt::

    >>> merges = learn_merges({"low": 5, "lower": 2, "newest": 6, "widest": 3}, 5)
    >>> merges
    (('e', 's'), ('es', 't'), ('est', '</w>'), ('l', 'o'), ('lo', 'w'))
    >>> bpe = BPE(merges)
    >>> bpe.encode("lowest")
    ('low', 'est</w>')
    >>> join_pieces(["low", "est</w>", "low", "</w>"])
    ['lowest', 'low']

Why the end-of-word symbol (the paper's) rather than a continuation marker on the other
pieces (``low@@ est``, subword-nmt's output form): the two carry the same information
(whether a piece ends its word), but with ``</w>`` a symbol of its own, a character never
seen in training is never fused with the word's end: ``"café"`` with an unknown ``é``
encodes as ``caf é </w>``, the vocabulary reads ``é`` as ``<unk>`` and the word still ends
where it did (``caf<unk>``). The merges are also the paper's, so its example is a test.

Choices, each stated once:

- Ties (pairs of equal count) go to the smallest pair in code point order of (left,
  right): learning does not depend on the order of ``word_counts``.
- Learning stops early when no pair occurs twice: a merge of a pair seen once only spells
  one word whole.
- Learning is incremental: the pair counts live in a dict and a heap; a merge updates only
  the words holding its pair (``_Learner``). 8,000 merges over fra.txt's French words take
  seconds (measured in the README), where recounting every pair each merge would take
  minutes.
- ``encode`` never fails on a new word: an unseen character stays a one-character piece
  (the vocabulary decides what it becomes, ``<unk>``), so ``join_pieces(encode(word)) ==
  [word]`` for every word without ``</w>`` in it. Encoded words are cached.
- Given the vocabulary's units (``known``), ``encode`` splits a piece they lack back into
  the pieces it was merged from (``BPE._split_unknown``): only characters never seen
  become ``<unk>``.
"""
from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Container, Iterable, Mapping, Sequence

__all__ = ["END_OF_WORD", "learn_merges", "BPE", "join_pieces", "check_merges"]

END_OF_WORD = "</w>"


def _check_word(word) -> str:
    if not isinstance(word, str) or not word:
        raise ValueError(f"a word must be a non-empty str, got {word!r:.60}")
    if END_OF_WORD in word:
        raise ValueError(f"a word must not contain the end-of-word symbol {END_OF_WORD!r}, got {word!r:.60}")
    return word


def _merge_word(symbols: tuple[str, ...], left: str, right: str) -> tuple[str, ...]:
    """``symbols`` with every occurrence of (left, right) fused, left to right without overlap."""
    out, i, n = [], 0, len(symbols)
    while i < n:
        if i + 1 < n and symbols[i] == left and symbols[i + 1] == right:
            out.append(left + right)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return tuple(out)


class _Learner:
    """The corpus as distinct words (symbol tuples and counts), the count of every adjacent
    pair, which words hold it, and a max-heap of (-count, pair) whose stale entries (a count
    since changed) are skipped when popped."""

    def __init__(self, word_counts: Mapping[str, int]):
        self.words = [(*word, END_OF_WORD) for word in word_counts]
        self.freqs = list(word_counts.values())
        self.counts: dict[tuple[str, str], int] = defaultdict(int)
        self.where: dict[tuple[str, str], set[int]] = defaultdict(set)
        for k, symbols in enumerate(self.words):
            self._add(k, symbols, +1)
        self.heap = [(-n, pair) for pair, n in self.counts.items()]
        heapq.heapify(self.heap)

    def _add(self, k: int, symbols: tuple[str, ...], sign: int) -> set:
        """Count (sign +1) or uncount (-1) word k's pairs; the pairs touched."""
        freq, pairs = sign * self.freqs[k], set(zip(symbols, symbols[1:]))
        for pair in zip(symbols, symbols[1:]):
            self.counts[pair] += freq
            if sign > 0:
                self.where[pair].add(k)
        return pairs

    def best(self) -> tuple[tuple[str, str], int] | None:
        """The most frequent pair and its count, ties to the smallest pair; None if none is left."""
        while self.heap:
            negative, pair = self.heap[0]
            if self.counts.get(pair, 0) == -negative:
                return pair, -negative
            heapq.heappop(self.heap)                          # stale: its count changed
        return None

    def merge(self, pair: tuple[str, str]) -> None:
        """Fuse ``pair`` in every word holding it; recount only those words' pairs."""
        touched = set()
        for k in self.where.pop(pair, ()):
            old = self.words[k]
            new = _merge_word(old, *pair)
            if new == old:                                    # a stale index: merged away already
                continue
            touched |= self._add(k, old, -1) | self._add(k, new, +1)
            self.words[k] = new
        self.counts.pop(pair, None)
        touched.discard(pair)
        for p in touched:
            if self.counts[p] > 0:
                heapq.heappush(self.heap, (-self.counts[p], p))
            else:
                del self.counts[p]


def learn_merges(word_counts: Mapping[str, int], num_merges: int) -> tuple[tuple[str, str], ...]:
    """At most ``num_merges`` merges learnt from ``word_counts`` (word → occurrences), in the
    order learnt; fewer if no pair is left that occurs at least twice."""
    if isinstance(num_merges, bool) or not isinstance(num_merges, int) or num_merges < 0:
        raise ValueError(f"num_merges must be a non-negative int, got {num_merges!r}")
    if not isinstance(word_counts, Mapping):
        raise TypeError(f"word_counts must be a mapping of word to count, got {type(word_counts).__name__}")
    for word, n in word_counts.items():
        _check_word(word)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"the count of {word!r:.40} must be a positive int, got {n!r}")
    learner, merges = _Learner(word_counts), []
    while len(merges) < num_merges:
        found = learner.best()
        if found is None or found[1] < 2:
            break
        merges.append(found[0])
        learner.merge(found[0])
    return tuple(merges)


def check_merges(merges, name: str = "merges") -> tuple[tuple[str, str], ...]:
    """``merges`` as a tuple of (left, right) str pairs (a list of 2-lists from JSON is
    fine); ValueError naming ``name`` and the first bad entry otherwise."""
    if isinstance(merges, (str, bytes)) or not isinstance(merges, Sequence):
        raise ValueError(f"{name} must be a list of [left, right] pairs, got {type(merges).__name__}")
    checked = []
    for i, merge in enumerate(merges):
        if (isinstance(merge, (str, bytes)) or not isinstance(merge, Sequence) or len(merge) != 2
                or not all(isinstance(s, str) and s for s in merge) or merge[0].endswith(END_OF_WORD)):
            raise ValueError(f"{name}[{i}] must be a pair of non-empty str, the left one not "
                             f"ending a word, got {merge!r:.60}")
        checked.append((merge[0], merge[1]))
    if len(set(checked)) != len(checked):
        raise ValueError(f"{name} must not repeat a merge")
    return tuple(checked)


class BPE:
    """Words → subword pieces by a learnt list of merges (``learn_merges``), cached per word.

    ``encode(word)`` applies, repeatedly, the earliest-learnt merge among the word's adjacent
    pairs, which is the same as replaying the merges in order (a merge creates a symbol that
    only later merges can use) at a cost of the word's length, not of the number of merges.
    """

    def __init__(self, merges: Sequence[tuple[str, str]], known: Container[str] | None = None):
        self.merges = check_merges(merges)
        self.ranks = {pair: rank for rank, pair in enumerate(self.merges)}
        self.known = known
        # a piece → the pair it was first merged from (another pair may spell it too)
        self._parts = {left + right: (left, right) for left, right in reversed(self.merges)}
        self._cache: dict[str, tuple[str, ...]] = {}

    def encode(self, word: str) -> tuple[str, ...]:
        """The pieces of one word, the last one ending with ``END_OF_WORD``."""
        pieces = self._cache.get(word)
        if pieces is None:
            pieces = self._encode(_check_word(word))
            pieces = self._cache[word] = pieces if self.known is None else self._split_unknown(pieces)
        return pieces

    def _split_unknown(self, pieces: tuple[str, ...]) -> tuple[str, ...]:
        """``pieces`` with each one ``known`` lacks split back into the pair it was merged
        from, recursively (subword-nmt's vocabulary filter). A merge's result can be missing
        from the units the training words end as: every training word that made "compa"
        merged it further ("compar", "compare</w>"), so a new word that stops at "compa"
        (held-out "Compare les faits !") is spelt "comp" "a" instead of ``<unk>``."""
        out, stack = [], list(reversed(pieces))
        while stack:
            piece = stack.pop()
            if piece in self.known or piece not in self._parts:
                out.append(piece)
            else:
                left, right = self._parts[piece]
                stack += [right, left]
        return tuple(out)

    def _encode(self, word: str) -> tuple[str, ...]:
        symbols, ranks = (*word, END_OF_WORD), self.ranks
        while len(symbols) > 1:
            pair = min(zip(symbols, symbols[1:]), key=lambda p: ranks.get(p, len(ranks)))
            if pair not in ranks:
                break
            symbols = _merge_word(symbols, *pair)
        return symbols

    def encode_words(self, words: Iterable[str]) -> list[str]:
        """The pieces of a sequence of words, one after the other."""
        return [piece for word in words for piece in self.encode(word)]


def join_pieces(pieces: Sequence[str]) -> list[str]:
    """Pieces back to words: a word ends after each piece ending with ``END_OF_WORD`` (and at
    the end). A piece without it (``"<unk>"`` for an unknown one) joins the next piece."""
    words = "".join(pieces).split(END_OF_WORD)
    return [word for word in words if word]
