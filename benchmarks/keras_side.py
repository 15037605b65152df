"""The Keras reference's side: the tutorial's models (``reference/``), trained and decoded.

Every Keras model here is built by ``reference.models`` and given npseq2seq's
weights with ``reference.bridge.to_keras``, so both sides start from the same
numbers. Keras runs with its defaults on CPU (no XLA in ``fit``, the generic
RNN loop: cuDNN needs a GPU).
"""
from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from reference.bridge import to_keras  # noqa: E402
from reference.models import build_inference_models, build_training_model, build_word_training_model, floatx  # noqa: E402

from .common import Config, Data, clock  # noqa: E402


def versions() -> dict:
    return {"keras": keras.__version__, "tensorflow": tf.__version__,
            "keras_backend": keras.backend.backend()}


class KerasTrainer:
    """The tutorial's ``model.fit(..., epochs=1)`` on the training part, then ``evaluate``.

    The Keras model is ``keras_model_for(np_model)``, holding ``np_model``'s weights, in its
    dtype. The tutorial's own model is compiled as the tutorial compiles it (rmsprop,
    categorical_crossentropy, metrics=["accuracy"]) unless ``tutorial_metrics`` is False (the
    variant rows: npseq2seq computes no accuracy); every other model with rmsprop and
    ``np_model``'s loss, no metrics (word level: sparse_categorical_crossentropy, as one-hot
    targets over a 4,000-word vocabulary would not fit in memory, fed integer ids). floatx is
    held for the whole call: Keras casts NumPy inputs to the current floatx.
    """

    def __init__(self, np_model, data: Data, cfg: Config, tutorial_metrics: bool = True):
        c = np_model.config
        self.dtype, self.batch_size = str(np.dtype(c.dtype)), cfg.batch_size
        with floatx(self.dtype):
            if tutorial_metrics and _is_tutorial(c):       # compiled by reference.models, with accuracy
                self.model = build_training_model(c.num_encoder_tokens, c.num_decoder_tokens, c.latent_dim,
                                                  cell=c.cell, reset_after=c.reset_after)
            else:
                self.model = keras_model_for(np_model)
                self.model.compile(optimizer="rmsprop", loss=c.default_loss)
            to_keras(np_model, self.model)
        enc, dec, tgt = data.ids if c.level == "word" else data.one_hot(self.dtype)
        s = data.split_at
        self.train = ([enc[:s], dec[:s]], tgt[:s])
        self.val = ([enc[s:], dec[s:]], tgt[s:])
        self.losses: list[tuple[float, float]] = []

    def epoch(self) -> dict[str, float]:
        with floatx(self.dtype):
            start = clock()
            history = self.model.fit(*self.train, batch_size=self.batch_size, epochs=1,
                                     verbose=0, shuffle=True)
            mid = clock()
            val_loss = self.model.evaluate(*self.val, batch_size=self.batch_size, verbose=0)
            val_loss = val_loss[0] if isinstance(val_loss, list) else val_loss
            end = clock()
        self.losses.append((history.history["loss"][-1], float(val_loss)))
        return {"train": mid - start, "val": end - mid}


def _is_tutorial(c) -> bool:
    """The tutorial's model: one char layer a side, nothing added (``reference.models``)."""
    return (c.level, c.num_layers, c.bidirectional, c.attention, c.mask_padding, c.dropout, c.recurrent_dropout,
            c.output_dropout, c.word_dropout, c.teacher_forcing, c.recurrent_activation) == \
        ("char", 1, False, None, False, 0.0, 0.0, 0.0, 0.0, True, "sigmoid")


