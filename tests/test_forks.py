"""``forks.split_batch``: a batch's blocks after the first computed in forked children, the
results in the blocks' order; greedy decoding through it gives the whole batch's ids; an
error or a death in a child reaches the caller with the child's name; no child outlives a
call; small batches, one thread and ``ENABLED = False`` fork nothing (``threads.split_batch``).
Skipped off Linux, where nothing is forked."""
import multiprocessing
import os

import numpy as np
import pytest

from npseq2seq import forks, threads
from npseq2seq.decode import greedy_decode

from .decode.test_one_sentence import START, STEPS, STOP, random_inputs, random_model

pytestmark = pytest.mark.skipif(not forks.available(), reason="forks on Linux only")


@pytest.fixture
def two(monkeypatch):
    """Two threads, forks even for tiny batches (``MIN_ROWS`` 1); one thread again after."""
    monkeypatch.setattr(forks, "MIN_ROWS", 1)
    threads.set_num_threads(2)
    yield
    threads.set_num_threads(1)
    assert multiprocessing.active_children() == []


def rows_and_pid(block):
    return block.tolist(), os.getpid()


def test_blocks_in_order_the_second_in_a_child(two):
    results = forks.split_batch(rows_and_pid, np.arange(7))
    assert [rows for rows, _ in results] == [[0, 1, 2], [3, 4, 5, 6]]     # threads.blocks' cut
    assert results[0][1] == os.getpid() != results[1][1]


def test_three_threads_two_children(two):
    threads.set_num_threads(3)
    results = forks.split_batch(rows_and_pid, np.arange(9))
    assert [rows for rows, _ in results] == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert len({pid for _, pid in results}) == 3


@pytest.mark.parametrize("kind", ["lstm", "gru", "luong", "bahdanau"])
def test_greedy_decoding_in_forks_gives_the_whole_batchs_ids(two, kind):
    model = random_model(kind)
    inputs = random_inputs(model, 41, seed=3)
    got = greedy_decode(model, inputs, START, STOP, STEPS)
    threads.set_num_threads(1)
    expected = greedy_decode(model, inputs, START, STOP, STEPS)
    assert len(got) == len(expected) == 41
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
    assert len({tuple(e) for e in expected}) > 3, "the random model's outputs must vary"


def test_an_error_in_a_child_names_it(two):
    parent = os.getpid()

    def failing(block):
        if os.getpid() != parent:
            raise ValueError("only the child fails")
        return len(block)
    with pytest.raises(RuntimeError, match=r"(?s)in child process npseq2seq-rows-5-10:.*ValueError: only the child"):
        forks.split_batch(failing, np.arange(10))


def test_an_error_here_still_waits_for_the_children(two):
    parent = os.getpid()

    def failing_here(block):
        if os.getpid() == parent:
            raise KeyError("the parent's block")
        return len(block)
    with pytest.raises(KeyError, match="the parent's block"):
        forks.split_batch(failing_here, np.arange(10))
    # (the fixture checks that no child is left)


def test_a_child_that_dies_is_reported(two):
    parent = os.getpid()

    def dying(block):
        if os.getpid() != parent:
            os._exit(5)
        return len(block)
    with pytest.raises(RuntimeError, match="ended unexpectedly, exit code 5"):
        forks.split_batch(dying, np.arange(10))


def test_nothing_forked_for_small_batches_one_thread_or_disabled(monkeypatch):
    threads.set_num_threads(2)
    try:
        rows = 2 * forks.MIN_ROWS - 1          # below two blocks of MIN_ROWS: threads.split_batch
        assert {pid for _, pid in forks.split_batch(rows_and_pid, np.arange(rows))} == {os.getpid()}
        monkeypatch.setattr(forks, "MIN_ROWS", 1)
        monkeypatch.setattr(forks, "ENABLED", False)
        assert {pid for _, pid in forks.split_batch(rows_and_pid, np.arange(10))} == {os.getpid()}
        monkeypatch.setattr(forks, "ENABLED", True)
        threads.set_num_threads(1)
        assert forks.split_batch(rows_and_pid, np.arange(10)) == [(list(range(10)), os.getpid())]
    finally:
        threads.set_num_threads(1)
