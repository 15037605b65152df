"""``save_keras``'s files and errors, and ``npseq2seq export-keras``: the .weights.h5 file
loads into the reference/ model with ``load_weights``; a model trained in npseq2seq and
written by the command translates in Keras (the tutorial's decode_sequence on the loaded
model's layers) to npseq2seq's strings; bad names, unwritable places and variants are
refused with one clear line, and a failed write leaves the old file whole."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from npseq2seq import Seq2Seq, save_keras
from npseq2seq.keras_files import writer
from npseq2seq.text import CharVocab, number_word_pairs, vectorize


def run(*args):
    return subprocess.run([sys.executable, "-m", "npseq2seq", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parity
@pytest.mark.parametrize("kwargs", [dict(cell="gru", reset_after=False),
                                    dict(level="word", mask_zero=True, num_layers=2, bidirectional=True)])
def test_the_weights_file_loads_into_the_reference_model(keras, keras_floatx, kwargs, tmp_path):
    from reference.deep import build_deep_training_model

    model = Seq2Seq(7, 9, 4, dtype=keras_floatx, seed=3, **kwargs)
    model.set_weights([w + 0.25 for w in model.get_weights()])     # not Keras's initial values
    save_keras(model, tmp_path / "s2s.weights.h5")
    km = build_deep_training_model(7, 9, 4, compile=False, **{"num_layers": 1, **kwargs})
    km.load_weights(tmp_path / "s2s.weights.h5")
    for ours, theirs in zip(model.get_weights(), km.get_weights(), strict=True):
        np.testing.assert_array_equal(theirs, ours)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    res = run("train", "--corpus", "numbers", "--num-samples", "120", "--epochs", "2", "--latent-dim", "8",
              "--cell", "gru", "--no-reset-after", "--out", str(folder / "model.npz"))
    assert res.returncode == 0, res.stderr
    return folder


@pytest.mark.parity
def test_export_keras_then_the_tutorials_decoding_in_keras_gives_our_strings(keras, trained):
    from npseq2seq import load_model
    from reference import build_inference_models, decode_sequence

    res = run("export-keras", str(trained / "model.npz"), "--out", str(trained / "s2s.keras"))
    assert res.returncode == 0 and res.stdout.startswith("wrote "), res.stderr
    model = load_model(trained / "model.npz")
    assert model.config.reset_after is False
    km = keras.models.load_model(trained / "s2s.keras", safe_mode=True)
    assert not any(layer.reset_after for layer in km.layers if isinstance(layer, keras.layers.GRU))
    vocab = model.vocab
    inputs, targets = number_word_pairs(num_samples=30, seed=0)
    enc, _, _ = vectorize(inputs, targets, vocab)
    k_enc, k_dec = build_inference_models(km)
    theirs = [decode_sequence(enc[i:i + 1], k_enc, k_dec, vocab.target_token_index,
                              vocab.reverse_target_char_index, vocab.max_decoder_seq_length,
                              vocab.num_decoder_tokens) for i in range(len(enc))]
    assert model.translate(inputs, keep_end=True) == theirs


def test_export_keras_refuses_in_one_line(trained, tmp_path):
    model = str(trained / "model.npz")
    (tmp_path / "dir.keras").mkdir()
    cases = [("export-keras", model, "--out", str(tmp_path / "s2s.h5")),            # not .keras / .weights.h5
             ("export-keras", model, "--out", str(tmp_path / "dir.keras")),         # a directory
             ("export-keras", str(tmp_path / "missing.npz"), "--out", str(tmp_path / "s2s.keras")),
             ("export-keras", model, "--out", str(tmp_path / "s2s.keras"), "--steps", "5")]   # teacher-forced
    for args in cases:
        res = run(*args)
        assert res.returncode == 2, (args, res.stderr)
        assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.keras"]      # nothing written


def test_save_keras_errors_and_atomic_write(tmp_path, monkeypatch):
    model = Seq2Seq(5, 6, 3, seed=0)
    with pytest.raises(ValueError, match=r"s2s\.h5: a Keras file name ends in \.keras"):
        save_keras(model, tmp_path / "s2s.h5")
    free = Seq2Seq(5, 6, 3, teacher_forcing=False)
    with pytest.raises(ValueError, match="give steps="):
        save_keras(free, tmp_path / "free.keras")
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        save_keras(free, tmp_path / "free.keras", steps=0)
    inputs, targets = number_word_pairs(num_samples=20, seed=0)
    vocab = CharVocab.from_texts(inputs, targets)
    free = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 3, teacher_forcing=False, vocab=vocab)
    save_keras(free, tmp_path / "free.keras")                    # the vocabulary's length
    with zipfile.ZipFile(tmp_path / "free.keras") as archive:
        layers = json.loads(archive.read("config.json"))["config"]["layers"]
    dense, = [layer for layer in layers if layer["class_name"] == "Dense"]
    assert len(dense["inbound_nodes"]) == vocab.max_decoder_seq_length      # one call a step
    # a write that fails half-way leaves the old file as it was, and no temporary file
    save_keras(model, tmp_path / "s2s.keras")
    before = (tmp_path / "s2s.keras").read_bytes()

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(writer.json, "dumps", fail)
    with pytest.raises(OSError, match="No space left"):
        save_keras(model, tmp_path / "s2s.keras")
    assert (tmp_path / "s2s.keras").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["free.keras", "s2s.keras"]


@pytest.mark.parametrize("kwargs", [dict(num_layers=2, bidirectional=True, dropout=0.25, recurrent_dropout=0.125),
                                    dict(cell="gru", reset_after=False, dropout=0.5),
                                    dict(mask_padding=True, num_layers=2, bidirectional=True, attention="luong"),
                                    dict(level="word", mask_zero=True, attention="luong", output_dropout=0.3),
                                    dict(level="word", mask_zero=True, bidirectional=True, num_layers=2,
                                         attention="luong", cell="gru", word_dropout=0.15)])
def test_save_keras_then_load_keras_gives_back_the_model(kwargs, tmp_path):
    """Both halves of the Keras files without Keras: the config (cell variant, the
    training-only dropout rates, output_dropout's Dropout layer before the Dense, word_dropout's
    after the Embeddings) and the weights come back as they went."""
    from npseq2seq import load_keras

    model = Seq2Seq(7, 9, 4, dtype="float64", seed=3, **kwargs)
    model.set_weights([w + 0.25 for w in model.get_weights()])
    save_keras(model, tmp_path / "s2s.keras")
    back = load_keras(tmp_path / "s2s.keras")
    assert back.config == model.config.replace(seed=back.config.seed)
    for ours, theirs in zip(model.get_weights(), back.get_weights(), strict=True):
        np.testing.assert_array_equal(theirs, ours)


@pytest.mark.parametrize("edit, problem", [
    (dict(noise_shape=[None, 1, None]), r"layer 'output_dropout' \(class_name 'Dropout'\): npseq2seq's "
                                        r"output_dropout is Dropout\(rate\) .* found noise_shape \[None, 1, None\]"),
    (dict(rate=1.5), r"layer 'output_dropout' \(class_name 'Dropout'\): rate is 1.5, expected a number in \[0, 1\)"),
    (dict(rate="0.2"), r"layer 'output_dropout' \(class_name 'Dropout'\): rate is '0.2', expected a number"),
])
def test_a_dropout_before_the_dense_that_npseq2seq_does_not_compute_is_refused(edit, problem, tmp_path):
    """A Dropout with a shared mask (noise_shape) or a rate outside [0, 1) is named, not read."""
    from npseq2seq import load_keras
    from npseq2seq.io import ModelFileError

    save_keras(Seq2Seq(7, 9, 4, output_dropout=0.2), tmp_path / "good.keras")
    with zipfile.ZipFile(tmp_path / "good.keras") as z:
        members = {name: z.read(name) for name in z.namelist()}
    document = json.loads(members["config.json"])
    layer, = [entry for entry in document["config"]["layers"] if entry["class_name"] == "Dropout"]
    layer["config"].update(edit)
    members["config.json"] = json.dumps(document).encode()
    with zipfile.ZipFile(tmp_path / "bad.keras", "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    with pytest.raises(ModelFileError, match=problem):
        load_keras(tmp_path / "bad.keras")


def _edited(tmp_path, model, edit):
    """A copy of ``model``'s .keras file whose config.json ``edit(document)`` changed: its path."""
    save_keras(model, tmp_path / "good.keras")
    with zipfile.ZipFile(tmp_path / "good.keras") as z:
        members = {name: z.read(name) for name in z.namelist()}
    document = json.loads(members["config.json"])
    edit(document)
    members["config.json"] = json.dumps(document).encode()
    with zipfile.ZipFile(tmp_path / "bad.keras", "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return tmp_path / "bad.keras"


def _set(layer_name, **changes):
    def edit(document):
        layer, = [entry for entry in document["config"]["layers"] if entry["name"] == layer_name]
        layer["config"].update(changes)
    return edit


@pytest.mark.parametrize("edit, problem", [
    (_set("encoder_word_dropout", noise_shape=None),
     r"layer 'encoder_word_dropout' \(class_name 'Dropout'\): npseq2seq's word_dropout is Dropout\(rate, "
     r"noise_shape=\(None, None, 1\)\) after an Embedding; found noise_shape None"),
    (_set("decoder_word_dropout", rate=0.3),
     r"layer 'decoder_word_dropout' \(class_name 'Dropout'\): the encoder's Embedding is followed by "
     r"Dropout\(0.2\), the decoder's by Dropout\(0.3\): npseq2seq's word_dropout is one rate for both"),
    (_set("decoder_word_dropout", rate=-0.5), r"layer 'decoder_word_dropout' \(class_name 'Dropout'\): rate is -0.5"),
    (_set("encoder_word_dropout", rate=0.0),
     r"layer 'decoder_word_dropout' \(class_name 'Dropout'\): the encoder's Embedding is followed by no Dropout, "
     r"the decoder's by Dropout\(0.2\)"),
])
def test_a_dropout_after_an_embedding_that_npseq2seq_does_not_compute_is_refused(edit, problem, tmp_path):
    """word_dropout's Dropout: its noise_shape, one rate for both sides, a rate in [0, 1)."""
    from npseq2seq import load_keras
    from npseq2seq.io import ModelFileError

    model = Seq2Seq(7, 9, 4, level="word", mask_zero=True, word_dropout=0.2)
    assert load_keras(_edited(tmp_path, model, lambda document: None)).config.word_dropout == 0.2
    with pytest.raises(ModelFileError, match=problem):
        load_keras(_edited(tmp_path, model, edit))


def test_save_keras_refuses_keras_2s_hard_sigmoid(tmp_path):
    from npseq2seq import Seq2SeqConfig

    model = Seq2Seq(Seq2SeqConfig(7, 9, 4, recurrent_activation="hard_sigmoid"))
    with pytest.raises(ValueError, match=r"recurrent_activation='hard_sigmoid' .* no Keras 3 equivalent"):
        save_keras(model, tmp_path / "s2s.keras")
    assert not (tmp_path / "s2s.keras").exists()


@pytest.mark.parametrize("kwargs", [dict(attention="bahdanau"), dict(attention="luong_general", input_feeding=True)])
def test_save_keras_refuses_attention_inside_the_recurrence(kwargs, tmp_path):
    model = Seq2Seq(7, 9, 4, **kwargs)
    with pytest.raises(ValueError, match=r"attention inside the recurrence\) has no Keras layer"):
        save_keras(model, tmp_path / "s2s.keras")
    assert not (tmp_path / "s2s.keras").exists()
