"""A model's weights as Keras lists them: the arrays of its ``layers``, in order.

``Seq2Seq`` and ``RepeatSeq2Seq`` both keep a ``layers`` list in the order of Keras's
``model.get_weights()`` for the same model; this mixin turns it into ``params``,
``get_weights`` / ``set_weights`` (checked, and written in place so that optimiser slots stay
attached), ``count_params`` and ``summary``.
"""
from __future__ import annotations

import numpy as np


class LayeredWeights:
    """Mixed into a model with a ``layers`` list (each layer with ``weights`` and ``weight_names``)."""

    @property
    def params(self) -> list[np.ndarray]:
        """The live weight arrays, in Keras's ``get_weights()`` order."""
        return [w for layer in self.layers for w in layer.weights]

    def param_names(self) -> list[str]:
        """``layer/weight`` for each array of ``params``, to name one in an error message."""
        return [f"{layer.name}/{name}" for layer in self.layers for name in layer.weight_names]

    def get_weights(self) -> list[np.ndarray]:
        return [w.copy() for w in self.params]

    def set_weights(self, weights) -> None:
        expected = self.params
        if not isinstance(weights, (list, tuple)):
            raise ValueError(f"set_weights expected a list of {len(expected)} arrays, "
                             f"received {type(weights).__name__}")
        if len(weights) != len(expected):
            raise ValueError(f"set_weights expected {len(expected)} arrays, received {len(weights)}")
        for k, (cur, new, name) in enumerate(zip(expected, weights, self.param_names())):
            new = np.asarray(new)
            if new.shape != cur.shape:
                raise ValueError(f"set_weights: array {k} ({name}) must have shape {cur.shape}, "
                                 f"received {new.shape}")
            if not (np.issubdtype(new.dtype, np.floating) or np.issubdtype(new.dtype, np.integer)):
                raise ValueError(f"set_weights: array {k} ({name}) must hold real numbers, "
                                 f"received dtype {new.dtype}")
        for cur, new in zip(expected, weights):
            cur[...] = new                 # in place, so optimiser slots stay attached

    def count_params(self) -> int:
        return sum(w.size for w in self.params)

    def summary(self) -> str:
        """One line for the model (``_summary_title()``), one per layer, then the total."""
        lines = [self._summary_title()]
        for layer in self.layers:
            shapes = ", ".join(f"{n} {tuple(w.shape)}" for n, w in zip(layer.weight_names, layer.weights))
            lines.append(f"  {layer.name:<16} {layer.count_params():>10,}  {shapes}")
        lines.append(f"  total params: {self.count_params():,}")
        return "\n".join(lines)
