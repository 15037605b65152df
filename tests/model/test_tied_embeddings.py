"""``Seq2Seq(level="word", tie_embeddings=True)``: the Dense layer's kernel is the decoder
Embedding's table, transposed (``layers/tied_dense.py``).

Checked here: the config takes it where the Dense layer reads as many features as the table
is wide and names what is wrong elsewhere; the kernel is a view of the table (one matrix, no
copy, so set_weights, training and loading change both); the model file keeps it and files
from before it load untied; every weight's gradient against centred finite differences
(padded and length-bucketed batches, with dropout masks fixed); inference and decoding as
the untied model with kernel = tableᵀ computes them, bit for bit. And against Keras
(``reference.tied.TiedDense``, a custom layer reading the Embedding's variable): the loss and
every gradient, given the same dropout masks too, and 20 ``train_on_batch`` steps, in which
Keras's optimiser sees one dense gradient for the shared table (the fast case in the default
run, the others ``slow``). ``save_keras`` writes the model untied, with Keras's own Dense.
"""
from __future__ import annotations

import numpy as np
import pytest

from npseq2seq import Seq2Seq, save_keras
from npseq2seq.layers import TiedDense
from npseq2seq.model import Seq2SeqConfig
from reference.tolerances import tol
from tests.gradutil import assert_gradient, packed_batch, randomised, word_batch

VE, VD, H = 5, 6, 3

KINDS = {
    "word": dict(),
    "feeding-mask-every-rate": dict(attention="luong_general", input_feeding=True, mask_zero=True,
                                    dropout=0.2, recurrent_dropout=0.3, output_dropout=0.3, word_dropout=0.2),
    "gru-stack2-mask": dict(cell="gru", num_layers=2, mask_zero=True),
}
FAST = ("feeding-mask-every-rate",)


def kinds():
    return [pytest.param(k, marks=() if k in FAST else pytest.mark.slow) for k in KINDS]


def tied(**kw):
    """A tied float64 word model with random weights (biases included), compiled."""
    model = randomised(Seq2Seq(VE, VD, H, dtype="float64", seed=1, level="word", tie_embeddings=True, **kw),
                       np.random.default_rng(0))
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    return model


def untied_twin(model):
    """The same model untied, its Dense kernel a copy of the tied one's table, transposed."""
    twin = Seq2Seq(model.config.replace(tie_embeddings=False))
    weights = dict(zip(model.param_names(), model.get_weights()))
    weights["decoder_dense/kernel"] = model.decoder.embedding.embeddings.T.copy()
    twin.set_weights([weights[name] for name in twin.param_names()])
    twin.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    return twin


def data(n=4, seed=2):
    enc, dec, tgt = word_batch(np.random.default_rng(seed), n, 4, 5, VE, VD)
    return [enc, dec], tgt


def test_the_config_names_what_it_needs_and_the_file_keeps_it(tmp_path):
    for ok in (dict(), dict(attention="luong_general"), dict(attention="luong_general", input_feeding=True),
               dict(num_layers=2, cell="gru")):
        assert Seq2SeqConfig(VE, VD, level="word", tie_embeddings=True, **ok).tie_embeddings
    for bad, wide in ((dict(level="char"), 3), (dict(level="word", attention="luong"), 6),
                      (dict(level="word", attention="bahdanau"), 6), (dict(level="word", bidirectional=True), 6)):
        with pytest.raises(ValueError, match=rf"tie_embeddings makes the Dense kernel the decoder Embedding's "
                                             rf"table \(3 wide\): it needs level='word' .*\(Dense input {wide}\)"):
            Seq2SeqConfig(VE, VD, 3, tie_embeddings=True, **bad)
    stored = Seq2SeqConfig(VE, VD).to_dict()
    del stored["tie_embeddings"]                     # a file from before the option
    assert Seq2SeqConfig.from_dict(stored).tie_embeddings is False
    model = tied(attention="luong_general", input_feeding=True)
    assert model.param_names()[-1] == "decoder_dense/bias" and "decoder_dense/kernel" not in model.param_names()
    assert model.count_params() == untied_twin(model).count_params() - H * VD
    assert "tie_embeddings" in model.summary()
    model.save(tmp_path / "m.npz")
    loaded = Seq2Seq.load(tmp_path / "m.npz")
    assert loaded.config == model.config
    assert isinstance(loaded.decoder.dense, TiedDense)
    assert np.shares_memory(loaded.decoder.dense.kernel, loaded.decoder.embedding.embeddings)
    for ours, theirs in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(theirs, ours)


