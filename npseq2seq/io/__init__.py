"""The model file: one ``.npz`` holding arrays and a JSON config, and no pickle.

Layout of the zip archive (each member an ``.npy`` array)::

    __config__                       uint8 bytes of a UTF-8 JSON document, keys
                                     format, format_version, kind ("seq2seq" or
                                     "repeat"; files without it hold a Seq2Seq),
                                     model (config), vocab (Seq2Seq: the
                                     vocabulary; repeat: the CharTable; or null
                                     without one), weights
                                     (names), optimizer (config,
                                     or null), loss (config; only saved with the
                                     optimizer), metrics (compile's names, [] for
                                     none; only saved with the optimizer),
                                     training_state (epoch, history, RNG state;
                                     or null)
    weights/<layer>/<weight>         the model's arrays, in get_weights() order
    optimizer/iterations             optimizer state (only saved with the
    optimizer/learning_rate          optimizer, as a checkpoint is): the step
    optimizer/<slot>_<i>             count, the learning rate, and each slot of
                                     parameter number i

A *checkpoint* is a model file with the optimizer's slots and a training state
(``save_checkpoint``); it is also an ordinary model file that ``translate``
can use.

The package, a file an idea: ``schema.py`` (the names above, once), ``writing.py``
(atomic writes: a crash mid-write leaves the previous file intact), ``reading.py`` (the
archive read within bounds, nothing unpickled), ``loading.py`` (the config checked
against the arrays, then the model built; any problem a ``ModelFileError`` naming the
file, and no model returned). Everything is importable from here, as it always was.
"""
from __future__ import annotations

import os  # noqa: F401  (io.os: where callers and tests have always reached os.fsync/os.replace)

import numpy as np  # noqa: F401  (io.np: likewise, np.savez)

from ..npz import ModelFileError, read_arrays
from .loading import load_checkpoint, load_model, min_repeat_weight_count, min_weight_count
from .reading import read_model_file
from .schema import CONFIG_KEY, FORMAT, FORMAT_VERSION, KINDS, MAX_SEQ_LENGTH, weight_names
from .writing import atomic_savez, model_arrays, save_checkpoint, save_model, training_state

__all__ = ["ModelFileError", "FORMAT", "FORMAT_VERSION", "CONFIG_KEY", "MAX_SEQ_LENGTH", "weight_names",
           "atomic_savez", "model_arrays", "save_model", "training_state", "save_checkpoint",
           "read_arrays", "read_model_file", "min_weight_count", "min_repeat_weight_count", "load_model",
           "load_checkpoint", "KINDS"]
