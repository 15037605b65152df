"""Dropout as Keras 3 has it: in training each entry is kept with probability 1 − rate and
scaled by 1/(1 − rate), or set to 0; at inference the layer is the identity.

Keras's ``Dropout`` layer calls ``backend.random.dropout``, which on TensorFlow is
``tf.nn.experimental.stateless_dropout``; that computes (``nn_ops._dropout``)

    scale = 1 / (1 - rate)                  in Python (float64), then cast to x's dtype
    out   = where(keep, x * scale, 0)       keep = uniform(noise_shape) >= rate

and its gradient is ``where(keep, dout * scale, 0)`` (TensorFlow's gradients of Mul and
Select). This file computes the same expressions, so that given the same ``keep`` mask
the numbers are Keras's bit for bit. ``noise_shape`` is Keras's: an axis of size 1 in it
shares one mask along that axis ((N, 1, H): the same mask at every time step).

The masks come from a NumPy Generator (``rng``, seeded by the model), so runs are
reproducible; Keras's come from TensorFlow's stateless RNG, which NumPy cannot replay:
parity is checked given the same mask (``tests/layers/test_dropout.py`` reads Keras's
mask from its output).

The RNNs' own ``dropout`` / ``recurrent_dropout`` (Keras's per-sequence masks, one per gate
with recurrent dropout) are ``rnn_dropout.py``'s, built into the LSTM and GRU layers and
the model (``Seq2Seq(dropout=, recurrent_dropout=)``). With ``recurrent_dropout == 0`` the
input dropout is this ``Dropout(rate, noise_shape=(None, 1, None))`` in front of the RNN
(tests/layers/test_dropout.py checks it against Keras's LSTM and GRU). The model uses this
layer in two places: ``output_dropout``, before the Dense layer (``model/decoder.py``), and
``word_dropout``, ``Dropout(rate, noise_shape=(None, None, 1))`` after each Embedding
(``model/inputs.py``); not between stacked layers, whose own ``dropout`` already drops
their inputs (the README's "Dropout" section).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..checks import check_rate
from .base import Layer


class DropoutCache(NamedTuple):
    keep: np.ndarray | None   # bool, broadcastable to the input: None at inference (identity)
    scale: np.generic         # 1/(1 − rate) in the input's dtype


class Dropout(Layer):
    """``Dropout(rate, noise_shape=None)``: no weights; ``forward(x, training, rng, keep)``."""

    def __init__(self, rate: float, noise_shape=None, dtype="float32", name: str = "dropout"):
        super().__init__(dtype, name)
        self.rate, self.noise_shape = check_rate(rate, f"{self.name}: rate"), noise_shape

    def mask_shape(self, shape) -> tuple:
        """Keras's noise_shape filled in: its None entries take the input's sizes."""
        if self.noise_shape is None:
            return tuple(shape)
        if len(self.noise_shape) != len(shape):
            raise ValueError(f"{self.name}: noise_shape {self.noise_shape} does not fit inputs of shape {shape}")
        return tuple(s if k is None else int(k) for k, s in zip(self.noise_shape, shape))

    def draw(self, shape, rng: np.random.Generator) -> np.ndarray:
        """A keep mask for inputs of ``shape``: uniform draws ≥ rate, as TensorFlow's."""
        return rng.random(self.mask_shape(shape)) >= self.rate

    def forward(self, x, training: bool = False, rng: np.random.Generator | None = None,
                keep: np.ndarray | None = None):
        """(out, cache). In training with rate > 0 the mask is ``keep`` if given, else drawn
        from ``rng``; otherwise out is x itself (not a copy)."""
        x = np.asarray(x, self.dtype)
        scale = self.dtype.type(1 / (1 - self.rate))   # Python's division, then x's dtype (TF)
        if not training or self.rate == 0:
            return x, DropoutCache(None, scale)
        if keep is None:
            if rng is None:
                raise ValueError(f"{self.name}: training needs an rng (or a keep mask)")
            keep = self.draw(x.shape, rng)
        keep = np.asarray(keep, bool)
        if np.broadcast_shapes(keep.shape, x.shape) != x.shape:
            raise ValueError(f"{self.name}: keep mask of shape {keep.shape} does not fit inputs {x.shape}")
        return np.where(keep, x * scale, 0).astype(self.dtype, copy=False), DropoutCache(keep, scale)

    def backward(self, dout, cache: DropoutCache):
        """(dx, []): out = where(keep, x·scale, 0) → dx = where(keep, dout·scale, 0)."""
        return dropout_backward(dout, cache), []


def dropout_backward(dout, cache: DropoutCache):
    """out = where(keep, x·scale, 0) → dx = where(keep, dout·scale, 0); dout itself at inference."""
    if cache.keep is None:
        return dout
    return np.where(cache.keep, dout * cache.scale, 0).astype(dout.dtype, copy=False)
