"""optimizers/clipping.py: clipnorm per tensor, global_clipnorm over all tensors,
clipvalue elementwise, as Keras computes them; and at most one of them."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npseq2seq.optimizers import SGD, Adam
from tests.optimizers.util import assert_close

# --- clipping (SGD with lr=1 exposes the clipped gradient as w0 - w1) -----------------

def _clipped(grads, **clip):
    params = [np.zeros_like(g) for g in grads]
    SGD(learning_rate=1.0, **clip).update(params, grads)
    return [-p for p in params]


def test_clipnorm_is_per_tensor():
    big, small = np.array([3.0, 4.0]), np.array([0.3, 0.4])
    out_big, out_small = _clipped([big, small], clipnorm=1.0)
    assert_close(out_big, [0.6, 0.8])
    assert np.array_equal(out_small, small * 1.0 / 1.0)
    # the TF formula: g*c / max(||g||, c), product first
    assert np.array_equal(_clipped([big], clipnorm=2.0)[0], big * 2.0 / 5.0)


def test_clipnorm_of_a_zero_gradient_is_zero_not_nan():
    assert np.array_equal(_clipped([np.zeros(3)], clipnorm=1.0)[0], np.zeros(3))


def test_global_clipnorm_scales_all_tensors_together():
    a, b = np.array([3.0, 0.0]), np.array([[0.0], [4.0]])  # global norm 5
    out_a, out_b = _clipped([a, b], global_clipnorm=1.0)
    assert_close(out_a, a / 5)
    assert_close(out_b, b / 5)
    # unclipped gradients are scaled by c*(1/c), which is not 1 for c = 49 (Keras does too)
    g = np.array([1.0, 1.0])
    assert np.array_equal(_clipped([g], global_clipnorm=49.0)[0], g * (49.0 * (1 / 49.0)))
    assert _clipped([g], global_clipnorm=49.0)[0][0] == 0.9999999999999999


def test_clipvalue_is_elementwise():
    out, = _clipped([np.array([-3.0, -0.2, 0.0, 0.4, 9.0])], clipvalue=0.5)
    assert np.array_equal(out, [-0.5, -0.2, 0.0, 0.4, 0.5])


def test_clipping_does_not_modify_the_callers_gradients():
    g = np.array([3.0, 4.0])
    _clipped([g], clipnorm=1.0)
    _clipped([g], clipvalue=1.0)
    assert np.array_equal(g, [3.0, 4.0])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=12),
       st.floats(1e-3, 1e2), st.sampled_from(["clipnorm", "global_clipnorm"]))
def test_norm_clipping_bounds_the_norm(values, c, kind):
    g = np.array(values)
    out, = _clipped([g], **{kind: c})
    norm = np.linalg.norm(g)
    assert np.linalg.norm(out) <= max(c, 0) * (1 + 1e-12) or norm <= c
    if norm <= c:
        np.testing.assert_allclose(out, g, rtol=1e-15, atol=1e-300)  # subnormals lose bits


def test_only_one_clipping_argument():
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue` and "
                                         "`global_clipnorm`.*clipnorm=1.0.*global_clipnorm=2.0"):
        Adam(clipnorm=1.0, global_clipnorm=2.0)
    with pytest.raises(ValueError, match="Only one"):
        SGD(clipnorm=1.0, clipvalue=1.0)
