"""The model file: one ``.npz`` holding arrays and a JSON config, and no pickle.

Layout of the zip archive (each member an ``.npy`` array)::

    __config__                       uint8 bytes of a UTF-8 JSON document, keys
                                     format, format_version, model (config),
                                     vocab (or null without one), weights
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

Writing goes to a temporary file in the same directory, which is flushed,
fsynced and renamed over the target: a crash mid-write leaves the previous file
intact (and at worst a hidden ``.<name>.*.tmp`` file, which can be deleted).

Reading trusts nothing in the file. Each member is read whole, which checks its
CRC-32 (a flipped bit fails there); then its ``.npy`` header is parsed as a
literal, a dtype that holds Python objects (a pickle) is refused before the data
is parsed (nothing is ever unpickled), and the header's shape must account for
exactly the bytes that follow. Then the format version, and every weight array's
name, shape, dtype and finiteness, are checked before the weights are set; the
optimizer's state is checked as it is restored. Any problem is a
``ModelFileError`` naming the file, and no model is returned.
"""
from __future__ import annotations

import io
import json
import math
import os
import secrets
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

from . import losses, optimizers
from .model import Seq2Seq, Seq2SeqConfig
from .text import vocab_from_config

FORMAT = "npseq2seq"
FORMAT_VERSION = 1
CONFIG_KEY = "__config__"

# What zipfile and numpy's .npy parser raise on bytes that are not a valid archive;
# found by flipping every byte of a model file (tests/io/test_io.py).
_CORRUPT = (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError,
            ValueError, struct.error, zlib.error, OverflowError)
