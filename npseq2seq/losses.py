"""Cross-entropy losses with Keras's exact semantics.

Inside a Keras model, ``Dense(activation="softmax")`` followed by
``"categorical_crossentropy"`` does not compute ``-Σ y log p``: Keras finds the
logits behind the softmax and calls TensorFlow's fused
``softmax_cross_entropy_with_logits``. Per row (one sample, one time step)::

    loss_row = Σ_k y_k · (logsumexp(z) − z_k)     (no clipping, no renormalising)

and the reported loss is Σ loss_row / (number of rows), padded rows included
in the count (Keras's ``sum_over_batch_size``).

The gradient quirk: TensorFlow back-propagates ``softmax(z) − y`` for *every*
row. For a row of ``y`` that sums to 1 that is the true derivative. For an
all-zero target row (the 2017 blog's zero padding) the row adds 0 to the loss
yet still pushes ``softmax(z)`` into the logits. ``exact_gradient=False`` (the
default) reproduces Keras bit for bit; ``exact_gradient=True`` returns the true
derivative ``Σ_k y_k · softmax(z) − y`` of the loss that is reported.

Targets may be one-hot/soft rows (…, V) or integer ids (…) where -1 marks an
all-zero row; ids avoid building the (N, T, V) one-hot tensor.

Label smoothing (Keras's ``CategoricalCrossentropy(label_smoothing=s)``) trains on the
target rows y·(1 − s) + s/V instead of y: every row, an all-zero one included, which
then becomes the uniform s/V (Keras smooths before it reduces). Keras's
``SparseCategoricalCrossentropy`` has no such argument; here the sparse loss takes it
too and equals the one-hot loss on the ids' one-hot rows, without building them.
"""
from __future__ import annotations

import numpy as np

from .checks import check_rate
from .ops import logsumexp

EPSILON = 1e-7  # keras.config.epsilon(), used by the probability path only


def _check_targets(y, logits):
    y = np.asarray(y)
    if np.issubdtype(y.dtype, np.integer):
        if y.shape != logits.shape[:-1]:
            raise ValueError(f"integer targets must have shape {logits.shape[:-1]}, "
                             f"received {y.shape}")
        # an id >= V would raise IndexError below, one < -1 would pass as "no target"
        if y.size and (y.min() < -1 or y.max() >= logits.shape[-1]):
            raise ValueError(f"y: integer targets must lie in [-1, {logits.shape[-1]}) "
                             f"(-1: no target), received min {y.min()}, max {y.max()}")
    elif y.shape != logits.shape:
        raise ValueError(f"targets must have shape {logits.shape}, received {y.shape}")
    return y


def _smoothing_weights(smoothing: float, num_classes: int, dtype):
    """(on, off): a smoothed row is on·y + off, as Keras computes it in the logits' dtype:
    ``y * (1.0 - s) + s / num_classes``, with num_classes cast to that dtype first."""
    return dtype.type(1.0 - smoothing), dtype.type(smoothing) / dtype.type(num_classes)


def smooth_labels(y: np.ndarray, smoothing: float, dtype) -> np.ndarray:
    """Keras's smoothed one-hot/soft target rows (…, V): y·(1 − s) + s/V (a new array)."""
    on, off = _smoothing_weights(smoothing, y.shape[-1], np.dtype(dtype))
    return y.astype(dtype) * on + off


