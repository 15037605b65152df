"""Sampling: the tokens drawn follow the intended distribution (temperature, top-k, nucleus),
written out here independently of the library; never a token outside the top k or the
nucleus; k = 1 and a vanishing temperature are greedy; a seed fixes the strings; each
sentence's draws are its own whatever the batch; log-probabilities are the model's.

The statistical tests are deterministic (a fixed seed), and their bounds follow from the
sample size: a frequency f of a token of probability q over M draws has standard
deviation sqrt(q (1 - q) / M), and the bound is five of them (a correct sampler fails one
such check with probability ~6e-7; a wrong distribution of the sizes tested here is off
by tens of them)."""
import numpy as np
import pytest

from npseq2seq import Seq2Seq
from npseq2seq.decode import greedy_decode, make_sampler, sample_decode, sampling_weights
from npseq2seq.text import one_hot
from reference.tolerances import tol
from tests.decode.test_beam import gnmt_lp, in_float64, random_model, teacher_forced_log_prob

V, START, STOP = 6, 0, 5


def tempered(p, temperature):
    """softmax(log p / T) = p ** (1/T) / Σ p ** (1/T)."""
    q = np.asarray(p, np.float64) ** (1.0 / temperature)
    return q / q.sum()


def ranked(p):
    """Token ids, most probable first, equal probabilities by id."""
    return sorted(range(len(p)), key=lambda v: (-p[v], v))


def top_k_set(p, k):
    return set(ranked(p)[:k])


def nucleus(p, q, mass):
    """The smallest set of p's most probable tokens whose mass under q reaches ``mass``
    (q is p tempered; the same order), up to the library's stated tolerance of 1e-12."""
    kept, total = set(), 0.0
    for v in ranked(p):
        kept.add(v)
        total += q[v]
        if total >= mass - 1e-12:
            return kept
    return kept


def intended(p, mode, temperature=1.0, k=None, mass=None):
    """The distribution the sampler should draw from, computed without the library."""
    q = tempered(p, temperature)
    keep = (set(range(len(p))) if mode == "temperature" else top_k_set(p, k) if mode == "top_k"
            else nucleus(p, q, mass))
    q = np.array([q[v] if v in keep else 0.0 for v in range(len(p))])
    return q / q.sum()


class MarkovStub:
    """A model with encode/decode_step and no network: sentence s (its encoder input is the
    integer s) draws the next token from ``tables[s][previous token]``. The state carries s,
    so a row that lost its sentence's state would draw from the wrong table."""

    def __init__(self, tables):
        self.tables = np.asarray(tables, np.float64)       # (S, V, V), rows sum to 1

    def encode(self, x):
        return [np.asarray(x, np.float64).reshape(-1, 1)]

    def decode_step(self, tokens, states):
        return self.tables[states[0][:, 0].astype(int), tokens], states


def random_tables(rng, sentences):
    """Peaked, varied next-token distributions, no two probabilities equal."""
    return rng.dirichlet(np.full(V, 0.7), size=(sentences, V))


def assert_frequencies(draws, q, what):
    """The empirical frequencies of ``draws`` match q within 5 standard deviations; a token
    of probability 0 never appears."""
    m = len(draws)
    f = np.bincount(draws, minlength=len(q)) / m
    bound = 5 * np.sqrt(q * (1 - q) / m) + 1e-12
    assert np.all(np.abs(f - q) <= bound), f"{what}: frequencies {f} vs {q} (bound {bound})"
    assert np.all(f[q == 0] == 0), f"{what}: drew a token of probability 0"


CASES = [("temperature", {"temperature": 1.0}), ("temperature", {"temperature": 0.5}),
         ("temperature", {"temperature": 2.0}), ("top_k", {"k": 1}), ("top_k", {"k": 2}),
         ("top_k", {"k": 4, "temperature": 1.5}), ("top_k", {"k": 99}), ("top_p", {"p": 0.3}),
         ("top_p", {"p": 0.6}), ("top_p", {"p": 0.9, "temperature": 0.7}), ("top_p", {"p": 1.0})]


