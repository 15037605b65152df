"""The argmax of the softmax, read from the logits, with near-ties decided as the softmax does.

Greedy decoding picks ``np.argmax(probs)``, the *first* index of the largest probability.
softmax is increasing, so that is the argmax of the logits, except where two different
logits give the same rounded probability: then ``np.argmax(probs)`` returns the lower
index, which may not be the logits' argmax. This module reads the argmax from the logits
(no exp, no division: the softmax costs two passes over V and three more calls) and
detects when a rounded-equal probability is possible.

The bound. Let z* be the first maximum of the logits (index k*), z_j < z* another logit
with j < k* (only a lower index can take the first place), d = z* − z_j > 0 its exact
difference, u = 2^-p the unit roundoff (2^-24 for float32, 2^-53 for float64).
``ops.softmax`` computes p_i = fl(fl(exp(fl(z_i − z*))) / S), S the rounded sum, so:

* fl(z* − z*) = 0 and exp(0) = 1 exactly: p* = fl(1/S);
* fl(z_j − z*) = −d(1 + δ₁), |δ₁| ≤ u (one rounding);
* NumPy's exp is within a few ulps: fl(exp(x)) = exp(x)(1 + δ₂) with |δ₂| ≤ k·u, taking
  k = 8 (numpy's SIMD float32 exp is documented under 4 ulp, float64 ~1 ulp);
* so e_j ≤ exp(−d(1 − u))(1 + 8u) ≤ (1 − d(1 − u) + d²/2)(1 + 8u), which is ≤ 1 − 4u
  once d ≥ 16u (for d ≤ 1e-3 the d²/2 term is below d/1000);
* then e_j / S ≤ (1/S)(1 − 4u), and a correctly rounded division (IEEE) gives
  fl(e_j/S) ≤ (1/S)(1 − 4u)(1 + u) < (1/S)(1 − u) ≤ fl(1/S) = p*: strictly smaller.

So if every lower-index logit is more than ``16u`` (``near_tie_bound``) below z*, the
probabilities' first maximum is k*, the logits' argmax; the bound is 8 ulps of 1 (2^-20 in
float32, 2^-49 in float64: powers of two, so the dtype holds it exactly and the test
z_j ≥ z* − bound, rounded, never misses a z_j within it), an absolute difference because
z_j − z* is what reaches exp. A non-finite maximum (a diverged model: the softmax is NaN
everywhere and its argmax 0) is also left to the probabilities. Otherwise (a near-tie: none
in 21,231 steps of the one-sentence tests' random models, 24 kinds × 100 sentences; the
tests construct them) the caller computes the probabilities the reference's way from the
same logits and takes their argmax, so the decision is the reference's own, bit for bit.
"""
from __future__ import annotations

import math

import numpy as np

ULP_MARGIN = 16      # d ≥ 16u = 8 ulps of 1: exp's error (≤ 8u) and two roundings, with room


def near_tie_bound(dtype) -> float:
    """16·u: lower-index logits closer than this to the maximum may tie in probability."""
    return float(ULP_MARGIN * np.finfo(dtype).eps / 2)


def first_max(logits: np.ndarray, bound: float, probabilities) -> int:
    """The index ``np.argmax(softmax(logits))`` returns, for logits (1, V).

    ``probabilities(logits)`` computes the softmax the reference's way; it runs only on a
    near-tie (a lower-index logit within ``bound`` of the maximum)."""
    row = logits[0]
    k = int(row.argmax())
    top = row[k]
    if not math.isfinite(top) or (k and row[row[:k].argmax()] >= top - bound):
        return int(probabilities(logits).argmax())     # (argmax then index: .max() costs 4x argmax)
    return k
