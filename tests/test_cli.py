"""The npseq2seq command, run as a user would run it (subprocess)."""
import subprocess
import sys

import pytest


def run(*args, stdin=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "npseq2seq", *args], input=stdin,
                          capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "model.npz"
    res = run("train", "--corpus", "numbers", "--num-samples", "200", "--epochs", "2",
              "--latent-dim", "16", "--batch-size", "32", "--out", str(out))
    assert res.returncode == 0, res.stderr
    return out, res


def test_train_prints_keras_like_progress_and_saves(trained):
    out, res = trained
    assert out.exists()
    assert "Epoch 1/2" in res.stdout and "Epoch 2/2" in res.stdout
    assert "loss:" in res.stdout and "val_loss:" in res.stdout


def test_translate_from_arguments_and_stdin(trained):
    out, _ = trained
    args = run("translate", "--model", str(out), "seven", "twelve")
    assert args.returncode == 0, args.stderr
    assert len(args.stdout.splitlines()) == 2
    piped = run("translate", "--model", str(out), stdin="seven\ntwelve\n")
    assert piped.stdout == args.stdout


def test_user_errors_are_one_line_and_exit_2(trained, tmp_path):
    out, _ = trained
    cases = [
        ("train", "--data", str(tmp_path / "missing.txt"), "--out", str(tmp_path / "m.npz")),
        ("translate", "--model", str(tmp_path / "missing.npz"), "hi"),
        ("translate", "--model", str(out), "seven#"),           # '#' is not in the vocabulary
    ]
    for args in cases:
        res = run(*args)
        assert res.returncode == 2, (args, res.stderr)
        assert "Traceback" not in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr


def test_demo_runs_end_to_end_in_small_size():
    res = run("demo", "--corpus", "numbers", "--num-samples", "100", "--epochs", "1",
              "--latent-dim", "8")
    assert res.returncode == 0, res.stderr
    assert "held-out pairs translated exactly right" in res.stdout
