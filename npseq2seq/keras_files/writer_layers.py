"""The config of each Keras 3 layer a Seq2Seq model uses, as ``layer.get_config()`` gives it.

Read off the ``config.json`` that keras 3.15.1 writes for the ``reference/`` models (key
order included; tests/keras_files/test_writer.py compares the whole config of every
variant reference/ builds with Keras's). The initialisers are Keras's defaults: the file
says how Keras would initialise a fresh layer, the weight file holds the trained arrays.

One thing is left out on purpose: ``shared_object_id``. Keras numbers an object it
serialises twice (the global dtype policy, an RNN's initialisers, which its cell shares)
with the object's ``id()``, so that loading shares it again; the numbers are memory
addresses of the saving process. Without them each layer gets its own equal objects,
which changes nothing a loaded model computes.
"""
from __future__ import annotations

from .writer_graph import Layer

NUMPY_OPS = "keras.src.ops.numpy"


def dtype_policy(dtype: str) -> dict:
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype},
            "registered_name": None}


def _initializer(class_name: str, **config) -> dict:
    return {"module": "keras.initializers", "class_name": class_name, "config": config,
            "registered_name": None}


def glorot_uniform() -> dict:
    return _initializer("GlorotUniform", seed=None, input_axes=None, output_axes=None)


def _base(name: str, dtype: str) -> dict:
    return {"name": name, "trainable": True, "dtype": dtype_policy(dtype)}


def input_layer(name: str, batch_shape: tuple, dtype: str) -> Layer:
    return Layer(name, "InputLayer", {"batch_shape": list(batch_shape), "dtype": dtype, "sparse": False,
                                      "ragged": False, "name": name, "optional": False})


def rnn_config(cell: str, name: str, units: int, dtype: str, return_sequences: bool,
               go_backwards: bool = False, zero_output_for_mask: bool = False,
               reset_after: bool = True, dropout: float = 0.0, recurrent_dropout: float = 0.0) -> dict:
    """``LSTM(units, return_state=True, ...)`` / ``GRU(...)``'s config (every RNN here returns
    its states; the dropout rates go with it, so that a Keras user who trains on trains as we did)."""
    config = {**_base(name, dtype), "return_sequences": return_sequences, "return_state": True,
              "go_backwards": go_backwards, "stateful": False, "unroll": False,
              "zero_output_for_mask": zero_output_for_mask, "units": units, "activation": "tanh",
              "recurrent_activation": "sigmoid", "use_bias": True, "kernel_initializer": glorot_uniform(),
              "recurrent_initializer": _initializer("Orthogonal", seed=None, gain=1.0),
              "bias_initializer": _initializer("Zeros")}
    if cell == "lstm":
        config["unit_forget_bias"] = True
    config.update(dict.fromkeys(("kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                                 "activity_regularizer", "kernel_constraint", "recurrent_constraint",
                                 "bias_constraint")))
    config.update(dropout=float(dropout), recurrent_dropout=float(recurrent_dropout))
    if cell == "gru":
        config["reset_after"] = reset_after
    config["seed"] = None
    return config


def _cell(cell: str, weights: list, path: str = "") -> list:
    """The h5 entries of an RNN layer below its own: its three arrays live in its cell,
    which Keras names ``lstm_cell`` / ``gru_cell`` whatever the layer's name."""
    return [(f"{path}cell", f"{cell}_cell", list(weights))]


def rnn(cell: str, config: dict, weights: list, build_config: dict) -> Layer:
    """An LSTM or GRU layer (h5: ``<layer>/vars`` empty, ``<layer>/cell/vars/0..2``)."""
    return Layer(config["name"], cell.upper(), config, build_config=build_config, variables=_cell(cell, weights))


