"""The validation data of ``fit``, as Keras's ``fit`` takes it: ``validation_data`` as
given, or the *last* ``validation_split`` fraction of the samples, cut before any
shuffling (``split_at = floor(N * (1 - validation_split))``, KERAS-FACTS §e)."""
from __future__ import annotations

import math
import numbers


def check_validation_split(validation_split) -> None:
    if (isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real)
            or not 0.0 <= validation_split < 1.0):
        raise ValueError(f"validation_split must be a number in [0, 1), received {validation_split!r}")


def split_validation(data: tuple, validation: tuple | None, validation_split) -> tuple:
    """(training arrays, validation arrays or None) from the prepared (enc, dec, y) arrays
    and, if given, the prepared validation arrays."""
    check_validation_split(validation_split)
    if validation is not None:
        return data, validation
    if validation_split == 0:
        return data, None
    n = len(data[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(f"validation_split={validation_split} leaves no samples for "
                         f"{'training' if split_at == 0 else 'validation'} out of {n}")
    return tuple(a[:split_at] for a in data), tuple(a[split_at:] for a in data)
