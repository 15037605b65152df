"""``StepDecay``: a learning rate that falls by a constant factor every epoch from a given
epoch on, the schedule of Luong, Pham and Manning (2015, "Effective Approaches to
Attention-based Neural Machine Translation": "after 5 epochs, we begin to halve the
learning rate every epoch"), written as the ``schedule(epoch, lr)`` that Keras's
``LearningRateScheduler`` calls at each epoch's start::

    model.fit(..., epochs=38, callbacks=[LearningRateScheduler(StepDecay(0.001, decay_from=33))])

The rate is a function of the epoch and the initial rate alone, never of the rate the
optimizer holds: a run resumed from a checkpoint (whose optimizer may hold any rate) goes
on with exactly the rates of the uninterrupted run. Before ``decay_from`` the schedule
returns the rate it is given, so until then training is bit for bit what it is without the
callback (the test checks it).
"""
from __future__ import annotations

import math


class StepDecay:
    """``initial_learning_rate × factor ** (epoch − decay_from + 1)`` from epoch
    ``decay_from`` on, epochs counted from 1 as the progress line counts them (so the
    ``decay_from``-th epoch is the first at ``initial_learning_rate × factor``)."""

    def __init__(self, initial_learning_rate: float, decay_from: int, factor: float = 0.5):
        if isinstance(initial_learning_rate, bool) or not isinstance(initial_learning_rate, (int, float)) \
                or not math.isfinite(initial_learning_rate) or initial_learning_rate <= 0:
            raise ValueError(f"initial_learning_rate must be a positive finite float, "
                             f"received {initial_learning_rate!r}")
        if isinstance(decay_from, bool) or not isinstance(decay_from, int) or decay_from < 1:
            raise ValueError(f"decay_from must be an epoch number >= 1 (epochs count from 1), "
                             f"received {decay_from!r}")
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 < factor <= 1:
            raise ValueError(f"factor must be a float in (0, 1], received {factor!r}")
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_from, self.factor = decay_from, float(factor)

    def __call__(self, epoch: int, lr: float) -> float:
        """The rate of ``epoch`` (counted from 0, as LearningRateScheduler passes it)."""
        steps = epoch + 2 - self.decay_from        # epochs at or past decay_from, this one included
        if steps <= 0:
            return lr                              # untouched: the same bits as no schedule
        return self.initial_learning_rate * self.factor ** steps

    def __repr__(self):
        return (f"StepDecay(initial_learning_rate={self.initial_learning_rate}, "
                f"decay_from={self.decay_from}, factor={self.factor})")
