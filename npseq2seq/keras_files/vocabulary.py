"""The vocabulary of a Keras model, which no Keras file holds: rebuilt from the training
data as the tutorial builds it, or read from a file, then checked against the weights.

The tutorial's ids are a function of its data: the sorted characters of the first
``num_samples`` lines of ``fra.txt`` (``CharVocab.from_texts``, keras-io
``lstm_seq2seq.py``), and for the FAQ's word model the words by frequency
(``WordVocab.from_texts``, npseq2seq's rule: the FAQ leaves it to the reader). The same
file and ``num_samples`` give the same ids, so the same weights mean the same thing. A
different count of tokens is caught here (a wrong file or ``num_samples``); a different
order of the same count is not detectable from the weights.

Padding: the keras-io example pads with spaces, the 2017 blog post (Keras 2.0–2.2, whose
``s2s.h5`` has no cell level) with all-zero rows, as does a model with ``Masking``; the
encoder reads the padding, so it matters for the translations. ``padding=None`` picks that
from the file, and a caller who trained otherwise says so.
"""
from __future__ import annotations

import os

from ..io import read_model_file
from ..npz import ModelFileError, open_regular, parse_json
from ..text import CharVocab, WordVocab, load_pairs, shown_path, vocab_from_config

__all__ = ["vocabulary", "default_padding", "MAX_VOCAB_FILE_BYTES"]

MAX_VOCAB_FILE_BYTES = 64 << 20


def default_padding(era: str, mask_padding: bool) -> str:
    """"zero" for the 2017 blog's era (standalone Keras 2.0–2.2) and for a Masking model,
    "space" (the keras-io example) otherwise."""
    return "zero" if era == "keras2" or mask_padding else "space"


def vocabulary(config, *, data=None, num_samples=None, vocab=None, padding=None, era="keras3"):
    """The vocabulary for a model of ``config`` (a Seq2SeqConfig read from a Keras file):
    built from ``data`` (+ ``num_samples``), or ``vocab`` (a Vocab, an npseq2seq model file or
    a JSON file of ``Vocab.to_config()``); None if neither is given. ValueError naming the
    mismatch if its token counts are not the weights'."""
    if data is not None and vocab is not None:
        raise ValueError("pass data (and num_samples) or vocab, not both")
    if data is not None:
        where = f"{shown_path(data)}'s " + (f"first {num_samples} lines" if num_samples else "lines")
        inputs, targets = load_pairs(data, num_samples)
        if config.level == "word":
            found = WordVocab.from_texts(inputs, targets)
        else:
            found = CharVocab.from_texts(inputs, targets, padding=padding or default_padding(era, config.mask_padding))
    elif vocab is not None:
        where = "the vocabulary" if not isinstance(vocab, (str, os.PathLike)) else shown_path(vocab)
        found = vocab if hasattr(vocab, "num_encoder_tokens") else read_vocab(vocab, config.level)
    else:
        if num_samples is not None or padding is not None:
            raise ValueError("num_samples and padding go with data (the training file the vocabulary is built from)")
        return None
    if found.model_level != config.level:
        raise ValueError(f"{where} is a {found.level}-level vocabulary; the model is {config.level}-level")
    for side in ("encoder", "decoder"):
        have, want = getattr(found, f"num_{side}_tokens"), getattr(config, f"num_{side}_tokens")
        if have != want:
            raise ValueError(f"the file's {side} has {want} tokens, {where} give {have}"
                             + (" (is it the same data file and num_samples the model was trained on?)"
                                if data is not None else ""))
    return found


def read_vocab(path, level: str):
    """A vocabulary from an npseq2seq model file (``.npz``) or a JSON file of ``to_config()``."""
    if str(path).endswith(".npz"):
        config, _ = read_model_file(path)
        if not config.get("vocab"):
            raise ModelFileError(path, "holds no vocabulary")
        try:
            return vocab_from_config(config["vocab"], level=(config.get("model") or {}).get("level"))
        except (TypeError, ValueError, AttributeError) as err:
            raise ModelFileError(path, f"invalid vocabulary: {err}") from None
    path, size = open_regular(path)
    if size > MAX_VOCAB_FILE_BYTES:
        raise ModelFileError(path, f"{size} bytes, more than a vocabulary file holds ({MAX_VOCAB_FILE_BYTES})")
    with open(path, "rb") as f:
        raw = f.read(MAX_VOCAB_FILE_BYTES + 1)
    try:
        config = parse_json(raw, "the vocabulary")
        if not isinstance(config, dict):
            raise ValueError("a vocabulary file is a JSON object (Vocab.to_config())")
        return vocab_from_config(config, level="word" if "input_words" in config else "char")
    except (TypeError, ValueError, AttributeError) as err:
        raise ModelFileError(path, f"invalid vocabulary: {err}") from None
