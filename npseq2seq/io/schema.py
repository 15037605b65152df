"""What a model file holds, named once: the format's name and version, the member that
carries the JSON config, the model kinds a file may hold, the weights' member names, and
the longest text a vocabulary in it may claim. The layout itself is drawn in the
package's docstring (``io/__init__.py``); writing.py writes it, reading.py reads it.
"""
from __future__ import annotations

from ..model import RepeatSeq2Seq, Seq2Seq

__all__ = ["FORMAT", "FORMAT_VERSION", "CONFIG_KEY", "MAX_SEQ_LENGTH", "KINDS", "weight_names"]

FORMAT = "npseq2seq"
FORMAT_VERSION = 1
CONFIG_KEY = "__config__"

MAX_SEQ_LENGTH = 10_000   # the most tokens a model file's vocabulary may say a text has
# the model kinds a file may hold: their classes, and what their text side is called
KINDS = {"seq2seq": Seq2Seq, "repeat": RepeatSeq2Seq}


def weight_names(model) -> list[str]:
    return [f"weights/{layer.name}/{name}" for layer in model.layers for name in layer.weight_names]
