"""Seq2Seq: the tutorial's encoder–decoder, trained the way Keras trains it.

The training model (teacher forcing)::

    encoder_input (N, Te, Ve) ─► encoder RNN ─► final states ──┐ initial_state
    decoder_input (N, Td, Vd) ─────────────────► decoder RNN ◄─┘ ─► (N, Td, H)
                                                   ─► Dense softmax ─► (N, Td, Vd)

Backward runs the same arrows in reverse: loss → Dense → decoder (BPTT) →
d(initial_state) → encoder (BPTT).

With ``attention="luong"`` the encoder also returns its output sequence, and the
Dense layer reads each decoder output next to a context vector, the attention-
weighted average of the encoder outputs (``layers/attention.py``)::

    decoder outputs (N, Td, H) ─► attention over encoder outputs (N, Te, H) ─► context (N, Td, H)
    [decoder outputs; context] (N, Td, 2H) ─► Dense softmax ─► (N, Td, Vd)

and backward adds two paths: the context's gradient reaches the decoder outputs
(the queries) and the encoder outputs (the values), which the encoder's BPTT
takes as a sequence gradient alongside d(final states).

``params`` is the flat list of live weight arrays in the order of Keras's
``model.get_weights()`` for the same model, so weights move between the two
with no conversion.

Inputs are Keras's one-hot arrays. Internally a one-hot (or all-zero) row is
turned into a token id once (-1 for an all-zero row), because one-hot × kernel
is a row of the kernel: the result is the same to the last bit, without the
multiplications by zero.
"""
from __future__ import annotations

import math
import numbers
import sys
import time
from typing import NamedTuple

import numpy as np

from . import losses as losses_mod
from . import optimizers as optimizers_mod
from .checks import check_integer
from .layers import GRU, LSTM, Dense, DotAttention, Embedding
from .memory import retain_freed_memory
from .ops import RowGradient, resolve_dtype, softmax

