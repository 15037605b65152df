"""Seq2Seq: the encoder and the decoder composed, with Keras's methods.

The training model (teacher forcing)::

    encoder_input (N, Te) ─► Encoder ─► final states ──┐ initial_state
    decoder_input (N, Td) ─────────────► Decoder ◄─────┘ ─► (N, Td, V) ─► loss

``loss_and_gradients`` is the one chain every kind of training runs: forward through
the encoder and the decoder, the loss, and back through the decoder (BPTT) into the
encoder through d(initial_state), and with attention also through the encoder outputs
the decoder attended to. Without teacher forcing the decoder runs step by step on its
own outputs (``free_running.py``); a length-bucketed batch runs the same chain packed
(``train/batches.py``).

Inference is the tutorial's two models: ``encode`` (``encoder_model``) and
``decode_step`` (``decoder_model``), on which greedy decoding, beam search and
``inspect`` run (``decode/``); they come from ``Inference`` (``inference.py``).

``params`` lists the live weight arrays in the order of Keras's ``model.get_weights()``
for the same model (the Embeddings first, then the encoder RNN, the decoder RNN and
the Dense layer; stacked layers interleaved as Keras orders them, see ``build.py``), so
weights move between the two with no conversion. The layers are also *built* in that
order, which fixes what one seed draws for each of them.

``fit``, ``evaluate``, ``predict`` and ``train_on_batch`` come from ``train.Trainer``,
as Keras's ``Model`` inherits them from its trainer.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..decode import translate as translate_texts
from ..train import Trainer
from . import free_running
from .build import build
from .config import DROPOUT_RATES, Seq2SeqConfig
from .decoder import DecoderCache
from .encoder import EncoderCache
from .inference import Inference, InferenceModel
from .inputs import prepare_x, prepare_y
from .masking import loss_mask
from .weights import LayeredWeights


class ForwardCache(NamedTuple):
    encoder: EncoderCache
    decoder: DecoderCache | list    # teacher forcing: one DecoderCache; free running: one per step


class Seq2Seq(LayeredWeights, Inference, Trainer):
    """The tutorial's encoder–decoder and its FAQ variants, with a Keras-shaped API.

    Seq2Seq(num_encoder_tokens, num_decoder_tokens, latent_dim=256, cell="lstm",
            dtype="float32", seed=None, vocab=None, level="char",
            teacher_forcing=True, mask_zero=False, attention=None,
            num_layers=1, bidirectional=False, mask_padding=False,
            dropout=0.0, recurrent_dropout=0.0, reset_after=True, input_feeding=False,
            recurrent_activation="sigmoid", output_dropout=0.0, word_dropout=0.0,
            tie_embeddings=False)
    Seq2Seq(config, vocab=None)                    # a model.Seq2SeqConfig

    The arguments are ``Seq2SeqConfig``'s (see there for the variants and which combine).
    vocab: a ``text.CharVocab`` or ``text.WordVocab``, optional for training on arrays,
    needed by ``translate``, saved with the model.

    The decoder state list (``encode``, ``decode_step``, ``decoder_model``) holds every
    layer's states, layer 1's first ([h1, c1, h2, c2, …] for LSTM); each (N, latent_dim),
    or (N, 2·latent_dim) after a bidirectional encoder. With attention it ends with the
    encoder outputs (N, Te, H) (H: the top encoder layer's output width), and with
    ``mask_zero`` or ``mask_padding`` also their padding mask (N, Te); ``attention_weights`` and
    ``decode_step(..., return_attention=True)`` give the alignments. With Luong's input feeding
    (``attention="luong_general", input_feeding=True``) the attentional vector ã follows the
    RNN states (``model/attentive_decoder.py``).
    """

    kind = "seq2seq"          # the model file's name for this model (io)
    trains_in_halves = True   # its loss divides by a count given (_loss_count): train/halves.py

    def __init__(self, num_encoder_tokens, num_decoder_tokens=None, latent_dim: int = 256,
                 cell: str = "lstm", dtype="float32", seed: int | None = None, vocab=None,
                 level: str = "char", teacher_forcing: bool = True, mask_zero: bool = False,
                 attention: str | None = None, num_layers: int = 1, bidirectional: bool = False,
                 mask_padding: bool = False, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 reset_after: bool = True, input_feeding: bool = False, recurrent_activation: str = "sigmoid",
                 output_dropout: float = 0.0, word_dropout: float = 0.0, tie_embeddings: bool = False):
        if isinstance(num_encoder_tokens, Seq2SeqConfig):
            config = num_encoder_tokens
        else:
            config = Seq2SeqConfig(num_encoder_tokens, num_decoder_tokens, latent_dim, cell, dtype,
                                   seed, level, teacher_forcing, mask_zero, attention,
                                   num_layers, bidirectional, mask_padding, dropout=dropout,
                                   recurrent_dropout=recurrent_dropout, reset_after=reset_after,
                                   input_feeding=input_feeding, recurrent_activation=recurrent_activation,
                                   output_dropout=output_dropout, word_dropout=word_dropout,
                                   tie_embeddings=tie_embeddings)
        if config.mask_padding and getattr(vocab, "padding", None) == "space":
            raise ValueError("mask_padding needs zero padding (CharVocab.from_texts(..., padding='zero')): "
                             "a space that pads is a real one-hot row, which Masking() cannot tell")
        self.config, self.vocab = config, vocab
        # the variant's facts, under the names Keras users and older code read
        self.num_encoder_tokens, self.num_decoder_tokens = config.num_encoder_tokens, config.num_decoder_tokens
        self.latent_dim, self.cell, self.level = config.latent_dim, config.cell, config.level
        self.teacher_forcing, self.mask_zero = config.teacher_forcing, config.mask_zero
        self.attention, self.seed, self.dtype = config.attention, config.seed, config.np_dtype
        self.rng = np.random.default_rng(config.seed)  # the one source of randomness: init and shuffling
        self.num_layers, self.bidirectional = config.num_layers, config.bidirectional
        # the layers in Keras's get_weights() order (model/build.py)
        self.encoder, self.decoder, self.layers = build(config, self.rng)
        self.optimizer = self.loss = None
        self.encoder_model = InferenceModel(self.encode, "encoder_input → states")
        self.decoder_model = InferenceModel(
            self._decoder_predict, "[target_seq (N, 1, Vd), *states] → [probs (N, 1, Vd), *states]")

    def get_config(self) -> dict:
        """The config as a dict (Keras's name); ``Seq2SeqConfig.from_dict`` reads it back."""
        return self.config.to_dict()

    # --- the training graph ----------------------------------------------------------------
    def _prepare_x(self, x):
        return prepare_x(self.config, x)

    def _prepare_y(self, y, dec):
        return prepare_y(self.config, y, dec)

    def forward(self, enc, dec, steps=None, probabilities=True, packing=None, training=False, rng=None):
        """Training-model forward on prepared ids → (out (N, Td, Vd), ForwardCache).

        steps: the number of decoder steps without teacher forcing (the targets' length).
        probabilities=False (teacher forcing): the logits, no softmax, when only the loss
        is wanted. packing: a length-bucketed ``train.Batch`` (its lengths and row order).
        training: Keras's ``training=True``, the RNNs' dropout on (``fit`` and
        ``train_on_batch`` only), its masks drawn from ``rng`` (default: the model's).
        """
        rng = self.rng if rng is None else rng
        enc_lengths = None if packing is None else packing.enc_lengths
        states, memory, enc_cache = self.encoder.forward(enc, lengths=enc_lengths, training=training, rng=rng)
        if packing is not None:                       # encoder rows → decoder rows
            states = [s[packing.to_decoder] for s in states]
            memory = [m[packing.to_decoder] for m in memory]   # attention's values (and mask)
        if not self.teacher_forcing:
            out, dec_cache = free_running.forward(self.decoder, dec[:, :1], states, steps or dec.shape[1],
                                                  training, rng)
            return out, ForwardCache(enc_cache, dec_cache)
        dec_lengths = None if packing is None else packing.dec_lengths
        out, _, dec_cache = self.decoder.forward(dec, states, memory, probabilities, dec_lengths,
                                                 training, rng)
        return out, ForwardCache(enc_cache, dec_cache)

    def backward(self, dout, cache: ForwardCache, embedding_rows: bool = False, packing=None):
        """loss → decoder → (through initial_state) → encoder; grads in ``params`` order.

        dout: d(loss)/d(logits) with teacher forcing (Keras's fused softmax + cross-entropy),
        d(loss)/d(probs) without (Keras's probability path). embedding_rows: the Embeddings'
        gradients as ``RowGradient``s (one row per lookup, as TensorFlow hands them to
        Keras's optimizers) instead of arrays.
        """
        if self.teacher_forcing:
            _, dstates, dvalues, grads = self.decoder.backward(dout, cache.decoder,
                                                               embedding_rows=embedding_rows)
        else:
            (dstates, grads), dvalues = free_running.backward(self.decoder, dout, cache.decoder), None
        if packing is not None:                       # decoder rows → encoder rows
            from_decoder = np.argsort(packing.to_decoder)
            dstates = [d[from_decoder] for d in dstates]
            dvalues = None if dvalues is None else dvalues[from_decoder]
        grads.update(self.encoder.backward(dstates, dvalues, cache.encoder, embedding_rows))
        return [g for layer in self.layers for g in grads.get(layer.name, [])]

    def loss_and_gradients(self, x, y, training: bool = False, rng: np.random.Generator | None = None):
        """(loss, grads) on one batch without updating anything; grads in params order.
        training: with the RNNs' dropout, as a training step computes them; its masks drawn
        from ``rng`` (default: the model's; a fresh generator of one seed fixes them)."""
        batch = self._batch(x, y)
        loss, grads, _ = self._loss_and_grads(batch, training=training, rng=rng)
        return loss, grads

    def _loss_and_grads(self, batch, with_grads: bool = True, embedding_rows: bool = False,
                        metrics=(), training: bool = False, rng=None, count: int | None = None):
        """(loss, grads in params order or None, the batch's weight in an epoch's mean).

        The weight is the number of samples, or of real target steps in a packed batch.
        metrics: ``train.metrics`` accumulators, updated from this forward pass.
        training, rng: dropout on (a training step), masks from rng (default: the model's).
        count: the loss's divisor if not this batch's own (``_loss_count``): the batch is
        one half of a larger one (``train/halves.py``).
        """
        loss_fn, packing = self._loss_fn(), batch if batch.packed else None
        out, cache = self.forward(batch.enc, batch.dec, steps=batch.y.shape[1],
                                  probabilities=not self.teacher_forcing, packing=packing,
                                  training=training, rng=rng)
        mask = None
        if not self.teacher_forcing:  # the output is a concatenation: Keras's probability path
            scores, y = out, batch.y
            loss, dout = loss_fn.from_probabilities(scores, y, count=count)
        elif packing is not None:     # the real steps only, in the rows Dense saw
            scores, y = cache.decoder.dense.logits, np.swapaxes(batch.y, 0, 1)[cache.decoder.real]
            loss, dout = loss_fn(scores, y, count=count)
        else:                         # as Keras: the fused softmax cross-entropy on the logits
            scores, y = cache.decoder.dense.logits, batch.y
            mask = loss_mask(self.config, batch.dec, cache.decoder.mask)
            loss, dout = loss_fn(scores, y, mask=mask, count=count)
        for metric in metrics:
            metric.update(scores, y, mask, from_logits=self.teacher_forcing, packed=packing is not None)
        weight = len(batch.enc) if packing is None else int(cache.decoder.real.sum())
        if not with_grads:
            return loss, None, weight
        return loss, self.backward(dout, cache, embedding_rows, packing), weight

    def _loss_count(self, batch) -> int:
        """The number of target rows the loss of ``batch`` divides by (``_loss_and_grads``'s
        three paths): handed to each half of the batch when it trains in halves."""
        if batch.packed:                  # the real steps
            return int(batch.dec_lengths.sum())
        rows = batch.y.shape[0] * batch.y.shape[1]
        if not self.teacher_forcing:      # the probability path: every row, padded ones too
            return rows
        embedding = self.decoder.embedding
        mask = loss_mask(self.config, batch.dec, None if embedding is None else embedding.compute_mask(batch.dec))
        return rows if mask is None else max(int(mask.sum()), 1)

    # --- inference: encode, decode_step, attention_weights from Inference (inference.py) --
    def translate(self, texts, **kwargs) -> list:
        """Translations of raw input strings (needs ``vocab``): greedy, beam search with
        ``beam_width=B`` (and ``n_best=k`` for the k best with their log-probabilities), or
        sampling with ``sampling="temperature" | "top_k" | "top_p"`` (and ``seed``,
        ``num_samples``); see ``decode.translate``."""
        return translate_texts(self, texts, **kwargs)

    # --- files --------------------------------------------------------------------------
    def save(self, path) -> None:
        """One ``.npz``: weights, config, vocabulary, format version; written atomically.
        (``io`` sits above the model: imported here when called, the one such import.)"""
        from ..io import save_model
        save_model(self, path)

    @classmethod
    def load(cls, path) -> Seq2Seq:
        """A file of ``save``; a file holding a ``RepeatSeq2Seq`` is a ``ModelFileError`` saying so."""
        from ..io import load_model
        return load_model(path, kind=cls.kind)

    def _summary_title(self) -> str:
        attention = f", attention={self.attention}" if self.attention else ""
        attention += ", input_feeding" if self.config.input_feeding else ""
        deep = (f", num_layers={self.num_layers}" if self.num_layers > 1 else "") + \
            (", bidirectional" if self.bidirectional else "") + \
            ", reset_after=False" * (not self.config.reset_after) + ", tie_embeddings" * self.config.tie_embeddings
        drop = "".join(f", {k}={getattr(self.config, k)}" for k in DROPOUT_RATES if getattr(self.config, k))
        return f"Seq2Seq ({self.cell}{attention}{deep}{drop}, latent_dim={self.latent_dim}, dtype={self.dtype.name})"
