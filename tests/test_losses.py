"""Cross-entropy: Keras's from-logits value, its gradient quirk, and the exact gradient."""
import numpy as np
import pytest

from npseq2seq.losses import (
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    categorical_crossentropy,
    get,
    softmax_cross_entropy,
)
from npseq2seq.ops import softmax
from tests.gradutil import assert_gradient


def batch(rng, n=3, t=4, v=5, zero_rows=True):
    logits = rng.normal(scale=2.0, size=(n, t, v))
    ids = rng.integers(0, v, size=(n, t))
    if zero_rows:
        ids[:, -2:] = -1                        # the 2017 blog's zero padding
    y = np.zeros((n, t, v))
    mask = ids >= 0
    y[mask, ids[mask]] = 1.0
    return logits, ids, y


def test_value_is_mean_over_all_rows_of_minus_log_softmax():
    rng = np.random.default_rng(0)
    logits, ids, y = batch(rng)
    loss, _ = softmax_cross_entropy(logits, y)
    expected = -(y * np.log(softmax(logits))).sum() / (3 * 4)   # padded rows count in the denominator
    assert loss == pytest.approx(expected, rel=1e-14)


def test_keras_gradient_is_p_minus_y_even_on_zero_rows():
    rng = np.random.default_rng(1)
    logits, ids, y = batch(rng)
    _, d = softmax_cross_entropy(logits, y, exact_gradient=False)
    np.testing.assert_allclose(d, (softmax(logits) - y) / 12, atol=1e-16)
    assert np.abs(d[:, -2:]).sum() > 0           # the quirk: padding rows still push gradient


@pytest.mark.parametrize("use_ids", [False, True])
def test_exact_gradient_matches_finite_differences(use_ids):
    rng = np.random.default_rng(2)
    logits, ids, y = batch(rng)
    target = ids if use_ids else y
    _, d = softmax_cross_entropy(logits, target, exact_gradient=True)
    assert_gradient(lambda: softmax_cross_entropy(logits, target, True)[0], logits, d, "logits")
    assert not d[:, -2:].any()


@pytest.mark.parametrize("exact", [False, True])
def test_ids_and_one_hot_agree(exact):
    rng = np.random.default_rng(3)
    logits, ids, y = batch(rng)
    l1, d1 = softmax_cross_entropy(logits, y, exact)
    l2, d2 = softmax_cross_entropy(logits, ids, exact)
    assert l1 == pytest.approx(l2, rel=1e-14)
    np.testing.assert_allclose(d1, d2, atol=1e-16)


def test_mask_leaves_rows_out_of_sum_and_count():
    rng = np.random.default_rng(4)
    logits, ids, y = batch(rng, zero_rows=False)
    mask = np.ones((3, 4), bool)
    mask[:, -1] = False
    loss, d = softmax_cross_entropy(logits, ids, mask=mask)
    expected, _ = softmax_cross_entropy(logits[:, :-1], ids[:, :-1])
    assert loss == pytest.approx(expected, rel=1e-14)
    assert not d[:, -1].any()
    assert_gradient(lambda: softmax_cross_entropy(logits, ids, mask=mask)[0], logits, d, "logits")


def test_extreme_logits_do_not_overflow():
    logits = np.array([[1000.0, -1000.0, 0.0]])
    loss, d = softmax_cross_entropy(logits, np.array([1]))
    assert loss == pytest.approx(2000.0) and np.isfinite(d).all()


def test_standalone_probability_path_clips_like_keras():
    y = np.array([[0.0, 1.0]])
    p = np.array([[1.0, 0.0]])                    # log(0) would be -inf: Keras clips to 1e-7
    np.testing.assert_allclose(categorical_crossentropy(y, p), [-np.log(1e-7)])
    z = np.array([[2.0, -1.0]])
    np.testing.assert_allclose(categorical_crossentropy(y, z, from_logits=True),
                               -np.log(softmax(z))[:, 1])


def test_float32_stays_float32():
    rng = np.random.default_rng(5)
    logits, ids, y = batch(rng)
    _, d = softmax_cross_entropy(logits.astype(np.float32), y.astype(np.float32))
    assert d.dtype == np.float32


def test_get_and_errors():
    assert isinstance(get("categorical_crossentropy"), CategoricalCrossentropy)
    assert isinstance(get("sparse_categorical_crossentropy"), SparseCategoricalCrossentropy)
    with pytest.raises(ValueError, match="loss must be one of"):
        get("mse")
    with pytest.raises(ValueError, match="integer targets"):
        SparseCategoricalCrossentropy()(np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="shape"):
        softmax_cross_entropy(np.zeros((2, 3)), np.zeros((2, 4)))


@pytest.mark.parametrize("use_ids", [True, False])
def test_any_memory_layout_of_the_logits_gives_the_same_loss_and_gradient(use_ids):
    """Dense hands the loss time-major views (N, T, V) of (T, N, V) arrays: no reshape may copy."""
    rng = np.random.default_rng(8)
    logits, ids, y = batch(rng)
    view = np.swapaxes(np.ascontiguousarray(np.swapaxes(logits, 0, 1)), 0, 1)
    assert not view.flags.c_contiguous
    target = ids if use_ids else y
    loss, dlogits = softmax_cross_entropy(logits, target)
    loss_v, dlogits_v = softmax_cross_entropy(view, target)
    assert loss_v == pytest.approx(loss, rel=1e-14)
    np.testing.assert_allclose(dlogits_v, dlogits, rtol=0, atol=1e-16)


@pytest.mark.parametrize("bad", [-5, 4])
def test_integer_targets_out_of_range_are_refused_by_both_paths(bad):
    """Ids must lie in [-1, V): V or more would index past the logits, and below -1
    would silently count as a row without a target."""
    from npseq2seq.losses import probability_cross_entropy

    logits = np.zeros((2, 3, 4))
    ids = np.array([[0, 1, -1], [3, bad, 2]])
    received = f"min {min(bad, -1)}, max {max(bad, 3)}"
    for loss in (softmax_cross_entropy, probability_cross_entropy):
        with pytest.raises(ValueError, match=rf"y: integer targets must lie in \[-1, 4\).*{received}"):
            loss(logits, ids)
    with pytest.raises(ValueError, match=r"\[-1, 4\)"):
        SparseCategoricalCrossentropy()(logits, ids)
    softmax_cross_entropy(logits, np.where(ids == bad, -1, ids))     # the in-range ids pass
