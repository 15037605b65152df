"""``train --dropout RATE --recurrent-dropout RATE --output-dropout RATE --word-dropout RATE``:
stored with the model, checked on resume, refused outside [0, 1) and by ``--model repeat``
(which has no dropout); ``--word-dropout`` needs the word level."""
import pytest

from tests.cli.test_cli import run

COMMON = ["--corpus", "numbers", "--num-samples", "60", "--latent-dim", "8", "--batch-size", "30"]


def test_train_stores_the_rates_and_resume_keeps_them(tmp_path):
    from npseq2seq import load_model

    out = tmp_path / "m.npz"
    res = run("train", *COMMON, "--epochs", "1", "--dropout", "0.2", "--recurrent-dropout", "0.1",
              "--output-dropout", "0.3", "--out", str(out))
    assert res.returncode == 0, res.stderr
    config = load_model(out).config
    assert (config.dropout, config.recurrent_dropout, config.output_dropout) == (0.2, 0.1, 0.3)
    bad = run("train", "--resume", str(out), "--epochs", "2", "--dropout", "0.3")
    assert bad.returncode == 2 and "--dropout 0.3 does not match the checkpoint's --dropout 0.2" in bad.stderr
    bad = run("train", "--resume", str(out), "--epochs", "2", "--output-dropout", "0.1")
    assert bad.returncode == 2 and "--output-dropout 0.1 does not match the checkpoint's --output-dropout 0.3" \
        in bad.stderr, bad.stderr
    res = run("train", "--resume", str(out), "--epochs", "2", "--output-dropout", "0.3")
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize("flags, problem", [
    (["--dropout", "1"], "argument --dropout: must be a number in [0, 1), got 1"),
    (["--recurrent-dropout", "-0.5"], "argument --recurrent-dropout: must be a number in [0, 1), got -0.5"),
    (["--dropout", "nan"], "argument --dropout: must be a number in [0, 1), got nan"),
    (["--output-dropout", "1.5"], "argument --output-dropout: must be a number in [0, 1), got 1.5"),
    (["--word-dropout", "1"], "argument --word-dropout: must be a number in [0, 1), got 1"),
    (["--word-dropout", "0.1"], "word_dropout drops the Embedding's token vectors: it needs level='word'"),
])
def test_bad_rates_are_usage_errors(flags, problem, tmp_path):
    res = run("train", *COMMON, "--out", str(tmp_path / "m.npz"), *flags)
    assert res.returncode == 2 and "Traceback" not in res.stderr and problem in res.stderr, res.stderr


def test_word_dropout_is_stored_and_kept_on_resume(tmp_path):
    from npseq2seq import load_model

    out = tmp_path / "m.npz"
    res = run("train", *COMMON, "--level", "word", "--mask-zero", "--epochs", "1", "--word-dropout", "0.25",
              "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert load_model(out).config.word_dropout == 0.25
    bad = run("train", "--resume", str(out), "--epochs", "2", "--word-dropout", "0.1")
    assert bad.returncode == 2 and "--word-dropout 0.1 does not match the checkpoint's --word-dropout 0.25" \
        in bad.stderr, bad.stderr


@pytest.mark.parametrize("flags, named", [(["--dropout", "0.2"], "--dropout"),
                                          (["--output-dropout", "0.2"], "--output-dropout"),
                                          (["--level", "word", "--word-dropout", "0.2"], "--level word, --word-dropout")])
def test_the_repeat_model_refuses_dropout(flags, named):
    res = run("demo", "--model", "repeat", "--num-samples", "50", *flags)
    assert res.returncode == 2 and f"--model repeat has no {named}" in res.stderr, res.stderr
