"""The npseq2seq command on bad input, interrupted, killed, resumed and diverging — run in a
subprocess as a user runs it.

Every user error must end with one line on stderr and exit status 2, never a traceback;
Ctrl-C saves a checkpoint and exits 130; a NaN/Inf loss saves a checkpoint and exits 1;
and a run interrupted (SIGINT) or killed (SIGKILL, with --checkpoint-every) then resumed
ends with weights bit-equal to an uninterrupted run with the same seed.
"""
import json
import re
import signal
import subprocess
import sys
import threading
import zipfile

import numpy as np
import pytest

from npseq2seq import Seq2Seq, cli, load_model
from npseq2seq import io as npio
from npseq2seq.cli import args as cli_args
from npseq2seq.cli import evaluate as cli_evaluate
from npseq2seq.cli import train as cli_train
from npseq2seq.text import excerpt, number_word_pairs
from tests.text.test_pairs import BAD_FILES

# A tiny run: 60 pairs, 48 for training in 3 batches of 16, latent_dim 8; ~0.1 s an epoch.
# --clipnorm is given so that the optimizer's clipping setting also goes through a resume.
TINY = ["--latent-dim", "8", "--batch-size", "16", "--seed", "7", "--learning-rate", "0.01",
        "--clipnorm", "1.0"]


def run(*args, stdin: bytes | None = None, timeout=300):
    return subprocess.run([sys.executable, "-m", "npseq2seq", *map(str, args)], input=stdin,
                          capture_output=True, timeout=timeout)