def keras_model_for(np_model):
    """The Keras model a Keras user writes for ``np_model``'s variant (``reference/``),
    uncompiled, with no weights copied yet: the tutorial's, ``masking``'s (mask_padding) or the
    FAQ's word model (``word_models``) for one layer with nothing else added; ``attention`` for
    Luong dot attention after one plain layer; ``attentive`` for attention inside the
    recurrence; ``deep`` for the rest (stacks, bidirectional encoders, dropout, Luong with those;
    output_dropout's Dropout before the Dense layer, word_dropout's after the Embeddings)."""
    c = np_model.config
    if not c.teacher_forcing or c.recurrent_activation != "sigmoid":
        raise ValueError("keras_model_for: no Keras training model here for teacher_forcing=False or "
                         f"recurrent_activation={c.recurrent_activation!r}")
    sizes = (c.num_encoder_tokens, c.num_decoder_tokens, c.latent_dim)
    rnn = {"cell": c.cell, "reset_after": c.reset_after}
    one_plain_layer = (c.num_layers, c.bidirectional, c.dropout, c.recurrent_dropout, c.output_dropout,
                       c.word_dropout) == (1, False, 0.0, 0.0, 0.0, 0.0)
    if c.attention in ("bahdanau", "luong_general"):
        from reference.attentive import build_attentive_training_model
        return build_attentive_training_model(*sizes, kind=c.attention, input_feeding=c.input_feeding,
                                              num_layers=c.num_layers, bidirectional=c.bidirectional,
                                              level=c.level, mask_zero=c.mask_zero, mask_padding=c.mask_padding,
                                              dropout=c.dropout, recurrent_dropout=c.recurrent_dropout,
                                              output_dropout=c.output_dropout, word_dropout=c.word_dropout,
                                              compile=False, **rnn)
    if c.attention == "luong" and one_plain_layer and not c.mask_padding:
        from reference.attention import build_attention_training_model
        return build_attention_training_model(*sizes, level=c.level, mask_zero=c.mask_zero, compile=False, **rnn)
    if one_plain_layer and not c.attention and c.level == "word":
        return build_word_training_model(*sizes, mask_zero=c.mask_zero, compile=False, **rnn)
    if one_plain_layer and not c.attention and c.mask_padding:
        from reference.masking import build_masked_training_model
        return build_masked_training_model(*sizes, compile=False, **rnn)
    if _is_tutorial(c):
        return build_training_model(*sizes, compile=False, **rnn)
    from reference.deep import build_deep_training_model
    return build_deep_training_model(*sizes, num_layers=c.num_layers, bidirectional=c.bidirectional,
                                     level=c.level, mask_zero=c.mask_zero, attention=bool(c.attention),
                                     mask_padding=c.mask_padding, dropout=c.dropout,
                                     recurrent_dropout=c.recurrent_dropout, output_dropout=c.output_dropout,
                                     word_dropout=c.word_dropout, compile=False, **rnn)


def keras_model_from(np_model, cell: str = "lstm"):
    """A compiled Keras training model holding ``np_model``'s weights (float32)."""
    with floatx(np_model.dtype.name):
        model = build_training_model(np_model.num_encoder_tokens, np_model.num_decoder_tokens,
                                     np_model.latent_dim, cell=cell)
        to_keras(np_model, model)
    return model


# --------------------------------------------------------------------------- decoding


def tutorial_decode_sequence(input_seq, encoder_model, decoder_model, vocab) -> str:
    """The keras-io tutorial's ``decode_sequence``, as written there: ``predict`` per character.

    (``reference.models.decode_sequence`` is the same loop through a cached
    ``tf.function``; this one is the tutorial's own cost.)
    """
    # Encode the input as state vectors.
    states_value = encoder_model.predict(input_seq, verbose=0)
    # Generate empty target sequence of length 1.
    target_seq = np.zeros((1, 1, vocab.num_decoder_tokens))
    # Populate the first character of target sequence with the start character.
    target_seq[0, 0, vocab.target_token_index["\t"]] = 1.0

    # Sampling loop for a batch of sequences
    # (to simplify, here we assume a batch of size 1).
    stop_condition = False
    decoded_sentence = ""
    while not stop_condition:
        output_tokens, h, c = decoder_model.predict([target_seq] + states_value, verbose=0)

        # Sample a token
        sampled_token_index = np.argmax(output_tokens[0, -1, :])
        sampled_char = vocab.reverse_target_char_index[int(sampled_token_index)]
        decoded_sentence += sampled_char

        # Exit condition: either hit max length
        # or find stop character.
        if sampled_char == "\n" or len(decoded_sentence) > vocab.max_decoder_seq_length:
            stop_condition = True

        # Update the target sequence (of length 1).
        target_seq = np.zeros((1, 1, vocab.num_decoder_tokens))
        target_seq[0, 0, sampled_token_index] = 1.0

        # Update states
        states_value = [h, c]
    return decoded_sentence


def tutorial_decoders(keras_model):
    """The tutorial's (encoder_model, decoder_model) sampling models."""
    return build_inference_models(keras_model)