_NPY_HEADERS = {(1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0}


class ModelFileError(ValueError):
    """A model file that cannot be read: names the file and what is wrong."""

    def __init__(self, path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = str(path), problem


def weight_names(model) -> list[str]:
    return [f"weights/{layer.name}/{name}" for layer in model.layers for name in layer.weight_names]


# --- writing ------------------------------------------------------------------------------

def atomic_savez(path, arrays: dict[str, np.ndarray]) -> None:
    """np.savez to a temporary sibling file, then rename it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    # os.open with mode 0o666 lets the umask decide the permissions, as for any new file
    # (tempfile.mkstemp would make every model file private to its owner)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())   # the bytes are on disk before the name points at them
        os.replace(tmp, path)      # atomic on POSIX and Windows
    except BaseException:          # KeyboardInterrupt too: never leave a half-written temp file
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def model_arrays(model, optimizer: bool = False, training_state: dict | None = None) -> dict[str, np.ndarray]:
    """The arrays of a model file, copied now: write them later with ``atomic_savez``.

    This is how a training loop keeps the state of its last completed epoch in
    memory, to save it when an interrupt arrives in the middle of the next one.
    """
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": model.get_config(),
        "vocab": model.vocab.to_config() if model.vocab is not None else None,
        "weights": weight_names(model),
        "optimizer": None,
        "training_state": training_state,
    }
    arrays = {name: w.copy() for name, w in zip(config["weights"], model.params)}
    if optimizer and model.optimizer is not None:
        config["optimizer"] = optimizers.serialize(model.optimizer)
        config["loss"] = model.loss.get_config() if model.loss is not None else None
        # compile(metrics=...)'s names, as Keras keeps them in its compile_config
        config["metrics"] = [m.name for m in getattr(model, "compiled_metrics", ())]
        arrays.update({f"optimizer/{k}": v for k, v in model.optimizer.get_state().items()})
    arrays[CONFIG_KEY] = np.frombuffer(json.dumps(config).encode("utf-8"), dtype=np.uint8)
    return arrays


def save_model(model, path, optimizer: bool = False, training_state: dict | None = None) -> None:
    """Write ``model`` to ``path`` atomically; with ``optimizer=True`` also its optimizer's slots."""
    atomic_savez(path, model_arrays(model, optimizer, training_state))


def training_state(model, epoch: int, history: dict[str, list[float]], **extra) -> dict:
    """The JSON part of a checkpoint: epochs done, their history, the RNG state, and ``extra``.

    ``model.rng`` (a PCG64 generator) draws the shuffling order of every epoch,
    so its state after epoch ``epoch`` is what the next epoch needs to shuffle
    exactly as an uninterrupted run would.
    """
    return {"epoch": int(epoch),
            "history": {key: [float(v) for v in values] for key, values in history.items()},
            "rng": model.rng.bit_generator.state,
            **extra}


def save_checkpoint(model, path, epoch: int, history: dict[str, list[float]], **extra) -> None:
    """Weights + optimizer slots + RNG state + ``epoch`` + ``history`` (+ ``extra``), atomically.

    Resume with ``model, state = load_checkpoint(path)`` and
    ``model.fit(..., epochs=E, initial_epoch=state["epoch"])``: with the same
    data and arguments the weights come out bit-equal to an uninterrupted run.
    """
    save_model(model, path, optimizer=True, training_state=training_state(model, epoch, history, **extra))


# --- reading ------------------------------------------------------------------------------

def _parse_npy(path, name: str, data: bytes) -> np.ndarray:
    """One ``.npy`` member → array, refusing object dtypes and sizes that do not add up."""
    buf = io.BytesIO(data)
    version = np.lib.format.read_magic(buf)
    if version not in _NPY_HEADERS:
        raise ModelFileError(path, f"array {name!r}: .npy format version {version} is not supported")
    shape, _, dtype = _NPY_HEADERS[version](buf)   # the header is read as a literal, never eval'd
    if dtype.hasobject:
        raise ModelFileError(path, f"array {name!r} holds Python objects (a pickle): refused; "
                                   "npseq2seq model files hold numbers only and are never unpickled")
    expected, found = math.prod(shape) * dtype.itemsize, len(data) - buf.tell()
    if expected != found:   # checked before numpy allocates what the header asks for
        raise ModelFileError(path, f"array {name!r}: header says {dtype}{list(shape)} "
                                   f"({expected} bytes) but {found} bytes follow")
    buf.seek(0)
    return np.lib.format.read_array(buf, allow_pickle=False)


def read_arrays(path) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` at ``path``, by name, read without unpickling anything."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(path, "is a directory" if path.is_dir() else "no such file")
    arrays = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                name = info.filename.removesuffix(".npy")
                if name in arrays:
                    raise ModelFileError(path, f"array {name!r} appears twice")
                arrays[name] = _parse_npy(path, name, archive.read(info))   # read() checks the CRC-32
    except ModelFileError:
        raise
    except _CORRUPT as err:
        raise ModelFileError(path, f"not a readable .npz archive (truncated or corrupted?): "
                                   f"{type(err).__name__}: {err}") from None
    return arrays


def read_model_file(path) -> tuple[dict, dict[str, np.ndarray]]:
    """(config, arrays) from a model file, after checking the archive and the config."""
    arrays = read_arrays(path)
    raw = arrays.pop(CONFIG_KEY, None)
    if raw is None:
        raise ModelFileError(path, f"no {CONFIG_KEY} entry: not an npseq2seq model file")
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise ModelFileError(path, f"{CONFIG_KEY} must be 1-D uint8 bytes, found {raw.dtype}{list(raw.shape)}")
    try:
        config = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelFileError(path, f"config is not valid JSON: {err}") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelFileError(path, "config does not describe an npseq2seq model")
    if config.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(path, f"format_version {config.get('format_version')!r} is not supported "
                                   f"(this npseq2seq reads version {FORMAT_VERSION})")
    return config, arrays


def _check_array(path, name: str, arr: np.ndarray, like: np.ndarray) -> None:
    if arr.shape != like.shape or arr.dtype != like.dtype:
        raise ModelFileError(path, f"array {name!r} is {arr.dtype}{list(arr.shape)}, "
                                   f"expected {like.dtype}{list(like.shape)}")
    if not np.isfinite(arr).all():
        raise ModelFileError(path, f"array {name!r} contains NaN or Inf")


def _restore_optimizer(path, model, config: dict, arrays: dict[str, np.ndarray]) -> None:
    state = {k[len("optimizer/"):]: v for k, v in arrays.items() if k.startswith("optimizer/")}
    try:
        model.compile(optimizers.get(config["optimizer"]),
                      losses.get(config.get("loss") or "categorical_crossentropy"),
                      metrics=config.get("metrics"))
        model.optimizer.set_state(state, model.params)   # checks the slot names and shapes
    except (KeyError, TypeError, ValueError) as err:
        raise ModelFileError(path, f"invalid optimizer state: {err}") from None
    slots = {k: v for k, v in state.items() if k not in ("iterations", "learning_rate")}
    for key, value in slots.items():
        index = int(key.rsplit("_", 1)[1])   # set_state has checked the key ends in a parameter number
        _check_array(path, f"optimizer/{key}", value, model.params[index])


def load_model(path):
    """Read a model saved by ``save_model``; restores optimizer and RNG state if present."""
    config, arrays = read_model_file(path)
    try:
        vocab = (vocab_from_config(config["vocab"], level=config["model"].get("level", "char"))
                 if config.get("vocab") else None)
        model = Seq2Seq(Seq2SeqConfig.from_dict(config["model"]), vocab=vocab)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ModelFileError(path, f"invalid model config: {type(err).__name__}: {err}") from None
    expected = weight_names(model)
    if config.get("weights") != expected:
        raise ModelFileError(path, f"weight names {config.get('weights')} do not match the model's {expected}")
    for name, param in zip(expected, model.params):
        if name not in arrays:
            raise ModelFileError(path, f"missing array {name!r}")
        _check_array(path, name, arrays[name], param)
    has_optimizer = bool(config.get("optimizer"))
    unexpected = sorted(k for k in arrays if k not in expected
                        and not (has_optimizer and k.startswith("optimizer/")))
    if unexpected:
        raise ModelFileError(path, f"unexpected arrays {unexpected}")
    model.set_weights([arrays[n] for n in expected])
    if has_optimizer:
        _restore_optimizer(path, model, config, arrays)
    state = config.get("training_state")
    if isinstance(state, dict) and "rng" in state:
        try:
            model.rng.bit_generator.state = state["rng"]
        except (KeyError, TypeError, ValueError) as err:
            raise ModelFileError(path, f"invalid RNG state in training_state: {err}") from None
    model.training_state = state
    return model


def load_checkpoint(path):
    """(model, training_state) from a file written by ``save_checkpoint``.

    The model comes back compiled, with its optimizer's slots and its RNG in the
    state they had after epoch ``training_state["epoch"]``.
    """
    model = load_model(path)
    state = model.training_state
    if model.optimizer is None or not isinstance(state, dict) or not {"epoch", "history", "rng"} <= set(state):
        raise ModelFileError(path, "not a checkpoint (no optimizer state or training state): "
                                   "written by save_model / model.save, not save_checkpoint")
    epoch, history = state["epoch"], state["history"]
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
        raise ModelFileError(path, f"training_state epoch must be a non-negative integer, found {epoch!r}")
    if not (isinstance(history, dict)
            and all(isinstance(v, list) and all(isinstance(x, (int, float)) for x in v)
                    for v in history.values())):
        raise ModelFileError(path, "training_state history must map names to lists of numbers")
    return model, state
