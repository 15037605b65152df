"""Every weight is C-contiguous, however the model got it (issue 16).

OpenBLAS rounds ``h @ U`` differently for a row-major and a column-major U (and runs the
row-major one faster: ``ops.orthogonal``'s docstring), so a model's trained numbers would
depend on where its weights came from if the layouts could differ. They cannot: weights
are created C-contiguous and ``set_weights`` (which loading goes through) writes in place.
"""
import numpy as np
import pytest

from npseq2seq import Seq2Seq
from npseq2seq import io as npio
from npseq2seq.text import CharVocab, number_word_pairs, vectorize

KINDS = [dict(cell="lstm"), dict(cell="gru"), dict(cell="gru", reset_after=False),
         dict(cell="lstm", num_layers=2, bidirectional=True), dict(cell="lstm", attention="luong"),
         dict(cell="lstm", level="word", mask_zero=True)]


def _data():
    pairs = number_word_pairs(24, seed=4)
    vocab = CharVocab.from_texts(*pairs)
    return vocab, vectorize(*pairs, vocab)


def _new(vocab, seed=3, **kind):
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 6, seed=seed, vocab=vocab, **kind)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    return model


def _assert_c_contiguous(model, how):
    bad = [name for name, w in zip(model.param_names(), model.params) if not w.flags.c_contiguous]
    assert not bad, f"{how}: not C-contiguous: {bad}"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: "-".join(f"{v}" for v in k.values()))
def test_every_weight_is_c_contiguous_after_init_and_set_weights(kind):
    model = Seq2Seq(7, 9, 5, seed=0, **kind)
    _assert_c_contiguous(model, "after init")
    # weights handed in column-major (as QR, or a Keras file read as transposes, give them)
    model.set_weights([np.asfortranarray(w + 1) for w in model.get_weights()])
    _assert_c_contiguous(model, "after set_weights")


def test_layout_after_load_and_training_a_reloaded_model_gives_the_same_bits(tmp_path):
    from npseq2seq.checkpointing import Checkpointer

    vocab, (enc, dec, tgt) = _data()
    fresh, saved = _new(vocab), _new(vocab)
    saved.save(tmp_path / "m.npz")
    loaded = npio.load_model(tmp_path / "m.npz")
    loaded.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    _assert_c_contiguous(loaded, "after load_model")
    fit = dict(batch_size=8, epochs=2, verbose=0, shuffle=False)
    fresh.fit([enc, dec], tgt, **fit)
    loaded.fit([enc, dec], tgt, **fit)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(fresh.get_weights(), loaded.get_weights()))

    path = tmp_path / "run.ckpt.npz"
    _new(vocab).fit([enc, dec], tgt, batch_size=8, epochs=1, verbose=0, callbacks=[Checkpointer(path, every=1)])
    model, _ = npio.load_checkpoint(path)
    _assert_c_contiguous(model, "after load_checkpoint")
