"""Beam search: B = 1 is greedy, scores are the model's log-probabilities of the strings
returned, a wide enough beam is an exhaustive search, and the batch bookkeeping keeps
every state array with its own sentence."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npseq2seq import Seq2Seq
from npseq2seq.decode import beam_search, greedy_decode, length_normaliser
from npseq2seq.ops import softmax
from npseq2seq.text import one_hot
from reference.tolerances import tol


def gnmt_lp(length, alpha):
    """GNMT's length penalty lp(Y) = ((5 + |Y|) / 6) ** α (Wu et al. 2016), written out
    here, not the library's: the ranking score is log P(Y) / lp(Y)."""
    return ((5 + length) / 6) ** alpha


def test_length_normaliser_is_gnmts_formula():
    """length_normaliser at hand values (gnmt_lp at the first): |Y| = 7, α = 0.6: (12 / 6) ** 0.6
    = 2 ** 0.6; |Y| = 1: 6 / 6 = 1 for any α; α = 0: 1 for any length; |Y| = 4, α = 1: 9 / 6
    = 1.5; and element-wise over an array of lengths."""
    assert length_normaliser(7, 0.6) == pytest.approx(2 ** 0.6, rel=1e-15)
    assert gnmt_lp(7, 0.6) == pytest.approx(2 ** 0.6, rel=1e-15)
    assert length_normaliser(1, 0.6) == length_normaliser(1, 1.0) == 1.0
    assert length_normaliser(13, 0.0) == 1.0
    assert length_normaliser(4, 1.0) == 1.5
    np.testing.assert_allclose(length_normaliser(np.array([1, 7, 4]), 0.6),
                               [1.0, 2 ** 0.6, 1.5 ** 0.6], rtol=1e-15)


def in_float64(model):
    """The same model in float64, so re-scored log-probabilities agree to ~1e-15."""
    copy = Seq2Seq(model.num_encoder_tokens, model.num_decoder_tokens, model.latent_dim, cell=model.cell,
                   level=model.level, dtype="float64", vocab=model.vocab)
    copy.set_weights(model.get_weights())
    return copy


def teacher_forced_log_prob(model, encoder_input, ids, start_id):
    """log P(ids | input) from the training model's forward pass (model.predict), fed the
    hypothesis itself: decoder input = start token + ids[:-1]."""
    dec_ids = np.concatenate([[start_id], ids[:-1]])[None]
    dec = dec_ids if model.level == "word" else one_hot(dec_ids, model.num_decoder_tokens, model.dtype)
    probs = model.predict([encoder_input, dec])[0]                 # (L, Vd)
    return float(np.log(probs[np.arange(len(ids)), ids]).sum())


def test_beam_width_1_returns_greedys_strings(trained):
    model, inputs, enc, start, stop = trained
    max_steps = model.vocab.max_decoder_seq_length + 1
    greedy = greedy_decode(model, enc, start, stop, max_steps)
    beam = beam_search(model, enc, 1, start, stop, max_steps)
    assert all(len(h) == 1 for h in beam)
    for g, (b,) in zip(greedy, beam):
        np.testing.assert_array_equal(b.ids, g)
    assert model.translate(inputs, beam_width=1) == model.translate(inputs)


def test_scores_are_the_log_probabilities_of_the_returned_strings(trained):
    model, _, enc, start, stop = trained
    model = in_float64(model)
    found = beam_search(model, enc[:8], 3, start, stop, model.vocab.max_decoder_seq_length + 1,
                        n_best=3, length_penalty=0.6)
    for i, hypotheses in enumerate(found):
        assert len(hypotheses) == 3
        assert len({h.ids.tobytes() for h in hypotheses}) == 3          # three different strings
        for h in hypotheses:
            expected = teacher_forced_log_prob(model, enc[i:i + 1], h.ids, start)
            assert abs(h.log_prob - expected) <= tol("float64", "forward") * max(1.0, abs(expected))
            assert h.score == pytest.approx(h.log_prob / gnmt_lp(len(h.ids), 0.6), rel=1e-15)
        assert [h.score for h in hypotheses] == sorted((h.score for h in hypotheses), reverse=True)


