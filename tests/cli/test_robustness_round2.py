"""The npseq2seq command as a tired user, a crashed job and a hostile file meet it (issue 18),
run in a subprocess as a user runs it (memory-hungry tries under an address-space limit,
so that a regression fails fast instead of exhausting the machine):

1. outputs checked before any work: never an input, never a special file, a writable place,
   a name that fits; what is saved and where when the final save fails;
2. SIGTERM and SIGHUP save a checkpoint as Ctrl-C does; a closed or broken stdout loses
   nothing;
3. nothing read from a checkpoint chooses a path to write;
4. bounded resources: data lines, stdin, sizes from flags and files;
5. exit statuses that mean one thing each, one line on stderr, short quotes of the input.
"""
import errno
import os
import re
import resource
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from npseq2seq import Seq2Seq, cli, load_model
from npseq2seq import io as npio
from npseq2seq.cli import exits
from npseq2seq.text import CharVocab, number_word_pairs
from npseq2seq.text.errors import shown_path
from tests.cli.test_cli_robustness import TINY, completed_epochs, one_line_error, wait_for_epoch

GiB = 1 << 30


def limited(address_space):
    """A preexec_fn: the child may map at most ``address_space`` bytes."""
    return lambda: resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))


def run(*args, stdin=None, address_space=2 * GiB, timeout=120, **kw):
    return subprocess.run([sys.executable, "-m", "npseq2seq", *map(str, args)], input=stdin,
                          capture_output=True, timeout=timeout,
                          preexec_fn=limited(address_space), **kw)


