"""BahdanauAttention (vᵀ tanh(W_q q + W_k k)) and GeneralAttention (qᵀ W_a k), the score
functions of the attention inside the recurrence: against their equations one score at a
time, and every gradient (query, values, each weight) against finite differences. (No
Keras reference yet: the Keras RNN cell that will hold them to parity is not written.)"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npseq2seq.layers import BahdanauAttention, GeneralAttention
from tests.gradutil import assert_gradient
from tests.model.test_attention import random_masks

sizes = st.integers(min_value=1, max_value=3)


def bahdanau_score(layer, q, k):
    return layer.score_kernel @ np.tanh(layer.query_kernel.T @ q + layer.key_kernel.T @ k)


def general_score(layer, q, k):
    return q @ layer.kernel @ k


def naive(score, q, v, query_mask, value_mask):
    """Any score function, one query step and one score at a time, masked by −1e9 as Keras."""
    n, tq, tv = q.shape[0], q.shape[1], v.shape[1]
    context, weights = np.zeros_like(q), np.zeros((n, tq, tv))
    for b in range(n):
        for i in range(tq):
            scores = np.array([score(q[b, i], v[b, j]) - (0 if value_mask is None or value_mask[b, j]
                                                          else 1e9) for j in range(tv)])
            weights[b, i] = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
            if query_mask is None or query_mask[b, i]:
                context[b, i] = weights[b, i] @ v[b]
    return context, weights


def make(kind, h, rng):
    if kind == "bahdanau":
        layer = BahdanauAttention(h, h + 1, "float64", rng)
        return layer, lambda q, k: bahdanau_score(layer, q, k)
    layer = GeneralAttention(h, "float64", rng)
    return layer, lambda q, k: general_score(layer, q, k)


@pytest.mark.parametrize("kind", ["bahdanau", "general"])
@pytest.mark.parametrize("with_masks", [False, True])
def test_forward_matches_the_equations(kind, with_masks):
    rng = np.random.default_rng(0)
    layer, score = make(kind, 5, rng)
    q, v = rng.normal(size=(3, 4, 5)), rng.normal(size=(3, 6, 5))
    query_mask, value_mask = random_masks(rng, 3, 4, 6, with_masks)
    context, cache = layer.forward(q, v, query_mask, value_mask)
    ref_context, ref_weights = naive(score, q, v, query_mask, value_mask)
    np.testing.assert_allclose(context, ref_context, atol=1e-14)
    np.testing.assert_allclose(cache.weights, ref_weights, atol=1e-15)


@settings(max_examples=20, deadline=None)
@given(n=sizes, tq=sizes, tv=sizes, h=sizes, with_masks=st.booleans(), seed=st.integers(0, 2**16),
       kind=st.sampled_from(["bahdanau", "general"]))
def test_gradients(n, tq, tv, h, with_masks, seed, kind):
    rng = np.random.default_rng(seed)
    layer, _ = make(kind, h, rng)
    for w in layer.weights:                       # larger than the initialiser's: no near-linear tanh
        w[...] = rng.normal(size=w.shape)
    q, v = rng.normal(size=(n, tq, h)), rng.normal(size=(n, tv, h))
    query_mask, value_mask = random_masks(rng, n, tq, tv, with_masks)
    dcontext = rng.normal(size=(n, tq, h))

    def f():
        return np.sum(layer.forward(q, v, query_mask, value_mask)[0] * dcontext)

    dq, dv, grads = layer.backward(dcontext, layer.forward(q, v, query_mask, value_mask)[1])
    assert_gradient(f, q, dq, "query")
    assert_gradient(f, v, dv, "values")
    assert len(grads) == len(layer.weight_names)
    for name, w, g in zip(layer.weight_names, layer.weights, grads):
        assert g.shape == w.shape
        assert_gradient(f, w, g, name)


def test_shapes_dtypes_and_errors():
    layer = BahdanauAttention(4, 6)
    assert [w.shape for w in layer.weights] == [(4, 6), (4, 6), (6,)]
    assert all(w.dtype == np.float32 for w in layer.weights)
    context, cache = layer.forward(np.ones((2, 1, 4)), np.ones((2, 5, 4)))    # one query step
    assert context.shape == (2, 1, 4) and cache.weights.shape == (2, 1, 5)
    assert GeneralAttention(4).count_params() == 16
    for bad in (BahdanauAttention(4, 6), GeneralAttention(4)):
        with pytest.raises(ValueError, match="must have dim 4"):
            bad.forward(np.ones((2, 3, 5)), np.ones((2, 5, 5)))