def test_the_best_beam_hypothesis_scores_at_least_greedys_when_greedys_survives(trained):
    """Beam search can prune greedy's path (then nothing is promised); when greedy's string
    is among the B hypotheses returned, it was scored like the others and ranked below
    the best one. Its log-probability is also the one the greedy string has."""
    model, _, enc, start, stop = trained
    model = in_float64(model)
    max_steps = model.vocab.max_decoder_seq_length + 1
    greedy = greedy_decode(model, enc, start, stop, max_steps)
    beam = beam_search(model, enc, 4, start, stop, max_steps, n_best=4, length_penalty=0.0)
    survived = 0
    for i, (g, hypotheses) in enumerate(zip(greedy, beam)):
        same = [h for h in hypotheses if np.array_equal(h.ids, g)]
        if same:
            survived += 1
            assert hypotheses[0].log_prob >= same[0].log_prob
            expected = teacher_forced_log_prob(model, enc[i:i + 1], g, start)
            assert abs(same[0].log_prob - expected) <= tol("float64", "forward") * max(1.0, abs(expected))
    assert survived >= len(enc) // 2          # the property was actually exercised


def random_model(rng, ve, vd, h, cell="lstm"):
    """A float64 model with large random weights: peaked, varied distributions, no ties."""
    model = Seq2Seq(ve, vd, h, cell=cell, dtype="float64", seed=int(rng.integers(1 << 30)))
    model.set_weights([rng.normal(0, 1.5, w.shape) for w in model.get_weights()])
    return model


def brute_force(model, encoder_input, start_id, stop_id, max_steps, alpha):
    """Every output the decoder can produce within max_steps, scored by the training
    model's forward pass and ranked as beam search ranks: finished first, then by score."""
    vd = model.num_decoder_tokens
    outputs = [seq + (stop_id,) for length in range(max_steps)
               for seq in itertools.product([v for v in range(vd) if v != stop_id], repeat=length)]
    outputs += list(itertools.product([v for v in range(vd) if v != stop_id], repeat=max_steps))
    scored = []
    for seq in outputs:
        ids = np.array(seq)
        log_prob = teacher_forced_log_prob(model, encoder_input, ids, start_id)
        score = log_prob / gnmt_lp(len(ids), alpha)
        scored.append((seq[-1] != stop_id, -score, seq, log_prob))
    return sorted(scored)


@pytest.mark.parametrize("alpha", [0.0, 0.6, 1.0])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_a_beam_wide_enough_for_every_output_is_an_exhaustive_search(cell, alpha):
    """With 4 tokens and 3 steps there are 40 possible outputs; a beam of 64 never prunes,
    so it must return all of them, ranked as the brute-force search ranks them."""
    rng = np.random.default_rng(7)
    model = random_model(rng, 3, 4, 5, cell)
    enc = one_hot(rng.integers(0, 3, (2, 4)), 3, "float64")
    start, stop = 0, 3
    found = beam_search(model, enc, 64, start, stop, 3, n_best=64, length_penalty=alpha)
    for i in range(2):
        expected = brute_force(model, enc[i:i + 1], start, stop, 3, alpha)
        assert len(found[i]) == len(expected) == 40
        assert [tuple(h.ids) for h in found[i]] == [seq for _, _, seq, _ in expected]
        np.testing.assert_allclose([h.log_prob for h in found[i]], [lp for *_, lp in expected],
                                   rtol=tol("float64", "forward"))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 3), ve=st.integers(1, 4), vd=st.integers(2, 5), h=st.integers(1, 4),
       beam_width=st.integers(1, 4), max_steps=st.integers(1, 4), cell=st.sampled_from(["lstm", "gru"]),
       alpha=st.sampled_from([0.0, 0.6, 1.0]), seed=st.integers(0, 2**16))
def test_beam_search_invariants(n, ve, vd, h, beam_width, max_steps, cell, alpha, seed):
    """Any sizes: distinct hypotheses, finished ones end with the one stop token, cut-off
    ones are max_steps long, ranked by score, scored with the model's log-probabilities."""
    rng = np.random.default_rng(seed)
    model = random_model(rng, ve, vd, h, cell)
    enc = one_hot(rng.integers(0, ve, (n, 3)), ve, "float64")
    start, stop = 0, vd - 1
    n_best = int(rng.integers(1, beam_width + 1))
    found = beam_search(model, enc, beam_width, start, stop, max_steps, n_best=n_best, length_penalty=alpha)
    assert len(found) == n
    for i, hypotheses in enumerate(found):
        assert 1 <= len(hypotheses) <= n_best
        assert len({h.ids.tobytes() for h in hypotheses}) == len(hypotheses)
        finished = [h.ids[-1] == stop for h in hypotheses]
        assert finished == sorted(finished, reverse=True)                     # finished first
        for h, done in zip(hypotheses, finished):
            assert np.count_nonzero(h.ids == stop) == int(done)
            assert done or len(h.ids) == max_steps
            expected = teacher_forced_log_prob(model, enc[i:i + 1], h.ids, start)
            assert abs(h.log_prob - expected) <= tol("float64", "forward") * max(1.0, abs(expected))
        for group in (True, False):
            scores = [h.score for h, done in zip(hypotheses, finished) if done == group]
            assert scores == sorted(scores, reverse=True)


