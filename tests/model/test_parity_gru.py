"""GRU-only parity checks (the tutorial's FAQ "What if I want to use a GRU layer instead of
a LSTM?"); every check the LSTM model has runs for the GRU too, in ``test_parity_char.py``
(``cell`` fixture), ``test_parity_training.py`` and ``test_parity_variants.py``.

* ``Seq2Seq(cell="gru")`` is Keras's default GRU (``reset_after=True``, bias (2, 3H)):
  the reference builder's layers, shapes and the weights moved bit for bit.
* ``reset_after=False``, which no tutorial model uses, is checked one level down:
  npseq2seq's ``GRU`` layer against ``keras.layers.GRU(reset_after=False)`` (and True):
  outputs, final state and the gradients of weights, inputs and initial state.

Float64 and float32 (``keras_floatx``), tolerances from ``reference.tolerances``.
"""
from __future__ import annotations

import numpy as np
import pytest

from npseq2seq import GRU, Seq2Seq
from reference.tolerances import tol

pytestmark = pytest.mark.parity

VE, VD, H = 7, 9, 8      # encoder/decoder vocabularies, latent units


# --------------------------------------------------------------------------- the model


def test_gru_model_is_keras_default_gru(keras, keras_floatx):
    """Keras's layers are GRUs with reset_after=True; shapes and order agree, and the
    weights reached Keras bit for bit."""
    from reference import build_training_model
    from reference.bridge import to_keras
    from reference.testing import random_weights

    km = build_training_model(VE, VD, H, cell="gru", compile=False)
    nm = Seq2Seq(VE, VD, H, cell="gru", dtype=keras_floatx, seed=0)
    nm.set_weights(random_weights(np.random.default_rng(0), [w.shape for w in nm.get_weights()],
                                  keras_floatx))
    to_keras(nm, km)
    rnns = [layer for layer in km.layers if isinstance(layer, keras.layers.GRU)]
    assert len(rnns) == 2 and all(layer.reset_after for layer in rnns)
    assert nm.encoder.rnn.reset_after and nm.decoder.rnn.reset_after
    gh = 3 * H
    assert [w.shape for w in nm.get_weights()] == [(VE, gh), (H, gh), (2, gh), (VD, gh),
                                                   (H, gh), (2, gh), (H, VD), (VD,)]
    for a, b in zip(nm.get_weights(), km.get_weights()):
        assert a.dtype == b.dtype == np.dtype(keras_floatx)
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------- the layer, both modes


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_layer_against_keras_both_reset_after_modes(keras, keras_floatx, reset_after, record):
    """npseq2seq's GRU vs keras.layers.GRU: output sequence, final state, and the
    GradientTape gradients of a random projection of both with respect to kernel,
    recurrent_kernel, bias, the inputs and the initial state."""
    import tensorflow as tf

    from reference.testing import gradient_differences, max_abs_diff, random_weights

    n, t, d = 4, 6, 5
    rng = np.random.default_rng(3)
    ours = GRU(H, d, return_sequences=True, return_state=True, reset_after=reset_after,
               dtype=keras_floatx)
    ours.set_weights(random_weights(rng, [w.shape for w in ours.weights], keras_floatx))
    theirs = keras.layers.GRU(H, return_sequences=True, return_state=True, reset_after=reset_after)
    theirs.build((n, t, d))
    assert [tuple(w.shape) for w in theirs.get_weights()] == [w.shape for w in ours.weights]
    theirs.set_weights(ours.get_weights())
    x, h0 = [rng.standard_normal(s).astype(keras_floatx) for s in ((n, t, d), (n, H))]
    dseq, dh = [rng.standard_normal(s).astype(keras_floatx) for s in ((n, t, H), (n, H))]

    xt, h0t = tf.constant(x), tf.constant(h0)
    with tf.GradientTape() as tape:
        tape.watch([xt, h0t])
        k_seq, k_h = theirs(xt, initial_state=[h0t])
        objective = tf.reduce_sum(k_seq * dseq) + tf.reduce_sum(k_h * dh)
    k_grads = tape.gradient(objective, [*theirs.trainable_weights, xt, h0t])
    (seq, h), cache = ours.forward(x, [h0])
    dx, (dh0,), grads = ours.backward([dseq, dh], cache)

    fwd = max(max_abs_diff(seq, k_seq), max_abs_diff(h, k_h))
    record(f"GRU layer forward (reset_after={reset_after})", keras_floatx, fwd)
    assert fwd <= tol(keras_floatx, "forward")
    names = ["kernel", "recurrent_kernel", "bias", "inputs", "initial state"]
    diffs = gradient_differences([*grads, dx, dh0], [np.asarray(g) for g in k_grads],
                                 keras_floatx, names)
    record(f"GRU layer gradients (reset_after={reset_after})"
           + (" (rel)" if keras_floatx == "float32" else ""), keras_floatx, max(diffs.values()))
    bad = {k: v for k, v in diffs.items() if v > tol(keras_floatx, "gradient")}
    assert not bad, f"gradients differ from Keras beyond {tol(keras_floatx, 'gradient')}: {bad}"
