"""The row split of the recurrent steps' elementwise work (``threads.py``) changes no bit:
losses, gradients and weights after training steps are byte for byte those of one thread,
for every cell path (LSTM, GRU with and without reset_after, recurrent dropout, masks,
packed batches, attention, stacked and bidirectional) and for batch sizes that do not
halve evenly, including 1. The split is forced onto these tiny arrays by setting
``MIN_ELEMENTS`` to 1, and each run checks that the worker thread really took rows.
These steps call ``_loss_and_grads`` directly, which splits rows only; ``fit`` and
``train_on_batch`` with two threads train in batch halves instead (``train/halves.py``),
within rounding of one thread, not bit for bit (``tests/train/test_halves.py``)."""
import numpy as np
import pytest

from npseq2seq import RMSprop, Seq2Seq, threads

KINDS = {
    "lstm": dict(),
    "gru": dict(cell="gru"),
    "gru_reset_before": dict(cell="gru", reset_after=False),
    "lstm_recurrent_dropout": dict(recurrent_dropout=0.3, dropout=0.2),
    "gru_reset_before_recurrent_dropout": dict(cell="gru", reset_after=False, recurrent_dropout=0.3),
    "gru_recurrent_dropout": dict(cell="gru", recurrent_dropout=0.3),
    "word_mask_zero": dict(level="word", mask_zero=True),
    "attention_stacked_bidirectional": dict(attention="luong", num_layers=2, bidirectional=True),
    "gru_input_feeding": dict(cell="gru", attention="luong_general", input_feeding=True),
    "bahdanau": dict(attention="bahdanau"),
    "hard_sigmoid_no_teacher_forcing": dict(recurrent_activation="hard_sigmoid", teacher_forcing=False),
}


def _data(rng, n, te=5, td=6, v_enc=7, v_dec=8, zeros=False):
    enc = rng.integers(1 if zeros else 0, v_enc, (n, te))
    dec = rng.integers(1 if zeros else 0, v_dec, (n, td))
    if zeros:                       # ragged: trailing padding (token 0) for mask_zero
        for k in range(n):
            enc[k, rng.integers(1, te + 1):] = 0
            dec[k, rng.integers(1, td + 1):] = 0
    return enc, dec, np.roll(dec, -1, axis=1)


def _train(kwargs, n, num_threads):
    """Three training steps from one seed → (losses, the last step's gradients, the weights)."""
    threads.set_num_threads(num_threads)
    rng = np.random.default_rng(5)
    model = Seq2Seq(7, 8, latent_dim=6, seed=3, **kwargs)
    model.compile(optimizer=RMSprop(), loss="sparse_categorical_crossentropy")
    # randomised biases, so that no gate starts at a symmetric value
    model.set_weights([w + rng.normal(0, 0.3, w.shape).astype(w.dtype) for w in model.get_weights()])
    losses, grads = [], None
    for step in range(3):
        enc, dec, y = _data(rng, n, zeros=kwargs.get("mask_zero", False))
        if not model.teacher_forcing:
            dec = dec[:, :1]
        batch = model._batch([enc, dec], y)
        drop_rng = np.random.default_rng(step)
        loss, grads, _ = model._loss_and_grads(batch, training=True, rng=drop_rng)
        losses.append(loss)
        model._apply_gradients(grads)
    return losses, [np.asarray(getattr(g, "rows", g)) for g in grads], model.get_weights()


@pytest.fixture
def split_everything(monkeypatch):
    """Split even the tiny arrays, and count the calls the worker ran."""
    monkeypatch.setattr(threads, "MIN_ELEMENTS", 1)
    ran = []

    def counting(self):
        while True:
            fn, args = self.tasks.get()
            ran.append(len(args[0]))
            try:
                fn(*args)
                self.done.put(None)
            except BaseException as err:
                self.done.put(err)
    monkeypatch.setattr(threads._Worker, "_run", counting)
    monkeypatch.setattr(threads, "_pool", threads._Pool(1))
    yield ran
    threads.set_num_threads(1)


def _assert_same_bits(a, b):
    (loss_a, grads_a, weights_a), (loss_b, grads_b, weights_b) = a, b
    assert [float.hex(x) for x in loss_a] == [float.hex(x) for x in loss_b]
    for x, y in zip(grads_a + weights_a, grads_b + weights_b):
        assert x.dtype == y.dtype and x.shape == y.shape
        assert x.tobytes() == y.tobytes()


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("n", [1, 7])
def test_split_rows_keeps_every_bit(split_everything, kind, n):
    one = _train(KINDS[kind], n, 1)
    assert not split_everything                    # one thread: the worker never runs
    two = _train(KINDS[kind], n, 2)
    if n > 1:
        assert split_everything                    # the worker really took rows
    _assert_same_bits(one, two)


@pytest.mark.parametrize("n", [5, 8])
def test_three_threads_and_float64(split_everything, n):
    kwargs = dict(cell="gru", dtype="float64")
    _assert_same_bits(_train(kwargs, n, 1), _train(kwargs, n, 3))
    assert split_everything


def test_errors_in_the_worker_reach_the_caller(split_everything):
    threads.set_num_threads(2)

    def fails_on_late_rows(a):
        if a[0, 0] >= 4:
            raise ZeroDivisionError("late rows")
    with pytest.raises(ZeroDivisionError, match="late rows"):
        threads.split_rows(fails_on_late_rows, np.arange(16.0).reshape(8, 2))
    out = np.zeros((8, 2))
    threads.split_rows(lambda a: a.fill(1.0), out)  # the pool still works afterwards
    assert (out == 1.0).all()


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_bad_thread_counts_are_refused(bad):
    with pytest.raises((ValueError, TypeError), match="threads must be a positive integer"):
        threads.set_num_threads(bad)


def test_small_arrays_run_whole(monkeypatch):
    """Below MIN_ELEMENTS a thread a call runs in the caller alone (decoding one sentence)."""
    monkeypatch.setattr(threads, "_pool", threads._Pool(2))
    seen = []
    threads.split_rows(lambda a: seen.append(a.shape), np.zeros((1, 1024), np.float32))
    assert seen == [(1, 1024)]
    seen.clear()
    threads.split_rows(lambda a: seen.append(a.shape), np.zeros((64, 1024), np.float32))
    assert sorted(seen) == [(32, 1024), (32, 1024)]
    seen.clear()
    threads.split_rows(lambda a: seen.append(a.shape), np.zeros((0, 1024), np.float32))
    assert seen == [(0, 1024)]                      # no rows (a packed step with none running)


def test_the_environment_variable_sets_the_default():
    import os
    import subprocess
    import sys
    code = "import npseq2seq; print(npseq2seq.get_num_threads())"
    env = {k: v for k, v in os.environ.items() if k != "NPSEQ2SEQ_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "1"                # the default: one thread (measured, threads.py)
    env["NPSEQ2SEQ_THREADS"] = "2"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "2"
    env["NPSEQ2SEQ_THREADS"] = "two"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode != 0 and "NPSEQ2SEQ_THREADS must be a positive integer, received 'two'" in out.stderr
