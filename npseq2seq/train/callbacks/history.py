"""``History``, as Keras's (``keras/src/callbacks/history.py``): what ``fit`` returns;
``history.history["loss"]`` holds one number per epoch.

It records each epoch's logs as the other callbacks left them: ``fit`` calls it after
them (Keras appends it to the end of the list), so the ``learning_rate`` that
``ReduceLROnPlateau`` or ``LearningRateScheduler`` writes into the logs is recorded too.
As in Keras, ``epoch`` restarts with each ``fit`` while ``history`` keeps growing if the
same History is passed to several ``fit`` calls; ``model.history`` is set to it.
"""
from __future__ import annotations

from .callback import Callback


class History(Callback):
    """Per-epoch logs: ``history.history[key]`` is a list, ``history.epoch`` the epochs."""

    def __init__(self):
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.append(epoch, logs or {})
        if self.model is not None:
            self.model.history = self

    def append(self, epoch: int, logs: dict[str, float]) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self):
        return f"History({self.history})"
