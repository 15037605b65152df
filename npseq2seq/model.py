"""Seq2Seq: the tutorial's encoder–decoder, trained the way Keras trains it.

The training model (teacher forcing)::

    encoder_input (N, Te, Ve) ─► encoder RNN ─► final states ──┐ initial_state
    decoder_input (N, Td, Vd) ─────────────────► decoder RNN ◄─┘ ─► (N, Td, H)
                                                   ─► Dense softmax ─► (N, Td, Vd)

Backward runs the same arrows in reverse: loss → Dense → decoder (BPTT) →
d(initial_state) → encoder (BPTT). ``params`` is the flat list of live weight
arrays in the order of Keras's ``model.get_weights()`` for the same model, so
weights move between the two with no conversion.

Inputs are Keras's one-hot arrays. Internally a one-hot (or all-zero) row is
turned into a token id once (-1 for an all-zero row), because one-hot × kernel
is a row of the kernel: the result is the same to the last bit, without the
multiplications by zero.
"""
from __future__ import annotations

import math
import sys
import time
from typing import NamedTuple

import numpy as np

from . import losses as losses_mod
from . import optimizers as optimizers_mod
from .layers import LSTM, Dense
from .ops import resolve_dtype, softmax

CELLS = {"lstm": LSTM}


class History:
    """What ``fit`` returns, as in Keras: ``history.history["loss"]`` is a list per epoch."""

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def append(self, epoch: int, logs: dict[str, float]) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self):
        return f"History({self.history})"


class ForwardCache(NamedTuple):
    encoder: object
    decoder: object
    dense: object


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


class _InferenceModel:
    """A Keras-like object with ``predict`` (the tutorial's encoder_model / decoder_model)."""

    def __init__(self, fn, doc):
        self._fn = fn
        self.__doc__ = doc

    def predict(self, inputs, verbose=0):
        return self._fn(inputs)

    __call__ = predict


