"""``--mask-padding`` and ``--reverse-input`` on the command line: a masked model trained, saved and translating;
the flag refused (one line, exit 2) without zero padding or at word level."""
from npseq2seq import load_model
from tests.cli.test_cli import run


def test_mask_padding_trains_and_saves(tmp_path):
    out = tmp_path / "m.npz"
    res = run("train", "--corpus", "numbers", "--num-samples", "100", "--epochs", "1",
              "--latent-dim", "8", "--padding", "zero", "--mask-padding", "--out", str(out))
    assert res.returncode == 0, res.stderr
    model = load_model(out)
    assert model.config.mask_padding and model.vocab.padding == "zero"
    assert run("translate", "--model", str(out), "seven").returncode == 0


def test_mask_padding_refused_without_zero_padding(tmp_path):
    for extra in ([], ["--level", "word"]):
        res = run("train", "--corpus", "numbers", "--mask-padding", *extra, "--out", str(tmp_path / "m.npz"))
        assert res.returncode == 2, res.stderr
        assert "--mask-padding" in res.stderr and "Traceback" not in res.stderr


def test_reverse_input_is_stored_with_the_vocabulary(tmp_path):
    out = tmp_path / "r.npz"
    res = run("train", "--corpus", "numbers", "--num-samples", "100", "--epochs", "1",
              "--latent-dim", "8", "--reverse-input", "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert load_model(out).vocab.reverse_input
