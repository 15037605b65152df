"""``train --tie-embeddings``: the Dense kernel is the decoder Embedding's table (word and subword
levels); stored with the model and taken from the checkpoint on resume; refused where the Dense
layer reads another width, and by ``--model repeat``."""
from tests.cli.test_cli import run

COMMON = ["--corpus", "numbers", "--num-samples", "60", "--latent-dim", "8", "--batch-size", "30"]


def test_train_stores_it_resume_keeps_it_and_translate_reads_it(tmp_path):
    from npseq2seq import load_model
    from npseq2seq.layers import TiedDense

    out = tmp_path / "m.npz"
    res = run("train", *COMMON, "--level", "word", "--mask-zero", "--attention", "luong_general",
              "--input-feeding", "--tie-embeddings", "--epochs", "1", "--out", str(out))
    assert res.returncode == 0, res.stderr
    model = load_model(out)
    assert model.config.tie_embeddings and isinstance(model.decoder.dense, TiedDense)
    res = run("train", "--resume", str(out), "--epochs", "2")
    assert res.returncode == 0, res.stderr
    assert load_model(out).config.tie_embeddings
    res = run("translate", "--model", str(out), "one two")
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr


def test_where_the_widths_differ_it_is_a_usage_error(tmp_path):
    for flags, named in ((["--tie-embeddings"], "--level char"),
                         (["--level", "word", "--attention", "luong", "--tie-embeddings"], "--attention luong"),
                         (["--level", "word", "--bidirectional", "--tie-embeddings"], "--bidirectional")):
        res = run("train", *COMMON, "--out", str(tmp_path / "m.npz"), *flags)
        assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
        assert "tie_embeddings makes the Dense kernel the decoder Embedding's table" in res.stderr
        assert named in res.stderr, res.stderr


def test_the_repeat_model_refuses_it():
    res = run("demo", "--model", "repeat", "--num-samples", "50", "--level", "word", "--tie-embeddings")
    assert res.returncode == 2 and "--model repeat has no --level word, --tie-embeddings" in res.stderr, res.stderr
