"""The character level, as the Keras tutorial reads text: ``CharVocab`` and its one-hot arrays.

Data flows one way::

    text pairs ──load_pairs / generated_corpus──▶ (input_texts, target_texts)  raw strings
               ──CharVocab.from_texts──────────▶ vocab                  chars ↔ ids, max lengths
               ──vectorize─────────────────────▶ three one-hot arrays   what model.fit eats

exactly as the keras-io example ``lstm_seq2seq.py`` ("A ten-minute introduction to
sequence-to-sequence learning in Keras") does it::

    >>> inputs, targets = ["Go.", "Hi."], ["Va !", "Salut !"]   # or load_pairs("fra.txt", 10_000)
    >>> vocab = CharVocab.from_texts(inputs, targets)
    >>> encoder_input_data, decoder_input_data, decoder_target_data = vectorize(inputs, targets, vocab)
    >>> decoder_target_data.shape                            # (N, T_d, V_d)
    (2, 9, 10)

One convention everywhere in this module: target texts are passed *raw*. The start
character ``START = "\\t"`` and end character ``END = "\\n"`` are added inside
``CharVocab.from_texts`` and ``vectorize``, never by the caller.

Shapes use letters: N samples, T time steps (T_e encoder, T_d decoder), V tokens
(V_e = num_encoder_tokens, V_d = num_decoder_tokens).

Padding. Sequences shorter than the longest one are padded at the end. Two modes:

* ``"space"`` (keras-io, default): padded steps are the one-hot of ``" "``. The decoder
  then learns to emit spaces after the end character, and every target row is one-hot.
* ``"zero"`` (the original 2017 blog post): padded steps are all-zero rows.

Int arrays use the id ``-1`` for "no token" (an all-zero one-hot row); see ``ids.one_hot``.
The arrays are made in ``char_arrays.py`` (``vectorize``, ``vectorize_ids``,
``encode_input_texts``, importable from here as ever); this file is the vocabulary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .char_arrays import PAD, PADDINGS, check_padding, encode_input_texts, vectorize, vectorize_ids
from .checks import check_errors
from .ids import char_ids, fit_row
from .vocab import Vocab

__all__ = [
    "START",
    "END",
    "PAD",
    "PADDINGS",
    "CharVocab",
    "vectorize_ids",
    "vectorize",
    "encode_input_texts",
]

# Characters here; ``words.py`` has START, END, PAD of its own, which are token *ids*.
# (PAD, the space whose one-hot fills padded steps, is char_arrays.py's.)
START = "\t"  # start-of-sequence character, first decoder input step
END = "\n"  # end-of-sequence character, the decoder's stop signal


@dataclass(frozen=True, repr=False)
class CharVocab(Vocab, level="char"):
    """Character vocabularies of both sides and the padded sequence lengths.

    Build it with ``CharVocab.from_texts``; save/restore it with ``to_config`` /
    ``from_config`` (the character lists may be a str or a list). Two vocabularies are
    equal when all six fields are equal. It implements ``Vocab`` (``vocab.py``).

    Fields:
        input_characters: sorted unique characters of the inputs (V_e of them).
        target_characters: sorted unique characters of the targets, START and END included (V_d).
        max_encoder_seq_length: T_e, the longest input text.
        max_decoder_seq_length: T_d, the longest target text including START and END.
        padding: ``"space"`` or ``"zero"``, the default padding of ``vectorize``.
        reverse_input: encode inputs backwards, padding first (Keras's addition_rnn).

    The tutorial's derived names are properties: ``num_encoder_tokens``,
    ``num_decoder_tokens``, ``input_token_index``, ``target_token_index`` (char → id),
    ``reverse_input_char_index``, ``reverse_target_char_index`` (id → char). The four
    indexes are read-only dicts (``MappingProxyType``), computed once.
    """

    input_characters: tuple[str, ...]
    target_characters: tuple[str, ...]
    max_encoder_seq_length: int
    max_decoder_seq_length: int
    padding: str = "space"
    reverse_input: bool = False

    start_token, end_token, unit = START, END, "characters"

    def __post_init__(self):
        # Accept any sequence of characters (a str, a list from JSON) but store tuples,
        # so the vocabulary is immutable and hashable.
        for name in ("input_characters", "target_characters"):
            chars = getattr(self, name)
            if not isinstance(chars, Sequence):
                raise TypeError(f"{name} must be a str or a sequence of characters")
            chars = tuple(chars)
            if not all(isinstance(c, str) and len(c) == 1 for c in chars):
                raise ValueError(f"{name} must hold single characters")
            # Sorted order is what makes the ids the same as the Keras tutorial's.
            if any(a >= b for a, b in zip(chars, chars[1:])):
                raise ValueError(f"{name} must be sorted and without repeats")
            object.__setattr__(self, name, chars)
        if START not in self.target_characters or END not in self.target_characters:
            raise ValueError("target_characters must contain START '\\t' and END '\\n'")
        super().__post_init__()
        check_padding(self.padding)
        if not isinstance(self.reverse_input, bool):
            raise ValueError(f"reverse_input must be True or False, got {self.reverse_input!r}")
        if self.padding == "space" and (
            PAD not in self.input_characters or PAD not in self.target_characters
        ):
            raise ValueError("padding 'space' needs ' ' in both input and target characters")

    @classmethod
    def from_texts(
        cls,
        input_texts: Sequence[str],
        target_texts: Sequence[str],
        padding: str = "space",
        reverse_input: bool = False,
    ) -> CharVocab:
        """Build the vocabulary of N raw text pairs as keras-io ``lstm_seq2seq.py`` does.

        Targets are wrapped as ``START + text + END`` before counting characters and
        lengths. One deviation from the tutorial: with ``padding="space"``, ``" "`` is
        added to a side whose texts contain no space, because its one-hot is the padding
        (the tutorial never needs this: its sentences always contain a space).
        ``reverse_input``: encode each input backwards (``Vocab.input_id_array``).
        """
        check_padding(padding)
        input_texts, target_texts = cls.check_pairs(input_texts, target_texts)
        wrapped_targets = [START + text + END for text in target_texts]
        if not input_texts:
            raise ValueError("cannot build a vocabulary from zero text pairs")
        input_characters = set().union(*input_texts)
        target_characters = set().union(*wrapped_targets)
        if padding == "space":
            input_characters.add(PAD)
            target_characters.add(PAD)
        max_encoder_seq_length = max(map(len, input_texts))
        if max_encoder_seq_length == 0:
            raise ValueError("all input texts are empty")
        return cls(
            input_characters=tuple(sorted(input_characters)),
            target_characters=tuple(sorted(target_characters)),
            max_encoder_seq_length=max_encoder_seq_length,
            max_decoder_seq_length=max(map(len, wrapped_targets)),
            padding=padding,
            reverse_input=reverse_input,
        )

    @classmethod
    def check_pairs(cls, input_texts: Sequence[str],
                    target_texts: Sequence[str]) -> tuple[list[str], list[str]]:
        """``Vocab.check_pairs``, and no START/END inside a raw target."""
        input_texts, target_texts = super().check_pairs(input_texts, target_texts)
        for i, text in enumerate(target_texts):
            # A raw START/END inside a target would make the decoder start or stop mid-sentence.
            if START in text or END in text:
                raise ValueError(
                    f"target_texts[{i}] = {text!r} contains the start {START!r} or end {END!r} "
                    "character; pass raw texts, they are added for you"
                )
        return input_texts, target_texts

    @property
    def input_vocabulary(self) -> tuple[str, ...]:
        return self.input_characters

    @property
    def target_vocabulary(self) -> tuple[str, ...]:
        return self.target_characters

    # the tutorial's names of Vocab's id → token dicts
    reverse_input_char_index = property(lambda self: self.reverse_input_index)
    reverse_target_char_index = property(lambda self: self.reverse_target_index)

    @property
    def target_pad_id(self) -> int | None:
        """-1 (an all-zero row) with zero padding; None with space padding: a padded step
        is a space, a real token the model reads and learns to emit."""
        return -1 if self.padding == "zero" else None

    input_pad_id = target_pad_id   # the same rule on both sides

    def tokenize(self, text: str) -> list[str]:
        return list(text)

    def input_ids(self, text: str, errors: str = "raise") -> list[int]:
        return char_ids(text, self.input_token_index, check_errors(errors))

    def target_ids(self, text: str) -> list[int]:
        text = START + text + END
        return fit_row(char_ids(text, self.target_token_index), text, self.max_decoder_seq_length)

    def encode_inputs(self, texts: Sequence[str], truncate: bool = False, errors: str = "raise",
                      dtype="float32") -> np.ndarray:
        """One-hot (N, T_e, V_e): ``encode_input_texts`` with the vocabulary's padding."""
        return encode_input_texts(texts, self, dtype=dtype, errors=errors, truncate=truncate)

    def encode_pairs(self, input_texts: Sequence[str], target_texts: Sequence[str],
                     dtype="float32") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Three one-hot arrays: ``vectorize`` with the vocabulary's padding."""
        return vectorize(input_texts, target_texts, self, padding=self.padding, dtype=dtype)

    def encode_pair_ids(self, input_texts: Sequence[str],
                        target_texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``vectorize_ids`` with the vocabulary's padding (-1 for zero padding)."""
        return vectorize_ids(input_texts, target_texts, self)

    def decode(self, ids, keep_end: bool = False) -> str:
        """The characters of ``ids``, the final END dropped unless ``keep_end``."""
        text = "".join(self.reverse_target_char_index[int(i)] for i in ids)
        return text if keep_end or not text.endswith(END) else text[:-1]

    def to_config(self) -> dict:
        """A JSON-serialisable dict; ``CharVocab.from_config(v.to_config()) == v``.

        The character lists are stored as strings (each character is one code point).
        """
        return self._with_reverse({
            "input_characters": "".join(self.input_characters),
            "target_characters": "".join(self.target_characters),
            "max_encoder_seq_length": self.max_encoder_seq_length,
            "max_decoder_seq_length": self.max_decoder_seq_length,
            "padding": self.padding,
        })
