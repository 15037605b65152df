"""One vocabulary interface, whatever a token is: ``Vocab``, which ``CharVocab`` (characters,
one-hot arrays, ``chars.py``) and ``WordVocab`` (words, id arrays, ``words.py``) both
implement, so that decoding, inspection, files and the command line need not ask which
one they hold::

    texts  ──encode_inputs──▶ encoder input ──model──▶ target ids ──decode──▶ texts
    pairs  ──encode_pairs───▶ (encoder_input, decoder_input, decoder_target)   what fit eats

Shapes use letters: N texts, T time steps (T_e = ``max_encoder_seq_length``, T_d =
``max_decoder_seq_length``), V tokens (V_e = ``num_encoder_tokens``, V_d =
``num_decoder_tokens``). A token's id is its position in ``input_vocabulary`` /
``target_vocabulary``; the id -1 stands for an all-zero one-hot row.

===================  ==========================================  =================================
                     ``level == "char"``                         ``level == "word"``
===================  ==========================================  =================================
``encode_inputs``    one-hot (N, T_e, V_e), ``dtype``            ids (N, T_e) int32
``encode_pairs``     one-hot (N, T_e, V_e), (N, T_d, V_d) twice  ids (N, T_e), (N, T_d) twice
``encode_pair_ids``  ids (N, T_e), (N, T_d) twice, int32         the same as ``encode_pairs``
unknown token        ``UnknownTokenError``, or dropped           ``<unk>``, never an error
                     (``errors="ignore"``)
padded step          the space (padding "space") or id -1        id 0, ``<pad>``
                     (padding "zero")
===================  ==========================================  =================================

The interface (``v`` a vocabulary; every method checks its arguments):

- ``v.level``: "char", "word" or "subword" (``subwords.py``: the word level on byte-pair
  pieces); ``v.model_level``: the ``Seq2SeqConfig.level`` of the model it feeds ("char" or
  "word": a subword vocabulary feeds the word-level model); ``v.num_encoder_tokens``, ``v.num_decoder_tokens``,
  ``v.max_encoder_seq_length``, ``v.max_decoder_seq_length``; ``v.input_vocabulary``,
  ``v.target_vocabulary`` (the tokens in id order), ``v.input_token_index``,
  ``v.target_token_index`` (token → id), ``v.reverse_input_index``,
  ``v.reverse_target_index`` (id → token).
- ``v.start_id``, ``v.stop_id``: the target ids of the start and end tokens.
- ``v.input_pad_id``, ``v.target_pad_id``: the id that marks a padded step in the arrays
  ``encode_inputs`` / ``encode_pairs`` return (-1 for an all-zero row), or None where a
  padded step holds a real token (space padding) and cannot be told from one.
- ``v.encode_inputs(texts, truncate=False, errors="raise", dtype="float32")``: the
  encoder input for new texts; ``v.encode_pairs(input_texts, target_texts,
  dtype="float32")``: the three training arrays; ``v.encode_pair_ids(input_texts,
  target_texts)``: the same as int32 ids (what the model makes of one-hot rows anyway,
  at a fraction of the memory: the command line trains on these); ``v.decode(ids, keep_end=False)``:
  target ids (T,) → text. Under them, the int32 id arrays: ``v.input_id_array(texts,
  pad_id, errors, truncate)`` (N, T_e) and ``v.id_arrays(input_texts, target_texts,
  pad_ids)`` (N, T_e), (N, T_d), (N, T_d); the character level one-hots them.
- ``v.has_tokens(text, errors="raise")``: False when encoding ``text`` leaves no token.
- ``v.tokenize(text)``: its tokens (characters or words); ``v.unknown_tokens(text)``:
  those the input side does not know; ``v.input_ids(text, errors="raise")``,
  ``v.target_ids(text)``: one text's id row; ``v.input_tokens(text, errors="raise",
  truncate=False)``: the names of its tokens as encoded; ``v.input_token(id)``,
  ``v.target_token(id)``: the name of one id.
- ``v.to_config()`` and ``vocab_from_config(config, level=None)``: a JSON-able dict and
  back, to the right class.

Each level's own constructor is ``from_texts`` (its options differ: padding, or case and
vocabulary size). ``ids.py`` holds the steps from ids to arrays that the class's
concrete methods use; ``vocab_config.py`` the file form (``from_config``,
``vocab_from_config``), which ``Vocab`` inherits.
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from functools import cached_property
from types import MappingProxyType

import numpy as np

from .checks import check_count, check_errors, check_pairs, check_texts
from .errors import UnknownTokenError, training_side
from .ids import fit_row, pad_rows
from .vocab_config import VocabConfig, vocab_from_config

__all__ = ["Vocab", "vocab_from_config"]


class Vocab(VocabConfig, ABC):
    """What every vocabulary is and does: see the module docstring for the whole interface.

    A subclass is a frozen dataclass whose fields include ``max_encoder_seq_length`` and
    ``max_decoder_seq_length``, declared with its level (``class CharVocab(Vocab,
    level="char")``: that is how ``vocab_from_config`` finds it), and sets ``start_token``,
    ``end_token`` (target tokens) and ``unit`` (what its tokens are called in messages).
    Its file form (``to_config`` back through ``from_config``) is ``VocabConfig``'s.
    """

    level: str
    start_token: str
    end_token: str
    unit: str
    max_encoder_seq_length: int   # T_e, the most tokens of an input
    max_decoder_seq_length: int   # T_d, the most tokens of a target with its start and end
    reverse_input: bool           # encoder inputs read backwards (a field of each level, last)

    def __post_init__(self):
        """Check the lengths (a subclass checks its own fields, then calls this)."""
        for name, least in (("max_encoder_seq_length", 1), ("max_decoder_seq_length", 2)):
            object.__setattr__(self, name, check_count(getattr(self, name), name, least))

    # ----------------------------------------------------------------- what a level defines

    @property
    @abstractmethod
    def input_vocabulary(self) -> tuple[str, ...]:
        """The input side's tokens in id order (V_e)."""

    @property
    @abstractmethod
    def target_vocabulary(self) -> tuple[str, ...]:
        """The target side's tokens in id order (V_d), the start and end tokens included."""

    @property
    @abstractmethod
    def input_pad_id(self) -> int | None:
        """The id of a padded encoder input step (-1: all-zero), None if it is a real token."""

    @property
    @abstractmethod
    def target_pad_id(self) -> int | None:
        """The id of a padded decoder step (-1: all-zero), None if it is a real target."""

    @abstractmethod
    def tokenize(self, text: str) -> list[str]:
        """``text`` as the tokens the vocabulary looks up: its characters, or its words."""

    @abstractmethod
    def input_ids(self, text: str, errors: str = "raise") -> list[int]:
        """The ids of one input text's tokens, unpadded and uncut (``errors`` as in ``encode_inputs``)."""

    @abstractmethod
    def target_ids(self, text: str) -> list[int]:
        """The ids of one raw target text wrapped in the start and end tokens; TextTooLongError
        if they are more than T_d (training cannot cut a target)."""

    @abstractmethod
    def encode_inputs(self, texts: Sequence[str], truncate: bool = False, errors: str = "raise",
                      dtype="float32") -> np.ndarray:
        """The encoder input the model takes for N new texts (the module docstring's table)."""

    @abstractmethod
    def encode_pairs(self, input_texts: Sequence[str], target_texts: Sequence[str],
                     dtype="float32") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(encoder_input, decoder_input, decoder_target) for training on N raw pairs."""

    @abstractmethod
    def encode_pair_ids(self, input_texts: Sequence[str],
                        target_texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``encode_pairs`` as int32 ids (N, T_e), (N, T_d), (N, T_d), -1 for an all-zero row:
        the model turns one-hot rows into these ids before any layer sees them, so it trains
        on them to the same bits, in 4 bytes a step instead of 4·V."""

    @abstractmethod
    def decode(self, ids, keep_end: bool = False) -> str:
        """Target ids (T,), as decoding emits them, → text."""

    @abstractmethod
    def to_config(self) -> dict:
        """A JSON-serialisable dict; ``type(v).from_config(v.to_config()) == v``."""

    # ----------------------------------------------------------------- what follows from it

    @property
    def num_encoder_tokens(self) -> int:
        return len(self.input_vocabulary)

    @property
    def num_decoder_tokens(self) -> int:
        return len(self.target_vocabulary)

    @cached_property
    def input_token_index(self) -> Mapping[str, int]:
        """Token → id, a read-only dict computed once."""
        return MappingProxyType({token: i for i, token in enumerate(self.input_vocabulary)})

    @cached_property
    def target_token_index(self) -> Mapping[str, int]:
        """Token → id, a read-only dict computed once."""
        return MappingProxyType({token: i for i, token in enumerate(self.target_vocabulary)})

    @cached_property
    def reverse_input_index(self) -> Mapping[int, str]:
        """Id → token, a read-only dict computed once (the tutorial's ``reverse_input_char_index``)."""
        return MappingProxyType(dict(enumerate(self.input_vocabulary)))

    @cached_property
    def reverse_target_index(self) -> Mapping[int, str]:
        """Id → token, a read-only dict computed once (the tutorial's ``reverse_target_char_index``)."""
        return MappingProxyType(dict(enumerate(self.target_vocabulary)))

    @property
    def start_id(self) -> int:
        return self.target_token_index[self.start_token]

    @property
    def stop_id(self) -> int:
        return self.target_token_index[self.end_token]

    def input_token(self, token_id: int) -> str:
        """The input token of ``token_id``; ``"<pad>"`` for -1 (an all-zero row)."""
        return _token_name(self.input_vocabulary, token_id)

    def target_token(self, token_id: int) -> str:
        """The target token of ``token_id``; ``"<pad>"`` for -1 (an all-zero row)."""
        return _token_name(self.target_vocabulary, token_id)

    def input_tokens(self, text: str, errors: str = "raise", truncate: bool = False) -> list[str]:
        """The tokens of ``text`` as ``encode_inputs`` encodes it, padding left out."""
        return [self.input_vocabulary[i] for i in self._fitted(_check_text(text), errors, truncate)]

    def unknown_tokens(self, text: str) -> list[str]:
        """The tokens of ``text`` the input side does not know, in order: characters that
        ``encode_inputs`` raises on (or drops), words it reads as ``<unk>``."""
        index = self.input_token_index
        return [token for token in self.tokenize(_check_text(text)) if token not in index]

    def has_tokens(self, text: str, errors: str = "raise") -> bool:
        """False when encoding ``text`` would leave no token: ``""``, or (``errors="ignore"``)
        only characters the vocabulary does not know, or (words) no word or mark at all. With
        ``errors="raise"`` an unknown character counts: encoding raises on it."""
        try:
            return bool(self.input_ids(_check_text(text), check_errors(errors)))
        except UnknownTokenError:
            return True

    def input_id_array(self, texts: Sequence[str], pad_id: int, errors: str = "raise",
                       truncate: bool = False) -> np.ndarray:
        """(N, T_e) int32 ids of N input texts, padded at the end with ``pad_id``: what
        ``encode_inputs`` encodes (TextTooLongError for a text over T_e unless ``truncate``).
        With ``reverse_input`` each padded row is reversed: the text backwards, after its
        padding. Every encoder input (training, translate, inspect) is made here."""
        check_errors(errors)
        texts = check_texts(texts, "texts")
        ids = pad_rows([self._fitted(text, errors, truncate) for text in texts],
                       self.max_encoder_seq_length, pad_id)
        # reverse_input: the padded row read backwards, as Keras's addition_rnn reverses its
        # space-padded queries ('12+345 ' -> ' 543+21'): the padding comes first
        return ids[:, ::-1].copy() if self.reverse_input else ids

    def id_arrays(self, input_texts: Sequence[str], target_texts: Sequence[str],
                  pad_ids: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Three int32 id arrays for training: what ``encode_pairs`` encodes.

        Returns encoder_input_ids (N, T_e), decoder_input_ids (N, T_d): start + target +
        end, and decoder_target_ids (N, T_d): the decoder input one step ahead (teacher
        forcing), padding in the last step. ``pad_ids``: the (input, target) padding ids.
        An over-long text raises ``TextTooLongError`` naming its side.
        """
        input_texts, target_texts = self.check_pairs(input_texts, target_texts)
        encoder_pad, decoder_pad = pad_ids
        with training_side("encoder"):
            encoder_input_ids = self.input_id_array(input_texts, encoder_pad)
        with training_side("decoder"):
            decoder_input_ids = pad_rows([self.target_ids(text) for text in target_texts],
                                         self.max_decoder_seq_length, decoder_pad)
        decoder_target_ids = np.full_like(decoder_input_ids, decoder_pad)
        decoder_target_ids[:, :-1] = decoder_input_ids[:, 1:]
        return encoder_input_ids, decoder_input_ids, decoder_target_ids

    @classmethod
    def check_pairs(cls, input_texts: Sequence[str],
                    target_texts: Sequence[str]) -> tuple[list[str], list[str]]:
        """Both sides as lists of str that pair up (``checks.check_pairs``); a level may check more."""
        return check_pairs(input_texts, target_texts)

    def _fitted(self, text: str, errors: str, truncate: bool) -> list[int]:
        return fit_row(self.input_ids(text, errors), text, self.max_encoder_seq_length, truncate, self.unit)


def _token_name(tokens: tuple[str, ...], token_id: int) -> str:
    if isinstance(token_id, bool) or not isinstance(token_id, numbers.Integral):
        raise TypeError(f"token id must be an int, got {type(token_id).__name__}")
    token_id = int(token_id)
    if not -1 <= token_id < len(tokens):
        raise ValueError(f"token id must lie in [-1, {len(tokens)}), got {token_id}")
    return "<pad>" if token_id == -1 else tokens[token_id]


def _check_text(text: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"text must be str, got {type(text).__name__}")
    return text
