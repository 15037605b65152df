"""Dense: ``outputs = activation(inputs @ kernel + bias)`` on the last axis.

Shapes: inputs (..., D), kernel (D, V), bias (V,), outputs (..., V).

With ``activation="softmax"`` the cache keeps the logits, exactly as Keras tags
a softmax output with ``_keras_logits``: the loss then works from the logits
(``logsumexp(z) - y·z``, no clipping) and hands back ``dlogits`` to
``backward_logits``, skipping the softmax Jacobian. ``backward`` (gradient with
respect to the probabilities) exists for when the probabilities themselves feed
something else, as in training without teacher forcing.

Every product is one GEMM over all rows (all samples and time steps). A
recurrent layer's output sequence is a batch-major *view* of a time-major array
(``np.swapaxes``); Dense then works on the time-major rows directly, and its
outputs (and the gradients computed from them) come back as views in the same
layout, so no (N·T, ·) array is ever copied just to reorder it. Which order the
rows are in does not matter: each output row depends on its own input row, and
the weight gradients are sums over all rows.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..ops import glorot_uniform, matmul_rows, softmax
from .base import Layer


class DenseCache(NamedTuple):
    inputs: np.ndarray   # (..., D)
    logits: np.ndarray   # (..., V), before the activation
    outputs: np.ndarray | None  # (..., V), after it (the logits when linear; None if not computed)


class Dense(Layer):
    weight_names = ("kernel", "bias")
    tied = False      # TiedDense: the kernel is an Embedding's table

    def __init__(self, units: int, input_dim: int, activation: str | None = None,
                 dtype="float32", rng: np.random.Generator | None = None, name="dense"):
        super().__init__(dtype, name)
        if activation not in (None, "linear", "softmax"):
            raise ValueError(f"Dense activation must be None, 'linear' or 'softmax', got {activation!r}")
        self.units, self.input_dim = int(units), int(input_dim)
        self.activation = None if activation == "linear" else activation
        rng = rng if rng is not None else np.random.default_rng()
        self.kernel = glorot_uniform(rng, (self.input_dim, self.units), self.dtype)
        self.bias = np.zeros(self.units, dtype=self.dtype)

    def forward(self, inputs: np.ndarray, activate: bool = True) -> tuple[np.ndarray, DenseCache]:
        """(outputs, cache). activate=False returns the logits and skips the softmax, for a
        caller that only needs the loss (which reads the logits); then cache.outputs is None."""
        x, restore = _memory_order(inputs)
        logits = matmul_rows(x, self.kernel)
        logits += self.bias    # in place: a second (N·T, V) array costs more than the add itself
        logits = restore(logits)
        if not activate:
            return logits, DenseCache(inputs, logits, None)
        outputs = softmax(logits) if self.activation == "softmax" else logits
        return outputs, DenseCache(inputs, logits, outputs)

    def backward_logits(self, dlogits: np.ndarray, cache: DenseCache):
        """Gradients from d(loss)/d(logits): returns (dinputs, [dkernel, dbias])."""
        x, restore = _memory_order(cache.inputs)
        d = _same_order(dlogits, cache.inputs)
        x2, d2 = x.reshape(-1, self.input_dim), d.reshape(-1, self.units)
        dkernel = x2.T @ d2                        # z = x W + b  ->  dW = xᵀ dz (all rows in one GEMM)
        dbias = d2.sum(axis=0)                     #              ->  db = Σ dz
        dinputs = restore(matmul_rows(d, self.kernel.T))   # ->  dx = dz Wᵀ
        return dinputs, [dkernel, dbias]

    def fold_gradients(self, grads: dict) -> dict:
        """The model's {layer name: [arrays]} as the optimiser takes them: a Dense layer owns its
        kernel, so as they are (``TiedDense`` adds its kernel's part to the Embedding's)."""
        return grads

    def backward(self, doutputs: np.ndarray, cache: DenseCache):
        """Gradients from d(loss)/d(outputs): returns (dinputs, [dkernel, dbias])."""
        if self.activation == "softmax":
            p = cache.outputs
            # softmax Jacobian-vector product: dz = p * (dp - Σ dp·p)
            dlogits = p * (doutputs - (doutputs * p).sum(axis=-1, keepdims=True))
        else:
            dlogits = doutputs
        return self.backward_logits(dlogits, cache)


def _is_time_major_view(a: np.ndarray) -> bool:
    """(N, T, ·) that is np.swapaxes of a C-contiguous (T, N, ·) array (and not C-contiguous itself)."""
    return a.ndim == 3 and not a.flags.c_contiguous and np.swapaxes(a, 0, 1).flags.c_contiguous


def _memory_order(a: np.ndarray):
    """(a in its memory order, the function that turns results back to a's axis order)."""
    if _is_time_major_view(a):
        return np.swapaxes(a, 0, 1), lambda r: np.swapaxes(r, 0, 1)
    return a, lambda r: r


def _same_order(d: np.ndarray, like: np.ndarray) -> np.ndarray:
    """d (shaped like ``like`` up to the last axis) with its rows in ``like``'s memory order."""
    return np.swapaxes(d, 0, 1) if _is_time_major_view(like) else d
