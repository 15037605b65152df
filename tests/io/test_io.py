"""Model files: atomic writes (killed mid-write), and loads that reject every damaged or
tampered file with a ModelFileError naming it, without ever unpickling anything."""
import io
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from npseq2seq import ModelFileError, RMSprop, Seq2Seq, load_model, optimizers
from npseq2seq import io as npio
from npseq2seq.losses import CategoricalCrossentropy
from npseq2seq.text import CharVocab, generated_corpus, vectorize

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def trained():
    """A tiny model after one epoch of RMSprop: weights, optimizer slots and a used RNG; its
    loss is not the default one (exact_gradient=True), so a loader that ignored the saved
    loss would give a different model."""
    inputs, targets = generated_corpus("numbers", num_samples=40)
    vocab = CharVocab.from_texts(inputs, targets)
    enc, dec, tgt = vectorize(inputs, targets, vocab)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 8, seed=3, vocab=vocab)
    model.compile(RMSprop(learning_rate=0.01), CategoricalCrossentropy(exact_gradient=True))
    hist = model.fit([enc, dec], tgt, batch_size=16, epochs=1, verbose=0)
    return model, hist.history


@pytest.fixture()
def checkpoint(trained, tmp_path):
    model, history = trained
    path = tmp_path / "ckpt.npz"
    npio.save_checkpoint(model, path, epoch=1, history=history, note="hello")
    return path


def same_weights(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights()))


def npy_bytes(arr, allow_pickle=False):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asanyarray(arr), allow_pickle=allow_pickle)
    return buf.getvalue()


def write_zip(path, members):
    """An .npz by hand: ``members`` maps a name to an array or to raw .npy bytes."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, value in members:
            zf.writestr(name + ".npy", value if isinstance(value, bytes) else npy_bytes(value))
    return path


def config_of(path):
    return json.loads(npio.read_arrays(path)[npio.CONFIG_KEY].tobytes())


def rewrite(src, dst, config=None, arrays=None):
    """Copy a model file with its config and/or arrays edited (each a function, in place)."""
    members = npio.read_arrays(src)
    cfg = json.loads(members.pop(npio.CONFIG_KEY).tobytes())
    if config:
        config(cfg)
    if arrays:
        arrays(members)
    members[npio.CONFIG_KEY] = np.frombuffer(json.dumps(cfg).encode(), np.uint8)
    np.savez(dst, **members)
    return dst


# --- round trips ------------------------------------------------------------------------------

def test_checkpoint_round_trip_restores_weights_slots_rng_epoch_history(trained, checkpoint):
    model, history = trained
    loaded, state = npio.load_checkpoint(checkpoint)
    assert same_weights(model, loaded)
    expected, got = model.optimizer.get_state(), loaded.optimizer.get_state()
    assert sorted(expected) == sorted(got) and len(got) > 2          # slots, not just the counters
    for key in expected:
        np.testing.assert_array_equal(expected[key], got[key])
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded.rng.bit_generator.state == model.rng.bit_generator.state
    assert state["epoch"] == 1 and state["history"] == history and state["note"] == "hello"
    assert loaded.vocab == model.vocab


def test_rng_state_continues_the_same_stream(trained, tmp_path):
    model, history = trained
    path = tmp_path / "c.npz"
    npio.save_checkpoint(model, path, epoch=1, history=history)
    loaded, _ = npio.load_checkpoint(path)
    twin = np.random.default_rng()
    twin.bit_generator.state = model.rng.bit_generator.state
    np.testing.assert_array_equal(loaded.rng.permutation(100), twin.permutation(100))


def test_a_plain_model_file_is_not_a_checkpoint(trained, tmp_path):
    model, _ = trained
    model.save(tmp_path / "plain.npz")
    assert load_model(tmp_path / "plain.npz").optimizer is None
    with pytest.raises(ModelFileError, match=r"plain\.npz: not a checkpoint"):
        npio.load_checkpoint(tmp_path / "plain.npz")


def test_new_files_get_the_umask_permissions_not_private_temp_ones(trained, tmp_path):
    model, _ = trained
    umask = os.umask(0o022)
    try:
        model.save(tmp_path / "m.npz")
    finally:
        os.umask(umask)
    assert (tmp_path / "m.npz").stat().st_mode & 0o777 == 0o644


# --- atomic writes ----------------------------------------------------------------------------

class Boom(Exception):
    pass


@pytest.mark.parametrize("where, exc", [("savez", OSError("No space left on device")),
                                        ("savez", KeyboardInterrupt()), ("fsync", Boom("crash"))])
def test_a_failed_write_leaves_the_previous_file_and_no_temporary(trained, tmp_path, monkeypatch, where, exc):
    model, _ = trained
    path = tmp_path / "m.npz"
    model.save(path)
    before = path.read_bytes()

    def half_then_fail(f, **arrays):          # writes part of the archive, then fails
        f.write(b"PK\x03\x04 partial")
        raise exc

    def fail(*args):
        raise exc

    if where == "savez":
        monkeypatch.setattr(npio.np, "savez", half_then_fail)
    else:
        monkeypatch.setattr(npio.os, "fsync", fail)
    other = Seq2Seq(model.num_encoder_tokens, model.num_decoder_tokens, 8, seed=99, vocab=model.vocab)
    with pytest.raises(type(exc)):
        other.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]
    assert same_weights(load_model(path), model)


CHILD = textwrap.dedent("""
    import os, sys, time
    import numpy as np
    from npseq2seq import Seq2Seq
    from npseq2seq import io as npio
    model = Seq2Seq(40, 40, {latent}, seed=0)
    path = sys.argv[1]
    if sys.argv[2] == "hang-before-rename":
        model.set_weights([np.full_like(w, 1.0) for w in model.params])
        model.save(path)
        def hang(fd):                               # the new file is complete but not renamed
            print("writing", flush=True)
            time.sleep(60)
        npio.os.fsync = hang
        model.set_weights([np.full_like(w, 2.0) for w in model.params])
        model.save(path)
    else:                                           # save forever, each file one constant
        for k in range(1, 10**6):
            model.set_weights([np.full_like(w, float(k)) for w in model.params])
            model.save(path)
            print("saved", k, flush=True)
