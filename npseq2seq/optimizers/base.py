"""The Optimizer base class: what SGD, RMSprop and Adam share, as in Keras's
``BaseOptimizer``. A rule (sgd.py, rmsprop.py, adam.py) names its slots and writes one
parameter's step; this class does the rest: the learning rate and the step count, the
update loop and the config. The slots themselves (bound to the parameters by position,
created on the first update, saved and restored in Keras's order) are ``SlotState``'s
(state.py).

An update clips all gradients (clipping.py), then steps each parameter in place, in
cache-sized pieces. The learning rate is converted straight to the parameter's dtype.
Keras keeps it in a ``floatx`` variable, which is the same thing as long as floatx and
the parameters share a dtype (the only set-up this project uses).

An Embedding's gradient reaches Keras's optimizers as ``tf.IndexedSlices``: one
row per lookup, repeated ids not summed. Keras sums the rows where an update is
linear in ``g``, but squares each row *before* summing where it squares ``g``:
RMSprop's and Adam's ``g**2`` becomes ``Σ_j rows_j**2`` per table row, not
``(Σ_j rows_j)**2``. (Clipping works on the rows: clipping.py.) ``RowGradient``
carries such a gradient so that the update is the same (measured against keras
3.15.1; ``tests/model/test_parity_variants.py``): a rule's step receives the dense sum as
``g`` and the summed squares as ``g2``.

``use_ema`` keeps Keras's moving average of the weights (ema.py): an ``average`` slot per
weight, before the rule's slots as in Keras's ``optimizer.variables``, updated after each
step; ``fit`` ends by ``finalize_variable_values`` (the weights become the averages).

Not implemented: weight_decay, loss scaling, gradient accumulation and
learning-rate schedules (``from_config`` accepts a Keras config only with those
at their defaults).
"""
from __future__ import annotations

import warnings

import numpy as np

from ..ops import RowGradient
from .arguments import as_dtype, check_real
from .clipping import check_clipping, clip_gradients
from .ema import average_step, check_ema, overwrite
from .state import SlotState, check_built_for, check_params

# Keras base-optimizer arguments that a Keras config carries but this module does not
# implement; from_config accepts them only at their inert default values.
_KERAS_ONLY_DEFAULTS = {
    "weight_decay": None, "loss_scale_factor": None,
    "gradient_accumulation_steps": None, "decay": None,
}


