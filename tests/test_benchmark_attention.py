"""benchmarks.attention_kinds runs end to end (one chunk of training, the held-out scores)."""
import pytest

from benchmarks import attention_kinds


@pytest.mark.slow
def test_attention_kinds_smoke(capsys, fra_path):
    attention_kinds.main(["--model", "bahdanau", "--region", "short", "--budget", "0.01"])
    line = capsys.readouterr().out
    assert line.startswith("short bahdanau") and "chunks   1" in line and "held-out chrF" in line
