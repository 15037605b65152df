"""Files written by tf.keras 2 itself (``tf_keras`` 2.21, the Keras of TensorFlow 2.x):
legacy ``model.save("x.h5")``, weight names with ``:0`` and a cell level
(``lstm/lstm_cell/kernel:0``), Keras 2 inbound nodes (an RNN's initial states listed after
its input). Each is written in one process that has tf_keras, and read by ``load_keras`` in
another where TensorFlow and Keras cannot be imported: weights bit-equal to tf_keras's
``get_weights()``, and the training model's probabilities (``predict``) equal to
tf_keras's on the same inputs.

tf_keras's ``hard_sigmoid`` is Keras 2's, clip(0.2x + 0.5, 0, 1) (``src/backend.py``), so
the hard_sigmoid models here are the parity check of the 2017 blog's cells (standalone
Keras 2.0–2.2 computed the same function, ``keras/backend/tensorflow_backend.py`` at 2.2.4).
The numbered cells of older TF versions (``lstm_1/lstm_cell_1/kernel:0``) are made by
renaming the datasets and ``weight_names`` of a file tf_keras wrote: the reader follows the
lists, not the names.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

from tests.conftest import missing

from .helpers import ROOT, assert_bit_equal, read_without_tensorflow

pytestmark = pytest.mark.parity

WRITER = r"""
import json, os, sys
import numpy as np
import tf_keras as keras
L = keras.layers
spec, out = json.loads(sys.argv[1]), sys.argv[2]
VE, VD, H = 7, 8, 5

def rnn(cell, units, **kw):
    extra = {"recurrent_activation": kw.pop("act")} if "act" in kw else {}
    if cell == "gru":
        extra["reset_after"] = kw.pop("reset_after", True)
    return (L.LSTM if cell == "lstm" else L.GRU)(units, **kw, **extra)

def build(k):
    cell, word, kw = k["cell"], k.get("word"), {"act": k["act"]} if "act" in k else {}
    if "reset_after" in k:
        kw["reset_after"] = k["reset_after"]
    ei = keras.Input(shape=(None,) if word else (None, VE))
    di = keras.Input(shape=(None,) if word else (None, VD))
    x = L.Embedding(VE, H, mask_zero=k.get("mask_zero", False))(ei) if word else ei
    y = L.Embedding(VD, H, mask_zero=k.get("mask_zero", False))(di) if word else di
    if k.get("masking"):
        x, y = L.Masking(0.0)(x), L.Masking(0.0)(y)
    att, layers = k.get("attention"), k.get("layers", 1)
    states = []
    for i in range(layers):
        seq = i < layers - 1 or bool(att)
        if k.get("bidirectional"):
            x, *s = L.Bidirectional(rnn(cell, H, return_sequences=seq, return_state=True, **kw))(x)
            half = len(s) // 2
            s = [L.Concatenate()([f, b]) for f, b in zip(s[:half], s[half:])]
        else:
            x, *s = rnn(cell, H, return_sequences=seq, return_state=True, **kw)(x)
        states.append(s)
    units = 2 * H if k.get("bidirectional") else H
    for i in range(layers):
        y, *_ = rnn(cell, units, return_sequences=True, return_state=True, **kw)(y, initial_state=states[i])
    if att:
        ctx = (L.Attention() if att == "luong" else L.AdditiveAttention(use_scale=True))([y, x])
        y = L.Concatenate()([y, ctx])
    return keras.Model([ei, di], L.Dense(VD, activation="softmax")(y))

rng = np.random.default_rng(0)
report = []
for name, k in spec.items():
    keras.backend.set_floatx(k["dtype"])
    keras.backend.clear_session()
    model = build(k)
    model.compile("rmsprop", "categorical_crossentropy")
    model.set_weights([rng.normal(0, 0.7, w.shape).astype(w.dtype) for w in model.get_weights()])
    model.save(os.path.join(out, name + ".h5"))
    if k.get("word"):
        x = [rng.integers(1, VE, (3, 6)), rng.integers(1, VD, (3, 5))]
    else:
        x = [np.eye(VE, dtype=k["dtype"])[rng.integers(0, VE, (3, 6))],
             np.eye(VD, dtype=k["dtype"])[rng.integers(0, VD, (3, 5))]]
    for i, a in enumerate(x):
        np.save(os.path.join(out, f"{name}.x{i}.npy"), a)
    np.savez(os.path.join(out, name + ".npz"), *model.get_weights(), probabilities=model.predict(x, verbose=0))
