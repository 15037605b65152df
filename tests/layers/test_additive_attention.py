"""AdditiveAttention (Keras's ``AdditiveAttention(use_scale=True)``): the layer against its
equations written one score at a time, its gradients (query, values, scale) against
finite differences, its initialiser, dtypes and argument errors. (Parity with Keras:
tests/model/test_parity_attention.py, kind "additive".)"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npseq2seq.layers import AdditiveAttention, DotAttention
from tests.gradutil import assert_gradient
from tests.model.test_attention import random_masks

sizes = st.integers(min_value=1, max_value=3)


def naive_additive(q, v, scale, query_mask, value_mask):
    """Keras's AdditiveAttention one query step and one score at a time:
    score_ij = Σ_d scale_d tanh(q_id + v_jd), masked by −1e9, softmax, weighted values."""
    n, tq, tv = q.shape[0], q.shape[1], v.shape[1]
    context, weights = np.zeros_like(q), np.zeros((n, tq, tv))
    for b in range(n):
        for i in range(tq):
            scores = np.array([sum(scale[d] * np.tanh(q[b, i, d] + v[b, j, d]) for d in range(q.shape[2]))
                               - (0 if value_mask is None or value_mask[b, j] else 1e9) for j in range(tv)])
            weights[b, i] = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
            if query_mask is None or query_mask[b, i]:
                context[b, i] = sum(weights[b, i, j] * v[b, j] for j in range(tv))
    return context, weights


@pytest.mark.parametrize("with_masks", [False, True])
def test_forward_matches_the_equations(with_masks):
    rng = np.random.default_rng(0)
    layer = AdditiveAttention(5, "float64", rng)
    layer.scale[...] = rng.normal(size=5)
    q, v = rng.normal(size=(3, 4, 5)), rng.normal(size=(3, 6, 5))
    query_mask, value_mask = random_masks(rng, 3, 4, 6, with_masks)
    context, cache = layer.forward(q, v, query_mask, value_mask)
    ref_context, ref_weights = naive_additive(q, v, layer.scale, query_mask, value_mask)
    np.testing.assert_allclose(context, ref_context, atol=1e-14)
    np.testing.assert_allclose(cache.weights, ref_weights, atol=1e-15)
    if with_masks:   # masked value steps get exactly no weight
        assert np.all(cache.weights[~np.broadcast_to(value_mask[:, None], cache.weights.shape)] == 0)
    # not the dot-product scores: the two layers differ on the same inputs
    assert np.abs(context - DotAttention("float64").forward(q, v, query_mask, value_mask)[0]).max() > 1e-3


@settings(max_examples=25, deadline=None)
@given(n=sizes, tq=sizes, tv=sizes, h=sizes, with_masks=st.booleans(), seed=st.integers(0, 2**16))
def test_gradients(n, tq, tv, h, with_masks, seed):
    rng = np.random.default_rng(seed)
    layer = AdditiveAttention(h, "float64", rng)
    layer.scale[...] = rng.normal(size=h)
    q, v = rng.normal(size=(n, tq, h)), rng.normal(size=(n, tv, h))
    query_mask, value_mask = random_masks(rng, n, tq, tv, with_masks)
    dcontext = rng.normal(size=(n, tq, h))

    def f():
        return np.sum(layer.forward(q, v, query_mask, value_mask)[0] * dcontext)

    dq, dv, (dscale,) = layer.backward(dcontext, layer.forward(q, v, query_mask, value_mask)[1])
    assert_gradient(f, q, dq, "query")
    assert_gradient(f, v, dv, "values")
    assert_gradient(f, layer.scale, dscale, "scale")


def test_initialiser_is_kerass_glorot_uniform_of_a_vector():
    """Keras's compute_fans gives a shape (H,) fan_in = fan_out = H: U(±sqrt(6 / 2H))."""
    layer = AdditiveAttention(400, "float64", np.random.default_rng(0))
    limit = np.sqrt(6.0 / 800)
    assert layer.scale.shape == (400,) and np.abs(layer.scale).max() <= limit
    assert np.abs(layer.scale).max() > 0.9 * limit                      # uniform over the range
    assert abs(layer.scale.std() - limit / np.sqrt(3)) < 0.1 * limit


def test_float32_weights_and_argument_errors():
    layer = AdditiveAttention(4)
    context, cache = layer.forward(np.ones((2, 3, 4)), np.ones((2, 5, 4)))
    assert context.dtype == cache.weights.dtype == layer.scale.dtype == np.float32
    assert layer.weight_names == ("scale",) and layer.count_params() == 4
    with pytest.raises(ValueError, match="same batch and dim"):
        layer.forward(np.ones((2, 3, 4)), np.ones((2, 5, 3)))
    with pytest.raises(ValueError, match="must have dim 4"):
        layer.forward(np.ones((2, 3, 5)), np.ones((2, 5, 5)))
    with pytest.raises(ValueError, match="value_mask must have shape"):
        layer.forward(np.ones((2, 3, 4)), np.ones((2, 5, 4)), value_mask=np.ones((2, 3), bool))
    with pytest.raises(ValueError, match=r"expected shape \(4,\)"):
        layer.set_weights([np.ones(3)])
