"""Inspection: the recorded gates and states are the model's own computation (the cell
equations written out here give the gates from the weights, each step's input and the
previous h, and the states from the gates; the encoder's end in model.encode's states;
predict gives the same probabilities), the hooks leave no trace, and the plots are
written and not blank."""
import subprocess
import sys

import numpy as np
import pytest

from npseq2seq import Seq2Seq, UnknownTokenError
from npseq2seq import inspect as npinspect
from npseq2seq.text import CharVocab, addition_pairs, one_hot, words
from reference.tolerances import tol

TOL = tol("float64", "forward")


def random_model(level="char", cell="lstm", attention=None, mask_zero=False, seed=0):
    """A float64 model with large random weights over a real vocabulary: varied gates."""
    inputs, targets = addition_pairs(num_samples=200, digits=2, seed=0)
    if level == "word":
        inputs = [" + ".join(t.split("+")) for t in inputs]            # "57 + 6": three words
        vocab = words.WordVocab.from_texts(inputs, targets)
    else:
        vocab = CharVocab.from_texts(inputs, targets)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 6, cell=cell, level=level,
                    mask_zero=mask_zero, attention=attention, dtype="float64", seed=seed, vocab=vocab)
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.8, w.shape) for w in model.get_weights()])
    return model, inputs


def encoder_input(model, text):
    if model.level == "word":
        return words.encode_input_words([text], model.vocab)
    from npseq2seq.text import encode_input_texts
    return encode_input_texts([text], model.vocab, dtype="float64")


def decoder_input(model, trace):
    """start token + the greedy output without its last token, as the training model reads it."""
    index = model.vocab.target_token_index
    ids = np.array([[index[t] for t in trace.decoder.tokens]])
    return ids if model.level == "word" else one_hot(ids, model.num_decoder_tokens, "float64")


def sig(a):
    return 1 / (1 + np.exp(-a))


def step_inputs(embedding, x):
    """Each step's input to the RNN, (T, D), from a batch of one: at char level the one-hot
    rows themselves (x W is then the token's kernel row, 0 for a zero-padding row), at
    word level the embedding rows of the ids."""
    return x[0] if embedding is None else embedding.embeddings[x[0]]


def check_gates(cell, layer, rnn, inputs, h0):
    """The recorded gates, recomputed from the layer's weights, each step's input x (a row
    of ``inputs``) and the recorded h of the step before (h0 at the first). LSTM, Keras's
    block order i, f, c, o: [i f g o] = [σ σ tanh σ](x W + h U + b). GRU (reset_after, the
    model's): z, r = σ(x W + b₀ + h U + b₁) on their blocks, hh = tanh(x W_h + b₀_h + r ⊙
    (h U_h + b₁_h))."""
    W, U, b = layer.kernel, layer.recurrent_kernel, layer.bias
    H = len(h0)
    assert len(inputs) == len(rnn.tokens)
    h_prev = h0
    for t, x in enumerate(inputs):
        if cell == "lstm":
            ai, af, ag, ao = np.split(x @ W + h_prev @ U + b, 4)
            expected = {"i": sig(ai), "f": sig(af), "g": np.tanh(ag), "o": sig(ao)}
        else:
            assert layer.reset_after and b.shape == (2, 3 * H)
            ax, ah = x @ W + b[0], h_prev @ U + b[1]
            r = sig(ax[H:2 * H] + ah[H:2 * H])
            expected = {"z": sig(ax[:H] + ah[:H]), "r": r, "hh": np.tanh(ax[2 * H:] + r * ah[2 * H:])}
        for name, gate in expected.items():
            np.testing.assert_allclose(rnn.gates[name][t], gate, rtol=0, atol=TOL, err_msg=f"{name}, step {t}")
        h_prev = rnn.states["h"][t]