def reference_beam_search(model, encoder_input, beam_width, start_id, stop_id, max_steps, alpha):
    """The algorithm of beam.py written as plainly as possible, for one sentence: every
    token of every hypothesis is a candidate, one decode_step call per hypothesis."""
    live, finished = [((), 0.0, model.encode(encoder_input))], []
    for _ in range(max_steps):
        candidates = []
        for ids, log_prob, states in live:
            probs, next_states = model.decode_step(np.array([ids[-1] if ids else start_id]), states)
            candidates += [(ids + (v,), log_prob + np.log(p), next_states) for v, p in enumerate(probs[0])]
        candidates.sort(key=lambda c: -c[1])
        kept = candidates[:beam_width - len(finished)]           # finished ones keep their place
        finished += [c for c in kept if c[0][-1] == stop_id]
        live = [c for c in kept if c[0][-1] != stop_id]
        if not live:
            break

    def ranked(hypotheses):
        return sorted(hypotheses, key=lambda c: -c[1] / gnmt_lp(len(c[0]), alpha))
    return [(ids, log_prob) for ids, log_prob, _ in ranked(finished) + ranked(live)]


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 3), vd=st.integers(2, 5), h=st.integers(1, 4), beam_width=st.integers(1, 5),
       max_steps=st.integers(1, 5), cell=st.sampled_from(["lstm", "gru"]),
       alpha=st.sampled_from([0.0, 0.6, 1.0]), seed=st.integers(0, 2**16))
def test_batched_beam_search_equals_a_plain_one_sentence_version(n, vd, h, beam_width, max_steps, cell,
                                                                 alpha, seed):
    rng = np.random.default_rng(seed)
    model = random_model(rng, 3, vd, h, cell)
    enc = one_hot(rng.integers(0, 3, (n, 4)), 3, "float64")
    found = beam_search(model, enc, beam_width, 0, vd - 1, max_steps, n_best=beam_width,
                        length_penalty=alpha)
    for i in range(n):
        expected = reference_beam_search(model, enc[i:i + 1], beam_width, 0, vd - 1, max_steps, alpha)
        assert [tuple(h.ids) for h in found[i]] == [ids for ids, _ in expected]
        np.testing.assert_allclose([h.log_prob for h in found[i]], [lp for _, lp in expected],
                                   rtol=tol("float64", "forward"))


class WithMemory:
    """Stands in for an attention decoder: the state list ends with a batch-first
    (N, Te, Ve) array (here the encoder input) that changes every step's probabilities,
    so a row whose memory is not its own sentence's gives different results."""

    def __init__(self, model, rng, te, ve):
        self.model = model
        self.mix = rng.normal(0, 2, (te * ve, model.num_decoder_tokens))

    def encode(self, x):
        return self.model.encode(x) + [np.asarray(x, np.float64)]

    def decode_step(self, tokens, states):
        *rnn_states, memory = states
        probs, rnn_states = self.model.decode_step(tokens, rnn_states)
        bias = memory.reshape(len(memory), -1) @ self.mix
        return softmax(np.log(probs) + bias), rnn_states + [memory]


def assert_batched_equals_one_by_one(model, enc, beam_width, start_id, stop_id, max_steps):
    """Beam search over the batch finds, for every sentence, what it finds for that sentence
    alone (the same hypotheses, the same log-probabilities); returns the batched result."""
    batched = beam_search(model, enc, beam_width, start_id, stop_id, max_steps, n_best=beam_width)
    for i in range(len(enc)):
        alone = beam_search(model, enc[i:i + 1], beam_width, start_id, stop_id, max_steps,
                            n_best=beam_width)[0]
        assert [tuple(h.ids) for h in batched[i]] == [tuple(h.ids) for h in alone]
        np.testing.assert_allclose([h.log_prob for h in batched[i]], [h.log_prob for h in alone],
                                   rtol=tol("float64", "forward"))
    return batched


