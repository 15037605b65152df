"""What every layer shares: named weights in Keras's order, and their validation.

A layer owns its weight arrays and nothing else. ``forward`` returns
``(outputs, cache)`` and ``backward(doutputs, cache)`` returns the input
gradients and a list of weight gradients in ``weight_names`` order; no layer
keeps anything from one call to the next, so the same layer can be run many
times (one step at a time, or on several batches) before a single backward.
"""
from __future__ import annotations

import numpy as np

from ..ops import resolve_dtype


class Layer:
    weight_names: tuple[str, ...] = ()

    def __init__(self, dtype="float32", name: str | None = None):
        self.dtype = resolve_dtype(dtype)
        self.name = name or type(self).__name__.lower()

    @property
    def weights(self) -> list[np.ndarray]:
        """The live weight arrays (optimisers update these in place)."""
        return [getattr(self, n) for n in self.weight_names]

    def get_weights(self) -> list[np.ndarray]:
        return [w.copy() for w in self.weights]

    def set_weights(self, weights) -> None:
        weights = list(weights)
        if len(weights) != len(self.weight_names):
            raise ValueError(
                f"{self.name}.set_weights expected {len(self.weight_names)} arrays "
                f"({', '.join(self.weight_names)}), received {len(weights)}")
        for name, current, new in zip(self.weight_names, self.weights, weights):
            new = np.asarray(new)
            if new.shape != current.shape:
                raise ValueError(f"{self.name}.{name}: expected shape {current.shape}, "
                                 f"received {new.shape}")
            current[...] = new  # in place: keeps references held by optimisers valid

    def _check_mask(self, mask, shape, argument: str = "mask") -> np.ndarray:
        """A boolean mask of ``shape`` (True: a real step), or ValueError naming ``argument``."""
        mask = np.asarray(mask)
        if mask.shape != shape:
            raise ValueError(f"{self.name}: {argument} must have shape {shape}, received {mask.shape}")
        return mask.astype(bool, copy=False)

    def count_params(self) -> int:
        return sum(w.size for w in self.weights)
