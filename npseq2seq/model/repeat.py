"""RepeatSeq2Seq: the tutorial's "trivial case", Keras's ``addition_rnn`` model.

"When both input sequences and output sequences have the same length" or, as in
``addition_rnn``, the output has a known fixed length, no decoder input is needed::

    x (N, Te) ─► encoder RNN ─► last output h (N, H) ─► RepeatVector(Td) ─► (N, Td, H)
      ─► decoder RNN(s), return_sequences, zero initial states ─► (N, Td, H)
      ─► Dense softmax per step ─► (N, Td, V)

The decoder reads the same vector h at every step and starts from zero states: the
encoder's summary enters as an *input*, not as the decoder's initial state, and no
output is fed back, so training and prediction are one forward pass (no teacher
forcing, no sampling loop). keras-io's ``examples/nlp/addition_rnn.py`` writes it as a
``Sequential`` of ``LSTM(128)``, ``RepeatVector(DIGITS + 1)``, ``num_layers`` ×
``LSTM(128, return_sequences=True)`` and ``Dense(len(chars), activation="softmax")``,
trained with ``categorical_crossentropy`` and Adam; ``reference/repeat.py`` is that model.

``params`` follow that model's ``get_weights()``: encoder (kernel, recurrent_kernel,
bias), each decoder layer's, then the Dense layer's. It trains with the same
``Trainer`` as ``Seq2Seq`` (``fit``, ``evaluate``, ``predict``, ``train_on_batch``):
``x`` is the one input array (N, Te, V) (one-hot or ids); as the Trainer's batches carry
an encoder and a decoder input, an empty (N, 0) array stands in for the decoder input
this model does not have. Letters: N batch, Te input steps, Td output steps, H units,
V tokens.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..checks import check_integer
from ..layers import GRU, LSTM, Dense
from ..ops import resolve_dtype
from ..train import Trainer
from .inputs import as_token_ids
from .weights import LayeredWeights

CELLS = {"lstm": LSTM, "gru": GRU}


@dataclass(frozen=True)
class RepeatConfig:
    """Sizes of a ``RepeatSeq2Seq``: input and output vocabularies, the output length Td
    (``RepeatVector``'s n), units, decoder layers, cell, dtype, seed."""
    num_input_tokens: int
    num_output_tokens: int
    output_length: int
    latent_dim: int = 128
    num_layers: int = 1
    cell: str = "lstm"
    dtype: str = "float32"
    seed: int | None = None

    def __post_init__(self):
        for name in ("num_input_tokens", "num_output_tokens", "output_length", "latent_dim", "num_layers"):
            object.__setattr__(self, name, check_integer(getattr(self, name), name))
        object.__setattr__(self, "seed", check_integer(self.seed, "seed", least=0, none_ok=True))
        object.__setattr__(self, "dtype", resolve_dtype(self.dtype).name)
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, received {self.cell!r}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


class RepeatCache(NamedTuple):
    encoder: object              # RecurrentCache of the encoder
    decoder: list                # RecurrentCache of each decoder layer
    dense: object                # DenseCache: the logits (N, Td, V)


class RepeatSeq2Seq(LayeredWeights, Trainer):
    """``RepeatSeq2Seq(num_input_tokens, num_output_tokens, output_length, latent_dim=128,
    num_layers=1, cell="lstm", dtype="float32", seed=None)`` or ``RepeatSeq2Seq(config)``."""

    vocab = None     # the Trainer asks (length bucketing only, which this model has no use for)

    def __init__(self, num_input_tokens, num_output_tokens=None, output_length=None,
                 latent_dim: int = 128, num_layers: int = 1, cell: str = "lstm",
                 dtype="float32", seed: int | None = None):
        config = (num_input_tokens if isinstance(num_input_tokens, RepeatConfig) else
                  RepeatConfig(num_input_tokens, num_output_tokens, output_length, latent_dim,
                               num_layers, cell, dtype, seed))
        self.config, self.dtype = config, np.dtype(config.dtype)
        self.rng = np.random.default_rng(config.seed)   # initial weights, then shuffling
        rnn, units = CELLS[config.cell], config.latent_dim
        # created in get_weights() order, each drawing its initial weights from rng in turn
        self.encoder = rnn(units, config.num_input_tokens, dtype=self.dtype, rng=self.rng, name="encoder")
        self.decoder = [rnn(units, units, return_sequences=True, dtype=self.dtype, rng=self.rng,
                            name=f"decoder_{k + 1}") for k in range(config.num_layers)]
        self.dense = Dense(config.num_output_tokens, units, activation="softmax", dtype=self.dtype,
                           rng=self.rng, name="dense")
        self.layers = [self.encoder, *self.decoder, self.dense]

    # --- what the Trainer asks for -------------------------------------------------------
    def _prepare_x(self, x):
        """x (N, Te, V) one-hot (or (N, Te) ids) → (ids, an empty (N, 0) decoder input)."""
        if isinstance(x, (list, tuple)) and len(x) == 1:
            x = x[0]
        ids = as_token_ids(x, self.config.num_input_tokens, "x")
        if len(ids) == 0:
            raise ValueError("x has 0 samples, expected at least 1")
        return ids, np.zeros((len(ids), 0), np.int32)

    def _prepare_y(self, y, dec):
        y = as_token_ids(y, self.config.num_output_tokens, "y")
        if y.shape[:2] != (len(dec), self.config.output_length):
            raise ValueError(f"y must be (batch, {self.config.output_length}, "
                             f"{self.config.num_output_tokens}) for {len(dec)} samples, "
                             f"received shape {y.shape}")
        return y if np.issubdtype(y.dtype, np.integer) else y.astype(self.dtype, copy=False)

    def forward(self, enc, dec=None, steps=None, probabilities: bool = True):
        """ids (N, Te) → (probabilities (N, Td, V), or the logits if not ``probabilities``;
        RepeatCache). dec and steps: the Trainer's arguments, unused."""
        h, enc_cache = self.encoder.forward(enc)                           # (N, H): the last output
        x = np.repeat(h[:, None], self.config.output_length, axis=1)      # RepeatVector: (N, Td, H)
        caches = []
        for rnn in self.decoder:
            x, cache = rnn.forward(x)
            caches.append(cache)
        out, dense_cache = self.dense.forward(x, activate=probabilities)
        return out, RepeatCache(enc_cache, caches, dense_cache)

    def backward(self, dlogits, cache: RepeatCache) -> list[np.ndarray]:
        """d(loss)/d(logits) (N, Td, V) → the gradients in ``params`` order."""
        dx, dense_grads = self.dense.backward_logits(dlogits, cache.dense)
        decoder_grads = []
        for rnn, rnn_cache in zip(reversed(self.decoder), reversed(cache.decoder)):
            dx, _, grads = rnn.backward(dx, rnn_cache)       # zero initial states: no gradient kept
            decoder_grads.insert(0, grads)
        dh = dx.sum(axis=1)                                  # RepeatVector: h_t = h for all t → dh = Σ_t dx_t
        _, _, encoder_grads = self.encoder.backward(dh, cache.encoder)
        return [g for grads in (encoder_grads, *decoder_grads, dense_grads) for g in grads]

    def _loss_and_grads(self, batch, with_grads: bool = True, embedding_rows: bool = False,
                        training: bool = False):
        """(loss, grads or None, batch size): Keras's fused softmax cross-entropy on the logits.
        (training: the Trainer's flag; this model has no dropout, so it changes nothing.)"""
        _, cache = self.forward(batch.enc, probabilities=False)
        loss, dlogits = self._loss_fn()(cache.dense.logits, batch.y)
        return loss, (self.backward(dlogits, cache) if with_grads else None), len(batch.enc)

    def loss_and_gradients(self, x, y):
        """(loss, grads) on one batch without updating anything; grads in params order."""
        loss, grads, _ = self._loss_and_grads(self._batch(x, y))
        return loss, grads

    def predict_ids(self, x, batch_size: int = 256) -> np.ndarray:
        """(N, Td) the most probable token at each output step (addition_rnn's argmax)."""
        return self.predict(x, batch_size=batch_size).argmax(axis=-1)

    def _summary_title(self) -> str:
        return (f"RepeatSeq2Seq ({self.config.cell}, latent_dim={self.config.latent_dim}, "
                f"RepeatVector({self.config.output_length}), dtype={self.dtype.name})")