class Optimizer(SlotState):
    """Base class: clipping, lazily created slots, ``iterations`` and state.

    Subclasses set ``_default_name``, list their slots in ``_slot_groups`` and
    implement ``_update_step(w, g, g2, slots, lr)``; one whose step never reads ``g2``
    sets ``uses_squares = False``.
    """

    _default_name = "optimizer"
    uses_squares = True   # whether _update_step reads g2: a RowGradient's squares cost a scatter-add

    def __init__(self, learning_rate, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, name=None):
        self.learning_rate = learning_rate  # validated by the property setter
        self.clipnorm, self.clipvalue, self.global_clipnorm = check_clipping(
            clipnorm, clipvalue, global_clipnorm)
        self.use_ema, self.ema_momentum, self.ema_overwrite_frequency = check_ema(
            use_ema, ema_momentum, ema_overwrite_frequency)
        if name is None:
            name = self._default_name
        if not isinstance(name, str):
            raise ValueError(f"Argument `name` must be a str. Received: name={name!r}")
        self.name = name
        self._iterations = 0

    # learning rate and counter ---------------------------------------------------

    @property
    def learning_rate(self) -> float:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate = check_real("learning_rate", value, low=0.0, low_open=True,
                                         expected="a positive finite float")

    @property
    def iterations(self) -> int:
        """Number of updates applied so far (Keras increments it after each update)."""
        return self._iterations

    # the update -----------------------------------------------------------------

    def update(self, params, grads) -> int:
        """Apply one step to ``params`` in place from ``grads`` (same order and shapes).

        A ``None`` gradient leaves its parameter (and slots) unchanged, with a
        warning, as in Keras. Returns the new ``iterations``.
        """
        params = list(params)
        grads = list(grads)
        if len(params) != len(grads):
            raise ValueError(f"Expected as many gradients as parameters. Received "
                             f"{len(grads)} gradients for {len(params)} parameters")
        if not params:
            return self._iterations  # Keras: an empty update is a no-op
        if self._slots is None:
            self.build(params)
        else:
            check_params(params)
            check_built_for(self._built_specs, params)
        grads = clip_gradients(_checked_grads(params, grads), self.clipnorm, self.clipvalue,
                               self.global_clipnorm)
        first = self._iterations == 0
        for i, (p, g) in enumerate(zip(params, grads)):
            slots = {name: arrays[i] for name, arrays in self._slots.items()}
            if g is None:    # left alone; Keras's average still takes in every weight
                if self.use_ema:
                    average_step(p, slots["average"], self.ema_momentum, first)
                continue
            g2 = None
            if isinstance(g, RowGradient):   # the dense sum, but g**2 summed row by row
                if self.uses_squares:
                    g2 = g.squares().astype(p.dtype, copy=False)
                g = g.dense()
            g, lr = g.astype(p.dtype, copy=False), as_dtype(self._learning_rate, p.dtype)
            for piece in _pieces(p, g, g2, slots):
                self._update_step(*piece, lr)
                if self.use_ema:   # elementwise, so piece by piece while the piece is in cache
                    average_step(piece[0], piece[3]["average"], self.ema_momentum, first)
        if self.use_ema and self.ema_overwrite_frequency \
                and (self._iterations + 1) % self.ema_overwrite_frequency == 0:
            overwrite(params, self._slots["average"])
        self._iterations += 1
        return self._iterations

    def finalize_variable_values(self, params) -> None:
        """Keras's last word on the weights, which ``fit`` calls when it ends: with
        ``use_ema``, the weights become their moving averages. (Before any update there is
        no average: the weights stay; Keras would have put its zero-initialised ones in.)"""
        if self.use_ema and self._slots is not None:
            overwrite(list(params), self._slots["average"])

    def apply_gradients(self, grads_and_vars) -> int:
        """Keras-style ``apply_gradients(zip(grads, params))``; same as ``update``."""
        pairs = list(grads_and_vars)
        return self.update([p for _, p in pairs], [g for g, _ in pairs])

    def _all_slot_groups(self):
        """Keras's build order: the moving averages (use_ema) first, then the rule's slots."""
        return ([("average",)] if self.use_ema else []) + self._slot_groups()

    def _update_step(self, w, g, g2, slots, lr):
        """One parameter's step, in place on w and its ``slots`` (name → array shaped
        like w); ``g2`` replaces ``g**2`` where given (a RowGradient, when ``uses_squares``),
        else None. g2 is the optimizer's own array: the step may overwrite it."""
        raise NotImplementedError

    # config -------------------------------------------------------------------------

    def get_config(self) -> dict:
        """Constructor arguments (JSON-serialisable), Keras's ``get_config`` keys."""
        return {"name": self.name, "learning_rate": self._learning_rate,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency}

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild from ``get_config()``; also accepts a Keras optimizer's config.

        Keras-only arguments (weight_decay, loss_scale_factor, ...) are accepted only at
        their inert defaults, since this module does not implement them.
        """
        config = dict(config)
        for key, default in _KERAS_ONLY_DEFAULTS.items():
            if key in config:
                value = config.pop(key)
                if value != default:
                    raise ValueError(f"Argument `{key}` is not supported by npseq2seq "
                                     f"optimizers (only {default!r}). Received: "
                                     f"{key}={value!r}")
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items()
                         if k != "name")
        return f"{type(self).__name__}({args})"


def _checked_grads(params, grads) -> list:
    """``grads`` as arrays (a RowGradient or None kept), each shaped like its parameter; at
    least one not None (a None one is warned about: its parameter stays as it is)."""
    missing = [k for k, g in enumerate(grads) if g is None]
    if len(missing) == len(grads):
        raise ValueError("No gradients provided for any variable.")
    if missing:
        warnings.warn(f"Gradients do not exist for parameters {missing}; "
                      "they are left unchanged.", stacklevel=3)   # (the caller of update)
    grads = [g if g is None or isinstance(g, RowGradient) else np.asarray(g) for g in grads]
    for k, (p, g) in enumerate(zip(params, grads)):
        if g is not None and g.shape != p.shape:
            raise ValueError(f"Gradient {k} has shape {g.shape} but its parameter "
                             f"has shape {p.shape}")
    return grads


# --- the update, a piece at a time ----------------------------------------------------------

# Elements per piece of an update. A step makes 6-9 passes over its arrays; on a large
# parameter (a word-level Dense kernel has 1.1M) each pass would stream them all through
# the cache again, while the ~6 arrays of one 64K-element piece stay in L2 between
# passes (measured 1.6× faster on a (256, 4436) kernel). Every rule here is elementwise,
# so each element goes through the same operations either way: the same bits.
_PIECE = 1 << 16


def _pieces(w, g, g2, slots):
    """(w, g, g2, slots) for ``_update_step``, cut into flat pieces of ``_PIECE`` elements:
    views of w and its slots (so the step still updates them in place)."""
    if w.size <= _PIECE or not w.flags.c_contiguous:
        yield w, g, g2, slots
        return
    w, g = w.reshape(-1), g.reshape(-1)
    g2 = None if g2 is None else g2.reshape(-1)
    slots = {name: a.reshape(-1) for name, a in slots.items()}   # (built contiguous)
    for start in range(0, w.size, _PIECE):
        part = slice(start, start + _PIECE)
        yield (w[part], g[part], None if g2 is None else g2[part],
               {name: a[part] for name, a in slots.items()})
