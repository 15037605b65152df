"""``save_keras(model, "s2s.keras")``: a Seq2Seq model as a Keras 3 file, written without Keras.

Train in NumPy, hand the model to a Keras user: ``keras.models.load_model("s2s.keras")``
(``safe_mode=True``, Keras's default: no Lambda, no custom objects) gives the Keras
training model of the same variant (the one ``reference/`` builds) with the same weights,
and its ``predict`` gives npseq2seq's probabilities. ``"s2s.weights.h5"`` writes the
weights alone, for ``keras_model.load_weights`` on a model built in Keras.

A ``.keras`` file is a zip (stored, not deflated, as Keras writes it) of three members
(``keras/src/saving/saving_lib.py``)::

    metadata.json       {"keras_version": "3.15.1", "date_saved": "…"}: the Keras whose
                        layout is written (Keras does not read it back)
    config.json         the functional model's config (writer_graph.py, writer_model.py,
                        writer_layers.py), uncompiled: "compile_config" {}
    model.weights.h5    layers/<group>/…/vars/<i>, <group> the layer's class in snake_case
                        numbered per class in model.layers order (lstm, lstm_1, …), not
                        its name; an RNN's arrays under cell/, a Bidirectional's under
                        forward_layer/cell and backward_layer/cell; every layer's vars
                        group carries its name as an attribute

The variant's Keras layers: encoder and decoder LSTM/GRU (``reset_after`` either way),
character or word level (Embedding, ``mask_zero``), ``Masking`` (``mask_padding``),
``Attention()`` / ``AdditiveAttention()``, stacks, ``Bidirectional`` encoders, and the
FAQ's model without teacher forcing (``Concatenate(axis=1)`` in place of its ``Lambda``;
its number of decoder steps is fixed in the file: ``steps``, by default the vocabulary's
``max_decoder_seq_length``). The optimizer's state is not written (the file is what Keras
writes for an uncompiled model): compile it in Keras to train on.

Needs h5py (the ``keras`` extra), imported when called; never Keras or TensorFlow. The
file is written atomically (``atomic.py``).
"""
from __future__ import annotations

import io
import json
import re
import time
import zipfile
from pathlib import Path

from ..atomic import atomic_write
from .writer_graph import Layer
from .writer_model import training_graph

__all__ = ["save_keras", "keras_config", "KERAS_VERSION", "SUFFIXES"]

KERAS_VERSION = "3.15.1"       # the Keras whose file layout is written, and checked against
SUFFIXES = (".keras", ".weights.h5")


def _snake_case(name: str) -> str:
    """Keras's ``naming.to_snake_case`` (LSTM → lstm, AdditiveAttention → additive_attention)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _steps(model, steps):
    if model.config.teacher_forcing:
        return None
    if steps is None and model.vocab is not None:
        steps = model.vocab.max_decoder_seq_length
    if steps is None:
        raise ValueError("a model without teacher forcing runs a fixed number of decoder steps in Keras: "
                         "give steps= (the targets' length), or a model with a vocabulary "
                         "(its max_decoder_seq_length)")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, received {steps!r}")
    return steps


def keras_config(model, steps: int | None = None) -> tuple[dict, list[Layer]]:
    """(config.json's document, the layers in model.layers order) of ``model``'s Keras
    training model."""
    if model.config.recurrent_activation != "sigmoid":
        # Keras 3 has the name but not the function: its hard_sigmoid is clip(x/6 + 0.5, 0, 1)
        raise ValueError(f"recurrent_activation={model.config.recurrent_activation!r} (Keras 2's clip(0.2x + 0.5, "
                         "0, 1)) has no Keras 3 equivalent: a Keras 3 file of this model would compute "
                         "other numbers; Keras 3 files hold models with recurrent_activation='sigmoid'")
    if model.config.recurrent_attention:
        # Keras has no layer for it: reference/attentive.py's cell is custom code, which a
        # Keras file can only name (a custom object), and Keras's safe mode refuses
        raise ValueError(f"attention={model.config.attention!r} (attention inside the recurrence) has no Keras "
                         "layer: its Keras model needs a custom RNN cell (reference/attentive.py), which a "
                         ".keras file cannot carry without custom objects; save it with model.save (.npz)")
    graph, inputs, output = training_graph(model, _steps(model, steps))
    config, layers = graph.config("functional", inputs, [output])
    document = {"module": "keras.src.models.functional", "class_name": "Functional", "config": config,
                "registered_name": "Functional", "build_config": {"input_shape": None}, "compile_config": {}}
    return document, [layer for layer in layers if not layer.module.startswith("keras.src.ops")]


def _write_h5(h5py, target, layers: list[Layer]) -> None:
    """The weight file's groups and arrays, as Keras's H5IOStore writes them: for each layer
    of model.layers, its vars group (named after the layer, its own arrays 0, 1, …), then
    those of the saveables below it (writer_layers.py lists them); the model's own last."""
    with h5py.File(target, "w") as f:
        used: dict[str, int] = {}
        for layer in layers:
            kind = _snake_case(layer.class_name)
            key = kind if kind not in used else f"{kind}_{used[kind]}"
            used[kind] = used.get(kind, 0) + 1
            for path, name, arrays in [("", layer.name, layer.weights), *layer.variables]:
                group = f.create_group(f"layers/{key}/{path}/vars".replace("//", "/"))
                group.attrs["name"] = name
                for k, array in enumerate(arrays):
                    group[str(k)] = array
        f.create_group("vars").attrs["name"] = "functional"


def _check_path(path) -> Path:
    path = Path(path)
    if not path.name.endswith(SUFFIXES):
        raise ValueError(f"{path}: a Keras file name ends in .keras (the model) or .weights.h5 "
                         "(the weights alone), as keras's model.save / save_weights require")
    return path


def save_keras(model, path, steps: int | None = None) -> None:
    """Write ``model`` (a ``Seq2Seq``) to ``path``: ``.keras`` (config and weights, for
    ``keras.models.load_model``) or ``.weights.h5`` (for ``load_weights``). ``steps``: the
    decoder steps of a model without teacher forcing (default: its vocabulary's
    ``max_decoder_seq_length``). ValueError for a bad name or variant, OSError if the file
    cannot be written (then nothing is left at ``path``'s place that was not there)."""
    path = _check_path(path)
    try:
        import h5py
    except ImportError as err:
        raise ImportError(f"save_keras needs h5py ({err}): pip install 'npseq2seq[keras]'") from None
    document, layers = keras_config(model, steps)
    weights = io.BytesIO()
    _write_h5(h5py, weights, layers)
    if path.name.endswith(".weights.h5"):
        atomic_write(path, lambda f: f.write(weights.getvalue()))
        return
    metadata = {"keras_version": KERAS_VERSION, "date_saved": time.strftime("%Y-%m-%d@%H:%M:%S")}

    def write(f):
        with zipfile.ZipFile(f, "w") as archive:     # ZIP_STORED, as keras writes it
            archive.writestr("metadata.json", json.dumps(metadata))
            archive.writestr("config.json", json.dumps(document))
            archive.writestr("model.weights.h5", weights.getvalue())

    atomic_write(path, write)
