"""Callbacks in Keras's shape: objects ``fit`` calls at the start and end of training, of
each epoch and of each batch, with the model set on them first (``set_model``).

``History`` is one of them, as in Keras: ``fit`` returns it, and
``history.history["loss"]`` holds one number per epoch. A plain function
``f(epoch, logs, model)`` is also accepted in ``callbacks=[...]`` (npseq2seq's older
form): it runs at each epoch's end.
"""
from __future__ import annotations


class Callback:
    """The hooks Keras's ``fit`` calls; each does nothing unless overridden."""

    def __init__(self):
        self.model = None

    def set_model(self, model) -> None:
        self.model = model

    def on_train_begin(self, logs=None): pass                 # noqa: E704
    def on_train_end(self, logs=None): pass                   # noqa: E704
    def on_epoch_begin(self, epoch, logs=None): pass          # noqa: E704
    def on_epoch_end(self, epoch, logs=None): pass            # noqa: E704
    def on_train_batch_begin(self, batch, logs=None): pass    # noqa: E704
    def on_train_batch_end(self, batch, logs=None): pass      # noqa: E704


class History(Callback):
    """What ``fit`` returns, as in Keras: ``history.history["loss"]`` is a list per epoch."""

    def __init__(self):
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_epoch_end(self, epoch, logs=None):
        self.append(epoch, logs or {})

    def append(self, epoch: int, logs: dict[str, float]) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self):
        return f"History({self.history})"


class FunctionCallback(Callback):
    """A plain ``f(epoch, logs, model)`` run at each epoch's end."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def on_epoch_end(self, epoch, logs=None):
        self.fn(epoch, logs, self.model)


class CallbackList:
    """The callbacks of one ``fit`` call, each hook passed on to all of them in order."""

    def __init__(self, callbacks, model):
        callbacks = list(callbacks or ())
        for c in callbacks:
            if not (isinstance(c, Callback) or callable(c)):
                raise TypeError(f"callbacks must be Callback objects or functions f(epoch, logs, "
                                f"model), received {type(c).__name__}")
        self.callbacks = [c if isinstance(c, Callback) else FunctionCallback(c) for c in callbacks]
        for c in self.callbacks:
            c.set_model(model)

    def __getattr__(self, hook):
        if not hook.startswith("on_"):
            raise AttributeError(hook)

        def call_all(*args):
            for c in self.callbacks:
                getattr(c, hook)(*args)
        return call_all
