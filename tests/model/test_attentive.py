"""Seq2Seq with attention inside the recurrence (``attention="bahdanau"``,
``"luong_general"`` with and without ``input_feeding``), without Keras: the whole model's
gradients against finite differences (float64), decoding step by step against the
training model, greedy against beam search, the state list, save/load, ``inspect`` and the
CLI. (The Keras parity suite: test_parity_attentive.py.)"""
import numpy as np
import pytest

from npseq2seq import SGD, CategoricalCrossentropy, RMSprop, Seq2Seq, Seq2SeqConfig, load_model
from npseq2seq import inspect as npinspect
from npseq2seq.decode import beam_search, decode_sequence, greedy_decode
from npseq2seq.text import CharVocab, number_word_pairs, one_hot, vectorize, words
from tests.gradutil import check_all_gradients, randomised, word_batch

KINDS = {"bahdanau": dict(attention="bahdanau"),
         "feeding": dict(attention="luong_general", input_feeding=True),
         "general": dict(attention="luong_general")}


def char_batch(rng, n, te, td, ve, vd):
    enc, dec = rng.integers(0, ve, (n, te)), rng.integers(0, vd, (n, td + 1))
    dec[0, td // 2 + 1:] = -1                                        # zero padding
    return ([one_hot(enc, ve, np.float64), one_hot(dec[:, :-1], vd, np.float64)],
            one_hot(dec[:, 1:], vd, np.float64))


GRADIENT_CASES = [  # (kind, cell, level, mask_zero, num_layers, bidirectional)
    ("bahdanau", "lstm", "char", False, 1, False), ("feeding", "gru", "char", False, 1, False),
    ("general", "lstm", "word", True, 1, False), ("bahdanau", "gru", "word", True, 2, True),
    ("feeding", "lstm", "word", True, 2, True), ("general", "gru", "char", False, 1, True)]


@pytest.mark.parametrize("kind, cell, level, mask_zero, num_layers, bidirectional", GRADIENT_CASES)
def test_whole_model_gradients_match_finite_differences(kind, cell, level, mask_zero, num_layers,
                                                        bidirectional):
    """Every weight, the loss reaching the encoder through its final states and through
    every step's attention over its outputs (and the masks, at word level)."""
    rng = np.random.default_rng(len(kind) + num_layers)
    model = randomised(Seq2Seq(5, 4, 3, cell=cell, level=level, mask_zero=mask_zero, dtype="float64",
                               num_layers=num_layers, bidirectional=bidirectional, **KINDS[kind]), rng)
    model.compile(SGD(), CategoricalCrossentropy(exact_gradient=True))
    if level == "word":
        enc, dec, tgt = word_batch(rng, 3, 4, 3, 5, 4)
        check_all_gradients(model, [enc, dec], np.eye(4)[tgt])
    else:
        check_all_gradients(model, *char_batch(rng, 3, 4, 3, 5, 4))


def test_config_rules():
    with pytest.raises(ValueError, match="needs attention='luong_general'"):
        Seq2SeqConfig(3, 4, input_feeding=True, attention="bahdanau")
    with pytest.raises(ValueError, match="needs teacher_forcing=True"):
        Seq2SeqConfig(3, 4, attention="bahdanau", teacher_forcing=False)
    with pytest.raises(ValueError, match="attention must be None or one of"):
        Seq2SeqConfig(3, 4, attention="dot")
    with pytest.raises(ValueError, match="cells. states, ã, encoder outputs"):
        Seq2Seq(3, 4, 5, **KINDS["feeding"]).decode_step(np.zeros(2, int), [np.zeros((2, 5))] * 3)
    old = Seq2SeqConfig(3, 4, attention="luong").to_dict()
    del old["input_feeding"]                          # a file written before the option
    assert Seq2SeqConfig.from_dict(old).input_feeding is False


def random_model(kind, seed=0, **kwargs):
    inputs, targets = number_word_pairs(num_samples=30, high=99, seed=seed)
    vocab = CharVocab.from_texts(inputs, targets)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 6, dtype="float64", seed=seed,
                    vocab=vocab, **KINDS[kind], **kwargs)
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.8, w.shape) for w in model.get_weights()])
    return model, inputs


