"""The decoders' two questions to a model: how to start a decoding loop, and whether
``decode_step`` can skip the softmax.

greedy decoding, beam search and sampling run any model with ``encode(encoder_input) ->
states`` and ``decode_step(ids, states) -> (probs, states)`` (the tests' stand-ins
too); ``Seq2Seq`` offers two faster options, used only where they exist:
``encode(..., decoding=True)`` (Bahdanau's keys projected once for the loop, not every
step) and ``decode_step(..., logits=True)`` (no softmax, for greedy's argmax).
"""
from __future__ import annotations

import inspect

from ..memory import retain_freed_memory


def takes(method, keyword: str) -> bool:
    """Whether ``method`` accepts ``keyword``: the decoders run any model with ``encode`` and
    ``decode_step``, and use ``Seq2Seq``'s faster options only where they exist."""
    try:
        return keyword in inspect.signature(method).parameters
    except (TypeError, ValueError):             # a builtin without a signature
        return False


def start_decoding(model, encoder_input) -> list:
    """``model.encode(encoder_input)``, with ``decoding=True`` where the model takes it.

    Also ``retain_freed_memory()`` (as ``fit`` does): every decoding step allocates and
    frees (N, G·H) arrays, 4 MB at N = 1,000, and without it each is a fresh ``mmap``
    whose pages fault in again (measured: greedy decoding of 1,000 sentences, 0.80 s CPU
    without, 0.61 s with, one BLAS thread)."""
    retain_freed_memory()
    if takes(model.encode, "decoding"):
        return model.encode(encoder_input, decoding=True)
    return model.encode(encoder_input)
