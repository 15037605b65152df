"""``mask_padding=True`` (Keras's ``Masking()`` over zero-padded one-hot rows) on its own: the
rules, the encoder skipping its padding (every layer of a stack, both directions of a
bidirectional one), the loss's mask, the attention's masks, gradients against finite
differences, files. Against Keras: ``test_parity_masking.py`` (one layer) and
``test_parity_deep.py`` (stacks, bidirectional, attention)."""
import numpy as np
import pytest

from npseq2seq import Seq2Seq, load_model
from npseq2seq.layers.masking import Masking, padding_mask
from npseq2seq.losses import CategoricalCrossentropy
from npseq2seq.model import Seq2SeqConfig
from npseq2seq.optimizers import SGD
from npseq2seq.text import CharVocab, one_hot, vectorize
from tests.gradutil import check_all_gradients, randomised

VE, VD, H = 6, 7, 5


def _batch(rng, n=4, te=5, td=6):
    """Zero-padded one-hot (encoder input, decoder input, target), lengths all different."""
    enc = rng.integers(0, VE, size=(n, te))
    dec = rng.integers(0, VD, size=(n, td + 1))
    for i in range(n):
        enc[i, 1 + i % te:] = -1
        dec[i, 2 + i % td:] = -1
    return (one_hot(enc, VE, "float64"), one_hot(dec[:, :-1], VD, "float64"),
            one_hot(dec[:, 1:], VD, "float64"))


DEEP = [dict(num_layers=2), dict(bidirectional=True), dict(attention="luong"),
        dict(bidirectional=True, num_layers=2, attention="additive")]


def _id(kwargs):
    return "-".join(f"{k}={v}" for k, v in kwargs.items())


def _model(mask_padding=True, cell="lstm", seed=0, **kwargs):
    return randomised(Seq2Seq(VE, VD, H, cell=cell, dtype="float64", seed=seed,
                              mask_padding=mask_padding, **kwargs), np.random.default_rng(seed))


@pytest.mark.parametrize("changes", [dict(level="word"), dict(teacher_forcing=False)])
def test_rules(changes):
    with pytest.raises(ValueError, match="mask_padding"):
        Seq2SeqConfig(VE, VD, H, mask_padding=True, **changes)
    for deeper in DEEP:              # stacks, bidirectional encoders and attention combine with it
        assert Seq2SeqConfig(VE, VD, H, mask_padding=True, **deeper).mask_padding


def test_space_padding_refused():
    vocab = CharVocab.from_texts(["a b"], ["c d"], padding="space")
    with pytest.raises(ValueError, match="zero padding"):
        Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 4, vocab=vocab, mask_padding=True)


def test_padding_mask_of_ids_and_rows():
    ids = np.array([[0, 3, -1], [-1, -1, -1]])
    np.testing.assert_array_equal(padding_mask(ids), [[True, True, False], [False] * 3])
    np.testing.assert_array_equal(padding_mask(one_hot(ids, 4, "float32")), padding_mask(ids))
    layer = Masking()
    assert layer.weights == [] and layer.forward(ids)[0] is ids


@pytest.mark.parametrize("kwargs", [{}, *DEEP[:2], dict(bidirectional=True, num_layers=2)], ids=_id)
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_encoder_skips_padding(cell, kwargs):
    """Each input's final states are those of the input cut to its real steps (the
    padding after it changes nothing: in every layer, and in a bidirectional layer's
    backward direction too, which so reads the real steps only, last first); without the
    mask the padding changes them."""
    rng = np.random.default_rng(1)
    enc, _, _ = _batch(rng)
    masked, plain = _model(cell=cell, **kwargs), _model(False, cell=cell, **kwargs)
    lengths = enc.any(-1).sum(1)
    padded = masked.encode(enc)
    for n, length in enumerate(lengths):
        alone = masked.encode(enc[n:n + 1, :length])
        for a, b in zip(alone, padded):
            np.testing.assert_allclose(a[0], b[n], rtol=0, atol=1e-15)
    short = int(np.argmin(lengths))
    changed = plain.encode(enc[short:short + 1])[0] - plain.encode(enc[short:short + 1, :lengths[short]])[0]
    assert np.abs(changed).max() > 1e-3


def test_decoder_runs_over_padding_and_loss_is_masked():
    """As Keras: the decoder is not masked (its probabilities equal the unmasked model's,
    given the same encoder states), the loss is the mean over the decoder input's real steps."""
    rng = np.random.default_rng(2)
    enc, dec, y = _batch(rng)
    masked, plain = _model(), _model(False)
    masked.compile(SGD())
    states = masked.encode(enc)
    probs, *_ = plain.decoder_model.predict([dec] + states)
    np.testing.assert_array_equal(masked.predict([enc, dec]), probs)
    real = dec.any(-1)
    rows = -(y * np.log(probs)).sum(-1)
    np.testing.assert_allclose(masked.evaluate([enc, dec], y), rows[real].mean(), rtol=1e-12)
    assert abs(rows[real].mean() - rows.mean()) > 1e-3


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gradients(cell):
    """Every weight against finite differences (the true gradient of the masked loss)."""
    rng = np.random.default_rng(3)
    enc, dec, y = _batch(rng, n=3, te=4, td=4)
    model = _model(cell=cell)
    model.compile(SGD(), CategoricalCrossentropy(exact_gradient=True))
    check_all_gradients(model, [enc, dec], y)


