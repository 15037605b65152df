"""Shared fixtures.

``fra_path``: the Tatoeba/manythings English–French file, kept outside the repo in
``../shared/data/fra-eng/fra.txt`` (CI clones the repo with ../shared beside it).

The Keras fixtures import Keras lazily, so test files that never ask for them do
not pay for importing TensorFlow.

Without Keras or the data, the tests that need them are skipped, so that the rest
runs anywhere. With ``NPSEQ2SEQ_REQUIRE_PARITY=1`` (``.ci/run`` sets it) they fail
instead: a CI run green only because the parity suite was skipped would prove nothing.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

FRA_PATH = Path(__file__).resolve().parents[2] / "shared/data/fra-eng/fra.txt"


def missing(reason: str):
    """Skip the test for want of Keras or the data, or fail it where they are required."""
    if os.environ.get("NPSEQ2SEQ_REQUIRE_PARITY") == "1":
        pytest.fail(f"{reason} (NPSEQ2SEQ_REQUIRE_PARITY=1: required here)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def fra_path() -> Path:
    if not FRA_PATH.exists():
        missing(f"{FRA_PATH} not found (the data lives in ../shared beside the repo)")
    return FRA_PATH


@pytest.fixture(scope="session")
def keras():
    """The keras module, imported once per session (TensorFlow backend, quiet logs)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    try:
        import keras
    except ImportError as err:
        missing(f"Keras is not installed ({err}): pip install -e '.[test]'")
    if keras.backend.backend() != "tensorflow":
        missing(f"the parity suite needs Keras's TensorFlow backend, not {keras.backend.backend()}")
    return keras


@pytest.fixture(params=["float64", "float32"])
def keras_floatx(request, keras):
    """Runs the test once per dtype, with Keras set to that dtype *before* the test builds
    any layer; restores the previous settings afterwards.

    ``reference.floatx`` sets both ``keras.config.floatx`` and the global dtype policy:
    in Keras 3.15 ``set_floatx`` alone does not change the dtype of layers once any
    layer has been built in the process (the policy is cached), so a float32 test run
    after a float64 one would silently build float64 layers.
    """
    from reference import floatx

    with floatx(request.param):
        yield request.param


# --- measured differences: the parity tests record them, the summary prints a table ---

_MEASURED: dict[tuple[str, str], float] = {}


def _keep_largest(key: tuple[str, str], value: float) -> None:
    _MEASURED[key] = max(_MEASURED.get(key, 0.0), float(value))


@pytest.fixture
def record():
    """``record(check, dtype, value, variant="")``: keep the largest measured difference
    of a check, printed as a table at the end of the run (``-rA`` not needed)."""
    def _record(check: str, dtype: str, value: float, variant: str = "") -> None:
        _keep_largest((check + (f" [{variant}]" if variant else ""), str(dtype)), value)
    return _record


def pytest_sessionfinish(session):
    """In a pytest-xdist worker: hand the measurements to the controller, which prints the table."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["npseq2seq_measured"] = [[check, dtype, value] for (check, dtype), value in _MEASURED.items()]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """In pytest-xdist's controller: keep the largest of each worker's measurements."""
    for check, dtype, value in getattr(node, "workeroutput", {}).get("npseq2seq_measured", []):
        _keep_largest((check, dtype), value)


def pytest_terminal_summary(terminalreporter):
    if not _MEASURED:
        return
    checks = sorted({c for c, _ in _MEASURED})
    write = terminalreporter.write_line
    terminalreporter.section("parity: largest measured differences")
    write(f"{'check':<72} {'float64':>10} {'float32':>10}")
    for c in checks:
        cells = [_MEASURED.get((c, d)) for d in ("float64", "float32")]
        write(f"{c:<72} " + " ".join(f"{v:>10.1e}" if v is not None else f"{'-':>10}"
                                    for v in cells))


# --- shared by the parity files ---


@pytest.fixture(params=["lstm", "gru"])
def cell(request):
    """The recurrent cell: the tutorial's LSTM, then the FAQ's GRU."""
    return request.param


@pytest.fixture(params=["space", "zero"])
def padding(request):
    """How one-hot batches are padded: with the one-hot of a "space" token (keras-io) or
    with all-zero rows (the 2017 blog)."""
    return request.param


@pytest.fixture
def uniform_draws():
    """``uniform_draws(w, limit, what="")``: assert that the entries of ``w`` look like
    independent draws of U(-limit, limit): no |w| above ``limit`` (float32 rounding
    aside), the largest |w| above 0.9·limit, and a standard deviation within 5 standard
    errors of limit/√3. For n draws the relative standard error of the sample standard
    deviation is √(0.2/n) (Var(w²) = 4·limit⁴/45); ``w`` must hold at least 1000 entries,
    so that 5 standard errors are at most 7.1 % and 0.9ⁿ (the chance of no |w| above 0.9·limit)
    under 1e-45."""
    import numpy as np

    def _check(w, limit, what=""):
        w = np.asarray(w, np.float64).ravel()
        assert w.size >= 1000, f"{what}: {w.size} entries are too few for these statistics"
        top, std = float(np.abs(w).max()), float(w.std())
        expected_std, rel = limit / np.sqrt(3.0), 5 * np.sqrt(0.2 / w.size)
        assert top <= limit * (1 + 1e-6), f"{what}: max |w| = {top} > limit {limit}"
        assert top > 0.9 * limit, f"{what}: max |w| = {top} <= 0.9 * limit {limit}"
        assert abs(std / expected_std - 1) <= rel, (
            f"{what}: std {std}, expected {expected_std} within a relative {rel:.3f}")
    return _check
