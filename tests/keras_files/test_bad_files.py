"""A Keras model file is untrusted input: each way of lying or attacking is refused with a
``ModelFileError`` whose message names the file and the part (the zip member, the HDF5
object, the layer), before anything is executed, followed outside the file, or inflated
beyond bounds. The files are written with h5py and zipfile (``fixtures.py``), so these
tests need no TensorFlow."""
from __future__ import annotations

import io
import json
import zipfile

import h5py
import numpy as np
import pytest

from npseq2seq import ModelFileError, load_keras
from npseq2seq.cli import main

from .fixtures import KERAS3_GROUPS, keras3_config, tutorial_weights, write_blog_h5, write_keras3, write_weights_h5

VE, VD, H = 5, 6, 4


@pytest.fixture
def weights():
    return tutorial_weights(VE, VD, H)


def refused(path, *parts, **kwargs) -> str:
    with pytest.raises(ModelFileError) as info:
        load_keras(path, **kwargs)
    message = str(info.value)
    assert str(path) in message, message
    for part in parts:
        assert part in message, message
    return message


def weights_bytes(weights, edit=None, tmp=None) -> bytes:
    """model.weights.h5 of the tutorial's model, edited by ``edit(h5py.File)``."""
    buffer = io.BytesIO()
    write_weights_h5(buffer, weights)
    if edit is not None:
        with h5py.File(buffer, "r+") as f:
            edit(f)
    return buffer.getvalue()


def test_the_fixture_itself_reads(tmp_path, weights):
    model = load_keras(write_keras3(tmp_path / "ok.keras", weights, VE, VD, H))
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), weights))


# --- code in the config --------------------------------------------------------------------

def _with_layer(entry: dict) -> dict:
    config = keras3_config(VE, VD, H)
    config["config"]["layers"].insert(-1, entry)
    return config


def test_a_lambda_layer_is_refused_by_name(tmp_path, weights):
    lam = {"module": "keras.layers", "class_name": "Lambda", "name": "lambda", "registered_name": None,
           "config": {"name": "lambda", "function": {"class_name": "__lambda__",
                                                     "config": {"code": "4wEAAAAAAAAA", "defaults": None}}},
           "inbound_nodes": []}
    path = write_keras3(tmp_path / "lambda.keras", weights, VE, VD, H, config=_with_layer(lam))
    message = refused(path, "config.json", "'lambda'", "Lambda", "never runs code")
    assert "model.weights.h5" not in message


def test_a_custom_object_is_refused(tmp_path, weights):
    custom = {"module": "my_package.layers", "class_name": "Mine", "name": "mine",
              "registered_name": "Custom>Mine", "config": {"name": "mine"}, "inbound_nodes": []}
    refused(write_keras3(tmp_path / "custom.keras", weights, VE, VD, H, config=_with_layer(custom)),
            "config.json", "'mine'", "custom object")


def test_a_custom_class_with_a_keras_name_is_refused(tmp_path, weights):
    config = keras3_config(VE, VD, H)
    config["config"]["layers"][2].update(module="evil.module", registered_name="evil>LSTM")
    refused(write_keras3(tmp_path / "custom.keras", weights, VE, VD, H, config=config),
            "config.json", "'lstm'", "custom object")


def test_a_layer_npseq2seq_does_not_have_is_named(tmp_path, weights):
    config = keras3_config(VE, VD, H)
    config["config"]["layers"][4]["class_name"] = "TimeDistributed"
    refused(write_keras3(tmp_path / "other.keras", weights, VE, VD, H, config=config),
            "config.json", "'dense'", "TimeDistributed")


def test_a_sequential_model_is_refused(tmp_path, weights):
    config = {"module": "keras", "class_name": "Sequential", "config": {"layers": []}}
    refused(write_keras3(tmp_path / "seq.keras", weights, VE, VD, H, config=config), "config.json", "Sequential")


# --- the zip archive ------------------------------------------------------------------------

def test_a_member_with_path_traversal_is_refused(tmp_path, weights):
    path = write_keras3(tmp_path / "evil.keras", weights, VE, VD, H, members={"../../etc/evil": "x"})
    refused(path, "zip member", "../../etc/evil", "leaves the archive")


def test_an_absolute_member_path_is_refused(tmp_path, weights):
    path = write_keras3(tmp_path / "evil.keras", weights, VE, VD, H, members={"/tmp/evil": "x"})
    refused(path, "zip member", "/tmp/evil")


