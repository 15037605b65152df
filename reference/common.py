"""What the reference builders share: the cell by name (LSTM or GRU, the FAQ's answer), the
dtype they are built in (``floatx``), the tutorial's sampling models on a trained model's
layers, and a fast ``predict`` for decoding one sentence at a time (``_call``).

The builders themselves: ``models.py`` (the tutorial's character level),
``word_models.py`` (the FAQ's word level), ``no_teacher_forcing.py`` (the FAQ's model
without teacher forcing), ``masking.py``, ``attention.py``, ``deep.py``, ``attentive.py``.
"""
from __future__ import annotations

import contextlib
import weakref

import keras
import numpy as np

__all__ = ["CELLS", "floatx"]

CELLS = ("lstm", "gru")


@contextlib.contextmanager
def floatx(dtype: str):
    """Build (and run) Keras models in ``dtype``; restores the previous settings on exit.

    Sets ``keras.config.floatx()`` *and* the global dtype policy. Setting floatx alone
    is not enough in Keras 3.15: the global ``DTypePolicy`` is created from floatx the
    first time any layer is built and then cached (``dtype_policies.dtype_policy()``),
    and ``set_floatx`` does not reset it, so every later layer keeps the first dtype.
    """
    dtype = str(np.dtype(dtype))
    old_floatx, old_policy = keras.config.floatx(), keras.config.dtype_policy()
    keras.config.set_floatx(dtype)
    keras.config.set_dtype_policy(dtype)
    try:
        yield
    finally:
        keras.config.set_floatx(old_floatx)
        keras.config.set_dtype_policy(old_policy)


def _rnn(cell: str, latent_dim: int, reset_after: bool = True, **kwargs):
    if cell == "lstm":
        if not reset_after:
            raise ValueError("reset_after=False is a GRU option, not an LSTM one")
        return keras.layers.LSTM(latent_dim, **kwargs)
    if cell == "gru":
        # FAQ "What if I want to use a GRU layer instead of a LSTM?": same model, one state.
        # Keras 3 default reset_after=True (bias shape (2, 3*units)), as npseq2seq's GRU;
        # reset_after=False is Keras 2's default (bias (3*units,)), Seq2Seq(reset_after=False).
        return keras.layers.GRU(latent_dim, reset_after=reset_after, **kwargs)
    raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")


_COMPILED = weakref.WeakKeyDictionary()


def _call(model, inputs):
    """``model.predict(inputs, verbose=0)`` for one small batch, without predict's overhead.

    ``predict`` runs the model inside a ``tf.function`` after building a data pipeline
    for every call; here the model's forward pass is wrapped in one ``tf.function`` per
    model (cached, ``reduce_retracing=True`` so a new batch size does not retrace each
    time) and called directly. The numbers are those of ``predict``.
    """
    import tensorflow as tf

    fn = _COMPILED.get(model)
    if fn is None:
        fn = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
        _COMPILED[model] = fn
    out = fn(inputs)
    if isinstance(out, (list, tuple)):
        return [np.asarray(o) for o in out]
    return np.asarray(out)


def _rnn_layers(model):
    """(encoder RNN, decoder RNN, Dense) of a seq2seq model of this module, found by role:
    the encoder RNN returns its last output, the decoder RNN its sequence."""
    rnns = [layer for layer in model.layers if isinstance(layer, (keras.layers.LSTM, keras.layers.GRU))]
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    encoders = [layer for layer in rnns if not layer.return_sequences and layer.return_state]
    decoders = [layer for layer in rnns if layer.return_sequences and layer.return_state]
    if len(rnns) != 2 or len(encoders) != 1 or len(decoders) != 1 or len(dense) != 1:
        raise ValueError(f"not a seq2seq model of reference.models: {[layer.name for layer in model.layers]}")
    return encoders[0], decoders[0], dense[0]


def _sampling_models(encoder_inputs, encoder_rnn, decoder_inputs, decoder_rnn, decoder_dense,
                     decoder_embedding=None):
    """The tutorial's encoder_model / decoder_model on trained layers (LSTM or GRU)."""
    _, *encoder_states = encoder_rnn.output            # [h, c] (LSTM) or [h] (GRU)
    encoder_model = keras.Model(encoder_inputs, encoder_states)
    decoder_states_inputs = [keras.Input(shape=(decoder_rnn.units,)) for _ in encoder_states]
    x = decoder_inputs if decoder_embedding is None else decoder_embedding(decoder_inputs)
    x, *decoder_states = decoder_rnn(x, initial_state=decoder_states_inputs)
    decoder_outputs = decoder_dense(x)
    decoder_model = keras.Model([decoder_inputs] + decoder_states_inputs,
                                [decoder_outputs] + decoder_states)
    return encoder_model, decoder_model
