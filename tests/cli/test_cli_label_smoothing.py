"""``train --label-smoothing S``: Keras's ``label_smoothing`` on the model's loss; the model
file and the checkpoint keep it, a resumed run trains on with it (the same losses as a run
never interrupted) and must agree on S, and a bad S is refused."""
import pytest

from npseq2seq import io as npio
from npseq2seq.cli import train as cli_train
from tests.cli.test_cli_robustness import TINY, corpus, one_line_error, run, trained_for_resume  # noqa: F401


def test_the_loss_is_smoothed_kept_and_resumed(corpus, tmp_path):  # noqa: F811
    out, straight, plain = tmp_path / "m.npz", tmp_path / "straight.npz", tmp_path / "plain.npz"
    smooth = ["--label-smoothing", 0.1]
    assert run("train", "--data", corpus, "--epochs", 2, *TINY, *smooth, "--out", out).returncode == 0
    assert run("train", "--data", corpus, "--epochs", 3, *TINY, *smooth, "--out", straight).returncode == 0
    assert run("train", "--data", corpus, "--epochs", 2, *TINY, "--out", plain).returncode == 0
    model, state = npio.load_checkpoint(out)
    assert model.loss.label_smoothing == 0.1 and state["settings"]["label_smoothing"] == 0.1
    assert npio.load_model(out).loss.label_smoothing == 0.1
    plain_loss = npio.load_checkpoint(plain)[1]["history"]["loss"]
    assert plain_loss[0] != state["history"]["loss"][0]       # the smoothing is in the numbers
    res = run("train", "--resume", out, "--epochs", 3)
    assert res.returncode == 0, res.stderr.decode()
    assert npio.load_checkpoint(out)[1]["history"] == npio.load_checkpoint(straight)[1]["history"]
    line = one_line_error(run("train", "--resume", out, "--epochs", 4, "--label-smoothing", 0.2))
    assert "--label-smoothing 0.2 does not match the checkpoint's --label-smoothing 0.1" in line


@pytest.mark.parametrize("value", ["1", "-0.1", "x"])
def test_a_value_outside_zero_to_one_is_refused(corpus, tmp_path, value):  # noqa: F811
    res = run("train", "--data", corpus, "--label-smoothing", value, "--out", tmp_path / "m.npz")
    assert res.returncode == 2 and f"must be a number in [0, 1), got {value}" in res.stderr.decode()


def test_a_stored_value_is_checked_as_data(corpus, tmp_path):  # noqa: F811
    stored, args = trained_for_resume(corpus, tmp_path)
    assert stored["label_smoothing"] == 0.0
    with pytest.raises(npio.ModelFileError, match="'label_smoothing' must be in \\[0, 1\\)"):
        cli_train.train_settings(args, {**stored, "label_smoothing": 1.5})
    older = {k: v for k, v in stored.items() if k != "label_smoothing"}   # a checkpoint from before the flag
    assert cli_train.train_settings(args, older)["label_smoothing"] == 0.0
