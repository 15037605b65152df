"""Metrics: edit distance against a plain DP, CER by hand, chrF and BLEU on examples
worked out by hand from their definitions (so the wiring to sacrebleu is checked:
which side is the hypothesis, the 0-100 scale, corpus statistics)."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npseq2seq import metrics


def plain_edit_distance(a: str, b: str) -> int:
    """The textbook dynamic programme, one cell at a time."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
    return d[-1][-1]


@pytest.mark.parametrize("a, b, distance", [
    ("kitten", "sitting", 3),        # k→s, e→i, +g
    ("", "abc", 3), ("abc", "", 3), ("", "", 0),
    ("Va !", "Va !", 0),
    ("café", "cafe", 1),             # é and e are different characters
    ("abc", "cab", 2),               # no transpositions in Levenshtein: two edits
    ("Je suis là.", "Je suis ici.", 3),
])
def test_edit_distance_by_hand(a, b, distance):
    assert metrics.edit_distance(a, b) == distance
    assert metrics.edit_distance(b, a) == distance


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text("abcé ", max_size=9), st.text("abcé ", max_size=9)), min_size=1, max_size=6))
def test_batched_edit_distances_equal_the_plain_dp(pairs):
    hyps, refs = zip(*pairs)
    np.testing.assert_array_equal(metrics.edit_distances(hyps, refs),
                                  [plain_edit_distance(h, r) for h, r in pairs])


def test_exact_match_and_cer_by_hand():
    hyps = ["Va !", "Cours !", "Au feu"]
    refs = ["Va !", "Courez !", "Au feu !"]
    assert metrics.exact_match(hyps, refs) == pytest.approx(1 / 3)
    # 0 + 2 (insert "ez") + 2 (insert " !") edits over 4 + 8 + 8 reference characters
    assert metrics.character_error_rate(hyps, refs) == pytest.approx(4 / 20)
    assert metrics.character_error_rate(["a much longer output"], ["ab"]) > 1


def test_bleu_of_a_sentence_worked_out_by_hand():
    hyp, ref = "the cat sat on the mat", "the cat sat on a red mat"
    # clipped n-gram precisions: 5/6 (one "the" too many), 3/5, 2/4, 1/3; brevity 6 vs 7 words
    expected = 100 * math.exp(1 - 7 / 6) * (5 / 6 * 3 / 5 * 2 / 4 * 1 / 3) ** (1 / 4)
    assert metrics.bleu([hyp], [ref]) == pytest.approx(expected, rel=1e-9)
    assert metrics.bleu([ref], [hyp]) != pytest.approx(expected)          # the sides matter


def test_chrf_of_a_sentence_worked_out_by_hand():
    hyp, ref = "abcdefg", "abcdefgh"
    # character n-grams, n = 1..6: every hypothesis n-gram is in the reference (precision 1),
    # the reference has one more of each (recall (8-n)/(9-n)); chrF = F_β (β = 2) of the
    # precision and recall averaged over n.
    p, r = 1.0, np.mean([(8 - n) / (9 - n) for n in range(1, 7)])
    expected = 100 * (1 + 4) * p * r / (4 * p + r)
    assert metrics.chrf([hyp], [ref]) == pytest.approx(expected, rel=1e-9)
    swapped_r, swapped_p = 1.0, r
    assert metrics.chrf([ref], [hyp]) == pytest.approx(
        100 * 5 * swapped_p * swapped_r / (4 * swapped_p + swapped_r), rel=1e-9)


def test_corpus_scores_pool_the_statistics():
    """A corpus score is not the mean of sentence scores: sacrebleu adds the n-gram counts."""
    hyps, refs = ["abcdefg", "xyz"], ["abcdefgh", "xyz"]
    sentence_mean = np.mean([metrics.chrf([h], [r]) for h, r in zip(hyps, refs)])
    assert metrics.chrf(hyps, refs) != pytest.approx(sentence_mean)
    assert metrics.chrf(refs, refs) == pytest.approx(100.0)
    sentences = ["the cat sat on the mat", "a dog barks at the moon"]
    assert metrics.bleu(sentences, sentences) == pytest.approx(100.0)


