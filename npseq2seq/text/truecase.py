"""Case back into lower-cased words: a word-level model reads and writes lower-cased words
(one vocabulary entry for "Tom" and "tom", "Je" and "je"), and its output should still read
like French: "Nous avons besoin de Tom." rather than "nous avons besoin de tom.".

Two rules, learnt from the training targets:

1. A word takes the form it has most often *inside* sentences (not first, not after
   ``. ! ?``), where its case is its own rather than the sentence's: "tom" → "Tom",
   "paris" → "Paris", "je" stays "je". Only the words whose usual form is not lower-case
   are kept (``cased_words``); a word never seen inside a sentence stays lower-case.
2. The first word of each sentence starts with a capital letter ("j'" → "J'").

    >>> cased = cased_words([["Je", "vois", "Tom", "."], ["Tom", "dort", "."]])
    >>> cased
    ('Tom',)
    >>> restore_case(["je", "vois", "tom", "."], cased)
    ['Je', 'vois', 'Tom', '.']
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

__all__ = ["cased_words", "restore_case", "SENTENCE_ENDS"]

SENTENCE_ENDS = frozenset(".!?…")   # the next word starts a sentence


def cased_words(token_lists: Iterable[Sequence[str]]) -> tuple[str, ...]:
    """The cased forms of the words whose most frequent form inside a sentence is not their
    lower-case form, sorted; ties go to the lower-case form, then to the first in code
    point order. ``token_lists``: the targets tokenised *without* lower-casing."""
    forms: dict[str, Counter] = defaultdict(Counter)
    for tokens in token_lists:
        for previous, token in zip(["."] + list(tokens), tokens):
            if previous not in SENTENCE_ENDS:        # inside a sentence: the word's own case
                forms[token.lower()][token] += 1
    kept = []
    for lower, counts in forms.items():
        best = max(counts.items(), key=lambda item: (item[1], item[0] == lower, [-ord(c) for c in item[0]]))[0]
        if best != lower:
            kept.append(best)
    return tuple(sorted(kept))


def restore_case(tokens: Sequence[str], cased: Iterable[str]) -> list[str]:
    """``tokens`` (lower-cased) with each word in its usual form (``cased``, as
    ``cased_words`` gives) and the first word of each sentence capitalised."""
    usual = {word.lower(): word for word in cased}
    out, starts = [], True
    for token in tokens:
        token = usual.get(token, token)
        if starts and (token[:1].isalnum() or len(token) > 1):   # a word (or <unk>): punctuation is 1 char
            token, starts = token[:1].upper() + token[1:], False
        elif token in SENTENCE_ENDS:
            starts = True
        out.append(token)
    return out
