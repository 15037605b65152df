"""Greedy decoding's fast path gives the ids of the probability path on every model kind.

``greedy_decode`` reads the logits (``decode_step(logits=True)``, no softmax) and, with
Bahdanau's attention, keys projected once (``encode(decoding=True)``). The reference here
is the loop it replaced, written out: ``encode`` as it was, ``decode_step``'s
probabilities, their argmax. Random weights (biases included), random inputs, many
sentences per kind; near ties constructed on purpose.
"""
import numpy as np
import pytest

from npseq2seq import Seq2Seq
from npseq2seq.decode import beam_search, greedy_decode, sample_decode
from npseq2seq.decode.greedy import argmax_as_probabilities, near_tie
from npseq2seq.decode.sampling import make_sampler
from npseq2seq.ops import softmax

KINDS = {
    "lstm": {}, "gru": dict(cell="gru"), "gru-reset-before": dict(cell="gru", reset_after=False),
    "lstm-hard-sigmoid": dict(recurrent_activation="hard_sigmoid"),
    "gru-hard-sigmoid": dict(cell="gru", recurrent_activation="hard_sigmoid"),
    "word-lstm": dict(level="word"), "word-gru-mask-zero": dict(level="word", cell="gru", mask_zero=True),
    "stack": dict(num_layers=2), "bidirectional": dict(bidirectional=True),
    "stack-bidirectional-gru": dict(cell="gru", num_layers=2, bidirectional=True),
    "mask-padding": dict(mask_padding=True),
    "luong": dict(attention="luong"), "additive": dict(attention="additive"),
    "bahdanau": dict(attention="bahdanau"), "luong-general": dict(attention="luong_general"),
    "input-feeding": dict(attention="luong_general", input_feeding=True),
    "word-bahdanau-mask-zero": dict(level="word", attention="bahdanau", mask_zero=True),
    "stack-bahdanau": dict(attention="bahdanau", num_layers=2),
    "mask-padding-luong": dict(attention="luong", mask_padding=True),
}
VE, VD, TE = 7, 9, 6


def random_model(kind, dtype, seed=0, scale=1.0):
    model = Seq2Seq(VE, VD, 8, dtype=dtype, seed=seed, **KINDS[kind])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, scale, w.shape) for w in model.get_weights()])
    return model


