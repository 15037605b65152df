"""The word level's id arrays and back: the four reserved ids, the training and encoder
arrays a ``WordVocab`` (``words.py``, which re-exports all of this) encodes, and target
ids back to a sentence. The reasons for the reserved ids and for PAD = 0 are in
``words.py``'s docstring.

Shapes use letters: N samples, T time steps (T_e encoder, T_d decoder), V tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .tokenizer import detokenize
from .truecase import restore_case

if TYPE_CHECKING:      # the vocabulary is only handed in: words.py imports this file
    from .words import WordVocab

__all__ = ["PAD", "UNK", "START", "END", "RESERVED_TOKENS", "vectorize_words", "encode_input_words",
           "ids_to_words", "decode_ids"]

# reserved ids, the same on the input and target sides (``chars.START`` etc. are characters)
PAD, UNK, START, END = 0, 1, 2, 3
# Their words. tokenize never yields them: "<" and ">" are split off as punctuation.
RESERVED_TOKENS = ("<pad>", "<unk>", "<start>", "<end>")


def vectorize_words(
    input_texts: Sequence[str],
    target_texts: Sequence[str],
    vocab: WordVocab,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three int32 id arrays for training the word-level model, PAD (0) after each sequence.

    Returns:
        encoder_input_ids: (N, T_e), the input words.
        decoder_input_ids: (N, T_d), START + target words + END.
        decoder_target_ids: (N, T_d), decoder_input_ids one step ahead (teacher forcing):
            target words + END, then PAD from step len(target) + 1 on.

    ``target_texts`` are raw: START and END are added here. Words outside the
    vocabulary become UNK. A text with more tokens than the vocabulary's maximum
    lengths raises ``ValueError``; a bare str or a non-str item raises ``TypeError``.
    For one-hot targets, ``ids.one_hot(decoder_target_ids, vocab.num_decoder_tokens)``.
    Unless the loss leaves the padded steps out (``mask_zero``-style masking), PAD is a
    class like any other and the model also learns to predict it after END.
    """
    return vocab.id_arrays(input_texts, target_texts, (PAD, PAD))


def encode_input_words(texts: Sequence[str], vocab: WordVocab, truncate: bool = False) -> np.ndarray:
    """(N, T_e) int32 encoder input ids for new texts, e.g. at translation time.

    Unknown words become UNK, never an error. A text with more than
    ``max_encoder_seq_length`` tokens raises ``ValueError`` naming it and the limit,
    unless ``truncate=True`` keeps its first T_e tokens. ``texts`` must be a list of str
    (a bare str or a non-str item raises ``TypeError``).
    """
    return vocab.input_id_array(texts, PAD, truncate=truncate)


def ids_to_words(ids, vocab: WordVocab, side: str = "target") -> list[str]:
    """The words of one id sequence (T,), up to and without the first END.

    PAD and START are left out; UNK stays as ``"<unk>"``. ``side`` is ``"target"`` or
    ``"input"`` (which vocabulary reads the ids). Raises ``TypeError`` for non-integer
    ids, ``ValueError`` for ids outside [0, V) or an array that is not 1-D.
    """
    if side not in ("input", "target"):
        raise ValueError(f"side must be 'input' or 'target', got {side!r}")
    words = vocab.input_words if side == "input" else vocab.target_words
    ids = np.asarray(ids)
    if ids.size == 0:
        ids = ids.astype(np.intp)  # np.asarray([]) is float, yet a fine empty id sequence
    if not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"ids must be integers, got dtype {ids.dtype}")
    if ids.ndim != 1:
        raise ValueError(f"ids must be one sequence of shape (T,), got shape {ids.shape}")
    if ids.size and (ids.min() < 0 or ids.max() >= len(words)):
        raise ValueError(f"ids must lie in [0, {len(words)}), got [{ids.min()}, {ids.max()}]")
    stop = np.flatnonzero(ids == END)
    ids = ids[: stop[0]] if stop.size else ids
    return [words[i] for i in ids[(ids != PAD) & (ids != START)]]


def decode_ids(ids, vocab: WordVocab, language: str = "fr", side: str = "target") -> str:
    """``detokenize(ids_to_words(ids, vocab, side), language)``: one id sequence as a sentence,
    target words with their case restored when the vocabulary knows it (``cased_words``).
    A subword vocabulary's pieces are joined into words first (``join_tokens``).

    ``language`` defaults to French, the tutorial's target side.
    """
    words = vocab.join_tokens(ids_to_words(ids, vocab, side))
    if side == "target" and vocab.cased_words is not None:
        words = restore_case(words, vocab.cased_words)
    return detokenize(words, language)
