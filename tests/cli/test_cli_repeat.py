"""``npseq2seq demo --model repeat``: the addition_rnn model trains and scores held-out sums;
refused (one line, exit 2) on another corpus, with --out or an encoder-decoder option."""
from tests.cli.test_cli import run


def test_demo_repeat_runs():
    res = run("demo", "--model", "repeat", "--num-samples", "300", "--epochs", "1",
              "--latent-dim", "8", "--reverse-input")
    assert res.returncode == 0, res.stderr
    assert "RepeatSeq2Seq" in res.stdout and "held-out sums answered exactly right" in res.stdout
    assert "as rows '" in res.stdout      # the reversed row shown, padding first


def test_demo_repeat_refusals(tmp_path):
    for extra in (["--corpus", "numbers"], ["--out", str(tmp_path / "m.npz")], ["--attention", "luong"]):
        res = run("demo", "--model", "repeat", "--num-samples", "300", *extra)
        assert res.returncode == 2 and "--model repeat" in res.stderr, res.stderr
        assert "Traceback" not in res.stderr
