"""What the attentive layer's cell reads, and its dropout: z_t = [x_t; e_t] W + b.

The cell of ``attentive_rnn.py`` (Keras: ``LSTMCell``/``GRUCell`` inside the reference's
``AttentiveCell``) reads the concatenated input [x_t; e_t] (N, D + E): the step's own
input x_t and the extra input e_t, the context c_t (Bahdanau) or ã_{t-1} (Luong with
input feeding). Its kernel W (D + E, G·H) splits into W_x (rows 0..D-1) and W_e (rows
D..): x_t W_x + b does not depend on the loop, so it is projected for all steps before
it (``project``, ``Recurrent``'s projection); e_t W_e is added in the loop (``extra``).

Dropout, as Keras runs it there (``rnn_dropout.py``): the wrapped cell draws its masks
from its own input, so an input mask m (G', N, D + E) covers x_t *and* e_t, the same
mask at every step of one call; ``split`` cuts it into the x part (which ``Recurrent``'s
projection, cell steps and weight gradients read as for a plain layer) and the e part
(G', N, E), read here. Without masks every function is the plain product.

Letters: T steps, N batch, D input features, E extra inputs, G·H the fused gate width,
G' masks (1, or G with recurrent_dropout: Keras's implementation 1).
"""
from __future__ import annotations

import numpy as np

from ..ops import matmul_rows
from .projection import gemm_over_time
from .rnn_dropout import RNNDropoutMasks, dropped_gemm_over_time, dropped_product, dropped_product_backward


def split(masks: RNNDropoutMasks | None, d: int) -> tuple[RNNDropoutMasks | None, np.ndarray | None]:
    """The cell's masks → (its masks over x_t (inputs (G', N, D), recurrent as they are),
    the masks over e_t (G', N, E) or None)."""
    if masks is None:
        return None, None
    if masks.inputs is None:
        return masks, None
    return RNNDropoutMasks(masks.inputs[..., :d], masks.recurrent), masks.inputs[..., d:]


def project(rnn, inputs_tm, d: int, x_masks: RNNDropoutMasks | None):
    """x_t W_x + b for all steps: (T, N) ids (rows of the kernel) or (T, N, D) floats,
    each masked by x_masks.inputs (gate block g reads x_t ⊙ m_g) in training."""
    drop = None if x_masks is None else x_masks.inputs
    if np.issubdtype(inputs_tm.dtype, np.integer):
        return rnn.project_inputs(inputs_tm, drop)       # ids < D pick the x rows only
    if drop is None:
        xw = matmul_rows(inputs_tm, rnn.kernel[:d])
    else:
        xw = dropped_product(inputs_tm, rnn.kernel[:d], drop)   # (x ⊙ m_g) W_x,g
    xw += rnn.input_bias()
    return xw


def input_gradient(rnn, dxw, d: int, x_masks: RNNDropoutMasks | None):
    """d x (T, N, D) of float inputs: z = (x ⊙ m_g) W_x,g + …  ->  dx = Σ_g m_g ⊙ dz_g W_x,gᵀ."""
    drop = None if x_masks is None else x_masks.inputs
    if drop is None:
        return matmul_rows(dxw, rnn.kernel[:d].T)
    return dropped_product_backward(dxw, rnn.kernel[:d].T, drop)


def extra(e, kernel_extra, e_masks):
    """e_t W_e (N, G·H), or block g (e_t ⊙ m_g) W_e,g with dropout."""
    return e @ kernel_extra if e_masks is None else dropped_product(e, kernel_extra, e_masks)


def extra_backward(dz, kernel_extra_t, e_masks):
    """d e_t (N, E) from dz (N, G·H): dz W_eᵀ, or Σ_g m_g ⊙ dz_g W_e,gᵀ with dropout."""
    return dz @ kernel_extra_t if e_masks is None else dropped_product_backward(dz, kernel_extra_t, e_masks)


def extra_gradient(e_tm, dxw, e_masks):
    """d W_e summed over time, one GEMM: Σ_t e_tᵀ dz_t, or block g Σ_t (e_t ⊙ m_g)ᵀ dz_t,g."""
    return gemm_over_time(e_tm, dxw) if e_masks is None else dropped_gemm_over_time(e_tm, dxw, e_masks)
