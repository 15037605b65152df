"""fit's callbacks: Keras's hooks in Keras's order, the older plain-function form, History."""
import re

import numpy as np
import pytest

from npseq2seq import Callback, History, RMSprop, Seq2Seq
from npseq2seq import callbacks as cb
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


# --- Keras's decisions inside a real fit (the decisions themselves against Keras's:
# test_parity_callbacks.py) ---------------------------------------------------------------

class StopAt(Callback):
    """Sets model.stop_training at one batch of one epoch (or at an epoch's end)."""

    def __init__(self, epoch, batch=None):
        super().__init__()
        self.epoch, self.batch, self.batches = epoch, batch, []

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_end(self, batch, logs=None):
        self.batches.append((self.current, batch))
        if self.current == self.epoch and batch == self.batch:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch and self.batch is None:
            self.model.stop_training = True


@pytest.mark.parametrize("batch", [None, 0])
def test_stop_training_ends_fit_after_the_batch_or_epoch_as_keras(data, batch):
    model, stop = compiled(), StopAt(1, batch)
    history = model.fit(*data, batch_size=4, epochs=5, verbose=0, validation_split=0.2, callbacks=[stop])
    assert history.epoch == [0, 1]                       # epoch 1 still ends: logs, validation, hooks
    assert "val_loss" in history.history and len(history.history["val_loss"]) == 2
    assert stop.batches == [(0, 0), (0, 1), (1, 0)] + ([(1, 1)] if batch is None else [])
    model.fit(*data, batch_size=4, epochs=1, verbose=0)  # the next fit starts afresh, as Keras's
    assert model.stop_training is False


def test_history_comes_last_and_records_the_learning_rate(data):
    from npseq2seq.callbacks import ReduceLROnPlateau

    model = compiled()
    seen = []
    history = model.fit(*data, batch_size=4, epochs=3, verbose=0, callbacks=[
        lambda epoch, logs, m: seen.append(sorted(logs)),
        ReduceLROnPlateau(monitor="loss", patience=0, min_delta=10.0, factor=0.5)])
    assert model.history is history
    # each epoch's logs hold the rate it trained with, as Keras's float32 variable holds it;
    # no improvement of 10 after the first epoch
    f32 = lambda rates: [float(np.float32(r)) for r in rates]
    assert history.history["learning_rate"] == f32([0.001, 0.001, 0.0005])
    assert f32([model.optimizer.learning_rate]) == f32([0.00025])
    assert seen == [["loss"]] * 3   # the function ran before ReduceLROnPlateau wrote the rate


def _nan_at(model, bad_step):
    """Make the ``bad_step``-th training batch's loss NaN (its forward pass otherwise real)."""
    real, steps = model._loss_and_grads, []

    def patched(batch, with_grads=True, embedding_rows=False, metrics=(), training=False):
        loss, grads, weight = real(batch, with_grads, embedding_rows, metrics, training)
        if with_grads:
            steps.append(len(steps))
            if steps[-1] == bad_step:
                return float("nan"), grads, weight
        return loss, grads, weight
    model._loss_and_grads = patched


def test_a_nan_loss_raises_unless_terminate_on_nan_stops_the_run(data):
    from npseq2seq.callbacks import TerminateOnNaN

    model = compiled()
    _nan_at(model, 3)
    with pytest.raises(FloatingPointError, match="epoch 2, batch 1: loss became nan; weights left as"):
        model.fit(*data, batch_size=4, epochs=3, verbose=0, shuffle=False)
    model = compiled()
    _nan_at(model, 3)
    history = model.fit(*data, batch_size=4, epochs=3, verbose=0, shuffle=False, callbacks=[TerminateOnNaN()])
    assert history.epoch == [0, 1] and np.isnan(history.history["loss"][1])
    # the NaN step was not applied: the weights are those after epoch 1, where Keras's are NaN
    replay = compiled()
    replay.fit(*data, batch_size=4, epochs=1, verbose=0, shuffle=False)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), replay.get_weights()))


def test_early_stopping_restores_the_best_epochs_weights(data):
    from npseq2seq.callbacks import EarlyStopping

    model, weights = compiled(), []
    model.compile(RMSprop(learning_rate=0.3))   # big steps: the validation loss goes up and down
    stop = EarlyStopping(patience=2, restore_best_weights=True)
    history = model.fit(*data, batch_size=4, epochs=12, verbose=0, validation_split=0.3,
                        callbacks=[lambda epoch, logs, m: weights.append(m.get_weights()), stop])
    best = int(np.argmin(history.history["val_loss"]))
    assert best == stop.best_epoch and best < history.epoch[-1]
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), weights[best]))


