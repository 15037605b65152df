"""Beam search: keep the B most probable partial translations instead of greedy's one.

Greedy decoding commits to the most probable token at every step, and a choice that
looked best early can force a poor sentence later. Beam search keeps, for every
sentence, up to ``beam_width`` (B) prefixes ("hypotheses") and extends all of them by
one token per step:

1. The decoder runs one step on every live hypothesis of every sentence at once: they
   are the R ≤ N·B rows of one batch through ``model.decode_step``.
2. A hypothesis's log-probability is the sum of the log-probabilities of its tokens, so
   extending it by token v gives  log P(prefix) + log p(v | prefix).
3. Each sentence keeps its best extensions by that sum, as many as it has room for.
   Only a hypothesis's B most probable tokens can be among them, so just those B are
   looked at (B·B candidates per sentence, not B·V).
4. A kept extension ending with the stop token is finished: it leaves the batch (it
   stops expanding) but keeps its place, so its sentence's beam shrinks by one. A
   sentence is done when B of its hypotheses have finished; after ``max_steps`` tokens
   the ones still running are kept as they are, cut off (like greedy's output).

Ranking. A sum of log-probabilities only falls as a hypothesis grows, so ranked by it
short outputs win. The hypotheses returned are ranked by GNMT's length-normalised
score (Wu et al. 2016, "Google's Neural Machine Translation System", eq. 14)::

    score(Y) = log P(Y | X) / lp(Y),      lp(Y) = ((5 + |Y|) / 6) ** α

where |Y| counts the tokens scored (the stop token included) and α is
``length_penalty``: α = 0 ranks by log P itself, α = 1 almost by the mean
log-probability per token. The pruning of step 3 needs no normalisation: all the
extensions compared there have the same length. Cut-off hypotheses rank after every
finished one.

Log-probabilities are ``log`` of the probabilities ``decode_step`` returns, taken in
float64 (a float32 probability has 7 significant digits, and its log keeps them). A
token whose probability underflowed to exactly 0 scores -inf.

With B = 1 this *is* greedy decoding: one hypothesis, extended by its most probable
token, ties going to the lowest token id as with ``argmax``; the same rows run
through ``decode_step`` in the same order, so the strings are exactly greedy's.

The decoder state is a list of arrays whose first axis is the batch; beam search
reorders every one of them by rows (``s[parents]``) and assumes nothing else about
them, so a decoder that carries more state (an attention decoder's encoder outputs)
needs no change here.
"""
from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np

from ..checks import check_integer
from .start import start_decoding

DEFAULT_LENGTH_PENALTY = 0.6   # GNMT's α; see the module docstring


class Hypothesis(NamedTuple):
    ids: np.ndarray    # (L,) int64 token ids, ending with stop_id unless cut off at max_steps
    log_prob: float    # log P(ids | input) = Σ_t log p(ids[t] | ids[:t], input)
    score: float       # log_prob / lp(L): what the hypotheses are ranked by


def length_normaliser(length, alpha: float):
    """GNMT's lp(Y) = ((5 + |Y|) / 6) ** α; the ranking score is log P(Y) / lp(Y)."""
    return ((5.0 + np.asarray(length, np.float64)) / 6.0) ** alpha