def bidirectional(cell: str, name: str, forward: dict, backward: dict, dtype: str, input_shape: list,
                  forward_weights: list, backward_weights: list) -> Layer:
    """``Bidirectional(RNN(...))`` (merge_mode "concat"): Keras names the two directions
    ``forward_<name>`` / ``backward_<name>``, and sets ``zero_output_for_mask`` to
    ``return_sequences`` in both (``bidirectional.py``, ``force_zero_output_for_mask``)."""
    def inner(config):
        return {"module": "keras.layers", "class_name": cell.upper(), "config": config, "registered_name": None,
                "build_config": {"input_shape": input_shape}}

    config = {**_base(name, dtype), "merge_mode": "concat", "layer": inner(forward),
              "backward_layer": inner(backward)}
    variables = [("forward_layer", forward["name"], []), *_cell(cell, forward_weights, "forward_layer/"),
                 ("backward_layer", backward["name"], []), *_cell(cell, backward_weights, "backward_layer/")]
    return Layer(name, "Bidirectional", config, build_config={"input_shape": input_shape}, variables=variables)


def embedding(name: str, input_dim: int, output_dim: int, mask_zero: bool, dtype: str, table) -> Layer:
    config = {**_base(name, dtype), "input_dim": input_dim, "output_dim": output_dim,
              "embeddings_initializer": _initializer("RandomUniform", seed=None, minval=-0.05, maxval=0.05),
              "embeddings_regularizer": None, "activity_regularizer": None, "embeddings_constraint": None,
              "mask_zero": mask_zero, "quantization_config": None}
    return Layer(name, "Embedding", config, build_config={"input_shape": [None, None]}, weights=[table])


def dense(name: str, units: int, dtype: str, input_shape: list, kernel, bias) -> Layer:
    config = {**_base(name, dtype), "units": units, "activation": "softmax", "use_bias": True,
              "kernel_initializer": glorot_uniform(), "bias_initializer": _initializer("Zeros"),
              "kernel_regularizer": None, "bias_regularizer": None, "kernel_constraint": None,
              "bias_constraint": None, "quantization_config": None}
    return Layer(name, "Dense", config, build_config={"input_shape": input_shape}, weights=[kernel, bias])


def concatenate(name: str, dtype: str, input_shapes: list, axis: int = -1) -> Layer:
    return Layer(name, "Concatenate", {**_base(name, dtype), "axis": axis},
                 build_config={"input_shape": input_shapes})


def attention(kind: str, name: str, dtype: str, input_shapes: list, scale=None) -> Layer:
    """``Attention()`` (luong: dot scores, no weights) or ``AdditiveAttention(use_scale=True)``."""
    if kind == "luong":
        return Layer(name, "Attention", {**_base(name, dtype), "use_scale": False, "score_mode": "dot",
                                         "dropout": 0.0, "seed": None},
                     build_config={"input_shape": input_shapes})
    return Layer(name, "AdditiveAttention", {**_base(name, dtype), "use_scale": True, "dropout": 0.0, "seed": None},
                 build_config={"input_shape": input_shapes}, weights=[scale])


def dropout(name: str, rate: float, dtype: str, noise_shape: list | None = None) -> Layer:
    """``Dropout(rate, noise_shape)`` (no weights, no build config): output_dropout before the
    Dense layer (noise_shape None), word_dropout after an Embedding ([None, None, 1])."""
    return Layer(name, "Dropout", {**_base(name, dtype), "rate": float(rate), "seed": None,
                                   "noise_shape": noise_shape})


def masking(name: str, dtype: str) -> Layer:
    return Layer(name, "Masking", {**_base(name, dtype), "mask_value": 0.0})


def not_equal(name: str) -> Layer:
    """``ops.not_equal``: an Embedding's or Masking's mask, which Keras records as an op node
    when a layer is handed it."""
    return Layer(name, "NotEqual", {"name": name}, module=NUMPY_OPS, registered_name="NotEqual")


def any_op(name: str) -> Layer:
    """``ops.any(..., axis=-1)``: Masking's mask, one flag a step."""
    return Layer(name, "Any", {"name": name, "axis": -1, "keepdims": False}, module=NUMPY_OPS,
                 registered_name="Any")
