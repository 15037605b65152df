"""Decoding: text in, text out, through a model's ``encode`` and ``decode_step``.

``greedy.py`` has the tutorial's ``decode_sequence`` and a batched greedy decoder that
returns the same strings; ``beam.py`` beam search; ``sampling.py`` temperature, top-k and
top-p sampling; ``translate.py`` turns raw strings into translations for any vocabulary.
These know nothing of the model's layers: a model is anything with ``encode(encoder_input)
-> states`` and ``decode_step(ids, states) -> (probs, states)``, so this package sits
below ``model`` (which offers ``translate``). ``one_sentence.py`` (greedy decoding of one
sentence at a time, ``translate``'s path for a batch of one) is the exception: it reads a
``Seq2Seq``'s layers and weights to run their steps on preallocated buffers
(``steppers.py``, ``input_table.py``, ``ties.py``, ``one_sentence_encoder.py``).
"""
from .beam import DEFAULT_LENGTH_PENALTY, Hypothesis, beam_search, length_normaliser
from .greedy import decode_sequence, greedy_decode
from .one_sentence import OneSentenceGreedy
from .sampling import SAMPLING, Sample, Sampler, make_sampler, sample_decode, sampling_weights
from .translate import Translation, translate

__all__ = ["decode_sequence", "greedy_decode", "OneSentenceGreedy", "beam_search", "Hypothesis", "length_normaliser",
           "DEFAULT_LENGTH_PENALTY", "Translation", "translate", "SAMPLING", "Sample", "Sampler",
           "make_sampler", "sample_decode", "sampling_weights"]