def beam_search(model, encoder_input, beam_width: int, start_id: int, stop_id: int, max_steps: int,
                n_best: int = 1, length_penalty: float = DEFAULT_LENGTH_PENALTY) -> list[list[Hypothesis]]:
    """Beam search for a batch: encoder_input (N, Te, Ve) one-hot or (N, Te) ids.

    Returns, for each of the N sentences, its ``n_best`` (≤ beam_width) hypotheses,
    best first. ``max_steps`` bounds the number of tokens, stop token included, as in
    ``greedy_decode``. See the module docstring for the algorithm and the ranking.
    """
    _check_arguments(beam_width, max_steps, n_best, length_penalty)
    states = start_decoding(model, encoder_input)
    n = len(states[0])
    if n == 0:
        return []
    # The live hypotheses, one per row of the decoder batch:
    sentence = np.arange(n)                      # (R,) the sentence a row belongs to
    log_prob = np.zeros(n)                       # (R,) log P(prefix), float64
    prefix = np.empty((n, 0), np.int64)          # (R, t) the tokens emitted so far
    tokens = np.full(n, start_id, np.int64)      # (R,) the decoder's next input
    room = np.full(n, beam_width)                # (N,) hypotheses each sentence may still keep
    kept = []                                    # chunks of (sentence, prefix, log_prob, finished)
    for _ in range(max_steps):
        probs, states = model.decode_step(tokens, states)
        top_ids, top_probs = _top_k(probs, min(beam_width, probs.shape[1]))   # (R, k) each
        with np.errstate(divide="ignore"):       # log 0 = -inf: a token the model rules out
            candidate_log_prob = (log_prob[:, None] + np.log(top_probs.astype(np.float64))).ravel()
        candidate_parent = np.repeat(np.arange(len(tokens)), top_ids.shape[1])
        chosen = _best_per_group(sentence[candidate_parent], candidate_log_prob, room)
        parent, token = candidate_parent[chosen], top_ids.ravel()[chosen]
        sentence, log_prob = sentence[parent], candidate_log_prob[chosen]
        prefix = np.concatenate([prefix[parent], token[:, None]], axis=1)
        finished = token == stop_id
        if finished.any():                       # they stop expanding and keep their place
            kept.append((sentence[finished], prefix[finished], log_prob[finished], True))
            room -= np.bincount(sentence[finished], minlength=n)
        running = ~finished
        sentence, log_prob, prefix, tokens = (sentence[running], log_prob[running],
                                              prefix[running], token[running])
        states = [s[parent[running]] for s in states]
        if not len(tokens):
            break
    else:                                        # max_steps reached: the rest are cut off
        kept.append((sentence, prefix, log_prob, False))
    return _rank(kept, n, n_best, length_penalty)


def _check_arguments(beam_width, max_steps, n_best, length_penalty) -> None:
    """ValueError naming the argument: beam_width, max_steps or n_best not a positive
    integer, n_best above beam_width, length_penalty negative or not finite."""
    check_integer(beam_width, "beam_width")
    check_integer(max_steps, "max_steps")
    check_integer(n_best, "n_best")
    if n_best > beam_width:
        raise ValueError(f"n_best must be at most beam_width ({beam_width}), received {n_best}")
    if not isinstance(length_penalty, numbers.Real) or not math.isfinite(length_penalty) \
            or length_penalty < 0:
        raise ValueError(f"length_penalty must be a finite number >= 0, received {length_penalty!r}")


def _top_k(probs: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k most probable tokens of each row, most probable first: (ids (R, k), probs (R, k)).

    k passes of ``argmax``, each masking the token it found: O(k·V) per row, and ties go
    to the lowest id, as argmax's (a full sort costs O(V log V), and ``argpartition``
    breaks ties arbitrarily).
    """
    probs = probs.copy()                         # masked below
    rows = np.arange(len(probs))
    ids = np.empty((len(probs), k), np.int64)
    values = np.empty((len(probs), k), probs.dtype)
    for j in range(k):
        ids[:, j] = probs.argmax(axis=1)
        values[:, j] = probs[rows, ids[:, j]]
        probs[rows, ids[:, j]] = -1.0            # below every probability: never found again
    return ids, values


def _best_per_group(group: np.ndarray, value: np.ndarray, room: np.ndarray) -> np.ndarray:
    """Indices of the ``room[g]`` largest values of each group g, grouped, largest first.

    One stable sort by (group, -value); an item's rank in its group is its position
    minus the position where its group starts. Equal values keep their order.
    """
    order = np.lexsort((-value, group))
    sorted_group = group[order]
    rank = np.arange(len(order)) - np.searchsorted(sorted_group, sorted_group)
    return order[rank < room[sorted_group]]


def _rank(kept, n: int, n_best: int, alpha: float) -> list[list[Hypothesis]]:
    """Per sentence, its n_best kept hypotheses: finished before cut off, then by score."""
    sentence = np.concatenate([chunk[0] for chunk in kept])
    log_prob = np.concatenate([chunk[2] for chunk in kept])
    finished = np.concatenate([np.full(len(chunk[0]), chunk[3]) for chunk in kept])
    lengths = np.concatenate([np.full(len(chunk[0]), chunk[1].shape[1]) for chunk in kept])
    ids = [row for chunk in kept for row in chunk[1]]
    score = log_prob / length_normaliser(lengths, alpha)
    results: list[list[Hypothesis]] = [[] for _ in range(n)]
    for i in np.lexsort((-score, ~finished, sentence)):
        if len(results[sentence[i]]) < n_best:
            results[sentence[i]].append(Hypothesis(ids[i], float(log_prob[i]), float(score[i])))
    return results
