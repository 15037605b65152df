"""Model files from outside, read at a bounded cost (issue 18): zip members checked by size
and name before they are inflated, config sizes against the arrays before a model is
built, the vocabulary against the weights, the JSON's depth; special files never read;
atomic writes that keep an overwritten file's mode, follow a symlink, refuse special
files, cut a long temporary name to fit, and clean up after a killed run."""
import json
import os
import stat
import time
import zipfile

import numpy as np
import pytest

from npseq2seq import ModelFileError, Seq2Seq, atomic, load_model
from npseq2seq import io as npio
from npseq2seq.text import CharVocab, generated_corpus
from tests.io.test_io import npy_bytes, rewrite, write_zip


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    inputs, targets = generated_corpus("numbers", num_samples=40)
    vocab = CharVocab.from_texts(inputs, targets)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 8, seed=3, vocab=vocab)
    path = tmp_path_factory.mktemp("model") / "m.npz"
    model.save(path)
    return path


def members_of(path):
    return list(npio.read_arrays(path).items())


# --- the archive: sizes and names before inflating ---------------------------------------------

def test_a_member_that_would_inflate_far_beyond_its_size_is_refused_before_inflating(model_file, tmp_path):
    bomb = tmp_path / "bomb.npz"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, value in members_of(model_file):
            zf.writestr(name + ".npy", npy_bytes(value))
        zf.writestr("weights/encoder_lstm/kernel_pad.npy", bytes(64 << 20))   # 64 MiB of zeros
    assert bomb.stat().st_size < 200_000
    start = time.perf_counter()
    with pytest.raises(ModelFileError, match=r"bomb.npz: array 'weights/encoder_lstm/kernel_pad' would "
                                             r"inflate from \d+ to 67108864 bytes: refused before"):
        load_model(bomb)
    assert time.perf_counter() - start < 0.5


def test_members_whose_sizes_add_up_to_far_more_than_the_file_are_refused(model_file, tmp_path):
    many = tmp_path / "many.npz"
    with zipfile.ZipFile(many, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, value in members_of(model_file):
            zf.writestr(name + ".npy", npy_bytes(value))
        for k in range(60):    # each under the per-member slack, together far over the file
            zf.writestr(f"weights/x{k}.npy", bytes(60_000))
    with pytest.raises(ModelFileError, match=r"many.npz: its members would inflate to \d+ bytes from a "
                                             r"\d+-byte file: refused before inflating them"):
        load_model(many)


def test_names_are_checked_against_the_config_before_any_array_is_read(model_file, tmp_path):
    """An unexpected member holding garbage: the name is refused, its bytes never parsed."""
    odd = write_zip(tmp_path / "odd.npz", members_of(model_file) + [("evil", b"not an npy at all")])
    with pytest.raises(ModelFileError, match=r"odd.npz: unexpected arrays \['evil'\]"):
        load_model(odd)
    listed = rewrite(model_file, tmp_path / "listed.npz",
                     config=lambda c: c.update(weights=c["weights"] + ["weights/ghost/kernel"]))
    with pytest.raises(ModelFileError, match=r"listed.npz: missing array 'weights/ghost/kernel'"):
        load_model(listed)
    for weights in ("all", [1, 2], {"a": 1}):
        bad = rewrite(model_file, tmp_path / "w.npz", config=lambda c: c.update(weights=weights))
        with pytest.raises(ModelFileError, match="config 'weights' must list the weight arrays' names"):
            load_model(bad)


def central_entry(data: bytes, filename: str) -> int:
    """Where the central directory's entry of ``filename`` starts in a zip's bytes."""
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        length = int.from_bytes(data[pos + 28:pos + 30], "little")
        if data[pos + 46:pos + 46 + length] == filename.encode():
            return pos
        pos = data.find(b"PK\x01\x02", pos + 4)
    raise AssertionError(filename)


def test_a_member_longer_than_its_entry_declares_is_not_read_past_it(model_file, tmp_path):
    """The central directory says a member is 10 bytes shorter than it is (as a bomb that
    hides its size would): reading stops at the declared size, and the CRC then fails."""
    data = bytearray(model_file.read_bytes())
    with zipfile.ZipFile(model_file) as zf:
        info = zf.infolist()[1]
    entry = central_entry(bytes(data), info.filename)
    size = int.from_bytes(data[entry + 24:entry + 28], "little")
    assert size == info.file_size
    data[entry + 24:entry + 28] = (size - 10).to_bytes(4, "little")
    short = tmp_path / "short.npz"
    short.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=r"short.npz: not a readable .npz archive .*BadZipFile.*CRC"):
        load_model(short)


# --- the config: sizes, vocabulary, depth, before a model is built ----------------------------

def test_a_config_claiming_huge_sizes_is_refused_before_a_model_is_built(model_file, tmp_path, monkeypatch):
    built = []
    monkeypatch.setattr(Seq2Seq, "__init__", lambda self, *a, **k: built.append(1))
    for key, value in (("latent_dim", 3000), ("num_encoder_tokens", 10**7), ("num_decoder_tokens", 10**6)):
        big = rewrite(model_file, tmp_path / "big.npz", config=lambda c: c["model"].update({key: value}))
        with pytest.raises(ModelFileError, match=rf"big.npz: config says .*{key} {value}.*: at least \d+ "
                                                 rf"weights, but its arrays hold \d+ numbers"):
            load_model(big)
    assert not built


