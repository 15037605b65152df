"""The recipe's command line on a slice of fra.txt (README, "A recipe that translates unseen
sentences"): --held-out, --max-words, a bucketed attention model, and `evaluate` scoring the
held-out pairs by itself. Small sizes: this checks that it runs and what it prints, never
how well it translates."""
import json
import re
from pathlib import Path

import numpy as np
import pytest

from npseq2seq import Seq2Seq
from npseq2seq.text import load_pairs
from npseq2seq.text.split import held_out_split
from tests.cli.test_cli import run

README = Path(__file__).resolve().parents[2] / "README.md"


def recipe_flags() -> list[str]:
    """The flags of the README's recipe command (the `npseq2seq train` line under its heading)."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## A recipe that translates unseen sentences"):]
    command = re.search(r"^npseq2seq train ((?:.*\\\n)*.*)$", section, re.M).group(1)
    words = command.replace("\\\n", " ").split()
    return words[:next((k for k, w in enumerate(words) if w.startswith("#")), len(words))]   # a shell comment


def shrunk(flags: list[str], **sizes) -> list[str]:
    """``flags`` with the values of ``sizes`` (flag name → value) replaced."""
    flags = list(flags)
    for name, value in sizes.items():
        k = flags.index("--" + name.replace("_", "-"))
        flags[k + 1] = str(value)
    return flags


@pytest.fixture(scope="module")
def recipe_model(fra_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("recipe") / "fra.npz"
    flags = shrunk(recipe_flags(), num_samples=400, held_out=30, latent_dim=8, epochs=2, subword_merges=60)
    flags[flags.index("--data") + 1] = str(fra_path)
    flags[flags.index("--out") + 1] = str(out)
    res = run("train", *flags, "--show", "2")
    assert res.returncode == 0, res.stderr
    return out, res, flags


def test_the_readme_recipe_trains_on_a_slice(recipe_model):
    out, res, flags = recipe_model
    assert "(30 input sentences held out)" in res.stdout
    model = Seq2Seq.load(out)
    assert model.level == "word" and model.vocab.level == "subword" and model.vocab.cased_words is not None
    assert len(model.vocab.target_merges) <= 60                          # --subword-merges
    settings = model.training_state["settings"]
    assert settings["held_out"] == 30 and settings["subword_merges"] == 60
    assert model.config.dropout == 0.2 and model.config.recurrent_dropout == 0.2    # the measured recipe
    optimizer = model.optimizer.get_config()
    assert optimizer["use_ema"] is True and optimizer["ema_momentum"] == 0.9997     # --ema 0.9997


def test_evaluate_scores_the_held_out_sentences_by_itself(recipe_model, fra_path):
    out, _, _ = recipe_model
    res = run("evaluate", "--model", str(out), "--data", str(fra_path), "--beam", "2", "--show", "3")
    assert res.returncode == 0, res.stderr
    assert "the 30 input sentences held out of training" in res.stdout
    assert "\n30 pairs" in res.stdout
    _, held = held_out_split(*load_pairs(fra_path, 400), 30)
    shown = re.findall(r"^  input      (.*)$", res.stdout, re.M)
    assert shown == held[0][:3]
    # --skip still scores the pairs after the first N, as before
    skip = run("evaluate", "--model", str(out), "--data", str(fra_path), "--skip", "400", "--num-samples", "5",
               "--beam", "1")
    assert skip.returncode == 0, skip.stderr
    assert "scoring pairs 401-405" in skip.stdout


def test_held_out_pairs_are_not_trained_on(fra_path, tmp_path):
    """The training pairs' hash in the model file is that of the pairs without the held-out ones."""
    out = tmp_path / "m.npz"
    res = run("train", "--data", str(fra_path), "--num-samples", "200", "--held-out", "20", "--epochs", "1",
              "--latent-dim", "4", "--out", str(out), "--show", "0")
    assert res.returncode == 0, res.stderr
    from npseq2seq.cli.args import fingerprint
    train, _ = held_out_split(*load_pairs(fra_path, 200), 20)
    assert Seq2Seq.load(out).training_state["data_sha256"] == fingerprint(train)
    assert f"{len(train[0])} pairs (20 input sentences held out)" in res.stdout


