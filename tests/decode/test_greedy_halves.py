"""Greedy decoding in batch halves (``threads.split_batch``, ``set_num_threads(2)``): each
half decoded whole in its own thread returns the whole batch's ids on every model kind,
the halves really run in two threads, one half may finish long before the other, errors
come back to the caller, and the thread counts (ours, OpenBLAS's) are restored after."""
import threading

import numpy as np
import pytest

from npseq2seq import blas, threads
from npseq2seq.decode import greedy_decode, translate

from .test_one_sentence import KINDS, START, STEPS, STOP, random_inputs, random_model


@pytest.fixture
def halves(monkeypatch):
    """Two threads, halves even for tiny batches; yields the row counts the worker decoded."""
    monkeypatch.setattr(threads, "MIN_ROWS", 1)
    monkeypatch.setattr(threads, "_pool", threads._Pool(2))
    ran, real, caller = [], threads.split_batch, threading.current_thread()

    def counting(fn, batch):
        def fn_counted(part):
            if threading.current_thread() is not caller:
                ran.append(len(part))
            return fn(part)
        return real(fn_counted, batch)
    monkeypatch.setattr("npseq2seq.decode.greedy.split_batch", counting)
    blas_before = blas.get_num_threads()
    yield ran
    assert blas.get_num_threads() == blas_before, "OpenBLAS's thread count must be restored"


def _whole(model, inputs):
    threads.set_num_threads(1)
    try:
        return greedy_decode(model, inputs, START, STOP, STEPS)
    finally:
        threads.set_num_threads(2)


@pytest.mark.parametrize("kind", list(KINDS))
def test_halves_give_the_whole_batchs_ids(kind, halves):
    model = random_model(kind)
    inputs = random_inputs(model, 41, seed=3)           # odd: halves of 20 and 21 rows
    expected = _whole(model, inputs)
    got = greedy_decode(model, inputs, START, STOP, STEPS)
    assert halves == [21], "the second half must have been decoded by the worker"
    assert len(got) == len(expected) == 41
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
    assert len({tuple(e) for e in expected}) > 3, "the random model's outputs must vary"


class Counting:
    """A stand-in model whose row i emits its stop id at step ``lengths[i]``: the first rows
    stop at once, the last ones run to ``max_steps``."""

    def encode(self, ids):
        return [ids[:, :1].astype(np.float64)]

    def decode_step(self, tokens, states):
        left = states[0] - 1
        probs = np.zeros((len(tokens), 5))
        probs[:, 3] = 1.0                                 # a token that is not the stop id
        probs[left[:, 0] <= 0, 2] = 2.0                   # the stop id 2 once a row's count runs out
        return probs, [left]


def test_one_half_finishes_long_before_the_other(halves):
    lengths = np.concatenate([np.ones(10, int), np.full(11, 40)])[:, None]
    got = greedy_decode(Counting(), lengths, 1, 2, 30)
    assert halves == [11]
    assert [len(ids) for ids in got] == [1] * 10 + [30] * 11
    assert all(ids[-1] == 2 for ids in got[:10]) and all((ids == 3).all() for ids in got[10:])


def test_translate_in_halves_gives_the_same_strings(halves, trained):
    model, texts, *_ = trained
    threads.set_num_threads(1)
    expected = translate(model, texts)
    threads.set_num_threads(2)
    assert translate(model, texts) == expected and halves


def test_an_error_in_a_half_reaches_the_caller_and_frees_the_split(halves):
    class Broken(Counting):
        def decode_step(self, tokens, states):
            if (states[0] > 20).any():
                raise RuntimeError("half failed")
            return super().decode_step(tokens, states)
    lengths = np.concatenate([np.ones(10, int), np.full(11, 40)])[:, None]
    with pytest.raises(RuntimeError, match="half failed"):
        greedy_decode(Broken(), lengths, 1, 2, 30)
    assert threads._lock.acquire(blocking=False)
    threads._lock.release()


def test_small_batches_and_one_thread_run_whole(monkeypatch):
    calls = []
    monkeypatch.setattr(threads, "_run_blocks", lambda c: calls.append(c))
    monkeypatch.setattr(threads, "_pool", threads._Pool(2))
    assert threads.split_batch(len, np.zeros(2 * threads.MIN_ROWS - 1)) == [2 * threads.MIN_ROWS - 1]
    threads.set_num_threads(1)
    assert threads.split_batch(len, np.zeros(1000)) == [1000] and not calls