def start(*args, **kw):
    return subprocess.Popen([sys.executable, "-m", "npseq2seq", *map(str, args)], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=limited(2 * GiB), **kw)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    inputs, targets = number_word_pairs(60, seed=1)
    path = tmp_path_factory.mktemp("corpus") / "pairs.txt"
    path.write_text("".join(f"{a}\t{b}\n" for a, b in zip(inputs, targets)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def model_file(corpus, tmp_path_factory):
    inputs, targets = number_word_pairs(60, seed=1)
    vocab = CharVocab.from_texts(inputs, targets)
    path = tmp_path_factory.mktemp("model") / "m.npz"
    Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 8, seed=1, vocab=vocab).save(path)
    return path


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    """A model file written by one epoch of `train` (a checkpoint, with its settings)."""
    path = tmp_path_factory.mktemp("trained") / "m.npz"
    assert train(corpus, "--out", path).returncode == 0
    return path


def train(corpus, *args, epochs=1, **kw):
    return run("train", "--data", corpus, "--epochs", epochs, *TINY, *args, **kw)


def refused(res, *phrases, status=2, command="train"):
    """One line on stderr with every phrase, the status, and no training done."""
    line = one_line_error(res, status, command)
    for phrase in phrases:
        assert phrase in line, line
    assert b"Epoch" not in res.stdout, res.stdout
    return line


# --- 1. outputs ----------------------------------------------------------------------------------

def test_the_training_data_is_never_overwritten(corpus, tmp_path):
    before = corpus.read_bytes()
    link, hard = tmp_path / "link.txt", tmp_path / "hard.txt"
    link.symlink_to(corpus)
    os.link(corpus, hard)
    for flag, path in [("--out", corpus), ("--checkpoint", corpus), ("--out", link), ("--out", hard)]:
        extra = [] if flag == "--out" else ["--out", tmp_path / "m.npz"]
        refused(train(corpus, flag, path, *extra), f"is the same file as --data {corpus}",
                "would replace the --data file")
    assert corpus.read_bytes() == before and not (tmp_path / "m.npz").exists()


def test_special_files_and_directories_are_refused_as_outputs(corpus, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock"))
    try:
        for path, kind in [(fifo, "FIFO (named pipe)"), ("/dev/null", "character device"),
                           (tmp_path / "sock", "socket"), (tmp_path, "directory")]:
            refused(train(corpus, "--out", path), f"--out {path}: is a {kind}, expected a regular file")
    finally:
        sock.close()
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    for path in [".", "..", f"{tmp_path}/", ""]:
        refused(train(corpus, "--out", path), "names a directory, expected a file name")


def test_an_output_that_cannot_be_written_is_refused_before_training(corpus, tmp_path):
    plain = tmp_path / "plain"
    plain.write_text("x")
    refused(train(corpus, "--out", plain / "m.npz"), f"{plain} is not a directory")
    if os.geteuid() == 0:         # root writes anywhere a mode allows: a read-only file system
        if os.access("/sys", os.W_OK) and not os.path.ismount("/sys"):
            pytest.skip("no place root cannot write")
        refused(train(corpus, "--out", "/sys/m.npz"), "--out /sys/m.npz: cannot write in /sys: ")
        return
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        refused(train(corpus, "--out", locked / "m.npz"), f"--out {locked / 'm.npz'}: cannot write in "
                                                          f"{locked}: Permission denied")
        refused(train(corpus, "--out", tmp_path / "m.npz", "--checkpoint", locked / "new" / "c.npz"),
                f"cannot create directories in {locked}")
    finally:
        locked.chmod(0o700)


def test_long_names_fit_or_are_refused_before_training(corpus, tmp_path):
    longest = tmp_path / ("m" * 246 + ".npz")            # 250 bytes: its temporary name is cut to fit
    res = train(corpus, "--out", longest, "--checkpoint", tmp_path / "c.npz")
    assert res.returncode == 0, res.stderr.decode()
    load_model(longest)
    refused(train(corpus, "--out", tmp_path / ("m" * 252 + ".npz")),
            "the file name has 256 bytes, more than the 255 this file system takes")
    # the default checkpoint name (.ckpt.npz) is the one too long here
    refused(train(corpus, "--out", tmp_path / ("m" * 247 + ".npz")), "--checkpoint", "256 bytes")


def test_inspect_and_demo_check_their_outputs_first(model_file, tmp_path):
    plain = tmp_path / "plain"
    plain.write_text("x")
    line = one_line_error(run("inspect", "--model", model_file, "--out-dir", plain, "one"), command="inspect")
    # the flag's value as outputs.py shows it: whole up to 80 characters, else an excerpt
    # (the temporary directory's length varies: longer under pytest-xdist's workers)
    assert line.endswith(f"--out-dir {shown_path(plain / 'encoder.png', 80)}: {plain} is not a directory")
    line = one_line_error(run("demo", "--out", "/dev/null", "--epochs", 1), command="demo")
    assert line.endswith("--out /dev/null: is a character device, expected a regular file to replace "
                         "(or a new name)")


def test_the_model_and_its_checkpoint_need_a_file_each(corpus, tmp_path):
    refused(train(corpus, "--out", tmp_path / "m.npz", "--checkpoint", tmp_path / "m.npz"),
            "--out and --checkpoint name the same file")


def test_stale_temporary_files_are_removed_before_training(corpus, tmp_path):
    stale = tmp_path / ".m.npz.4194304.0123abcd.tmp"
    stale.write_bytes(b"half a model")
    os.utime(stale, (time.time() - 3600,) * 2)
    assert train(corpus, "--out", tmp_path / "m.npz").returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


def failing_writes(monkeypatch, failing, code=errno.ENOSPC):
    """Every atomic write to a path in ``failing`` (all, if None) fails as a full disk does."""
    real = npio.writing.atomic_write

    def write(path, fn):
        if failing is None or str(path) in map(str, failing):
            raise OSError(code, os.strerror(code), str(path))
        return real(path, fn)
    monkeypatch.setattr(npio.writing, "atomic_write", write)   # where atomic_savez looks it up


def test_a_failed_final_save_leaves_a_checkpoint_and_says_where(corpus, tmp_path, monkeypatch, capsys):
    out, ckpt = tmp_path / "m.npz", tmp_path / "m.ckpt.npz"
    failing_writes(monkeypatch, [out])
    args = ["train", "--data", str(corpus), "--epochs", "2", *map(str, TINY), "--out", str(out)]
    assert cli.main(args) == exits.EXIT_WRITE_FAILED
    err = capsys.readouterr().err.strip()
    assert err == (f"npseq2seq train: error: could not write --out {out}: No space left on device; "
                   f"epoch 2 saved to {ckpt}; continue with: npseq2seq train --resume {ckpt}")
    assert npio.load_checkpoint(ckpt)[1]["epoch"] == 2 and not out.exists()
    # the checkpoint's place full too: the temporary directory
    failing_writes(monkeypatch, [out, ckpt])
    assert cli.main(args) == exits.EXIT_WRITE_FAILED
    err = capsys.readouterr().err.strip()
    fallback = err.split(" saved to ")[1].split(" ")[0]
    assert f"(not to {ckpt}: No space left on device)" in err and fallback != str(ckpt)
    assert npio.load_checkpoint(fallback)[1]["epoch"] == 2
    assert stat.S_IMODE(os.stat(os.path.dirname(fallback)).st_mode) == 0o700     # a private directory
    os.unlink(fallback)
    os.rmdir(os.path.dirname(fallback))


def test_too_little_free_space_is_a_warning_before_training(corpus, tmp_path, monkeypatch, capsys):
    real = os.statvfs

    def nearly_full(path):
        info = real(path)
        return os.statvfs_result((info.f_bsize, 1024, info.f_blocks, 10, 10, *tuple(info)[5:]))
    monkeypatch.setattr(os, "statvfs", nearly_full)
    out = tmp_path / "m.npz"
    assert cli.main(["train", "--data", str(corpus), "--epochs", "1", *map(str, TINY), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"npseq2seq train: warning: {tmp_path} has 0.0 MiB free, and the model and its "
                          "checkpoint need about "), err
    assert "the final save may fail (a checkpoint is then saved elsewhere)" in err and out.exists()


def test_a_nan_on_a_full_disk_says_both(corpus, tmp_path, monkeypatch, capsys):
    real, calls = Seq2Seq._loss_and_grads, []

    def poisoned(self, batch, with_grads=True, embedding_rows=False, training=False):
        calls.extend([1] if with_grads else [])
        loss, grads, weight = real(self, batch, with_grads, embedding_rows, training=training)
        return (float("nan") if len(calls) == 5 else loss), grads, weight

    monkeypatch.setattr(Seq2Seq, "_loss_and_grads", poisoned)
    failing_writes(monkeypatch, None)
    ckpt = tmp_path / "m.ckpt.npz"
    args = ["train", "--data", str(corpus), "--epochs", "3", *map(str, TINY), "--out", str(tmp_path / "m.npz")]
    assert cli.main(args) == exits.EXIT_WRITE_FAILED
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("npseq2seq train: error: epoch 2, batch 2: loss became nan; ")
    assert f"; epoch 1 could not be saved anywhere ({ckpt}: No space left on device; " in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_inspect_on_a_full_disk_is_a_failed_write(model_file, tmp_path, monkeypatch, capsys):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "encoder.png"))
    monkeypatch.setattr(cli.inspect.inspect, "save_plots", full)
    args = ["inspect", "--model", str(model_file), "--out-dir", str(tmp_path), "one"]
    assert cli.main(args) == exits.EXIT_WRITE_FAILED
    assert capsys.readouterr().err == (f"npseq2seq inspect: error: could not write the plots in --out-dir "
                                       f"{tmp_path}: No space left on device\n")


def test_a_failed_periodic_checkpoint_warns_and_training_goes_on(corpus, tmp_path, monkeypatch, capsys):
    out, ckpt = tmp_path / "m.npz", tmp_path / "every.npz"
    failing_writes(monkeypatch, [ckpt], errno.EROFS)
    args = ["train", "--data", str(corpus), "--epochs", "2", *map(str, TINY), "--out", str(out),
            "--checkpoint", str(ckpt), "--checkpoint-every", "1"]
    assert cli.main(args) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"npseq2seq train: warning: the checkpoint of epoch {e} could not be written: "
                   "Read-only file system; training goes on, and the next save tries again"
                   for e in (1, 2)]
    assert npio.load_checkpoint(out)[1]["epoch"] == 2


