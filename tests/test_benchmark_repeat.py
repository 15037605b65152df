"""The measurement scripts of issue 13 run end to end (tiny budgets; the numbers are the README's)."""
from benchmarks import repeat_vs_seq2seq


def test_repeat_vs_seq2seq_smoke(capsys):
    repeat_vs_seq2seq.main(["--budget", "0.01", "--num-samples", "200", "--forward-only"])
    out = capsys.readouterr().out
    assert "repeat   reverse=False" in out and "seq2seq  reverse=False" in out and "exact match" in out