def random_inputs(model, n, seed=1):
    """(N, TE) ids; zero padding at the end of some rows where the model has a padding id."""
    rng = np.random.default_rng(seed)
    config = model.config
    if config.level == "word":
        ids = rng.integers(1 if config.mask_zero else 0, VE, (n, TE))
        if config.mask_zero:
            ids[n // 2:, TE - 2:] = 0
        return ids
    ids = rng.integers(0, VE, (n, TE))
    ids[n // 2:, TE - 2:] = -1                   # all-zero one-hot rows (mask_padding masks them)
    return ids


def reference_greedy(model, encoder_input, start_id, stop_id, max_steps):
    """The loop before the fast path: encode(), the probabilities, their argmax."""
    states = model.encode(encoder_input)
    n = len(states[0])
    out, lengths = np.full((n, max_steps), -1), np.zeros(n, np.int64)
    active, tokens = np.arange(n), np.full(n, start_id)
    for step in range(max_steps):
        probs, states = model.decode_step(tokens, states)
        tokens = probs.argmax(axis=-1)
        out[active, step] = tokens
        lengths[active] = step + 1
        running = tokens != stop_id
        active, tokens, states = active[running], tokens[running], [s[running] for s in states]
        if not len(active):
            break
    return [out[i, :lengths[i]] for i in range(n)]


def assert_same_ids(found, expected):
    assert len(found) == len(expected)
    for a, b in zip(found, expected):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", KINDS)
def test_greedy_gives_the_probability_paths_ids(kind, dtype):
    model = random_model(kind, dtype)
    enc = random_inputs(model, 40)
    stop = common_token(model, enc)
    found = greedy_decode(model, enc, 1, stop, 12)
    assert_same_ids(found, reference_greedy(model, enc, 1, stop, 12))
    assert len({len(ids) for ids in found}) > 1, "sentences finish at different steps: rows leave the batch"


def common_token(model, enc):
    """The stop id under which the sentences finish at the most different steps (the
    steps at which greedy decoding, never stopping, first emits it)."""
    outputs = np.array(reference_greedy(model, enc, 1, -1, 12))

    def finishing_steps(token):
        return len({int(np.argmax(row == token)) if (row == token).any() else -1 for row in outputs})
    return max(range(VD), key=finishing_steps)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_greedy_gives_the_probability_paths_ids_on_many_seeds(kind):
    for seed in range(8):
        model = random_model(kind, "float32", seed, scale=1.5)
        enc = random_inputs(model, 200, seed + 100)
        stop = common_token(model, enc)
        assert_same_ids(greedy_decode(model, enc, 1, stop, 15), reference_greedy(model, enc, 1, stop, 15))


def near_tie_rows(dtype, rng):
    """Logit rows whose top two differ by 0 … 300 ulps, at several magnitudes; the rest far below."""
    rows = []
    for magnitude in (1e-3, 0.1, 0.7, 3.0, 40.0):
        for gap in range(0, 300, 3):
            row = rng.normal(-5, 1, 11).astype(dtype) - dtype(10)
            top = dtype(magnitude) * dtype(rng.choice([-1, 1]))
            second = top
            for _ in range(gap):
                second = np.nextafter(second, dtype(-np.inf))
            i, j = rng.choice(11, 2, replace=False)
            row[i], row[j] = top, second
            rows.append(row)
    return np.array(rows)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_argmax_as_probabilities_decides_near_ties_as_the_probabilities(dtype):
    rng = np.random.default_rng(0)
    logits = near_tie_rows(dtype, rng)
    expected = softmax(logits).argmax(axis=1)
    np.testing.assert_array_equal(argmax_as_probabilities(logits), expected)
    # the constructed rows include ties the logits alone decide differently
    assert (logits.argmax(axis=1) != expected).any()


def test_argmax_as_probabilities_on_random_and_non_finite_rows():
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 3, (500, 40)).astype(np.float32)
    logits[0, 3] = np.inf
    logits[1, :] = -np.inf
    logits[2, 5] = np.nan
    logits[3, 7] = logits[3].max()               # an exact tie with another token
    with np.errstate(invalid="ignore"):
        expected = softmax(logits).argmax(axis=1)
        np.testing.assert_array_equal(argmax_as_probabilities(logits), expected)
    assert near_tie(np.float32) > near_tie(np.float64) > 0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_model_whose_top_two_logits_tie_in_probability(dtype):
    """Two tokens with the same Dense column and biases an ulp apart: their logits differ
    by at most an ulp, their probabilities round to the same number, and the
    probabilities' argmax (the lower id) is what greedy decoding must return."""
    model = random_model("lstm", dtype, seed=3)
    kernel, bias = model.decoder.dense.kernel, model.decoder.dense.bias
    low, high = 4, 6
    kernel *= 1e-4                               # logits near the biases: small, so that
    bias[:] = -8.0                               # an ulp of them is far below an ulp of 1
    kernel[:, high] = kernel[:, low]
    bias[low] = 0.1
    bias[high] = np.nextafter(bias[low], np.inf)
    enc = random_inputs(model, 30)
    logits, _ = model.decode_step(np.full(30, 1), model.encode(enc), logits=True)
    assert (logits.argmax(axis=1) == high).any(), "the logits alone would pick the other token"
    found = greedy_decode(model, enc, 1, 2, 5)
    assert_same_ids(found, reference_greedy(model, enc, 1, 2, 5))
    assert all((ids == low).all() for ids in found)


def test_decode_step_logits_are_the_probabilities_logits():
    model = random_model("bahdanau", "float64")
    states = model.encode(random_inputs(model, 5))
    probs, _ = model.decode_step(np.arange(5), states)
    logits, _ = model.decode_step(np.arange(5), states, logits=True)
    np.testing.assert_array_equal(softmax(logits), probs)
    with pytest.raises(ValueError, match="trace"):
        model.decode_step(np.arange(5), states, logits=True, trace=[])


@pytest.mark.parametrize("kind", ["bahdanau", "word-bahdanau-mask-zero", "stack-bahdanau", "luong-general"])
def test_projected_keys_in_the_state_list(kind):
    """encode(decoding=True) appends Bahdanau's keys V W_k (only Bahdanau's); decode_step
    gives the same numbers with or without them and passes them through."""
    model = random_model(kind, "float64")
    enc = random_inputs(model, 6)
    plain, with_keys = model.encode(enc), model.encode(enc, decoding=True)
    extra = 1 if model.config.attention == "bahdanau" else 0
    assert len(with_keys) == len(plain) + extra
    for a, b in zip(plain, with_keys):
        np.testing.assert_array_equal(a, b)
    tokens = np.arange(6) % VD
    p1, s1 = model.decode_step(tokens, plain)
    p2, s2 = model.decode_step(tokens, with_keys)
    np.testing.assert_array_equal(p1, p2)
    assert len(s2) == len(with_keys) and s2[-1] is with_keys[-1]
    if extra:
        with pytest.raises(ValueError, match="projected keys"):
            model.decode_step(tokens, with_keys[:-1] + [with_keys[-1][:3]])


class PlainModel:
    """The model through ``encode(x)`` and ``decode_step(ids, states)`` only: the decoders'
    path before the fast options (keys projected every step, probabilities)."""

    def __init__(self, model):
        self.model = model

    def encode(self, x):
        return self.model.encode(x)

    def decode_step(self, tokens, states):
        return self.model.decode_step(tokens, states)


@pytest.mark.parametrize("kind", ["bahdanau", "word-bahdanau-mask-zero"])
def test_beam_search_and_sampling_carry_the_keys_with_their_rows(kind):
    """Beam search reorders, sampling repeats the state rows: with the keys in the list
    they find exactly what they find projecting the keys every step."""
    model = random_model(kind, "float64")
    enc = random_inputs(model, 12)
    fast = beam_search(model, enc, 3, 1, 2, 8, n_best=3)
    plain = beam_search(PlainModel(model), enc, 3, 1, 2, 8, n_best=3)
    for a, b in zip(fast, plain):
        assert [tuple(h.ids) for h in a] == [tuple(h.ids) for h in b]
        assert [h.log_prob for h in a] == [h.log_prob for h in b]
    sampler = make_sampler("top_k", k=3)
    fast = sample_decode(model, enc, sampler, 1, 2, 8, np.random.default_rng(5), num_samples=2)
    plain = sample_decode(PlainModel(model), enc, sampler, 1, 2, 8, np.random.default_rng(5), num_samples=2)
    assert [[tuple(s.ids) for s in a] for a in fast] == [[tuple(s.ids) for s in a] for a in plain]
    assert_same_ids(greedy_decode(model, enc, 1, 2, 8), greedy_decode(PlainModel(model), enc, 1, 2, 8))