class BatchedGreedy:
    """Keras's fastest greedy decoder we could write: the whole loop in one ``tf.function``.

    Encoder, then up to ``max_steps`` decoder steps over the batch inside a
    ``tf.while_loop`` (AutoGraph), each step the trained Keras layers' own cell
    and Dense on a one-hot of the previous argmax, stopping as soon as every
    sentence has emitted the end character. Finished sentences keep being
    computed (a static-shape batch), which is how a graph decoder is usually
    written. ``jit_compile=True`` compiles it with XLA.
    """

    def __init__(self, keras_model, vocab, jit_compile: bool = False):
        encoder_rnn, decoder_rnn, dense = keras_model.layers[2], keras_model.layers[3], keras_model.layers[4]
        start_id = vocab.target_token_index["\t"]
        stop_id = vocab.target_token_index["\n"]
        max_steps = vocab.max_decoder_seq_length + 1   # the tutorial stops at len > max length
        num_tokens = vocab.num_decoder_tokens
        cell = decoder_rnn.cell
        self.dtype = keras_model.inputs[0].dtype or "float32"

        @tf.function(jit_compile=jit_compile, reduce_retracing=True)
        def decode(encoder_input):
            _, *states = encoder_rnn(encoder_input)
            n = tf.shape(encoder_input)[0]
            tokens = tf.fill([n], start_id)
            finished = tf.zeros([n], tf.bool)
            out = tf.TensorArray(tf.int32, size=max_steps)
            for t in tf.range(max_steps):
                h, states = cell(tf.one_hot(tokens, num_tokens, dtype=encoder_input.dtype), states)
                tokens = tf.argmax(dense(h), axis=-1, output_type=tf.int32)
                out = out.write(t, tokens)
                finished = finished | (tokens == stop_id)
                if tf.reduce_all(finished):
                    break
            return tf.transpose(out.stack())

        self._decode, self.stop_id = decode, stop_id
        self.reverse = vocab.reverse_target_char_index

    def __call__(self, encoder_input: np.ndarray, batch_size: int) -> list[str]:
        out = []
        for first in range(0, len(encoder_input), batch_size):
            ids = self._decode(tf.constant(encoder_input[first:first + batch_size], self.dtype)).numpy()
            for row in ids:
                text = ""
                for i in row:
                    text += self.reverse[int(i)]
                    if i == self.stop_id:
                        break
                out.append(text)
        return out


class BatchedBeam:
    """Beam search in one ``tf.function``, written the obvious way (as ``torch_side.beam_decode``):
    all N·B rows every step, the log of the softmax Dense's probabilities, ``top_k`` over each
    sentence's B·V candidates, the states gathered by the chosen parents; a finished
    hypothesis keeps its place at its frozen score, as in npseq2seq's ``beam_search``.
    ``jit_compile=True`` compiles it with XLA."""

    def __init__(self, keras_model, vocab, beam_width: int, jit_compile: bool = False):
        encoder_rnn, decoder_rnn, dense = keras_model.layers[2], keras_model.layers[3], keras_model.layers[4]
        start_id, stop_id = vocab.target_token_index["\t"], vocab.target_token_index["\n"]
        max_steps, num_tokens, b = vocab.max_decoder_seq_length + 1, vocab.num_decoder_tokens, beam_width
        cell = decoder_rnn.cell
        self.dtype, self.vocab = keras_model.inputs[0].dtype or "float32", vocab
        lift = tf.where(tf.range(num_tokens) == stop_id, 1e9, -1e9)          # a finished beam keeps its slot

        @tf.function(jit_compile=jit_compile, reduce_retracing=True)
        def decode(encoder_input):
            _, *states = encoder_rnn(encoder_input)
            n = tf.shape(encoder_input)[0]
            states = [tf.repeat(s, b, axis=0) for s in states]                 # (N·B, H)
            log_prob = tf.tile(tf.concat([[0.0], tf.fill([b - 1], -np.inf)], 0)[None], [n, 1])
            finished = tf.zeros([n, b], tf.bool)
            ids = tf.fill([n, b, max_steps], -1)
            tokens = tf.fill([n * b], start_id)
            for t in tf.range(max_steps):
                h, states = cell(tf.one_hot(tokens, num_tokens, dtype=encoder_input.dtype), states)
                step_lp = tf.reshape(tf.math.log(dense(h)), [n, b, num_tokens])   # Dense ends in softmax
                step_lp = tf.where(finished[..., None], tf.cast(lift, step_lp.dtype), step_lp)
                top, index = tf.math.top_k(tf.reshape(log_prob[..., None] + step_lp, [n, b * num_tokens]), b)
                parent, token = index // num_tokens, index % num_tokens
                was_finished = tf.gather(finished, parent, batch_dims=1)
                log_prob = tf.where(was_finished, tf.gather(log_prob, parent, batch_dims=1), top)
                ids = tf.gather(ids, parent, batch_dims=1)
                column = tf.where(was_finished, -1, token)
                ids = tf.where(tf.range(max_steps) == t, column[..., None], ids)
                finished = was_finished | (token == stop_id)
                rows = tf.reshape(parent + tf.range(n)[:, None] * b, [-1])
                states = [tf.gather(s, rows) for s in states]
                tokens = tf.reshape(token, [-1])
                if tf.reduce_all(finished):
                    break
            return ids, log_prob, finished

        self._decode = decode

    def __call__(self, encoder_input: np.ndarray, batch_size: int) -> list[str]:
        from .common import best_beam_strings
        out = []
        for first in range(0, len(encoder_input), batch_size):
            ids, log_prob, finished = self._decode(tf.constant(encoder_input[first:first + batch_size], self.dtype))
            out += best_beam_strings(ids.numpy(), log_prob.numpy().astype(np.float64), finished.numpy(), self.vocab)
        return out
