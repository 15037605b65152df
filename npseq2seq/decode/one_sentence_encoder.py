"""The encoder for one sentence: its final states with the fewest NumPy calls a step needs.

The reference is ``Encoder.encode`` (the tutorial's ``encoder_model.predict``). For the
tutorial's kind of encoder (unidirectional, no attention) the top layer's time loop runs
here on a ``Stepper`` (``steppers.py``): the input projection of the whole sentence is the
layer's own ``project_inputs`` (one gather or one GEMM, the reference's call on the
reference's shapes, so the same bits), then one step per input token on preallocated
(1, H) buffers. A padded step (mask_zero's id 0, or mask_padding's all-zero rows) is
skipped, as the layer's step skips it. Layers below the top, in a stack, run their own
``forward`` (it is their output sequence the next layer reads: the reference's calls).

Bidirectional encoders and encoders that hand attention its memory (the whole output
sequence) use the model's own ``encode``: they run once per sentence, against 20–30
decoder steps, and a second copy of their loops (reversed masks, zeroed outputs,
the memory's padding mask) would be a second place for their rules to live.
"""
from __future__ import annotations

import numpy as np

from ..layers import Bidirectional
from .steppers import stepper


class OneSentenceEncoder:
    """``OneSentenceEncoder(model)``; ``encode(ids (1, Te)) → [states …, memory …]`` as
    ``model.encode`` returns them (before ``decoder.start_states``)."""

    def __init__(self, model):
        self.model, encoder = model, model.encoder
        self.own = encoder.return_memory or isinstance(encoder.rnns[0], Bidirectional)
        self.reason = ("the model's encode: attention's memory or a bidirectional layer"
                       if self.own else None)
        if not self.own:
            self.embedding, self.lower, self.top = encoder.embedding, encoder.rnns[:-1], encoder.rnns[-1]
            self.stepper = stepper(self.top)

    def encode(self, ids: np.ndarray) -> list[np.ndarray]:
        """ids (1, Te) token ids (char level: -1 for an all-zero row) → the decoder's initial
        state list, as ``model.encode`` (without ``start_states``)."""
        if self.own:
            return self.model.encoder.encode(ids)
        x, mask = ids, None
        if self.embedding is not None:      # Embedding (word level) or Masking (mask_padding)
            x, _ = self.embedding.forward(ids)
            mask = self.embedding.compute_mask(ids)
        states = []
        for rnn in self.lower:              # each reads the output sequence of the last
            (x, *layer_states), _ = rnn.forward(x, mask=mask)
            states += layer_states
        x = self.top._check_inputs(x)
        rows = self.top.project_inputs(np.swapaxes(x, 0, 1))     # (Te, 1, G·H)
        step = self.stepper
        for s in step.states:
            s.fill(0)
        if mask is None:
            for row in rows:
                step.step(row)
        else:
            for row, keep in zip(rows, mask[0]):
                if keep:                    # a padded step keeps the states
                    step.step(row)
        return states + [s.copy() for s in step.states]