CELLS = {"lstm": LSTM, "gru": GRU}
ATTENTION = (None, "luong")


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
    encoder: tuple            # (embedding cache or None, RNN cache)
    decoder: object           # teacher forcing: (embedding cache, RNN cache, Dense cache,
                              # attention cache or None);
                              # free running: one (RNN cache, Dense cache) per step
    mask: np.ndarray | None   # (N, Td) decoder steps that count in the loss (mask_zero)


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
    """The tutorial's encoder–decoder and its FAQ variants, with a Keras-shaped API.

    Seq2Seq(num_encoder_tokens, num_decoder_tokens, latent_dim=256, cell="lstm",
            dtype="float32", seed=None, vocab=None, level="char",
            teacher_forcing=True, mask_zero=False, attention=None)

    cell: "lstm" or "gru" (the FAQ's GRU variant: one state instead of two).
    level: "char" — one-hot inputs (N, T, V), as the tutorial; "word" — integer
        token ids (N, T) through ``Embedding(num_tokens, latent_dim)`` layers, as
        the FAQ's word-level model. ``mask_zero`` (word level) treats id 0 as
        padding like Keras's ``Embedding(mask_zero=True)``: padded steps are
        skipped by both RNNs and left out of the loss.
    teacher_forcing: False trains as the FAQ's model without teacher forcing:
        the decoder runs one step at a time from the start token, each step's
        softmax output fed back as the next step's input (character level).
    vocab: a ``text.CharVocab`` (or ``text.WordVocab``), optional for training
        on arrays, needed by ``translate``, saved with the model.
    attention: None (the tutorial) or "luong": dot-product attention of each
        decoder output over the encoder's outputs, Keras's ``Attention()``; the
        Dense layer then reads [decoder output; context] (2·latent_dim inputs).
        The decoder state list (``encode``, ``decode_step``, ``decoder_model``)
        then ends with the encoder outputs (N, Te, H), and with ``mask_zero`` also
        their padding mask (N, Te); ``attention_weights`` and
        ``decode_step(..., return_attention=True)`` give the alignments.
        Teacher forcing only.
    """

    def __init__(self, num_encoder_tokens: int, num_decoder_tokens: int, latent_dim: int = 256,
                 cell: str = "lstm", dtype="float32", seed: int | None = None, vocab=None,
                 level: str = "char", teacher_forcing: bool = True, mask_zero: bool = False,
                 attention: str | None = None):
        for arg, value in (("num_encoder_tokens", num_encoder_tokens),
                           ("num_decoder_tokens", num_decoder_tokens), ("latent_dim", latent_dim)):
            check_integer(value, arg)
        check_integer(seed, "seed", least=0, none_ok=True)
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, received {cell!r}")
        if level not in ("char", "word"):
            raise ValueError(f"level must be 'char' or 'word', received {level!r}")
        if not teacher_forcing and level != "char":
            raise ValueError("teacher_forcing=False is the FAQ's character-level model: "
                             "it feeds softmax outputs back as one-hot-like inputs; use level='char'")
        if mask_zero and level != "word":
            raise ValueError("mask_zero needs level='word' (id 0 is the word vocabulary's padding)")
        if attention not in ATTENTION:
            raise ValueError(f"attention must be None or 'luong', received {attention!r}")
        if attention and not teacher_forcing:
            raise ValueError("attention='luong' needs teacher_forcing=True: the decoder's output "
                             "sequence queries the encoder in one pass; the FAQ's model without "
                             "teacher forcing has no attention variant here")
        self.attention = attention
        self.level, self.teacher_forcing, self.mask_zero = level, bool(teacher_forcing), bool(mask_zero)
        self.num_encoder_tokens, self.num_decoder_tokens = int(num_encoder_tokens), int(num_decoder_tokens)
        self.latent_dim, self.cell = int(latent_dim), cell
        self.dtype = resolve_dtype(dtype)
        self.seed = seed
        self.rng = np.random.default_rng(seed)  # the one source of randomness: init and shuffling
        self.vocab = vocab
        rnn = CELLS[cell]
        self.encoder_embedding = self.decoder_embedding = None
        enc_in, dec_in = self.num_encoder_tokens, self.num_decoder_tokens
        if level == "word":   # FAQ: Embedding(num_tokens, latent_dim) before each RNN
            self.encoder_embedding = Embedding(enc_in, self.latent_dim, mask_zero, self.dtype,
                                               self.rng, name="encoder_embedding")
            self.decoder_embedding = Embedding(dec_in, self.latent_dim, mask_zero, self.dtype,
                                               self.rng, name="decoder_embedding")
            enc_in = dec_in = self.latent_dim
        # with attention the encoder's output sequence is what the decoder attends to
        self.encoder = rnn(self.latent_dim, enc_in, return_sequences=bool(attention), return_state=True,
                           dtype=self.dtype, rng=self.rng, name="encoder_" + cell)
        self.decoder = rnn(self.latent_dim, dec_in, return_sequences=True,
                           return_state=True, dtype=self.dtype, rng=self.rng, name="decoder_" + cell)
        # no weights: Keras's Attention() with use_scale=False adds nothing to get_weights()
        self.attention_layer = DotAttention(self.dtype) if attention else None
        dense_in = 2 * self.latent_dim if attention else self.latent_dim   # [decoder output; context]
        self.dense = Dense(self.num_decoder_tokens, dense_in, activation="softmax",
                           dtype=self.dtype, rng=self.rng, name="decoder_dense")
        # Keras's get_weights() order: the embeddings come first in the word-level model
        self.layers = [layer for layer in (self.encoder_embedding, self.decoder_embedding,
                                           self.encoder, self.decoder, self.attention_layer,
                                           self.dense) if layer]
        self.optimizer = None
        self.loss = None
        self.encoder_model = _InferenceModel(self.encode, "encoder_input → states")
        self.decoder_model = _InferenceModel(
            self._decoder_predict, "[target_seq (N, 1, Vd), *states] → [probs (N, 1, Vd), *states]")

    # --- weights ----------------------------------------------------------------------
    @property
    def params(self) -> list[np.ndarray]:
        """The live weight arrays, in Keras's ``get_weights()`` order."""
        return [w for layer in self.layers for w in layer.weights]

    def get_weights(self) -> list[np.ndarray]:
        return [w.copy() for w in self.params]

    def _param_names(self) -> list[str]:
        """``layer/weight`` for each array of ``params``, to name one in an error message."""
        return [f"{layer.name}/{name}" for layer in self.layers for name in layer.weight_names]

    def set_weights(self, weights) -> None:
        expected = self.params
        if not isinstance(weights, (list, tuple)):
            raise ValueError(f"set_weights expected a list of {len(expected)} arrays, "
                             f"received {type(weights).__name__}")
        if len(weights) != len(expected):
            raise ValueError(f"set_weights expected {len(expected)} arrays, received {len(weights)}")
        for k, (cur, new, name) in enumerate(zip(expected, weights, self._param_names())):
            new = np.asarray(new)
            if new.shape != cur.shape:
                raise ValueError(f"set_weights: array {k} ({name}) must have shape {cur.shape}, "
                                 f"received {new.shape}")
            if not (np.issubdtype(new.dtype, np.floating) or np.issubdtype(new.dtype, np.integer)):
                raise ValueError(f"set_weights: array {k} ({name}) must hold real numbers, "
                                 f"received dtype {new.dtype}")
        for cur, new in zip(expected, weights):
            cur[...] = new                 # in place, so optimiser slots stay attached

    def count_params(self) -> int:
        return sum(w.size for w in self.params)

    def config(self) -> dict:
        return {"num_encoder_tokens": self.num_encoder_tokens,
                "num_decoder_tokens": self.num_decoder_tokens,
                "latent_dim": self.latent_dim, "cell": self.cell,
                "dtype": self.dtype.name, "seed": self.seed, "level": self.level,
                "teacher_forcing": self.teacher_forcing, "mask_zero": self.mask_zero,
                "attention": self.attention}

    # --- compile / forward / backward --------------------------------------------------
    def compile(self, optimizer="rmsprop", loss="categorical_crossentropy") -> None:
        self.optimizer = optimizers_mod.get(optimizer)
        self.loss = losses_mod.get(loss)

    def _prepare_tokens(self, x, num_tokens, name):
        if self.level == "char":
            return as_token_ids(x, num_tokens, name)
        x = np.asarray(x)
        if not np.issubdtype(x.dtype, np.integer) or x.ndim != 2:
            raise ValueError(f"{name}: the word-level model takes integer token ids (batch, time), "
                             f"received {x.dtype} array of shape {x.shape}")
        if x.size and (x.min() < 0 or x.max() >= num_tokens):
            raise ValueError(f"{name}: token ids must lie in [0, {num_tokens}), "
                             f"received min {x.min()}, max {x.max()}")
        return x

    def _prepare_x(self, x):
        if not isinstance(x, (list, tuple)) or len(x) != 2:
            raise ValueError("x must be a list [encoder_input_data, decoder_input_data], "
                             f"received {type(x).__name__}")
        enc = self._prepare_tokens(x[0], self.num_encoder_tokens, "encoder_input_data")
        dec = self._prepare_tokens(x[1], self.num_decoder_tokens, "decoder_input_data")
        if len(enc) != len(dec):
            raise ValueError(f"encoder_input_data has {len(enc)} samples but "
                             f"decoder_input_data has {len(dec)}")
        if not len(enc):
            raise ValueError("encoder_input_data has 0 samples, expected at least 1")
        return enc, dec

    def _prepare_y(self, y, dec):
        y = as_token_ids(y, self.num_decoder_tokens, "decoder_target_data")
        if self.teacher_forcing and y.shape[:2] != dec.shape[:2]:
            raise ValueError(f"decoder_target_data must match decoder_input_data's (batch, time) "
                             f"{dec.shape[:2]}, received {y.shape[:2]}")
        if len(y) != len(dec):
            raise ValueError(f"decoder_target_data has {len(y)} samples, the inputs {len(dec)}")
        return y if np.issubdtype(y.dtype, np.integer) else y.astype(self.dtype, copy=False)

    # The three halves of the graph. Each returns its outputs and a cache for backward.
    def _embed(self, embedding, ids):
        """Word level: ids → vectors and the padding mask; char level: ids pass through."""
        if embedding is None:
            return ids, None, None
        vectors, cache = embedding.forward(ids)
        return vectors, cache, embedding.compute_mask(ids)

    @staticmethod
    def _embedding_backward(embedding, doutputs, cache, as_rows: bool) -> list:
        """[d embeddings] of an Embedding ([] at char level, no Embedding); ``as_rows``: one
        row per lookup (``Embedding.backward``), as ``fit`` hands them to the optimiser."""
        return [] if embedding is None else embedding.backward(doutputs, cache, as_rows)[1]

    def _encode_forward(self, enc):
        """→ (the decoder's initial state list, caches). The list is the encoder's final
        states, then with attention the *memory* it reads: the encoder outputs
        (N, Te, H), and the (N, Te) padding mask when there is one (mask_zero)."""
        x, emb_cache, mask = self._embed(self.encoder_embedding, enc)
        (seq, *states), rnn_cache = self.encoder.forward(x, mask=mask)
        if self.attention_layer is not None:
            states += [seq] if mask is None else [seq, mask]
        return states, (emb_cache, rnn_cache)

    def _split_state(self, states):
        """A decoder state list → (the RNN's states, the attention memory: [] without)."""
        if self.attention_layer is None:
            return list(states), []          # the RNN checks the number of its states
        k, memory = self.decoder.state_size, 1 + self.mask_zero   # encoder outputs (+ mask)
        if len(states) != k + memory:
            raise ValueError(f"the decoder state of an attention model must be a list of "
                             f"{k + memory} arrays ({self.cell} states, encoder outputs"
                             f"{', encoder mask' if memory == 2 else ''}), as encode() returns; "
                             f"received {len(states)}")
        return list(states[:k]), list(states[k:])

    def _attend(self, seq, memory, query_mask=None):
        """The Dense layer's input from the decoder outputs seq (N, Td, H): seq itself, or
        with attention [seq; context] (N, Td, 2H); and the attention cache (None without)."""
        if self.attention_layer is None:
            return seq, None
        values, value_mask = memory[0], (memory[1] if len(memory) > 1 else None)
        context, cache = self.attention_layer.forward(seq, values, query_mask, value_mask)
        return np.concatenate([seq, context], axis=-1), cache

    def _attend_backward(self, dfeatures, att_cache):
        """Reverse of ``_attend`` → (d decoder outputs, d encoder outputs or None)."""
        if att_cache is None:
            return dfeatures, None
        h = self.latent_dim
        # features = [seq; context]: the context half goes back through the attention
        dquery, dvalues = self.attention_layer.backward(dfeatures[..., h:], att_cache)
        return dfeatures[..., :h] + dquery, dvalues   # seq reaches the Dense directly and as the query

    def _decode_teacher_forced(self, dec, states, probabilities=True):
        """Decoder fed the ground truth: one RNN pass over all Td steps (then, with
        attention, all Td queries at once). probabilities=False: logits, no softmax."""
        x, emb_cache, mask = self._embed(self.decoder_embedding, dec)
        states, memory = self._split_state(states)
        (seq, *_), rnn_cache = self.decoder.forward(x, initial_state=states, mask=mask)
        features, att_cache = self._attend(seq, memory, mask)
        probs, dense_cache = self.dense.forward(features, activate=probabilities)
        return probs, (emb_cache, rnn_cache, dense_cache, att_cache), mask

    def _decode_free_running(self, dec, states, steps):
        """The FAQ's decoder without teacher forcing: `steps` single steps, starting from the
        first decoder input token, each step's softmax output the next step's input."""
        inputs = dec[:, :1]                      # the start token (ids; one-hot × W is exact)
        probs = np.empty((len(dec), steps, self.num_decoder_tokens), self.dtype)
        step_caches = []
        for t in range(steps):
            (seq, *states), rnn_cache = self.decoder.forward(inputs, initial_state=states)
            p, dense_cache = self.dense.forward(seq)
            probs[:, t] = p[:, 0]
            step_caches.append((rnn_cache, dense_cache))
            inputs = p                           # (N, 1, Vd): fed back, and differentiated through
        return probs, step_caches, None

    def forward(self, enc, dec, steps=None, probabilities=True):
        """Training-model forward on prepared ids → (probs (N, Td, Vd), cache).

        steps: the number of decoder steps without teacher forcing (the targets' length).
        probabilities=False (teacher forcing): return the logits and skip the softmax,
        when only the loss is wanted (it reads the logits).
        """
        states, enc_cache = self._encode_forward(enc)
        if self.teacher_forcing:
            probs, dec_cache, mask = self._decode_teacher_forced(dec, states, probabilities)
        else:
            probs, dec_cache, mask = self._decode_free_running(dec, states, steps or dec.shape[1])
        return probs, ForwardCache(enc_cache, dec_cache, mask)

    def backward(self, dout, cache: ForwardCache, embedding_rows: bool = False) -> list[np.ndarray]:
        """loss → Dense → decoder → (through initial_state) → encoder; grads in params order.

        dout is d(loss)/d(logits) with teacher forcing (Keras's fused softmax +
        cross-entropy), d(loss)/d(probs) without (Keras's probability path).
        embedding_rows: the Embeddings' gradients as ``RowGradient``s (one row
        per lookup, as TensorFlow hands them to Keras's optimizers) instead of arrays.
        """
        if self.teacher_forcing:
            dstates, dec_emb_grads, dec_grads, dencoder_seq = \
                self._decoder_backward_teacher_forced(dout, cache.decoder, embedding_rows)
        else:
            dstates, dec_emb_grads, dec_grads = self._decoder_backward_free_running(dout, cache.decoder)
            dencoder_seq = None
        emb_cache, rnn_cache = cache.encoder
        # the encoder's final states were the decoder's initial states; with attention its
        # output sequence was also the attention's values (None: no such path)
        dx, _, enc_grads = self.encoder.backward([dencoder_seq, *dstates], rnn_cache)
        enc_emb_grads = self._embedding_backward(self.encoder_embedding, dx, emb_cache, embedding_rows)
        return enc_emb_grads + dec_emb_grads + enc_grads + dec_grads

    def _decoder_backward_teacher_forced(self, dlogits, dec_cache, embedding_rows=False):
        """→ (d initial states, embedding grads, decoder + Dense grads, d encoder outputs or None)."""
        emb_cache, rnn_cache, dense_cache, att_cache = dec_cache
        dfeatures, dense_grads = self.dense.backward_logits(dlogits, dense_cache)
        dseq, dencoder_seq = self._attend_backward(dfeatures, att_cache)
        dx, dstates, rnn_grads = self.decoder.backward([dseq] + [None] * self.decoder.state_size,
                                                       rnn_cache)
        emb_grads = self._embedding_backward(self.decoder_embedding, dx, emb_cache, embedding_rows)
        return dstates, emb_grads, rnn_grads + dense_grads, dencoder_seq

    def _decoder_backward_free_running(self, dprobs, step_caches):
        """BPTT through the fed-back outputs: the probabilities of step t reach the loss
        *and* the input of step t+1, so their gradient is the sum of both."""
        dstates = [None] * self.decoder.state_size
        dfed_back = 0.0
        grads = [np.zeros_like(w) for w in self.decoder.weights + self.dense.weights]
        for t in reversed(range(len(step_caches))):
            rnn_cache, dense_cache = step_caches[t]
            dp = dprobs[:, t:t + 1] + dfed_back
            dseq, dense_grads = self.dense.backward(dp, dense_cache)
            dx, dstates, rnn_grads = self.decoder.backward([dseq, *dstates], rnn_cache)
            dfed_back = dx                           # None at t = 0: the start token is data
            for acc, g in zip(grads, rnn_grads + dense_grads):
                acc += g
        return dstates, [], grads

    def _loss_fn(self):
        if self.loss is None:   # a ValueError, as Keras 3 raises
            raise ValueError("the model must be compiled before training or evaluation: "
                             "call model.compile(optimizer=..., loss=...)")
        return self.loss

    def _forward_loss(self, enc, dec, y):
        """(loss, d(loss)/d(output), cache) on one prepared batch."""
        loss_fn = self._loss_fn()
        probs, cache = self.forward(enc, dec, steps=y.shape[1], probabilities=not self.teacher_forcing)
        if self.teacher_forcing:   # as Keras: the fused softmax cross-entropy on the logits
            loss, dout = loss_fn(cache.decoder[2].logits, y, mask=cache.mask)
        else:                      # the output is a concatenation: Keras's probability path
            loss, dout = loss_fn.from_probabilities(probs, y)
        return loss, dout, cache

    def _loss_and_grads(self, enc, dec, y, embedding_rows=False):
        loss, dout, cache = self._forward_loss(enc, dec, y)
        return loss, self.backward(dout, cache, embedding_rows)

    def loss_and_gradients(self, x, y):
        """(loss, grads) on one batch without updating anything; grads in params order."""
        enc, dec = self._prepare_x(x)
        return self._loss_and_grads(enc, dec, self._prepare_y(y, dec))

    def _train_step(self, enc, dec, y) -> float:
        # the Embeddings' gradients as rows: Keras's optimizers square them row by row
        loss, grads = self._loss_and_grads(enc, dec, y, embedding_rows=True)
        self._apply_gradients(loss, grads)
        return loss

    def _apply_gradients(self, loss, grads) -> None:
        """One optimiser step, refused (weights untouched) if the loss or a gradient is not finite."""
        if not math.isfinite(loss):
            raise FloatingPointError(f"loss became {loss}; weights left as they were before this batch")
        # A finite loss can still overflow on the way back. Checking gradients and weights
        # costs about 0.7 % of a char-level step and 3 % of a word-level one (cProfile).
        bad = [name for name, g in zip(self._param_names(), grads)
               if not np.isfinite(g.rows if isinstance(g, RowGradient) else g).all()]
        if bad:
            raise FloatingPointError(f"the gradient of {', '.join(bad)} holds NaN or Inf; "
                                     "weights left as they were before this batch")
        self.optimizer.apply_gradients(zip(grads, self.params))
        bad = [name for name, w in zip(self._param_names(), self.params) if not np.isfinite(w).all()]
        if bad:   # the step itself overflowed (a huge learning rate): too late to undo in place
            raise FloatingPointError(f"the update made {', '.join(bad)} NaN or Inf; these weights "
                                     "are lost (reload the last checkpoint)")

    def _check_compiled(self):
        if self.optimizer is None or self.loss is None:   # a ValueError, as Keras 3 raises
            raise ValueError("the model must be compiled before training: "
                             "call model.compile(optimizer='rmsprop', loss='categorical_crossentropy')")

    def train_on_batch(self, x, y) -> float:
        """One optimiser step on one batch; returns the loss *before* the update (as Keras)."""
        self._check_compiled()
        enc, dec = self._prepare_x(x)
        return self._train_step(enc, dec, self._prepare_y(y, dec))

    def _eval_loss(self, enc, dec, y, batch_size) -> float:
        total, count = 0.0, 0
        for start in range(0, len(enc), batch_size):
            sl = slice(start, start + batch_size)
            loss, _, _ = self._forward_loss(enc[sl], dec[sl], y[sl])
            n = len(enc[sl])
            total, count = total + loss * n, count + n
        return total / count

    def evaluate(self, x, y, batch_size: int = 64, verbose: int = 0) -> float:
        """Mean loss over batches, weighted by batch size (Keras's ``Mean`` metric).
        ``verbose`` is accepted, for Keras's signature, and ignored: nothing is printed."""
        enc, dec = self._prepare_x(x)
        return self._eval_loss(enc, dec, self._prepare_y(y, dec), check_integer(batch_size, "batch_size"))

    def predict(self, x, batch_size: int = 64, verbose: int = 0, steps: int | None = None) -> np.ndarray:
        """The training model's probabilities (N, Td, Vd); without teacher forcing the decoder
        runs ``steps`` steps (default: the decoder input's length). ``verbose`` is accepted,
        for Keras's signature, and ignored."""
        enc, dec = self._prepare_x(x)
        batch_size = check_integer(batch_size, "batch_size")
        return np.concatenate([self.forward(enc[s:s + batch_size], dec[s:s + batch_size], steps)[0]
                               for s in range(0, len(enc), batch_size)], axis=0)

    # --- fit ------------------------------------------------------------------------------
    def fit(self, x, y, batch_size: int = 64, epochs: int = 1, verbose: int = 1,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True,
            initial_epoch: int = 0, callbacks=None, bucket_by_length: bool = False) -> History:
        """Train as Keras's ``fit`` does.

        validation_split takes the *last* fraction of the samples, before any
        shuffling; each epoch's ``loss`` is the batch-size-weighted mean of the
        batches' pre-update losses, ``val_loss`` uses the end-of-epoch weights.
        callbacks: callables ``f(epoch, logs, model)`` run after each epoch.
        bucket_by_length: beyond Keras, train on batches of similar target lengths with the
        padded target steps neither computed nor counted in the loss (zero-padded or
        word-level data; see ``bucketing.py``).
        """
        self._check_compiled()
        batch_size = check_integer(batch_size, "batch_size")
        check_integer(epochs, "epochs", least=0)
        if (isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real)
                or not 0.0 <= validation_split < 1.0):
            raise ValueError(f"validation_split must be a number in [0, 1), received {validation_split!r}")
        check_integer(initial_epoch, "initial_epoch", least=0)
        enc, dec = self._prepare_x(x)
        y = self._prepare_y(y, dec)
        val = None
        if validation_data is not None:
            if not isinstance(validation_data, (list, tuple)) or len(validation_data) != 2:
                raise ValueError("validation_data must be a pair ([encoder_input, decoder_input], "
                                 f"decoder_target), received {type(validation_data).__name__}"
                                 + (f" of length {len(validation_data)}"
                                    if isinstance(validation_data, (list, tuple)) else ""))
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
        retain_freed_memory()   # each batch reuses the last one's memory (memory.py: no page faults)
        if bucket_by_length:   # beyond Keras: padded steps skipped (bucketing.py)
            from . import bucketing
            batches, train_batch, validate = bucketing.epoch_functions(self, enc, dec, y, val,
                                                                       batch_size, shuffle)
            return self._run_epochs(batches, train_batch, validate, epochs, initial_epoch, verbose,
                                    callbacks, " (bucketed)")
        n = len(enc)

        def batches():
            if not shuffle:   # a batch is then a contiguous slice: a view, no copy
                return [slice(start, start + batch_size) for start in range(0, n, batch_size)]
            order = self.rng.permutation(n)
            return [order[start:start + batch_size] for start in range(0, n, batch_size)]

        def train_batch(sel):
            return self._train_step(enc[sel], dec[sel], y[sel]), len(enc[sel])

        validate = None if val is None else (lambda: self._eval_loss(*val, batch_size))
        return self._run_epochs(batches, train_batch, validate, epochs, initial_epoch, verbose, callbacks)

    def _run_epochs(self, batches, train_batch, validate, epochs, initial_epoch, verbose, callbacks,
                    label="") -> History:
        """The epoch loop of ``fit`` (both modes): ``batches()`` lists an epoch's batches,
        ``train_batch(b)`` takes one optimiser step and returns (pre-update loss, its weight in
        the epoch's mean), ``validate()`` the validation loss (None: no validation)."""
        history = History()
        for epoch in range(initial_epoch, epochs):
            start_time = time.perf_counter()
            plan = batches()
            total, count = 0.0, 0
            for step, batch in enumerate(plan):
                try:
                    loss, weight = train_batch(batch)
                except FloatingPointError as err:
                    raise FloatingPointError(f"epoch {epoch + 1}, batch {step + 1}: {err}") from None
                total, count = total + loss * weight, count + weight
                if verbose == 1 and sys.stdout.isatty():
                    print(f"\r{step + 1}/{len(plan)} - loss: {total / count:.4f}", end="", flush=True)
            logs = {"loss": total / count}
            if validate is not None:
                logs["val_loss"] = validate()
            history.append(epoch, logs)
            if verbose:
                seconds = time.perf_counter() - start_time
                metrics = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
                print(f"\rEpoch {epoch + 1}/{epochs}{label}\n{len(plan)}/{len(plan)} - {seconds:.1f}s - "
                      f"{1000 * seconds / len(plan):.0f}ms/step - {metrics}", flush=True)
            for callback in callbacks or ():
                callback(epoch, logs, self)
        return history

    # --- inference (the tutorial's encoder_model / decoder_model) --------------------------
    def encode(self, encoder_input) -> list[np.ndarray]:
        """The decoder's initial state for a batch of inputs: [h, c] (LSTM) or [h] (GRU), each
        (N, H); with attention followed by the encoder outputs (N, Te, H) (and, with
        mask_zero, their padding mask (N, Te)). Every array has the batch axis first."""
        enc = self._prepare_tokens(encoder_input, self.num_encoder_tokens, "encoder_input_data")
        if self.attention_layer is not None:     # the memory is the whole output sequence
            return self._encode_forward(enc)[0]
        x, _, mask = self._embed(self.encoder_embedding, enc)
        return self.encoder.final_states(x, mask=mask)   # the same states, no training cache

    def decode_step(self, token_ids: np.ndarray, states, return_attention: bool = False):
        """One decoder step for a batch: token ids (N,) + states → (probs (N, Vd), new states).

        With attention the memory at the end of ``states`` passes through unchanged, and
        ``return_attention=True`` adds this step's attention weights (N, Te) as a third result.
        """
        if return_attention and self.attention_layer is None:
            raise ValueError("return_attention=True needs a model built with attention='luong'")
        states, memory = self._split_state(states)
        token_ids = np.asarray(token_ids)
        x = token_ids[None]                                  # (1, N): one time step, time-major
        if self.decoder_embedding is not None:
            x = self.decoder_embedding.embeddings[x]
        xw = self.decoder.project_inputs(x)[0]
        # with mask_zero a fed-back padding id is a masked step, as in the training model:
        # the states carry over (and the attention's query is masked)
        mask = (token_ids != 0) if self.mask_zero else None
        states, _ = self.decoder.step_forward(xw, states, mask)
        if self.attention_layer is None:
            return softmax(states[0] @ self.dense.kernel + self.dense.bias), states
        query_mask = None if mask is None else mask[:, None]
        features, att_cache = self._attend(states[0][:, None], memory, query_mask)   # one query step
        probs = softmax(features[:, 0] @ self.dense.kernel + self.dense.bias)
        if return_attention:
            return probs, states + memory, att_cache.weights[:, 0]
        return probs, states + memory

    def attention_weights(self, x) -> np.ndarray:
        """Alignments (N, Td, Te) of the training model on x = [encoder input, decoder input]:
        ``[n, i, j]`` is the weight decoder step i gave encoder step j (each row sums to 1).

        Fed a greedy translation's own output (start token, then the output without
        its last token), these are the weights greedy decoding used at every step.
        """
        if self.attention_layer is None:
            raise ValueError("attention_weights needs a model built with attention='luong'")
        enc, dec = self._prepare_x(x)
        return self.forward(enc, dec)[1].decoder[3].weights

    def _decoder_predict(self, inputs):
        target_seq, *states = inputs
        states, memory = self._split_state(states)
        ids = self._prepare_tokens(target_seq, self.num_decoder_tokens, "target_seq")
        x, _, mask = self._embed(self.decoder_embedding, ids)
        (seq, *states), _ = self.decoder.forward(x, initial_state=states, mask=mask)
        features, _ = self._attend(seq, memory, mask)
        probs, _ = self.dense.forward(features)
        return [probs, *states, *memory]

    def translate(self, texts, **kwargs) -> list:
        """Translations of raw input strings (needs ``vocab``): greedy, or beam search with
        ``beam_width=B`` (and ``n_best=k`` for the k best with their log-probabilities);
        see decoding.translate."""
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
        attention = f", attention={self.attention}" if self.attention else ""
        lines = [f"Seq2Seq ({self.cell}{attention}, latent_dim={self.latent_dim}, dtype={self.dtype.name})"]
        for layer in self.layers:
            shapes = ", ".join(f"{n} {tuple(w.shape)}" for n, w in zip(layer.weight_names, layer.weights))
            lines.append(f"  {layer.name:<16} {layer.count_params():>10,}  {shapes}")
        lines.append(f"  total params: {self.count_params():,}")
        return "\n".join(lines)
