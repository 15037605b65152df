"""A model from a model file's config and arrays (read by reading.py), each checked
before it is used: any problem is a ``ModelFileError`` naming the file, and no model is
returned.

The config's sizes must fit the arrays in the file before a model is built (a config
that claims huge sizes costs nothing), the vocabulary must fit the weights and its
lengths be at most ``MAX_SEQ_LENGTH``; then every weight array's name, shape, dtype and
finiteness are checked before the weights are set, and the optimizer's state as it is
restored.
"""
from __future__ import annotations

import numpy as np

from .. import losses, optimizers
from ..model import RepeatConfig, RepeatSeq2Seq, Seq2Seq, Seq2SeqConfig
from ..npz import ModelFileError
from ..text import CharTable, excerpt, vocab_from_config
from .reading import read_model_file
from .schema import KINDS, MAX_SEQ_LENGTH, weight_names

__all__ = ["min_weight_count", "min_repeat_weight_count", "load_model", "load_checkpoint"]


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


def _check_array(path, name: str, arr: np.ndarray, like: np.ndarray) -> None:
    if arr.shape != like.shape or arr.dtype != like.dtype:
        raise ModelFileError(path, f"array {name!r} is {arr.dtype}{list(arr.shape)}, "
                                   f"expected {like.dtype}{list(like.shape)}")
    if not np.isfinite(arr).all():
        raise ModelFileError(path, f"array {name!r} contains NaN or Inf")


def _restore_optimizer(path, model, config: dict, arrays: dict[str, np.ndarray]) -> None:
    state = {k[len("optimizer/"):]: v for k, v in arrays.items() if k.startswith("optimizer/")}
    try:
        loss = losses.get(config.get("loss") or "categorical_crossentropy")
    except (TypeError, ValueError) as err:
        raise ModelFileError(path, f"invalid loss: {excerpt(str(err), 200)}") from None
    try:
        model.compile(optimizers.get(config["optimizer"]), loss, metrics=config.get("metrics"))
        model.optimizer.set_state(state, model.params)   # checks the slot names and shapes
    except (KeyError, TypeError, ValueError) as err:
        raise ModelFileError(path, f"invalid optimizer state: {excerpt(str(err), 200)}") from None
    slots = {k: v for k, v in state.items() if k not in ("iterations", "learning_rate")}
    for key, value in slots.items():
        index = int(key.rsplit("_", 1)[1])   # set_state has checked the key ends in a parameter number
        _check_array(path, f"optimizer/{key}", value, model.params[index])



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
