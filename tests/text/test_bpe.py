"""Byte-pair encoding (``text/bpe.py``): the merges of Sennrich et al.'s example worked by
hand, the incremental learner against the paper's recount-every-merge algorithm, encoding
against replaying the merges one by one, the round trip of every word, and bad input."""
import random
import re
from collections import Counter

import pytest

from npseq2seq.text import load_pairs, tokenize
from npseq2seq.text.bpe import BPE, END_OF_WORD, check_merges, join_pieces, learn_merges

# Sennrich, Haddow and Birch 2016, section 3.2 / Algorithm 1's dictionary
PAPER = {"low": 5, "lower": 2, "newest": 6, "widest": 3}


def test_the_papers_example_merge_by_merge():
    # Counts over word frequencies: (e, s), (s, t) and (t, </w>) all occur 6 + 3 = 9 times;
    # the tie goes to the smallest pair, (e, s); then (es, t) 9, (est, </w>) 9; then
    # (l, o) and (o, w) 7 each -> (l, o); (lo, w) 7. These five are the paper's.
    # Then (n, e), (e, w), (w, est</w>) 6 each -> (e, w) (the paper takes (n, e), the first
    # its dict happened to hold); (ew, est</w>) 6 and (n, ew) 6 -> 'ew' < 'n'; (n, ewest</w>)
    # 6; (low, </w>) 5; then (w, i), (i, d), (d, est</w>) 3 each -> (d, est</w>).
    assert learn_merges(PAPER, 10) == (
        ("e", "s"), ("es", "t"), ("est", END_OF_WORD), ("l", "o"), ("lo", "w"),
        ("e", "w"), ("ew", "est</w>"), ("n", "ewest</w>"), ("low", END_OF_WORD), ("d", "est</w>"))


def test_learning_stops_when_no_pair_occurs_twice():
    merges = learn_merges(PAPER, 1000)
    assert len(merges) < 1000
    assert learn_merges({"ab": 1, "cd": 1}, 5) == ()
    assert learn_merges(PAPER, 0) == ()


def test_ties_do_not_depend_on_the_order_of_the_words():
    words = _corpus_counts(300)
    items = list(words.items())
    random.Random(0).shuffle(items)
    assert learn_merges(dict(items), 200) == learn_merges(words, 200)


def _recount_learner(word_counts, num_merges):
    """Algorithm 1 of the paper: every pair recounted over every word at every merge
    (with bpe.py's stated tie rule and stopping rule)."""
    vocab = {tuple(word) + (END_OF_WORD,): n for word, n in word_counts.items()}
    merges = []
    for _ in range(num_merges):
        pairs = Counter()
        for symbols, n in vocab.items():
            for pair in zip(symbols, symbols[1:]):
                pairs[pair] += n
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        if pairs[best] < 2:
            break
        merges.append(best)
        bigram = re.escape(" ".join(best))
        pattern = re.compile(r"(?<!\S)" + bigram + r"(?!\S)")    # the paper's regex replace
        vocab = {tuple(pattern.sub("".join(best), " ".join(s)).split(" ")): n for s, n in vocab.items()}
    return tuple(merges)


def _corpus_counts(lines):
    """Word counts of the French side of a few hundred made-up sentences with repeats."""
    rng = random.Random(1)
    stems = ["mang", "parl", "chant", "aim", "regard", "tomb", "rest", "pass"]
    endings = ["e", "es", "ons", "ez", "ent", "ais", "ait", "ions", "er", "é", "ée", "és"]
    words = Counter()
    for _ in range(lines):
        for _ in range(rng.randint(1, 6)):
            words[rng.choice(stems) + rng.choice(endings)] += 1
        words[rng.choice(["le", "la", "les", "un", "une"])] += 1
    return dict(words)


def test_the_incremental_learner_makes_the_papers_merges():
    words = _corpus_counts(400)
    assert learn_merges(words, 150) == _recount_learner(words, 150)
    assert learn_merges(PAPER, 20) == _recount_learner(PAPER, 20)


