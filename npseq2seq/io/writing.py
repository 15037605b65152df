"""Writing a model file (the layout in ``io/__init__.py``): its arrays copied from the
model, then written atomically.

Writing goes to a temporary file in the same directory, which is flushed,
fsynced and renamed over the target (``atomic.py``: what an overwrite keeps, and
how a killed run's hidden ``.<name>.*.tmp`` file is cleaned up): a crash mid-write
leaves the previous file intact.
"""
from __future__ import annotations

import json

import numpy as np

from .. import optimizers
from ..atomic import atomic_write
from .schema import CONFIG_KEY, FORMAT, FORMAT_VERSION, weight_names

__all__ = ["atomic_savez", "model_arrays", "save_model", "training_state", "save_checkpoint"]


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