@pytest.mark.parametrize("call", [metrics.exact_match, metrics.character_error_rate, metrics.chrf,
                                  metrics.bleu, metrics.edit_distances])
def test_argument_errors(call):
    with pytest.raises(ValueError, match="2 hypotheses but 1 references"):
        call(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="no .* pairs"):
        call([], [])
    with pytest.raises(TypeError, match="not a single string"):
        call("abc", ["abc"])
    with pytest.raises(TypeError, match="references must hold strings"):
        call(["a"], [None])


def test_cer_needs_a_reference_character():
    with pytest.raises(ValueError, match="non-empty reference"):
        metrics.character_error_rate(["a"], [""])


def test_missing_sacrebleu_is_a_clear_error(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "sacrebleu", None)          # import sacrebleu now fails
    with pytest.raises(ImportError, match=r"pip install 'npseq2seq\[eval\]'"):
        metrics.chrf(["a"], ["a"])
    assert metrics.exact_match(["a"], ["a"]) == 1.0                # the rest needs no sacrebleu


# --- npseq2seq evaluate ----------------------------------------------------------------------

def run(*args):
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-m", "npseq2seq", *args], capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def pairs_file_and_model(tmp_path_factory):
    """A model trained by `npseq2seq train` on the first 300 pairs of a pairs file."""
    from npseq2seq.text import addition_pairs
    folder = tmp_path_factory.mktemp("evaluate")
    inputs, targets = addition_pairs(num_samples=400, digits=2, seed=0)
    pairs = folder / "pairs.txt"
    pairs.write_text("".join(f"{a}\t{b}\n" for a, b in zip(inputs, targets)), encoding="utf-8")
    res = run("train", "--data", str(pairs), "--num-samples", "300", "--epochs", "2", "--latent-dim", "8",
              "--out", str(folder / "m.npz"))
    assert res.returncode == 0, res.stderr
    return pairs, folder / "m.npz", inputs, targets


def table_row(stdout, name):
    return next(line for line in stdout.splitlines() if line.startswith(name)).split()


def test_evaluate_skips_the_training_pairs_and_reports_the_metrics(pairs_file_and_model, tmp_path):
    from npseq2seq import load_model
    pairs, model_path, inputs, targets = pairs_file_and_model
    moved = tmp_path / "copy.txt"                       # the same pairs elsewhere: recognised by content
    moved.write_bytes(pairs.read_bytes())
    res = run("evaluate", "--model", str(model_path), "--data", str(moved), "--num-samples", "60",
              "--beam", "2", "--show", "1")
    assert res.returncode == 0, res.stderr
    assert "scoring pairs 301-360" in res.stdout
    assert "skipping the 300 pairs the model was trained on" in res.stdout
    # the table holds the metrics of the model's own translations of those pairs
    model = load_model(model_path)
    held_in, held_refs = inputs[300:360], targets[300:360]
    for name, beam in (("greedy", None), ("beam 2", 2)):
        got = model.translate(held_in, errors="ignore", truncate=True, beam_width=beam)
        row = table_row(res.stdout, name)[-5:]           # exact match, CER, chrF, BLEU, time
        assert row[:4] == [f"{100 * metrics.exact_match(got, held_refs):.1f}%",
                           f"{metrics.character_error_rate(got, held_refs):.3f}",
                           f"{metrics.chrf(got, held_refs):.1f}", f"{metrics.bleu(got, held_refs):.1f}"]
    assert f"input      {inputs[300]}" in res.stdout


def test_evaluate_warns_when_the_pairs_may_overlap_the_training_ones(pairs_file_and_model, tmp_path):
    pairs, model_path, _, _ = pairs_file_and_model
    res = run("evaluate", "--model", str(model_path), "--data", str(pairs), "--skip", "100",
              "--num-samples", "20", "--beam", "1", "--show", "0")
    assert res.returncode == 0, res.stderr
    assert "scoring pairs 101-120" in res.stdout and "WARNING: the model was trained on the first 300" in res.stdout
    from npseq2seq import load_model
    load_model(model_path).save(tmp_path / "plain.npz")     # model.save keeps no training settings
    res = run("evaluate", "--model", str(tmp_path / "plain.npz"), "--data", str(pairs), "--num-samples", "20",
              "--beam", "1", "--show", "0")
    assert res.returncode == 0, res.stderr
    assert "scoring pairs 1-20" in res.stdout and "does not say which pairs" in res.stdout