def test_encode_replays_the_merges_in_order():
    words = _corpus_counts(400)
    merges = learn_merges(words, 60)
    bpe = BPE(merges)
    for word in [*words, "mangeaient", "xyz", "aaaa", "ééé"]:
        symbols = (*word, END_OF_WORD)
        for left, right in merges:        # one merge at a time, every occurrence left to right
            out, i = [], 0
            while i < len(symbols):
                if symbols[i:i + 2] == (left, right):
                    out.append(left + right)
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            symbols = tuple(out)
        assert bpe.encode(word) == symbols, word


def test_pieces_join_back_into_the_words():
    bpe = BPE(learn_merges(PAPER, 10))
    assert bpe.encode("lowest") == ("low", "est</w>")
    assert bpe.encode("newest") == ("newest</w>",)
    assert bpe.encode("café") == ("c", "a", "f", "é", "</w>")        # unseen characters stay pieces
    words = ["lowest", "newer", "low", "café", "x", "Ça", "l'eau", "peut-être"]
    assert join_pieces(bpe.encode_words(words)) == words
    assert all(join_pieces(bpe.encode(w)) == [w] for w in words)
    assert bpe.encode("lowest") is bpe.encode("lowest")                 # cached


def test_a_piece_the_vocabulary_lacks_is_split_back_into_its_merge():
    merges = learn_merges(PAPER, 10)
    known = {"low", "es", "t", "</w>", *"lowerndsti"}              # no "est", "est</w>", "lowe"...
    bpe = BPE(merges, known=known)
    # lowest: low est</w> -> est</w> was (est, </w>), est was (es, t)
    assert BPE(merges).encode("lowest") == ("low", "est</w>")
    assert bpe.encode("lowest") == ("low", "es", "t", "</w>")
    assert bpe.encode("newest") == ("n", "e", "w", "es", "t", "</w>")
    assert bpe.encode("café") == ("c", "a", "f", "é", "</w>")       # a character stays: <unk> for the vocabulary
    words = ["lowest", "newest", "widest", "lower", "café"]
    assert join_pieces(bpe.encode_words(words)) == words
    assert all(p in known for w in words[:-1] for p in bpe.encode(w))


def test_a_piece_without_the_end_of_word_joins_the_next():
    assert join_pieces(["caf", "<unk>", "</w>", "x</w>"]) == ["caf<unk>", "x"]
    assert join_pieces(["low", "er"]) == ["lower"]                      # no end: the last word ends anyway
    assert join_pieces(["</w>", "a</w>", "</w>"]) == ["a"]
    assert join_pieces([]) == []


@pytest.mark.parametrize("words, n, match", [
    ({"a</w>b": 2}, 3, "end-of-word"),
    ({"": 2}, 3, "non-empty str"),
    ({"ab": 0}, 3, "positive int"),
    ({"ab": 2.0}, 3, "positive int"),
    ({"ab": 2}, -1, "non-negative int"),
    ({"ab": 2}, True, "non-negative int"),
])
def test_bad_learning_arguments(words, n, match):
    with pytest.raises(ValueError, match=match):
        learn_merges(words, n)
    with pytest.raises(TypeError, match="mapping"):
        learn_merges(["ab"], 3)


@pytest.mark.parametrize("merges, match", [
    ("ab", "list of"), ([["a"]], r"merges\[0\]"), ([["a", ""]], r"merges\[0\]"),
    ([["a", 1]], r"merges\[0\]"), ([["a</w>", "b"]], "not ending a word"), ([["a", "b"], ["a", "b"]], "repeat"),
])
def test_bad_merges_are_refused_naming_the_entry(merges, match):
    with pytest.raises(ValueError, match=match):
        check_merges(merges)
    with pytest.raises(ValueError, match=match):
        BPE(merges)
    with pytest.raises(ValueError, match="end-of-word"):
        BPE([]).encode("a</w>")


def test_merges_from_json_lists():
    assert check_merges([["a", "b"], ["ab", "</w>"]]) == (("a", "b"), ("ab", "</w>"))


@pytest.mark.slow
def test_every_word_of_fra_txt_round_trips(fra_path):
    inputs, targets = load_pairs(fra_path)
    for side in (inputs, targets):
        words = Counter(w for text in side for w in tokenize(text, lower=False))
        bpe = BPE(learn_merges(words, 8000))
        assert all(join_pieces(bpe.encode(w)) == [w] for w in words)
