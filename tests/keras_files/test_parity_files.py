"""Files written by Keras 3 itself (``model.save("x.keras")`` and ``model.save("x.h5")``),
read by ``load_keras`` in a process where TensorFlow and Keras cannot be imported: the
weights are bit-equal to Keras's ``get_weights()``, and the translations are the strings
Keras's own greedy loop (reference's ``decode_sequence`` / ``decode_word_sequence`` on the
inference models built from the same layers) decodes from the same inputs.

Every kind of model npseq2seq has, built with reference/'s builders (as a Keras user
writes them), its weights all drawn at random (biases included) so that decoding depends
on every array; float32 and float64. The vocabulary is rebuilt from a data file of the
pairs (``data=``), as a user of the tutorial would.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from npseq2seq.text import CharVocab, WordVocab, number_word_pairs, vectorize, vectorize_words

from .helpers import assert_bit_equal, read_without_tensorflow, write_pairs

pytestmark = pytest.mark.parity

# name -> (builder, its arguments); "level" and "padding" say how the data is vectorised
KINDS = {
    "char-lstm": dict(builder="char", cell="lstm"),
    "char-gru": dict(builder="char", cell="gru"),
    "word-lstm-mask_zero": dict(builder="word", cell="lstm", mask_zero=True),
    "word-gru": dict(builder="word", cell="gru", mask_zero=False),
    "luong-lstm": dict(builder="attention", cell="lstm", attention="luong"),
    "additive-gru": dict(builder="attention", cell="gru", attention="additive"),
    "additive-word-mask_zero": dict(builder="attention", cell="lstm", attention="additive", level="word",
                                    mask_zero=True),
    "stack2-lstm": dict(builder="deep", cell="lstm", num_layers=2),
    "bi2-gru-attention": dict(builder="deep", cell="gru", num_layers=2, bidirectional=True, attention=True),
    "bi-word-lstm-mask_zero": dict(builder="deep", cell="lstm", num_layers=1, bidirectional=True, level="word",
                                   mask_zero=True),
    "luong-word-output-dropout": dict(builder="deep", cell="lstm", num_layers=1, attention=True, level="word",
                                      mask_zero=True, output_dropout=0.3),
    "bi2-word-word-dropout": dict(builder="deep", cell="gru", num_layers=2, bidirectional=True, level="word",
                                  mask_zero=True, word_dropout=0.2),
    "masking-lstm": dict(builder="masking", cell="lstm"),
    "masking-gru": dict(builder="masking", cell="gru"),
}
FAST = ("char-lstm", "bi2-gru-attention")
LATENT = 6


def kinds():
    return [pytest.param(k, marks=() if k in FAST else pytest.mark.slow) for k in KINDS]


def _build(keras, spec, ve, vd):
    """(training model, encoder_model, decoder_model) of a kind, from reference/."""
    import reference
    from reference.attention import build_attention_inference_models, build_attention_training_model
    from reference.deep import build_deep_inference_models, build_deep_training_model
    from reference.masking import build_masked_inference_models, build_masked_training_model

    args = {k: v for k, v in spec.items() if k != "builder"}
    kind = spec["builder"]
    if kind == "char":
        km = reference.build_training_model(ve, vd, LATENT, **args)
        return (km, *reference.build_inference_models(km))
    if kind == "word":
        km = reference.build_word_training_model(ve, vd, LATENT, **args)
        return (km, *reference.build_word_inference_models(km))
    if kind == "attention":
        km = build_attention_training_model(ve, vd, LATENT, **args)
        return (km, *build_attention_inference_models(km))
    if kind == "deep":
        km = build_deep_training_model(ve, vd, LATENT, **args)
        return (km, *build_deep_inference_models(km))
    km = build_masked_training_model(ve, vd, LATENT, **args)
    return (km, *build_masked_inference_models(km))


def _randomise(km, word: bool, seed: int = 0):
    """Every array drawn from N(0, 0.7²), biases included. At word level the Dense bias of
    PAD (id 0) is lowered by 30 so greedy decoding never feeds PAD back (a fed-back PAD is
    a skipped step for npseq2seq's mask_zero decoder and a real one for Keras's one-step
    decoder model; tests/model/test_parity_variants.py)."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0.0, 0.7, w.shape).astype(w.dtype) for w in km.get_weights()]
    if word:
        weights[-1][0] -= 30.0
    km.set_weights(weights)
    return km.get_weights()


def _keras_translations(spec, vocab, k_enc, k_dec, inputs, targets, dtype):
    """Keras's greedy loop on its inference models, as strings (with the end character at
    character level, as translate(keep_end=True) returns them)."""
    from reference import decode_sequence, decode_word_sequence

    if spec.get("level") == "word" or spec["builder"] == "word":
        enc = vectorize_words(inputs, targets, vocab)[0]
        return [vocab.decode(decode_word_sequence(enc[i:i + 1], k_enc, k_dec, vocab.start_id, vocab.stop_id,
                                                  vocab.max_decoder_seq_length)) for i in range(len(enc))]
    enc = vectorize(inputs, targets, vocab, dtype=dtype)[0]
    return [decode_sequence(enc[i:i + 1], k_enc, k_dec, vocab.target_token_index, vocab.reverse_target_char_index,
                            vocab.max_decoder_seq_length, vocab.num_decoder_tokens) for i in range(len(enc))]


