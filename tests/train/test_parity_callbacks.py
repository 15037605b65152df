"""Keras's callbacks and npseq2seq's, driven with the same sequence of logs, make the same
decisions: the epoch EarlyStopping stops at and the weights it restores, ReduceLROnPlateau's
and LearningRateScheduler's learning-rate traces (in the logs and in the optimizer),
the epochs and batches ModelCheckpoint saves at, CSVLogger's bytes, TerminateOnNaN's stop.

The logs are random walks with plateaus and ties (values on a coarse grid, some nudged
by less than float32 resolves), so that min_delta, patience, cooldown, baseline and
start_from_epoch all decide somewhere, and Keras's float32 comparisons of Python floats
(``MonitorCallback``) with them. Each
side's model is a real model (Keras: a one-Dense model; npseq2seq: a tiny Seq2Seq) whose
weights are set to a distinct array per epoch, so the restored weights name their epoch.
"""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

from npseq2seq import Seq2Seq
from npseq2seq import callbacks as np_callbacks
from npseq2seq.optimizers import SGD, RMSprop

pytestmark = pytest.mark.parity

EPOCHS = 12


def _walk(rng, key="val_loss", epochs=EPOCHS):
    """Per-epoch logs whose ``key`` wanders on a 0.05 grid (plateaus and exact ties), some
    values moved by 1e-9 (a difference float32 does not see), as Python floats (what a
    real fit logs) or as NumPy float64 scalars (which Keras compares in float64)."""
    value, logs = 1.0, []
    kind = float if rng.random() < 0.5 else np.float64
    for _ in range(epochs):
        value = max(0.05, value + 0.05 * rng.integers(-2, 2))
        nudge = rng.choice([0.0, 0.0, 1e-9, -1e-9])
        logs.append({"loss": kind(round(value + 0.1, 2)), key: kind(round(value, 2) + nudge)})
    return logs


class Side:
    """One library's model, with a weight list per epoch (epoch k's arrays are all k)."""

    def __init__(self, model, optimizer_lr):
        self.model, self.lr = model, optimizer_lr
        shapes = [w.shape for w in model.get_weights()]
        self.per_epoch = [[np.full(s, float(k)) for s in shapes] for k in range(EPOCHS)]

    def epoch_of_weights(self) -> int:
        return int(round(float(np.asarray(self.model.get_weights()[0]).flat[0])))


def _keras_side(keras, lr):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    return Side(model, lambda: float(model.optimizer.learning_rate))


def _np_side(dtype, lr):
    model = Seq2Seq(3, 3, 2, dtype=dtype, seed=0)
    model.compile(SGD(learning_rate=lr))
    return Side(model, lambda: float(np.asarray(model.optimizer.learning_rate, dtype)))


def drive(side: Side, callback, logs_seq, batches: int = 0):
    """fit's calls, as Keras's fit makes them, with ``logs_seq`` as each epoch's logs →
    [(epoch, logs after the callback, the optimizer's rate, stop_training)]."""
    model, trace = side.model, []
    callback.set_model(model)
    model.stop_training = False
    callback.on_train_begin()
    logs = None
    for epoch, epoch_logs in enumerate(logs_seq):
        callback.on_epoch_begin(epoch)
        model.set_weights(side.per_epoch[epoch])
        for b in range(batches):
            callback.on_train_batch_begin(b)
            callback.on_train_batch_end(b, {"loss": epoch_logs["loss"]})
        logs = dict(epoch_logs)
        callback.on_epoch_end(epoch, logs)
        trace.append((epoch, logs, side.lr(), bool(model.stop_training)))
        if model.stop_training:
            break
    callback.on_train_end(logs)
    return trace


def _both(keras, dtype, make, logs_seq, lr=0.1, batches=0):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # "metric not available" warnings, on both sides alike
        k_side, n_side = _keras_side(keras, lr), _np_side(dtype, lr)
        k_trace = drive(k_side, make(keras.callbacks), logs_seq, batches)
        n_trace = drive(n_side, make(np_callbacks), logs_seq, batches)
    return (k_side, k_trace), (n_side, n_trace)


EARLY_STOPPING = [dict(patience=p, min_delta=d, mode=m, baseline=b, start_from_epoch=s, restore_best_weights=r)
                  for p, d, m, b, s, r in itertools.product(
                      [0, 1, 3], [0, 0.05], ["auto", "min"], [None, 0.9], [0, 2], [False, True])]