@pytest.mark.parametrize("flags, message", [
    (["--max-words", "10"], "--max-words is for --level word"),
    (["--held-out", "500"], "--held-out 500: n=500: the pairs have only"),
])
def test_recipe_flags_refused_where_they_do_not_apply(fra_path, tmp_path, flags, message):
    res = run("train", "--data", str(fra_path), "--num-samples", "100", "--out", str(tmp_path / "m.npz"), *flags)
    assert res.returncode == 2 and message in res.stderr, res.stderr


def test_resume_keeps_the_held_out_split(recipe_model, fra_path, tmp_path):
    out, _, flags = recipe_model
    res = run("train", "--resume", str(out), "--epochs", "3", "--out", str(tmp_path / "more.npz"),
              "--show", "0")
    assert res.returncode == 0, res.stderr
    bad = run("train", "--resume", str(out), "--epochs", "3", "--held-out", "31",
              "--out", str(tmp_path / "x.npz"))
    assert bad.returncode == 2 and "--held-out 31 does not match the checkpoint's --held-out 30" in bad.stderr
    assert json.loads(json.dumps(Seq2Seq.load(tmp_path / "more.npz").training_state["settings"]))["held_out"] == 30
    assert np.isfinite(Seq2Seq.load(tmp_path / "more.npz").params[0]).all()


def readme_python() -> str:
    """The Python block of the README's recipe section."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## A recipe that translates unseen sentences"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_python_equivalent_gives_the_command_lines_weights(recipe_model, fra_path):
    """The README's Python block, at the test's sizes, trains the same weights as its command."""
    out, _, _ = recipe_model
    code = readme_python()
    for old, new in [('"fra.txt", 66000', f"{str(fra_path)!r}, 400"), ("2000, seed=0", "30, seed=0"),
                     ("merges=3000", "merges=60"), ("latent_dim=192", "latent_dim=8"),
                     ("print(", "translations = (")]:
        assert old in code, old
        code = code.replace(old, new)
    code, epochs = re.subn(r"epochs=\d+,", "epochs=2,", code)      # the hour's count, whatever it is
    assert epochs == 1
    scope = {}
    exec(compile(code, "README.md (recipe)", "exec"), scope)
    cli = Seq2Seq.load(out)
    assert scope["vocab"] == cli.vocab
    for ours, theirs in zip(scope["model"].get_weights(), cli.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    assert len(scope["translations"]) == 5


def test_evaluate_all_references_scores_against_every_translation(recipe_model, fra_path):
    """--all-references: each held-out input against all its translations in the data, shown
    under the example; the scores are metrics' multi-reference ones (tests/test_metrics.py)."""
    out, _, _ = recipe_model
    res = run("evaluate", "--model", str(out), "--data", str(fra_path), "--beam", "1", "--show", "30",
              "--all-references")
    assert res.returncode == 0, res.stderr
    pairs = load_pairs(fra_path, 400)
    _, (held, _) = held_out_split(*pairs, 30)
    every = {h: [t for s, t in zip(*pairs) if s == h] for h in held}
    several = sum(len(v) > 1 for v in every.values())
    assert several > 0                                 # the slice has inputs with several translations
    assert f"(--all-references: {several} of 30 have several)" in res.stdout
    for source in held:   # each example lists its references, the first as before, then the others
        lines = "\n".join(["  reference  " + every[source][0]] + ["             " + t for t in every[source][1:]])
        assert f"  input      {source}\n{lines}\n" in res.stdout
    skip = run("evaluate", "--model", str(out), "--data", str(fra_path), "--skip", "400", "--num-samples", "5",
               "--all-references")
    assert skip.returncode == 2 and "--all-references scores the input sentences a model held out" in skip.stderr