# --- 2. signals and streams ----------------------------------------------------------------------

@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_save_a_checkpoint_as_ctrl_c_does(corpus, tmp_path, signum, status):
    out = tmp_path / "m.npz"
    proc = start("train", "--data", corpus, "--epochs", 1000, *TINY, "--out", out)
    try:
        lines = wait_for_epoch(proc, 2)
        proc.send_signal(signum)
        rest, err = proc.stdout.read(), proc.stderr.read()
        proc.wait(timeout=60)
    finally:
        proc.kill()
    ckpt = tmp_path / "m.ckpt.npz"
    assert proc.returncode == status, err
    _, state = npio.load_checkpoint(ckpt)
    epoch = state["epoch"]
    assert completed_epochs(lines + rest.splitlines()) - 1 <= epoch and epoch >= 1
    assert err.strip() == (f"npseq2seq train: interrupted by {signal.Signals(signum).name}; epoch {epoch} "
                           f"saved to {ckpt}; continue with: npseq2seq train --resume {ckpt}")


def test_a_signal_during_a_held_save_ends_the_run_after_it():
    from npseq2seq.cli.signals import Terminated, held, interrupts
    saved, before = [], signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated) as stop:
        with interrupts():
            with held():
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.01)                  # (Python runs handlers between bytecodes)
                saved.append("whole")
    assert saved == ["whole"] and stop.value.signum == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is before


