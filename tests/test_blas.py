"""``blas``: OpenBLAS's thread count read and set, and the command line's guard that fits it
to the cores other work leaves idle (``fit_to_idle_cores``)."""
import numpy as np
import pytest

from npseq2seq import blas, cli
from npseq2seq.cli import translate

needs_openblas = pytest.mark.skipif(not blas.available(), reason="NumPy's BLAS is not an OpenBLAS found by blas.py")


@pytest.mark.parametrize("busy, cores, idle", [(0, 2, 2), (1, 2, 1), (2, 2, 1), (5, 2, 1), (2, 8, 6),
                                               (0, 1, 1)])
def test_idle_cores_are_the_cores_others_leave(busy, cores, idle):
    assert blas.idle_cores(busy, cores) == idle


@pytest.mark.parametrize("readings, busy", [([1, 1, 1], 0), ([2, 1, 1], 0), ([2, 2, 3], 1), ([4, 3, 3], 2),
                                             ([0, 1, 1], 0)])
def test_busy_cores_takes_the_fewest_runnable_threads_but_this_one(monkeypatch, readings, busy):
    """A brief process shows in one reading; a busy one in all."""
    counts = iter(readings)
    monkeypatch.setattr(blas, "_runnable", lambda: next(counts))
    assert blas.busy_cores(readings=3, pause=0) == busy


@pytest.mark.parametrize("load, busy", [(0.2, 0), (0.5, 1), (1.4, 1), (1.6, 2)])
def test_without_proc_the_load_average_rounded(monkeypatch, load, busy):
    def missing():
        raise OSError("no /proc/loadavg")
    monkeypatch.setattr(blas, "_runnable", missing)
    monkeypatch.setattr("os.getloadavg", lambda: (load, load, load))
    assert blas.busy_cores() == busy


def test_without_either_nothing_counts_as_busy(monkeypatch):
    def missing(*_):
        raise OSError("none")
    monkeypatch.setattr(blas, "_runnable", missing)
    monkeypatch.setattr("os.getloadavg", missing)
    assert blas.busy_cores() == 0


@pytest.mark.parametrize("allowed, machine, busy, idle", [(2, 2, 1, 1), (2, 64, 10, 2), (2, 64, 40, 1),
                                                         (8, 16, 8, 4)])
def test_a_process_allowed_some_cores_counts_its_share_of_the_busy_ones(monkeypatch, allowed, machine, busy,
                                                                         idle):
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(allowed)))
    monkeypatch.setattr("os.cpu_count", lambda: machine)
    monkeypatch.setattr(blas, "busy_cores", lambda: busy)
    assert blas.idle_cores() == idle


def test_this_machine_is_read():
    assert 0 <= blas.busy_cores() and 1 <= blas.idle_cores() <= len(__import__("os").sched_getaffinity(0))


@pytest.mark.parametrize("threads", [0, -1, 1.5, True, "2"])
def test_set_num_threads_refuses_what_is_not_a_count(threads):
    with pytest.raises((ValueError, TypeError)):
        blas.set_num_threads(threads)


@pytest.fixture
def two_threads():
    """OpenBLAS at two threads for the test (the machine's setting restored after)."""
    before = blas.get_num_threads()
    blas.set_num_threads(2)
    yield
    blas.set_num_threads(before)


@needs_openblas
def test_busy_core_cuts_the_threads_for_the_block_and_restores_them(two_threads):
    with blas.fit_to_idle_cores(environ={}, busy=1, cores=2) as chosen:
        assert chosen == 1 and blas.get_num_threads() == 1
        a = np.ones((300, 300), np.float32)
        np.testing.assert_array_equal(a @ a, 300)          # products still run
    assert blas.get_num_threads() == 2


@needs_openblas
def test_restored_after_an_error(two_threads):
    with pytest.raises(RuntimeError), blas.fit_to_idle_cores(environ={}, busy=1, cores=2):
        raise RuntimeError("inside")
    assert blas.get_num_threads() == 2


@needs_openblas
@pytest.mark.parametrize("environ, busy", [({}, 0), ({"OPENBLAS_NUM_THREADS": "2"}, 1),
                                           ({"OMP_NUM_THREADS": "4"}, 1), ({"GOTO_NUM_THREADS": "2"}, 2)])
def test_left_alone_when_idle_or_set_by_the_user(two_threads, environ, busy):
    with blas.fit_to_idle_cores(environ=environ, busy=busy, cores=2) as chosen:
        assert chosen is None and blas.get_num_threads() == 2
    assert blas.get_num_threads() == 2


@needs_openblas
def test_the_command_line_runs_its_commands_inside_the_guard(two_threads, monkeypatch):
    """A command sees OpenBLAS fitted to the idle cores while it runs, restored after."""
    seen = []
    monkeypatch.setattr(blas, "_runnable", lambda: 2)                 # one other thread running
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1})
    for name in blas.USER_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(translate, "run", lambda args: seen.append(blas.get_num_threads()) or 0)
    assert cli.main(["translate", "--model", "unused.npz", "Go."]) == 0
    assert seen == [1] and blas.get_num_threads() == 2
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")       # the user's choice stands
    assert cli.main(["translate", "--model", "unused.npz", "Go."]) == 0
    assert seen == [1, 2]


@needs_openblas
def test_one_thread_already_reads_nothing(monkeypatch):
    """With OpenBLAS on one thread there is nothing to cut: the machine is not read."""
    before = blas.get_num_threads()
    blas.set_num_threads(1)
    try:
        monkeypatch.setattr(blas, "busy_cores", lambda: pytest.fail("read the machine"))
        with blas.fit_to_idle_cores(environ={}) as chosen:
            assert chosen is None and blas.get_num_threads() == 1
    finally:
        blas.set_num_threads(before)