@pytest.mark.parametrize("mode, kwargs", CASES, ids=[f"{m}-{kw}" for m, kw in CASES])
def test_first_tokens_follow_the_intended_distribution(mode, kwargs):
    rng = np.random.default_rng(0)
    stub = MarkovStub(random_tables(rng, 2))
    sampler = make_sampler(mode, **kwargs)
    m = 20000
    found = sample_decode(stub, np.array([0, 1]), sampler, START, STOP, 1, np.random.default_rng(1),
                          num_samples=m)
    for s in range(2):
        q = intended(stub.tables[s, START], mode, kwargs.get("temperature", 1.0), kwargs.get("k"),
                     kwargs.get("p"))
        assert_frequencies(np.array([x.ids[0] for x in found[s]]), q, f"sentence {s}")


@pytest.mark.parametrize("mode, kwargs", [("temperature", {"temperature": 0.8}), ("top_k", {"k": 3}),
                                          ("top_p", {"p": 0.8})])
def test_whole_sentences_follow_the_chain_with_each_rows_own_state(mode, kwargs):
    """Two steps: the pair (t1, t2) has probability q(t1 | start) q(t2 | t1) for the row's own
    sentence, and a sentence ends at the stop token: the batch shrinks under the rows."""
    rng = np.random.default_rng(2)
    stub = MarkovStub(random_tables(rng, 2))
    m = 20000
    found = sample_decode(stub, np.array([1, 0]), make_sampler(mode, **kwargs), START, STOP, 2,
                          np.random.default_rng(3), num_samples=m)

    def q(s, previous):
        return intended(stub.tables[s, previous], mode, kwargs.get("temperature", 1.0),
                        kwargs.get("k"), kwargs.get("p"))
    for s, samples in zip([1, 0], found):
        pair = np.array([x.ids[0] * V + (x.ids[1] if len(x.ids) > 1 else V - 1) for x in samples])
        joint = np.concatenate([q(s, START)[t] * (q(s, t) if t != STOP else np.eye(V)[V - 1])
                                for t in range(V)])
        assert_frequencies(pair, joint, f"sentence {s}")
        assert all(len(x.ids) == 1 for x in samples if x.ids[0] == STOP)
        for x in samples[:200]:      # the model's own log-probability of the sample
            previous = np.concatenate([[START], x.ids[:-1]])
            assert x.log_prob == pytest.approx(np.log(stub.tables[s, previous, x.ids]).sum(), rel=1e-14)


