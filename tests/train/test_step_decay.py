"""``StepDecay``, the learning rate that falls by a factor each epoch from a given epoch on
(Luong et al. 2015's halving), through ``LearningRateScheduler``: its rates, its arguments,
a fit that is bit for bit the plain fit until the decay starts, and a resumed fit that is
the uninterrupted one. (Keras's own LearningRateScheduler, driven with the same schedule,
sets the same rates: tests/train/test_parity_callbacks.py.)"""
import re

import numpy as np
import pytest

from npseq2seq import RMSprop, Seq2Seq
from npseq2seq import io as npio
from npseq2seq.callbacks import LearningRateScheduler, StepDecay
from tests.gradutil import random_batch


def test_the_rates_fall_from_the_named_epoch_on():
    schedule = StepDecay(0.01, decay_from=3, factor=0.5)
    lr_in = 0.0123   # what the optimizer holds: passed through until the decay starts
    assert [schedule(epoch, lr_in) for epoch in range(5)] == [lr_in, lr_in, 0.005, 0.0025, 0.00125]
    assert StepDecay(0.01, decay_from=1, factor=0.1)(0, 1.0) == pytest.approx(0.001, rel=1e-15)
    assert StepDecay(0.01, decay_from=2, factor=1)(9, 0.5) == 0.01     # factor 1: the initial rate
    assert "decay_from=3" in repr(schedule)


@pytest.mark.parametrize("kwargs, message", [
    (dict(initial_learning_rate=0.0, decay_from=2), "initial_learning_rate must be a positive finite float"),
    (dict(initial_learning_rate=float("inf"), decay_from=2), "initial_learning_rate must be a positive"),
    (dict(initial_learning_rate=0.1, decay_from=0), "decay_from must be an epoch number >= 1"),
    (dict(initial_learning_rate=0.1, decay_from=2.0), "decay_from must be an epoch number >= 1"),
    (dict(initial_learning_rate=0.1, decay_from=2, factor=0.0), "factor must be a float in (0, 1]"),
    (dict(initial_learning_rate=0.1, decay_from=2, factor=1.5), "factor must be a float in (0, 1]"),
    (dict(initial_learning_rate=True, decay_from=2), "initial_learning_rate must be a positive"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        StepDecay(**kwargs)


def _data():
    x_enc, x_dec, y = random_batch(np.random.default_rng(0), 24, 4, 3, 5, 6)
    return [x_enc, x_dec], y


def _model():
    model = Seq2Seq(5, 6, 4, seed=3)
    model.compile(RMSprop(learning_rate=0.01))
    return model


def _weights(model):
    return [w.copy() for w in model.params]


def test_a_fit_is_the_plain_fit_until_the_decay_starts_then_the_rates_fall():
    x, y = _data()
    plain, decayed = _model(), _model()
    plain.fit(x, y, batch_size=8, epochs=2, verbose=0)
    history = decayed.fit(x, y, batch_size=8, epochs=2, verbose=0,
                          callbacks=[LearningRateScheduler(StepDecay(0.01, decay_from=3))])
    assert all(a.tobytes() == b.tobytes() for a, b in zip(_weights(plain), _weights(decayed)))
    assert history.history["learning_rate"] == [float(np.float32(0.01))] * 2
    history = decayed.fit(x, y, batch_size=8, epochs=4, initial_epoch=2, verbose=0,
                          callbacks=[LearningRateScheduler(StepDecay(0.01, decay_from=3))])
    assert history.history["learning_rate"] == [float(np.float32(r)) for r in (0.005, 0.0025)]
    plain.fit(x, y, batch_size=8, epochs=4, initial_epoch=2, verbose=0)
    assert any(a.tobytes() != b.tobytes() for a, b in zip(_weights(plain), _weights(decayed)))


def test_a_run_resumed_from_a_checkpoint_is_the_uninterrupted_run(tmp_path):
    """The schedule reads the epoch, not the optimizer's stored (already lowered) rate."""
    x, y = _data()
    schedule = lambda: [LearningRateScheduler(StepDecay(0.01, decay_from=2, factor=0.3))]  # noqa: E731
    whole = _model()
    whole.fit(x, y, batch_size=8, epochs=4, verbose=0, callbacks=schedule())
    part = _model()
    history = part.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=schedule())
    npio.save_checkpoint(part, tmp_path / "part.npz", 3, history.history)
    resumed, state = npio.load_checkpoint(tmp_path / "part.npz")
    assert resumed.optimizer.learning_rate == pytest.approx(0.01 * 0.3 ** 2, rel=1e-6)
    resumed.fit(x, y, batch_size=8, epochs=4, initial_epoch=state["epoch"], verbose=0, callbacks=schedule())
    assert all(a.tobytes() == b.tobytes() for a, b in zip(_weights(whole), _weights(resumed)))