def test_a_zip_bomb_is_refused_before_inflating(tmp_path, weights):
    path = tmp_path / "bomb.keras"
    write_keras3(path, weights, VE, VD, H)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("assets/zeros", b"\0" * (50 << 20))      # 50 MiB in ~50 KiB
    assert path.stat().st_size < 1 << 20
    refused(path, "zip member", "assets/zeros", "would inflate", "refused before inflating")


def test_a_missing_member_is_named(tmp_path, weights):
    path = tmp_path / "nocfg.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", "{}")
        z.writestr("model.weights.h5", weights_bytes(weights))
    refused(path, "config.json")


def test_config_json_that_is_not_json(tmp_path, weights):
    path = write_keras3(tmp_path / "bad.keras", weights, VE, VD, H, members={"config.json": "{not json"})
    refused(path, "config.json", "not valid JSON")


def test_deeply_nested_json_is_refused(tmp_path, weights):
    path = write_keras3(tmp_path / "deep.keras", weights, VE, VD, H, members={"config.json": "[" * 5000 + "]" * 5000})
    refused(path, "config.json", "nests")


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_a_truncated_keras_file(tmp_path, weights, keep):
    path = write_keras3(tmp_path / "cut.keras", weights, VE, VD, H)
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])
    refused(path, "truncated or corrupted")


# --- the HDF5 -------------------------------------------------------------------------------

def _external_link(f):
    del f["layers/lstm/cell/vars/0"]
    f["layers/lstm/cell/vars/0"] = h5py.ExternalLink("/etc/passwd", "/data")


def _soft_link(f):
    del f["layers/lstm/cell/vars/0"]
    f["layers/lstm/cell/vars/0"] = h5py.SoftLink("/layers/lstm_1/cell/vars/0")


def _virtual(f):
    value = f["layers/lstm/cell/vars/0"][()]
    del f["layers/lstm/cell/vars/0"]
    layout = h5py.VirtualLayout(shape=value.shape, dtype=value.dtype)
    layout[...] = h5py.VirtualSource("/etc/other.h5", "data", shape=value.shape)
    f["layers/lstm/cell/vars"].create_virtual_dataset("0", layout)


def _strings(f):
    del f["layers/lstm/cell/vars/2"]
    f["layers/lstm/cell/vars"].create_dataset("2", data=np.array([b"x" * 8] * (4 * H)))


def _objects(f):
    del f["layers/lstm/cell/vars/2"]
    f["layers/lstm/cell/vars"].create_dataset("2", data=["a"] * (4 * H), dtype=h5py.string_dtype())


def _ints(f):
    del f["layers/dense/vars/1"]
    f["layers/dense/vars"].create_dataset("1", data=np.arange(VD))


def _shape(f):
    del f["layers/lstm_1/cell/vars/2"]
    f["layers/lstm_1/cell/vars"].create_dataset("2", data=np.zeros(4 * H + 1, "float32"))


def _nan(f):
    f["layers/dense/vars/0"][0, 1] = np.nan


def _inf(f):
    f["layers/lstm/cell/vars/1"][2, 3] = np.inf


def _extra(f):
    f["layers/dense/vars"].create_dataset("2", data=np.zeros(3, "float32"))


@pytest.mark.parametrize("edit, parts", [
    (_external_link, ("layers/lstm/cell/vars/0", "external link", "/etc/passwd")),
    (_soft_link, ("layers/lstm/cell/vars/0", "SoftLink")),
    (_virtual, ("layers/lstm/cell/vars/0", "virtual dataset")),
    (_strings, ("layers/lstm/cell/vars/2", "string", "float32 or float64")),
    (_objects, ("layers/lstm/cell/vars/2", "string")),
    (_ints, ("layers/dense/vars/1", "int64", "float32 or float64")),
    (_shape, ("layers/lstm_1/cell/vars/2", "(17,)", "(16,)")),
    (_nan, ("layers/dense/vars/0", "NaN or Inf")),
    (_inf, ("layers/lstm/cell/vars/1", "NaN or Inf")),
    (_extra, ("layers/dense/vars", "expected the 2 arrays")),
], ids=lambda v: getattr(v, "__name__", "")[1:] if callable(v) else "")
def test_bad_weights_inside_a_keras_file(tmp_path, weights, edit, parts):
    path = write_keras3(tmp_path / "bad.keras", weights, VE, VD, H, weights_bytes=weights_bytes(weights, edit))
    refused(path, "model.weights.h5", *parts)


