"""A Keras functional graph written down without Keras: layers called on symbolic tensors,
then serialised as Keras 3's ``Functional.get_config()`` does.

``Graph.call(layer, args, kwargs, outputs)`` records one call (a Keras *node*) and returns
its output tensors, each a ``Tensor`` that remembers its ``keras_history`` (layer name,
node index, tensor index), shape and dtype. ``Graph.config(inputs, outputs)`` orders the
layers as Keras does (``keras/src/ops/function.py``, ``map_graph``): a depth-first walk
back from the outputs numbers the layers in the order it first reaches them (a call's
positional arguments before its keyword arguments, keywords in sorted order, as
``keras.tree.flatten`` walks a dict), every node's depth is the longest path from it to
an output, a layer's depth the largest of its nodes', and the layers are listed deepest
first, ties by walk order. That list is both ``config.json``'s ``layers`` and
``model.layers``, whose order names the weight file's groups (``writer_h5.py``).

Nothing here knows seq2seq; ``writer_model.py`` makes the calls.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Tensor:
    """A symbolic tensor: output ``index`` of node ``node`` of layer ``layer``."""
    layer: str
    node: int
    index: int
    shape: tuple
    dtype: str

    def to_config(self) -> dict:
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(self.shape), "dtype": self.dtype,
                           "keras_history": [self.layer, self.node, self.index]}}


@dataclass
class Layer:
    """A Keras layer (or op) as config.json holds it, and what the weight file holds of it.

    ``variables``: [(path under the layer's h5 group, the name Keras stores with it, arrays)]
    for the saveables below the layer itself (an RNN's cell; a Bidirectional's two layers
    and their cells), the layer's own arrays in ``weights``; ``build_config`` None for the
    layers Keras writes without one (InputLayer, Masking, ops).
    """
    name: str
    class_name: str
    config: dict
    module: str = "keras.layers"
    registered_name: str | None = None
    build_config: dict | None = None
    weights: list = field(default_factory=list)
    variables: list = field(default_factory=list)
    nodes: list = field(default_factory=list)       # [(args, kwargs)], in call order
    is_input: bool = False


def _flatten(structure) -> list[Tensor]:
    """The tensors of nested lists / dicts, as keras.tree.flatten orders them."""
    if isinstance(structure, Tensor):
        return [structure]
    if isinstance(structure, dict):
        return [t for key in sorted(structure) for t in _flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [t for item in structure for t in _flatten(item)]
    return []


def _serialise(structure):
    if isinstance(structure, Tensor):
        return structure.to_config()
    if isinstance(structure, dict):
        return {key: _serialise(value) for key, value in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [_serialise(item) for item in structure]
    return structure


class Graph:
    """The layers of one functional model and the calls between them."""

    def __init__(self):
        self.layers: dict[str, Layer] = {}

    def add(self, layer: Layer) -> Layer:
        if layer.name in self.layers:
            raise ValueError(f"two layers named {layer.name!r}")
        self.layers[layer.name] = layer
        return layer

    def input(self, layer: Layer, shape: tuple, dtype: str) -> Tensor:
        """An InputLayer's one tensor (its node 0, which has no inputs)."""
        layer.is_input = True
        self.add(layer).nodes.append(((), {}))
        return Tensor(layer.name, 0, 0, shape, dtype)

    def call(self, layer: Layer, args: list, kwargs: dict, outputs: list[tuple]) -> list[Tensor]:
        """Record ``layer(*args, **kwargs)``; ``outputs``: the (shape, dtype) of each result."""
        if layer.name not in self.layers:
            self.add(layer)
        layer.nodes.append((list(args), dict(kwargs)))
        node = len(layer.nodes) - 1
        return [Tensor(layer.name, node, k, shape, dtype) for k, (shape, dtype) in enumerate(outputs)]

    # --- Keras's order: map_graph ---------------------------------------------------------
    def _parents(self, key):
        layer, node = key
        args, kwargs = self.layers[layer].nodes[node]
        return [(t.layer, t.node) for t in _flatten(args) + _flatten(kwargs)]

    def _walk(self, outputs):
        """(nodes from the inputs to the outputs, each layer's first-visit number)."""
        finished, order, first_visit = set(), [], {}

        def visit(key):
            if key in finished:
                return
            first_visit.setdefault(key[0], len(first_visit))
            for parent in self._parents(key):
                visit(parent)
            finished.add(key)
            order.append(key)

        for tensor in outputs:
            visit((tensor.layer, tensor.node))
        return order, first_visit

    def ordered(self, outputs) -> tuple[list[str], set]:
        """(layer names deepest first, as model.layers lists them; the nodes in the model)."""
        order, first_visit = self._walk(outputs)
        node_depth, layer_depth = {}, {}
        for key in reversed(order):
            depth = max(node_depth.setdefault(key, 0), layer_depth.get(key[0], 0))
            layer_depth[key[0]] = node_depth[key] = depth
            for parent in self._parents(key):
                node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
        names = sorted(layer_depth, key=lambda name: (-layer_depth[name], first_visit[name]))
        return names, set(order)

    def config(self, name: str, inputs: list[Tensor], outputs: list[Tensor]) -> tuple[dict, list[Layer]]:
        """(Functional's config dict, its layers in model.layers order)."""
        names, in_graph = self.ordered(outputs)
        layers = []
        for layer_name in names:
            layer = self.layers[layer_name]
            entry = {"module": layer.module, "class_name": layer.class_name, "config": layer.config,
                     "registered_name": layer.registered_name}
            if layer.build_config is not None:
                entry["build_config"] = layer.build_config
            entry["name"] = layer.name
            entry["inbound_nodes"] = [] if layer.is_input else [
                {"args": _serialise(args), "kwargs": _serialise(kwargs)}
                for k, (args, kwargs) in enumerate(layer.nodes) if (layer_name, k) in in_graph]
            layers.append(entry)
        history = lambda t: [t.layer, t.node, t.index]   # noqa: E731
        config = {"name": name, "trainable": True, "layers": layers,
                  "input_layers": [history(t) for t in inputs],
                  "output_layers": history(outputs[0]) if len(outputs) == 1 else [history(t) for t in outputs]}
        return config, [self.layers[n] for n in names]
