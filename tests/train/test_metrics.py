"""``compile(metrics=["accuracy"])``: Keras's per-step accuracy, counted as Keras counts it
(every padded step without a mask, the real steps with one, the real steps of a bucketed
batch), reported by fit (accuracy, val_accuracy), evaluate and the progress line. The
numbers against Keras's own are in test_parity_metrics.py; here, against the definition."""
import numpy as np
import pytest

from npseq2seq import SGD, Seq2Seq
from npseq2seq.callbacks import EarlyStopping
from npseq2seq.text import words
from tests.gradutil import random_batch
from tests.train.test_bucketing import random_model


def _char_model(rng, zero_pad):
    x_enc, x_dec, y = random_batch(rng, 12, 4, 5, 4, 6, zero_pad=zero_pad)
    model = Seq2Seq(4, 6, 3, dtype="float64", seed=1)
    model.set_weights([rng.normal(size=w.shape) for w in model.params])
    model.compile(SGD(learning_rate=0.5), metrics=["accuracy"])
    return model, [x_enc, x_dec], y


@pytest.mark.parametrize("zero_pad", [False, True])
def test_every_step_counts_without_a_mask(zero_pad):
    model, x, y = _char_model(np.random.default_rng(0), zero_pad)
    right = model.predict(x).argmax(-1) == y.argmax(-1)        # an all-zero row's target is token 0
    logs = model.evaluate(x, y, batch_size=5, return_dict=True)
    assert logs["accuracy"] == pytest.approx(right.mean(), abs=1e-15)
    assert model.evaluate(x, y, batch_size=5) == [logs["loss"], logs["accuracy"]]
    if zero_pad:   # the padded rows are steps of their own: some right, some wrong
        padded = y.sum(-1) == 0
        assert padded.any() and right[padded].any() and not right[padded].all()


def test_a_mask_counts_the_real_steps_only():
    rng = np.random.default_rng(1)
    model, enc, dec, y = random_model(rng, "lstm", "word", n=9, mask_zero=True)
    model.compile(SGD(), "sparse_categorical_crossentropy", metrics=["accuracy"])
    real = y != words.PAD
    right = model.predict([enc, dec]).argmax(-1) == y
    accuracy = model.evaluate([enc, dec], y, batch_size=4, return_dict=True)["accuracy"]
    assert accuracy == pytest.approx(right[real].mean(), abs=1e-15)
    assert accuracy != pytest.approx(right.mean(), abs=1e-6)


@pytest.mark.parametrize("bucket", [False, True])
def test_an_epoch_reports_its_pre_update_accuracy(bucket):
    rng = np.random.default_rng(2)
    model, enc, dec, y = random_model(rng, "gru", "char", n=8)
    model.compile(SGD(learning_rate=0.5), "sparse_categorical_crossentropy", metrics=["acc"])
    right = model.predict([enc, dec]).argmax(-1) == np.maximum(y, 0)
    expected = right[y != -1].mean() if bucket else right.mean()
    history = model.fit([enc, dec], y, batch_size=8, epochs=2, verbose=0, shuffle=False,
                        validation_data=([enc, dec], y), bucket_by_length=bucket)
    assert sorted(history.history) == ["acc", "loss", "val_acc", "val_loss"]
    assert history.history["acc"][0] == pytest.approx(expected, abs=1e-15)   # one batch: before its step
    # validation sees the end-of-epoch weights: epoch 1's val_acc is epoch 2's (one-batch) acc
    assert history.history["val_acc"][0] == pytest.approx(history.history["acc"][1], abs=1e-15)


def test_the_progress_line_shows_the_metrics(capsys):
    model, x, y = _char_model(np.random.default_rng(3), False)
    model.fit(x, y, batch_size=6, epochs=1, validation_split=0.5, verbose=2)
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert " - loss: " in line and " - accuracy: " in line and " - val_accuracy: " in line


@pytest.mark.parametrize("metrics, error, message", [
    ("accuracy", ValueError, "metrics must be a list"),
    (["accuracy", "top_k"], ValueError, "'accuracy' \\(or 'acc'\\), received 'top_k'"),
    (["acc", "acc"], ValueError, "each metric once"),
])
def test_compile_refuses_other_metrics(metrics, error, message):
    model, _, _ = _char_model(np.random.default_rng(4), False)
    optimizer = model.optimizer
    with pytest.raises(error, match=message):
        model.compile(SGD(), metrics=metrics)
    assert model.optimizer is optimizer   # nothing changed


def test_early_stopping_reads_the_direction_of_a_compiled_metric():
    model, x, y = _char_model(np.random.default_rng(5), False)
    stop = EarlyStopping(monitor="val_accuracy", patience=100)
    model.fit(x, y, batch_size=6, epochs=1, validation_split=0.5, verbose=0, callbacks=[stop])
    assert stop.min_delta == 0 and stop.monitor_op(2, 1)   # accuracy: higher is better
    model.compile(SGD())                                   # no metrics: Keras cannot tell either
    with pytest.raises(ValueError, match="monitor=val_accuracy.*mode='max'"):
        model.fit(x, y, epochs=1, validation_split=0.5, verbose=0, callbacks=[EarlyStopping("val_accuracy")])


def test_a_model_file_keeps_the_compiled_metrics(tmp_path):
    from npseq2seq import load_model
    from npseq2seq.io import save_model

    model, x, y = _char_model(np.random.default_rng(6), False)
    save_model(model, tmp_path / "m.npz", optimizer=True)
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.evaluate(x, y) == model.evaluate(x, y) and len(loaded.evaluate(x, y)) == 2
    model.compile(SGD())
    save_model(model, tmp_path / "plain.npz", optimizer=True)
    assert isinstance(load_model(tmp_path / "plain.npz").evaluate(x, y), float)