def test_external_storage_is_refused(tmp_path, weights):
    """A dataset whose bytes live in a raw file beside it (HDF5 external storage)."""
    raw = tmp_path / "raw.bin"
    raw.write_bytes(np.zeros(4 * H, "float32").tobytes())
    path = tmp_path / "s2s.h5"
    write_blog_h5(path, weights, VE, VD, H, recurrent_activation="sigmoid")
    with h5py.File(path, "r+") as f:
        del f["model_weights/lstm_1/lstm_1/bias:0"]
        f["model_weights/lstm_1"].create_dataset("lstm_1/bias:0", shape=(4 * H,), dtype="float32",
                                                 external=[(str(raw), 0, 4 * 4 * H)])
    refused(path, "lstm_1/bias:0", "external file", "raw.bin")


def test_a_truncated_h5(tmp_path, weights):
    path = write_blog_h5(tmp_path / "s2s.h5", weights, VE, VD, H, recurrent_activation="sigmoid")
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    refused(path, "truncated or corrupted")


def test_a_weight_missing_from_weight_names(tmp_path, weights):
    path = write_blog_h5(tmp_path / "s2s.h5", weights, VE, VD, H, recurrent_activation="sigmoid")
    with h5py.File(path, "r+") as f:
        f["model_weights/lstm_2"].attrs["weight_names"] = [b"lstm_2/kernel:0", b"lstm_2/recurrent_kernel:0"]
    refused(path, "'lstm_2'", "has 2 weights")


def test_an_oversized_weight_to_inflate_is_refused_before_reading(tmp_path, weights):
    """A gzip-compressed dataset of zeros that claims far more than the file holds: the
    config must agree with it, and then the bytes it would take are checked against the
    file's size before anything is read."""
    h = 512
    config = keras3_config(VE, VD, h)
    big = [np.zeros(s, "float32") for s in [(VE, 4 * h), (h, 4 * h), (4 * h,), (VD, 4 * h), (h, 4 * h), (4 * h,),
                                            (h, VD), (VD,)]]
    buffer = io.BytesIO()
    arrays = iter(big)
    with h5py.File(buffer, "w") as f:
        for group, count, name in zip(KERAS3_GROUPS, (3, 3, 2), ("lstm", "lstm_1", "dense")):
            g = f.create_group(group)
            g.attrs["name"] = name
            for i in range(count):
                g.create_dataset(str(i), data=next(arrays), compression="gzip")
    path = write_keras3(tmp_path / "bomb.keras", weights, VE, VD, h, config=config, weights_bytes=buffer.getvalue())
    refused(path, "model.weights.h5", "refused before reading")


def test_not_a_keras_file(tmp_path):
    path = tmp_path / "x.h5"
    path.write_bytes(b"hello, not a model at all")
    refused(path, "not a Keras model file")


def test_a_keras_1_file_is_refused(tmp_path, weights):
    path = write_blog_h5(tmp_path / "old.h5", weights, VE, VD, H, recurrent_activation="sigmoid", keras_version="1.2.2")
    refused(path, "keras_version", "Keras 1")


def test_a_directory_is_not_read(tmp_path):
    refused(tmp_path, "is a directory")


def test_a_weights_only_file_needs_a_config(tmp_path, weights):
    path = tmp_path / "model.weights.h5"
    write_weights_h5(path, weights)
    refused(path, "weights only", "config=Seq2SeqConfig")


def test_the_cli_says_it_in_one_line_with_status_2(tmp_path, weights, capsys):
    path = write_keras3(tmp_path / "bad.keras", weights, VE, VD, H, weights_bytes=weights_bytes(weights, _nan))
    status = main(["import-keras", str(path), "--out", str(tmp_path / "m.npz")])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "bad.keras" in err and "layers/dense/vars/0" in err and "NaN" in err
    assert not (tmp_path / "m.npz").exists()


def test_metadata_is_read_as_data(tmp_path, weights):
    path = write_keras3(tmp_path / "meta.keras", weights, VE, VD, H,
                        members={"metadata.json": json.dumps({"keras_version": "1.0.0"})})
    refused(path, "keras_version")


def test_keras_3s_hard_sigmoid_is_not_keras_2s(tmp_path, weights):
    """Keras 3 redefined "hard_sigmoid" (x/6 + 0.5): a Keras 3 file with it is refused, where
    a Keras 2 file's "hard_sigmoid" (0.2x + 0.5) is read (test_blog_era.py)."""
    config = keras3_config(VE, VD, H)
    config["config"]["layers"][2]["config"]["recurrent_activation"] = "hard_sigmoid"
    refused(write_keras3(tmp_path / "hs.keras", weights, VE, VD, H, config=config),
            "config.json", "'lstm'", "Keras 3's 'hard_sigmoid'")
