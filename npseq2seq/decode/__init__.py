"""Decoding: text in, text out, through a model's ``encode`` and ``decode_step``.

``greedy.py`` has the tutorial's ``decode_sequence`` and a batched greedy decoder that
returns the same strings; ``beam.py`` beam search; ``sampling.py`` temperature, top-k and
top-p sampling; ``translate.py`` turns raw strings into translations for any vocabulary.
Nothing here knows the model's layers: a model is anything with ``encode(encoder_input)
-> states`` and ``decode_step(ids, states) -> (probs, states)``, so this package sits
below ``model`` (which offers ``translate``).
"""
from .beam import DEFAULT_LENGTH_PENALTY, Hypothesis, beam_search, length_normaliser
from .greedy import decode_sequence, greedy_decode
from .sampling import SAMPLING, Sample, Sampler, make_sampler, sample_decode, sampling_weights
from .translate import Translation, translate

__all__ = ["decode_sequence", "greedy_decode", "beam_search", "Hypothesis", "length_normaliser",
           "DEFAULT_LENGTH_PENALTY", "Translation", "translate", "SAMPLING", "Sample", "Sampler",
           "make_sampler", "sample_decode", "sampling_weights"]