def test_model_checkpoint_writes_the_best_model_atomically(data, tmp_path):
    from npseq2seq import load_model
    from npseq2seq.callbacks import ModelCheckpoint

    model, weights = compiled(), []
    model.compile(RMSprop(learning_rate=0.3))
    history = model.fit(*data, batch_size=4, epochs=6, verbose=0, validation_split=0.3, callbacks=[
        lambda epoch, logs, m: weights.append(m.get_weights()),
        ModelCheckpoint(tmp_path / "best.npz", save_best_only=True)])
    saved = load_model(tmp_path / "best.npz")
    best = int(np.argmin(history.history["val_loss"]))
    assert all(np.array_equal(a, b) for a, b in zip(saved.get_weights(), weights[best]))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.npz"]   # no temporary file left
    with pytest.raises(ValueError, match="must end in `.npz`"):
        ModelCheckpoint(tmp_path / "best.keras")


def test_csv_logger_and_scheduler_in_a_real_fit(data, tmp_path):
    from npseq2seq.callbacks import CSVLogger, LearningRateScheduler

    model = compiled()
    history = model.fit(*data, batch_size=4, epochs=3, verbose=0, validation_split=0.2, callbacks=[
        LearningRateScheduler(lambda epoch, lr: lr / 2 if epoch else lr), CSVLogger(tmp_path / "log.csv")])
    rows = (tmp_path / "log.csv").read_text().splitlines()
    assert rows[0] == "epoch,learning_rate,loss,val_loss"
    assert [float(r.split(",")[2]) for r in rows[1:]] == history.history["loss"]
    assert history.history["learning_rate"] == [float(np.float32(r)) for r in (0.001, 0.0005, 0.00025)]


class EvaluationHooks(Callback):
    """Records the evaluate/predict hooks and fit's params."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def on_test_begin(self, logs=None):
        self.calls.append("test_begin")

    def on_test_batch_end(self, batch, logs=None):
        self.calls.append(("test_batch", batch, sorted(logs)))

    def on_test_end(self, logs=None):
        self.calls.append(("test_end", sorted(logs)))

    def on_predict_begin(self, logs=None):
        self.calls.append("predict_begin")

    def on_predict_batch_end(self, batch, logs=None):
        self.calls.append(("predict_batch", batch, logs["outputs"].shape))

    def on_predict_end(self, logs=None):
        self.calls.append("predict_end")


def test_validation_evaluate_and_predict_run_keras_test_and_predict_hooks(data):
    model, hooks = compiled(), EvaluationHooks()
    model.fit(*data, batch_size=4, epochs=1, verbose=0, validation_split=0.5, callbacks=[hooks])
    assert hooks.params == {"verbose": 0, "epochs": 1, "steps": 2}
    # fit's validation is an evaluate on the same callbacks, as in Keras: 5 samples, 2 batches
    assert hooks.calls == ["test_begin", ("test_batch", 0, ["loss"]), ("test_batch", 1, ["loss"]),
                           ("test_end", ["loss"])]
    hooks.calls = []
    model.evaluate(*data, batch_size=8, callbacks=[hooks])
    model.predict(data[0], batch_size=8, callbacks=[hooks])
    assert hooks.calls == ["test_begin", ("test_batch", 0, ["loss"]), ("test_batch", 1, ["loss"]),
                           ("test_end", ["loss"]), "predict_begin", ("predict_batch", 0, (8, 3, 5)),
                           ("predict_batch", 1, (2, 3, 5)), "predict_end"]


def test_a_history_passed_in_is_the_one_fit_fills_and_returns(data):
    model, history = compiled(), History()
    assert model.fit(*data, epochs=2, verbose=0, callbacks=[history]) is history
    model.fit(*data, epochs=1, verbose=0, callbacks=[history])
    assert history.epoch == [0] and len(history.history["loss"]) == 3   # as Keras's History


@pytest.mark.parametrize("make, message", [
    (lambda: cb.EarlyStopping(patience=-1),
     "EarlyStopping patience must be a non-negative integer, received -1"),
    (lambda: cb.EarlyStopping(baseline="0.5"),
     "EarlyStopping baseline must be a finite number, received '0.5'"),
    (lambda: cb.EarlyStopping(monitor=None),
     "EarlyStopping: monitor must be the name of a logged quantity"),
    (lambda: cb.ReduceLROnPlateau(cooldown=1.5),
     "ReduceLROnPlateau cooldown must be a non-negative integer, received 1.5"),
    (lambda: cb.ReduceLROnPlateau(factor=1.0),
     "does not support a factor >= 1.0"),
    (lambda: cb.ReduceLROnPlateau(min_delta=float("nan")),
     "ReduceLROnPlateau min_delta must be a finite number, received nan"),
    (lambda: cb.ModelCheckpoint("m.npz", save_freq="batch"),
     "Unrecognized save_freq: batch"),
])
def test_bad_callback_arguments_are_refused_when_made(make, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make()
