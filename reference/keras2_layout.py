"""The 2017 blog post's ``s2s.h5`` as standalone Keras 2.0.8 wrote it, with h5py alone: the
layout npseq2seq's ``load_keras`` reads for that era, written here because no Keras that
installs today writes it (tests/keras_files and ``reference.blog_example`` use it).

Keras files written with h5py and zipfile alone, byte layouts as Keras writes them, for
the tests that must run without TensorFlow (the bad files) and for the era no Keras here
can write: standalone Keras 2.0–2.2, the 2017 blog post's ``model.save('s2s.h5')``.

Where each layout fact comes from (read in keras-team/keras at the tags named):

- ``keras/models.py`` ``save_model`` (2.0.8): root attributes ``keras_version`` and
  ``backend`` (UTF-8 bytes), ``model_config`` = ``json.dumps({"class_name": "Model",
  "config": model.get_config()}).encode("utf8")``, and a group ``model_weights``.
- ``keras/engine/topology.py`` ``save_weights_to_hdf5_group`` (2.0.8): on that group,
  ``layer_names`` (a list of UTF-8 bytes, every layer of ``model.layers``), ``backend``,
  ``keras_version``; a group per layer with ``weight_names`` = the TF variable names
  (``lstm_1/kernel:0``: layer name scope, weight name, ``:0``; no cell level, LSTM held
  its weights itself before 2.1's cells), one dataset per name, at that path inside the
  layer group (so ``model_weights/lstm_1/lstm_1/kernel:0``). Layers without weights
  (``input_1``) have an empty ``weight_names``.
- ``Container.get_config`` (2.0.8 topology.py): ``layers`` of ``{"name", "class_name",
  "config", "inbound_nodes"}``, each inbound node a list of ``[layer, node, tensor,
  kwargs]``; ``input_layers`` / ``output_layers`` lists of ``[layer, node, tensor]``.
  ``kwargs`` is ``{}`` when the call's arguments are not JSON (tensors).
- ``Recurrent.__call__`` (2.0.8 ``keras/layers/recurrent.py``): with Keras-tensor initial
  states the layer is called on ``[inputs] + initial_state``, so the decoder's node lists
  the decoder input, then the encoder's h and c (tensors 1 and 2 of ``lstm_1``).
- ``LSTM.get_config`` + ``Recurrent.get_config`` (2.0.8): units, activation,
  recurrent_activation (default ``'hard_sigmoid'`` until 2.3.0), use_bias, initialisers,
  unit_forget_bias, regularisers, constraints, dropout, recurrent_dropout,
  return_sequences, return_state, go_backwards, stateful, unroll, implementation.
  ``InputLayer.get_config``: batch_input_shape, dtype, sparse, name. Layer names:
  ``input_1``, ``lstm_1``, ``dense_1`` (Keras 2 numbered from 1).
- ``keras/engine/saving.py`` ``save_attributes_to_hdf5_group`` (2.2.4): a list longer than
  ``HDF5_OBJECT_HEADER_LIMIT`` = 64512 bytes is split into ``layer_names0``,
  ``layer_names1``, ...
- The blog's model (``examples/lstm_seq2seq.py`` at 2.2.4): ``Input(shape=(None,
  num_encoder_tokens))``, ``LSTM(latent_dim, return_state=True)``, ``Input(shape=(None,
  num_decoder_tokens))``, ``LSTM(latent_dim, return_sequences=True,
  return_state=True)(decoder_inputs, initial_state=encoder_states)``,
  ``Dense(num_decoder_tokens, activation='softmax')``, ``model.save('s2s.h5')``; its data
  zero-padded (``np.zeros`` arrays, one-hot set per character).
"""
from __future__ import annotations

import json

import h5py

__all__ = ["blog_model_config", "write_blog_h5", "BLOG_WEIGHTS"]


def _keras2_lstm(name, units, return_sequences, recurrent_activation):
    return {"name": name, "trainable": True, "return_sequences": return_sequences, "return_state": True,
            "go_backwards": False, "stateful": False, "unroll": False, "implementation": 0, "units": units,
            "activation": "tanh", "recurrent_activation": recurrent_activation, "use_bias": True,
            "kernel_initializer": {"class_name": "VarianceScaling",
                                   "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform",
                                              "seed": None}},
            "recurrent_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}}, "unit_forget_bias": True,
            "kernel_regularizer": None, "recurrent_regularizer": None, "bias_regularizer": None,
            "activity_regularizer": None, "kernel_constraint": None, "recurrent_constraint": None,
            "bias_constraint": None, "dropout": 0.0, "recurrent_dropout": 0.0}


