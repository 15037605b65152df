"""Bidirectional: one sequence read by two recurrent layers, one forwards, one backwards.

Keras's ``Bidirectional(layer, merge_mode="concat")``::

    forward layer:   x_1 → x_2 → … → x_T        outputs y_t,  final states [h, c]_fw
    backward layer:  x_T → … → x_2 → x_1        outputs y'_t, final states [h, c]_bw

    outputs  [y_t ; y'_t] (N, T, 2H) with return_sequences, else [y_T ; y'_1] (N, 2H)
    states   [*states_fw, *states_bw]  (return_state; Keras's order)

The backward layer is an ordinary ``Recurrent`` run on the time-reversed input. Keras's
``go_backwards=True`` reverses the inputs *and the mask* (``backend/tensorflow/rnn.py``:
``tf.reverse(mask, [0])``), so with the padding at the end of a row the backward layer
meets the padding first, skips it (a masked step keeps the initial, zero, states) and
then reads the real steps from the last to the first: it reads only the real steps.
Its output sequence is flipped back into the input's order. Without a mask (one-hot
characters) both directions read every step, padding included, as in Keras.

With ``return_sequences`` Keras's ``Bidirectional`` sets ``zero_output_for_mask`` on
both layers (``layers/rnn/bidirectional.py``): the outputs at masked steps are zeros,
not the carried-over state. So here.

``lengths`` (a packed, length-bucketed batch, beyond Keras): the forward layer runs
packed; the backward layer cannot (its running rows are not a prefix of the batch at
each step) and reads the same steps as a reversed mask.

Backward: the output gradient splits into its two halves, each goes back through its
layer (the backward half flipped into that layer's time order), and the two input
gradients add (both layers read x).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .base import Layer
from .recurrent import Recurrent


class BidirectionalCache(NamedTuple):
    forward: object              # the forward layer's RecurrentCache
    backward: object             # the backward layer's (its time runs from T-1 down to 0)
    mask: np.ndarray | None      # (N, T) the real steps (mask or lengths), or None


class Bidirectional(Layer):
    """``Bidirectional(forward_layer, backward_layer, name)``: two ``Recurrent`` layers of one
    kind and size (each with its own weights), forward's weights listed first, as Keras."""

    def __init__(self, forward_layer: Recurrent, backward_layer: Recurrent, name: str = "bidirectional"):
        fw, bw = forward_layer, backward_layer
        if not (isinstance(fw, Recurrent) and type(fw) is type(bw)):
            raise ValueError(f"{name}: forward_layer and backward_layer must be recurrent layers of "
                             f"one kind, received {type(fw).__name__} and {type(bw).__name__}")
        same = ("units", "input_dim", "return_sequences", "return_state", "dtype")
        if any(getattr(fw, a) != getattr(bw, a) for a in same):
            raise ValueError(f"{name}: forward_layer and backward_layer must agree on {', '.join(same)}")
        super().__init__(fw.dtype, name)
        self.forward_layer, self.backward_layer = fw, bw
        self.units, self.input_dim = fw.units, fw.input_dim          # units of one direction
        self.return_sequences, self.return_state = fw.return_sequences, fw.return_state
        self.state_size = 2 * fw.state_size                            # [*forward, *backward]

    @property
    def output_dim(self) -> int:
        """The width of the outputs and of each state the decoder reads: 2·units."""
        return 2 * self.units

    @property
    def weight_names(self) -> tuple[str, ...]:
        return tuple(f"{layer.name}/{n}" for layer in (self.forward_layer, self.backward_layer)
                     for n in layer.weight_names)

    @property
    def weights(self) -> list[np.ndarray]:
        return self.forward_layer.weights + self.backward_layer.weights

    def _halves(self, states):
        if states is None:
            return None, None
        states = list(states)
        if len(states) != self.state_size:
            raise ValueError(f"{self.name}: initial_state must be a list of {self.state_size} arrays "
                             f"(forward states, then backward), received {len(states)}")
        k = self.forward_layer.state_size
        return states[:k], states[k:]

    def _steps(self, shape, mask, lengths):
        """(N, T) the real steps, from mask or lengths, or None."""
        if lengths is not None:
            return np.arange(shape[1])[None, :] < np.asarray(lengths)[:, None]
        return None if mask is None else self._check_mask(mask, shape)

    def forward(self, inputs, initial_state=None, mask=None, lengths=None, training=False, rng=None):
        """inputs (N, T, D) or (N, T) ids → (outputs, cache), outputs as Keras's (see the
        module docstring); mask (N, T) / lengths (N,) as ``Recurrent.forward``. training, rng:
        each direction draws its own dropout masks (forward's first), as Keras's two layers."""
        inputs = np.asarray(inputs)
        init_fw, init_bw = self._halves(initial_state)
        steps = self._steps(inputs.shape[:2], mask, lengths)
        fw_out, fw_cache = self.forward_layer.forward(inputs, init_fw, mask=mask, lengths=lengths,
                                                      training=training, rng=rng)
        bw_out, bw_cache = self.backward_layer.forward(           # x_T … x_1, mask reversed too
            inputs[:, ::-1], init_bw, mask=None if steps is None else steps[:, ::-1],
            training=training, rng=rng)
        (y, *fw_states), (y_rev, *bw_states) = (fw_out, bw_out) if self.return_state else ([fw_out], [bw_out])
        if self.return_sequences:
            out = np.concatenate([y, y_rev[:, ::-1]], axis=-1)    # back into the input's order
            if steps is not None:
                out *= steps[:, :, None]                          # zero_output_for_mask
        else:
            out = np.concatenate([y, y_rev], axis=-1)             # [y_T ; y'_1]
        outputs = [out, *fw_states, *bw_states] if self.return_state else out
        return outputs, BidirectionalCache(fw_cache, bw_cache, steps)

    def backward(self, doutputs, cache: BidirectionalCache):
        """→ (d inputs or None for ids, d initial states [*forward, *backward], grads in
        ``weights`` order); doutputs as forward's outputs, any part None."""
        if self.return_state:
            dout, *dstates = doutputs
        else:
            dout, dstates = doutputs, [None] * self.state_size
        h, k = self.units, self.forward_layer.state_size
        d_fw = d_bw = None
        if dout is not None:
            if self.return_sequences and cache.mask is not None:
                dout = dout * cache.mask[:, :, None]              # zeroed outputs pass nothing back
            d_fw, d_bw = dout[..., :h], dout[..., h:]
            if self.return_sequences:
                d_bw = d_bw[:, ::-1]                              # into the backward layer's order
        wrap = (lambda d, s: [d, *s]) if self.return_state else (lambda d, s: d)
        dx_fw, dinit_fw, grads_fw = self.forward_layer.backward(wrap(d_fw, dstates[:k]), cache.forward)
        dx_bw, dinit_bw, grads_bw = self.backward_layer.backward(wrap(d_bw, dstates[k:]), cache.backward)
        dx = None if dx_fw is None else dx_fw + dx_bw[:, ::-1]    # both layers read x
        return dx, dinit_fw + dinit_bw, grads_fw + grads_bw

    def final_states(self, inputs, initial_state=None, mask=None) -> list[np.ndarray]:
        """Only the final states [*forward, *backward] (inference), as ``forward`` computes them."""
        inputs = np.asarray(inputs)
        init_fw, init_bw = self._halves(initial_state)
        steps = self._steps(inputs.shape[:2], mask, None)
        return (self.forward_layer.final_states(inputs, init_fw, mask=mask)
                + self.backward_layer.final_states(inputs[:, ::-1], init_bw,
                                                   mask=None if steps is None else steps[:, ::-1]))

    def zero_state(self, batch: int) -> list[np.ndarray]:
        return self.forward_layer.zero_state(batch) + self.backward_layer.zero_state(batch)
