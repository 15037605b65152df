"""The model's variant, stated and checked once: one dataclass that everything reads.

``Seq2Seq`` is built from a ``Seq2SeqConfig``; the model file stores it (``io``), the CLI
builds one from its flags, and ``reference/`` builds the matching Keras model from one.
The rules of which variants combine live here and nowhere else, as do the two rules of
*training* a variant that a user would otherwise have to know (``default_loss`` and
``training_inputs``).

The variants (the tutorial's model and its FAQ)::

    cell            "lstm" | "gru"       the RNN of encoder and decoder
    level           "char" | "word"      one-hot characters, or word ids through Embedding layers
    teacher_forcing True | False         decoder fed the targets, or its own outputs (char only)
    mask_zero       False | True         id 0 is padding, skipped by the RNNs and the loss (word only)
    attention       None | "luong"       Luong dot-product attention over the encoder outputs
                    | "additive"         (Keras's Attention()), or additive scores (Keras's
                                         AdditiveAttention()), after the decoder RNN
                    | "bahdanau"         inside the recurrence (the top decoder layer): additive
                                         scores vᵀ tanh(W_q s_{t-1} + W_k h_j), the context fed
                                         into each step's input
                    | "luong_general"    inside the recurrence: scores s_tᵀ W_a h_j, the
                                         attentional vector tanh(W_c [c_t; s_t]) to the Dense
                                         layer (all: teacher forcing only)
    input_feeding   False | True         luong_general only: ã_{t-1} joins the step's input
    num_layers      1, 2, ...            stacked RNN layers in the encoder and in the decoder;
                                         encoder layer k hands its final states to decoder layer k
    bidirectional   False | True         each encoder layer reads forwards and backwards
                                         (latent_dim units a direction); the decoder has
                                         2·latent_dim units, started from [forward; backward] states
    mask_padding    False | True         Keras's Masking() over zero-padded one-hot inputs: padded
                                         encoder steps skipped (every layer, both directions),
                                         padded decoder steps out of the loss and, with
                                         attention, out of its keys and queries (inside the
                                         recurrence: its keys) (char and teacher forcing
                                         only; see model/masking.py)
    dropout         0.0 ≤ rate < 1       Keras's LSTM/GRU(dropout=, recurrent_dropout=) on every
    recurrent_dropout                    encoder and decoder RNN layer, in training only
                                         (layers/rnn_dropout.py; the attentive layer's cell:
                                         layers/attentive_inputs.py); any variant
    output_dropout  0.0 ≤ rate < 1       Keras's Dropout(rate) on the decoder's outputs, just
                                         before the Dense layer (a new mask for every entry and
                                         step, as Zaremba et al. 2014 drop an LSTM's
                                         non-recurrent connections), in training only; any variant
    word_dropout    0.0 ≤ rate < 1       Keras's Dropout(rate, noise_shape=(None, None, 1)) after
                                         each Embedding: a token's whole vector dropped (Sennrich
                                         et al. 2016's word dropout), in training only; word level
    tie_embeddings  False | True         the Dense layer's kernel is the decoder Embedding's table,
                                         transposed (Press & Wolf 2017's weight tying: one (V, E)
                                         matrix reads the tokens in and scores them out); word
                                         level, the Dense layer's input as wide as the Embedding
                                         (no attention, or luong_general; not bidirectional)
    reset_after     True | False         the GRU's candidate: Keras 3's default (r applied after
                                         U_h, bias (2, 3H)) or Keras 2's (r applied to h_{t-1}
                                         before U_h, bias (3H,)); GRU only
    recurrent_activation "sigmoid"       the gates' activation in every LSTM/GRU layer: the
                    | "hard_sigmoid"     logistic (Keras 3's and tf.keras's default), or Keras 2's
                                         clip(0.2·x + 0.5, 0, 1), standalone Keras 2.0–2.2's
                                         default (the 2017 blog's s2s.h5; Keras 3's own
                                         "hard_sigmoid" is x/6 + 0.5, another function)
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..checks import check_integer, check_rate
from ..ops import RECURRENT_ACTIVATIONS, resolve_dtype

CELLS = ("lstm", "gru")
LEVELS = ("char", "word")
ATTENTION = (None, "luong", "additive", "bahdanau", "luong_general")
RECURRENT_ATTENTION = ("bahdanau", "luong_general")   # inside the recurrence (model/attentive_decoder.py)
DROPOUT_RATES = ("dropout", "recurrent_dropout", "output_dropout", "word_dropout")   # each in [0, 1)


@dataclass(frozen=True)
class Seq2SeqConfig:
    """Sizes and variant of a ``Seq2Seq``; invalid combinations raise ``ValueError`` here.

    ``dtype`` is stored as its name ("float32" or "float64"); ``seed`` seeds the model's one
    random generator (initial weights, then shuffling).
    """
    num_encoder_tokens: int
    num_decoder_tokens: int
    latent_dim: int = 256
    cell: str = "lstm"
    dtype: str = "float32"
    seed: int | None = None
    level: str = "char"
    teacher_forcing: bool = True
    mask_zero: bool = False
    attention: str | None = None
    num_layers: int = 1
    bidirectional: bool = False
    mask_padding: bool = False
    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    reset_after: bool = True
    recurrent_activation: str = "sigmoid"
    input_feeding: bool = False
    output_dropout: float = 0.0
    word_dropout: float = 0.0
    tie_embeddings: bool = False

    def __post_init__(self):
        for name in ("num_encoder_tokens", "num_decoder_tokens", "latent_dim", "num_layers"):
            object.__setattr__(self, name, check_integer(getattr(self, name), name))
        object.__setattr__(self, "seed", check_integer(self.seed, "seed", least=0, none_ok=True))
        object.__setattr__(self, "dtype", resolve_dtype(self.dtype).name)
        for name in DROPOUT_RATES:
            object.__setattr__(self, name, check_rate(getattr(self, name), name))
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, received {self.cell!r}")
        if self.level not in LEVELS:
            raise ValueError(f"level must be 'char' or 'word', received {self.level!r}")
        for name in ("teacher_forcing", "mask_zero", "bidirectional", "mask_padding", "input_feeding",
                     "tie_embeddings"):
            object.__setattr__(self, name, bool(getattr(self, name)))
        if not isinstance(self.reset_after, (bool, np.bool_)):   # as the GRU layer checks it
            raise ValueError(f"reset_after must be True or False, received {self.reset_after!r}")
        object.__setattr__(self, "reset_after", bool(self.reset_after))
        if not self.reset_after and self.cell != "gru":
            raise ValueError(f"reset_after=False is a GRU option (Keras 2's GRU), but cell={self.cell!r}; "
                             "use cell='gru' or leave reset_after at True")
        if not self.teacher_forcing and self.level != "char":
            raise ValueError("teacher_forcing=False is the FAQ's character-level model: "
                             "it feeds softmax outputs back as one-hot-like inputs; use level='char'")
        if self.mask_zero and self.level != "word":
            raise ValueError("mask_zero needs level='word' (id 0 is the word vocabulary's padding)")
        if self.word_dropout and self.level != "word":
            raise ValueError("word_dropout drops the Embedding's token vectors: it needs level='word' "
                             "(a character model's one-hot inputs are dropped by dropout=)")
        if self.mask_padding and (self.level != "char" or not self.teacher_forcing):
            raise ValueError("mask_padding is Keras's Masking() over zero-padded one-hot rows: it "
                             "needs level='char' and teacher_forcing=True (word level: use mask_zero)")
        if self.recurrent_activation not in RECURRENT_ACTIVATIONS:
            raise ValueError(f"recurrent_activation must be one of {sorted(RECURRENT_ACTIVATIONS)}, "
                             f"received {self.recurrent_activation!r}")
        if self.attention not in ATTENTION:
            raise ValueError(f"attention must be None or one of {list(ATTENTION[1:])}, "
                             f"received {self.attention!r}")
        if self.input_feeding and self.attention != "luong_general":
            raise ValueError("input_feeding feeds Luong's attentional vector to the next step: it "
                             f"needs attention='luong_general', received attention={self.attention!r} "
                             "(attention='bahdanau' feeds its context by construction)")
        self._check_tying()
        if self.attention and not self.teacher_forcing:
            raise ValueError(f"attention={self.attention!r} needs teacher_forcing=True: the decoder's output "
                             "sequence queries the encoder in one pass; the FAQ's model without "
                             "teacher forcing has no attention variant here")

    def _check_tying(self) -> None:
        """tie_embeddings needs the Dense layer to read as many features as the table is wide."""
        if self.tie_embeddings and (self.level != "word" or self.dense_input_dim != self.latent_dim):
            raise ValueError("tie_embeddings makes the Dense kernel the decoder Embedding's table "
                             f"({self.latent_dim} wide): it needs level='word' and a Dense layer reading "
                             f"{self.latent_dim} features (attention None or 'luong_general', not "
                             f"bidirectional); received level={self.level!r}, attention={self.attention!r}, "
                             f"bidirectional={self.bidirectional} (Dense input {self.dense_input_dim})")

    # --- what the variant implies ----------------------------------------------------
    @property
    def np_dtype(self) -> np.dtype:
        return np.dtype(self.dtype)

    @property
    def recurrent_attention(self) -> bool:
        """Attention inside the decoder's recurrence (bahdanau, luong_general)."""
        return self.attention in RECURRENT_ATTENTION

    @property
    def drops(self) -> bool:
        """Whether a training step draws dropout masks (any of the rates above 0)."""
        return any(getattr(self, name) for name in DROPOUT_RATES)

    @property
    def decoder_units(self) -> int:
        """The decoder's units: latent_dim, or 2·latent_dim after a bidirectional encoder
        (its [forward; backward] states are the decoder's initial states)."""
        return self.latent_dim * (2 if self.bidirectional else 1)

    @property
    def dense_input_dim(self) -> int:
        """What the Dense layer reads each step: the top decoder output (decoder_units wide);
        with attention after the RNN [output; context] (twice that); with Bahdanau's [s_t; c_t]
        (twice); with Luong's general score the attentional vector ã_t (decoder_units)."""
        wide = self.attention and self.attention != "luong_general"
        return self.decoder_units * (2 if wide else 1)

    @property
    def padding_id(self) -> int:
        """The id of a padded step in the model's id arrays: -1 (an all-zero one-hot row,
        zero padding) at character level, 0 (the word vocabulary's PAD) at word level."""
        return -1 if self.level == "char" else 0

    @property
    def default_loss(self) -> str:
        """The loss the variant trains with: word targets are ids (a one-hot over thousands
        of words would be huge), so the sparse loss, which has the same value as
        categorical_crossentropy on their one-hot rows."""
        return "sparse_categorical_crossentropy" if self.level == "word" else "categorical_crossentropy"

    def training_inputs(self, encoder_input, decoder_input) -> list:
        """``x`` for ``fit`` from the full teacher-forcing arrays: without teacher forcing the
        FAQ's model is fed only the start token (``decoder_input[:, :1]``) and its own outputs
        after that."""
        return [encoder_input, decoder_input if self.teacher_forcing else decoder_input[:, :1]]

    # --- as a file stores it -----------------------------------------------------------
    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, config: dict) -> Seq2SeqConfig:
        """The config of ``to_dict``; unknown or missing keys raise ``ValueError`` naming them."""
        if not isinstance(config, dict):
            raise ValueError(f"a model config must be a dict, received {type(config).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(config) - names)
        if unknown:
            raise ValueError(f"unknown model config keys {unknown}")
        missing = [f.name for f in dataclasses.fields(cls)
                   if f.default is dataclasses.MISSING and f.name not in config]
        if missing:
            raise ValueError(f"model config lacks the keys {missing}")
        return cls(**config)

    def replace(self, **changes) -> Seq2SeqConfig:
        return dataclasses.replace(self, **changes)
