"""``benchmarks.training_halves`` in quick mode: every variant runs, the row split keeps
every bit of the whole batch's training (``threads.split_rows``), the halves stay within
float32 rounding of it and the worker process (``processes``) gives the threads' halves,
the JSON is written. Timings are never asserted."""
import json

from benchmarks.training_halves import VARIANTS, main
from npseq2seq.train import processes


def test_quick_mode_runs_every_variant_and_writes_its_json(fra_path, tmp_path, capsys):
    results = main(["--quick", "--rounds", "1", "--batches", "3", "--cells", "gru", "--out", str(tmp_path)])
    (written,) = tmp_path.glob("training-halves-*.json")
    assert json.loads(written.read_text())["cells"][0]["cell"] == "gru"
    (row,) = results["cells"]
    assert set(row["wall"]) == set(VARIANTS) and row["batches"] == 3 and row["rows"] == 3 * 64
    drift = row["weights_drift_vs_whole"]
    assert drift["whole"] == drift["split_rows"] == 0.0
    assert drift["halves"] < 1e-4
    assert drift["processes"] == drift["halves"]           # fit's worker process: the threads' bits
    assert "halves" in capsys.readouterr().out


def test_without_worker_processes_the_processes_variant_is_left_out(fra_path, tmp_path, monkeypatch):
    """Where fit cannot fork (not Linux, or processes.ENABLED off) no Workers are built."""
    monkeypatch.setattr(processes, "ENABLED", False)
    monkeypatch.setattr(processes, "Workers", None)          # would fail if called
    results = main(["--quick", "--rounds", "1", "--batches", "2", "--cells", "lstm", "--no-json"])
    (row,) = results["cells"]
    assert list(row["wall"]) == [v for v in VARIANTS if v != "processes"]
