"""``TerminateOnNaN``, as Keras's (``keras/src/callbacks/terminate_on_nan.py``): stop
training at the first batch whose loss is NaN or infinite (or, ``raise_error=True``,
raise a RuntimeError there).

Without it, npseq2seq's ``fit`` raises a FloatingPointError at such a batch. With it,
``fit`` passes the batch's logs (loss: NaN) to the callbacks as Keras does, this callback
sets ``model.stop_training``, and the run ends: its epoch's logs and ``on_train_end``
come as in Keras. One difference, on purpose: npseq2seq never applies the non-finite
step, so the weights are those before the bad batch, where Keras's are already NaN.
"""
from __future__ import annotations

import math

from .callback import Callback


class TerminateOnNaN(Callback):
    """``TerminateOnNaN(raise_error=False)``."""

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (math.isnan(loss) or math.isinf(loss)):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. "
                                   f"Loss value: {loss}. Terminating training immediately.")
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
