"""The checkpoint writer (``checkpointing.Checkpointer``) as a Python user drives it: a ``fit``
callback that keeps the last completed epoch in memory, writes it every N epochs or when
asked, and lets a run resume to the same bits as an uninterrupted one."""
import numpy as np
import pytest

from npseq2seq import Callback, RMSprop, Seq2Seq
from npseq2seq import io as npio
from npseq2seq.checkpointing import Checkpointer
from npseq2seq.text import CharVocab, number_word_pairs, vectorize

# 40 pairs, 32 for training in 4 batches of 8, latent_dim 8: a few milliseconds an epoch
FIT = {"batch_size": 8, "validation_split": 0.2, "verbose": 0}


@pytest.fixture(scope="module")
def arrays():
    pairs = number_word_pairs(40, seed=3)
    vocab = CharVocab.from_texts(*pairs)
    enc, dec, tgt = vectorize(*pairs, vocab)
    return vocab, [enc, dec], tgt


def new_model(vocab):
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 8, seed=5, vocab=vocab)
    model.compile(optimizer=RMSprop(learning_rate=0.01), loss="categorical_crossentropy")
    return model


def assert_same_state(model, other):
    assert all(a.tobytes() == b.tobytes() for a, b in zip(model.get_weights(), other.get_weights()))
    slots, other_slots = model.optimizer.get_state(), other.optimizer.get_state()
    assert sorted(slots) == sorted(other_slots)
    assert all(slots[k].tobytes() == other_slots[k].tobytes() for k in slots)
    assert model.rng.bit_generator.state == other.rng.bit_generator.state


def test_is_a_keras_shaped_callback_that_writes_every_n_epochs(arrays, tmp_path):
    vocab, x, y = arrays
    model, path = new_model(vocab), tmp_path / "run.ckpt.npz"
    ckpt = Checkpointer(path, every=2, note="hello")
    assert isinstance(ckpt, Callback)
    written = []

    class Watch(Callback):                       # after the Checkpointer: sees its file
        def on_epoch_end(self, epoch, logs=None):
            written.append(npio.load_checkpoint(path)[1]["epoch"] if path.exists() else None)

    history = model.fit(x, y, epochs=3, callbacks=[ckpt, Watch()], **FIT)
    assert written == [None, 2, 2]               # epochs 1, 2, 3: written after the 2nd only
    assert ckpt.epoch == 3 and ckpt.history == history.history
    loaded, state = npio.load_checkpoint(path)
    assert state["epoch"] == 2 and state["note"] == "hello"
    assert state["history"] == {k: v[:2] for k, v in history.history.items()}
    ckpt.save()                                  # now the last completed epoch: the model itself
    loaded, state = npio.load_checkpoint(path)
    assert state["epoch"] == 3 and state["history"] == history.history
    assert_same_state(model, loaded)


def test_an_interrupt_mid_epoch_saves_the_last_completed_epoch(arrays, tmp_path):
    vocab, x, y = arrays
    model, path = new_model(vocab), tmp_path / "run.ckpt.npz"
    after_epoch_1 = {}

    class Interrupt(Callback):
        def on_epoch_end(self, epoch, logs=None):
            after_epoch_1.setdefault("weights", self.model.get_weights())

        def on_train_batch_end(self, batch, logs=None):
            if len(after_epoch_1) and batch == 1:     # epoch 2, its weights already changed twice
                raise KeyboardInterrupt

    ckpt = Checkpointer(path)                     # every=None: written only when asked
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=5, callbacks=[ckpt, Interrupt()], **FIT)
    assert not path.exists() and ckpt.describe() == "epoch 1"
    ckpt.save()
    loaded, state = npio.load_checkpoint(path)
    assert state["epoch"] == 1
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), after_epoch_1["weights"]))
    assert not all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), model.get_weights()))


def test_before_any_epoch_it_saves_the_starting_state(arrays, tmp_path):
    vocab, _, _ = arrays
    model, path = new_model(vocab), tmp_path / "run.ckpt.npz"
    ckpt = Checkpointer(path)
    with pytest.raises(RuntimeError, match="nothing to save yet"):
        ckpt.save()
    ckpt.set_model(model)
    assert ckpt.describe() == "the state before epoch 1 (no epoch completed)"
    ckpt.save()
    loaded, state = npio.load_checkpoint(path)
    assert state["epoch"] == 0 and state["history"] == {}
    assert_same_state(model, loaded)


def test_a_resumed_run_ends_bit_equal_to_an_uninterrupted_one(arrays, tmp_path):
    vocab, x, y = arrays
    whole = new_model(vocab)
    whole_history = whole.fit(x, y, epochs=4, **FIT)
    path = tmp_path / "run.ckpt.npz"
    new_model(vocab).fit(x, y, epochs=2, callbacks=[Checkpointer(path, every=1)], **FIT)
    model, state = npio.load_checkpoint(path)
    ckpt = Checkpointer(path, every=1, initial_epoch=state["epoch"], history=state["history"])
    model.fit(x, y, epochs=4, initial_epoch=state["epoch"], callbacks=[ckpt], **FIT)
    assert_same_state(whole, model)
    _, state = npio.load_checkpoint(path)
    assert state["epoch"] == 4 and state["history"] == whole_history.history
    ckpt.save(tmp_path / "final.npz")            # another path: the CLI's --out
    assert_same_state(whole, npio.load_checkpoint(tmp_path / "final.npz")[0])
