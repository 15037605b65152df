"""The character level's arrays, as the keras-io example ``lstm_seq2seq.py`` makes them:
the three one-hot training arrays (``vectorize``), their int32 form (``vectorize_ids``)
and the encoder input of new texts (``encode_input_texts``), from a ``CharVocab``
(``chars.py``, which re-exports them). The padding modes are the module docstring's of
``chars.py``: ``"space"`` pads with the one-hot of ``PAD``, ``"zero"`` with all-zero rows
(the id -1).

Shapes use letters: N samples, T time steps (T_e encoder, T_d decoder), V tokens
(V_e = num_encoder_tokens, V_d = num_decoder_tokens).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .ids import one_hot

if TYPE_CHECKING:      # the vocabulary is only handed in: chars.py imports this file
    from .chars import CharVocab

__all__ = ["PAD", "PADDINGS", "check_padding", "vectorize_ids", "vectorize", "encode_input_texts"]

PAD = " "  # its one-hot fills padded steps when padding == "space"
PADDINGS = ("space", "zero")


def check_padding(padding: str) -> str:
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    return padding


def _pad_ids(vocab: CharVocab, padding: str | None) -> tuple[int, int]:
    """(encoder pad id, decoder pad id) for ``padding`` (None: the vocabulary's); -1 is all-zero."""
    padding = vocab.padding if padding is None else check_padding(padding)
    if padding == "zero":
        return -1, -1
    if PAD not in vocab.input_token_index or PAD not in vocab.target_token_index:
        raise ValueError("padding 'space' needs ' ' in the vocabulary; use padding='zero'")
    return vocab.input_token_index[PAD], vocab.target_token_index[PAD]


def vectorize_ids(
    input_texts: Sequence[str],
    target_texts: Sequence[str],
    vocab: CharVocab,
    padding: str | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The integer form of ``vectorize``: three int32 arrays of ids, -1 where a row is all-zero.

    Returns ``encoder_input_ids`` (N, T_e), ``decoder_input_ids`` (N, T_d) and
    ``decoder_target_ids`` (N, T_d). ``target_texts`` are raw: START and END are added
    here. The decoder target is the decoder input shifted one step left (teacher
    forcing), with padding in the last step.
    """
    return vocab.id_arrays(input_texts, target_texts, _pad_ids(vocab, padding))


def vectorize(
    input_texts: Sequence[str],
    target_texts: Sequence[str],
    vocab: CharVocab,
    padding: str | None = None,
    dtype="float32",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One-hot arrays for training, identical to keras-io ``lstm_seq2seq.py``.

    ``target_texts`` are raw: START and END are added here. ``padding`` is ``"space"``,
    ``"zero"`` or None for ``vocab.padding``.

    Returns:
        encoder_input_data: (N, T_e, V_e)
        decoder_input_data: (N, T_d, V_d), START + target + END, then padding
        decoder_target_data: (N, T_d, V_d), decoder_input_data one step ahead: target + END,
            then padding (from step len(target) + 1 on).

    Raises ``UnknownTokenError`` for characters outside the vocabulary and ``ValueError``
    for texts longer than the vocabulary's maximum lengths.
    """
    encoder_ids, decoder_input_ids, decoder_target_ids = vectorize_ids(
        input_texts, target_texts, vocab, padding
    )
    return (
        one_hot(encoder_ids, vocab.num_encoder_tokens, dtype),
        one_hot(decoder_input_ids, vocab.num_decoder_tokens, dtype),
        one_hot(decoder_target_ids, vocab.num_decoder_tokens, dtype),
    )


def encode_input_texts(
    texts: Sequence[str],
    vocab: CharVocab,
    padding: str | None = None,
    dtype="float32",
    errors: str = "raise",
    truncate: bool = False,
) -> np.ndarray:
    """One-hot (N, T_e, V_e) encoder input for new texts, e.g. at translation time.

    Characters outside the vocabulary raise ``UnknownTokenError`` (a ``ValueError``)
    unless ``errors="ignore"`` drops them. Texts longer than ``max_encoder_seq_length``
    raise ``TextTooLongError`` (a ``ValueError``) unless ``truncate=True``. ``texts``
    must be a list of str (a bare str raises ``TypeError``).
    """
    encoder_pad, _ = _pad_ids(vocab, padding)
    ids = vocab.input_id_array(texts, encoder_pad, errors=errors, truncate=truncate)
    return one_hot(ids, vocab.num_encoder_tokens, dtype)
