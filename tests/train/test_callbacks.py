"""fit's callbacks: Keras's hooks in Keras's order, the older plain-function form, History."""
import numpy as np
import pytest

from npseq2seq import Callback, RMSprop, Seq2Seq
from tests.gradutil import random_batch


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def on_train_begin(self, logs=None):
        self.calls.append(("train_begin", self.model is not None))

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))

    def on_train_batch_begin(self, batch, logs=None):
        self.calls.append(("batch_begin", batch))

    def on_train_batch_end(self, batch, logs=None):
        self.calls.append(("batch_end", batch, sorted(logs)))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, sorted(logs)))

    def on_train_end(self, logs=None):
        self.calls.append(("train_end", sorted(logs)))


@pytest.fixture
def data():
    x_enc, x_dec, y = random_batch(np.random.default_rng(0), 10, 3, 3, 4, 5)
    return [x_enc, x_dec], y


def compiled():
    model = Seq2Seq(4, 5, 3, seed=0)
    model.compile(RMSprop())
    return model


def test_the_hooks_run_in_keras_order(data):
    recorder, model = Recorder(), compiled()
    history = model.fit(*data, batch_size=4, epochs=3, initial_epoch=1, verbose=0,
                        validation_split=0.2, callbacks=[recorder])
    assert recorder.model is model and history.epoch == [1, 2]
    per_epoch = lambda e: [("epoch_begin", e)] + [c for b in range(2) for c in (
        ("batch_begin", b), ("batch_end", b, ["loss"]))] + [("epoch_end", e, ["loss", "val_loss"])]
    assert recorder.calls == ([("train_begin", True)] + per_epoch(1) + per_epoch(2)
                              + [("train_end", ["loss", "val_loss"])])


def test_plain_functions_still_run_at_each_epoch_end(data):
    model, seen = compiled(), []
    history = model.fit(*data, batch_size=4, epochs=2, verbose=0,
                        callbacks=[lambda epoch, logs, m: seen.append((epoch, dict(logs), m))])
    assert [(e, logs["loss"]) for e, logs, _ in seen] == list(enumerate(history.history["loss"]))
    assert all(m is model for *_, m in seen)


def test_a_callback_that_is_neither_is_refused_before_training(data):
    model = compiled()
    weights = model.get_weights()
    with pytest.raises(TypeError, match="callbacks must be Callback objects or functions .* received int"):
        model.fit(*data, epochs=1, verbose=0, callbacks=[3])
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), weights))
