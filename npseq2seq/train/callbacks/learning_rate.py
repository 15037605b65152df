"""The optimizer's learning rate as Keras's callbacks read it.

Keras keeps the rate in a variable of dtype ``floatx``, so a callback that reads it
(``float(optimizer.learning_rate)``) sees it rounded to float32 in a float32 model, and
a rate it sets is rounded the same way. npseq2seq's optimizer keeps a Python float and
converts it to the parameters' dtype at each update; reading it through the parameters'
dtype here gives the callbacks (and the ``learning_rate`` in the logs) Keras's numbers.
"""
from __future__ import annotations

import numpy as np


def read_learning_rate(model) -> float:
    """The compiled optimizer's learning rate, in the model's dtype, as a Python float."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        raise ValueError("this callback needs a compiled model: call model.compile(optimizer=...)")
    if not hasattr(optimizer, "learning_rate"):
        raise ValueError('Optimizer must have a "learning_rate" attribute.')
    return float(np.asarray(optimizer.learning_rate, dtype=model.params[0].dtype))
