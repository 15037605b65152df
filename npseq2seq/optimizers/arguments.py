"""An optimizer's hyper-parameters: checked when given, converted when a step uses them.

Arguments are checked more strictly than Keras does: a clipping value <= 0 raises
instead of silently meaning "no clipping"; integers are accepted where Keras insists
on a float (learning_rate, momentum). The errors keep Keras's wording: the argument,
what it must be, ``Received: name=value``.

A step computes in the parameter's dtype, and Keras brings a Python number into it in
one of two ways: straight to the dtype (``ops.multiply(x, t)``; ``as_dtype`` here) or
rounded to float32 first (``ops.cast(x, dtype)``; ``as_dtype_via_float32`` here).

Keras turns ``beta_1``, ``beta_2`` (Adam) and ``momentum`` (SGD) into
float32 first (``ops.cast(python_float, dtype)`` goes through a float32
tensor), so even in float64 Adam's ``beta**t`` uses 0.8999999761581421 and
0.9990000128746033, and SGD's momentum 0.9 is 0.8999999761581421. The
``1 - beta`` factors and RMSprop's rho/momentum/epsilon are converted
straight to the parameter's dtype (no float32 rounding). Reproduced here.
"""
import math
import numbers

import numpy as np


def check_real(name, value, *, low=None, high=None, low_open=False, high_open=False,
               expected=None):
    """Return ``float(value)``, or raise ValueError naming the argument and the range."""
    ok = (isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
          and math.isfinite(value))
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        raise ValueError(f"Argument `{name}` must be {expected}. Received: {name}={value!r}")
    return float(value)


def check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"Argument `{name}` must be a bool. Received: {name}={value!r}")
    return bool(value)


def as_dtype(x, dtype):
    """A Python number converted straight to ``dtype``, as Keras's ``ops.multiply(x, t)``."""
    return dtype.type(x)


def as_dtype_via_float32(x, dtype):
    """A Python number rounded to float32 first, as Keras's ``ops.cast(x, dtype)``."""
    return dtype.type(np.float32(x))