""")


def spawn_saver(tmp_path, mode, latent):
    script = tmp_path / "saver.py"
    script.write_text(CHILD.format(latent=latent))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, str(script), str(tmp_path / "m.npz"), mode],
                            stdout=subprocess.PIPE, text=True, env=env)


def test_sigkill_between_write_and_rename_leaves_the_previous_file(tmp_path):
    proc = spawn_saver(tmp_path, "hang-before-rename", latent=8)
    try:
        assert proc.stdout.readline() == "writing\n"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    model = load_model(tmp_path / "m.npz")
    assert all((w == 1.0).all() for w in model.get_weights())      # the first save, whole
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name not in ("m.npz", "saver.py"))
    assert len(leftovers) == 1 and leftovers[0].startswith(".m.npz.") and leftovers[0].endswith(".tmp")
    # the stray temporary file is complete but unnamed: harmless, and the next save is unaffected
    Seq2Seq(40, 40, 8, seed=5).save(tmp_path / "m.npz")
    assert same_weights(load_model(tmp_path / "m.npz"), Seq2Seq(40, 40, 8, seed=5))


def test_sigkill_at_random_moments_never_leaves_a_damaged_file(tmp_path):
    """A ~5 MB model saved in a loop, killed at a random time once a write is under way: the
    file always loads and holds one whole save (every weight the same constant k)."""
    killed_mid_write = 0
    for delay in np.random.default_rng(0).uniform(0.0, 0.3, size=3):
        proc = spawn_saver(tmp_path, "loop", latent=384)
        try:
            assert proc.stdout.readline().startswith("saved")
            time.sleep(delay)
            deadline = time.monotonic() + 10
            while not any(tmp_path.glob(".m.npz.*.tmp")) and time.monotonic() < deadline:
                time.sleep(0.001)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            proc.kill()
        values = {float(v) for w in load_model(tmp_path / "m.npz").get_weights() for v in np.unique(w)}
        assert len(values) == 1, values
        leftovers = list(tmp_path.glob(".m.npz.*.tmp"))
        killed_mid_write += len(leftovers)
        for path in leftovers:
            path.unlink()
        assert {p.name for p in tmp_path.iterdir()} == {"m.npz", "saver.py"}
    assert killed_mid_write >= 1     # the kills did land inside writes


# --- damaged files --------------------------------------------------------------------------

def test_truncated_files_are_rejected_naming_the_file(checkpoint, tmp_path):
    data = checkpoint.read_bytes()
    bad = tmp_path / "truncated.npz"
    lengths = sorted({*range(0, len(data), 97), len(data) - 1, len(data) - 22})
    for n in lengths:
        bad.write_bytes(data[:n])
        with pytest.raises(ModelFileError, match="truncated.npz"):
            load_model(bad)
    assert len(lengths) > 100


def test_every_flipped_bit_is_caught_or_harmless(checkpoint, trained, tmp_path):
    """Flip one bit at every 41st byte, and at every 3rd byte of the zip directory at the end:
    either a ModelFileError naming the file, or (a flip in a field the reader ignores, e.g. a
    timestamp) exactly what was saved: the weights, the model config and vocab, the
    optimizer's config and state (iterations, learning rate, every slot), the loss config,
    and the training state (epoch, history, note, RNG state)."""
    model, history = trained
    saved_state = {"epoch": 1, "history": history, "note": "hello", "rng": model.rng.bit_generator.state}
    saved_slots = model.optimizer.get_state()
    assert set(saved_slots) - {"iterations", "learning_rate"}     # the optimizer has slots to compare
    data = checkpoint.read_bytes()
    bad = tmp_path / "flipped.npz"
    positions = sorted({*range(0, len(data), 41), *range(len(data) - 600, len(data), 3)})
    caught = harmless = 0
    for pos in positions:
        flipped = bytearray(data)
        flipped[pos] ^= 1 << (pos % 8)
        bad.write_bytes(flipped)
        try:
            loaded, state = npio.load_checkpoint(bad)
        except ModelFileError as err:
            assert str(err).startswith(str(bad))
            caught += 1
            continue
        assert same_weights(loaded, model)
        assert loaded.get_config() == model.get_config() and loaded.vocab == model.vocab
        assert optimizers.serialize(loaded.optimizer) == optimizers.serialize(model.optimizer)
        loaded_slots = loaded.optimizer.get_state()
        assert loaded_slots.keys() == saved_slots.keys()
        for key, value in saved_slots.items():
            got = loaded_slots[key]
            assert got.dtype == value.dtype and np.array_equal(got, value), key
        assert loaded.loss.get_config() == model.loss.get_config()
        assert state == saved_state
        assert loaded.rng.bit_generator.state == model.rng.bit_generator.state
        harmless += 1
    assert caught > 0.8 * len(positions) and len(positions) > 700
    assert harmless > 0                 # the comparisons above did run
    print(f"{caught} flips rejected, {harmless} harmless")


def test_not_a_model_file(tmp_path):
    cases = {"empty.npz": b"", "text.npz": b"English\tFrench\n", "zero.npz": b"\0" * 4096}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ModelFileError, match=f"{name}: not a readable .npz archive"):
            load_model(tmp_path / name)
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ModelFileError, match="other.npz: no __config__ entry"):
        load_model(tmp_path / "other.npz")
    with pytest.raises(ModelFileError, match="missing.npz: no such file"):
        load_model(tmp_path / "missing.npz")
    with pytest.raises(ModelFileError, match="is a directory"):
        load_model(tmp_path)


def _set(key, value):
    def edit(cfg):
        cfg[key] = value
    return edit


def _pop(key):
    return lambda d: d.pop(key)


W0 = "weights/encoder_lstm/kernel"

TAMPERED = {
    # config
    "format_version 2": (_set("format_version", 2), None, r"format_version 2 is not supported"),
    "format_version '1'": (_set("format_version", "1"), None, r"format_version '1' is not supported"),
    "no format_version": (_pop("format_version"), None, r"format_version None is not supported"),
    "other format": (_set("format", "keras"), None, "does not describe an npseq2seq model"),
    "model config missing": (_pop("model"), None, "invalid model config"),
    "latent_dim -1": (lambda c: c["model"].update(latent_dim=-1), None, "invalid model config.*latent_dim"),
    "unknown model key": (lambda c: c["model"].update(layers=3), None, "invalid model config"),
    "vocab broken": (lambda c: c["vocab"].pop("padding"), None, "invalid model config.*vocabulary"),
    "weight names": (lambda c: c["weights"].reverse(), None, "weight names"),
    "optimizer unknown": (lambda c: c["optimizer"].update(class_name="Adagrad"), None, "invalid optimizer state"),
    "loss smoothing 2": (lambda c: c["loss"].update(label_smoothing=2.0), None,
                         r"invalid loss: .label_smoothing must be a number in \[0, 1\], received 2.0"),
    "loss unknown": (lambda c: c["loss"].update(name="mse"), None, "invalid loss: .loss must be one of"),
    "rng state": (lambda c: c["training_state"]["rng"].update(bit_generator="MT19937"), None, "invalid RNG state"),
    # arrays
    "missing array": (None, _pop(W0), f"missing array '{W0}'"),
    "wrong shape": (None, lambda a: a.update({W0: a[W0][:-1]}), rf"array '{W0}' is float32\[\d+, 32\], expected"),
    "wrong dtype": (None, lambda a: a.update({W0: a[W0].astype(np.float64)}), rf"array '{W0}' is float64.*expected float32"),
    "big-endian": (None, lambda a: a.update({W0: a[W0].astype(">f4")}), rf"array '{W0}' is >f4"),
    "int weights": (None, lambda a: a.update({W0: a[W0].astype(np.int32)}), rf"array '{W0}' is int32"),
    "NaN weight": (None, lambda a: a[W0].__setitem__((0, 0), np.nan), f"array '{W0}' contains NaN or Inf"),
    "Inf weight": (None, lambda a: a[W0].__setitem__((0, 0), np.inf), f"array '{W0}' contains NaN or Inf"),
    "extra array": (None, lambda a: a.update({"weights/extra": np.zeros(2)}), r"unexpected arrays \['weights/extra'\]"),
    "missing slot": (None, _pop("optimizer/velocity_0"), "invalid optimizer state"),
    "slot shape": (None, lambda a: a.update({"optimizer/velocity_2": np.zeros(3, np.float32)}), "invalid optimizer state"),
    "slot dtype": (None, lambda a: a.update({"optimizer/velocity_2": a["optimizer/velocity_2"].astype(np.float64)}),
                   "array 'optimizer/velocity_2' is float64"),
    "slot NaN": (None, lambda a: a["optimizer/velocity_1"].__setitem__((0, 0), np.nan), "contains NaN"),
    "iterations": (None, lambda a: a.update({"optimizer/iterations": np.array(-3)}), "invalid optimizer state"),
}


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_tampered_files_are_rejected_with_a_clear_error(checkpoint, tmp_path, case):
    edit_config, edit_arrays, message = TAMPERED[case]
    bad = rewrite(checkpoint, tmp_path / "tampered.npz", config=edit_config, arrays=edit_arrays)
    with pytest.raises(ModelFileError, match=f"tampered.npz: .*{message}"):
        load_model(bad)


def test_bad_checkpoint_states_are_rejected(checkpoint, tmp_path):
    for name, value in [("epoch", -1), ("epoch", "3"), ("epoch", True), ("history", [1, 2]),
                        ("history", {"loss": ["x"]})]:
        bad = rewrite(checkpoint, tmp_path / "state.npz", config=lambda c: c["training_state"].update({name: value}))
        with pytest.raises(ModelFileError, match=f"state.npz: training_state {name}"):
            npio.load_checkpoint(bad)


def test_config_entry_must_be_json_bytes(checkpoint, tmp_path):
    members = npio.read_arrays(checkpoint)
    raw = members.pop(npio.CONFIG_KEY)
    for value, message in [(raw[:-5], "config is not valid JSON"),
                           (np.frombuffer(b"\xff\xfe", np.uint8), "config is not valid JSON"),
                           (np.frombuffer(b"[1, 2]", np.uint8), "config does not describe an npseq2seq model"),
                           (raw.astype(np.int64), "__config__ must be 1-D uint8 bytes")]:
        np.savez(tmp_path / "c.npz", **members, **{npio.CONFIG_KEY: value})
        with pytest.raises(ModelFileError, match=f"c.npz: {message}"):
            load_model(tmp_path / "c.npz")


def test_npy_headers_that_lie_are_rejected_before_allocating(checkpoint, tmp_path):
    members = list(npio.read_arrays(checkpoint).items())
    name, arr = members[1]
    assert arr.shape == (8, 32)
    header_says_more = npy_bytes(np.zeros((4096, 4096, 64), np.float32)[:0]).replace(b"(0, 4096, 64)", b"(4096, 4096, 64)")
    nbytes = arr.nbytes
    cases = {   # what the member holds, what the error says
        "short": (npy_bytes(arr)[:-4], rf": header says float32\[8, 32\] \({nbytes} bytes\) "
                                       rf"but {nbytes - 4} bytes follow"),
        "huge": (header_says_more, r": header says float32\[4096, 4096, 64\] \(4294967296 bytes\)"),
        "version 9": (b"\x93NUMPY\x09\x00" + npy_bytes(arr)[8:], r": .npy format version \(9, 0\) is not supported"),
    }
    for case, (blob, message) in cases.items():
        bad = write_zip(tmp_path / "lie.npz", [(n, blob if n == name else a) for n, a in members])
        with pytest.raises(ModelFileError, match=f"lie.npz: array '{name}'{message}"):
            load_model(bad)
    with pytest.warns(UserWarning, match="Duplicate name"):    # zipfile allows it, with a warning
        dup = write_zip(tmp_path / "dup.npz", members + [members[0]])
    with pytest.raises(ModelFileError, match="appears twice"):
        load_model(dup)


# --- pickles ----------------------------------------------------------------------------------

class Payload:
    """Unpickling this creates the marker file: the proof that code from a file has run."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("where", ["weight", "config", "extra"])
