"""What a resumed ``train`` run takes from its checkpoint, read as data and never as
instructions: the settings that decide the weights (each checked for its type and range,
as its flag would be; anything else in the file is ignored), and nothing about where to
write. Where a resumed run writes is the user's: ``--out`` and ``--checkpoint`` if given,
else the rule ``default_out`` states (and ``train --help`` repeats)::

    --resume NAME.ckpt.npz    saves the model to NAME.npz, beside the checkpoint
    --resume OTHER.npz        trains OTHER.npz further, in place

and the checkpoint goes to the model's path with ``.ckpt.npz`` (so resuming NAME.ckpt.npz
advances that same checkpoint).
"""
from __future__ import annotations

import math
import os

from ..io import ModelFileError
from ..model.config import ATTENTION, CELLS, DROPOUT_RATES
from ..optimizers import NAMES as OPTIMIZERS
from ..text import PADDINGS, excerpt, vocab_levels

__all__ = ["checked_settings", "default_out", "RESUME_RULE"]

RESUME_RULE = ("Without --out, a resumed run saves the model beside the checkpoint: --resume "
               "NAME.ckpt.npz saves NAME.npz, any other --resume file is trained further in place; "
               "nothing stored in a checkpoint decides where anything is written.")
CHECKPOINT_SUFFIX = ".ckpt.npz"

CHOICES = {"cell": CELLS, "level": vocab_levels(), "attention": ATTENTION, "padding": tuple(PADDINGS),
           "dtype": ("float32", "float64"), "optimizer": OPTIMIZERS}
POSITIVE = ("num_samples", "held_out", "validation_held_out", "max_words", "subword_merges", "latent_dim", "batch_size",
            "epochs", "checkpoint_every", "decay_from")
# the type of the settings whose flag defaults to None (the others: their default's type)
NONE_DEFAULT_TYPES = {"corpus": str, "clipnorm": float, "clipvalue": float, "attention": str,
                      "checkpoint_every": int, "data": str, "held_out": int,
                      "validation_held_out": int, "max_words": int,
                      "subword_merges": int, "decay_from": int, "decay_factor": float, "ema": float}
MAX_TEXT = 4096   # a stored string (a path, a corpus name) longer than this is not one


def default_out(resume: str) -> str:
    """Where a resumed run saves the model when --out is not given (``RESUME_RULE``)."""
    folder, name = os.path.split(resume)
    if name.endswith(CHECKPOINT_SUFFIX) and len(name) > len(CHECKPOINT_SUFFIX):
        return os.path.join(folder, name.removesuffix(CHECKPOINT_SUFFIX) + ".npz")
    return resume


def _is(value, kind) -> bool:
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def _check(key, value, default, corpora) -> str | None:
    """What is wrong with one stored setting, or None."""
    kind = type(default) if default is not None else NONE_DEFAULT_TYPES.get(key)
    if value is None:
        return None if default is None else "must not be null"
    if kind is not None and not _is(value, kind):
        return f"must be {kind.__name__}"
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return f"is a string of {len(value)} characters"
    choices = {**CHOICES, "corpus": corpora}.get(key)
    if choices is not None and value not in choices:
        return f"must be one of {sorted(c for c in choices if c is not None)}"
    if key in POSITIVE and value < 1:
        return "must be a positive integer"
    if key == "seed" and value < 0:
        return "must be a non-negative integer"
    if key in ("validation_split", "label_smoothing", *DROPOUT_RATES) \
            and not 0 <= value < 1:
        return "must be in [0, 1)"
    if key == "ema" and not 0 < value < 1:
        return "must be in (0, 1)"
    if key == "decay_factor" and not 0 < value <= 1:
        return "must be in (0, 1]"
    if key in ("learning_rate", "clipnorm", "clipvalue") and value <= 0:
        return "must be positive"
    return None


def checked_settings(path, stored, defaults: dict, corpora) -> dict:
    """The stored training settings that ``defaults`` names (plus data and epochs), each
    checked; ModelFileError naming the setting otherwise. Keys not known are dropped."""
    if not isinstance(stored, dict):
        raise ModelFileError(path, f"training settings must be a mapping, found {excerpt(stored)}")
    known = {**dict.fromkeys(NONE_DEFAULT_TYPES), **defaults, "epochs": 1, "num_samples": 1}
    settings = {}
    for key, default in known.items():
        if key not in stored:
            continue
        problem = _check(key, stored[key], default, corpora)
        if problem:
            raise ModelFileError(path, f"training setting {key!r} {problem}, found {excerpt(stored[key])}")
        settings[key] = stored[key]
    if settings.get("data") is None and settings.get("corpus") is None:
        raise ModelFileError(path, "training settings name neither data nor a corpus")
    return settings
