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

Writing goes to a temporary file in the same directory, which is flushed,
fsynced and renamed over the target (``atomic.py``: what an overwrite keeps, and
how a killed run's hidden ``.<name>.*.tmp`` file is cleaned up): a crash mid-write
leaves the previous file intact.

Reading trusts nothing in the file, and costs at most a small multiple of its size
(``npz.py``): the archive's table of contents is checked before any member is
inflated; then the config alone is read (JSON nested at most 32 deep), and the
members' names must be the ones it lists before any array is read. Each member is
read whole, which checks its CRC-32 (a flipped bit fails there); its ``.npy``
header is parsed as a literal, a dtype that holds Python objects (a pickle) is
refused before the data is parsed (nothing is ever unpickled), and the header's
shape must account for exactly the bytes that follow. The config's sizes must fit
the arrays in the file before a model is built (``check_sizes``), the vocabulary
must fit the weights and its lengths be at most ``MAX_SEQ_LENGTH``; then every
weight array's name, shape, dtype and finiteness are checked before the weights are
set, and the optimizer's state as it is restored. Any problem is a
``ModelFileError`` naming the file, and no model is returned.
"""
from __future__ import annotations

import json
import os  # noqa: F401  (io.os: where callers and tests have always reached os.fsync/os.replace)

import numpy as np

from . import losses, optimizers
from .atomic import atomic_write
from .model import RepeatConfig, RepeatSeq2Seq, Seq2Seq, Seq2SeqConfig
from .npz import (
    CORRUPT,
    Archive,
    ArchiveError,
    ModelFileError,
    corrupt,
    parse_json,
    parse_npy,
    read_arrays,
)
from .npz import open_regular as _open
from .text import CharTable, excerpt, vocab_from_config

__all__ = ["ModelFileError", "FORMAT", "FORMAT_VERSION", "CONFIG_KEY", "MAX_SEQ_LENGTH", "weight_names",
           "atomic_savez", "model_arrays", "save_model", "training_state", "save_checkpoint",
           "read_arrays", "read_model_file", "min_weight_count", "load_model", "load_checkpoint", "KINDS"]

FORMAT = "npseq2seq"
FORMAT_VERSION = 1
CONFIG_KEY = "__config__"

MAX_SEQ_LENGTH = 10_000   # the most tokens a model file's vocabulary may say a text has
# the model kinds a file may hold: their classes, and what their text side is called
KINDS = {"seq2seq": Seq2Seq, "repeat": RepeatSeq2Seq}


def weight_names(model) -> list[str]:
    return [f"weights/{layer.name}/{name}" for layer in model.layers for name in layer.weight_names]


# --- writing ------------------------------------------------------------------------------

def atomic_savez(path, arrays: dict[str, np.ndarray]) -> None:
    """np.savez to a temporary sibling file, then rename it over ``path`` (``atomic.py``)."""
    atomic_write(path, lambda f: np.savez(f, **arrays))


def model_arrays(model, optimizer: bool = False, training_state: dict | None = None) -> dict[str, np.ndarray]:
    """The arrays of a model file, copied now: write them later with ``atomic_savez``.

    This is how a training loop keeps the state of its last completed epoch in
    memory, to save it when an interrupt arrives in the middle of the next one.
    """
    text = model.table if model.kind == "repeat" else model.vocab    # how it reads and writes text
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": model.kind,
        "model": model.get_config(),
        "vocab": text.to_config() if text is not None else None,
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

def _member_names(path, config, names) -> list[str]:
    """The members to read: those the config lists, checked before any is inflated."""
    listed = config.get("weights")
    if not isinstance(listed, list) or not all(isinstance(n, str) for n in listed):
        raise ModelFileError(path, f"config 'weights' must list the weight arrays' names, found "
                                   f"{excerpt(listed)}")
    optimizer = bool(config.get("optimizer"))
    unexpected = sorted(n for n in names if n != CONFIG_KEY and n not in listed
                        and not (optimizer and n.startswith("optimizer/")))
    if unexpected:
        raise ModelFileError(path, f"unexpected arrays {excerpt(unexpected, 100)}")
    missing = [n for n in listed if n not in names]
    if missing:
        raise ModelFileError(path, f"missing array {excerpt(missing[0])}")
    return [n for n in names if n != CONFIG_KEY]


def _read_config(path, archive: Archive) -> dict:
    if CONFIG_KEY not in archive.infos:
        raise ModelFileError(path, f"no {CONFIG_KEY} entry: not an npseq2seq model file")
    raw = parse_npy(CONFIG_KEY, archive.read(CONFIG_KEY))
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise ModelFileError(path, f"{CONFIG_KEY} must be 1-D uint8 bytes, found {raw.dtype}{list(raw.shape)}")
    config = parse_json(raw.tobytes(), "config")
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelFileError(path, "config does not describe an npseq2seq model")
    if config.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(path, f"format_version {excerpt(config.get('format_version'))} is not "
                                   f"supported (this npseq2seq reads version {FORMAT_VERSION})")
    return config


def read_model_file(path) -> tuple[dict, dict[str, np.ndarray]]:
    """(config, arrays) from a model file: the archive's table, then the config, then the
    members' names against the config, and only then the arrays are read."""
    path, size = _open(path)
    try:
        with Archive(path, size) as archive:
            config = _read_config(path, archive)
            names = _member_names(path, config, archive.names)
            arrays = {name: parse_npy(name, archive.read(name)) for name in names}
    except ArchiveError as err:
        raise ModelFileError(path, str(err)) from None
    except CORRUPT as err:
        if isinstance(err, ModelFileError):
            raise
        raise corrupt(path, err) from None
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
        raise ModelFileError(path, f"invalid optimizer state: {excerpt(str(err), 200)}") from None
    slots = {k: v for k, v in state.items() if k not in ("iterations", "learning_rate")}
    for key, value in slots.items():
        index = int(key.rsplit("_", 1)[1])   # set_state has checked the key ends in a parameter number
        _check_array(path, f"optimizer/{key}", value, model.params[index])


def min_weight_count(config: Seq2SeqConfig) -> int:
    """A lower bound on the weights of a model of ``config``, from its sizes alone: the two
    recurrent kernels (H, G*H) with G >= 3 gates, the encoder's and decoder's inputs (V_e
    and V_d rows of at least H) and the Dense kernel (H or 2H, V_d). Every variant has at
    least these, so a file whose arrays hold fewer numbers lies about its sizes."""
    h = config.latent_dim
    return 6 * h * h + h * config.num_encoder_tokens + 2 * h * config.num_decoder_tokens


def min_repeat_weight_count(config: RepeatConfig) -> int:
    """The same lower bound for a ``RepeatSeq2Seq``: its RNNs' kernels (3 gates at least)
    and the Dense kernel."""
    h = config.latent_dim
    return 3 * h * (config.num_input_tokens + h) + 6 * h * h * config.num_layers + h * config.num_output_tokens


def _repeat_config(path, config: dict, held: int) -> tuple[RepeatConfig, CharTable | None]:
    """The file's RepeatConfig and CharTable, checked against its arrays (as ``_model_config``)."""
    try:
        model_config = RepeatConfig.from_dict(config["model"])
        table = CharTable.from_config(config["vocab"]) if config.get("vocab") else None
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ModelFileError(path, f"invalid model config: {type(err).__name__}: {excerpt(str(err), 200)}") from None
    if min_repeat_weight_count(model_config) > held:
        raise ModelFileError(path, f"config says latent_dim {model_config.latent_dim}, "
                                   f"num_layers {model_config.num_layers}: at least "
                                   f"{min_repeat_weight_count(model_config)} weights, but its arrays hold "
                                   f"{held} numbers")
    if table is not None and not len(table) == model_config.num_input_tokens == model_config.num_output_tokens:
        raise ModelFileError(path, f"the table has {len(table)} characters, the weights "
                                   f"{model_config.num_input_tokens} input and "
                                   f"{model_config.num_output_tokens} output tokens")
    if (model_config.input_length or 0) > MAX_SEQ_LENGTH:
        raise ModelFileError(path, f"input_length {model_config.input_length} is more than the "
                                   f"{MAX_SEQ_LENGTH} this npseq2seq reads")
    return model_config, table


def _model_kind(path, config: dict, kind: str | None) -> str:
    """The kind of model the file holds, checked against the ``kind`` asked for (None: any)."""
    held = config.get("kind", "seq2seq")        # files written before RepeatSeq2Seq had one kind
    if held not in KINDS:
        raise ModelFileError(path, f"unknown model kind {excerpt(held)} (this npseq2seq reads "
                                   f"{', '.join(map(repr, KINDS))})")
    if kind is not None and held != kind:
        raise ModelFileError(path, f"holds a {KINDS[held].__name__} (kind {held!r}), not a "
                                   f"{KINDS[kind].__name__}: load it with {KINDS[held].__name__}.load "
                                   "or npseq2seq.load_model")
    return held


def _model_config(path, config: dict, arrays: dict[str, np.ndarray]) -> tuple[Seq2SeqConfig, object]:
    """The file's Seq2SeqConfig and vocabulary, checked against its arrays before any
    model is built: a config that claims huge sizes costs nothing."""
    try:
        model_config = Seq2SeqConfig.from_dict(config["model"])
        vocab = (vocab_from_config(config["vocab"], level=model_config.level)
                 if config.get("vocab") else None)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ModelFileError(path, f"invalid model config: {type(err).__name__}: {excerpt(str(err), 200)}") from None
    held = sum(a.size for name, a in arrays.items() if name.startswith("weights/"))
    if min_weight_count(model_config) > held:
        sizes = ", ".join(f"{k} {getattr(model_config, k)}"
                          for k in ("latent_dim", "num_encoder_tokens", "num_decoder_tokens"))
        raise ModelFileError(path, f"config says {sizes}: at least {min_weight_count(model_config)} "
                                   f"weights, but its arrays hold {held} numbers")
    if vocab is not None:
        for side in ("encoder", "decoder"):
            tokens, length = f"num_{side}_tokens", f"max_{side}_seq_length"
            if getattr(vocab, tokens) != getattr(model_config, tokens):
                raise ModelFileError(path, f"the vocabulary has {getattr(vocab, tokens)} {side} tokens, "
                                           f"the weights {getattr(model_config, tokens)}")
            if getattr(vocab, length) > MAX_SEQ_LENGTH:
                raise ModelFileError(path, f"the vocabulary's {length} is {getattr(vocab, length)}, "
                                           f"more than the {MAX_SEQ_LENGTH} this npseq2seq decodes")
    return model_config, vocab


def load_model(path, kind: str | None = None):
    """Read a model saved by ``save_model``; restores optimizer and RNG state if present.

    kind: None for whichever model the file holds (a ``Seq2Seq`` or a ``RepeatSeq2Seq``),
    or "seq2seq" / "repeat" to accept only that one (``ModelFileError`` naming the other)."""
    config, arrays = read_model_file(path)
    if _model_kind(path, config, kind) == "repeat":
        held = sum(a.size for name, a in arrays.items() if name.startswith("weights/"))
        model_config, table = _repeat_config(path, config, held)
        model = RepeatSeq2Seq(model_config, table=table)
    else:
        model_config, vocab = _model_config(path, config, arrays)
        model = Seq2Seq(model_config, vocab=vocab)
    expected = weight_names(model)
    if config.get("weights") != expected:
        raise ModelFileError(path, f"weight names {excerpt(config.get('weights'), 100)} do not match "
                                   f"the model's {excerpt(expected, 100)}")
    for name, param in zip(expected, model.params):
        _check_array(path, name, arrays[name], param)
    model.set_weights([arrays[n] for n in expected])
    if config.get("optimizer"):
        _restore_optimizer(path, model, config, arrays)
    state = config.get("training_state")
    if isinstance(state, dict) and "rng" in state:
        try:
            model.rng.bit_generator.state = state["rng"]
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as err:
            raise ModelFileError(path, f"invalid RNG state in training_state: {excerpt(str(err), 100)}") from None
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
        raise ModelFileError(path, f"training_state epoch must be a non-negative integer, found {excerpt(epoch)}")
    if not (isinstance(history, dict)
            and all(isinstance(v, list) and all(isinstance(x, (int, float)) for x in v)
                    for v in history.values())):
        raise ModelFileError(path, "training_state history must map names to lists of numbers")
    return model, state
