"""``save_keras``: npseq2seq models as Keras 3 files, loaded by Keras itself.

For every variant Seq2Seq has, float64 and float32 (``keras_floatx``): the written
``.keras`` file loads with ``keras.models.load_model`` in safe mode (Keras's default: no
Lambda, no custom objects); the loaded model's ``get_weights()`` are npseq2seq's, bit for
bit, and its ``predict`` on random inputs is npseq2seq's ``predict`` (``reference.tolerances``;
with ``mask_zero`` at the real decoder steps, where Keras and npseq2seq compute alike: Keras
runs its decoder over padding, test_parity_variants.py says why). The ``.weights.h5`` file
loads into the ``reference/`` model with ``load_weights``.

Where ``reference/`` builds the variant's Keras training model, the written config.json
is compared with the one Keras writes for it, whole: every layer's class, config, build
config and inbound nodes, in the same order (layer names mapped one to one, since Keras
numbers them per process, and ``shared_object_id`` dropped: writer_layers.py says why).
"""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from npseq2seq import Seq2Seq
from npseq2seq.keras_files import save_keras
from reference.tolerances import tol

pytestmark = pytest.mark.parity

VE, VD, H = 7, 9, 4      # vocabularies, latent units
N, TE, TD = 5, 6, 5      # batch, time steps

VARIANTS = {
    "char-lstm": dict(),
    "char-gru": dict(cell="gru"),
    "char-gru-reset-before": dict(cell="gru", reset_after=False),
    "word-lstm": dict(level="word"),
    "word-gru-mask": dict(level="word", cell="gru", mask_zero=True),
    "luong": dict(attention="luong"),
    "word-mask-additive": dict(level="word", mask_zero=True, attention="additive", cell="gru"),
    "additive": dict(attention="additive"),
    "stack2": dict(num_layers=2),
    "bi": dict(bidirectional=True),
    "bi2-word-mask-luong-gru-reset-before": dict(bidirectional=True, num_layers=2, level="word", mask_zero=True,
                                                 attention="luong", cell="gru", reset_after=False),
    "bi2-additive": dict(bidirectional=True, num_layers=2, attention="additive"),
    "mask-padding": dict(mask_padding=True),
    "mask-padding-gru-reset-before": dict(mask_padding=True, cell="gru", reset_after=False),
    "ntf": dict(teacher_forcing=False),
    "ntf-gru-stack2-bi": dict(teacher_forcing=False, cell="gru", num_layers=2, bidirectional=True),
    # the rates are in the config, so that a Keras user who trains on trains as we did
    "stack2-bi-dropout": dict(num_layers=2, bidirectional=True, dropout=0.25, recurrent_dropout=0.125),
    # Dropout(rate) before the Dense layer: after the attention's Concatenate; in the FAQ's loop at every step
    "luong-output-dropout": dict(attention="luong", output_dropout=0.3),
    "ntf-output-dropout": dict(teacher_forcing=False, output_dropout=0.3),
    # Dropout(rate, noise_shape=(None, None, 1)) after each Embedding: the decoder's a layer deeper
    "bi2-word-mask-word-dropout": dict(bidirectional=True, num_layers=2, level="word", mask_zero=True,
                                       word_dropout=0.2),
    # Masking over a stack of bidirectional layers, with attention (both masks reach Attention())
    "mask-padding-bi2-luong": dict(mask_padding=True, num_layers=2, bidirectional=True, attention="luong"),
}
FAST = ("char-lstm", "bi2-word-mask-luong-gru-reset-before", "ntf", "mask-padding-gru-reset-before",
        "word-mask-additive", "stack2-bi-dropout", "mask-padding-bi2-luong", "luong-output-dropout",
        "bi2-word-mask-word-dropout")


def variants():
    return [pytest.param(v, marks=() if v in FAST else pytest.mark.slow) for v in VARIANTS]


def _model(variant, dtype, seed=0):
    model = Seq2Seq(VE, VD, H, dtype=dtype, seed=seed, **VARIANTS[variant])
    rng = np.random.default_rng(seed)
    model.set_weights([(0.5 * rng.standard_normal(w.shape)).astype(dtype) for w in model.get_weights()])
    return model


def _inputs(model, seed=1):
    """Random inputs of the variant: word ids padded with 0 at the end, or one-hot rows
    (zero rows pad with mask_padding); the start token alone without teacher forcing."""
    from reference.testing import one_hot, random_ids

    rng, c = np.random.default_rng(seed), model.config
    pad = 0 if c.level == "word" else -1
    enc = random_ids(rng, N, TE, VE, pad_id=pad, low=1 if c.level == "word" else 0)
    dec = random_ids(rng, N, TD, VD, min_len=2, pad_id=pad, start_id=1, low=1 if c.level == "word" else 0)
    if not c.teacher_forcing:
        dec = dec[:, :1]
    if c.level == "word":
        return [enc.astype(np.int32), dec.astype(np.int32)]
    return [one_hot(enc, VE, model.dtype), one_hot(dec, VD, model.dtype)]


