"""What EarlyStopping, ReduceLROnPlateau and ModelCheckpoint share, as Keras's
``MonitorCallback`` (``keras/src/callbacks/monitor_callback.py``): the quantity they
watch in the logs (``monitor``), which way is better (``mode``), and when a value counts
as an improvement (``min_delta``).

The rule, Keras's to the letter: in "min" mode a value v improves on the best b when
``v - min_delta < b`` with ``min_delta`` made negative, i.e. ``v < b - |min_delta|``;
in "max" mode when ``v - |min_delta| > b``. The first value always improves (b is None).
"auto" reads the direction from the name: a loss goes down, a compiled metric goes the
way it declares (accuracy: up); any other name is refused, as Keras refuses it.

Keras compares through its ops (``ops.less``), which turn a Python float into a float32
tensor, and a NumPy scalar into one of its own dtype, then compare in the wider of the
two. The logs of a fit hold Python floats, so Keras decides at float32 precision: a
val_loss of 0.8 + 1e-9 does not improve on 0.8, and a NumPy float64 0.8 does improve on
a Python 0.8 (which became 0.800000011920929). ``_keras_scalar`` makes the same
conversion, so that every decision is Keras's, tie for tie.
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from ...checks import check_integer
from .callback import Callback


def _less(a, b):
    return a < b


def _greater(a, b):
    return a > b


class MonitorCallback(Callback):
    """A ``Callback`` that watches ``logs[monitor]``; ``best`` starts at ``baseline``."""

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        name = type(self).__name__
        if not isinstance(monitor, str):
            raise ValueError(f"{name}: monitor must be the name of a logged quantity such as "
                             f"'val_loss', received {monitor!r}")
        check_real(min_delta, f"{name} min_delta")
        if baseline is not None:
            check_real(baseline, f"{name} baseline")
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.",
                          stacklevel=3)
            mode = "auto"
        self.monitor, self.mode, self.best = monitor, mode, baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None   # chosen at the first epoch's end, when the model is known

    def _set_monitor_op(self) -> None:
        if self.mode == "min":
            self.monitor_op = _less
        elif self.mode == "max":
            self.monitor_op = _greater
        else:
            name = self.monitor.removeprefix("val_")
            if name == "loss":
                self.monitor_op = _less
            for metric in getattr(self.model, "compiled_metrics", None) or ():
                if metric.name == name:
                    self.monitor_op = _greater if metric.direction == "up" else _less
            if self.monitor_op is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, but "
                    "npseq2seq (like Keras) can't determine whether that metric should be maximized "
                    "or minimized. Pass `mode='max'` in order to monitor based on the highest "
                    "metric value, or pass `mode='min'` in order to use the lowest value.")
        if self.monitor_op is _less:
            self.min_delta *= -1

    def _is_improvement(self, monitor_value, reference_value) -> bool:
        if reference_value is None:
            return True
        return bool(self.monitor_op(_keras_scalar(monitor_value - self.min_delta),
                                    _keras_scalar(reference_value)))


def check_real(value, name: str) -> None:
    """A finite real number, or ValueError naming the argument (Keras fails later, mid-fit)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, received {value!r}")


def check_count(value, name: str) -> int:
    """A non-negative integer (patience, cooldown, start_from_epoch), or ValueError."""
    return check_integer(value, name, least=0)


def _keras_scalar(value):
    """A value as Keras's ops take it: a Python float becomes float32 (TensorFlow's default
    for Python floats); NumPy scalars and arrays keep their dtype."""
    return np.float32(value) if type(value) is float else value
