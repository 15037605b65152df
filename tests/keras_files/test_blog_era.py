"""Standalone Keras 2.0–2.2 files (the 2017 blog post's ``s2s.h5``), written with h5py in
Keras 2.0.8's layout (``fixtures.py`` says where each fact comes from), and the other
files a user may hold without the architecture (weights only, read with a config)."""
from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from npseq2seq import ModelFileError, Seq2Seq, Seq2SeqConfig, load_keras
from npseq2seq.text import number_word_pairs

from .fixtures import blog_model_config, tutorial_weights, write_blog_h5, write_weights_h5
from .helpers import write_pairs

VE, VD, H = 5, 6, 4


@pytest.fixture
def weights():
    return tutorial_weights(VE, VD, H, seed=5)


def same(model, weights):
    return all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(model.get_weights(), weights))


def test_the_blogs_s2s_h5(tmp_path, weights):
    model = load_keras(write_blog_h5(tmp_path / "s2s.h5", weights, VE, VD, H))
    assert model.config == Seq2SeqConfig(VE, VD, H, recurrent_activation="hard_sigmoid")
    assert same(model, weights)


def test_chunked_layer_names(tmp_path, weights):
    """layer_names0, layer_names1 (Keras 2.2.4 save_attributes_to_hdf5_group)."""
    model = load_keras(write_blog_h5(tmp_path / "s2s.h5", weights, VE, VD, H, chunked=True))
    assert same(model, weights)


@pytest.mark.parametrize("version, padding", [("2.0.8", "zero"), ("2.2.4", "zero"), ("2.2.4-tf", "space"),
                                              ("2.3.1", "space")])
def test_the_era_decides_the_default_padding(tmp_path, weights, version, padding):
    """The blog's data were zero-padded, keras-io's (tf.keras, Keras 3) space-padded."""
    inputs, targets = number_word_pairs(num_samples=20, high=99, seed=0)
    data = write_pairs(tmp_path / "d.txt", inputs, targets)
    from npseq2seq.text import CharVocab
    vocab = CharVocab.from_texts(inputs, targets, padding=padding)
    w = tutorial_weights(vocab.num_encoder_tokens, vocab.num_decoder_tokens, H)
    path = write_blog_h5(tmp_path / "s2s.h5", w, vocab.num_encoder_tokens, vocab.num_decoder_tokens, H,
                         keras_version=version, recurrent_activation="sigmoid")
    assert load_keras(path, data=data).vocab == vocab


def test_a_keras_2_gru_without_reset_after(tmp_path, weights):
    """Keras 2.0's GRU config has no reset_after key: its GRU is reset_after=False."""
    config = blog_model_config(VE, VD, H, "sigmoid")
    for layer in config["config"]["layers"][2:4]:
        layer["class_name"] = "GRU"
        layer["config"].pop("unit_forget_bias")
    config["config"]["layers"][3]["inbound_nodes"][0].pop()     # one state: [input_2, lstm_1's h]
    w = [np.zeros((VE, 3 * H), "float32"), np.zeros((H, 3 * H), "float32"), np.zeros(3 * H, "float32"),
         np.zeros((VD, 3 * H), "float32"), np.zeros((H, 3 * H), "float32"), np.zeros(3 * H, "float32"),
         weights[6], weights[7]]
    path = write_blog_h5(tmp_path / "gru.h5", w, VE, VD, H, model_config=config)
    assert load_keras(path).config.reset_after is False


def test_a_legacy_weights_only_file_with_a_config(tmp_path, weights):
    """``model.save_weights("w.h5")`` in Keras 2: layer_names at the root, read by order."""
    path = write_blog_h5(tmp_path / "w.h5", weights, VE, VD, H, recurrent_activation="sigmoid")
    with h5py.File(path, "r+") as f:
        for key in ("model_config", "training_config"):
            del f.attrs[key]
        f.attrs["layer_names"] = f["model_weights"].attrs["layer_names"]
        for layer in f["model_weights"]:
            f.move(f"model_weights/{layer}", layer)
        del f["model_weights"]
    with pytest.raises(ModelFileError, match="weights only"):
        load_keras(path)
    model = load_keras(path, config=Seq2SeqConfig(VE, VD, H))
    assert same(model, weights)


def test_a_keras_3_weights_file_with_a_config(tmp_path, weights):
    path = tmp_path / "model.weights.h5"
    write_weights_h5(path, weights)
    model = load_keras(path, config=Seq2SeqConfig(VE, VD, H, seed=1))
    assert same(model, weights) and model.config.seed == 1
    with pytest.raises(ModelFileError, match="has shape"):
        load_keras(path, config=Seq2SeqConfig(VE, VD, H + 1))


def test_a_config_that_contradicts_the_files_architecture(tmp_path, weights):
    path = write_blog_h5(tmp_path / "s2s.h5", weights, VE, VD, H)
    with pytest.raises(ModelFileError, match="differs from the file's architecture: latent_dim 5"):
        load_keras(path, config=Seq2SeqConfig(VE, VD, H + 1, recurrent_activation="hard_sigmoid"))


def test_a_vocabulary_from_an_npseq2seq_model_file(tmp_path, weights):
    inputs, targets = number_word_pairs(num_samples=20, high=99, seed=0)
    from npseq2seq.text import CharVocab
    vocab = CharVocab.from_texts(inputs, targets, padding="zero")
    donor = tmp_path / "donor.npz"
    Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 3, vocab=vocab).save(donor)
    w = tutorial_weights(vocab.num_encoder_tokens, vocab.num_decoder_tokens, H)
    path = write_blog_h5(tmp_path / "s2s.h5", w, vocab.num_encoder_tokens, vocab.num_decoder_tokens, H)
    assert load_keras(path, vocab=donor).vocab == vocab
    (tmp_path / "v.json").write_text(json.dumps(vocab.to_config()))
    assert load_keras(path, vocab=tmp_path / "v.json").vocab == vocab
    with pytest.raises(ValueError, match=r"the file's decoder has 7 tokens, .*first 20 lines give"):
        ve = vocab.num_encoder_tokens
        load_keras(write_blog_h5(tmp_path / "x.h5", tutorial_weights(ve, 7, H), ve, 7, H),
                   data=write_pairs(tmp_path / "d.txt", inputs, targets), num_samples=20)


def test_keras_3_groups_without_their_name_attribute(tmp_path, weights):
    """Without ``vars``'s name metadata the groups are found by Keras's per-class counter
    over model.layers (saving_lib ``_get_unique_name``): layers named encoder, decoder and
    out are the groups lstm, lstm_1 and dense."""
    import io
    import zipfile

    from .fixtures import keras3_config, write_keras3

    text = json.dumps(keras3_config(VE, VD, H))
    for old, new in (('"lstm_1"', '"decoder"'), ('"lstm"', '"encoder"'), ('"dense"', '"out"')):
        text = text.replace(old, new)
    buffer = io.BytesIO()
    write_weights_h5(buffer, weights, names=(None, None, None))
    path = write_keras3(tmp_path / "old.keras", weights, VE, VD, H, config=json.loads(text),
                        weights_bytes=buffer.getvalue())
    with zipfile.ZipFile(path) as z, h5py.File(io.BytesIO(z.read("model.weights.h5"))) as f:
        assert "name" not in f["layers/lstm/cell/vars"].attrs
    assert same(load_keras(path), weights)