"""

KINDS = {
    "lstm-hard_sigmoid": dict(cell="lstm", act="hard_sigmoid"),
    "bi2-gru-luong": dict(cell="gru", bidirectional=True, layers=2, attention="luong"),
    "lstm": dict(cell="lstm"),
    "gru": dict(cell="gru"),
    "gru-hard_sigmoid": dict(cell="gru", act="hard_sigmoid"),
    "gru-reset_after_false": dict(cell="gru", reset_after=False),
    "word-lstm-mask_zero": dict(cell="lstm", word=True, mask_zero=True),
    "lstm-additive": dict(cell="lstm", attention="additive"),
    "stack2-lstm": dict(cell="lstm", layers=2),
    "masking-gru": dict(cell="gru", masking=True),
}
FAST = ("lstm-hard_sigmoid", "bi2-gru-luong")


def _write(tmp_path, kinds):
    try:
        import tf_keras  # noqa: F401
    except ImportError as err:
        missing(f"tf_keras is not installed ({err}): pip install -e '.[test]'")
    spec = {f"{name}.{dtype}": {**KINDS[name], "dtype": dtype} for name in kinds for dtype in ("float32", "float64")}
    done = subprocess.run([sys.executable, "-c", WRITER, json.dumps(spec), str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=900,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-3000:]
    return spec


def _check(tmp_path, kinds):
    spec = _write(tmp_path, kinds)
    jobs = [{"path": str(tmp_path / f"{name}.h5"),
             "probabilities": [str(tmp_path / f"{name}.x{i}.npy") for i in range(2)]} for name in spec]
    for name, result in zip(spec, read_without_tensorflow(tmp_path, jobs)):
        assert "error" not in result, f"{name}: {result['error']}"
        with np.load(tmp_path / f"{name}.npz") as theirs:
            assert_bit_equal(result["weights"], [theirs[f"arr_{i}"] for i in range(len(theirs) - 1)], name)
            tol = 1e-12 if name.endswith("float64") else 2e-6
            np.testing.assert_allclose(result["probabilities"], theirs["probabilities"], rtol=0, atol=tol,
                                       err_msg=name)
        if "hard_sigmoid" in name:
            assert result["config"]["recurrent_activation"] == "hard_sigmoid"


def test_tf_keras_files(tmp_path):
    _check(tmp_path, FAST)


@pytest.mark.slow
def test_tf_keras_files_of_every_kind(tmp_path):
    _check(tmp_path, [k for k in KINDS if k not in FAST])


def test_numbered_cells_of_older_tf_keras(tmp_path):
    """``lstm/lstm_cell_3/kernel:0`` (TF 2.x before tf_keras stopped numbering cells): the
    datasets and weight_names of a tf_keras file renamed so; the weights read the same."""
    _write(tmp_path, ["lstm"])
    path = tmp_path / "lstm.float32.h5"
    with h5py.File(path, "r+") as f:
        for k, layer in enumerate(["lstm", "lstm_1"]):
            group = f[f"model_weights/{layer}"]
            names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
            renamed = [n.replace("lstm_cell/", f"lstm_cell_{k + 3}/") for n in names]
            for old, new in zip(names, renamed):
                group.move(old, new)
            group.attrs["weight_names"] = [n.encode() for n in renamed]
    [result] = read_without_tensorflow(tmp_path, [{"path": str(path)}])
    with np.load(tmp_path / "lstm.float32.npz") as theirs:
        assert_bit_equal(result["weights"], [theirs[f"arr_{i}"] for i in range(8)], "numbered cells")