def softmax_cross_entropy(logits: np.ndarray, y, exact_gradient: bool = False,
                          mask: np.ndarray | None = None, count: int | None = None,
                          label_smoothing: float = 0.0):
    """Mean softmax cross-entropy from logits, and its gradient.

    logits: (..., V). y: (..., V) targets or (...) integer ids (-1: no target).
    mask: optional (...) boolean; rows where it is False are left out of both
    the sum and the count (beyond Keras: the tutorial has no mask).
    count: the number of rows the mean divides by, when these rows are one part of a
    larger batch (``train/halves.py``: each half of a batch divides by the whole's count).
    label_smoothing: s in [0, 1]; the targets become y·(1 − s) + s/V (module docstring).
    Returns (loss as a Python float, dlogits with the shape of logits).
    """
    y = _check_targets(y, logits)
    if label_smoothing and not np.issubdtype(y.dtype, np.integer):
        y = smooth_labels(y, label_smoothing, logits.dtype)   # the one-hot path, as Keras
    if mask is not None:
        mask = np.asarray(mask, bool)
    num_rows = int(np.prod(logits.shape[:-1]))           # Keras counts padded rows too
    if count is None:
        count = max(int(mask.sum()), 1) if mask is not None else num_rows
    count = logits.dtype.type(count)
    m = logits.max(axis=-1, keepdims=True)
    probs = np.subtract(logits, m)
    np.exp(probs, out=probs)                             # one exp pass gives both:
    total = probs.sum(axis=-1, keepdims=True)
    lse = m + np.log(total)                              # logsumexp (..., 1), shifted by the max
    # and softmax, already divided by count (d(mean)/d(row) = 1/count): one pass over (…, V)
    probs /= total * count
    rows_of = _id_rows if np.issubdtype(y.dtype, np.integer) else _target_rows
    row_loss, dlogits = rows_of(logits, y, lse, probs, count, exact_gradient, label_smoothing)
    if mask is not None:
        row_loss = np.where(mask, row_loss, 0.0)
        dlogits *= mask[..., None]
    loss = row_loss.sum(dtype=logits.dtype) / count
    return float(loss), dlogits


def _id_rows(logits, y, lse, probs, count, exact_gradient, label_smoothing):
    """(row losses, dlogits) for integer ids; probs: the softmax divided by count (reused)."""
    has_target = y >= 0
    safe = np.where(has_target, y, 0)
    z_true = np.take_along_axis(logits, safe[..., None], axis=-1)[..., 0]
    row_loss = np.where(has_target, lse[..., 0] - z_true, 0.0)
    row_mass = has_target.astype(logits.dtype)           # Σ_k y_k of the implied one-hot row
    on = 1.0
    if label_smoothing:                                  # y' = on·y + off, without building y:
        on, off = _smoothing_weights(label_smoothing, logits.shape[-1], logits.dtype)
        # Σ_k y'_k (lse − z_k) = on·(lse − z_y) + off·Σ_k (lse − z_k)
        row_loss = on * row_loss + off * (lse - logits).sum(axis=-1)
        row_mass = on * row_mass + off * logits.shape[-1]
    dlogits = probs if not exact_gradient else probs * row_mass[..., None]
    if label_smoothing:
        dlogits -= off / count                           # TF: p − y', the off part on every class
    rows = np.nonzero(has_target)                        # each row has one id: no repeats, so
    dlogits[rows + (y[rows],)] -= on / count             # plain fancy indexing is safe (any layout)
    return row_loss, dlogits


