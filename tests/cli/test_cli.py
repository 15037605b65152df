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


# --- the tutorial's FAQ variants: --cell gru, --level word (--mask-zero), --no-teacher-forcing ---

VARIANTS = {
    "gru": ["--cell", "gru"],
    "word": ["--level", "word"],
    "word-mask-gru": ["--level", "word", "--mask-zero", "--cell", "gru"],
    "no-teacher-forcing": ["--no-teacher-forcing"],
    "bucketed": ["--padding", "zero", "--bucket-by-length"],       # beyond the FAQ (train/batches.py)
    # deeper models (issue 13): a stack, a bidirectional encoder, both with masks and buckets
    "stacked-bidirectional-attention": ["--num-layers", "2", "--bidirectional", "--attention", "luong"],
    "bidirectional-word-mask-bucketed": ["--level", "word", "--mask-zero", "--bidirectional",
                                         "--bucket-by-length", "--num-layers", "2"],
}


def _epoch_losses(stdout):
    return [float(line.split("- loss: ")[1].split()[0]) for line in stdout.splitlines()
            if "- loss: " in line]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_each_faq_variant_trains_saves_and_translates(variant, tmp_path):
    from npseq2seq import load_model

    out = tmp_path / "model.npz"
    res = run("train", "--corpus", "numbers", "--num-samples", "200", "--epochs", "2",
              "--latent-dim", "16", "--batch-size", "32", "--learning-rate", "0.01",
              "--out", str(out), *VARIANTS[variant])
    assert res.returncode == 0, res.stderr
    losses = _epoch_losses(res.stdout)
    assert len(losses) == 2 and losses[1] < losses[0], res.stdout
    model = load_model(out)
    flags = VARIANTS[variant]
    assert model.cell == ("gru" if "gru" in flags else "lstm")
    assert model.level == ("word" if "word" in flags else "char")
    assert model.mask_zero == ("--mask-zero" in flags)
    assert model.teacher_forcing == ("--no-teacher-forcing" not in flags)
    assert model.num_layers == (2 if "--num-layers" in flags else 1)
    assert model.bidirectional == ("--bidirectional" in flags)
    texts = ["seven", "twelve"] + (["zillion"] if model.level == "word" else [])  # unknown word → <unk>
    tr = run("translate", "--model", str(out), *texts)
    assert tr.returncode == 0, tr.stderr
    assert len(tr.stdout.splitlines()) == len(texts)


def test_faq_variant_settings_survive_resume(tmp_path):
    out = tmp_path / "word.npz"
    common = ["--corpus", "numbers", "--num-samples", "100", "--latent-dim", "8", "--batch-size", "50"]
    assert run("train", *common, "--epochs", "1", "--level", "word", "--mask-zero",
               "--out", str(out)).returncode == 0
    res = run("train", "--resume", str(out), "--epochs", "2")
    assert res.returncode == 0, res.stderr
    assert "resuming from" in res.stdout and "Epoch 2/2" in res.stdout
    for flags in (["--level", "char"], ["--no-teacher-forcing"]):
        bad = run("train", "--resume", str(out), "--epochs", "3", *flags)
        assert bad.returncode == 2 and "does not match the checkpoint" in bad.stderr, bad.stderr


@pytest.mark.parametrize("flags, problem", [
    # the model's rules (Seq2SeqConfig's words), prefixed with the flags they are about
    (["--level", "word", "--no-teacher-forcing"],
     "--level word --no-teacher-forcing: teacher_forcing=False is the FAQ's character-level model"),
    (["--mask-zero"], "--level char --mask-zero: mask_zero needs level='word'"),
    (["--no-reset-after"], "--cell lstm --no-reset-after: reset_after=False is a GRU option"),
    (["--level", "word", "--padding", "zero"], "--padding is for --level char"),
    (["--bucket-by-length"], "--bucket-by-length needs --padding zero"),
])
def test_faq_variant_flags_that_do_not_combine(flags, problem, tmp_path):
    res = run("train", "--corpus", "numbers", "--out", str(tmp_path / "m.npz"), *flags)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and problem in res.stderr, res.stderr


def test_demo_takes_the_variant_flags():
    res = run("demo", "--corpus", "numbers", "--num-samples", "100", "--epochs", "1",
              "--latent-dim", "8", "--level", "word", "--mask-zero", "--cell", "gru",
              "--num-layers", "2", "--bidirectional")
    assert res.returncode == 0, res.stderr
    assert "held-out pairs translated exactly right" in res.stdout


def test_early_stopping_and_reduce_lr_on_plateau_flags(tmp_path):
    from npseq2seq import load_model

    out = tmp_path / "m.npz"
    res = run("train", "--corpus", "numbers", "--num-samples", "200", "--epochs", "15",
              "--latent-dim", "16", "--batch-size", "32", "--learning-rate", "0.05",
              "--reduce-lr-on-plateau", "0", "--early-stopping", "1", "--out", str(out))
    assert res.returncode == 0, res.stderr
    lines = [line for line in res.stdout.splitlines() if "- val_loss: " in line]
    val_losses = [float(line.split("- val_loss: ")[1].split()[0]) for line in lines]
    assert all("- learning_rate: 0.0500" in line for line in lines)              # History's rate
    assert len(val_losses) < 15 and "early stopping" in res.stdout, res.stdout   # it stopped
    assert "ReduceLROnPlateau reducing learning rate to 0.005" in res.stdout     # and cut the rate
    best = val_losses.index(min(val_losses)) + 1
    assert f"Restoring model weights from the end of the best epoch: {best}." in res.stdout
    assert load_model(out).count_params() > 0
    bad = run("train", "--corpus", "numbers", "--out", str(out), "--early-stopping", "-1")
    assert bad.returncode == 2 and "must be a non-negative integer" in bad.stderr