@pytest.mark.parametrize("kwargs", [pytest.param(k, marks=() if k is DEEP[1] else pytest.mark.slow)
                                    for k in DEEP], ids=_id)
@pytest.mark.parametrize("cell", ["lstm", pytest.param("gru", marks=pytest.mark.slow)])
def test_gradients_deeper(cell, kwargs):
    """The same with stacks, a bidirectional encoder and attention (2 units a direction,
    to keep the finite differences few); one case in the default run."""
    rng = np.random.default_rng(3)
    enc, dec, y = _batch(rng, n=3, te=4, td=4)
    model = randomised(Seq2Seq(VE, VD, 2, cell=cell, dtype="float64", seed=0, mask_padding=True, **kwargs),
                       rng)
    model.compile(SGD(), CategoricalCrossentropy(exact_gradient=True))
    check_all_gradients(model, [enc, dec], y)


def test_attention_masks_padded_keys_and_queries():
    """With attention, Keras hands Attention() both masks (model/masking.py): no weight on
    a padded encoder step, and a zero context at a padded decoder step; the encoder state
    list carries the encoder's mask, as with mask_zero."""
    rng = np.random.default_rng(4)
    enc, dec, _ = _batch(rng)
    model = _model(attention="luong", bidirectional=True)
    weights = model.attention_weights([enc, dec])            # (N, Td, Te)
    assert np.all(weights[~np.broadcast_to(enc.any(-1)[:, None], weights.shape)] == 0)
    _, cache = model.forward(*model._prepare_x([enc, dec]))
    np.testing.assert_array_equal(cache.decoder.attention.weights, weights)
    states = model.encode(enc)
    assert len(states) == 4 and states[-1].dtype == bool and states[-1].shape == enc.shape[:2]
    padded = ~dec.any(-1)
    assert padded.any()
    features = model.decoder._attend(np.ones((*dec.shape[:2], 2 * H)), states[2:],
                                     padding_mask(dec))[0]
    assert np.all(features[padded][:, 2 * H:] == 0) and np.any(features[~padded][:, 2 * H:] != 0)


@pytest.mark.parametrize("kwargs", [{}, dict(bidirectional=True, num_layers=2, attention="luong")], ids=_id)
def test_fit_translate_save_load(tmp_path, kwargs):
    inputs, targets = ["go.", "run!", "hi.", "wait!"], ["va !", "cours !", "salut.", "attends !"]
    vocab = CharVocab.from_texts(inputs, targets, padding="zero")
    enc, dec, tgt = vectorize(inputs, targets, vocab, padding="zero", dtype="float64")
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 8, dtype="float64", seed=0,
                    vocab=vocab, mask_padding=True, **kwargs)
    model.compile("rmsprop")
    history = model.fit([enc, dec], tgt, batch_size=2, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    if not kwargs:       # length buckets: teacher-forced models without attention
        bucketed = model.fit([enc, dec], tgt, batch_size=2, epochs=1, verbose=0, bucket_by_length=True)
        assert np.isfinite(bucketed.history["loss"][0])
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.config.mask_padding
    assert loaded.translate(inputs) == model.translate(inputs)
    assert model.translate(inputs, beam_width=1) == model.translate(inputs)   # beam search too
    for a, b in zip(loaded.encode(enc), model.encode(enc)):
        np.testing.assert_array_equal(a, b)


def test_old_config_loads_unmasked():
    config = Seq2SeqConfig(VE, VD, H).to_dict()
    del config["mask_padding"]       # a file written before the option
    assert Seq2SeqConfig.from_dict(config).mask_padding is False


@pytest.mark.parametrize("kwargs", [{}, dict(bidirectional=True, num_layers=2)], ids=_id)
@pytest.mark.parametrize("reverse_input", [False, True])
def test_inspect_shows_the_real_steps(reverse_input, kwargs):
    """inspect leaves the skipped padding out of the encoder's picture, wherever it sits
    (at the end, or first with reverse_input); the translation is translate's."""
    from npseq2seq import inspect

    inputs, targets = ["go.", "wait!"], ["va !", "attends !"]
    vocab = CharVocab.from_texts(inputs, targets, padding="zero", reverse_input=reverse_input)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 6, seed=0, vocab=vocab,
                    mask_padding=True, **kwargs)
    trace = inspect.record(model, "go.")
    assert "".join(trace.encoder.tokens) == ("go."[::-1] if reverse_input else "go.")
    assert "".join(trace.output_tokens[:-1]) == model.translate(["go."])[0][:len(trace.output_tokens) - 1]