@pytest.mark.parametrize("kind", KINDS)
def test_decode_steps_equal_the_training_model(kind):
    """decode_step fed tokens one at a time gives the training model's probabilities and
    alignments on the same tokens, and so does decoder_model.predict; the state list is
    [h, c, (ã), encoder outputs]."""
    model, inputs = random_model(kind, num_layers=2)
    x = model.vocab.encode_inputs(inputs[:4], dtype="float64")
    ids = np.random.default_rng(1).integers(0, model.num_decoder_tokens, (4, 5))
    states = model.encode(x)
    feed = 1 if KINDS[kind].get("input_feeding") else 0
    assert [s.shape for s in states] == [(4, 6)] * (4 + feed) + [(4, x.shape[1], 6)]
    probs, weights, k_states = [], [], list(states)
    for t in range(5):
        p, states, w = model.decode_step(ids[:, t], states, return_attention=True)
        k_p, *k_states = model.decoder_model.predict([one_hot(ids[:, t:t + 1], model.num_decoder_tokens)]
                                                     + k_states)
        np.testing.assert_allclose(k_p[:, 0], p, rtol=0, atol=1e-13)
        probs.append(p), weights.append(w)
    dec = one_hot(ids, model.num_decoder_tokens, np.float64)
    np.testing.assert_allclose(np.stack(probs, 1), model.predict([x, dec]), rtol=0, atol=1e-13)
    np.testing.assert_allclose(np.stack(weights, 1), model.attention_weights([x, dec]), rtol=0, atol=1e-13)


@pytest.mark.parametrize("kind", ["bahdanau", "feeding"])
@pytest.mark.parametrize("mask_zero", [False, True])
def test_greedy_is_beam_width_one_and_rows_decode_alone(kind, mask_zero):
    """Beam search carries the state list (ã and the memory included) by rows: width 1 is
    greedy, and the batch finds what each sentence alone finds."""
    from tests.decode.test_beam import assert_batched_equals_one_by_one

    rng = np.random.default_rng(2)
    level = "word" if mask_zero else "char"
    model = Seq2Seq(6, 5, 4, level=level, mask_zero=mask_zero, dtype="float64", seed=1, **KINDS[kind])
    model.set_weights([rng.normal(0, 1.5, w.shape) for w in model.get_weights()])
    ids = rng.integers(1, 6, (4, 5))
    ids[np.arange(5) >= rng.integers(1, 6, (4, 1))] = 0
    enc = ids if level == "word" else one_hot(ids, 6, "float64")
    greedy = greedy_decode(model, enc, 0, 4, 6)
    assert [tuple(h[0].ids) for h in beam_search(model, enc, 1, 0, 4, 6)] == [tuple(g) for g in greedy]
    assert_batched_equals_one_by_one(model, enc, 3, 0, 4, 6)


@pytest.fixture(scope="module", params=["bahdanau", "feeding"])
def trained(request):
    inputs, targets = number_word_pairs(num_samples=100, high=99, seed=0)
    vocab = CharVocab.from_texts(inputs, targets)
    enc, dec, tgt = vectorize(inputs, targets, vocab)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 24, seed=0, vocab=vocab,
                    **KINDS[request.param])
    model.compile(RMSprop(learning_rate=0.01))
    hist = model.fit([enc, dec], tgt, batch_size=16, epochs=8, verbose=0)
    return model, inputs, enc, hist


def test_trains_decodes_saves_and_loads(trained, tmp_path):
    model, inputs, enc, hist = trained
    assert hist.history["loss"][-1] < 0.7 * hist.history["loss"][0]
    one_by_one = [decode_sequence(model, enc[i:i + 1]) for i in range(20)]     # the tutorial's loop
    assert model.translate(inputs[:20], keep_end=True) == one_by_one
    assert len(set(one_by_one)) > 3
    assert model.translate(inputs[:5], beam_width=1) == model.translate(inputs[:5])
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.config == model.config and type(loaded.decoder) is type(model.decoder)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert loaded.translate(inputs[:10]) == model.translate(inputs[:10])