def blog_model_config(ve: int, vd: int, h: int, recurrent_activation: str = "hard_sigmoid") -> dict:
    """``{"class_name": "Model", "config": ...}`` of the 2017 blog's training model, as
    Keras 2.0.8 serialises it."""
    def node(*refs):
        return [[[name, 0, index, {}] for name, index in refs]]

    layers = [
        {"name": "input_1", "class_name": "InputLayer", "inbound_nodes": [],
         "config": {"batch_input_shape": [None, None, ve], "dtype": "float32", "sparse": False, "name": "input_1"}},
        {"name": "input_2", "class_name": "InputLayer", "inbound_nodes": [],
         "config": {"batch_input_shape": [None, None, vd], "dtype": "float32", "sparse": False, "name": "input_2"}},
        {"name": "lstm_1", "class_name": "LSTM", "inbound_nodes": node(("input_1", 0)),
         "config": _keras2_lstm("lstm_1", h, False, recurrent_activation)},
        {"name": "lstm_2", "class_name": "LSTM", "inbound_nodes": node(("input_2", 0), ("lstm_1", 1), ("lstm_1", 2)),
         "config": _keras2_lstm("lstm_2", h, True, recurrent_activation)},
        {"name": "dense_1", "class_name": "Dense", "inbound_nodes": node(("lstm_2", 0)),
         "config": {"name": "dense_1", "trainable": True, "units": vd, "activation": "softmax", "use_bias": True,
                    "kernel_initializer": {"class_name": "VarianceScaling",
                                           "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform",
                                                      "seed": None}},
                    "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
                    "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
                    "bias_constraint": None}},
    ]
    return {"class_name": "Model",
            "config": {"name": "model_1", "layers": layers, "input_layers": [["input_1", 0, 0], ["input_2", 0, 0]],
                       "output_layers": [["dense_1", 0, 0]]}}


BLOG_WEIGHTS = {"input_1": [], "input_2": [], "lstm_1": ["lstm_1/kernel:0", "lstm_1/recurrent_kernel:0",
                                                         "lstm_1/bias:0"],
                "lstm_2": ["lstm_2/kernel:0", "lstm_2/recurrent_kernel:0", "lstm_2/bias:0"],
                "dense_1": ["dense_1/kernel:0", "dense_1/bias:0"]}


def write_blog_h5(path, weights, ve, vd, h, recurrent_activation="hard_sigmoid", keras_version="2.0.8",
                  chunked=False, model_config=None):
    """The blog's ``s2s.h5`` as Keras 2.0.8's ``model.save`` writes it (module docstring).
    ``chunked``: ``layer_names`` split as ``layer_names0``, ``layer_names1`` (2.2.4's rule
    for long lists, forced here on a short one)."""
    config = model_config if model_config is not None else blog_model_config(ve, vd, h, recurrent_activation)
    arrays = iter(weights)
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = keras_version.encode("utf8")
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        f.attrs["training_config"] = json.dumps({"optimizer_config": {"class_name": "RMSprop", "config": {}},
                                                 "loss": "categorical_crossentropy", "metrics": [],
                                                 "sample_weight_mode": None, "loss_weights": None}).encode("utf8")
        group = f.create_group("model_weights")
        names = [name.encode("utf8") for name in BLOG_WEIGHTS]
        if chunked:
            group.attrs["layer_names0"], group.attrs["layer_names1"] = names[:2], names[2:]
        else:
            group.attrs["layer_names"] = names
        group.attrs["backend"] = b"tensorflow"
        group.attrs["keras_version"] = keras_version.encode("utf8")
        for layer, weight_names in BLOG_WEIGHTS.items():
            g = group.create_group(layer)
            g.attrs["weight_names"] = [n.encode("utf8") for n in weight_names]
            for name in weight_names:
                value = next(arrays)
                g.create_dataset(name, value.shape, dtype=value.dtype)[...] = value
    return path