def test_more_signals_during_the_save_do_not_cut_it_short(corpus, tmp_path):
    """A second Ctrl-C, a SIGTERM and a SIGHUP right after the first signal: ignored."""
    out = tmp_path / "m.npz"
    proc = start("train", "--data", corpus, "--epochs", 1000, *TINY, "--out", out)
    try:
        wait_for_epoch(proc, 2)
        for signum in (signal.SIGINT, signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            proc.send_signal(signum)
        err = proc.stderr.read()
        proc.wait(timeout=60)
    finally:
        proc.kill()
    # (signals pending together are handled lowest number first: whichever ends the run, its
    # status and its line agree, and the others are ignored)
    said = {129: "interrupted by SIGHUP; ", 130: "interrupted; ", 143: "interrupted by SIGTERM; "}
    assert proc.returncode in said, err
    assert err.startswith(f"npseq2seq train: {said[proc.returncode]}epoch ") and len(err.strip().splitlines()) == 1
    assert npio.load_checkpoint(tmp_path / "m.ckpt.npz")[1]["epoch"] >= 1


def test_a_closed_terminal_loses_no_training(corpus, tmp_path):
    """The run writes to a terminal that goes away (every write then fails with EIO) and gets
    SIGHUP: it saves its checkpoint all the same, saying so to nobody."""
    import pty
    master, slave = pty.openpty()
    out = tmp_path / "m.npz"
    proc = subprocess.Popen([sys.executable, "-m", "npseq2seq", "train", "--data", str(corpus), "--epochs", "1000",
                             *map(str, TINY), "--out", str(out)], stdout=slave, stderr=slave,
                            preexec_fn=limited(2 * GiB))
    os.close(slave)
    try:
        seen, deadline = b"", time.monotonic() + 60
        while b"Epoch 2/" not in seen and time.monotonic() < deadline:
            seen += os.read(master, 4096)
        os.close(master)                      # the terminal is gone
        time.sleep(0.2)
        proc.send_signal(signal.SIGHUP)
        assert proc.wait(timeout=60) == 129
    finally:
        proc.kill()
    assert npio.load_checkpoint(tmp_path / "m.ckpt.npz")[1]["epoch"] >= 1


def test_a_broken_stdout_loses_no_training(corpus, tmp_path):
    """`train ... | head -1`: the reader goes away after one line; training goes on and saves."""
    out = tmp_path / "m.npz"
    proc = start("train", "--data", corpus, "--epochs", 8, *TINY, "--out", out)
    try:
        proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read()
        proc.wait(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert npio.load_checkpoint(out)[1]["epoch"] == 8
    assert "Traceback" not in err and err.strip().startswith("npseq2seq train: stdout failed (Broken pipe); "
                                                             f"training went on: saved to {out}")


def test_a_closed_stdout_loses_no_training(corpus, tmp_path):
    """`train ... >&-`: started with no stdout at all."""
    out = tmp_path / "m.npz"
    res = subprocess.run([sys.executable, "-m", "npseq2seq", "train", "--data", str(corpus), "--epochs", "2",
                          *map(str, TINY), "--out", str(out)],
                         stderr=subprocess.PIPE, timeout=120, preexec_fn=lambda: os.close(1))
    assert res.returncode == 0, res.stderr.decode()
    assert npio.load_checkpoint(out)[1]["epoch"] == 2


def test_translate_stops_when_its_stdout_goes_away(model_file):
    proc = subprocess.Popen([sys.executable, "-m", "npseq2seq", "translate", "--model", str(model_file)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write(b"one\n")
    proc.stdin.flush()
    assert proc.stdout.readline()           # answered before stdin ended: streamed
    proc.stdout.close()
    proc.stdin.write(b"two\n" * 100)
    proc.stdin.close()
    assert proc.wait(timeout=60) == exits.EXIT_STDOUT_CLOSED
    assert b"Traceback" not in proc.stderr.read()


def test_translate_with_stdin_closed_says_so(model_file):
    res = subprocess.run([sys.executable, "-m", "npseq2seq", "translate", "--model", str(model_file)],
                         capture_output=False, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=60, preexec_fn=lambda: os.close(0))
    assert one_line_error(res, command="translate").endswith(
        "no sentences given and stdin is closed: give them as arguments or one per line on stdin")


# --- 3. files from outside are data --------------------------------------------------------------

def forged(source, path, **settings):
    """A copy of the checkpoint ``source`` whose stored training settings are changed."""
    from tests.io.test_io import rewrite
    return rewrite(source, path, config=lambda c: c["training_state"]["settings"].update(settings))


def test_a_checkpoint_never_chooses_where_to_write(trained, tmp_path):
    run_dir, victim = tmp_path / "run", tmp_path / "victim.txt"
    run_dir.mkdir()
    victim.write_text("precious")
    ckpt = forged(trained, run_dir / "x.ckpt.npz", out=str(victim), checkpoint=str(victim))
    res = run("train", "--resume", ckpt, "--epochs", 2)
    assert res.returncode == 0, res.stderr.decode()
    assert victim.read_text() == "precious"
    assert npio.load_checkpoint(run_dir / "x.npz")[1]["epoch"] == 2    # the rule: NAME.ckpt.npz -> NAME.npz
    assert "beside the checkpoint" in run("train", "--help").stdout.decode().replace("\n", " ")


def test_resume_writes_by_the_stated_rule_or_where_told(corpus, tmp_path):
    model = tmp_path / "m.npz"
    assert train(corpus, "--out", model).returncode == 0
    assert run("train", "--resume", model, "--epochs", 2).returncode == 0      # in place
    assert npio.load_checkpoint(model)[1]["epoch"] == 2
    elsewhere = tmp_path / "sub" / "n.npz"
    assert run("train", "--resume", model, "--epochs", 3, "--out", elsewhere).returncode == 0
    assert npio.load_checkpoint(elsewhere)[1]["epoch"] == 3
    assert npio.load_checkpoint(model)[1]["epoch"] == 2


def test_a_checkpoint_naming_a_data_path_that_is_not_a_regular_file_is_refused(trained, corpus, tmp_path):
    model, fifo = trained, tmp_path / "fifo"
    os.mkfifo(fifo)
    for data in (fifo, tmp_path / "gone.txt"):
        bad = forged(model, tmp_path / "bad.npz", data=str(data))
        refused(run("train", "--resume", bad, "--epochs", 2, timeout=30),
                f"the data file the checkpoint names, {data}, is not a regular file (moved?): give it "
                "with --data")
    assert run("train", "--resume", bad, "--epochs", 2, "--data", corpus).returncode == 0


@pytest.mark.parametrize("setting, value, problem", [
    ("latent_dim", "8", "'latent_dim' must be int"),
    ("batch_size", 0, "'batch_size' must be a positive integer"),
    ("learning_rate", None, "'learning_rate' must not be null"),
    ("cell", "transformer", "'cell' must be one of ['gru', 'lstm']"),
    ("validation_split", 1.5, "'validation_split' must be in [0, 1)"),
    ("data", ["a"], "'data' must be str"),
    ("num_samples", True, "'num_samples' must be int"),
    ("validation_held_out", 0, "'validation_held_out' must be a positive integer"),
])
def test_broken_settings_in_a_checkpoint_are_one_line_errors(trained, tmp_path, setting, value, problem):
    bad = forged(trained, tmp_path / "bad.npz", **{setting: value})
    refused(run("train", "--resume", bad, "--epochs", 2), f"{bad}: training setting {problem}")


# --- 4. bounded resources ------------------------------------------------------------------------

def test_a_huge_line_in_the_data_is_refused_naming_it(corpus, tmp_path):
    data = tmp_path / "d.txt"
    data.write_text(corpus.read_text() + "x" * (1 << 20) + "\ty\n")
    refused(train(data, "--out", tmp_path / "m.npz", address_space=GiB),
            f"{data}, line 61: a line longer than 10000 characters: expected one sentence pair per "
            "line, starting 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'... (10002 characters)")
    refused(train("/dev/zero", "--out", tmp_path / "m.npz", address_space=GiB),
            "/dev/zero, line 1: a line longer than 10000 characters")


def test_training_arrays_too_big_for_memory_name_the_longest_line(tmp_path):
    """Lines within the limit, but id arrays (4 bytes a step) of over a GiB: refused before
    encoding."""
    data = tmp_path / "long.txt"
    letters = "abcdefghijklmnopqrstuvwxyz"
    lines = [f"{letters[k % 26]}\t{letters[(k + 1) % 26]}" for k in range(20000)]
    lines[123] = f"{letters * 190}\t{letters * 190}"              # 4940 characters each side
    data.write_text("\n".join(lines) + "\n")
    line = refused(train(data, "--out", tmp_path / "m.npz", "--num-samples", 20000, address_space=GiB),
                   f"encoding 20000 pairs padded to 4940 input and 4942 target characters (the longest "
                   f"at {data}, line 124) needs at least ", status=exits.EXIT_TOO_BIG)
    assert "of memory available" in line


def test_translate_reads_stdin_a_line_at_a_time_within_a_limit(model_file):
    with open("/dev/zero", "rb") as zero:
        res = subprocess.run([sys.executable, "-m", "npseq2seq", "translate", "--model", str(model_file)],
                             stdin=zero, capture_output=True, timeout=60, preexec_fn=limited(GiB))
    assert one_line_error(res, command="translate").endswith(
        "<stdin>, line 1: a line longer than 10000 characters")


@pytest.mark.parametrize("flags, phrase", [
    (["--latent-dim", 100_000], "a model of --latent-dim 100000 with"),
    (["--latent-dim", 20_000], "a model of --latent-dim 20000 with"),
])
def test_sizes_too_big_for_the_machine_are_refused_before_allocating(corpus, tmp_path, flags, phrase):
    res = train(corpus, "--out", tmp_path / "m.npz", *flags)
    line = refused(res, phrase, "more than the", "of memory available", status=exits.EXIT_TOO_BIG)
    assert len(line) < 200


def test_running_out_of_memory_mid_training_saves_a_checkpoint(corpus, tmp_path, monkeypatch, capsys):
    real, calls = Seq2Seq._loss_and_grads, []

    def hungry(self, batch, with_grads=True, embedding_rows=False, training=False):
        calls.extend([1] if with_grads else [])
        if len(calls) == 5:                     # epoch 2, batch 2
            raise MemoryError()
        return real(self, batch, with_grads, embedding_rows, training=training)

    monkeypatch.setattr(Seq2Seq, "_loss_and_grads", hungry)
    out, ckpt = tmp_path / "m.npz", tmp_path / "m.ckpt.npz"
    status = cli.main(["train", "--data", str(corpus), "--epochs", "3", *map(str, TINY), "--out", str(out)])
    err = capsys.readouterr().err
    assert status == exits.EXIT_TOO_BIG and len(err.strip().splitlines()) == 1, err
    assert err.startswith("npseq2seq train: error: out of memory training 60 pairs in batches of 16 at "
                          f"--latent-dim 8; epoch 1 saved to {ckpt}; continue with: ")
    assert npio.load_checkpoint(ckpt)[1]["epoch"] == 1 and not out.exists()


def test_running_out_of_memory_loading_a_model_names_it(model_file, monkeypatch, capsys):
    def hungry(path):
        raise MemoryError()
    monkeypatch.setattr(cli.limits, "load_model", hungry)
    assert cli.main(["translate", "--model", str(model_file), "one"]) == exits.EXIT_TOO_BIG
    assert capsys.readouterr().err == (f"npseq2seq translate: error: out of memory loading the model "
                                       f"file {model_file}\n")


def test_beam_and_n_best_are_bounded(model_file, corpus):
    res = run("evaluate", "--model", model_file, "--data", corpus, "--beam", 1001)
    assert res.returncode == 2 and "must be from 1 to 1000, got 1001" in res.stderr.decode()
    for flag in ("--beam", "--n-best"):
        res = run("translate", "--model", model_file, flag, 1_000_000, "one")
        assert res.returncode == 2 and "must be from 1 to 1000, got 1000000" in res.stderr.decode()
        assert len(res.stderr.decode().strip().splitlines()) == 1
    for alpha in ("nan", "1e308"):
        res = run("translate", "--model", model_file, "--beam", 3, "--length-penalty", alpha, "one")
        assert one_line_error(res, command="translate").endswith(f"--length-penalty {float(alpha)}: expected a "
                                                                 "number from -10 to 10 (GNMT uses 0 to 1)")
    res = run("translate", "--model", model_file, "--beam", 1000, "one", "two")
    assert res.returncode == 0 and len(res.stdout.splitlines()) == 2, res.stderr


# --- 5. exit statuses and messages ---------------------------------------------------------------

def test_a_bug_is_one_line_with_its_own_status(corpus, tmp_path, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise TypeError("something internal")
    monkeypatch.setattr(cli.train, "_load_training_pairs", broken)
    assert cli.main(["train", "--data", str(corpus), "--out", str(tmp_path / "m.npz")]) == exits.EXIT_INTERNAL
    err = capsys.readouterr().err
    assert err == ("npseq2seq train: internal error: TypeError: 'something internal' (a bug in npseq2seq; "
                   "NPSEQ2SEQ_TRACEBACK=1 shows where)\n")


def test_messages_quote_at_most_a_short_escaped_excerpt(model_file):
    huge = "é" * 50_000 + "\x1b[2J"
    res = run("translate", "--model", model_file, huge)
    line = one_line_error(res, command="translate")
    assert len(line) < 300 and "50004 characters" in line and "\x1b" not in line
    res = run("translate", "--model", model_file, "--beam", "x" * 100_000)
    err = res.stderr.decode()
    assert res.returncode == 2 and len(err) < 500 and len(err.strip().splitlines()) == 1, err


def test_names_with_newlines_and_escape_codes_stay_one_harmless_line(corpus, tmp_path):
    folder = tmp_path / "a\nb\x1b[2J"
    folder.mkdir()
    (folder / "m.npz").mkdir()
    line = refused(train(corpus, "--out", folder / "m.npz"), "is a directory")
    assert "\x1b" not in line and "a\\nb\\x1b[2J" in line
    res = run("translate", "--model", folder / "nothing.npz", "one")
    assert "\\x1b[2J/nothing.npz" in one_line_error(res, command="translate")


def test_every_exit_status_is_documented_in_the_readme():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("**Exit statuses.**")[1].split("\n\n")[0]
    statuses = {getattr(exits, n) for n in exits.__all__ if n.startswith("EXIT_")} | {129, 130, 143}
    assert statuses == {0, 1, 2, 3, 4, 70, 129, 130, 141, 143}
    for status in statuses:
        assert re.search(rf"(?<![\d.]){status}[:,]", section), status
    assert "1: the loss became NaN/Inf." in section


def test_argparse_errors_are_one_line(corpus):
    res = run("train", "--data", corpus, "--latent-dim", "lots")
    err = res.stderr.decode()
    assert res.returncode == 2 and err.count("\n") == 1 and "usage:" not in err
    assert "argument --latent-dim: invalid positive_int value: 'lots' (see npseq2seq train --help)" in err


def test_model_files_are_checked_before_a_model_is_built_from_the_cli(model_file, tmp_path):
    from tests.io.test_io import rewrite
    big = rewrite(model_file, tmp_path / "big.npz", config=lambda c: c["model"].update(latent_dim=3000))
    start_time = time.perf_counter()
    line = one_line_error(run("translate", "--model", big, "one", address_space=GiB), command="translate")
    assert "config says latent_dim 3000" in line and time.perf_counter() - start_time < 10
    assert np.isfinite(load_model(model_file).get_weights()[0]).all()
