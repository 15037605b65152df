"""Keras 3 reference implementations of the tutorial's models, and the weight bridge.

Needs the ``reference`` extra (keras, tensorflow-cpu) for the builders; npseq2seq itself
never imports this package. The builders are imported lazily, so ``reference.tolerances``
and ``reference.bridge`` load without Keras (test collection stays cheap and does not
fail where Keras is missing: the parity tests then skip).
"""
import importlib

_MODELS = (
    "CELLS",
    "build_inference_models",
    "build_no_teacher_forcing_inference_models",
    "build_no_teacher_forcing_model",
    "build_training_model",
    "build_word_inference_models",
    "build_word_training_model",
    "decode_sequence",
    "decode_word_sequence",
    "floatx",
    "start_token_input",
)

_ATTENTION = (
    "build_attention_inference_models",
    "build_attention_training_model",
)

_ATTENTIVE = (
    "build_attentive_inference_models",
    "build_attentive_training_model",
)

_DEEP = (
    "build_deep_inference_models",
    "build_deep_no_teacher_forcing_model",
    "build_deep_training_model",
)

__all__ = list(_MODELS) + list(_ATTENTION) + list(_ATTENTIVE) + list(_DEEP)


def __getattr__(name):
    if name in _MODELS:      # models.py re-exports the word level's and no teacher forcing's
        return getattr(importlib.import_module(".models", __name__), name)
    if name in _ATTENTION:
        return getattr(importlib.import_module(".attention", __name__), name)
    if name in _ATTENTIVE:
        return getattr(importlib.import_module(".attentive", __name__), name)
    if name in _DEEP:
        return getattr(importlib.import_module(".deep", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