def test_pickle_bearing_files_are_refused_and_never_unpickled(checkpoint, tmp_path, where):
    marker = tmp_path / "pwned"
    evil = np.array([Payload(marker), 1], dtype=object)
    members = list(npio.read_arrays(checkpoint).items())
    if where == "extra":
        members.append(("evil", npy_bytes(evil, allow_pickle=True)))
    else:
        target = W0 if where == "weight" else npio.CONFIG_KEY
        members = [(n, npy_bytes(evil, allow_pickle=True) if n == target else a) for n, a in members]
    bad = write_zip(tmp_path / "evil.npz", members)

    with np.load(bad, allow_pickle=True) as npz:          # the payload is live: numpy would run it
        [npz[k] for k in npz.files]
    assert marker.exists()
    marker.unlink()

    # an extra member is refused by its name, before its bytes are even read (issue 18)
    problem = (r"unexpected arrays \['evil'\]" if where == "extra"
               else r"array '.*' holds Python objects \(a pickle\): refused")
    with pytest.raises(ModelFileError, match=f"evil.npz: {problem}"):
        load_model(bad)
    assert not marker.exists()
    if where == "extra":      # read as a bare archive, it is refused as a pickle
        with pytest.raises(ModelFileError, match=r"array 'evil' holds Python objects \(a pickle\)"):
            npio.read_arrays(bad)


