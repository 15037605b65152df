"""The model's input arrays, checked and turned into token ids once, before any layer sees them.

Keras's character-level model takes one-hot arrays (N, T, V); the word-level model
takes integer ids (N, T). Inside, a one-hot (or all-zero) row becomes a token id once
(-1 for an all-zero row, zero padding), because one-hot × kernel is a row of the
kernel: the result is the same to the last bit, without the multiplications by zero.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..layers.dropout import DropoutCache, dropout_backward
from .config import Seq2SeqConfig


def as_token_ids(x: np.ndarray, num_tokens: int, name: str) -> np.ndarray:
    """(N, T, V) one-hot → (N, T) ids, -1 for all-zero rows; other arrays pass through.

    Integer (N, T) arrays are taken as ids already. A float array that is not
    strictly one-hot/zero rows (soft targets, say) is returned unchanged.
    """
    x = np.asarray(x)
    if np.issubdtype(x.dtype, np.integer):
        if x.ndim != 2:
            raise ValueError(f"{name}: integer token ids must be (batch, time), received shape {x.shape}")
        if x.size and (x.min() < -1 or x.max() >= num_tokens):
            raise ValueError(f"{name}: token ids must lie in [-1, {num_tokens}), "
                             f"received min {x.min()}, max {x.max()}")
        return x
    if x.ndim != 3 or x.shape[-1] != num_tokens:
        raise ValueError(f"{name}: expected shape (batch, time, {num_tokens}), received {x.shape}")
    if not np.issubdtype(x.dtype, np.floating) and x.dtype != bool:
        raise ValueError(f"{name}: expected a float array, received dtype {x.dtype}")
    is_binary = np.all((x == 0) | (x == 1))
    if not (is_binary and np.all(x.sum(axis=-1) <= 1)):
        return x
    ids = x.argmax(axis=-1)
    ids[x.max(axis=-1) == 0] = -1
    return ids


def prepare_tokens(config: Seq2SeqConfig, x, num_tokens: int, name: str) -> np.ndarray:
    """An encoder or decoder input as the model's layers take it: ids (N, T) (or, at
    character level, soft (N, T, V) rows as given); word level takes ids in [0, V) only."""
    if config.level == "char":
        return as_token_ids(x, num_tokens, name)
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.integer) or x.ndim != 2:
        raise ValueError(f"{name}: the word-level model takes integer token ids (batch, time), "
                         f"received {x.dtype} array of shape {x.shape}")
    if x.size and (x.min() < 0 or x.max() >= num_tokens):
        raise ValueError(f"{name}: token ids must lie in [0, {num_tokens}), "
                         f"received min {x.min()}, max {x.max()}")
    return x


def prepare_x(config: Seq2SeqConfig, x) -> tuple[np.ndarray, np.ndarray]:
    """``[encoder_input_data, decoder_input_data]`` → (enc, dec) ids, checked against each other."""
    if not isinstance(x, (list, tuple)) or len(x) != 2:
        raise ValueError("x must be a list [encoder_input_data, decoder_input_data], "
                         f"received {type(x).__name__}")
    enc = prepare_tokens(config, x[0], config.num_encoder_tokens, "encoder_input_data")
    dec = prepare_tokens(config, x[1], config.num_decoder_tokens, "decoder_input_data")
    if len(enc) != len(dec):
        raise ValueError(f"encoder_input_data has {len(enc)} samples but "
                         f"decoder_input_data has {len(dec)}")
    if not len(enc):
        raise ValueError("encoder_input_data has 0 samples, expected at least 1")
    return enc, dec


def prepare_y(config: Seq2SeqConfig, y, dec: np.ndarray) -> np.ndarray:
    """``decoder_target_data`` → ids (N, Td), or soft rows (N, Td, V) in the model's dtype."""
    y = as_token_ids(y, config.num_decoder_tokens, "decoder_target_data")
    if config.teacher_forcing and y.shape[:2] != dec.shape[:2]:
        raise ValueError(f"decoder_target_data must match decoder_input_data's (batch, time) "
                         f"{dec.shape[:2]}, received {y.shape[:2]}")
    if len(y) != len(dec):
        raise ValueError(f"decoder_target_data has {len(y)} samples, the inputs {len(dec)}")
    return y if np.issubdtype(y.dtype, np.integer) else y.astype(config.np_dtype, copy=False)


class Dropped(NamedTuple):
    """The cache of an Embedding whose output word_dropout dropped (training only)."""
    lookup: object         # EmbeddingCache
    dropout: DropoutCache  # keep (N, T, 1): one draw per token, its whole vector kept or not


def embed(embedding, ids: np.ndarray, word_dropout=None, training: bool = False, rng=None):
    """The RNN's input from ids: (vectors, embedding cache, padding mask) through an
    Embedding (word level); at character level the ids go to the RNN as they are (its
    kernel rows are the one-hot products), with no cache and no mask. word_dropout: a
    ``Dropout(rate, noise_shape=(None, None, 1))`` on the vectors in training (a token's
    whole vector dropped; Keras's Dropout passes the Embedding's mask on unchanged)."""
    if embedding is None:
        return ids, None, None
    vectors, cache = embedding.forward(ids)
    if word_dropout is not None and training:
        vectors, dropped = word_dropout.forward(vectors, training=True, rng=rng)
        cache = Dropped(cache, dropped)
    return vectors, cache, embedding.compute_mask(ids)


def embed_backward(embedding, dvectors, cache, as_rows: bool) -> dict[str, list]:
    """{embedding name: [d embeddings]} ({} without an Embedding); ``as_rows``: one row per
    lookup (``Embedding.backward``), as ``fit`` hands them to the optimiser."""
    if embedding is None:
        return {}
    if isinstance(cache, Dropped):      # vectors = where(keep, E[ids]·scale, 0)
        dvectors, cache = dropout_backward(dvectors, cache.dropout), cache.lookup
    return {embedding.name: embedding.backward(dvectors, cache, as_rows)[1]}