def test_every_state_array_follows_its_sentence_through_the_beam():
    rng = np.random.default_rng(3)
    model = random_model(rng, 4, 6, 5)
    wrapped = WithMemory(model, rng, te=5, ve=4)
    enc = one_hot(rng.integers(0, 4, (5, 5)), 4, "float64")
    batched = assert_batched_equals_one_by_one(wrapped, enc, 3, 0, 5, 6)
    # and the memory matters: without it the results differ
    plain = beam_search(model, enc, 3, 0, 5, 6, n_best=3)
    assert any([tuple(h.ids) for h in a] != [tuple(h.ids) for h in b] for a, b in zip(batched, plain))


def test_translate_n_best_and_argument_errors(trained):
    model, inputs, enc, start, stop = trained
    n_best = model.translate(inputs[:4], n_best=3)
    assert len(n_best) == 4 and all(len(t) == 3 for t in n_best)
    top = model.translate(inputs[:4], beam_width=3)
    assert [t[0].text for t in n_best] == top
    assert all(t[0].score >= t[1].score >= t[2].score for t in n_best)
    for kwargs, message in [({"beam_width": 0}, "beam_width must be a positive integer"),
                            ({"beam_width": 2, "n_best": 3}, "n_best must be at most beam_width"),
                            ({"beam_width": 2, "length_penalty": -1.0}, "length_penalty must be"),
                            ({"beam_width": 2, "length_penalty": float("nan")}, "length_penalty must be")]:
        with pytest.raises(ValueError, match=message):
            model.translate(inputs[:2], **kwargs)
    assert model.translate([], beam_width=3) == []


@pytest.mark.parametrize("attention", ["luong", "additive"])
@pytest.mark.parametrize("level, mask_zero", [("char", False), ("word", False), ("word", True)])
def test_beam_search_through_an_attention_decoder(level, mask_zero, attention):
    """Seq2Seq(attention="luong") appends the encoder outputs (N, Te, H), and with mask_zero
    their mask (N, Te), to the state list: beam search carries them along by rows."""
    rng = np.random.default_rng(11)
    model = Seq2Seq(6, 5, 4, level=level, mask_zero=mask_zero, attention=attention, dtype="float64", seed=1)
    model.set_weights([rng.normal(0, 1.5, w.shape) for w in model.get_weights()])
    ids = rng.integers(1, 6, (4, 5))
    ids[np.arange(5) >= rng.integers(1, 6, (4, 1))] = 0             # padding after 1-5 tokens
    enc = ids if level == "word" else one_hot(ids, 6, "float64")
    assert len(model.encode(enc)) > model.decoder.rnn.state_size      # the memory is in the state list
    greedy = greedy_decode(model, enc, 0, 4, 6)
    assert [tuple(h[0].ids) for h in beam_search(model, enc, 1, 0, 4, 6)] == [tuple(g) for g in greedy]
    batched = assert_batched_equals_one_by_one(model, enc, 3, 0, 4, 6)
    for i in range(len(enc)):
        for h in batched[i]:   # (with mask_zero a fed-back <pad> is skipped on both sides)
            expected = teacher_forced_log_prob(model, enc[i:i + 1], h.ids, 0)
            assert abs(h.log_prob - expected) <= tol("float64", "forward") * max(1.0, abs(expected))


def test_cli_translate_beam_and_n_best(char_lstm, tmp_path):
    import subprocess
    import sys
    model, inputs, *_ = char_lstm
    model.save(tmp_path / "m.npz")

    def run(*args, stdin=None):
        return subprocess.run([sys.executable, "-m", "npseq2seq", "translate", "--model",
                               str(tmp_path / "m.npz"), *args], input=stdin, capture_output=True,
                              text=True, timeout=300)
    res = run("--beam", "3", *inputs[:3])
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == model.translate(inputs[:3], beam_width=3)
    res = run("--beam", "3", "--n-best", "2", "--length-penalty", "0", stdin="\n".join(inputs[:2]) + "\n")
    assert res.returncode == 0, res.stderr
    expected = [f"{k}\t{t.log_prob:.4f}\t{t.text}"
                for k, found in enumerate(model.translate(inputs[:2], beam_width=3, n_best=2,
                                                          length_penalty=0.0), start=1) for t in found]
    assert res.stdout.splitlines() == expected
    res = run("--beam", "2", "--n-best", "3", inputs[0])
    assert res.returncode == 2 and "--n-best 3 is more than the --beam 2" in res.stderr
