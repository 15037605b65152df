"""``npseq2seq demo --model repeat``: the addition_rnn model trains and scores held-out sums,
and with --out saves a file that ``translate`` answers sums with (and that ``evaluate`` and
``inspect`` refuse, naming the kind); refused (one line, exit 2) on another corpus or with
an encoder-decoder option."""
from tests.cli.test_cli import run


def test_demo_repeat_runs():
    res = run("demo", "--model", "repeat", "--num-samples", "300", "--epochs", "1",
              "--latent-dim", "8", "--reverse-input")
    assert res.returncode == 0, res.stderr
    assert "RepeatSeq2Seq" in res.stdout and "held-out sums answered exactly right" in res.stdout
    assert "as rows '" in res.stdout      # the reversed row shown, padding first


def test_demo_repeat_refusals(tmp_path):
    for extra in (["--corpus", "numbers"], ["--bidirectional"], ["--attention", "luong"]):
        res = run("demo", "--model", "repeat", "--num-samples", "300", *extra)
        assert res.returncode == 2 and "--model repeat" in res.stderr, res.stderr
        assert "Traceback" not in res.stderr


def test_demo_repeat_out_then_translate(tmp_path):
    path = str(tmp_path / "m.npz")
    res = run("demo", "--model", "repeat", "--num-samples", "300", "--epochs", "1", "--latent-dim", "8",
              "--num-layers", "2", "--reverse-input", "--out", path)
    assert res.returncode == 0, res.stderr
    from npseq2seq.model import RepeatSeq2Seq
    model = RepeatSeq2Seq.load(path)
    assert model.config.num_layers == 2 and model.table.reverse_input and model.config.input_length == 7
    res = run("translate", "--model", path, "12+345", "", "1+1")
    assert res.returncode == 0, res.stderr
    assert res.stdout.split("\n")[:3] == [*model.translate(["12+345"]), "", *model.translate(["1+1"])]
    for extra, message in ((["--beam", "3", "1+2"], "RepeatSeq2Seq"), (["12+34567"], "limit of 7"),
                           (["1-2"], "unknown character")):
        res = run("translate", "--model", path, *extra)
        assert res.returncode == 2 and message in res.stderr and "Traceback" not in res.stderr, res.stderr
    for command in (["evaluate", "--corpus", "addition"], ["inspect", "1+2", "--out-dir", str(tmp_path)]):
        res = run(command[0], "--model", path, *command[1:])
        assert res.returncode == 2 and "holds a RepeatSeq2Seq" in res.stderr, res.stderr
