"""Scoring translations against reference translations: exact match, CER, chrF, BLEU.

All four are *corpus* scores of N (hypothesis, reference) pairs:

- exact match: the fraction of hypotheses identical to their reference;
- character error rate (CER): the Levenshtein edits (insert, delete or substitute one
  character) that turn the hypotheses into their references, summed, over the number
  of reference characters: 0 is perfect, and above 1 is possible (long wrong output);
- chrF (Popović 2015) and BLEU (Papineni et al. 2002), 0–100, as sacrebleu computes
  them (Post 2018, "A Call for Clarity in Reporting BLEU Scores"): the implementation
  whose numbers papers report, with its default settings (chrF: character 1- to
  6-grams, β = 2; BLEU: 1- to 4-grams, 13a tokenisation, brevity penalty). chrF gives
  partial credit for partly right words, so it suits character-level models and short
  sentences better than BLEU, which is often 0 on a sentence with no right 4-gram.

Several references a hypothesis: each of the four takes, in place of a reference string,
a list of the right translations (fra.txt often gives one English sentence several).
Exact match then asks for any of them; CER counts the edits to the closest one (the first
of equally close ones), over that reference's characters; chrF and BLEU are sacrebleu's
multi-reference scores (a variable number a sentence: its ``None`` padding). A reference
string and a list of that one string score the same.

sacrebleu is an optional dependency (``pip install 'npseq2seq[eval]'``), imported only
by ``chrf`` and ``bleu``.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_PAD_HYPOTHESIS, _PAD_REFERENCE = -1, -2   # never equal to each other or to a character


def _check_pairs(hypotheses: Sequence[str], references: Sequence[str]) -> tuple[list[str], list[str]]:
    pairs = []
    for name, texts in (("hypotheses", hypotheses), ("references", references)):
        if isinstance(texts, str):
            raise TypeError(f"{name} must be a list of strings, not a single string")
        texts = list(texts)
        for k, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"{name} must hold strings, received {type(text).__name__} "
                                f"{text!r} at index {k}")
        pairs.append(texts)
    hypotheses, references = pairs
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses but {len(references)} references")
    if not hypotheses:
        raise ValueError("no (hypothesis, reference) pairs to score")
    return hypotheses, references


def _check_references(hypotheses, references) -> tuple[list[str], list[list[str]]]:
    """(hypotheses, each hypothesis's references as a list): a reference is a string or a
    non-empty list of strings (see the module docstring)."""
    if isinstance(references, str):
        raise TypeError("references must be a list of strings, not a single string")
    sets = []
    for k, refs in enumerate(references):
        if isinstance(refs, str):
            sets.append([refs])
        elif isinstance(refs, (list, tuple)) and refs and all(isinstance(r, str) for r in refs):
            sets.append(list(refs))
        else:
            raise TypeError("references must hold strings (or non-empty lists of strings), received "
                            f"{type(refs).__name__} {refs!r} at index {k}")
    hypotheses, _ = _check_pairs(hypotheses, [r[0] for r in sets])
    return hypotheses, sets


def exact_match(hypotheses: Sequence[str], references) -> float:
    """The fraction of hypotheses equal to their reference (to one of their references),
    character for character."""
    hypotheses, references = _check_references(hypotheses, references)
    return float(np.mean([h in refs for h, refs in zip(hypotheses, references)]))


def _code_points(texts: list[str], pad: int) -> np.ndarray:
    """(N, L) code points of N texts, padded with ``pad``; L is the longest length."""
    codes = np.full((len(texts), max(map(len, texts), default=0)), pad, np.int64)
    for n, text in enumerate(texts):
        codes[n, :len(text)] = [ord(c) for c in text]
    return codes


def edit_distances(hypotheses: Sequence[str], references: Sequence[str]) -> np.ndarray:
    """(N,) Levenshtein distances of N pairs, all pairs at once, one DP row per character.

    d[i, j] = the fewest edits turning hypothesis[:i] into reference[:j]::

        d[0, j] = j,   d[i, 0] = i
        d[i, j] = min(d[i-1, j]   + 1,                      delete hypothesis[i-1]
                      d[i-1, j-1] + (hyp[i-1] != ref[j-1]),  substitute (or keep)
                      d[i, j-1]   + 1)                      insert reference[j-1]

    The last term reads the row being built, so each row takes two passes, both
    vectorised: t = the first two terms, from the previous row; then the insertions,
    d[i, j] = min over k ≤ j of t[k] + (j − k) = j + (running minimum of t[k] − k).
    The rows run over the longest hypothesis; pair n's answer is d[len(hyp_n), len(ref_n)],
    read when row len(hyp_n) is done (columns past len(ref_n) never feed it).
    """
    hypotheses, references = _check_pairs(hypotheses, references)
    hyp = _code_points(hypotheses, _PAD_HYPOTHESIS)          # (N, Lh)
    ref = _code_points(references, _PAD_REFERENCE)           # (N, Lr)
    hyp_len = np.array([len(h) for h in hypotheses])
    ref_len = np.array([len(r) for r in references])
    rows = np.arange(len(hypotheses))
    j = np.arange(ref.shape[1] + 1)
    d = np.tile(j, (len(hypotheses), 1))                     # row 0: j insertions
    distance = d[rows, ref_len]                              # the answer for empty hypotheses
    for i in range(1, hyp.shape[1] + 1):
        t = np.empty_like(d)
        t[:, 0] = i                                          # i deletions
        t[:, 1:] = np.minimum(d[:, 1:] + 1, d[:, :-1] + (ref != hyp[:, i - 1:i]))
        d = j + np.minimum.accumulate(t - j, axis=1)
        done = hyp_len == i
        distance[done] = d[done, ref_len[done]]
    return distance


def edit_distance(hypothesis: str, reference: str) -> int:
    """The Levenshtein distance of two strings (see ``edit_distances``)."""
    return int(edit_distances([hypothesis], [reference])[0])


def character_error_rate(hypotheses: Sequence[str], references) -> float:
    """Σ edit distances / Σ reference lengths: a corpus rate, so long sentences weigh more.
    With several references a hypothesis, its closest one counts (edits and characters)."""
    hypotheses, references = _check_references(hypotheses, references)
    owner = np.repeat(np.arange(len(hypotheses)), [len(refs) for refs in references])
    flat = [r for refs in references for r in refs]
    distances = edit_distances([hypotheses[k] for k in owner], flat)     # every (hyp, ref) pair
    lengths = np.array([len(r) for r in flat])
    starts = np.r_[0, np.cumsum([len(refs) for refs in references])[:-1]]
    # each hypothesis's closest reference, the first on ties: sorted by (hypothesis,
    # distance, position), each hypothesis's block starts where it did and with that one
    closest = np.lexsort((np.arange(len(flat)), distances, owner))[starts]
    characters = lengths[closest].sum()
    if characters == 0:
        raise ValueError("the character error rate needs at least one non-empty reference")
    return float(distances[closest].sum() / characters)


def _sacrebleu():
    try:
        import sacrebleu
    except ImportError:
        raise ImportError("chrF and BLEU are computed by sacrebleu, an optional dependency: "
                          "pip install 'npseq2seq[eval]' (or pip install sacrebleu)") from None
    return sacrebleu


def _streams(references: list[list[str]]) -> list[list[str | None]]:
    """sacrebleu's reference streams: the k-th reference of every hypothesis, None where a
    hypothesis has fewer than k (sacrebleu leaves those out)."""
    most = max(map(len, references))
    return [[refs[k] if k < len(refs) else None for refs in references] for k in range(most)]


def chrf(hypotheses: Sequence[str], references) -> float:
    """Corpus chrF (0–100): sacrebleu's ``corpus_chrf``."""
    hypotheses, references = _check_references(hypotheses, references)
    return float(_sacrebleu().corpus_chrf(hypotheses, _streams(references)).score)


def bleu(hypotheses: Sequence[str], references) -> float:
    """Corpus BLEU (0–100): sacrebleu's ``corpus_bleu``."""
    hypotheses, references = _check_references(hypotheses, references)
    return float(_sacrebleu().corpus_bleu(hypotheses, _streams(references)).score)
