"""Where each layer's weights sit in a Keras HDF5 file, in the three eras npseq2seq reads.

**Keras 3 weights** (``model.weights.h5`` inside a ``.keras``, and ``save_weights("x.weights.h5")``;
keras 3.15 ``saving/saving_lib.py`` ``_save_state`` / ``_save_container_state``): a group
per layer under ``layers/``, keyed not by the layer's name but by its class in snake case
with a counter per class in ``model.layers`` order (``lstm``, ``lstm_1``, ...; the
``_get_unique_name`` rule), each with a ``vars`` group whose attribute ``name`` is the
layer's name (keras 3.15.1 writes it as the group's metadata; a file without it falls
back to the counter). The arrays are ``vars/0``, ``vars/1``, ... in the layer's variable order;
an RNN keeps them in its cell (``lstm/cell/vars/0`` kernel, ``1`` recurrent_kernel,
``2`` bias), a Bidirectional in ``forward_layer/cell/vars`` then ``backward_layer/cell/vars``.

**Legacy HDF5** (``model.save("x.h5")``: every Keras since 2.0, ``legacy_h5_format.py`` in
Keras 3, ``engine/saving.py`` in Keras 2.2.4, ``engine/topology.py`` in 2.0): the group
``model_weights`` (the root group for a legacy ``save_weights``) lists its layers in the
attribute ``layer_names``, and each layer group lists its arrays in ``weight_names``, paths
relative to the layer group. The names differ by era, so we never build them, only follow
the lists:

    Keras 3         lstm/lstm_cell/kernel          (no ":0", cell level)
    tf.keras 2.x    lstm/lstm_cell/kernel:0        (TF variable names; older TF numbers the
                    lstm_1/lstm_cell_1/kernel:0     cells, tf.keras 2.21 does not)
    Keras 2.0-2.2   lstm_1/kernel:0                (no cell level: the 2017 blog's s2s.h5)

Lists longer than an HDF5 object header (64 KiB) are split into ``layer_names0``,
``layer_names1``, ... (Keras 2.2.4 ``save_attributes_to_hdf5_group``); ``H5File.names``
joins them.
"""
from __future__ import annotations

import re

from .h5 import H5File

__all__ = ["keras3_paths", "legacy_paths", "snake_case", "LEGACY_GROUP"]

LEGACY_GROUP = "model_weights"
# where a layer class keeps its arrays, relative to layers/<key> (Keras 3)
_KERAS3_VARS = {"LSTM": ("cell/vars",), "GRU": ("cell/vars",),
                "Bidirectional": ("forward_layer/cell/vars", "backward_layer/cell/vars")}


def snake_case(name: str) -> str:
    """keras 3.15 ``utils/naming.py`` ``to_snake_case``: "AdditiveAttention" → "additive_attention"."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _keras3_keys(h5: H5File, order) -> dict[str, str]:
    """Layer name → its group under ``layers/``: from each group's ``vars`` name attribute,
    else from the per-class counter over ``order`` ((name, class_name) in model.layers order)."""
    layers = h5.get("layers", "group")
    if layers is None:
        raise h5.error("no 'layers' group: not a Keras 3 weights file")
    keys, counts = {}, {}
    for name, kind in order:
        base = snake_case(kind)
        n = counts.get(base, 0)
        keys[name], counts[base] = (f"{base}_{n}" if n else base), n + 1
    named = {}
    for key in h5.keys(layers):
        group = h5.get(f"layers/{key}/vars", "group")
        if group is not None and h5.has_attribute(group, "name"):
            named[h5.text(group, "name")] = key
    return {name: named.get(name, key) for name, key in keys.items()}


def keras3_paths(h5: H5File, order, wanted) -> list[list[str]]:
    """The dataset paths of each (layer name, class_name, number of arrays) of ``wanted``."""
    keys = _keras3_keys(h5, order)
    out = []
    for name, kind, count in wanted:
        key = keys[name]
        groups = [f"layers/{key}/{sub}" for sub in _KERAS3_VARS.get(kind, ("vars",))]
        per_group = count // len(groups)
        paths = []
        for group in groups:
            node = h5.get(group, "group")
            found = sorted(h5.keys(node), key=lambda k: (len(k), k)) if node is not None else []
            expected = [str(i) for i in range(per_group)]
            if found != expected:
                raise h5.error(f"layer {name!r} ({kind}): {group!r} holds {found or 'nothing'}, expected the "
                               f"{per_group} arrays {expected}")
            paths += [f"{group}/{i}" for i in expected]
        out.append(paths)
    return out


def legacy_group(h5: H5File):
    """The group whose ``layer_names`` lists the layers: ``model_weights`` of a saved
    model, or the root of a legacy ``save_weights`` file; None if neither has one."""
    for path in (LEGACY_GROUP, "/"):
        group = h5.get(path, "group")
        if group is not None and h5.names(group, "layer_names") is not None:
            return group
    return None


def legacy_paths(h5: H5File, wanted, by_order: bool = False) -> list[list[str]]:
    """The dataset paths of each (layer name, class_name, number of arrays) of ``wanted``,
    following ``layer_names`` and each layer's ``weight_names``. ``by_order``: the names of
    ``wanted`` are npseq2seq's, not the file's (a weights-only file read with a config):
    match the file's layers that have weights to ``wanted`` in order (both are
    ``model.layers`` order)."""
    group = legacy_group(h5)
    if group is None:
        raise h5.error("no 'layer_names' attribute: not a Keras weights file")
    base = group.name.rstrip("/")
    layer_names = h5.names(group, "layer_names")
    weights = {}
    for layer in layer_names:
        node = h5.get(f"{base}/{layer}", "group")
        if node is None:
            raise h5.error(f"layer {layer!r} is listed in layer_names but has no group")
        weights[layer] = h5.names(node, "weight_names") or []
    if by_order:
        have = [layer for layer in layer_names if weights[layer]]
        if len(have) != len(wanted):
            raise h5.error(f"{len(have)} layers with weights ({', '.join(have)}), the model needs {len(wanted)}")
        names = have
    else:
        names = [name for name, _, _ in wanted]
    out = []
    for layer, (_, kind, count) in zip(names, wanted):
        if layer not in weights:
            raise h5.error(f"layer {layer!r} ({kind}) of the architecture is not in layer_names")
        if len(weights[layer]) != count:
            raise h5.error(f"layer {layer!r} ({kind}) has {len(weights[layer])} weights "
                           f"{weights[layer]}, expected {count}")
        out.append([f"{base}/{layer}/{name}" for name in weights[layer]])
    return out
