"""A Keras functional model's config read as a graph of layers, as data: each layer's class
checked first (built-in Keras classes only; ``Lambda``, whose config holds marshalled
bytecode, and custom objects refused by name, as Keras's ``safe_mode`` does), then each
layer's one call as (input tensors, initial-state tensors).

The inbound nodes come in two dialects: Keras 3 (``{"args": [...], "kwargs":
{"initial_state": [...]}}``, tensors as ``keras_history`` [layer, node, index]) and
Keras 2 (a list of ``[layer, node, index, kwargs]``, an RNN's initial states after its
input: Keras 2.2.4 ``keras/layers/recurrent.py`` ``RNN.__call__`` calls the layer on
``[inputs] + initial_state``; Keras 2.0.8 and tf.keras 2.21 write the same).
"""
from __future__ import annotations

from ..text.errors import excerpt

__all__ = ["Graph", "LAYERS", "MASK_OPS", "MODELS", "RNNS", "check_object"]

RNNS = ("LSTM", "GRU")
LAYERS = ("InputLayer", "Embedding", "Masking", "LSTM", "GRU", "Bidirectional", "Concatenate",
          "Attention", "AdditiveAttention", "Dropout", "Dense")
# Keras 3 ops a model's config holds beside its layers: the mask of a Masking layer or an
# Embedding(mask_zero=True) as the functional graph records it (not_equal(x, 0), then any
# over the last axis for Masking). They only recompute the masks the layers above imply.
MASK_OPS = ("NotEqual", "Any")
MODELS = ("Functional", "Model")


def check_object(entry: dict, what: str, error) -> None:
    """A built-in Keras class: no registered custom object, no foreign module."""
    module, registered = entry.get("module"), entry.get("registered_name")
    if (module is not None and not (isinstance(module, str) and module.split(".")[0] == "keras")) or \
            (registered is not None and registered != entry.get("class_name")):
        raise error(f"{what} is a custom object (module {excerpt(module)}, registered_name {excerpt(registered)}): "
                    "npseq2seq never imports or runs code named by a file")


def _tensor(value):
    """(layer, node, index) of a Keras 3 tensor reference, or None for a constant."""
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        history = value.get("config", {}).get("keras_history")
        if isinstance(history, list) and len(history) == 3:
            return tuple(history)
    return None


class Graph:
    def __init__(self, config: dict, error):
        self.error = error
        layers = config.get("layers")
        if not isinstance(layers, list) or not all(isinstance(layer, dict) for layer in layers):
            raise error("the model config has no list of layers")
        self.layers, self.order = {}, []
        named = [(entry, entry.get("name") or (entry.get("config") or {}).get("name"), entry.get("class_name"))
                 for entry in layers]
        for entry, name, kind in named:     # every layer's class first: code is refused before anything
            if not isinstance(name, str) or not isinstance(kind, str):
                raise error(f"a layer without a name or class_name: {excerpt(entry)}")
            self._check_class(entry, name, kind)
        for entry, name, kind in named:
            if name in self.layers:
                raise error(f"two layers are named {name!r}")
            inputs, states = self._node(entry, name, kind)
            self.layers[name] = (kind, entry.get("config") or {}, inputs, states)
            self.order.append((name, kind))
        outputs = config.get("output_layers")
        if isinstance(outputs, list) and len(outputs) == 3 and isinstance(outputs[0], str):
            outputs = [outputs]        # Keras 3 writes a single output unnested
        if not isinstance(outputs, list) or len(outputs) != 1:
            raise error(f"the model has {excerpt(outputs)} as outputs; npseq2seq's models have one output, "
                        "the Dense softmax")
        self.output = self._ref(outputs[0], "output_layers")
        self.used = set()

    def _check_class(self, entry, name, kind):
        where = f"layer {name!r} (class_name {kind!r})"
        if kind in ("Lambda", "TFOpLambda", "SlicingOpLambda"):
            raise self.error(f"{where} holds Python code (a Lambda's function is marshalled bytecode): refused; "
                             "npseq2seq never runs code from a file (Keras too refuses it unless safe_mode=False)")
        check_object(entry, where, self.error)
        if kind in MASK_OPS:
            args = [a for node in entry.get("inbound_nodes") or [] if isinstance(node, dict)
                    for a in node.get("args", []) if _tensor(a) is None]
            if kind == "NotEqual" and args != [0] and args != [0.0]:
                raise self.error(f"{where} compares with {excerpt(args)}: a mask of npseq2seq's models compares "
                                 "with 0")
        elif kind not in LAYERS:
            raise self.error(f"{where} is not part of npseq2seq's models (they have {', '.join(LAYERS)})")

    def _ref(self, value, where):
        if isinstance(value, list) and len(value) >= 3 and isinstance(value[0], str) and value[1] == 0 \
                and isinstance(value[2], int):
            return value[0], value[2]
        raise self.error(f"{where}: {excerpt(value)} is not a tensor of a layer called once")

    def _node(self, entry, name, kind):
        """(input tensors, initial-state tensors) of a layer's one call."""
        nodes = entry.get("inbound_nodes", [])
        if kind == "InputLayer":
            return [], []
        if not isinstance(nodes, list) or len(nodes) != 1:
            count = len(nodes) if isinstance(nodes, list) else "?"
            raise self.error(f"layer {name!r} (class_name {kind!r}) is called {count} times: npseq2seq's "
                             "training models call each layer once")
        node = nodes[0]
        if isinstance(node, dict):            # Keras 3
            args, kwargs = node.get("args", []), node.get("kwargs") or {}
            flat = [a for arg in args for a in (arg if isinstance(arg, list) else [arg])]
            inputs = [self._ref(list(t), name) for t in map(_tensor, flat) if t is not None]
            states = [self._ref(list(_tensor(s) or [s]), name) for s in kwargs.get("initial_state") or []]
            return inputs, states
        if isinstance(node, list):            # Keras 2: [[layer, node, index, kwargs], ...]
            refs = [self._ref(item, name) for item in node]
            if kind in RNNS or kind == "Bidirectional":
                kwargs = node[0][3] if len(node[0]) > 3 and isinstance(node[0][3], dict) else {}
                extra = [self._ref(s, name) for s in kwargs.get("initial_state") or []]
                return refs[:1], refs[1:] + extra
            return refs, []
        raise self.error(f"layer {name!r}: unreadable inbound_nodes {excerpt(node)}")

    # --- the walk ------------------------------------------------------------------------
    def layer(self, ref, *kinds, role: str):
        name, _ = ref
        if name not in self.layers:
            raise self.error(f"{role}: no layer {name!r} in the config")
        kind, config, inputs, states = self.layers[name]
        if kinds and kind not in kinds:
            raise self.error(f"layer {name!r} (class_name {kind!r}) is where npseq2seq's model has the {role} "
                             f"({' or '.join(kinds)})")
        self.used.add(name)
        return name, kind, config, inputs, states

    def fail(self, name, kind, problem):
        return self.error(f"layer {name!r} (class_name {kind!r}): {problem}")
