"""ties.py: the first maximum of the probabilities read from the logits; the near-tie bound
checked against NumPy's own softmax, and the cases it must hand to the softmax."""
import numpy as np
import pytest

from npseq2seq.decode.ties import first_max, near_tie_bound
from npseq2seq.ops import softmax


def reference(z):
    return int(softmax(z[None])[0].argmax())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_bound_is_a_power_of_two_held_exactly(dtype):
    bound = near_tie_bound(dtype)
    assert bound == 16 * np.finfo(dtype).eps / 2 and dtype(bound) == bound
    assert np.log2(bound) == int(np.log2(bound))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_beyond_the_bound_the_softmax_never_ties(dtype):
    """Lower-index logits 1–4 bounds below the maximum, at maxima from 1e-3 to 30: the
    probabilities' first maximum is always the logits' (what first_max returns without
    computing them; it still computes them where z* − bound rounds up onto z_j, at large
    z* whose ulp exceeds the bound: conservative). 20,000 cases per dtype."""
    rng = np.random.default_rng(0)
    bound = near_tie_bound(dtype)
    checked = 0
    for _ in range(20_000):
        v = int(rng.integers(2, 60))
        top = dtype(rng.choice([-1, 1]) * 10 ** rng.uniform(-3, 1.5))
        z = (top - rng.exponential(2.0, v)).astype(dtype)
        k = int(rng.integers(1, v))
        z[k] = top
        j = int(rng.integers(0, k))
        z[j] = dtype(float(top) - bound * rng.uniform(1, 4))
        if float(top) - float(z[j]) < bound or z[:k].max() >= top:
            continue                             # rounding brought it inside: not this test's case
        checked += 1
        assert reference(z) == k == first_max(z[None], bound, lambda x: softmax(x[None])[0])
    assert checked > 15_000


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_within_the_bound_the_softmax_decides(dtype):
    """Lower-index logits within the bound (down to one ulp below, and equal): first_max
    returns the softmax's first maximum, whichever it is; some of these are real ties
    (the lower index wins) and some not."""
    rng = np.random.default_rng(1)
    bound = near_tie_bound(dtype)
    lower_won = 0
    for _ in range(5_000):
        v = int(rng.integers(2, 30))
        top = dtype(10 ** rng.uniform(-4, 1))
        z = (top - rng.exponential(2.0, v)).astype(dtype)
        k = int(rng.integers(1, v))
        z[k] = top
        j = int(rng.integers(0, k))
        z[j] = max(dtype(float(top) - bound * rng.uniform(0, 1)), np.nextafter(top, dtype(-np.inf)))
        got = first_max(z[None], bound, lambda x: softmax(x[None])[0])
        assert got == reference(z)
        lower_won += got < k
    assert lower_won > 100, "some cases must be ties the softmax gives to the lower index"


def test_non_finite_logits_go_to_the_softmax():
    z = np.array([[0.5, np.nan, 2.0]], np.float32)
    assert first_max(z, near_tie_bound(np.float32), lambda x: softmax(x[None])[0]) == reference(z[0]) == 0
    z = np.array([[0.5, 1.0, np.inf]], np.float32)
    with np.errstate(invalid="ignore"):
        assert first_max(z, near_tie_bound(np.float32), lambda x: softmax(x[None])[0]) == reference(z[0])
