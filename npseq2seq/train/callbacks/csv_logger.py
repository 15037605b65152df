"""``CSVLogger``, as Keras's (``keras/src/callbacks/csv_logger.py``): one CSV row per
epoch, ``epoch`` first, then the logs' keys in sorted order.

The columns are fixed by the first epoch's logs; with no ``val_`` key among them, the
``val_`` columns are added anyway (a run with validation every few epochs fills them
later), and a key an epoch lacks is written as ``NA``. ``append=True`` appends to an
existing file (no second header). The file is flushed after each row, so a killed run
keeps its completed epochs.
"""
from __future__ import annotations

import collections
import csv
import os

import numpy as np

from .callback import Callback


def _cell(value):
    """A log value as Keras writes it: strings and scalars as they are, lists quoted."""
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (isinstance(value, np.ndarray) and value.ndim == 0):
        return f'"[{", ".join(map(str, value))}]"'
    return value


class CSVLogger(Callback):
    """``CSVLogger(filename, separator=",", append=False)``."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep, self.filename, self.append = separator, os.fspath(filename), append
        self.writer, self.keys, self.append_header, self.csv_file = None, None, True, None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode)   # as Keras: csv's "\r\n" line ends kept
        self.writer, self.keys = None, None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys.extend([f"val_{k}" for k in self.keys])
        if not self.writer:
            dialect = type("Dialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys, dialect=dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _cell(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None
