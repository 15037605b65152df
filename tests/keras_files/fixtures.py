"""Keras files written with h5py and zipfile alone, for the tests that must run without
TensorFlow (the bad files) and for the era no Keras here can write: standalone Keras
2.0–2.2 (``reference/keras2_layout.py``, which says where each of its layout facts comes
from; re-exported here).

The Keras 3 ``.keras`` writer follows keras 3.15.1 ``saving/saving_lib.py`` (members
``metadata.json``, ``config.json``, ``model.weights.h5``; groups ``layers/lstm/cell/vars/0``
...) with the config's keys that npseq2seq reads; ``test_parity_files`` checks its paths
and shapes against a file Keras writes.
"""
from __future__ import annotations

import json
import zipfile

import h5py
import numpy as np

from reference.keras2_layout import BLOG_WEIGHTS, blog_model_config, write_blog_h5

__all__ = ["BLOG_WEIGHTS", "blog_model_config", "write_blog_h5", "tutorial_weights", "keras3_config",
           "write_weights_h5", "write_keras3", "KERAS3_GROUPS"]


def tutorial_weights(ve: int, vd: int, h: int, dtype="float32", seed: int = 0) -> list[np.ndarray]:
    """Random arrays of the tutorial's LSTM model in get_weights() order, biases included."""
    rng = np.random.default_rng(seed)
    shapes = [(ve, 4 * h), (h, 4 * h), (4 * h,), (vd, 4 * h), (h, 4 * h), (4 * h,), (h, vd), (vd,)]
    return [rng.normal(0, 0.7, s).astype(dtype) for s in shapes]


def keras3_config(ve: int, vd: int, h: int, dtype: str = "float32") -> dict:
    """config.json of the tutorial's model as keras 3.15.1 writes it (the keys read)."""
    def tensor(layer, index):
        return {"class_name": "__keras_tensor__", "config": {"shape": [None, None], "dtype": dtype,
                                                             "keras_history": [layer, 0, index]}}

    def layer(kind, name, config, nodes):
        return {"module": "keras.layers", "class_name": kind, "config": {"name": name, **config},
                "registered_name": None, "name": name, "inbound_nodes": nodes}

    rnn = {"return_state": True, "go_backwards": False, "stateful": False, "units": h, "activation": "tanh",
           "recurrent_activation": "sigmoid", "use_bias": True}
    layers = [
        layer("InputLayer", "input_layer", {"batch_shape": [None, None, ve], "dtype": dtype}, []),
        layer("InputLayer", "input_layer_1", {"batch_shape": [None, None, vd], "dtype": dtype}, []),
        layer("LSTM", "lstm", {**rnn, "return_sequences": False},
              [{"args": [tensor("input_layer", 0)], "kwargs": {"training": False, "mask": None}}]),
        layer("LSTM", "lstm_1", {**rnn, "return_sequences": True},
              [{"args": [tensor("input_layer_1", 0)], "kwargs": {"initial_state": [tensor("lstm", 1),
                                                                                    tensor("lstm", 2)]}}]),
        layer("Dense", "dense", {"units": vd, "activation": "softmax", "use_bias": True},
              [{"args": [tensor("lstm_1", 0)], "kwargs": {}}]),
    ]
    return {"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
            "config": {"name": "functional", "trainable": True, "layers": layers,
                       "input_layers": [["input_layer", 0, 0], ["input_layer_1", 0, 0]],
                       "output_layers": ["dense", 0, 0]}}     # one output: unnested, as Keras 3 writes it


KERAS3_GROUPS = ("layers/lstm/cell/vars", "layers/lstm_1/cell/vars", "layers/dense/vars")


def write_weights_h5(target, weights, names=("lstm", "lstm_1", "dense")):
    """model.weights.h5 of the tutorial's model (Keras 3 layout) to a path or file object."""
    arrays = iter(weights)
    with h5py.File(target, "w") as f:
        for group, count, name in zip(KERAS3_GROUPS, (3, 3, 2), names):
            g = f.create_group(group)
            if name is not None:      # None: a file without the name metadata
                g.attrs["name"] = name
            for i in range(count):
                value = next(arrays)
                g.create_dataset(str(i), data=value)


def write_keras3(path, weights, ve, vd, h, config=None, members=None, weights_bytes=None):
    """A ``.keras`` zip of the tutorial's model; ``config``/``members`` replace parts."""
    import io

    buffer = io.BytesIO()
    write_weights_h5(buffer, weights)
    contents = {"metadata.json": json.dumps({"keras_version": "3.15.1", "date_saved": "2026-12-04@23:00:00"}),
                "config.json": json.dumps(config if config is not None else keras3_config(ve, vd, h)),
                "model.weights.h5": weights_bytes if weights_bytes is not None else buffer.getvalue()}
    contents.update(members or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in contents.items():
            z.writestr(name, data)
    return path
