"""``npseq2seq import-keras`` and ``npseq2seq translate --model x.keras``: the vocabulary's
flags, the translations (those of the same weights in a Seq2Seq built directly), the
mismatch of a wrong ``--num-samples`` named, and errors as one line with exit status 2."""
from __future__ import annotations

import json

import numpy as np
import pytest

from npseq2seq import Seq2Seq, Seq2SeqConfig, load_model
from npseq2seq.cli import main
from npseq2seq.text import CharVocab, number_word_pairs

from .fixtures import tutorial_weights, write_blog_h5, write_keras3
from .helpers import write_pairs

N = 30


@pytest.fixture
def files(tmp_path):
    inputs, targets = number_word_pairs(num_samples=N + 10, high=99, seed=2)
    data = write_pairs(tmp_path / "numbers.txt", inputs, targets)
    vocab = CharVocab.from_texts(inputs[:N], targets[:N])
    weights = tutorial_weights(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 5, seed=3)
    keras_file = write_keras3(tmp_path / "s2s_model.keras", weights, vocab.num_encoder_tokens,
                              vocab.num_decoder_tokens, 5)
    expected = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 5, vocab=vocab)
    expected.set_weights(weights)
    return dict(data=data, keras=keras_file, inputs=inputs[:N], targets=targets[:N], vocab=vocab, expected=expected, weights=weights)


def test_import_keras_writes_a_model_file_that_translates(files, tmp_path, capsys):
    out = tmp_path / "model.npz"
    assert main(["import-keras", str(files["keras"]), "--data", str(files["data"]), "--num-samples", str(N),
                 "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    model = load_model(out)
    assert model.vocab == files["vocab"]
    for a, b in zip(model.get_weights(), files["weights"]):
        assert np.array_equal(a, b)
    texts = files["inputs"][:6]
    assert model.translate(texts) == files["expected"].translate(texts)


def test_translate_reads_a_keras_file_directly(files, capsys):
    texts = files["inputs"][:4]
    assert main(["translate", "--model", str(files["keras"]), "--data", str(files["data"]),
                 "--num-samples", str(N), *texts]) == 0
    assert capsys.readouterr().out.splitlines() == files["expected"].translate(texts)


def test_translate_with_a_vocabulary_file(files, tmp_path, capsys):
    vocab_file = tmp_path / "vocab.json"
    vocab_file.write_text(json.dumps(files["vocab"].to_config()))
    texts = files["inputs"][:2]
    assert main(["translate", "--model", str(files["keras"]), "--vocab", str(vocab_file), *texts]) == 0
    assert capsys.readouterr().out.splitlines() == files["expected"].translate(texts)


def test_a_wrong_num_samples_is_named(files, capsys):
    """Fewer lines give fewer characters: the message says how many each side has."""
    status = main(["translate", "--model", str(files["keras"]), "--data", str(files["data"]),
                   "--num-samples", "3", "one"])
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert "the file's encoder has" in err and "first 3 lines give" in err and "Traceback" not in err


def test_the_2017_blogs_s2s_h5_translates(files, tmp_path, capsys):
    """Keras 2.0's layout, hard_sigmoid gates and zero padding (the blog's), all taken from
    the file: the same strings as a Seq2Seq built with that config and those weights."""
    vocab = CharVocab.from_texts(files["inputs"], files["targets"], padding="zero")
    weights = tutorial_weights(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 5, seed=4)
    path = write_blog_h5(tmp_path / "s2s.h5", weights, vocab.num_encoder_tokens, vocab.num_decoder_tokens, 5)
    texts = files["inputs"][:5]
    assert main(["translate", "--model", str(path), "--data", str(files["data"]), "--num-samples", str(N),
                 *texts]) == 0
    expected = Seq2Seq(Seq2SeqConfig(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 5,
                                     recurrent_activation="hard_sigmoid"), vocab=vocab)
    expected.set_weights(weights)
    assert capsys.readouterr().out.splitlines() == expected.translate(texts)


@pytest.mark.parametrize("argv, message", [
    (["--vocab", "v.json", "--data", "d.txt"], "pass one of them"),
    (["--num-samples", "5"], "pass --data too"),
    (["--padding", "zero"], "pass --data too"),
])
def test_flags_that_do_not_fit_together(files, tmp_path, capsys, argv, message):
    status = main(["import-keras", str(files["keras"]), "--out", str(tmp_path / "m.npz"), *argv])
    assert status == 2 and message in capsys.readouterr().err


def test_keras_flags_with_an_npz_model_are_refused(files, tmp_path, capsys):
    out = tmp_path / "model.npz"
    files["expected"].save(out)
    status = main(["translate", "--model", str(out), "--data", str(files["data"]), "one"])
    assert status == 2 and "for a Keras model file" in capsys.readouterr().err


def test_data_lines_when_num_samples_means_samples(files, capsys):
    """With --sample, --num-samples is samples per input: --data-lines counts the data."""
    assert main(["translate", "--model", str(files["keras"]), "--data", str(files["data"]), "--data-lines", str(N),
                 "--sample", "temperature", "--seed", "1", "--num-samples", "2", "one"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith("1\t") for line in lines)
    status = main(["translate", "--model", str(files["keras"]), "--data", str(files["data"]), "--data-lines", str(N),
                   "--num-samples", str(N), "one"])
    assert status == 2 and "pass one" in capsys.readouterr().err