def test_evaluate_user_errors(pairs_file_and_model, tmp_path):
    pairs, model_path, _, _ = pairs_file_and_model
    for args in [("--data", str(pairs), "--skip", "400"),                   # nothing left to score
                 ("--data", str(tmp_path / "missing.txt")),
                 ("--corpus", "addition", "--skip", "-1")]:
        res = run("evaluate", "--model", str(model_path), *args)
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        assert "Traceback" not in res.stderr


# --- several references a hypothesis ---------------------------------------------------

MULTI_HYPS = ["Je suis chez moi.", "Tom est vieux.", "Il pleut.", "Regarde ça."]
MULTI_REFS = [["Je suis à la maison.", "Je suis chez moi."], ["Tom est âgé.", "Tom est vieux.", "Tom est vieil."],
              ["Il pleut."], ["Règle ça.", "Regardez ça !"]]


def test_a_reference_string_and_a_list_of_it_score_the_same():
    refs = [r[0] for r in MULTI_REFS]
    for score in (metrics.exact_match, metrics.character_error_rate, metrics.chrf, metrics.bleu):
        assert score(MULTI_HYPS, [[r] for r in refs]) == score(MULTI_HYPS, refs)
        assert score(MULTI_HYPS, [(r,) for r in refs]) == score(MULTI_HYPS, refs)


def test_exact_match_and_cer_take_the_closest_reference():
    assert metrics.exact_match(MULTI_HYPS, MULTI_REFS) == 0.75          # the fourth matches none
    # the closest references, pair by pair: 0, 0, 0 edits, and "Regardez ça !" (3 edits from
    # "Regarde ça.") before "Règle ça." (4)
    assert [metrics.edit_distance("Regarde ça.", r) for r in MULTI_REFS[3]] == [4, 3]
    chars = len("Je suis chez moi.") + len("Tom est vieux.") + len("Il pleut.") + len("Regardez ça !")
    assert metrics.character_error_rate(MULTI_HYPS, MULTI_REFS) == pytest.approx(3 / chars)


def test_cer_ties_count_the_first_closest_reference():
    # "ab" is one edit from both "abc" (3 characters) and "a" (1): the first counts
    assert metrics.character_error_rate(["ab"], [["abc", "a"]]) == pytest.approx(1 / 3)
    assert metrics.character_error_rate(["ab"], [["a", "abc"]]) == pytest.approx(1 / 1)


def test_chrf_and_bleu_are_sacrebleus_multi_reference_scores():
    """Against sacrebleu called directly, references padded with None where a sentence has fewer."""
    import sacrebleu
    streams = [[refs[k] if k < len(refs) else None for refs in MULTI_REFS] for k in range(3)]
    assert metrics.chrf(MULTI_HYPS, MULTI_REFS) == sacrebleu.corpus_chrf(MULTI_HYPS, streams).score
    assert metrics.bleu(MULTI_HYPS, MULTI_REFS) == sacrebleu.corpus_bleu(MULTI_HYPS, streams).score
    # more references never lower a sentence's chrF here, and raise it where one matches
    single = metrics.chrf(MULTI_HYPS, [r[0] for r in MULTI_REFS])
    assert metrics.chrf(MULTI_HYPS, MULTI_REFS) > single


@pytest.mark.parametrize("refs", [[[]], [[None]], [["a", 3]], [{"a"}]])
def test_bad_reference_lists_are_refused(refs):
    for score in (metrics.exact_match, metrics.character_error_rate, metrics.chrf, metrics.bleu):
        with pytest.raises(TypeError, match="non-empty lists of strings"):
            score(["a"], refs)
