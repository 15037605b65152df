"""Gradient clipping, as Keras computes it (keras/src/optimizers/base_optimizer.py,
backend/tensorflow/optimizer.py).

Applied to all gradients before the update (at most one):

- ``clipnorm=c`` (per tensor; TF's ``tf.clip_by_norm``, which the TF backend
  uses instead of the base class formula): ``g*c / max(||g||, c)`` -- the
  product first, then the division.
- ``global_clipnorm=c`` (over all tensors; ``clip_by_global_norm`` in
  base_optimizer.py): ``N = sqrt(sum_i sum(g_i**2))``,
  ``g_i *= c * min(1/N, 1/c) + (N - N)``. The scale is ``c*(1/c)`` when nothing
  needs clipping, which is not always exactly 1 (e.g. c = 49): Keras then still
  changes the gradients by an ulp, and so does this module.
- ``clipvalue=c`` (elementwise): ``max(min(g, c), -c)``.

The norms are the one place the optimizers are not bit-for-bit Keras's: TF sums the
squares in another order than NumPy (the package docstring has the measured sizes).

An Embedding's gradient (a ``RowGradient``, base.py) is clipped on its rows:
``clipnorm`` and ``clipvalue`` keep them rows, ``global_clipnorm`` takes its norm over
them and hands on the dense sum.
"""
import numpy as np

from ..ops import RowGradient
from .arguments import as_dtype, check_real


def check_clipping(clipnorm, clipvalue, global_clipnorm):
    """``(clipnorm, clipvalue, global_clipnorm)``, each None or a positive finite float,
    at most one of them set; else ValueError."""
    clips = {"clipnorm": clipnorm, "clipvalue": clipvalue,
             "global_clipnorm": global_clipnorm}
    if sum(v is not None for v in clips.values()) > 1:
        raise ValueError(
            "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
            f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
            f"global_clipnorm={global_clipnorm}")
    for key, value in clips.items():
        if value is not None:
            clips[key] = check_real(key, value, low=0.0, low_open=True,
                                    expected="None or a positive finite number")
    return clips["clipnorm"], clips["clipvalue"], clips["global_clipnorm"]


def clip_gradients(grads, clipnorm, clipvalue, global_clipnorm):
    """``grads`` clipped by whichever argument is set (None gradients kept); as they are
    when none is."""
    if clipnorm is not None:
        return [_on_rows(_clip_by_norm, g, clipnorm) for g in grads]
    if global_clipnorm is not None:
        return _clip_by_global_norm(grads, global_clipnorm)
    if clipvalue is not None:
        return [_on_rows(_clip_by_value, g, clipvalue) for g in grads]
    return grads


def _on_rows(clip, g, value):
    """``clip(g, value)``, on the rows of a RowGradient (which stays one)."""
    if g is None:
        return None
    return g._replace(rows=clip(g.rows, value)) if isinstance(g, RowGradient) else clip(g, value)


def _clip_by_norm(g, clipnorm):
    """``tf.clip_by_norm(g, clipnorm)``: g*c / max(||g||, c), with ||0|| taken as 0."""
    c = as_dtype(clipnorm, g.dtype)
    l2sum = np.sum(g * g)
    l2norm = np.sqrt(l2sum) if l2sum > 0 else l2sum
    return g * c / np.maximum(l2norm, c)


def _clip_by_global_norm(grads, clipnorm):
    """Keras's ``clip_by_global_norm``: one scale for all gradients (None kept)."""
    # the norm over a RowGradient's rows; the scaled gradient is their dense sum (as Keras)
    present = [g.rows if isinstance(g, RowGradient) else g for g in grads if g is not None]
    dtype = np.result_type(*present)
    use_norm = np.sqrt(np.sum(np.stack([np.sum(np.square(g)) for g in present])))
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_norm = as_dtype(1.0, dtype) / use_norm
        scale = as_dtype(clipnorm, dtype) * np.minimum(inv_norm, as_dtype(1.0 / clipnorm, dtype))
        scale = scale + (use_norm - use_norm)  # NaN when the norm is inf/NaN, as Keras
    return [None if g is None else (g.dense() if isinstance(g, RowGradient) else g) * scale
            for g in grads]


def _clip_by_value(g, clipvalue):
    c = as_dtype(clipvalue, g.dtype)
    return np.maximum(np.minimum(g, c), -c)
