"""An optimizer's slots and state, as Keras keeps them: what the update rule reads and
writes between steps, apart from the rule and the update loop (base.py).

The slots are bound to parameters by *position* in the list (the Keras ``get_weights()``
order used by the model), and created lazily on the first update (or by ``build``).
``get_state()`` lists arrays in the order of Keras's ``optimizer.variables``:
``iterations``, ``learning_rate``, then the slots; ``set_state`` checks a dict of them
(from a file) against the parameters before anything is restored.
"""
from __future__ import annotations

import numpy as np

__all__ = ["SlotState", "check_params", "check_built_for"]


class SlotState:
    """The slot bookkeeping of ``Optimizer``: a rule lists its slots in ``_slot_groups``;
    this class creates them, names them in Keras's order, and saves and restores them with
    ``iterations`` and the learning rate (``_iterations``, ``learning_rate``: Optimizer's)."""

    _slots: dict[str, list[np.ndarray]] | None = None   # None until built

    @property
    def built(self) -> bool:
        return self._slots is not None

    def _slot_groups(self) -> list[tuple[str, ...]]:
        """Slot names, grouped as Keras's ``add_optimizer_variables`` calls in ``build``.

        Within a group Keras interleaves the names per parameter (Adam:
        momentum_0, velocity_0, momentum_1, ...); groups follow one another.
        """
        return []

    def _all_slot_groups(self) -> list[tuple[str, ...]]:
        """Every slot group in Keras's order (Optimizer puts use_ema's averages first)."""
        return self._slot_groups()

    def _slot_keys(self, n_params):
        return [f"{name}_{i}" for group in self._all_slot_groups()
                for i in range(n_params) for name in group]

    def build(self, params) -> None:
        """Create the zero slots for ``params`` (done by the first update if not called)."""
        params = check_params(params)
        self._slots = {name: [np.zeros_like(p) for p in params]
                       for group in self._all_slot_groups() for name in group}
        self._built_specs = [(p.shape, p.dtype) for p in params]

    def get_state(self) -> dict[str, np.ndarray]:
        """Copies of ``iterations``, ``learning_rate`` and every slot, in Keras's order.

        Keys: ``"iterations"``, ``"learning_rate"``, then ``"<slot>_<i>"`` for
        parameter number ``i`` (``"velocity_3"``). Before the first update there
        are no slots.
        """
        state = {"iterations": np.array(self._iterations, dtype=np.int64),
                 "learning_rate": np.array(self._learning_rate, dtype=np.float64)}
        if self._slots is not None:
            n = len(self._built_specs)
            for key in self._slot_keys(n):
                name, i = key.rsplit("_", 1)
                state[key] = self._slots[name][int(i)].copy()
        return state

    def set_state(self, state, params) -> None:
        """Restore a ``get_state()`` dict for ``params`` (the parameters to be updated).

        The keys must be exactly those this optimizer has for ``params``, or only
        ``iterations`` and ``learning_rate`` (a state saved before the first
        update: the slots are then created at the next update, as zeros).
        """
        params = check_params(params)
        state = dict(state)
        base = {"iterations", "learning_rate"}
        full = base | set(self._slot_keys(len(params)))
        if set(state) not in (base, full):
            raise ValueError(
                f"State keys do not match this {type(self).__name__} for "
                f"{len(params)} parameters: expected {sorted(full)}, "
                f"received {sorted(state)}")
        iterations, lr = _check_state(state, params, slot_keys=full - base)
        self.learning_rate = float(lr)
        self._iterations = int(iterations)
        if set(state) == full:
            self.build(params)
            for key in full - base:
                name, i = key.rsplit("_", 1)
                self._slots[name][int(i)][...] = state[key]
        else:
            self._slots = None


# --- the parameters and the state an optimizer is handed, checked ------------------------

def check_params(params):
    params = list(params)
    for k, p in enumerate(params):
        if not (isinstance(p, np.ndarray) and p.dtype.kind == "f"):
            raise ValueError(f"Parameter {k} must be a floating-point numpy array. "
                             f"Received: {type(p).__name__} "
                             f"{getattr(p, 'dtype', '')}")
        if not p.flags.writeable:
            raise ValueError(f"Parameter {k} is read-only; the optimizer updates "
                             "parameters in place")
    return params


def check_built_for(built_specs, params):
    specs = [(p.shape, p.dtype) for p in params]
    if specs != built_specs:
        raise ValueError(
            f"This optimizer was built for {len(built_specs)} parameters "
            f"{[(s, str(d)) for s, d in built_specs]}; received "
            f"{len(specs)} parameters {[(s, str(d)) for s, d in specs]}. "
            "Use a new optimizer for a new set of parameters.")


def _check_state(state, params, slot_keys):
    """``(iterations, learning_rate)`` of a ``get_state()`` dict whose keys were checked,
    as arrays; ValueError unless they are scalars (iterations a non-negative integer) and
    each slot present is shaped like its parameter."""
    iterations = np.asarray(state["iterations"])
    if iterations.shape != () or iterations.dtype.kind not in "iu" or iterations < 0:
        raise ValueError("State `iterations` must be a non-negative integer scalar. "
                         f"Received: {state['iterations']!r}")
    lr = np.asarray(state["learning_rate"])
    if lr.shape != ():
        raise ValueError("State `learning_rate` must be a scalar. "
                         f"Received shape {lr.shape}")
    if slot_keys <= set(state):
        for key in slot_keys:
            p = params[int(key.rsplit("_", 1)[1])]
            if np.shape(state[key]) != p.shape:
                raise ValueError(f"State `{key}` has shape {np.shape(state[key])}; "
                                 f"its parameter has shape {p.shape}")
    return iterations, lr
