"""Keras-exact SGD, RMSprop and Adam for lists of NumPy arrays, updated in place.

The spec is the Keras 3 source (``keras/src/optimizers/{base_optimizer,sgd,
rmsprop,adam}.py`` and ``keras/src/backend/tensorflow/optimizer.py``, checked
against keras 3.15.1 / tensorflow 2.21). Every step is computed in the
parameter's dtype with Keras's order of operations and Keras's conversions of
the hyper-parameters. Against eager ``keras_optimizer.apply_gradients`` the
parameters come out bit-for-bit identical, in float32 and float64, for every
rule and option here, except with ``clipnorm``/``global_clipnorm``: TF sums the
squares for the norm in another order than NumPy, so the norm, and then the
parameters, can differ in the last bits (measured after 20 steps: <= 4.4e-16
in float64, <= 2.4e-7 in float32). Inside ``model.fit`` (a ``tf.function``)
RMSprop differs by an ulp now and then (rmsprop.py says why).

One idea a file, each importing only those above it::

    arguments.py    hyper-parameters: checked (in Keras's words), and converted to the
                    parameter's dtype as Keras does (some through float32)
    clipping.py     clipnorm, global_clipnorm and clipvalue, as Keras computes them
    state.py        SlotState: slots bound to parameters by position, created on the
                    first update; the state (iterations, learning rate, slots) in
                    Keras's order, saved and checked as it is restored
    base.py         Optimizer: iterations, learning rate and config; the update loop
                    (Embedding gradients as rows, large parameters in pieces)
    sgd.py, rmsprop.py, adam.py
                    one update rule each, and where it differs from PyTorch's
    __init__.py     ``get`` and ``serialize``: an optimizer by name or from a config
                    (here, as in Keras's ``optimizers/__init__.py``)
"""
from __future__ import annotations

from ..ops import RowGradient
from .adam import Adam
from .base import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "RowGradient", "NAMES", "get", "serialize"]

_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam}
NAMES = tuple(sorted(_BY_NAME))   # what ``get`` takes by name


def serialize(optimizer: Optimizer) -> dict:
    """``{"class_name": ..., "config": ...}``, JSON-serialisable; ``get`` reverses it."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def get(identifier) -> Optimizer:
    """An optimizer from a name ("adam", "rmsprop", "sgd"; any case, default
    arguments), a ``serialize()`` dict, or an Optimizer instance (returned as is)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    if (isinstance(identifier, dict) and set(identifier) >= {"class_name", "config"}
            and str(identifier["class_name"]).lower() in _BY_NAME):
        return _BY_NAME[identifier["class_name"].lower()].from_config(identifier["config"])
    raise ValueError(
        "Could not interpret optimizer identifier: expected one of "
        f"{sorted(_BY_NAME)} (any case), an Optimizer instance, or a "
        f"{{'class_name': ..., 'config': ...}} dict. Received: {identifier!r}")
