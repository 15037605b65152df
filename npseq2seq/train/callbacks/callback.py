"""The Callback base class, as Keras's (``keras/src/callbacks/callback.py``): objects
``fit`` calls at the start and end of training, of each epoch and of each batch, with the
model set on them first (``set_model``) and fit's settings in ``params``.

Each hook does nothing unless overridden; ``on_train_batch_begin``/``_end`` call
``on_batch_begin``/``_end``, as Keras's do, so a callback written for either name runs.
A callback stops training by setting ``self.model.stop_training = True``: ``fit`` reads
it after each batch and after each epoch, as Keras's ``fit`` does.

A plain function ``f(epoch, logs, model)`` is also accepted in ``callbacks=[...]``
(npseq2seq's older form): ``FunctionCallback`` runs it at each epoch's end.
"""
from __future__ import annotations


class Callback:
    """The hooks Keras's ``fit``, ``evaluate`` and ``predict`` call."""

    def __init__(self):
        self.model = None
        self.params = None

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        """fit's settings: ``{"verbose": ..., "epochs": ..., "steps": ...}``, as Keras's."""
        self.params = params

    def on_train_begin(self, logs=None): pass                 # noqa: E704
    def on_train_end(self, logs=None): pass                   # noqa: E704
    def on_epoch_begin(self, epoch, logs=None): pass          # noqa: E704
    def on_epoch_end(self, epoch, logs=None): pass            # noqa: E704
    def on_batch_begin(self, batch, logs=None): pass          # noqa: E704
    def on_batch_end(self, batch, logs=None): pass            # noqa: E704
    def on_test_begin(self, logs=None): pass                  # noqa: E704
    def on_test_end(self, logs=None): pass                    # noqa: E704
    def on_test_batch_begin(self, batch, logs=None): pass     # noqa: E704
    def on_test_batch_end(self, batch, logs=None): pass       # noqa: E704
    def on_predict_begin(self, logs=None): pass               # noqa: E704
    def on_predict_end(self, logs=None): pass                 # noqa: E704
    def on_predict_batch_begin(self, batch, logs=None): pass  # noqa: E704
    def on_predict_batch_end(self, batch, logs=None): pass    # noqa: E704

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)


class FunctionCallback(Callback):
    """A plain ``f(epoch, logs, model)`` run at each epoch's end."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def on_epoch_end(self, epoch, logs=None):
        self.fn(epoch, logs, self.model)
