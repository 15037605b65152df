"""RepeatSeq2Seq's model files: the round trip (every weight bit, the table, the input
width, the optimizer's slots of a checkpoint), ``translate`` on the loaded model, and the
errors: a file of the other model kind, a table or config that does not fit the weights."""
import numpy as np
import pytest

from npseq2seq import ModelFileError, Seq2Seq, load_model
from npseq2seq import io as npio
from npseq2seq.model import RepeatSeq2Seq
from npseq2seq.text import CharTable, CharVocab, TextTooLongError, UnknownTokenError, addition_pairs
from tests.io.test_io import config_of, rewrite, same_weights

WIDTH, DIGITS = 7, 3


@pytest.fixture(scope="module")
def trained():
    """Two decoder layers, reversed inputs, one epoch of Adam on 200 sums."""
    questions, answers = addition_pairs(200, seed=1)
    table = CharTable("0123456789+", reverse_input=True)
    model = RepeatSeq2Seq(len(table), len(table), DIGITS + 1, 12, num_layers=2, dtype="float64",
                          seed=2, input_length=WIDTH, table=table)
    model.compile("adam")
    x = table.one_hot(questions, WIDTH, reverse=True, dtype="float64")
    model.fit(x, table.one_hot(answers, DIGITS + 1, dtype="float64"), batch_size=32, epochs=1, verbose=0)
    return model, questions


def test_round_trip_keeps_every_bit_and_the_table(trained, tmp_path):
    model, questions = trained
    model.save(tmp_path / "m.npz")
    for loaded in (RepeatSeq2Seq.load(tmp_path / "m.npz"), load_model(tmp_path / "m.npz")):
        assert isinstance(loaded, RepeatSeq2Seq) and loaded.get_config() == model.get_config()
        assert same_weights(loaded, model) and [w.dtype for w in loaded.params] == [np.dtype("float64")] * 11
        assert loaded.table == model.table and loaded.table.reverse_input
        assert loaded.translate(questions[:20]) == model.translate(questions[:20])
        np.testing.assert_array_equal(loaded.predict_ids(loaded.table.encode(questions, WIDTH, True)),
                                      model.predict_ids(model.table.encode(questions, WIDTH, True)))
    assert config_of(tmp_path / "m.npz")["kind"] == "repeat"


def test_translate_reads_the_table_backwards_as_trained(trained):
    model, questions = trained
    ids = model.table.encode(questions[:5], WIDTH, reverse=True)
    assert model.translate(questions[:5]) == [model.table.decode(r).strip() for r in model.predict_ids(ids)]
    assert model.translate([]) == []
    with pytest.raises(TextTooLongError):
        model.translate(["12345+678"])
    assert len(model.translate(["12345+678"], truncate=True)) == 1
    with pytest.raises(UnknownTokenError):
        model.translate(["1-2"])
    assert model.translate(["1-2"], errors="ignore") == model.translate(["12"])
    with pytest.raises(ValueError, match="translate needs"):
        RepeatSeq2Seq(12, 12, 4, 8).translate(["1+2"])
    with pytest.raises(ValueError, match="input_length"):      # the width the model was built for
        model.predict(model.table.one_hot(["1+2"], 5))


def test_a_checkpoint_keeps_the_optimizer_slots(trained, tmp_path):
    model, _ = trained
    npio.save_checkpoint(model, tmp_path / "c.npz", epoch=1, history={"loss": [1.0]})
    loaded, state = npio.load_checkpoint(tmp_path / "c.npz")
    assert state["epoch"] == 1 and type(loaded.optimizer) is type(model.optimizer)
    for key, value in model.optimizer.get_state().items():
        np.testing.assert_array_equal(loaded.optimizer.get_state()[key], value)


def test_the_other_kind_is_a_clear_error(trained, tmp_path):
    model, _ = trained
    model.save(tmp_path / "repeat.npz")
    with pytest.raises(ModelFileError, match=r"holds a RepeatSeq2Seq \(kind 'repeat'\), not a Seq2Seq"):
        Seq2Seq.load(tmp_path / "repeat.npz")
    vocab = CharVocab.from_texts(["ab"], ["cd"])
    Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 4, vocab=vocab).save(tmp_path / "s.npz")
    assert config_of(tmp_path / "s.npz")["kind"] == "seq2seq"
    with pytest.raises(ModelFileError, match=r"holds a Seq2Seq \(kind 'seq2seq'\), not a RepeatSeq2Seq"):
        RepeatSeq2Seq.load(tmp_path / "s.npz")
    # a file written before the kind existed holds a Seq2Seq
    old = rewrite(tmp_path / "s.npz", tmp_path / "old.npz", config=lambda c: c.pop("kind"))
    assert isinstance(load_model(old), Seq2Seq)
    with pytest.raises(ModelFileError, match="holds a Seq2Seq"):
        RepeatSeq2Seq.load(old)


@pytest.mark.parametrize("edit, message", [
    (lambda c: c.update(kind="transformer"), "unknown model kind 'transformer'"),
    (lambda c: c.update(kind="seq2seq"), "invalid model config"),        # a repeat config read as a Seq2Seq's
    (lambda c: c["model"].update(latent_dim=10 ** 6), "at least"),
    (lambda c: c["model"].update(colour="red"), "unknown model config keys"),
    (lambda c: c["model"].update(input_length=0), "input_length"),
    (lambda c: c["vocab"].update(chars="0123456789 "), "the table has 11 characters"),
    (lambda c: c["vocab"].update(chars="0123456789+"), "padding space"),
    (lambda c: c["vocab"].update(reverse_input="yes"), "reverse_input"),
    (lambda c: c.update(weights=c["weights"][::-1]), "weight names"),
])
def test_a_repeat_file_that_does_not_fit_is_refused(trained, tmp_path, edit, message):
    model, _ = trained
    model.save(tmp_path / "m.npz")
    bad = rewrite(tmp_path / "m.npz", tmp_path / "bad.npz", config=edit)
    with pytest.raises(ModelFileError, match=message):
        load_model(bad)
