"""Keras's ``use_ema``: the optimizer keeps an exponential moving average of the weights
(keras/src/optimizers/base_optimizer.py, ``_update_model_variables_moving_average``), and
``fit`` puts the average into the weights when it ends (``finalize_variable_values``).

After every update (each weight's rule step done), per weight, in the weight's dtype::

    m = 0 at the first update (iterations == 0), else ema_momentum
    average = m·average + (1 − m)·weights          (so the first update's average is the weights)

and, with ``ema_overwrite_frequency = k``, the weights become the average after every k-th
update (when ``iterations + 1`` is a multiple of k, before it is incremented). Keras brings
``ema_momentum`` into the dtype straight (``ops.multiply(t, python_float)``), computes
``1 − m`` in the dtype, and adds the two products: the same operations here, in the same
order (so the same bits: ``tests/optimizers/test_parity.py``). Training reads the weights,
never the average (validation, callbacks and checkpoints mid-run see the raw weights, as in
Keras); why it helps: averaging the last stretch of noisy steps lands nearer the bottom of
the valley than the last step does (Polyak and Juditsky 1992).
"""
from __future__ import annotations

import numpy as np

from .arguments import as_dtype, check_bool, check_real


def check_ema(use_ema, ema_momentum, ema_overwrite_frequency) -> tuple[bool, float, int | None]:
    """The three arguments checked, with Keras's wording (Keras checks them only when
    ``use_ema``; here always, so that a config never holds a value that would fail later)."""
    use_ema = check_bool("use_ema", use_ema)
    ema_momentum = check_real("ema_momentum", ema_momentum, low=0.0, high=1.0,
                              expected="in the range [0, 1]")
    if ema_overwrite_frequency is not None and (
            isinstance(ema_overwrite_frequency, (bool, np.bool_))
            or not isinstance(ema_overwrite_frequency, (int, np.integer)) or ema_overwrite_frequency < 1):
        raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. "
                         f"Received: ema_overwrite_frequency={ema_overwrite_frequency!r}")
    return use_ema, ema_momentum, None if ema_overwrite_frequency is None else int(ema_overwrite_frequency)


def average_step(w, average, ema_momentum: float, first: bool) -> None:
    """``average = m·average + (1 − m)·w`` in place, m = 0 on the first update."""
    m = w.dtype.type(0) if first else as_dtype(ema_momentum, w.dtype)
    average *= m                                   # m·average
    average += (w.dtype.type(1) - m) * w           # + (1 − m)·w


def overwrite(params, averages) -> None:
    """The weights become their averages (in place), as Keras's
    ``_overwrite_model_variables_with_average_value``."""
    if len(params) != len(averages):
        raise ValueError(f"The length of model variables ({len(params)}) to override does not match "
                         f"the length of model variables stored in the optimizer ({len(averages)}). "
                         "Please check if the optimizer was called on your model.")
    for w, average in zip(params, averages):
        w[...] = average
