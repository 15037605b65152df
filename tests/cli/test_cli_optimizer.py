"""``train --optimizer``: Keras's RMSprop (the tutorial's and the default), Adam or SGD by
name, with --learning-rate and --clipnorm / --clipvalue; stored in the checkpoint, so a
resumed run keeps the optimizer, its slots and its bits, and a different one is refused."""
import argparse

import pytest

from npseq2seq import io as npio
from npseq2seq import optimizers
from npseq2seq.cli import train as cli_train
from tests.cli.test_cli_robustness import TINY, assert_same_run, corpus, one_line_error, run  # noqa: F401


@pytest.mark.parametrize("name, cls", [("adam", optimizers.Adam), ("sgd", optimizers.SGD)])
def test_optimizer_trains_stores_and_resumes_to_the_same_bits(corpus, tmp_path, name, cls):  # noqa: F811
    whole, part = tmp_path / "whole.npz", tmp_path / "part.npz"
    res = run("train", "--data", corpus, "--epochs", 3, *TINY, "--optimizer", name, "--out", whole)
    assert res.returncode == 0, res.stderr.decode()
    config, _ = npio.read_model_file(whole)
    # the flags' optimizer, the rest Keras's defaults
    assert config["optimizer"] == optimizers.serialize(cls(learning_rate=0.01, clipnorm=1.0))
    assert run("train", "--data", corpus, "--epochs", 1, *TINY, "--optimizer", name,
               "--out", part).returncode == 0
    res = run("train", "--resume", part, "--epochs", 3)   # the optimizer from the checkpoint
    assert res.returncode == 0, res.stderr.decode()
    if name == "adam":
        assert_same_run(whole, part)   # weights, Adam's two slots a weight, history, RNG
    else:   # Keras's SGD without momentum keeps no slots: the weights and the history
        (config_w, w), (config_p, p) = npio.read_model_file(whole), npio.read_model_file(part)
        assert sorted(w) == sorted(p) and all(w[k].tobytes() == p[k].tobytes() for k in w)
        assert config_w["training_state"]["history"] == config_p["training_state"]["history"]


def test_default_is_rmsprop_and_another_optimizer_trains_other_weights(corpus, tmp_path):  # noqa: F811
    paths = {}
    for name in ("default", "rmsprop", "adam"):
        paths[name] = tmp_path / f"{name}.npz"
        flags = [] if name == "default" else ["--optimizer", name]
        assert run("train", "--data", corpus, "--epochs", 1, *TINY, *flags,
                   "--out", paths[name]).returncode == 0
    config, _ = npio.read_model_file(paths["default"])
    assert config["optimizer"]["class_name"] == "RMSprop"
    assert_same_run(paths["default"], paths["rmsprop"])
    _, rms = npio.read_model_file(paths["rmsprop"])
    _, adam = npio.read_model_file(paths["adam"])
    assert any(rms[k].tobytes() != adam[k].tobytes() for k in rms if not k.startswith("optimizer/"))


def test_resume_refuses_another_optimizer_and_bad_names(corpus, tmp_path):  # noqa: F811
    out = tmp_path / "m.npz"
    assert run("train", "--data", corpus, "--epochs", 1, *TINY, "--optimizer", "adam",
               "--out", out).returncode == 0
    line = one_line_error(run("train", "--resume", out, "--epochs", 2, "--optimizer", "rmsprop"))
    assert "--optimizer rmsprop does not match the checkpoint's --optimizer adam" in line
    res = run("train", "--data", corpus, "--epochs", 1, "--optimizer", "adagrad", "--out", out)
    assert res.returncode == 2 and "--optimizer: invalid choice: 'adagrad'" in res.stderr.decode()


def test_checkpoint_settings_before_the_flag_resume_with_rmsprop(corpus, tmp_path):  # noqa: F811
    """A checkpoint written before --optimizer existed was trained with RMSprop: its settings
    without the key read as the default; a stored name outside the choices is refused."""
    out = tmp_path / "m.npz"
    assert run("train", "--data", corpus, "--epochs", 1, *TINY, "--out", out).returncode == 0
    _, state = npio.load_checkpoint(out)
    stored = {k: v for k, v in state["settings"].items() if k != "optimizer"}
    args = argparse.Namespace(resume=str(out), **dict.fromkeys(cli_train.TRAIN_RESUMABLE),
                              **dict.fromkeys(cli_train.TRAIN_DEFAULTS), data=None)
    assert cli_train.train_settings(args, stored)["optimizer"] == "rmsprop"
    with pytest.raises(npio.ModelFileError, match="optimizer.*must be one of"):
        cli_train.train_settings(args, {**stored, "optimizer": "adagrad"})
