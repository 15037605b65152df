"""Keras 3 reference implementations of the tutorial's models, and the weight bridge.

Needs the ``reference`` extra (keras, tensorflow-cpu). npseq2seq itself never imports
this package.
"""
from .models import (  # noqa: F401
    CELLS,
    build_inference_models,
    build_no_teacher_forcing_model,
    build_training_model,
    build_word_inference_models,
    build_word_training_model,
    decode_sequence,
    decode_word_sequence,
    floatx,
    start_token_input,
)