@pytest.mark.parametrize("variant", variants())
def test_keras_loads_the_file_with_our_weights_and_predicts_our_numbers(keras, keras_floatx, variant, tmp_path,
                                                                        record):
    from reference.testing import max_abs_diff

    model = _model(variant, keras_floatx)
    save_keras(model, tmp_path / "s2s.keras", steps=TD)
    loaded = keras.models.load_model(tmp_path / "s2s.keras")      # safe_mode=True
    theirs = loaded.get_weights()
    assert len(theirs) == len(model.get_weights())
    for ours, kept in zip(model.get_weights(), theirs, strict=True):
        assert kept.dtype == ours.dtype
        np.testing.assert_array_equal(kept, ours)
    x = _inputs(model)
    ours = model.predict(x, steps=TD)
    predicted = loaded.predict(x, batch_size=N, verbose=0)
    assert predicted.shape == ours.shape == (N, TD, VD) and predicted.dtype == np.dtype(keras_floatx)
    real = x[1] != 0 if model.mask_zero else np.ones((N, TD), bool)
    diff = max_abs_diff(ours[real], predicted[real])
    record(f"save_keras: Keras predict of the file, {variant}", keras_floatx, diff)
    assert diff <= tol(keras_floatx, "forward")


# --------------------------------------------------------------------------- against Keras's own files


def _keras_model(variant):
    """reference/'s training model of the variant."""
    from reference.attention import build_attention_training_model
    from reference.deep import build_deep_training_model
    from reference.masking import build_masked_training_model

    spec = dict(VARIANTS[variant])
    common = dict(cell=spec.get("cell", "lstm"), reset_after=spec.get("reset_after", True), compile=False)
    for rate in ("output_dropout", "word_dropout"):
        if spec.get(rate):
            common[rate] = spec[rate]
    if spec.get("dropout") or spec.get("recurrent_dropout"):
        return build_deep_training_model(VE, VD, H, num_layers=spec["num_layers"], bidirectional=spec["bidirectional"],
                                         dropout=spec["dropout"], recurrent_dropout=spec["recurrent_dropout"],
                                         **common)
    if spec.get("mask_padding") and (spec.get("num_layers", 1) > 1 or spec.get("attention")):
        return build_deep_training_model(VE, VD, H, num_layers=spec["num_layers"],
                                         bidirectional=spec.get("bidirectional", False), mask_padding=True,
                                         attention=bool(spec.get("attention")), **common)
    if spec.get("mask_padding"):
        return build_masked_training_model(VE, VD, H, **common)
    if spec.get("attention") == "additive":
        return build_attention_training_model(VE, VD, H, level=spec.get("level", "char"), attention="additive",
                                              mask_zero=spec.get("mask_zero", False), **common)
    return build_deep_training_model(VE, VD, H, num_layers=spec.get("num_layers", 1),
                                     bidirectional=spec.get("bidirectional", False), level=spec.get("level", "char"),
                                     mask_zero=spec.get("mask_zero", False), attention=bool(spec.get("attention")),
                                     **common)


def _canonical(document):
    """config.json with the layer names replaced by their place in the layer list and
    shared_object_id dropped."""
    names = {layer["name"]: f"layer{k}" for k, layer in enumerate(document["config"]["layers"])}

    def walk(node, key=None):
        if isinstance(node, dict):
            return {k: walk(v, k) for k, v in node.items() if k != "shared_object_id"}
        if isinstance(node, list):
            if key == "keras_history" or (node and isinstance(node[0], str) and node[0] in names):
                return [names.get(node[0], node[0])] + node[1:]
            return [walk(v) for v in node]
        if isinstance(node, str) and key == "name":
            for prefix in ("forward_", "backward_"):     # a Bidirectional's directions
                if node.startswith(prefix) and node[len(prefix):] in names:
                    return prefix + names[node[len(prefix):]]
            return names.get(node, "model" if key == "name" and node.startswith("functional") else node)
        return node
    return walk(document)


def _h5_tree(data: bytes) -> list:
    import io

    import h5py
    items = []
    with h5py.File(io.BytesIO(data), "r") as f:
        # a vars group's name: the layer's (names differ), a cell's (lstm_cell, gru_cell: compared)
        f.visititems(lambda name, obj: items.append(
            (name, getattr(obj, "shape", None), str(getattr(obj, "dtype", "")),
             obj.attrs.get("name") if name.endswith("cell/vars") else "name" in obj.attrs)))
    return items


# the variants reference/ builds (not: without teacher forcing, whose FAQ model has a Lambda;
# additive attention over a stack or a bidirectional encoder)
REFERENCE = [v for v in variants() if v.values[0] not in ("ntf", "ntf-gru-stack2-bi", "ntf-output-dropout",
                                                          "bi2-additive")]


@pytest.mark.parametrize("variant", REFERENCE)
def test_the_config_and_weight_file_are_what_keras_writes(keras, keras_floatx, variant, tmp_path):
    km = _keras_model(variant)
    model = _model(variant, keras_floatx)
    km.set_weights(model.get_weights())
    km.save(tmp_path / "keras.keras")
    save_keras(model, tmp_path / "ours.keras")
    with zipfile.ZipFile(tmp_path / "keras.keras") as theirs, zipfile.ZipFile(tmp_path / "ours.keras") as ours:
        assert ours.namelist() == theirs.namelist()
        assert _canonical(json.loads(ours.read("config.json"))) == _canonical(json.loads(theirs.read("config.json")))
        assert _h5_tree(ours.read("model.weights.h5")) == _h5_tree(theirs.read("model.weights.h5"))
        assert json.loads(ours.read("metadata.json"))["keras_version"] == keras.__version__
