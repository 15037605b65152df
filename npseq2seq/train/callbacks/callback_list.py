"""The callbacks of one ``fit`` call, as Keras's ``CallbackList``: each hook passed on to
all of them in order, with a ``History`` last in ``fit`` (the user's own, if one was passed)."""
from __future__ import annotations

from .callback import Callback, FunctionCallback
from .history import History


class CallbackList:
    """``callbacks.on_epoch_end(epoch, logs)`` calls ``on_epoch_end`` on each callback."""

    def __init__(self, callbacks, model, params: dict | None = None, add_history: bool = True):
        callbacks = list(callbacks or ())
        for c in callbacks:
            if not (isinstance(c, Callback) or callable(c)):
                raise TypeError(f"callbacks must be Callback objects or functions f(epoch, logs, "
                                f"model), received {type(c).__name__}")
        self.callbacks = [c if isinstance(c, Callback) else FunctionCallback(c) for c in callbacks]
        histories = [c for c in self.callbacks if isinstance(c, History)]
        self.history = histories[0] if histories else History() if add_history else None
        if not histories and add_history:   # appended last, as Keras does: it sees the others' logs
            self.callbacks.append(self.history)
        for c in self.callbacks:
            c.set_model(model)
            c.set_params(dict(params or {}))

    def __getattr__(self, hook):
        if not hook.startswith("on_"):
            raise AttributeError(hook)

        def call_all(*args):
            for c in self.callbacks:
                getattr(c, hook)(*args)
        return call_all
