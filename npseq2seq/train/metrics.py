"""Keras's compile metrics for these models: ``compile(metrics=["accuracy"])``.

For a softmax output over V tokens, Keras's "accuracy" is ``CategoricalAccuracy`` with
one-hot targets (N, T, V) and ``SparseCategoricalAccuracy`` with ids (N, T)
(``keras/src/trainers/compile_utils.py``, ``get_metric``); both are, per target step,

    match[n, t] = argmax(y_true[n, t]) == argmax(y_pred[n, t])

(an all-zero padded target row has argmax 0, so it counts as right when the model
predicts token 0 there). Keras's ``Mean`` then reduces them per sample, in floatx:

- no mask: ``total += Σ_n mean_t match``, ``count += N``: every padded step counts;
- a mask (``mask_zero``; Keras takes it from the Dense output): ``total += Σ_n mean_t
  (match · mask)``, ``count += Σ_n mean_t mask``: the ratio is right steps over real steps.

``result = total / count``, accumulated over an epoch's batches from each batch's
pre-update forward pass (``fit``), or over the validation batches. Beyond Keras: a
length-bucketed batch holds its R real steps only, which count one each.
"""
from __future__ import annotations

import numpy as np

from ..ops import softmax

_NAMES = ("accuracy", "acc")   # Keras's names for the accuracy that fits the loss


class Accuracy:
    """The running accuracy of one fit epoch (or one evaluation); ``name`` as compiled."""

    direction = "up"   # for EarlyStopping's mode="auto", as Keras's metric declares

    def __init__(self, name: str = "accuracy"):
        self.name = name
        self.reset()

    def reset(self) -> None:
        self.total, self.count = 0.0, 0.0

    def update(self, scores: np.ndarray, y: np.ndarray, mask: np.ndarray | None = None,
               from_logits: bool = False, packed: bool = False) -> None:
        """scores: (N, T, V) probabilities, or logits (``from_logits``), or (R, V) rows of a
        packed batch; y: ids (-1: an all-zero row) or one-hot/soft rows of the same layout."""
        dtype = scores.dtype.type
        # argmax of the probabilities, as Keras takes it from the softmax output: a float32
        # softmax can round two close logits to one probability, and argmax then takes the first
        predicted = (softmax(scores) if from_logits else scores).argmax(axis=-1)
        target = y.argmax(axis=-1) if y.ndim == scores.ndim else np.maximum(y, 0)
        match = (predicted == target).astype(dtype)
        if packed:                                        # (R,): one real step each
            total, count = match.sum(dtype=dtype), dtype(match.size)
        elif mask is None:                                # (N, T): a mean per sample
            total, count = match.mean(axis=1, dtype=dtype).sum(dtype=dtype), dtype(len(match))
        else:
            weight = mask.astype(dtype)
            total = (match * weight).mean(axis=1, dtype=dtype).sum(dtype=dtype)
            count = weight.mean(axis=1, dtype=dtype).sum(dtype=dtype)
        self.total, self.count = dtype(self.total + total), dtype(self.count + count)

    def merge(self, other: "Accuracy") -> None:
        """Add the counts of ``other`` (a part of the same batches: ``train/halves.py``)."""
        self.total, self.count = self.total + other.total, self.count + other.count

    def result(self) -> float:
        """total / count, or 0 before any step (Keras's ``divide_no_nan``)."""
        return float(self.total / self.count) if self.count else 0.0


def get(metrics) -> list[Accuracy]:
    """``compile``'s ``metrics`` → metric objects; None or [] → none."""
    if metrics is None:
        return []
    if isinstance(metrics, str) or not isinstance(metrics, (list, tuple)):
        raise ValueError(f"metrics must be a list such as ['accuracy'], received {metrics!r}")
    out = []
    for m in metrics:
        if not isinstance(m, str) or m.lower() not in _NAMES:
            raise ValueError(f"metrics: npseq2seq computes 'accuracy' (or 'acc'), received {m!r}")
        out.append(Accuracy(m))
    if len({m.name for m in out}) != len(out):
        raise ValueError(f"metrics: each metric once, received {list(metrics)}")
    return out