def test_a_vocabulary_that_does_not_fit_the_weights_is_refused(model_file, tmp_path):
    def fewer_targets(c):
        c["vocab"]["target_characters"] = c["vocab"]["target_characters"][:-3]
    key = "target_characters"
    config = json.loads(npio.read_arrays(model_file)[npio.CONFIG_KEY].tobytes())
    assert key in config["vocab"], sorted(config["vocab"])
    small = rewrite(model_file, tmp_path / "small.npz", config=fewer_targets)
    with pytest.raises(ModelFileError, match=r"small.npz: the vocabulary has \d+ decoder tokens, the weights \d+"):
        load_model(small)


@pytest.mark.parametrize("key", ["max_decoder_seq_length", "max_encoder_seq_length"])
def test_sequence_lengths_from_a_file_are_bounded(model_file, tmp_path, key):
    long = rewrite(model_file, tmp_path / "long.npz", config=lambda c: c["vocab"].update({key: 10**9}))
    with pytest.raises(ModelFileError, match=rf"long.npz: the vocabulary's {key} is 1000000000, more "
                                             rf"than the {npio.MAX_SEQ_LENGTH} this npseq2seq decodes"):
        load_model(long)


@pytest.mark.parametrize("depth", [33, 100_000])
def test_json_nested_too_deep_is_refused_without_parsing_it(model_file, tmp_path, depth):
    members = dict(members_of(model_file))
    config = json.loads(members[npio.CONFIG_KEY].tobytes())
    text = json.dumps(config)[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"
    members[npio.CONFIG_KEY] = np.frombuffer(text.encode(), np.uint8)
    np.savez(tmp_path / "deep.npz", **members)
    with pytest.raises(ModelFileError, match=rf"deep.npz: config nests {depth + 1} deep, more than the 32"):
        load_model(tmp_path / "deep.npz")


def test_brackets_inside_strings_do_not_count_as_depth(model_file, tmp_path):
    rewrite(model_file, tmp_path / "s.npz", config=lambda c: c.update(note='[[[[{' * 40 + '"\\"' + "]" * 99))
    load_model(tmp_path / "s.npz")


def test_special_files_are_never_read_as_model_files(tmp_path):
    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    with pytest.raises(ModelFileError, match=r"fifo.npz: is a FIFO \(named pipe\), expected a model file"):
        load_model(fifo)      # would block forever if opened
    with pytest.raises(ModelFileError, match="/dev/zero: is a character device"):
        load_model("/dev/zero")
    with pytest.raises(ModelFileError, match="nowhere.npz: no such file"):
        load_model(tmp_path / "nowhere.npz")


def test_long_messages_from_a_file_are_cut(model_file, tmp_path):
    bad = rewrite(model_file, tmp_path / "v.npz", config=lambda c: c.update(format_version="x" * 10**6))
    with pytest.raises(ModelFileError) as err:
        load_model(bad)
    assert len(str(err.value)) < 300 and "... (1000000 characters) is not supported" in str(err.value)


# --- atomic writes ------------------------------------------------------------------------------

def test_an_overwrite_keeps_the_mode_and_breaks_hard_links(model_file, tmp_path):
    target, twin = tmp_path / "m.npz", tmp_path / "twin.npz"
    target.write_bytes(b"old")
    target.chmod(0o640)
    os.link(target, twin)
    load_model(model_file).save(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert twin.read_bytes() == b"old"          # the other name keeps the old contents (as mv)
    load_model(target)


def test_a_symlink_is_followed_and_stays_a_link(model_file, tmp_path):
    real, link = tmp_path / "real.npz", tmp_path / "link.npz"
    real.write_bytes(b"old")
    link.symlink_to(real)
    load_model(model_file).save(link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    load_model(real)


def test_special_files_are_never_replaced(model_file, tmp_path):
    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    model = load_model(model_file)
    for path in (fifo, tmp_path):
        with pytest.raises(atomic.NotARegularFileError, match="expected a regular file"):
            model.save(path)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo.npz"]


def test_a_long_name_gets_a_temporary_name_that_fits(model_file, tmp_path):
    name = "m" * (atomic.name_max(tmp_path) - 4) + ".npz"
    load_model(model_file).save(tmp_path / name)
    assert [p.name for p in tmp_path.iterdir()] == [name]
    assert len(os.fsencode(atomic.temp_name(tmp_path / name).name)) <= atomic.name_max(tmp_path)


def test_temporary_files_of_killed_runs_are_removed_and_others_left_alone(model_file, tmp_path):
    old = time.time() - 3600
    dead = tmp_path / ".m.npz.4194304.0123abcd.tmp"          # pid above pid_max: not running
    young = tmp_path / ".m.npz.4194305.0123abcd.tmp"         # dead but just written: left for now
    alive = tmp_path / f".m.npz.{os.getpid()}.0123abcd.tmp"  # a running process's
    other = tmp_path / ".other.npz.4194304.0123abcd.tmp"     # another file's
    link = tmp_path / ".m.npz.4194306.0123abcd.tmp"          # not a regular file
    for path in (dead, young, alive, other):
        path.write_bytes(b"partial")
    link.symlink_to(model_file)
    for path in (dead, alive, other):
        os.utime(path, (old, old))
    os.utime(link, (old, old), follow_symlinks=False)
    load_model(model_file).save(tmp_path / "m.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["m.npz", young.name, alive.name, other.name, link.name])
