"""``train --decay-from EPOCH [--decay-factor F]``: the learning rate falls by F each epoch
from that epoch on (LearningRateScheduler with StepDecay); the checkpoint keeps the decay,
so a resumed run is the uninterrupted one; flags that cannot work together are refused."""
import pytest

from npseq2seq import io as npio
from npseq2seq.cli import train as cli_train
from tests.cli.test_cli_robustness import TINY, assert_same_run, corpus, one_line_error, run, trained_for_resume  # noqa: F401


def _rates(stdout: bytes) -> list[str]:
    lines = [line for line in stdout.decode().splitlines() if "- learning_rate: " in line]
    return [line.split("- learning_rate: ")[1].split()[0] for line in lines]


def test_the_rate_falls_from_the_epoch_and_a_resumed_run_keeps_it(corpus, tmp_path):  # noqa: F811
    whole, part = tmp_path / "whole.npz", tmp_path / "part.npz"
    res = run("train", "--data", corpus, "--epochs", 3, *TINY, "--decay-from", 2, "--out", whole)
    assert res.returncode == 0, res.stderr.decode()
    assert _rates(res.stdout) == ["0.0100", "0.0050", "0.0025"]      # TINY's rate 0.01, halved from epoch 2
    _, state = npio.load_checkpoint(whole)
    assert state["settings"]["decay_from"] == 2 and state["settings"]["decay_factor"] is None
    assert run("train", "--data", corpus, "--epochs", 2, *TINY, "--decay-from", 2, "--decay-factor", 0.5,
               "--out", part).returncode == 0
    res = run("train", "--resume", part, "--epochs", 3)   # the decay from the checkpoint
    assert res.returncode == 0, res.stderr.decode()
    assert _rates(res.stdout) == ["0.0025"]
    assert_same_run(whole, part)


def test_a_factor_and_a_later_start_given_again_on_resume_change_the_rates(corpus, tmp_path):  # noqa: F811
    out = tmp_path / "m.npz"
    assert run("train", "--data", corpus, "--epochs", 1, *TINY, "--out", out).returncode == 0
    res = run("train", "--resume", out, "--epochs", 3, "--decay-from", 3, "--decay-factor", 0.1)
    assert res.returncode == 0, res.stderr.decode()
    assert _rates(res.stdout) == ["0.0100", "0.0010"]


@pytest.mark.parametrize("flags, message", [
    (["--decay-factor", "0.5"], "--decay-factor 0.5 needs --decay-from EPOCH"),
    (["--decay-from", "4"], "--decay-from 4 is after the last epoch (--epochs 3)"),
    (["--decay-from", "2", "--reduce-lr-on-plateau"], "--decay-from and --reduce-lr-on-plateau both set"),
])
def test_flags_that_cannot_work_together_are_refused(corpus, tmp_path, flags, message):  # noqa: F811
    line = one_line_error(run("train", "--data", corpus, "--epochs", 3, *flags, "--out", tmp_path / "m.npz"))
    assert message in line
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("value", ["0", "1.5", "nan", "half"])
def test_a_factor_outside_zero_to_one_is_refused_by_the_parser(corpus, tmp_path, value):  # noqa: F811
    res = run("train", "--data", corpus, "--decay-from", 1, "--decay-factor", value, "--out", tmp_path / "m.npz")
    assert res.returncode == 2 and f"must be a number in (0, 1], got {value}" in res.stderr.decode()


def test_a_checkpoints_stored_decay_is_checked_as_data(corpus, tmp_path):  # noqa: F811
    stored, args = trained_for_resume(corpus, tmp_path)
    args.epochs = 4
    assert cli_train.train_settings(args, {**stored, "decay_from": 3})["decay_from"] == 3
    for bad, message in (({"decay_factor": 2.0}, "decay_factor.*must be in \\(0, 1\\]"),
                         ({"decay_from": 0}, "decay_from.*must be a positive integer"),
                         ({"decay_from": "3"}, "decay_from.*must be int")):
        with pytest.raises(npio.ModelFileError, match=message):
            cli_train.train_settings(args, {**stored, "decay_from": 3, **bad})
