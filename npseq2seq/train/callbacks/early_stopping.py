"""``EarlyStopping``, as Keras's (``keras/src/callbacks/early_stopping.py``): stop
training when the monitored quantity has stopped improving, and optionally give the model
back the weights of its best epoch.

Keras's decisions, step by step, at each epoch's end (epochs before ``start_from_epoch``
and epochs whose logs lack ``monitor`` are skipped):

1. with ``restore_best_weights``, the first watched epoch's weights are the best so far;
2. ``wait`` grows by one;
3. an improvement on the best (see ``MonitorCallback``) records the value, the epoch and
   (restore_best_weights) a copy of the weights; ``wait`` restarts only if the value also
   improves on ``baseline`` (when one is given);
4. otherwise, once ``wait >= patience`` (and not at epoch 0), training stops.

At the end of training the best weights are restored whenever there are some, whether or
not training stopped early (KERAS-FACTS §j): a run whose last epoch is past its best ends
with the best weights too.
"""
from __future__ import annotations

import warnings

from .monitor_callback import MonitorCallback, check_count, check_real


class EarlyStopping(MonitorCallback):
    """Keras's arguments and defaults: monitor="val_loss", min_delta=0, patience=0, verbose=0,
    mode="auto", baseline=None, restore_best_weights=False, start_from_epoch=0."""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta=min_delta)   # as Keras: best starts at None
        if baseline is not None:
            check_real(baseline, "EarlyStopping baseline")
        check_count(patience, "EarlyStopping patience")
        check_count(start_from_epoch, "EarlyStopping start_from_epoch")
        self.patience, self.verbose, self.baseline = patience, verbose, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        self.wait, self.stopped_epoch, self.best_weights = 0, 0, None

    def on_train_begin(self, logs=None):
        # the same instance may serve several fit calls
        self.wait, self.stopped_epoch, self.best, self.best_weights, self.best_epoch = 0, 0, None, None, 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(logs)}", stacklevel=2)
        return value
