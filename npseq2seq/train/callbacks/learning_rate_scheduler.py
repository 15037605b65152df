"""``LearningRateScheduler``, as Keras's (``keras/src/callbacks/learning_rate_scheduler.py``):
at each epoch's start the learning rate becomes ``schedule(epoch, lr)`` (or
``schedule(epoch)`` for a one-argument function); at its end the rate is written into
``logs["learning_rate"]``, so ``History`` records it.
"""
from __future__ import annotations

import numpy as np

from .callback import Callback
from .learning_rate import read_learning_rate


class LearningRateScheduler(Callback):
    """``schedule(epoch, lr) -> float`` (epoch counts from 0); verbose=1 prints each rate."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"schedule must be a function schedule(epoch, lr) -> float, "
                            f"received {type(schedule).__name__}")
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        learning_rate = read_learning_rate(self.model)
        try:   # Keras's way of accepting schedule(epoch) as well as schedule(epoch, lr)
            learning_rate = self.schedule(epoch, learning_rate)
        except TypeError:
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {learning_rate}")
        self.model.optimizer.learning_rate = learning_rate
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {learning_rate}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = read_learning_rate(self.model)