@pytest.mark.parametrize("seed", range(3))
def test_early_stopping_stops_and_restores_as_keras(keras, keras_floatx, seed):
    rng = np.random.default_rng(seed)
    for kwargs in EARLY_STOPPING:
        logs_seq = _walk(rng)
        (k, k_trace), (n, n_trace) = _both(keras, keras_floatx,
                                           lambda lib: lib.EarlyStopping(**kwargs), logs_seq)
        assert [t[3] for t in n_trace] == [t[3] for t in k_trace], (kwargs, logs_seq)
        assert n.epoch_of_weights() == k.epoch_of_weights(), (kwargs, logs_seq)


@pytest.mark.parametrize("monitor, mode", [("val_accuracy", "max"), ("loss", "auto"), ("missing", "min")])
def test_early_stopping_other_monitors_as_keras(keras, keras_floatx, monitor, mode):
    rng = np.random.default_rng(7)
    for patience, restore in itertools.product([0, 2], [False, True]):
        logs_seq = _walk(rng, key="val_accuracy")
        make = lambda lib: lib.EarlyStopping(monitor=monitor, mode=mode, patience=patience,
                                             restore_best_weights=restore)
        (k, k_trace), (n, n_trace) = _both(keras, keras_floatx, make, logs_seq)
        assert [t[3] for t in n_trace] == [t[3] for t in k_trace]
        assert n.epoch_of_weights() == k.epoch_of_weights()


REDUCE_LR = [dict(factor=f, patience=p, min_delta=d, cooldown=c, min_lr=m)
             for f, p, d, c, m in itertools.product([0.5, 0.1], [0, 1, 2], [1e-4, 0.05], [0, 2], [0.0, 0.004])]


@pytest.mark.parametrize("seed", range(2))
def test_reduce_lr_on_plateau_traces_the_rate_as_keras(keras, keras_floatx, seed):
    rng = np.random.default_rng(100 + seed)
    for kwargs in REDUCE_LR:
        logs_seq = _walk(rng)
        (_, k_trace), (_, n_trace) = _both(keras, keras_floatx,
                                           lambda lib: lib.ReduceLROnPlateau(**kwargs), logs_seq)
        # the rate each epoch's logs record, and the optimizer's rate after each epoch: bit for bit
        assert [(t[1], t[2]) for t in n_trace] == [(t[1], t[2]) for t in k_trace], kwargs


@pytest.mark.parametrize("schedule", [
    lambda epoch, lr: lr if epoch < 3 else lr * 0.7,
    lambda epoch: 0.1 / (1 + epoch),
    lambda epoch, lr: float(np.float32(lr * 0.9)),
    np_callbacks.StepDecay(0.1, decay_from=4, factor=0.5),
], ids=["decay-after-3", "one-argument", "float32-valued", "step-decay"])
def test_learning_rate_scheduler_as_keras(keras, keras_floatx, schedule):
    logs_seq = _walk(np.random.default_rng(3))
    (_, k_trace), (_, n_trace) = _both(keras, keras_floatx,
                                       lambda lib: lib.LearningRateScheduler(schedule), logs_seq)
    assert [(t[1], t[2]) for t in n_trace] == [(t[1], t[2]) for t in k_trace]
    assert len({t[1]["learning_rate"] for t in n_trace}) > 1   # the rate did change


def test_learning_rate_scheduler_refuses_what_keras_refuses(keras, keras_floatx):
    for lib in (keras.callbacks, np_callbacks):
        with pytest.raises(ValueError, match="should be a float"):
            drive(_np_side(keras_floatx, 0.1) if lib is np_callbacks else _keras_side(keras, 0.1),
                  lib.LearningRateScheduler(lambda epoch: 1), _walk(np.random.default_rng(0)))


@pytest.mark.parametrize("kwargs", [
    dict(), dict(save_best_only=True), dict(save_best_only=True, mode="max", monitor="val_accuracy"),
    dict(save_best_only=True, initial_value_threshold=0.8), dict(save_freq=3), dict(save_freq=2, save_best_only=True),
], ids=["every-epoch", "best", "best-max", "threshold", "every-3-batches", "best-every-2-batches"])
def test_model_checkpoint_saves_the_epochs_keras_saves(keras, keras_floatx, kwargs, tmp_path):
    logs_seq = [dict(logs, val_accuracy=1 - logs["val_loss"]) for logs in _walk(np.random.default_rng(5))]
    pattern = "m-{epoch:02d}" + ("-{batch}" if "save_freq" in kwargs else "")
    (tmp_path / "k").mkdir()
    (tmp_path / "n").mkdir()
    _both(keras, keras_floatx, lambda lib: lib.ModelCheckpoint(
        str(tmp_path / ("k" if lib is keras.callbacks else "n") / pattern)
        + (".keras" if lib is keras.callbacks else ".npz"), **kwargs), logs_seq, batches=4)
    saved = lambda d: sorted(p.stem for p in (tmp_path / d).iterdir())
    assert saved("n") == saved("k") and saved("k")
    # and a saved file is a model file npseq2seq reads back
    from npseq2seq import load_model
    assert load_model(next((tmp_path / "n").iterdir())).count_params() > 0


