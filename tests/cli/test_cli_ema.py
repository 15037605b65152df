"""``train --ema M``: the optimizer keeps Keras's moving average of the weights
(``use_ema=True, ema_momentum=M``) and the run ends on it; the checkpoint keeps the
averages, a resumed run must agree on M, and a bad M is refused."""
import numpy as np
import pytest

from npseq2seq import io as npio
from npseq2seq.cli import train as cli_train
from tests.cli.test_cli_robustness import TINY, corpus, one_line_error, run, trained_for_resume  # noqa: F401


def test_a_run_ends_on_the_averages_and_resume_must_agree(corpus, tmp_path):  # noqa: F811
    out, plain = tmp_path / "m.npz", tmp_path / "plain.npz"
    res = run("train", "--data", corpus, "--epochs", 2, *TINY, "--ema", 0.9, "--out", out)
    assert res.returncode == 0, res.stderr.decode()
    assert run("train", "--data", corpus, "--epochs", 2, *TINY, "--out", plain).returncode == 0
    model, state = npio.load_checkpoint(out)
    config = model.optimizer.get_config()
    assert config["use_ema"] is True and config["ema_momentum"] == 0.9 and state["settings"]["ema"] == 0.9
    averages = model.optimizer.get_state()
    assert all(np.array_equal(w, averages[f"average_{i}"]) for i, w in enumerate(model.params))
    # the same training otherwise: the losses are those of the run without the average
    assert state["history"]["loss"] == npio.load_checkpoint(plain)[1]["history"]["loss"]
    line = one_line_error(run("train", "--resume", out, "--epochs", 3, "--ema", 0.5))
    assert "--ema 0.5 does not match the checkpoint's --ema 0.9" in line


@pytest.mark.parametrize("value", ["0", "1", "-0.5", "x"])
def test_a_momentum_outside_zero_to_one_is_refused(corpus, tmp_path, value):  # noqa: F811
    res = run("train", "--data", corpus, "--ema", value, "--out", tmp_path / "m.npz")
    assert res.returncode == 2 and f"must be a number in (0, 1), got {value}" in res.stderr.decode()


def test_a_stored_momentum_is_checked_as_data(corpus, tmp_path):  # noqa: F811
    stored, args = trained_for_resume(corpus, tmp_path)
    assert cli_train.train_settings(args, {**stored, "ema": 0.5})["ema"] == 0.5
    with pytest.raises(npio.ModelFileError, match="'ema' must be in \\(0, 1\\)"):
        cli_train.train_settings(args, {**stored, "ema": 1.0})
