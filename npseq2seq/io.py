"""The model file: one ``.npz`` holding arrays and a JSON config, and no pickle.

Layout of the zip archive::

    __config__                       uint8 bytes of a UTF-8 JSON document:
                                     format, format_version, model config,
                                     vocabulary, weight names, optimizer config,
                                     training state (epoch, RNG state)
    weights/<layer>/<weight>         the model's arrays, in get_weights() order
    optimizer/<slot>                 optimizer state (optional, for resuming)

Writing goes to a temporary file in the same directory, which is flushed,
fsynced and renamed over the target: a crash mid-write leaves the previous file
intact. Reading uses ``allow_pickle=False`` and checks the format version and
every array's name, shape and dtype before anything is loaded into a model.
"""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from . import losses, optimizers

FORMAT = "npseq2seq"
FORMAT_VERSION = 1
CONFIG_KEY = "__config__"


class ModelFileError(ValueError):
    """A model file that cannot be read: names the file and what is wrong."""

    def __init__(self, path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = str(path), problem


def weight_names(model) -> list[str]:
    return [f"weights/{layer.name}/{name}" for layer in model.layers for name in layer.weight_names]


def atomic_savez(path, arrays: dict[str, np.ndarray]) -> None:
    """np.savez to a temporary sibling file, then rename it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)   # atomic on POSIX and Windows
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_model(model, path, optimizer: bool = False, training_state: dict | None = None) -> None:
    """Write ``model`` to ``path``; with ``optimizer=True`` also its optimizer's slots (a checkpoint)."""
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": model.config(),
        "vocab": model.vocab.to_config() if model.vocab is not None else None,
        "weights": weight_names(model),
        "optimizer": None,
        "training_state": training_state,
    }
    arrays = dict(zip(config["weights"], model.params))
    if optimizer and model.optimizer is not None:
        config["optimizer"] = optimizers.serialize(model.optimizer)
        config["loss"] = model.loss.get_config() if model.loss is not None else None
        arrays.update({f"optimizer/{k}": v for k, v in model.optimizer.get_state().items()})
    arrays[CONFIG_KEY] = np.frombuffer(json.dumps(config).encode("utf-8"), dtype=np.uint8)
    atomic_savez(path, arrays)


def read_model_file(path) -> tuple[dict, dict[str, np.ndarray]]:
    """(config, arrays) from a model file, after checking the archive and the config."""
    path = Path(path)
    if not path.exists():
        raise ModelFileError(path, "no such file")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except ValueError as err:  # numpy refuses object (pickled) arrays with allow_pickle=False
        raise ModelFileError(path, f"refused to read: {err}") from None
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise ModelFileError(path, f"not a readable .npz archive (truncated or corrupted?): {err}") from None
    if CONFIG_KEY not in arrays:
        raise ModelFileError(path, f"no {CONFIG_KEY} entry: not an npseq2seq model file")
    try:
        config = json.loads(arrays.pop(CONFIG_KEY).tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelFileError(path, f"config is not valid JSON: {err}") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelFileError(path, "config does not describe an npseq2seq model")
    if config.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(path, f"format_version {config.get('format_version')!r} is not supported "
                                   f"(this npseq2seq reads version {FORMAT_VERSION})")
    return config, arrays


def load_model(path):
    """Read a model saved by ``save_model`` (optimizer state restored if present)."""
    from .data import CharVocab
    from .model import Seq2Seq

    config, arrays = read_model_file(path)
    try:
        vocab = CharVocab.from_config(config["vocab"]) if config.get("vocab") else None
        model = Seq2Seq(**config["model"], vocab=vocab)
    except (KeyError, TypeError, ValueError) as err:
        raise ModelFileError(path, f"invalid model config: {err}") from None
    expected = weight_names(model)
    if config.get("weights") != expected:
        raise ModelFileError(path, f"weight names {config.get('weights')} do not match the model's {expected}")
    for name, param in zip(expected, model.params):
        if name not in arrays:
            raise ModelFileError(path, f"missing array {name!r}")
        arr = arrays[name]
        if arr.shape != param.shape or arr.dtype != param.dtype:
            raise ModelFileError(path, f"array {name!r} is {arr.dtype}{list(arr.shape)}, "
                                       f"expected {param.dtype}{list(param.shape)}")
    model.set_weights([arrays[n] for n in expected])
    if config.get("optimizer"):
        try:
            model.compile(optimizers.get(config["optimizer"]),
                          losses.get(config.get("loss") or "categorical_crossentropy"))
            model.optimizer.set_state({k[len("optimizer/"):]: v for k, v in arrays.items()
                                       if k.startswith("optimizer/")}, model.params)
        except (KeyError, TypeError, ValueError) as err:
            raise ModelFileError(path, f"invalid optimizer state: {err}") from None
    model.training_state = config.get("training_state")
    return model
