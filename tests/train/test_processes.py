"""``fit`` with two threads runs its batches' blocks in worker processes
(``train/processes.py``): the same bits as the same blocks in threads (``halves.py``, whose
tests bound them against the whole batch), on every model kind tried, padded and packed,
with dropout, float32 and float64, two and three blocks, validation batches included; the
workers really compute their blocks; weights changed between batches (a callback's) reach them; a worker's error or death
ends ``fit`` with an error naming it; and no worker outlives ``fit``, however it ends.

Skipped off Linux (``processes.available()``): there ``fit`` runs the blocks in threads,
which ``test_halves.py`` checks."""
import multiprocessing
import os

import numpy as np
import pytest

from npseq2seq import threads
from npseq2seq.train import Callback, halves, processes
from tests.train.test_halves import random_data, random_model

pytestmark = pytest.mark.skipif(not processes.available(), reason="worker processes on Linux only")


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks even for tiny batches (``MIN_ROWS`` 2); one thread again afterwards."""
    monkeypatch.setattr(halves, "MIN_ROWS", 2)
    yield
    threads.set_num_threads(1)


def fit(kind, num_threads, in_processes, bucket=False, dtype="float64", callbacks=None, **extra):
    processes.ENABLED = in_processes
    try:
        threads.set_num_threads(num_threads)
        model = random_model(kind, dtype=dtype, **extra)
        enc, dec, y = random_data(model, 24)
        history = model.fit([enc, dec], y, batch_size=8, epochs=2, verbose=0, bucket_by_length=bucket,
                            callbacks=callbacks)
    finally:
        processes.ENABLED = True
        threads.set_num_threads(1)
    return history.history, model.get_weights()


def assert_same_bits(a, b):
    assert a[0] == b[0]                                             # every epoch's logs
    assert all(x.dtype == y.dtype and x.tobytes() == y.tobytes() for x, y in zip(a[1], b[1]))


CASES = [("lstm", False, "float64", {}),
         ("gru", True, "float32", {}),
         ("word_mask_zero", True, "float64", {}),
         ("bahdanau", True, "float64", dict(dropout=0.2, recurrent_dropout=0.3)),
         ("gru_luong_general_input_feeding", False, "float32", dict(dropout=0.2, recurrent_dropout=0.3)),
         ("stacked_bidirectional_luong_word", True, "float64", {}),
         ("no_teacher_forcing", False, "float64", {})]


@pytest.mark.parametrize("kind, bucket, dtype, extra", CASES)
def test_processes_give_the_threads_bits(small_blocks, monkeypatch, kind, bucket, dtype, extra):
    """Every epoch's loss and accuracy and every weight after two epochs, bit for bit; and
    this process computed one block a step, so the other came from the worker."""
    in_threads = fit(kind, 2, False, bucket, dtype, **extra)
    here, real = [], halves.block

    def counting(*args):
        here.append(os.getpid())
        return real(*args)
    monkeypatch.setattr(halves, "block", counting)        # (the fork copies it: workers count in theirs)
    in_processes = fit(kind, 2, True, bucket, dtype, **extra)
    assert_same_bits(in_processes, in_threads)
    steps = 2 * 3                                         # 2 epochs of 24 samples in batches of 8
    assert here == [os.getpid()] * steps, "this process must compute exactly one block a step"


def test_validation_in_processes_gives_the_threads_bits(small_blocks, monkeypatch):
    """fit's validation batches go forward in blocks too, the workers computing theirs: the
    same val_loss and val_accuracy bits as in threads; this process computed one block of
    every training step and of every validation batch."""
    def run(in_processes):
        processes.ENABLED = in_processes
        threads.set_num_threads(2)
        try:
            model = random_model("luong")
            enc, dec, y = random_data(model, 16)
            val = random_data(model, 12, seed=7)
            history = model.fit([enc, dec], y, batch_size=8, epochs=2, verbose=0,
                                validation_data=([val[0], val[1]], val[2]))
        finally:
            processes.ENABLED = True
            threads.set_num_threads(1)
        return history.history, model.get_weights()
    in_threads = run(False)
    here, real = [], halves.block

    def counting(*args):
        here.append((os.getpid(), args[3].with_grads))
        return real(*args)
    monkeypatch.setattr(halves, "block", counting)
    in_processes = run(True)
    assert_same_bits(in_processes, in_threads)
    assert "val_loss" in in_processes[0] and "val_accuracy" in in_processes[0]
    # 2 epochs: 2 training steps and 2 validation batches (of 8 and 4 rows) each
    assert here == [(os.getpid(), True)] * 2 + [(os.getpid(), False)] * 2 + \
        [(os.getpid(), True)] * 2 + [(os.getpid(), False)] * 2


def test_three_threads_two_workers(small_blocks):
    assert_same_bits(fit("luong", 3, True, bucket=True), fit("luong", 3, False, bucket=True))


def test_weights_changed_between_batches_reach_the_workers(small_blocks):
    """A callback that moves the weights after every batch: the workers must compute the next
    block with the moved weights, as the threads do."""
    class Nudge(Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.model.set_weights([w * 0.99 for w in self.model.get_weights()])

    in_threads = fit("lstm", 2, False, callbacks=[Nudge()])
    assert_same_bits(fit("lstm", 2, True, callbacks=[Nudge()]), in_threads)
    assert not np.array_equal(in_threads[1][0], fit("lstm", 2, False)[1][0])   # the nudge mattered


def test_no_worker_outlives_fit(small_blocks):
    class Stop(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    class Fail(Callback):
        def on_train_batch_end(self, batch, logs=None):
            raise KeyError("a callback's error")

    fit("lstm", 2, True, callbacks=[Stop()])
    assert multiprocessing.active_children() == []
    with pytest.raises(KeyError, match="a callback's error"):
        fit("lstm", 2, True, callbacks=[Fail()])
    assert multiprocessing.active_children() == []


def test_a_workers_error_ends_fit_and_names_the_worker(small_blocks, monkeypatch):
    parent, real = os.getpid(), halves.block

    def failing_in_workers(*args):
        if os.getpid() != parent:
            raise ValueError("something only the worker meets")
        return real(*args)
    monkeypatch.setattr(halves, "block", failing_in_workers)
    with pytest.raises(RuntimeError, match=r"(?s)in training worker process npseq2seq-block-1:.*"
                                           r"ValueError: something only the worker meets"):
        fit("gru", 2, True)
    assert multiprocessing.active_children() == []


def test_a_worker_that_dies_ends_fit_with_its_exit_code(small_blocks, monkeypatch):
    parent, real = os.getpid(), halves.block

    def dying_in_workers(*args):
        if os.getpid() != parent:
            os._exit(3)
        return real(*args)
    monkeypatch.setattr(halves, "block", dying_in_workers)
    with pytest.raises(RuntimeError, match=r"npseq2seq-block-1:\n.*ended unexpectedly, exit code 3"):
        fit("lstm", 2, True)
    assert multiprocessing.active_children() == []


def test_no_worker_without_two_threads_or_where_disabled(small_blocks, monkeypatch):
    """One thread (the default): no process is started and the bits are one thread's;
    ``ENABLED = False``: the threads; ``train_on_batch`` (one batch): the threads too."""
    def refuse(*args, **kwargs):
        raise AssertionError("a worker process was started")
    monkeypatch.setattr(processes, "Workers", refuse)
    fit("lstm", 1, True)
    fit("lstm", 2, False)
    threads.set_num_threads(2)
    model = random_model("lstm")
    enc, dec, y = random_data(model, 8)
    model.train_on_batch([enc, dec], y)


def test_a_model_that_does_not_train_in_blocks_gets_no_workers(monkeypatch):
    from npseq2seq.model import RepeatSeq2Seq

    monkeypatch.setattr(processes, "Workers", lambda *a: pytest.fail("a worker process was started"))
    threads.set_num_threads(2)
    try:
        with processes.workers_for(RepeatSeq2Seq(5, 6, 3, 8, seed=0)) as workers:
            assert workers is None
    finally:
        threads.set_num_threads(1)


def test_sigterm_ends_a_worker_even_under_the_parents_handler(small_blocks, monkeypatch):
    """The command line turns SIGTERM into a clean stop with a handler of its own, which the
    fork copies; a worker resets it, so SIGTERM ends the worker, and fit says so."""
    import signal

    parent, real = os.getpid(), halves.block

    def terminated_in_workers(*args):
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)
        return real(*args)

    def handler(signum, frame):
        raise SystemExit("the parent's handler ran in a worker")
    monkeypatch.setattr(halves, "block", terminated_in_workers)
    before = signal.signal(signal.SIGTERM, handler)
    try:
        with pytest.raises(RuntimeError, match=r"ended unexpectedly, exit code -15"):
            fit("lstm", 2, True)
    finally:
        signal.signal(signal.SIGTERM, before)
    assert multiprocessing.active_children() == []


def test_a_batch_too_small_for_every_worker_cuts_as_the_threads_do(small_blocks):
    """Three cores and 5 rows with ``MIN_ROWS`` 2: two blocks, as ``split_batch`` cuts them,
    one worker idle; the same bits as the threads."""
    model = random_model("word_mask_zero")
    batch = model._batch(*(lambda e, d, y: ([e, d], y))(*random_data(model, 5)))
    threads.set_num_threads(3)
    in_threads = halves.loss_and_grads(model, batch, True, [], False)
    workers = processes.Workers(model, 3)
    try:
        in_processes = halves.loss_and_grads(model, batch, True, [], False, workers)
    finally:
        workers.close()
    assert float.hex(in_processes[0]) == float.hex(in_threads[0]) and in_processes[2] == in_threads[2]
    for g, h in zip(in_threads[1], in_processes[1]):
        g, h = (x.dense() if hasattr(x, "dense") else x for x in (g, h))
        assert g.tobytes() == h.tobytes()


def test_a_worker_whose_parent_is_gone_ends_quietly(small_blocks):
    """A parent killed without stopping its workers closes their pipes: each worker then ends
    at once with exit code 0 (no traceback, no orphan waiting for ever)."""
    model = random_model("lstm")
    workers = processes.Workers(model, 2)
    process = workers.processes[0]
    workers.pipes[0].close()                  # what the parent's death does to its end
    process.join(timeout=10)
    assert process.exitcode == 0
    workers.pipes = []
    workers.close()