@pytest.mark.parametrize("separator, append", [(",", False), (";", True)])
def test_csv_logger_writes_keras_bytes(keras, keras_floatx, tmp_path, separator, append):
    first = [{"loss": 0.5, "accuracy": 0.25}, {"loss": 0.4, "accuracy": np.float64(0.5)}]
    second = [{"loss": 0.3, "val_loss": 0.7, "accuracy": 0.75}]   # a later fit: columns already fixed
    for lib, name in ((keras.callbacks, "k.csv"), (np_callbacks, "n.csv")):
        side = _keras_side(keras, 0.1) if lib is keras.callbacks else _np_side(keras_floatx, 0.1)
        for logs_seq in (first, second):
            drive(side, lib.CSVLogger(tmp_path / name, separator=separator, append=append), logs_seq)
    assert (tmp_path / "n.csv").read_bytes() == (tmp_path / "k.csv").read_bytes()


def test_terminate_on_nan_stops_where_keras_stops(keras, keras_floatx):
    for bad in (float("nan"), float("inf")):
        traces = []
        for lib in (keras.callbacks, np_callbacks):
            side = _keras_side(keras, 0.1) if lib is keras.callbacks else _np_side(keras_floatx, 0.1)
            cb = lib.TerminateOnNaN()
            cb.set_model(side.model)
            side.model.stop_training = False
            stops = []
            for b, loss in enumerate([0.5, 0.4, bad, 0.3]):
                cb.on_train_batch_end(b, {"loss": loss})
                stops.append(bool(side.model.stop_training))
            traces.append(stops)
            with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 2"):
                lib.TerminateOnNaN(raise_error=True).on_train_batch_end(2, {"loss": bad})
        assert traces[0] == traces[1] == [False, False, True, True]


def test_a_real_fit_with_keras_callbacks_ends_as_keras(keras, record):
    """Side by side from the same weights (float64, shuffle=False): EarlyStopping with
    restore_best_weights and ReduceLROnPlateau stop at the same epoch, trace the same
    learning rates and end with the same weights, in a real fit of the tutorial's model."""
    from reference import build_training_model, floatx
    from reference.bridge import to_keras
    from reference.testing import max_abs_diff, random_batch, randomise_biases
    from reference.tolerances import tol

    with floatx("float64"):
        x, y = random_batch(np.random.default_rng(9), 40, 5, 6, 7, 8, "space", "float64")
        nm = Seq2Seq(7, 8, 12, dtype="float64", seed=0)
        randomise_biases(nm)
        km = build_training_model(7, 8, 12, compile=False)
        to_keras(nm, km)
        nm.compile(RMSprop(learning_rate=0.05), metrics=["accuracy"])
        km.compile(keras.optimizers.RMSprop(learning_rate=0.05), loss="categorical_crossentropy",
                   metrics=["accuracy"])
        fits = {}
        for lib, model in ((keras.callbacks, km), (np_callbacks, nm)):
            fits[lib] = [lib.ReduceLROnPlateau(factor=0.5, patience=0, min_delta=0.01),
                         lib.EarlyStopping(monitor="val_accuracy", patience=5, restore_best_weights=True)]
        k_hist = km.fit(x, y, batch_size=10, epochs=30, validation_split=0.25, shuffle=False, verbose=0,
                        callbacks=fits[keras.callbacks]).history
        n_hist = nm.fit(x, y, batch_size=10, epochs=30, validation_split=0.25, shuffle=False, verbose=0,
                        callbacks=fits[np_callbacks]).history
    assert sorted(n_hist) == sorted(k_hist) and "learning_rate" in n_hist
    assert len(n_hist["loss"]) == len(k_hist["loss"]) < 30                 # the same early stop
    assert n_hist["learning_rate"] == k_hist["learning_rate"]              # the same reductions
    assert len(set(n_hist["learning_rate"])) > 1
    assert fits[np_callbacks][1].best_epoch == fits[keras.callbacks][1].best_epoch
    diff = max(max(abs(a - b) for a, b in zip(n_hist[k], k_hist[k])) for k in n_hist)
    wdiff = max_abs_diff(nm.get_weights(), km.get_weights())              # the restored weights
    record("fit with EarlyStopping + ReduceLROnPlateau: history, restored weights", "float64", max(diff, wdiff))
    assert diff <= tol("float64", "history") and wdiff <= tol("float64", "weights_20_steps")


