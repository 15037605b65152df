"""benchmarks.attention_kinds runs end to end (one chunk of training, the held-out scores);
its --seed and --save, and benchmarks.attention_plots on the saved models, on a tiny file."""
import numpy as np
import pytest

from benchmarks import attention_kinds, attention_plots
from npseq2seq import Seq2Seq

WORDS = ["go", "run", "stop", "wait", "help", "jump", "sit", "eat"]


@pytest.mark.slow
def test_attention_kinds_smoke(capsys, fra_path):
    attention_kinds.main(["--model", "bahdanau", "--region", "short", "--budget", "0.01"])
    line = capsys.readouterr().out
    assert line.startswith("short bahdanau") and "chunks   1" in line and "held-out chrF" in line


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """attention_kinds on a 24-line file: chunks of 4, 4 held out, 4 units."""
    lines = [f"{a} {b}.\t{b} {a} !" for a in WORDS for b in WORDS[:3]]
    (tmp_path / "fra.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name, value in {"FRA": tmp_path / "fra.txt", "CHUNK": 4, "HELD": 4, "LATENT": 4}.items():
        monkeypatch.setattr(attention_kinds, name, value)
    monkeypatch.setitem(attention_kinds.REGIONS, "long", 0)
    return tmp_path


def _run(tmp_path, model, seed, capsys):
    path = tmp_path / f"{model}_{seed}.npz"
    attention_kinds.main(["--model", model, "--region", "long", "--budget", "0.001",
                          "--seed", str(seed), "--save", str(path)])
    assert capsys.readouterr().out.startswith(f"long  {model:<13} seed {seed}  chunks   1")
    return path


def test_seed_and_save(tiny, capsys):
    first, again = _run(tiny, "luong", 0, capsys), tiny / "again.npz"
    first.rename(again)
    weights = [Seq2Seq.load(p).get_weights() for p in (again, _run(tiny, "luong", 0, capsys),
                                                       _run(tiny, "luong", 1, capsys))]
    assert all(np.array_equal(a, b) for a, b in zip(weights[0], weights[1]))     # same seed, same model
    assert not all(np.array_equal(a, b) for a, b in zip(weights[0], weights[2]))
    inputs, _ = attention_kinds.held_out("long")
    assert len(inputs) == 4 and Seq2Seq.load(again).translate(inputs[:1])   # the vocabulary is saved too
    with pytest.raises(SystemExit):
        attention_kinds.main(["--model", "luong", "--region", "long", "--seed", "-1"])


@pytest.mark.parametrize("rows", ["reference", "greedy"])
def test_attention_plots(tiny, capsys, rows):
    models = [f"{m}={_run(tiny, m, 0, capsys)}" for m in ("luong", "luong_feeding")]
    written = attention_plots.main([*models, "--region", "long", "--sentences", "0", "3",
                                    "--rows", rows, "--out", str(tiny / "align")])
    assert written == [str(tiny / "align_0.png"), str(tiny / "align_3.png")]
    for path in written:
        assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    assert "luong_feeding" in capsys.readouterr().out
    for bad in (["--sentences", "4"], ["--rows", "x"]):
        with pytest.raises(SystemExit):
            attention_plots.main([*models, "--out", str(tiny / "x"), *bad])
    with pytest.raises(SystemExit):
        attention_plots.main(["luong", "--out", str(tiny / "x")])