def _documented_layout():
    """What ``npseq2seq.io``'s module docstring lists, read from its layout block (the literal
    block after ``Layout of the zip archive ...::``, a member name then its description):

    * members: each member name as a regular expression (``<i>`` a parameter number, any
      other ``<...>`` a name without a slash), mapped to whether the description of its
      group (the rows whose names share a first path component; ``__config__``'s without
      its key list) says "only saved with the optimizer";
    * keys: the JSON keys listed after "keys" in ``__config__``'s description, each
      mapped to its parenthesised note ("" without one)."""
    block = npio.__doc__.split("::\n\n", 1)[1].split("\n\n", 1)[0]
    rows = []                                            # [member, description]
    for line in block.splitlines():
        if line.startswith("    ") and not line.startswith("     "):
            member, _, text = line.strip().partition(" ")
            rows.append([member, text.strip()])
        else:                                            # the last row's description goes on
            rows[-1][1] += " " + line.strip()
    described = dict(rows)
    description, listed = described.pop(npio.CONFIG_KEY).split(" keys ", 1)
    groups = {npio.CONFIG_KEY: description}
    for member, text in described.items():
        groups[member.split("/")[0]] = groups.get(member.split("/")[0], "") + " " + text

    def regex(member):
        return "".join(r"\d+" if part == "<i>" else "[^/]+" if part.startswith("<") else re.escape(part)
                       for part in re.split(r"(<\w+>)", member))

    members = {regex(member): "only saved with the optimizer" in groups[member.split("/")[0]]
               for member, _ in rows}
    keys = {m.group(1): m.group(2) or "" for m in re.finditer(r"(\w+)(?: \(([^()]*)\))?", listed)}
    rebuilt = ", ".join(k + (f" ({note})" if note else "") for k, note in keys.items())
    assert rebuilt == listed, f"the key list did not parse as 'key (note), ...': {listed!r}"
    return members, keys


