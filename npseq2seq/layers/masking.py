"""Masking: Keras's ``Masking(mask_value=0.0)`` over zero-padded one-hot inputs.

Shapes: inputs (N, T) token ids (-1: an all-zero one-hot row) or (N, T, V) rows;
mask (N, T), True at a real step.

Keras's layer passes its inputs through (times the mask, which changes nothing when
the masked rows are all zeros already) and attaches the mask ``any(x != 0, axis=-1)``
to them; the next RNN then skips the masked steps (their states carry over). In
npseq2seq a character model's one-hot rows are token ids by the time a layer sees
them, and an all-zero row is id -1, so the mask is ``ids >= 0``. No weights, no
gradient of its own: the character model's encoder input has none (ids), and its
rows, when given as floats, pass through unchanged.

This layer stands where the word-level model has its ``Embedding(mask_zero=True)``
(``model/inputs.embed`` asks either for ``compute_mask``), so the encoder reads the
same mask whichever the level. ``padding_mask`` is the same rule as a function, for
the loss's mask (see ``model/masking.py``).
"""
from __future__ import annotations

import numpy as np

from .base import Layer


def padding_mask(x: np.ndarray) -> np.ndarray:
    """(N, T) True where a step is not padding: ids >= 0, or rows with any non-zero entry
    (Keras's ``ops.any(ops.not_equal(inputs, 0.0), axis=-1)``)."""
    x = np.asarray(x)
    if np.issubdtype(x.dtype, np.integer):
        return x >= 0
    return np.any(x != 0, axis=-1)


class Masking(Layer):
    """``Masking()``: mask_value is Keras's default 0.0 (the only value an all-zero
    one-hot row has)."""
    weight_names = ()

    def __init__(self, dtype="float32", name: str = "masking"):
        super().__init__(dtype, name)

    def forward(self, x: np.ndarray):
        """→ (x unchanged, no cache): the masked steps are all zeros already."""
        return x, None

    def backward(self, doutputs, cache, as_rows: bool = False):
        """→ (d inputs, []): the gradient passes through (None for ids), no weights."""
        return doutputs, []

    def compute_mask(self, x: np.ndarray) -> np.ndarray:
        return padding_mask(x)