@pytest.mark.parametrize("kind", kinds())
def test_keras_files_read_without_tensorflow(keras, keras_floatx, kind, tmp_path):
    spec = KINDS[kind]
    word = spec.get("level") == "word" or spec["builder"] == "word"
    inputs, targets = number_word_pairs(num_samples=40, high=99, seed=1)
    data = write_pairs(tmp_path / "numbers.txt", inputs, targets)
    if word:
        vocab = WordVocab.from_texts(inputs, targets)
    else:        # Masking reads zero padding: the 2017 blog's all-zero rows
        vocab = CharVocab.from_texts(inputs, targets, padding="zero" if spec["builder"] == "masking" else "space")
    keras.utils.set_random_seed(0)
    km, k_enc, k_dec = _build(keras, spec, vocab.num_encoder_tokens, vocab.num_decoder_tokens)
    some = list(range(0, len(inputs), 4))
    for seed in range(5):    # the first weights whose translations depend on the input
        theirs = _randomise(km, word, seed)
        expected = _keras_translations(spec, vocab, k_enc, k_dec, [inputs[i] for i in some],
                                       [targets[i] for i in some], keras_floatx)
        if len(set(expected)) > 1:
            break
    assert len(set(expected)) > 1, "decoding does not depend on the input: the check would prove little"
    km.save(tmp_path / "s2s_model.keras")
    km.save(tmp_path / "s2s.h5")
    texts = [inputs[i] for i in some]
    jobs = [{"path": str(tmp_path / name), "kwargs": {"data": str(data)}, "texts": texts}
            for name in ("s2s_model.keras", "s2s.h5")]
    for name, result in zip(("s2s_model.keras", "s2s.h5"), read_without_tensorflow(tmp_path, jobs)):
        assert "error" not in result, result.get("error")
        assert_bit_equal(result["weights"], theirs, f"{kind} {name}")
        assert result["config"]["dtype"] == keras_floatx
        assert result["config"]["output_dropout"] == spec.get("output_dropout", 0.0)   # Dropout before Dense
        assert result["config"]["word_dropout"] == spec.get("word_dropout", 0.0)       # after the Embeddings
        assert result["translations"] == expected, name


def test_the_faqs_model_without_teacher_forcing_is_refused_for_its_lambda(keras, tmp_path):
    """The FAQ's model concatenates its outputs in a Lambda: Keras stores marshalled
    bytecode for it, which npseq2seq refuses to run (Keras too, unless safe_mode=False)."""
    import reference
    from npseq2seq import ModelFileError, load_keras

    km = reference.build_no_teacher_forcing_model(5, 6, 3, latent_dim=4)
    km.save(tmp_path / "ntf.keras")
    with pytest.raises(ModelFileError, match=r"ntf.keras: config.json: layer 'lambda\w*' \(class_name 'Lambda'\) "
                                             "holds Python code"):
        load_keras(tmp_path / "ntf.keras")


def test_save_weights_with_the_config_and_the_hand_written_fixture(keras, tmp_path):
    """``save_weights("x.weights.h5")`` read with the model's Seq2SeqConfig; and the
    h5py-written ``.keras`` of fixtures.py (the bad-file tests' base) has the datasets, shapes
    and layer classes Keras writes."""
    import zipfile

    import h5py

    import reference
    from npseq2seq import Seq2SeqConfig, load_keras

    from .fixtures import keras3_config, tutorial_weights, write_keras3

    km = reference.build_training_model(5, 6, 4)
    theirs = _randomise(km, word=False)
    km.save_weights(tmp_path / "s2s.weights.h5")
    model = load_keras(tmp_path / "s2s.weights.h5", config=Seq2SeqConfig(5, 6, 4))
    assert_bit_equal(model.get_weights(), theirs, "save_weights")
    km.save(tmp_path / "real.keras")
    write_keras3(tmp_path / "fixture.keras", tutorial_weights(5, 6, 4), 5, 6, 4)

    def datasets(path):
        with zipfile.ZipFile(path) as z, h5py.File(__import__("io").BytesIO(z.read("model.weights.h5"))) as f:
            found = {}
            f.visititems(lambda name, obj: found.__setitem__(name, obj.shape) if isinstance(obj, h5py.Dataset)
                         else None)
            return {k: v for k, v in found.items() if k.startswith("layers/")}, \
                [layer["class_name"] for layer in json.loads(z.read("config.json"))["config"]["layers"]]

    real, fixture = datasets(tmp_path / "real.keras"), datasets(tmp_path / "fixture.keras")
    assert real == fixture
    ours = keras3_config(5, 6, 4)["config"]["output_layers"]
    real_outputs = json.loads(zipfile.ZipFile(tmp_path / "real.keras").read("config.json"))["config"]["output_layers"]
    assert [type(v) for v in ours] == [type(v) for v in real_outputs] and ours[1:] == real_outputs[1:]