def test_the_kernel_is_the_table_so_every_change_of_one_is_the_other():
    model = tied()
    dense, table = model.decoder.dense, model.decoder.embedding.embeddings
    assert dense.kernel.shape == (H, VD) and np.shares_memory(dense.kernel, table)
    weights = model.get_weights()
    weights[1] = weights[1] + 1.0                   # the decoder table (Keras's order: second)
    model.set_weights(weights)
    np.testing.assert_array_equal(dense.kernel, weights[1].T)
    x, y = data(n=8)
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert not np.array_equal(model.decoder.embedding.embeddings, weights[1])   # trained
    np.testing.assert_array_equal(dense.kernel, model.decoder.embedding.embeddings.T)


@pytest.mark.parametrize("kind", list(KINDS))
def test_inference_is_the_untied_model_with_a_copied_kernel(kind):
    """evaluate, predict, a decoding step, greedy translations one sentence at a time and in a
    batch: the numbers of the untied twin, bit for bit (the product reads the same values)."""
    from npseq2seq.decode.greedy import greedy_decode
    from npseq2seq.decode.one_sentence import OneSentenceGreedy

    model = tied(**KINDS[kind])
    twin = untied_twin(model)
    x, y = data(n=6)
    assert model.evaluate(x, y) == twin.evaluate(x, y)
    assert np.array_equal(model.predict(x, steps=y.shape[1]), twin.predict(x, steps=y.shape[1]))
    states = model.encode(x[0])
    ids = np.ones(len(y), int)
    assert np.array_equal(model.decode_step(ids, states)[0], twin.decode_step(ids, states)[0])
    ours, theirs = (greedy_decode(m, x[0], 1, 2, 6) for m in (model, twin))
    assert all(np.array_equal(a, b) for a, b in zip(ours, theirs))
    one = OneSentenceGreedy(model, start_id=1, stop_id=2, max_steps=6)
    for k in range(3):
        assert np.array_equal(one.decode(x[0][k]), ours[k])


@pytest.mark.parametrize("kind", kinds())
def test_every_gradient_against_finite_differences(kind):
    """The table's gradient is its lookups' scatter-add plus the Dense kernel's, transposed;
    dropout masks fixed (a generator of one seed each time)."""
    model = tied(**KINDS[kind])
    x, y = data()

    def loss_grads():
        return model.loss_and_gradients(x, y, training=True, rng=np.random.default_rng(9))
    _, grads = loss_grads()
    for name, param, grad in zip(model.param_names(), model.params, grads, strict=True):
        assert_gradient(lambda: loss_grads()[0], param, grad, name)


def test_gradients_of_a_length_bucketed_batch_and_the_table_is_dense():
    """Packed (the real steps only), the masks fixed; and as fit hands gradients to the
    optimiser (``embedding_rows``): the encoder's table one row per lookup, the tied decoder
    table one dense array (the lookups' rows and the Dense kernel's part summed)."""
    from npseq2seq.ops import RowGradient

    model = tied(**KINDS["feeding-mask-every-rate"])
    (enc, dec), y = data(n=5)
    packed = packed_batch(model, enc, dec, y)

    def loss_grads(rows=False):
        loss, grads, _ = model._loss_and_grads(packed, training=True, rng=np.random.default_rng(4),
                                               embedding_rows=rows)
        return loss, grads
    _, grads = loss_grads()
    for name, param, grad in zip(model.param_names(), model.params, grads, strict=True):
        assert_gradient(lambda: loss_grads()[0], param, grad, name)
    _, as_fit = loss_grads(rows=True)
    assert isinstance(as_fit[0], RowGradient) and isinstance(as_fit[1], np.ndarray)
    np.testing.assert_array_equal(as_fit[1], grads[1])