def start(*args):
    """A training run in the background, its stdout readable line by line."""
    return subprocess.Popen([sys.executable, "-m", "npseq2seq", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_epoch(proc, epoch, timeout=300):
    """Read the run's stdout until it reports `epoch` done; return the lines read."""
    lines = []
    watchdog = threading.Timer(timeout, proc.kill)      # a hung run fails the test, not the suite
    watchdog.start()
    try:
        for line in proc.stdout:
            lines.append(line)
            if line.startswith(f"Epoch {epoch}/"):
                # the epoch's line is printed at its end, followed by its metrics line
                lines.append(proc.stdout.readline())
                return lines
    finally:
        watchdog.cancel()
    raise AssertionError(f"the run ended before epoch {epoch}: {''.join(lines)}{proc.stderr.read()}")


def trained_for_resume(corpus, tmp_path):
    """A one-epoch ``train`` run's checkpoint: (its stored settings, the parsed arguments of
    ``train --resume`` on it with no other flag), to hand ``train.train_settings`` directly."""
    import argparse

    out = tmp_path / "m.npz"
    assert run("train", "--data", corpus, "--epochs", 1, *TINY, "--out", out).returncode == 0
    stored = npio.load_checkpoint(out)[1]["settings"]
    return stored, argparse.Namespace(resume=str(out), **dict.fromkeys(cli_train.TRAIN_RESUMABLE),
                                      **dict.fromkeys(cli_train.TRAIN_DEFAULTS), data=None)


def one_line_error(res, status=2, command="train"):
    """The result failed with `status` and exactly one line on stderr, no traceback: that line."""
    err = res.stderr.decode() if isinstance(res.stderr, bytes) else res.stderr
    assert res.returncode == status, (res.returncode, err)
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"npseq2seq {command}: "), lines[0]
    return lines[0]


def completed_epochs(lines):
    return sum(line.startswith("Epoch ") for line in lines)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    inputs, targets = number_word_pairs(60, seed=1)
    path = folder / "pairs.txt"
    path.write_text("".join(f"{a}\t{b}\n" for a, b in zip(inputs, targets)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory):
    """reference(E): the model file of an uninterrupted E-epoch run (each E trained once)."""
    folder = tmp_path_factory.mktemp("reference")
    done = {}

    def train(epochs):
        if epochs not in done:
            out = folder / f"ref-{epochs}.npz"
            res = run("train", "--data", corpus, "--epochs", epochs, *TINY, "--out", out)
            assert res.returncode == 0, res.stderr.decode()
            done[epochs] = out
        return done[epochs]

    return train


def assert_same_run(a, b):
    """Two model files hold the same training result to the last bit: every weight and
    optimizer slot (bytes and dtype), the history of losses, the epoch and the RNG state."""
    config_a, arrays_a = npio.read_model_file(a)
    config_b, arrays_b = npio.read_model_file(b)
    assert sorted(arrays_a) == sorted(arrays_b)
    assert sum(k.startswith("optimizer/") for k in arrays_a) > 8       # the slots are compared too
    for key in arrays_a:
        assert arrays_a[key].dtype == arrays_b[key].dtype, key
        assert arrays_a[key].tobytes() == arrays_b[key].tobytes(), key
    state_a, state_b = config_a["training_state"], config_b["training_state"]
    assert state_a["history"] == state_b["history"]
    assert state_a["epoch"] == state_b["epoch"] and state_a["rng"] == state_b["rng"]
    assert config_a["optimizer"] == config_b["optimizer"]


# --- 1. data files -------------------------------------------------------------------------

@pytest.mark.parametrize("content, line, words", BAD_FILES)
def test_bad_data_files_are_one_line_and_exit_2(tmp_path, content, line, words):
    path = tmp_path / "bad-fra.txt"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    res = run("train", "--data", path, *TINY, "--epochs", 1, "--out", tmp_path / "m.npz")
    message = one_line_error(res)
    where = f"{path}, line {line}: " if line is not None else f"{path}: "
    assert message.startswith(f"npseq2seq train: error: {where}"), message
    assert words in message
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("make, problem", [
    (lambda p: None, "file not found"),
    (lambda p: p.mkdir(), "cannot be read: Is a directory"),
])
def test_missing_or_unreadable_data_path(tmp_path, make, problem):
    path = tmp_path / "fra.txt"
    make(path)
    res = run("train", "--data", path, *TINY, "--out", tmp_path / "m.npz")
    assert one_line_error(res) == f"npseq2seq train: error: {path}: {problem}"


def test_crlf_bom_no_final_newline_and_more_samples_than_lines_train(tmp_path):
    inputs, targets = number_word_pairs(20, seed=2)
    path = tmp_path / "windows.txt"
    path.write_bytes(("\ufeff" + "\r\n".join(f"{a}\t{b}" for a, b in zip(inputs, targets))).encode())
    res = run("train", "--data", path, "--num-samples", 10_000, *TINY, "--epochs", 1,
              "--validation-split", 0.25, "--out", tmp_path / "m.npz", "--show", 0)
    assert res.returncode == 0, res.stderr.decode()
    assert res.stdout.decode().startswith("20 pairs;")
    assert load_model(tmp_path / "m.npz").vocab.input_characters == tuple(sorted({*"".join(inputs), " "}))


# --- 2. translation input ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def model_file(reference):
    return reference(4)


def cli_translate(model_file, *args, stdin=None):
    return run("translate", "--model", model_file, *args, stdin=stdin)


def test_unknown_characters_are_named_or_dropped(model_file):
    message = one_line_error(cli_translate(model_file, "seven", "se#ven€"), command="translate")
    assert "unknown character(s) '#', '€' in text 'se#ven€'" in message
    assert "--ignore-unknown" in message
    res = cli_translate(model_file, "--ignore-unknown", "se#ven€", "#€")
    assert res.returncode == 0, res.stderr.decode()
    model = load_model(model_file)
    assert res.stdout.decode().split("\n") == [model.translate(["seven"])[0], "", ""]


def test_too_long_input_is_an_error_or_truncated(model_file):
    model = load_model(model_file)
    limit = model.vocab.max_encoder_seq_length
    text = "seven " * 10
    message = one_line_error(cli_translate(model_file, text), command="translate")
    # (the text quoted as a short excerpt, issue 18)
    assert message == (f"npseq2seq translate: error: text 1: {excerpt(text)} has {len(text)} characters, "
                       f"more than the model's limit of {limit} (--truncate cuts it)")
    res = cli_translate(model_file, "--truncate", text)
    assert res.returncode == 0, res.stderr.decode()
    assert res.stdout.decode() == model.translate([text[:limit]])[0] + "\n"


def test_stdin_lf_crlf_bom_no_final_newline_and_empty_lines_agree(model_file):
    texts = ["seven", "", "twelve", "one hundred"]
    expected = cli_translate(model_file, *texts)
    assert expected.returncode == 0
    assert expected.stdout.decode().split("\n")[1] == ""        # an empty line answers an empty line
    for stdin in ["seven\n\ntwelve\none hundred\n", "seven\r\n\r\ntwelve\r\none hundred\r\n",
                  "seven\n\ntwelve\none hundred", "\ufeffseven\r\n\r\ntwelve\r\none hundred"]:
        res = cli_translate(model_file, stdin=stdin.encode())
        assert (res.returncode, res.stdout) == (0, expected.stdout), stdin


def test_stdin_that_is_not_utf8_names_the_line(model_file):
    res = cli_translate(model_file, stdin=b"seven\ntw\xe9lve\n")       # latin-1, not UTF-8
    assert one_line_error(res, command="translate") == \
        "npseq2seq translate: error: <stdin>, line 2: bytes that are not valid UTF-8"


def test_an_argument_that_is_not_utf8_is_an_unknown_character(model_file):
    res = subprocess.run([sys.executable, "-m", "npseq2seq", "translate", "--model", str(model_file),
                          b"tw\xe9lve"], capture_output=True)
    assert r"unknown character(s) '\udce9'" in one_line_error(res, command="translate")


# --- 4. model files through the CLI --------------------------------------------------------------

def test_damaged_model_files_are_one_line_and_exit_2(model_file, tmp_path):
    data = model_file.read_bytes()
    cases = {"truncated.npz": data[: len(data) // 2], "empty.npz": b"", "text.npz": b"Go.\tVa !\n"}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
    evil = tmp_path / "evil.npz"
    with zipfile.ZipFile(model_file) as src, zipfile.ZipFile(evil, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("extra.npy", _object_npy())
    config = npio.read_arrays(model_file)
    stored = json.loads(config[npio.CONFIG_KEY].tobytes())
    config[npio.CONFIG_KEY] = np.frombuffer(json.dumps({**stored, "format_version": 99}).encode(), np.uint8)
    np.savez(tmp_path / "future.npz", **config)
    expected = {"truncated.npz": "not a readable .npz archive", "empty.npz": "not a readable .npz archive",
                "text.npz": "not a readable .npz archive",
                "evil.npz": "unexpected arrays ['extra']",    # refused by its name, never read
                "future.npz": "format_version 99 is not supported", "missing.npz": "no such file"}
    for name, problem in expected.items():
        path = tmp_path / name
        message = one_line_error(cli_translate(path, "seven"), command="translate")
        assert message.startswith(f"npseq2seq translate: error: {path}: ") and problem in message
        message = one_line_error(run("train", "--resume", path, "--epochs", 9))
        assert message.startswith(f"npseq2seq train: error: {path}: ") and problem in message


def _object_npy():
    import io
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.array([print, 1], dtype=object), allow_pickle=True)
    return buf.getvalue()


# --- 5. resume, Ctrl-C, kill ---------------------------------------------------------------------

def test_same_seed_gives_bit_identical_runs_and_another_seed_does_not(corpus, reference, tmp_path):
    again = tmp_path / "again.npz"
    assert run("train", "--data", corpus, "--epochs", 4, *TINY, "--out", again).returncode == 0
    assert_same_run(reference(4), again)
    other = tmp_path / "other.npz"
    args = [a if a != "7" else "8" for a in TINY]                   # --seed 8
    assert run("train", "--data", corpus, "--epochs", 4, *args, "--out", other).returncode == 0
    assert not np.array_equal(load_model(other).get_weights()[0], load_model(again).get_weights()[0])


def test_train_then_resume_equals_one_uninterrupted_run(corpus, reference, tmp_path):
    out = tmp_path / "m.npz"
    assert run("train", "--data", corpus, "--epochs", 2, *TINY, "--out", out).returncode == 0
    res = run("train", "--resume", out, "--epochs", 4)
    assert res.returncode == 0, res.stderr.decode()
    assert f"resuming from {out} after epoch 2 of 4" in res.stdout.decode()
    assert "Epoch 3/4" in res.stdout.decode() and "Epoch 2/4" not in res.stdout.decode()
    assert_same_run(reference(4), out)


def test_ctrl_c_saves_a_checkpoint_exits_130_and_resumes_bit_equal(corpus, reference, tmp_path):
    out = tmp_path / "m.npz"
    proc = start("train", "--data", corpus, "--epochs", 1000, *TINY, "--out", out)
    try:
        lines = wait_for_epoch(proc, 3)
        proc.send_signal(signal.SIGINT)
        # read through the same file objects (communicate() would skip what they have buffered)
        rest, err = proc.stdout.read(), proc.stderr.read()
        proc.wait(timeout=120)
    finally:
        proc.kill()
    lines += rest.splitlines(keepends=True)
    ckpt = tmp_path / "m.ckpt.npz"
    assert proc.returncode == 130, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    model, state = npio.load_checkpoint(ckpt)
    epoch = state["epoch"]
    # the signal may land after an epoch's line is printed but before its state is kept
    assert completed_epochs(lines) - 1 <= epoch <= completed_epochs(lines) and epoch >= 2
    assert err.strip() == (f"npseq2seq train: interrupted; epoch {epoch} saved to {ckpt}; "
                           f"continue with: npseq2seq train --resume {ckpt}")
    assert not out.exists()                                          # the run did not finish
    res = run("train", "--resume", ckpt, "--epochs", epoch + 2)
    assert res.returncode == 0, res.stderr.decode()
    assert_same_run(reference(epoch + 2), out)


def test_sigkill_with_checkpoint_every_loses_at_most_an_epoch(corpus, reference, tmp_path):
    out, ckpt = tmp_path / "m.npz", tmp_path / "every.npz"
    proc = start("train", "--data", corpus, "--epochs", 1000, *TINY, "--out", out,
                 "--checkpoint", ckpt, "--checkpoint-every", 1)
    try:
        lines = wait_for_epoch(proc, 3)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        proc.kill()
    _, state = npio.load_checkpoint(ckpt)           # loads: the kill cannot leave a half file
    epoch = state["epoch"]
    assert completed_epochs(lines) - 1 <= epoch and epoch >= 2
    # --out again: a resumed run writes where told, or by the rule of `train --help` (issue 18)
    res = run("train", "--resume", ckpt, "--epochs", epoch + 2, "--out", out)
    assert res.returncode == 0, res.stderr.decode()
    assert_same_run(reference(epoch + 2), out)


def test_resume_refuses_what_would_not_continue_the_same_run(corpus, reference, tmp_path):
    ref = reference(4)
    plain = tmp_path / "plain.npz"
    load_model(ref).save(plain)
    changed = tmp_path / "changed.txt"
    changed.write_text(corpus.read_text().replace("one", "uno", 1), encoding="utf-8")
    cases = [
        (["--latent-dim", 16], "--latent-dim 16 does not match the checkpoint's --latent-dim 8"),
        (["--seed", 8], "--seed 8 does not match the checkpoint's --seed 7"),
        (["--epochs", 3], "--epochs 3 is fewer than the 4 epochs the checkpoint has already trained"),
        (["--data", changed], f"{changed}: the first 10000 pairs differ from those the checkpoint"),
    ]
    for args, problem in cases:
        message = one_line_error(run("train", "--resume", ref, *args))
        assert problem in message, message
    message = one_line_error(run("train", "--resume", plain, "--epochs", 5))
    assert f"{plain}: not a checkpoint" in message


@pytest.mark.parametrize("args, problem", [
    (["--validation-split", 1.5], "validation_split must be a number in [0, 1), received 1.5"),
    (["--validation-split", 0.999], "leaves no samples for training out of 60"),
    ([], "--out is required"),
])
def test_bad_training_flags_are_one_line(corpus, tmp_path, args, problem):
    out = [] if not args else ["--out", tmp_path / "m.npz"]
    message = one_line_error(run("train", "--data", corpus, *TINY, *args, *out))
    assert problem in message, message


# --- 6. NaN / Inf -----------------------------------------------------------------------------

def test_a_diverging_run_stops_naming_epoch_and_batch_and_saves_finite_weights(corpus, tmp_path):
    out = tmp_path / "m.npz"
    res = run("train", "--data", corpus, "--epochs", 3, *TINY[:6], "--learning-rate", "1e36",
              "--out", out)
    message = one_line_error(res, status=1)
    ckpt = tmp_path / "m.ckpt.npz"
    assert re.fullmatch(
        rf"npseq2seq train: error: epoch 1, batch [23]: loss became (nan|inf); weights left as they "
        rf"were before this batch; the state before epoch 1 \(no epoch completed\) saved to "
        rf"{re.escape(str(ckpt))} \(a lower --learning-rate, or --clipnorm / --clipvalue, may help\)",
        message), message
    model, state = npio.load_checkpoint(ckpt)       # load_checkpoint refuses NaN/Inf arrays
    assert state["epoch"] == 0 and not out.exists()
    fresh = Seq2Seq(model.num_encoder_tokens, model.num_decoder_tokens, 8, seed=7)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), fresh.get_weights()))


def test_nan_in_a_later_epoch_saves_the_last_good_epoch(corpus, tmp_path, monkeypatch, capsys):
    """In process, so a NaN can be planted at epoch 2, batch 2 (the 5th training batch)."""
    common = ["train", "--data", str(corpus), *map(str, TINY)]
    assert cli.main([*common, "--epochs", "1", "--out", str(tmp_path / "one.npz")]) == 0
    real, calls = Seq2Seq._loss_and_grads, []

    def poisoned(self, batch, with_grads=True, embedding_rows=False, training=False):
        # the validation loss goes through here too (with_grads=False): count training batches only
        calls.extend([1] if with_grads else [])
        loss, grads, weight = real(self, batch, with_grads, embedding_rows, training=training)
        return (float("nan") if with_grads and len(calls) == 5 else loss), grads, weight

    monkeypatch.setattr(Seq2Seq, "_loss_and_grads", poisoned)
    capsys.readouterr()
    assert cli.main([*common, "--epochs", "3", "--out", str(tmp_path / "m.npz")]) == cli.EXIT_DIVERGED
    err = capsys.readouterr().err
    assert err.startswith("npseq2seq train: error: epoch 2, batch 2: loss became nan; weights left as "
                          f"they were before this batch; epoch 1 saved to {tmp_path / 'm.ckpt.npz'}")
    assert len(err.strip().splitlines()) == 1
    _, ckpt = npio.read_model_file(tmp_path / "m.ckpt.npz")
    _, one = npio.read_model_file(tmp_path / "one.npz")
    assert ckpt.keys() == one.keys()
    assert all(ckpt[k].tobytes() == one[k].tobytes() for k in one)


# --- generated corpora: the number of pairs asked for, or a clear error ----------------

def test_corpus_pairs_are_the_number_asked_for_or_a_usage_error():
    """`train`/`evaluate --corpus` once sliced the generator's default output: at most
    50,000 sums or 1,000 numbers, whatever --num-samples said."""
    inputs, targets = cli_args.corpus_pairs("addition", 60_000)
    assert len(inputs) == len(targets) == 60_000
    with pytest.raises(cli_args.UsageError, match="--num-samples 1001: the numbers corpus has only 1000"):
        cli_args.corpus_pairs("numbers", 1001)


def test_train_on_a_small_corpus_defaults_to_all_of_it(tmp_path):
    parser = cli.build_parser()
    args = parser.parse_args(["train", "--corpus", "numbers", "--out", str(tmp_path / "m.npz")])
    assert cli_train.train_settings(args, None)["num_samples"] == 1000
    args = parser.parse_args(["train", "--corpus", "addition", "--out", str(tmp_path / "m.npz")])
    assert cli_train.train_settings(args, None)["num_samples"] == 10000
    res = subprocess.run([sys.executable, "-m", "npseq2seq", "train", "--corpus", "numbers",
                          "--num-samples", "2000", "--out", str(tmp_path / "m.npz")],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 2 and "the numbers corpus has only 1000 distinct pairs" in res.stderr


def test_evaluate_scores_the_pairs_after_skip_in_a_large_corpus():
    class Untrained:                    # a model file that does not say what it was trained on
        training_state = None
    args = cli.build_parser().parse_args(["evaluate", "--model", "m.npz", "--corpus", "addition",
                                          "--skip", "49500", "--num-samples", "1000"])
    inputs, references, first, _ = cli_evaluate.evaluation_pairs(args, Untrained())
    assert len(inputs) == len(references) == 1000 and first == 49501
    args = cli.build_parser().parse_args(["evaluate", "--model", "m.npz", "--corpus", "numbers",
                                          "--skip", "900"])
    assert len(cli_evaluate.evaluation_pairs(args, Untrained())[0]) == 100      # what is left of 1,000


def test_train_show_must_not_be_negative(tmp_path):
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["train", "--corpus", "numbers", "--show", "-3",
                                       "--out", str(tmp_path / "m.npz")])


def test_demo_without_held_out_pairs_scores_only_the_training_pairs():
    res = subprocess.run([sys.executable, "-m", "npseq2seq", "demo", "--corpus", "numbers",
                          "--num-samples", "100", "--epochs", "1", "--latent-dim", "8",
                          "--validation-split", "0"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "training pairs translated exactly right" in res.stdout
    assert "held-out" not in res.stdout.split("trained in")[1] and "nan" not in res.stdout
    assert "Mean of empty slice" not in res.stderr
