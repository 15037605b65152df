"""Centred finite differences, for checking every backward pass (cs231n's gradient_check).

    numerical_gradient(f, x)          df/dx for a scalar f, by (f(x+h) − f(x−h)) / 2h
    numerical_gradient_array(f, x, d) Σ d·f(x) differentiated the same way, for array-valued f
    relative_error(a, b)              max |a − b| / max(|a| + |b|, tiny)

Use float64: with h = 1e-6 the truncation error is O(h²) and the rounding
error O(ε/h) ≈ 1e-10, so a correct backward agrees to about 1e-8 relative.
"""
from __future__ import annotations

import numpy as np


def numerical_gradient(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Gradient of the scalar ``f()`` with respect to the array ``x``, perturbed in place."""
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        plus = f()
        x[ix] = old - h
        minus = f()
        x[ix] = old
        grad[ix] = (plus - minus) / (2 * h)
    return grad


def numerical_gradient_array(f, x: np.ndarray, dout: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Gradient of ``Σ dout · f()`` with respect to ``x`` (the upstream gradient is dout)."""
    return numerical_gradient(lambda: float(np.sum(f() * dout)), x, h)


def relative_error(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))