def _target_rows(logits, y, lse, probs, count, exact_gradient, label_smoothing):
    """(row losses, dlogits) for target rows (…, V), already smoothed; probs as ``_id_rows``'s."""
    y = y.astype(logits.dtype, copy=False)
    row_mass = y.sum(axis=-1)
    row_loss = (y * (lse - logits)).sum(axis=-1)         # Σ_k y_k (logsumexp(z) − z_k)
    dlogits = probs * row_mass[..., None] if exact_gradient else probs
    dlogits -= y / count                                 # TF: (p − y)/count; exact: ((Σy)·p − y)/count
    return row_loss, dlogits


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False, axis: int = -1):
    """Keras's standalone ``keras.losses.categorical_crossentropy``: one value per row.

    With probabilities (``from_logits=False``) Keras renormalises them and clips to
    [ε, 1−ε] before the log; with logits it uses the fused formula above. Models do
    not call this: they use ``softmax_cross_entropy`` on the Dense layer's logits.
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if from_logits:
        return (y_true * (logsumexp(y_pred, axis) - y_pred)).sum(axis=axis)
    p = y_pred / y_pred.sum(axis=axis, keepdims=True)
    p = np.clip(p, EPSILON, 1.0 - EPSILON)
    return -(y_true * np.log(p)).sum(axis=axis)


def probability_cross_entropy(probs: np.ndarray, y, mask: np.ndarray | None = None,
                              count: int | None = None, label_smoothing: float = 0.0):
    """Keras's probability path and its gradient: (loss, d(loss)/d(probs)).

    Taken by Keras when the model output is not a softmax it can see through (the
    FAQ's no-teacher-forcing model ends in a concatenation)::

        q = clip(p / Σp, ε, 1 − ε);   loss_row = −Σ_k y_k log q_k

    Gradient as TensorFlow differentiates it: zero where the clip is active. count and
    label_smoothing: as ``softmax_cross_entropy``'s.
    """
    y = _check_targets(y, probs)
    if np.issubdtype(y.dtype, np.integer):
        ids = y
        y = np.zeros(probs.shape, probs.dtype)
        rows = np.flatnonzero(ids.reshape(-1) >= 0)
        y.reshape(-1, probs.shape[-1])[rows, ids.reshape(-1)[rows]] = 1.0
    y = y.astype(probs.dtype, copy=False)
    if label_smoothing:
        y = smooth_labels(y, label_smoothing, probs.dtype)
    total = probs.sum(axis=-1, keepdims=True)
    q = probs / total
    eps = probs.dtype.type(EPSILON)
    qc = np.clip(q, eps, 1 - eps)
    row_loss = -(y * np.log(qc)).sum(axis=-1)
    if mask is not None:
        mask = np.asarray(mask, bool)
        row_loss = np.where(mask, row_loss, 0.0)
    if count is None:
        count = max(int(mask.sum()), 1) if mask is not None else row_loss.size
    dq = -y / qc / probs.dtype.type(count)                 # loss = −Σ y log q / count
    dq *= (q >= eps) & (q <= 1 - eps)                      # clip: no gradient where it bites
    if mask is not None:
        dq *= mask[..., None]
    dprobs = (dq - (dq * q).sum(axis=-1, keepdims=True)) / total   # q = p / Σp
    loss = row_loss.sum(dtype=probs.dtype) / probs.dtype.type(count)
    return float(loss), dprobs


class CategoricalCrossentropy:
    """The loss object a model is compiled with (``"categorical_crossentropy"``).

    exact_gradient: False reproduces Keras/TensorFlow's gradient (``p − y`` even on
    all-zero target rows); True gives the true gradient of the reported loss.
    label_smoothing: Keras's; 0.1 trains on 0.9·y + 0.1/V (module docstring).
    """
    name = "categorical_crossentropy"

    def __init__(self, exact_gradient: bool = False, label_smoothing: float = 0.0):
        self.exact_gradient = bool(exact_gradient)
        self.label_smoothing = check_rate(label_smoothing, "label_smoothing", include_one=True)

    def __call__(self, logits, y, mask=None, count=None):
        return softmax_cross_entropy(logits, y, self.exact_gradient, mask, count, self.label_smoothing)

    def from_probabilities(self, probs, y, mask=None, count=None):
        """The probability path (outputs that are not a visible softmax)."""
        return probability_cross_entropy(probs, y, mask, count, self.label_smoothing)

    def get_config(self):
        return {"name": self.name, "exact_gradient": self.exact_gradient,
                "label_smoothing": self.label_smoothing}


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """The same loss with integer targets (…): the value equals the one-hot version's."""
    name = "sparse_categorical_crossentropy"

    def __call__(self, logits, y, mask=None, count=None):
        y = np.asarray(y)
        if not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"{self.name} needs integer targets, received dtype {y.dtype}")
        return softmax_cross_entropy(logits, y, self.exact_gradient, mask, count, self.label_smoothing)


_LOSSES = {"categorical_crossentropy": CategoricalCrossentropy,
           "sparse_categorical_crossentropy": SparseCategoricalCrossentropy}


def get(identifier) -> CategoricalCrossentropy:
    """A loss object from a name, a ``get_config()`` dict, or a loss object."""
    if isinstance(identifier, CategoricalCrossentropy):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _LOSSES:
        return _LOSSES[identifier.lower()]()
    if isinstance(identifier, dict) and identifier.get("name") in _LOSSES:
        return _LOSSES[identifier["name"]](exact_gradient=identifier.get("exact_gradient", False),
                                           label_smoothing=identifier.get("label_smoothing", 0.0))
    raise ValueError(f"loss must be one of {sorted(_LOSSES)} or a loss object, "
                     f"received {identifier!r}")


__all__ = ["softmax_cross_entropy", "probability_cross_entropy", "categorical_crossentropy", "CategoricalCrossentropy",
           "SparseCategoricalCrossentropy", "get", "EPSILON", "smooth_labels"]
