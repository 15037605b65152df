"""``ReduceLROnPlateau``, as Keras's (``keras/src/callbacks/reduce_lr_on_plateau.py``):
multiply the learning rate by ``factor`` when the monitored quantity has not improved for
``patience`` epochs, then wait ``cooldown`` epochs before counting again.

At each epoch's end it writes the rate the epoch trained with into ``logs["learning_rate"]``
(so ``History`` records it), then, if the logs hold ``monitor``:

- in cooldown: one cooldown epoch less, and ``wait`` restarts;
- an improvement (``MonitorCallback``, default ``min_delta=1e-4``) becomes the best, and
  ``wait`` restarts; otherwise, out of cooldown, ``wait`` grows, and at ``patience`` the
  rate becomes ``max(rate * factor, min_lr)`` (unless it is already at ``min_lr``),
  ``wait`` restarts and the cooldown begins.
"""
from __future__ import annotations

import warnings

import numpy as np

from .learning_rate import read_learning_rate
from .monitor_callback import MonitorCallback, check_count, check_real


class ReduceLROnPlateau(MonitorCallback):
    """Keras's arguments and defaults: monitor="val_loss", factor=0.1, patience=10, verbose=0,
    mode="auto", min_delta=1e-4, cooldown=0, min_lr=0.0."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__(monitor, mode, min_delta=min_delta)
        check_real(factor, "ReduceLROnPlateau factor")
        check_real(min_lr, "ReduceLROnPlateau min_lr")
        check_count(patience, "ReduceLROnPlateau patience")
        check_count(cooldown, "ReduceLROnPlateau cooldown")
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        if factor <= 0.0:   # Keras would set a rate of 0 or below; the optimizer refuses one
            raise ValueError(f"ReduceLROnPlateau needs a factor in (0, 1). Received factor={factor}")
        self.factor, self.min_lr, self.patience = factor, min_lr, patience
        self.verbose, self.cooldown = verbose, cooldown
        self.cooldown_counter, self.wait = 0, 0

    def on_train_begin(self, logs=None):
        self.best, self.cooldown_counter, self.wait = None, 0, 0

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        logs["learning_rate"] = read_learning_rate(self.model)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` which "
                          f"is not available. Available metrics are: {','.join(logs)}.", stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best, self.wait = current, 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce(epoch):
                self.cooldown_counter, self.wait = self.cooldown, 0

    def _reduce(self, epoch) -> bool:
        old_lr = read_learning_rate(self.model)
        if not old_lr > np.float32(self.min_lr):   # Keras compares with min_lr in float32
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        self.model.optimizer.learning_rate = new_lr
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
        return True