def check_cell_equations(cell, rnn, initial):
    """The recorded gates, fed through the cell's state update, give the recorded states."""
    h_prev = initial[0]
    c_prev = initial[1] if cell == "lstm" else None
    for t in range(len(rnn.tokens)):
        if cell == "lstm":
            c = rnn.gates["f"][t] * c_prev + rnn.gates["i"][t] * rnn.gates["g"][t]
            h = rnn.gates["o"][t] * np.tanh(c)
            np.testing.assert_allclose(rnn.states["c"][t], c, rtol=0, atol=TOL)
            c_prev = c
        else:
            h = rnn.gates["z"][t] * h_prev + (1 - rnn.gates["z"][t]) * rnn.gates["hh"][t]
        np.testing.assert_allclose(rnn.states["h"][t], h, rtol=0, atol=TOL)
        h_prev = h


CASES = [("char", "lstm", None, False), ("char", "gru", None, False), ("word", "lstm", None, True),
         ("word", "gru", None, False), ("char", "lstm", "luong", False), ("word", "gru", "luong", True),
         ("char", "gru", "additive", False), ("word", "lstm", "additive", True)]


@pytest.mark.parametrize("level, cell, attention, mask_zero", CASES)
def test_the_trace_is_the_models_own_computation(level, cell, attention, mask_zero):
    model, inputs = random_model(level, cell, attention, mask_zero)
    text = inputs[3]
    trace = npinspect.record(model, text, top_k=3)
    enc = encoder_input(model, text)
    # what translate returns, and the encoder's final states are model.encode's
    assert trace.translation == model.translate([text])[0]
    final = model.encode(enc)[:model.decoder.rnn.state_size]
    for name, state in zip(npinspect.STATES[cell], final):
        np.testing.assert_allclose(trace.encoder.states[name][-1], state[0], rtol=0, atol=TOL)
    # every recorded step obeys the cell's equations, from zeros (encoder) and from the
    # encoder's final states (decoder): its gates from the weights, its input and the
    # previous h; its states from its gates (a mask_zero trace leaves out the <pad> steps)
    enc_x = step_inputs(model.encoder.embedding, enc)[:len(trace.encoder.tokens)]
    check_gates(cell, model.encoder.rnn, trace.encoder, enc_x, np.zeros(model.latent_dim))
    check_gates(cell, model.decoder.rnn, trace.decoder,
                step_inputs(model.decoder.embedding, decoder_input(model, trace)), final[0][0])
    check_cell_equations(cell, trace.encoder, [np.zeros(model.latent_dim)] * 2)
    check_cell_equations(cell, trace.decoder, [s[0] for s in final])
    # the probabilities are those of the training model fed the greedy output
    probs = model.predict([enc, decoder_input(model, trace)])[0]
    np.testing.assert_allclose(trace.probs, probs, rtol=0, atol=TOL)
    assert trace.top_tokens[-1][0] == trace.output_tokens[-1]
    assert np.all(np.diff(trace.top_probs, axis=1) <= 0)                 # most probable first
    gates = npinspect.GATES[cell]
    assert set(trace.encoder.gates) == set(gates) and set(trace.decoder.gates) == set(gates)
    steps = len(trace.output_tokens)
    assert all(g.shape == (steps, model.latent_dim) for g in trace.decoder.gates.values())
    if attention:
        assert trace.attention.shape == (steps, len(trace.encoder.tokens))
        np.testing.assert_allclose(trace.attention.sum(axis=1), 1.0, rtol=0, atol=TOL)
    else:
        assert trace.attention is None


@pytest.mark.parametrize("attention", ["luong", "additive"])
def test_attention_weights_are_those_decoding_used(attention):
    model, inputs = random_model("char", "gru", attention)
    trace = npinspect.record(model, inputs[5])
    states = model.encode(encoder_input(model, inputs[5]))
    index = model.vocab.target_token_index
    for t, token in enumerate(trace.decoder.tokens):
        _, states, weights = model.decode_step(np.array([index[token]]), states, return_attention=True)
        np.testing.assert_allclose(trace.attention[t], weights[0], rtol=0, atol=TOL)


