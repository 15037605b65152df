"""What ``import-keras`` and ``translate --model x.keras`` share: the flags that give a Keras
model file its vocabulary (``--data`` + ``--num-samples``, or ``--vocab``), ``--padding``
and ``--config`` (a weights-only file's architecture), and the load itself.

A model file is a Keras file by its name: ``.keras``, ``.h5``, ``.hdf5`` (an npseq2seq
``.npz`` is a zip archive as a ``.keras`` is, so the bytes alone would not say which).
"""
from __future__ import annotations

import json

from ..keras_files import load_keras
from ..model import Seq2SeqConfig
from ..npz import ModelFileError, open_regular, parse_json
from .args import UsageError, positive_int
from .limits import too_big

__all__ = ["KERAS_SUFFIXES", "is_keras_file", "add_keras_args", "keras_model"]

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")
MAX_CONFIG_BYTES = 1 << 20


def is_keras_file(path) -> bool:
    return str(path).lower().endswith(KERAS_SUFFIXES)


def add_keras_args(p, lines: str = "--num-samples"):
    """--data, ``lines`` (the data's first N lines: --num-samples, or --data-lines where
    --num-samples means something else), --vocab, --padding, --config."""
    group = p.add_argument_group("Keras model files", "a Keras file holds no vocabulary: rebuild it from "
                                 "the training data, as the tutorial does, or read one")
    group.add_argument("--data", help="the training data (e.g. fra.txt) the Keras model was trained on")
    group.add_argument(lines, type=positive_int, metavar="N",
                       help="the first N lines of --data, the tutorial's num_samples")
    group.add_argument("--vocab", help="a vocabulary instead: an npseq2seq model file (.npz) or a JSON file of "
                                       "Vocab.to_config()")
    group.add_argument("--padding", choices=["space", "zero"],
                       help="--data at character level: pad with ' ' (keras-io) or all-zero rows (the 2017 "
                            "blog); default: zero for Keras 2.0-2.2 files and Masking models, else space")
    group.add_argument("--config", metavar="JSON",
                       help="a weights-only file (x.weights.h5): the model's Seq2SeqConfig as a JSON file "
                            "(Seq2SeqConfig.to_dict())")


def _config(path) -> Seq2SeqConfig | None:
    if path is None:
        return None
    path, size = open_regular(path)
    if size > MAX_CONFIG_BYTES:
        raise ModelFileError(path, f"{size} bytes: not a Seq2SeqConfig JSON file")
    with open(path, "rb") as f:
        try:
            return Seq2SeqConfig.from_dict(parse_json(f.read(MAX_CONFIG_BYTES), "--config"))
        except (TypeError, ValueError, json.JSONDecodeError) as err:
            raise ModelFileError(path, f"--config: {err}") from None


def keras_model(path, args, num_samples=None):
    """``load_keras`` with the flags of ``add_keras_args`` (``num_samples``: the data's line
    count, which the caller reads from its flag); UsageError for flags that do not fit
    together, TooBigError when memory runs out."""
    lines = num_samples
    if lines is not None and args.data is None:
        raise UsageError("--num-samples/--data-lines count lines of --data: pass --data too")
    if args.data is not None and args.vocab is not None:
        raise UsageError("--data rebuilds the vocabulary, --vocab reads one: pass one of them")
    if args.padding is not None and args.data is None:
        raise UsageError("--padding says how --data's vocabulary pads: pass --data too")
    with too_big(f"loading the Keras model file {path}"):
        return load_keras(path, data=args.data, num_samples=lines, vocab=args.vocab, config=_config(args.config),
                          padding=args.padding)