def test_inspect_records_and_plots_the_alignment(trained, tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib.image import imread

    model, inputs, _, _ = trained
    trace = npinspect.record(model, inputs[3])
    assert trace.translation == model.translate([inputs[3]])[0]
    states = model.encode(model.vocab.encode_inputs([inputs[3]]))
    index = model.vocab.target_token_index
    for t, token in enumerate(trace.decoder.tokens):          # the weights decoding used
        _, states, weights = model.decode_step(np.array([index[token]]), states, return_attention=True)
        np.testing.assert_allclose(trace.attention[t], weights[0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(trace.attention.sum(axis=1), 1.0, atol=1e-6)
    assert set(trace.decoder.states) == set(npinspect.STATES["lstm"])    # the cell's states (ã left out)
    np.testing.assert_array_equal(trace.decoder.states["h"][-1], states[0][0])
    paths = npinspect.save_plots(trace, tmp_path / "plots", units=4)
    assert paths[-1].endswith("attention.png")
    image = imread(paths[-1])
    assert image.shape[0] > 100 and image[..., :3].std() > 0.05


def test_word_level_mask_zero_decodes_in_batches_as_alone():
    inputs, targets = number_word_pairs(num_samples=100, high=99, seed=0)
    vocab = words.WordVocab.from_texts(inputs, targets)
    enc, dec, tgt = words.vectorize_words(inputs, targets, vocab)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 16, level="word", mask_zero=True,
                    seed=0, vocab=vocab, **KINDS["feeding"])
    model.compile(RMSprop(learning_rate=0.01), "sparse_categorical_crossentropy")
    hist = model.fit([enc, dec], tgt, batch_size=20, epochs=3, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    states = model.encode(enc[:4])
    assert len(states) == 5 and states[4].dtype == bool and states[4].shape == enc[:4].shape
    max_steps = vocab.max_decoder_seq_length + 1
    batched = greedy_decode(model, enc[:12], words.START, words.END, max_steps)
    single = [greedy_decode(model, enc[i:i + 1, :max(1, int((enc[i] != 0).sum()))], words.START,
                            words.END, max_steps)[0] for i in range(12)]
    assert all(np.array_equal(a, b) for a, b in zip(batched, single))


def test_a_state_list_without_the_feed_or_memory_is_refused():
    model = Seq2Seq(3, 4, 5, **KINDS["feeding"])
    states = model.encode(np.zeros((2, 3), int))
    assert len(states) == 4
    with pytest.raises(ValueError, match="list of 4 arrays"):
        model.decode_step(np.zeros(2, int), states[:3])


@pytest.mark.parametrize("flags", [["--attention", "bahdanau"],
                                   ["--attention", "luong_general", "--input-feeding"],
                                   ["--attention", "bahdanau", "--padding", "zero", "--bucket-by-length",
                                    "--mask-padding", "--dropout", "0.2", "--recurrent-dropout", "0.1"]])
def test_cli_trains_resumes_and_translates(tmp_path, capsys, flags):
    from npseq2seq import cli

    out = tmp_path / "att.npz"
    common = ["train", "--corpus", "numbers", "--num-samples", "100", "--latent-dim", "8",
              "--batch-size", "50", "--show", "0"]
    assert cli.main([*common, "--epochs", "1", *flags, "--out", str(out)]) == 0
    model = load_model(out)
    assert model.attention == flags[1] and model.config.input_feeding == ("--input-feeding" in flags)
    assert model.config.mask_padding == ("--mask-padding" in flags)
    assert model.config.dropout == (0.2 if "--dropout" in flags else 0.0)
    assert cli.main(["train", "--resume", str(out), "--epochs", "2"]) == 0        # kept through resume
    assert cli.main(["translate", "--model", str(out), "seven"]) == 0
    capsys.readouterr()
    assert cli.main([*common, "--attention", "bahdanau", "--input-feeding",
                     "--out", str(tmp_path / "bad.npz")]) == cli.EXIT_USER_ERROR
    assert "--input-feeding" in capsys.readouterr().err


@pytest.mark.parametrize("kind, options", [("bahdanau", dict(cell="gru", reset_after=False)),
                                           ("feeding", dict(recurrent_activation="hard_sigmoid"))])
def test_the_attentive_layer_takes_the_cell_variant_of_the_model(kind, options):
    """Every RNN of the model is of one variant, the attentive top decoder layer's included
    (Keras 2's GRU; Keras 2's hard_sigmoid gates): built so, and its gradients exact."""
    rng = np.random.default_rng(7)
    config = Seq2SeqConfig(5, 4, 3, dtype="float64", num_layers=2, **KINDS[kind], **options)
    model = randomised(Seq2Seq(config), rng)
    inner = [layer.rnn for layer in model.layers if hasattr(layer, "rnn")]
    assert len(inner) == 1
    for rnn in model.encoder.rnns + model.decoder.rnns[:-1] + inner:
        if "reset_after" in options:
            assert rnn.reset_after is False
        assert rnn.recurrent_activation == config.recurrent_activation
    model.compile(SGD(), CategoricalCrossentropy(exact_gradient=True))
    check_all_gradients(model, *char_batch(rng, 3, 4, 3, 5, 4))
