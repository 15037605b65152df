"""memory.retain_freed_memory: glibc keeps freed memory, so a training step stops page-faulting."""
from __future__ import annotations

import platform
import resource

import numpy as np
import pytest

from npseq2seq import Seq2Seq
from npseq2seq.memory import retain_freed_memory

glibc = pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                           reason="mallopt is glibc's; elsewhere retain_freed_memory does nothing")


@glibc
def test_settings_are_taken_and_repeated_calls_are_free():
    assert retain_freed_memory() is True
    assert retain_freed_memory() is True


@glibc
def test_a_training_step_reuses_memory_instead_of_faulting_fresh_pages():
    """After fit has called it, a repeated step touches no fresh pages (without it: thousands)."""
    rng = np.random.default_rng(0)
    n, te, td, v, h = 32, 12, 40, 30, 128     # ~10 MB of per-step arrays, far above mmap's 128 KiB
    model = Seq2Seq(v, v, h, seed=0)
    model.compile("rmsprop")
    enc, dec, tgt = (rng.integers(0, v, (n, t)) for t in (te, td, td))
    model.fit([enc, dec], tgt, batch_size=n, epochs=1, verbose=0)   # calls retain_freed_memory
    model.train_on_batch([enc, dec], tgt)
    # this thread's faults only: under pytest-xdist the worker's other threads (its report
    # channel) fault pages of their own, which once took the process's count to 137
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    for _ in range(3):
        model.train_on_batch([enc, dec], tgt)
    faults = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before
    assert faults < 100, faults