def test_fits_are_seeded_and_the_untied_model_draws_what_it_drew():
    """Tying draws no kernel (the Dense layer is built last, so nothing else moves): the tied
    model's other initial weights are the untied model's; two tied fits from one seed agree."""
    untied = Seq2Seq(VE, VD, H, seed=5, level="word", attention="luong_general", input_feeding=True)
    runs = []
    for _ in range(2):
        model = Seq2Seq(VE, VD, H, seed=5, level="word", attention="luong_general", input_feeding=True,
                        tie_embeddings=True)
        assert all(np.array_equal(a, untied.get_weights()[untied.param_names().index(name)])
                   for name, a in zip(model.param_names(), model.get_weights()))
        model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
        x, y = data(n=12)
        runs.append((model.fit(x, y, batch_size=4, epochs=2, verbose=0).history["loss"], model.get_weights()))
    assert runs[0][0] == runs[1][0] and all(np.array_equal(a, b) for a, b in zip(runs[0][1], runs[1][1]))


def test_save_keras_writes_it_untied(tmp_path):
    """Keras has no tied Dense: the file holds Keras's own Dense with the table, transposed, as
    its kernel (the same function; a Keras user who trains on unties the two). load_keras gives
    back that untied model."""
    from npseq2seq import load_keras

    model = tied(mask_zero=True)
    save_keras(model, tmp_path / "s2s.keras")
    back = load_keras(tmp_path / "s2s.keras")
    assert back.config == model.config.replace(tie_embeddings=False, seed=back.config.seed)
    np.testing.assert_array_equal(back.decoder.dense.kernel, model.decoder.embedding.embeddings.T)
    x, y = data()
    np.testing.assert_array_equal(back.predict(x, steps=y.shape[1]), model.predict(x, steps=y.shape[1]))


# --- against Keras ------------------------------------------------------------------------------
@pytest.mark.parity
@pytest.mark.parametrize("variant", kinds())
def test_loss_and_gradients_against_keras(keras, keras_floatx, variant, record):
    """Keras's model with ``reference.tied.TiedDense``: the loss and every gradient; with
    dropout rates, in training with our masks handed to Keras's layers."""
    from reference.testing import gradient_differences, keras_loss_and_gradients
    from tests.model.test_parity_dropout import (
        compare_with_keras,
        dropout_batch,
        hand_over_every_mask,
        keras_pair,
        masks_drawn,
    )

    spec = {"level": "word", "tie_embeddings": True, **KINDS[variant]}
    km, nm = keras_pair(keras_floatx, spec)
    assert [w.path for w in km.weights][-1] == "dense/bias"      # the table once, with its Embedding
    assert len(km.weights) == len(nm.params)
    x, y = dropout_batch(spec, keras_floatx, "zero")
    if nm.config.drops:
        loss, grads, cache = masks_drawn(nm, (x, y), seed=2)
        hand_over_every_mask(km, nm, cache)
        compare_with_keras(km, nm, x, y, loss, grads, keras_floatx, variant, record, "tied embeddings", least=1e-5)
        return
    loss, grads = nm.loss_and_gradients(x, y)
    k_loss, k_grads = keras_loss_and_gradients(km, x, y)
    record("tied embeddings loss", keras_floatx, abs(loss - k_loss), variant)
    assert abs(loss - k_loss) <= tol(keras_floatx, "loss")
    diffs = gradient_differences(grads, k_grads, keras_floatx, nm.param_names())
    record("tied embeddings gradient", keras_floatx, max(diffs.values()), variant)
    assert max(diffs.values()) <= tol(keras_floatx, "gradient"), diffs


@pytest.mark.parity
@pytest.mark.parametrize("variant", [pytest.param("word"), pytest.param("gru-stack2-mask", marks=pytest.mark.slow)])
def test_train_on_batch_trajectory_against_keras(keras, keras_floatx, variant, record):
    """20 RMSprop steps over 4 batches: Keras's optimiser reads the table's two uses summed
    into one dense gradient (TensorFlow adds a lookup's rows to a dense part as a dense
    tensor), and so does ours; each pre-update loss, the weights after 1 and 20 steps."""
    from reference.testing import random_word_batch, train_on_batch_side_by_side
    from tests.model.test_parity_dropout import keras_pair

    km, nm = keras_pair(keras_floatx, {"level": "word", "tie_embeddings": True, **KINDS[variant]})
    batches = [random_word_batch(np.random.default_rng(10 + k), 5, 6, 5, 7, 9, "sparse", keras_floatx)
               for k in range(4)]
    diffs = train_on_batch_side_by_side(km, nm, batches, steps=20)
    for check in ("weights_1_step", "weights_20_steps", "loss"):
        record(f"tied embeddings {check}", keras_floatx, diffs[check], variant)
        assert diffs[check] <= tol(keras_floatx, check), check
    assert diffs["moved"] > 1e-3