def test_mask_zero_models_are_traced_over_the_words_only():
    model, inputs = random_model("word", "lstm", mask_zero=True)
    trace = npinspect.record(model, "57 + 6")
    assert trace.encoder.tokens == ["57", "+", "6"]      # no <pad> steps: the model skips them


def test_record_patches_nothing_and_the_trace_is_decode_steps_own():
    """inspect reads a trace that decode_step hands out (no method of the model is
    swapped): the model's attributes are untouched, and the trace's steps are the
    decode_step calls of greedy decoding, bit for bit."""
    model, inputs = random_model()
    before = {k: id(v) for k, v in vars(model).items()}
    trace = npinspect.record(model, inputs[0])
    assert {k: id(v) for k, v in vars(model).items()} == before
    states = model.encode(encoder_input(model, inputs[0]))
    tokens = np.array([model.vocab.start_id])
    for t, token in enumerate(trace.output_tokens):
        steps = []
        probs, states = model.decode_step(tokens, states, trace=steps)
        np.testing.assert_array_equal(trace.probs[t], probs[0])
        np.testing.assert_array_equal(steps[0].probs, probs)
        for name, state in zip(npinspect.STATES[model.cell], states):
            np.testing.assert_array_equal(trace.decoder.states[name][t], state[0])
        tokens = probs.argmax(axis=-1)
        assert model.vocab.target_token(int(tokens[0])) == token


def test_record_argument_errors():
    model, _ = random_model()
    with pytest.raises(UnknownTokenError):
        npinspect.record(model, "12#4")
    with pytest.raises(ValueError, match="no token to encode"):
        npinspect.record(model, "")
    with pytest.raises(ValueError, match="top_k must be a positive integer"):
        npinspect.record(model, "1+2", top_k=0)
    with pytest.raises(TypeError, match="text must be a str"):
        npinspect.record(model, ["1+2"])


def check_png(path):
    from matplotlib.image import imread

    image = imread(path)
    assert image.shape[0] > 100 and image.shape[1] > 100
    assert image[..., :3].std() > 0.05                     # not a blank page


def test_plots_are_written_and_not_blank(tmp_path):
    model, inputs = random_model("char", "lstm", "luong")
    trace = npinspect.record(model, inputs[1])
    paths = npinspect.save_plots(trace, tmp_path / "plots", units=4)
    assert [p.rsplit("/", 1)[1] for p in paths] == ["encoder.png", "decoder.png", "probabilities.png",
                                                   "attention.png"]
    for path in paths:
        check_png(path)
    assert len(npinspect.summary(trace).splitlines()) == 2 + len(trace.output_tokens)


def test_missing_matplotlib_is_a_clear_error(monkeypatch):
    model, inputs = random_model()
    trace = npinspect.record(model, inputs[0])
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)     # importing it now fails
    with pytest.raises(ImportError, match=r"pip install 'npseq2seq\[plot\]'"):
        npinspect.plot_probabilities(trace)
    with pytest.raises(ValueError, match="no attention weights"):
        npinspect.plot_attention(trace)


def test_cli_inspect_writes_the_pngs(tmp_path):
    model, inputs = random_model("char", "gru")
    model.save(tmp_path / "m.npz")
    res = subprocess.run([sys.executable, "-m", "npseq2seq", "inspect", "--model", str(tmp_path / "m.npz"),
                          inputs[0], "--out-dir", str(tmp_path / "out"), "--top-k", "2"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert f"{inputs[0]!r} -> " in res.stdout and "alternatives" in res.stdout
    for name in ("encoder", "decoder", "probabilities"):
        check_png(tmp_path / "out" / f"{name}.png")
    bad = subprocess.run([sys.executable, "-m", "npseq2seq", "inspect", "--model", str(tmp_path / "m.npz"),
                          "12#4"], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