def test_the_members_and_config_keys_are_those_the_module_docstring_lists(trained, checkpoint, tmp_path):
    """The members and config keys of a checkpoint and of a plain model file are those
    ``npseq2seq.io``'s module docstring lists (parsed by ``_documented_layout``): a
    checkpoint has every documented config key and a member for each documented member
    pattern, and nothing else; a plain file has the same but for the keys and members
    documented as "only saved with the optimizer", and its null keys are exactly those
    documented "or null".
    Also as documented: the weights are the model's arrays in get_weights() order,
    named in the config's ``weights``; the optimizer's slots (RMSprop's one, ``velocity``)
    come one per parameter number i, shaped as that parameter; the training state holds
    the epoch, the history and the RNG state (beside the fixture's extra ``note``)."""
    model, _ = trained
    members, keys = _documented_layout()

    def matches(name):
        return [pattern for pattern in members if re.fullmatch(pattern, name)]

    arrays, config = npio.read_arrays(checkpoint), config_of(checkpoint)
    assert {name: len(matches(name)) for name in arrays} == {name: 1 for name in arrays}
    assert {pattern for name in arrays for pattern in matches(name)} == set(members)
    assert set(config) == set(keys)
    weights = [name for name in arrays if name.startswith("weights/")]
    assert weights == config["weights"] == npio.weight_names(model)
    for name, w in zip(weights, model.get_weights()):
        assert arrays[name].dtype == w.dtype and np.array_equal(arrays[name], w), name
    slots = {}
    for name in arrays:
        found = re.fullmatch(r"optimizer/(\w+)_(\d+)", name)
        if found:
            slots.setdefault(found.group(1), []).append(int(found.group(2)))
            assert arrays[name].shape == model.params[int(found.group(2))].shape, name
    assert {slot: sorted(i) for slot, i in slots.items()} == {"velocity": list(range(len(model.params)))}
    state_items = keys["training_state"].split(";")[0].split(", ")    # epoch, history, RNG state
    assert set(config["training_state"]) == {item.split()[0].lower() for item in state_items} | {"note"}

    model.save(tmp_path / "plain.npz")
    plain_arrays, plain = npio.read_arrays(tmp_path / "plain.npz"), config_of(tmp_path / "plain.npz")
    always = {pattern for pattern, optional in members.items() if not optional}
    assert always and always != set(members)             # both kinds are documented
    assert {pattern for name in plain_arrays for pattern in matches(name)} == always
    assert all(len(matches(name)) == 1 for name in plain_arrays)
    optimizer_only = {k for k, note in keys.items() if "only saved with the optimizer" in note}
    assert optimizer_only and set(plain) == set(keys) - optimizer_only
    assert {k for k, v in plain.items() if v is None} == {k for k, note in keys.items()
                                                          if note.endswith("or null")}
