"""A recurrent layer's arguments checked: inputs, initial states, packed lengths.

Not about the recurrence itself: ``Recurrent`` (``recurrent.py``) mixes these in, and so
the attentive layer and the one-sentence encoder, which call them on the layer they run,
read the same rules. Each turns bad input into a ValueError naming the layer and the
argument, before the time loop allocates anything.

Letters: N batch, T time steps, D input features (``input_dim``), H units.
"""
from __future__ import annotations

import numpy as np


class RecurrentChecks:
    """Mixed into ``Recurrent``: reads ``name``, ``dtype``, ``input_dim``, ``units``,
    ``state_size`` and ``zero_state``."""

    def _check_inputs(self, inputs):
        """(N, T) token ids in [-1, D), kept as they are, or (N, T, D) floats in the layer's dtype."""
        inputs = np.asarray(inputs)
        if np.issubdtype(inputs.dtype, np.integer):
            if inputs.ndim != 2:
                raise ValueError(f"{self.name}: token-id inputs must be (batch, time), "
                                 f"received shape {inputs.shape}")
            if inputs.size and (inputs.min() < -1 or inputs.max() >= self.input_dim):
                raise ValueError(f"{self.name}: token ids must lie in [-1, {self.input_dim}), "
                                 f"received min {inputs.min()}, max {inputs.max()}")
            return inputs
        if inputs.ndim != 3 or inputs.shape[-1] != self.input_dim:
            raise ValueError(f"{self.name}: inputs must be (batch, time, {self.input_dim}), "
                             f"received shape {inputs.shape}")
        return inputs.astype(self.dtype, copy=False)

    def _running_rows(self, lengths, shape, mask):
        """(T,) the number of rows still running at each step, from lengths (N,) in decreasing order."""
        lengths = np.asarray(lengths)
        n, steps = shape
        if mask is not None:
            raise ValueError(f"{self.name}: give mask or lengths, not both")
        if (lengths.shape != (n,) or not np.issubdtype(lengths.dtype, np.integer)
                or (n and (lengths.min() < 0 or lengths.max() > steps)) or np.any(np.diff(lengths) > 0)):
            raise ValueError(f"{self.name}: lengths must be {n} integers in [0, {steps}] in decreasing "
                             f"order, received {lengths!r}")
        return (lengths[None, :] > np.arange(steps)[:, None]).sum(axis=1)

    def _check_initial_state(self, initial_state, n):
        """``state_size`` arrays (N, H) in the layer's dtype; None: zeros."""
        if initial_state is None:
            return self.zero_state(n)
        initial_state = list(initial_state)
        if len(initial_state) != self.state_size:
            raise ValueError(f"{self.name}: initial_state must be a list of {self.state_size} "
                             f"arrays, received {len(initial_state)}")
        out = []
        for s in initial_state:
            s = np.asarray(s, self.dtype)
            if s.shape != (n, self.units):
                raise ValueError(f"{self.name}: each initial_state array must be "
                                 f"({n}, {self.units}), received {s.shape}")
            out.append(s)
        return out