def test_ties_at_the_edge_of_the_top_k_and_the_nucleus_go_to_the_lower_id():
    p = np.array([[0.1, 0.3, 0.3, 0.3, 0.0, 0.0]])
    np.testing.assert_array_equal(sampling_weights(p, make_sampler("top_k", k=2)) > 0,
                                  [[False, True, True, False, False, False]])
    np.testing.assert_allclose(sampling_weights(p, make_sampler("top_p", p=0.5)),
                               [[0, 0.5, 0.5, 0, 0, 0]], rtol=1e-15)
    # 0.7 + 0.2 reaches 0.9 (in floating point it falls short by an ulp): two tokens, not three
    q = np.array([[0.1, 0.2, 0.7, 0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(sampling_weights(q, make_sampler("top_p", p=0.9)) > 0,
                                  [[False, True, True, False, False, False]])
    # a token the model rules out is never drawn, whatever the temperature
    assert sampling_weights(q, make_sampler("temperature", temperature=50.0))[0, 3] == 0


class Recorder:
    """Wraps a model and keeps every step's probabilities, to check each token drawn
    against the very distribution it was drawn from."""

    def __init__(self, model):
        self.model, self.steps = model, []

    def encode(self, x):
        return self.model.encode(x)

    def decode_step(self, tokens, states):
        probs, states = self.model.decode_step(tokens, states)
        self.steps.append(np.asarray(probs, np.float64))
        return probs, states


def drawn_at_each_step(samples, steps):
    """(probabilities, tokens) per step: row r of step t is the r-th sample still running."""
    for t, probs in enumerate(steps):
        tokens = np.array([x.ids[t] for x in samples if len(x.ids) > t])
        assert len(tokens) == len(probs)
        yield probs, tokens


@pytest.mark.parametrize("k", [1, 2, 3])
def test_top_k_never_draws_outside_the_top_k(trained, k):
    model, _, enc, start, stop = trained
    recorder = Recorder(model)
    found = sample_decode(recorder, enc, make_sampler("top_k", k=k, temperature=3.0), start, stop,
                          model.vocab.max_decoder_seq_length + 1, np.random.default_rng(4), num_samples=4)
    samples = [x for per in found for x in per]
    for probs, tokens in drawn_at_each_step(samples, recorder.steps):
        assert all(v in top_k_set(row, k) for row, v in zip(probs, tokens))


@pytest.mark.parametrize("p", [0.5, 0.9])
def test_top_p_never_draws_outside_the_nucleus(trained, p):
    model, _, enc, start, stop = trained
    recorder = Recorder(model)
    found = sample_decode(recorder, enc, make_sampler("top_p", p=p, temperature=2.0), start, stop,
                          model.vocab.max_decoder_seq_length + 1, np.random.default_rng(5), num_samples=4)
    samples = [x for per in found for x in per]
    outside_top_1 = 0
    for probs, tokens in drawn_at_each_step(samples, recorder.steps):
        for row, v in zip(probs, tokens):
            assert v in nucleus(row, tempered(row, 2.0), p)
            outside_top_1 += v != row.argmax()
    assert outside_top_1 > 0          # the nucleus was more than the argmax: the test tested


def test_k_1_and_a_vanishing_temperature_are_greedy(trained):
    model, inputs, enc, start, stop = trained
    greedy = model.translate(inputs)
    assert model.translate(inputs, sampling="top_k", k=1, seed=0) == greedy
    assert model.translate(inputs, sampling="top_k", k=1, temperature=5.0, seed=1) == greedy
    assert model.translate(inputs, sampling="temperature", temperature=1e-4, seed=2) == greedy
    assert model.translate(inputs, sampling="top_p", p=1e-9, seed=3) == greedy
    # and at temperature 1 the samples are not all greedy's: the test above tested
    assert model.translate(inputs, sampling="temperature", temperature=1.5, seed=4) != greedy


def test_the_same_seed_gives_the_same_strings(char_lstm):
    model, inputs, *_ = char_lstm
    kwargs = {"sampling": "top_p", "p": 0.95, "temperature": 1.3}
    first = model.translate(inputs, seed=7, **kwargs)
    assert model.translate(inputs, seed=7, **kwargs) == first
    assert model.translate(inputs, seed=np.random.default_rng(7), **kwargs) == first
    assert model.translate(inputs, seed=8, **kwargs) != first


def one_sentence_sampler(model, encoder_input, mode, kwargs, start_id, stop_id, max_steps, u):
    """The sampler written plainly for one sentence: its own decode_step calls, the
    intended distribution from this file, the inverse CDF with the uniforms u (T,)."""
    ids, log_prob, states = [], 0.0, model.encode(encoder_input)
    for t in range(max_steps):
        probs, states = model.decode_step(np.array([ids[-1] if ids else start_id]), states)
        q = intended(probs[0], mode, kwargs.get("temperature", 1.0), kwargs.get("k"), kwargs.get("p"))
        v = int(np.searchsorted(np.cumsum(q), u[t] * np.cumsum(q)[-1], side="right"))
        ids.append(v)
        log_prob += np.log(probs[0, v])
        if v == stop_id:
            break
    return ids, log_prob


MODELS = ["lstm", "gru", "luong-char", "luong-word", "luong-word-mask", "additive-char",
          "additive-word-mask"]


def small_model(kind, rng):
    """A random float64 model (large weights: peaked distributions) and an encoder input."""
    if kind in ("lstm", "gru"):
        return random_model(rng, 3, 5, 4, kind), one_hot(rng.integers(0, 3, (6, 4)), 3, "float64")
    attention, level = kind.split("-")[:2]
    model = Seq2Seq(6, 5, 4, level=level, mask_zero=kind.endswith("mask"), attention=attention,
                    dtype="float64", seed=1)
    model.set_weights([rng.normal(0, 1.5, w.shape) for w in model.get_weights()])
    ids = rng.integers(1, 6, (6, 5))
    ids[np.arange(5) >= rng.integers(1, 6, (6, 1))] = 0                # padding after 1-5 tokens
    return model, ids if level == "word" else one_hot(ids, 6, "float64")


@pytest.mark.parametrize("kind", MODELS)
@pytest.mark.parametrize("mode, kwargs", [("temperature", {"temperature": 1.2}), ("top_k", {"k": 2}),
                                          ("top_p", {"p": 0.7})])
def test_the_batch_draws_what_each_sentence_would_draw_alone(kind, mode, kwargs):
    """Row i of N·S rows uses the i-th of the N·S uniforms each step draws, whichever rows
    have finished: the batched sampler equals the plain one-sentence one fed those uniforms,
    token for token, with the same log-probabilities. (LSTM, GRU; luong and additive
    attention, whose memory rides in the state list, with and without a mask.)"""
    rng = np.random.default_rng(12)
    model, enc = small_model(kind, rng)
    s, max_steps, sampler = 3, 6, make_sampler(mode, **kwargs)
    # the stop token: the first for which the rows finish at different steps, so that the
    # batch shrinks under them (random weights favour some tokens; any one will do)
    for stop in range(1, model.num_decoder_tokens):
        found = sample_decode(model, enc, sampler, 0, stop, max_steps, np.random.default_rng(9), num_samples=s)
        if len({len(x.ids) for per in found for x in per}) > 1:
            break
    else:
        pytest.fail("no stop token makes the rows finish at different steps")
    u = np.random.default_rng(9).random((max_steps, len(enc) * s))
    for i in range(len(enc)):
        for j, x in enumerate(found[i]):
            ids, log_prob = one_sentence_sampler(model, enc[i:i + 1], mode, kwargs, 0, stop, max_steps,
                                                 u[:, i * s + j])
            assert x.ids.tolist() == ids
            assert abs(x.log_prob - log_prob) <= tol("float64", "forward") * max(1.0, abs(log_prob))


def test_num_samples_returns_translations_with_the_models_log_probability(trained):
    model, inputs, enc, start, _ = trained
    model = in_float64(model)
    found = model.translate(inputs[:6] + [""], sampling="temperature", temperature=1.5, seed=0,
                            num_samples=5, length_penalty=0.6)
    assert len(found) == 7 and all(len(t) == 5 for t in found[:6])
    assert found[6] == [("", 0.0, 0.0)]
    assert any(len({t.text for t in per}) > 1 for per in found[:6])
    ids = sample_decode(model, enc[:6], make_sampler("temperature", temperature=1.5), start, model.vocab.stop_id,
                        model.vocab.max_decoder_seq_length + 1, np.random.default_rng(0), num_samples=5)
    for i, per in enumerate(found[:6]):
        for t, x in zip(per, ids[i]):
            assert t.text == model.vocab.decode(x.ids)
            expected = teacher_forced_log_prob(model, enc[i:i + 1], x.ids, start)
            assert abs(t.log_prob - expected) <= tol("float64", "forward") * max(1.0, abs(expected))
            assert t.score == pytest.approx(t.log_prob / gnmt_lp(len(x.ids), 0.6), rel=1e-15)
    # without num_samples, one string each: the first sample's
    assert model.translate(inputs[:6], sampling="temperature", temperature=1.5, seed=0) == \
        [model.translate(inputs[:6], sampling="temperature", temperature=1.5, seed=0, num_samples=1)[i][0].text
         for i in range(6)]


@pytest.mark.parametrize("kwargs, message", [
    ({"sampling": "nucleus"}, "sampling must be one of 'temperature', 'top_k', 'top_p'"),
    ({"sampling": "temperature", "beam_width": 3}, "beam_width and n_best belong to beam search"),
    ({"sampling": "top_k", "k": 2, "n_best": 2}, "beam_width and n_best belong to beam search"),
    ({"sampling": "top_k"}, "sampling='top_k' needs k"),
    ({"sampling": "top_k", "k": 0}, "k must be a positive integer, received 0"),
    ({"sampling": "top_k", "k": 2.5}, "k must be a positive integer, received 2.5"),
    ({"sampling": "top_p"}, r"needs p, the nucleus's mass, in \(0, 1\], received None"),
    ({"sampling": "top_p", "p": 0.0}, r"in \(0, 1\], received 0.0"),
    ({"sampling": "top_p", "p": 1.5}, r"in \(0, 1\], received 1.5"),
    ({"sampling": "top_p", "p": float("nan")}, r"in \(0, 1\], received nan"),
    ({"sampling": "temperature", "temperature": 0.0}, "temperature must be a finite number > 0"),
    ({"sampling": "temperature", "temperature": -1}, "temperature must be a finite number > 0"),
    ({"sampling": "temperature", "temperature": float("inf")}, "temperature must be a finite number > 0"),
    ({"sampling": "temperature", "k": 3}, "k=3 is top_k's argument, not temperature's"),
    ({"sampling": "top_p", "p": 0.5, "k": 3}, "k=3 is top_k's argument, not top_p's"),
    ({"sampling": "top_k", "k": 3, "p": 0.5}, "p=0.5 is top_p's argument, not top_k's"),
    ({"sampling": "temperature", "seed": -1}, "seed must be None, a non-negative integer"),
    ({"sampling": "temperature", "seed": "one"}, "seed must be None, a non-negative integer"),
    ({"sampling": "temperature", "num_samples": 0}, "num_samples must be None or a positive integer"),
    ({"temperature": 0.8}, "temperature=0.8 is a sampling argument"),
    ({"seed": 1}, "seed=1 is a sampling argument"),
    ({"num_samples": 2}, "num_samples=2 is a sampling argument"),
])
def test_bad_arguments_and_combinations_are_named(char_lstm, kwargs, message):
    model, inputs, *_ = char_lstm
    with pytest.raises(ValueError, match=message):
        model.translate(inputs[:2], **kwargs)


def test_greedy_decode_is_unchanged_by_the_sampler_module(trained):
    """k = 1 through sample_decode gives greedy_decode's ids exactly, array for array."""
    model, _, enc, start, stop = trained
    max_steps = model.vocab.max_decoder_seq_length + 1
    greedy = greedy_decode(model, enc, start, stop, max_steps)
    found = sample_decode(model, enc, make_sampler("top_k", k=1), start, stop, max_steps,
                          np.random.default_rng(0))
    for g, (x,) in zip(greedy, found):
        np.testing.assert_array_equal(x.ids, g)


def test_cli_translate_sample(char_lstm, tmp_path):
    import subprocess
    import sys
    model, inputs, *_ = char_lstm
    model.save(tmp_path / "m.npz")

    def run(*args, stdin=None):
        return subprocess.run([sys.executable, "-m", "npseq2seq", "translate", "--model",
                               str(tmp_path / "m.npz"), *args], input=stdin, capture_output=True,
                              text=True, timeout=300)
    res = run("--sample", "temperature", "--temperature", "0.8", "--seed", "1", *inputs[:4])
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == model.translate(inputs[:4], sampling="temperature", temperature=0.8,
                                                      seed=1)
    res = run("--sample", "top_p", "--top-p", "0.9", "--seed", "2", "--num-samples", "3",
              stdin="\n".join(inputs[:2]) + "\n")
    assert res.returncode == 0, res.stderr
    expected = [f"{n}\t{t.log_prob:.4f}\t{t.text}"
                for n, found in enumerate(model.translate(inputs[:2], sampling="top_p", p=0.9, seed=2,
                                                          num_samples=3), start=1) for t in found]
    assert res.stdout.splitlines() == expected
    res = run("--sample", "top_k", "--top-k", "1", "--seed", "3", *inputs[:4])
    assert res.stdout.splitlines() == model.translate(inputs[:4])
    for args, message in [(("--sample", "top_k", "--beam", "2"), "--beam and --n-best are beam search's"),
                          (("--temperature", "0.5",), "--temperature: sampling flags, for use with --sample"),
                          (("--sample", "top_k"), "--sample top_k needs --top-k"),
                          (("--sample", "temperature", "--top-p", "0.5"), "--top-p goes with --sample top_p"),
                          (("--sample", "top_p", "--top-p", "1.5"), r"p, the nucleus's mass, in (0, 1]"),
                          (("--sample", "temperature", "--temperature", "0"), "temperature must be")]:
        res = run(*args, inputs[0])
        assert res.returncode == 2 and message in res.stderr, (args, res.stderr)