class Seq2Seq:
    """The tutorial's character-level encoder–decoder, with a Keras-shaped API.

    Seq2Seq(num_encoder_tokens, num_decoder_tokens, latent_dim=256, cell="lstm",
            dtype="float32", seed=None, vocab=None)

    ``vocab`` (a ``data.CharVocab``) is optional for training on arrays but is
    needed by ``translate`` and is saved with the model.
    """

    def __init__(self, num_encoder_tokens: int, num_decoder_tokens: int, latent_dim: int = 256,
                 cell: str = "lstm", dtype="float32", seed: int | None = None, vocab=None):
        for arg, value in (("num_encoder_tokens", num_encoder_tokens),
                           ("num_decoder_tokens", num_decoder_tokens), ("latent_dim", latent_dim)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{arg} must be a positive integer, received {value!r}")
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, received {cell!r}")
        self.num_encoder_tokens, self.num_decoder_tokens = int(num_encoder_tokens), int(num_decoder_tokens)
        self.latent_dim, self.cell = int(latent_dim), cell
        self.dtype = resolve_dtype(dtype)
        self.seed = seed
        self.rng = np.random.default_rng(seed)  # the one source of randomness: init and shuffling
        self.vocab = vocab
        rnn = CELLS[cell]
        self.encoder = rnn(self.latent_dim, self.num_encoder_tokens, return_state=True,
                           dtype=self.dtype, rng=self.rng, name="encoder_" + cell)
        self.decoder = rnn(self.latent_dim, self.num_decoder_tokens, return_sequences=True,
                           return_state=True, dtype=self.dtype, rng=self.rng, name="decoder_" + cell)
        self.dense = Dense(self.num_decoder_tokens, self.latent_dim, activation="softmax",
                           dtype=self.dtype, rng=self.rng, name="decoder_dense")
        self.layers = [self.encoder, self.decoder, self.dense]
        self.optimizer = None
        self.loss = None
        self.encoder_model = _InferenceModel(self._encoder_predict, "encoder_input → states")
        self.decoder_model = _InferenceModel(
            self._decoder_predict, "[target_seq (N, 1, Vd), *states] → [probs (N, 1, Vd), *states]")

    # --- weights ----------------------------------------------------------------------
    @property
    def params(self) -> list[np.ndarray]:
        """The live weight arrays, in Keras's ``get_weights()`` order."""
        return [w for layer in self.layers for w in layer.weights]

    def get_weights(self) -> list[np.ndarray]:
        return [w.copy() for w in self.params]

    def set_weights(self, weights) -> None:
        weights = list(weights)
        expected = self.params
        if len(weights) != len(expected):
            raise ValueError(f"set_weights expected {len(expected)} arrays, received {len(weights)}")
        for k, (cur, new) in enumerate(zip(expected, weights)):
            new = np.asarray(new)
            if new.shape != cur.shape:
                raise ValueError(f"set_weights: array {k} must have shape {cur.shape}, "
                                 f"received {new.shape}")
        for cur, new in zip(expected, weights):
            cur[...] = new                 # in place, so optimiser slots stay attached

    def count_params(self) -> int:
        return sum(w.size for w in self.params)

    def config(self) -> dict:
        return {"num_encoder_tokens": self.num_encoder_tokens,
                "num_decoder_tokens": self.num_decoder_tokens,
                "latent_dim": self.latent_dim, "cell": self.cell,
                "dtype": self.dtype.name, "seed": self.seed}

    # --- compile / forward / backward --------------------------------------------------
    def compile(self, optimizer="rmsprop", loss="categorical_crossentropy") -> None:
        self.optimizer = optimizers_mod.get(optimizer)
        self.loss = losses_mod.get(loss)

    def _prepare_x(self, x):
        if not isinstance(x, (list, tuple)) or len(x) != 2:
            raise ValueError("x must be a list [encoder_input_data, decoder_input_data], "
                             f"received {type(x).__name__}")
        enc = as_token_ids(x[0], self.num_encoder_tokens, "encoder_input_data")
        dec = as_token_ids(x[1], self.num_decoder_tokens, "decoder_input_data")
        if len(enc) != len(dec):
            raise ValueError(f"encoder_input_data has {len(enc)} samples but "
                             f"decoder_input_data has {len(dec)}")
        return enc, dec

    def _prepare_y(self, y, dec):
        y = as_token_ids(y, self.num_decoder_tokens, "decoder_target_data")
        if y.shape[:2] != dec.shape[:2]:
            raise ValueError(f"decoder_target_data must match decoder_input_data's (batch, time) "
                             f"{dec.shape[:2]}, received {y.shape[:2]}")
        return y if np.issubdtype(y.dtype, np.integer) else y.astype(self.dtype, copy=False)

    def forward(self, enc, dec):
        """Training-model forward: → (probs (N, Td, Vd), cache)."""
        (_, *states), enc_cache = self.encoder.forward(enc)
        (seq, *_), dec_cache = self.decoder.forward(dec, initial_state=states)
        probs, dense_cache = self.dense.forward(seq)
        return probs, ForwardCache(enc_cache, dec_cache, dense_cache)

    def backward(self, dlogits, cache: ForwardCache) -> list[np.ndarray]:
        """loss → Dense → decoder → (through initial_state) → encoder; grads in params order."""
        dseq, dense_grads = self.dense.backward_logits(dlogits, cache.dense)
        _, dstates, dec_grads = self.decoder.backward([dseq] + [None] * self.decoder.state_size,
                                                     cache.decoder)
        # the encoder's final states were the decoder's initial states
        _, _, enc_grads = self.encoder.backward([None, *dstates], cache.encoder)
        return enc_grads + dec_grads + dense_grads

    def _loss_fn(self):
        if self.loss is None:
            raise RuntimeError("the model must be compiled before training or evaluation: "
                               "call model.compile(optimizer=..., loss=...)")
        return self.loss

    def _loss_and_grads(self, enc, dec, y):
        loss_fn = self._loss_fn()
        _, cache = self.forward(enc, dec)
        loss, dlogits = loss_fn(cache.dense.logits, y)
        return loss, self.backward(dlogits, cache)

    def loss_and_gradients(self, x, y):
        """(loss, grads) on one batch without updating anything; grads in params order."""
        enc, dec = self._prepare_x(x)
        return self._loss_and_grads(enc, dec, self._prepare_y(y, dec))

    def _train_step(self, enc, dec, y) -> float:
        loss, grads = self._loss_and_grads(enc, dec, y)
        if not math.isfinite(loss):
            raise FloatingPointError(f"loss became {loss}; weights left as they were before this batch")
        self.optimizer.apply_gradients(zip(grads, self.params))
        return loss

    def _check_compiled(self):
        if self.optimizer is None or self.loss is None:
            raise RuntimeError("the model must be compiled before training: "
                               "call model.compile(optimizer='rmsprop', loss='categorical_crossentropy')")

    def train_on_batch(self, x, y) -> float:
        """One optimiser step on one batch; returns the loss *before* the update (as Keras)."""
        self._check_compiled()
        enc, dec = self._prepare_x(x)
        return self._train_step(enc, dec, self._prepare_y(y, dec))

    def _eval_loss(self, enc, dec, y, batch_size) -> float:
        loss_fn = self._loss_fn()
        total, count = 0.0, 0
        for start in range(0, len(enc), batch_size):
            sl = slice(start, start + batch_size)
            _, cache = self.forward(enc[sl], dec[sl])
            loss, _ = loss_fn(cache.dense.logits, y[sl])
            n = len(enc[sl])
            total, count = total + loss * n, count + n
        return total / count

    def evaluate(self, x, y, batch_size: int = 64, verbose: int = 0) -> float:
        """Mean loss over batches, weighted by batch size (Keras's ``Mean`` metric)."""
        enc, dec = self._prepare_x(x)
        return self._eval_loss(enc, dec, self._prepare_y(y, dec), _check_batch_size(batch_size))

    def predict(self, x, batch_size: int = 64, verbose: int = 0) -> np.ndarray:
        """Teacher-forced probabilities (N, Td, Vd)."""
        enc, dec = self._prepare_x(x)
        batch_size = _check_batch_size(batch_size)
        return np.concatenate([self.forward(enc[s:s + batch_size], dec[s:s + batch_size])[0]
                               for s in range(0, len(enc), batch_size)], axis=0)

    # --- fit ------------------------------------------------------------------------------
    def fit(self, x, y, batch_size: int = 64, epochs: int = 1, verbose: int = 1,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True,
            initial_epoch: int = 0, callbacks=None) -> History:
        """Train as Keras's ``fit`` does.

        validation_split takes the *last* fraction of the samples, before any
        shuffling; each epoch's ``loss`` is the batch-size-weighted mean of the
        batches' pre-update losses, ``val_loss`` uses the end-of-epoch weights.
        callbacks: callables ``f(epoch, logs, model)`` run after each epoch.
        """
        self._check_compiled()
        batch_size = _check_batch_size(batch_size)
        if not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"epochs must be a non-negative integer, received {epochs!r}")
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"validation_split must be in [0, 1), received {validation_split!r}")
        enc, dec = self._prepare_x(x)
        y = self._prepare_y(y, dec)
        val = None
        if validation_data is not None:
            vx, vy = validation_data
            venc, vdec = self._prepare_x(vx)
            val = (venc, vdec, self._prepare_y(vy, vdec))
        elif validation_split > 0:
            split_at = int(math.floor(len(enc) * (1.0 - validation_split)))
            if split_at == 0 or split_at == len(enc):
                raise ValueError(f"validation_split={validation_split} leaves no samples for "
                                 f"{'training' if split_at == 0 else 'validation'} out of {len(enc)}")
            val = (enc[split_at:], dec[split_at:], y[split_at:])
            enc, dec, y = enc[:split_at], dec[:split_at], y[:split_at]
        history = History()
        n = len(enc)
        steps = math.ceil(n / batch_size)
        for epoch in range(initial_epoch, epochs):
            start_time = time.perf_counter()
            order = self.rng.permutation(n) if shuffle else np.arange(n)
            total = 0.0
            for step, start in enumerate(range(0, n, batch_size)):
                # without shuffling a batch is a contiguous slice: a view, no copy
                sel = order[start:start + batch_size] if shuffle else slice(start, start + batch_size)
                b_enc = enc[sel]
                try:
                    loss = self._train_step(b_enc, dec[sel], y[sel])
                except FloatingPointError as err:
                    raise FloatingPointError(f"epoch {epoch + 1}, batch {step + 1}: {err}") from None
                total += loss * len(b_enc)
                if verbose == 1 and sys.stdout.isatty():
                    print(f"\r{step + 1}/{steps} - loss: {total / (start + len(b_enc)):.4f}", end="", flush=True)
            logs = {"loss": total / n}
            if val is not None:
                logs["val_loss"] = self._eval_loss(*val, batch_size)
            history.append(epoch, logs)
            if verbose:
                seconds = time.perf_counter() - start_time
                metrics = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
                print(f"\rEpoch {epoch + 1}/{epochs}\n{steps}/{steps} - {seconds:.1f}s - "
                      f"{1000 * seconds / steps:.0f}ms/step - {metrics}", flush=True)
            for callback in callbacks or ():
                callback(epoch, logs, self)
        return history

    # --- inference (the tutorial's encoder_model / decoder_model) --------------------------
    def encode(self, encoder_input) -> list[np.ndarray]:
        """Encoder states for a batch of inputs: [h, c] (LSTM), each (N, H)."""
        enc = as_token_ids(encoder_input, self.num_encoder_tokens, "encoder_input_data")
        (_, *states), _ = self.encoder.forward(enc)
        return states

    def decode_step(self, token_ids: np.ndarray, states):
        """One decoder step for a batch: token ids (N,) + states → (probs (N, Vd), new states)."""
        xw = self.decoder.project_inputs(np.asarray(token_ids)[None])[0]
        states, _ = self.decoder.step_forward(xw, states)
        return softmax(states[0] @ self.dense.kernel + self.dense.bias), states

    def _encoder_predict(self, encoder_input):
        return self.encode(encoder_input)

    def _decoder_predict(self, inputs):
        target_seq, *states = inputs
        ids = as_token_ids(target_seq, self.num_decoder_tokens, "target_seq")
        (seq, *states), _ = self.decoder.forward(ids, initial_state=states)
        probs, _ = self.dense.forward(seq)
        return [probs, *states]

    def translate(self, texts, **kwargs) -> list[str]:
        """Greedy translations of raw input strings (needs ``vocab``); see decoding.translate."""
        from .decoding import translate
        return translate(self, texts, **kwargs)

    # --- files --------------------------------------------------------------------------
    def save(self, path) -> None:
        """One ``.npz``: weights, config, vocabulary, format version; written atomically."""
        from .io import save_model
        save_model(self, path)

    @classmethod
    def load(cls, path) -> "Seq2Seq":
        from .io import load_model
        return load_model(path)

    def summary(self) -> str:
        lines = [f"Seq2Seq ({self.cell}, latent_dim={self.latent_dim}, dtype={self.dtype.name})"]
        for layer in self.layers:
            shapes = ", ".join(f"{n} {tuple(w.shape)}" for n, w in zip(layer.weight_names, layer.weights))
            lines.append(f"  {layer.name:<16} {layer.count_params():>10,}  {shapes}")
        lines.append(f"  total params: {self.count_params():,}")
        return "\n".join(lines)


def _check_batch_size(batch_size) -> int:
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, received {batch_size!r}")
    return int(batch_size)
