"""``use_ema`` (optimizers/ema.py), Keras's moving average of the weights: the average each
step (replayed by hand), the overwrite every k-th step, a weight without a gradient still
averaged, the argument checks, the state a checkpoint keeps, and ``fit``: training reads
the weights (the same losses as without the average), and ends on the averages. (Against
Keras itself: tests/optimizers/test_parity.py, tests/train/test_parity_training.py.)"""
import numpy as np
import pytest

from npseq2seq import RMSprop, Seq2Seq
from npseq2seq import io as npio
from npseq2seq.callbacks import Callback
from npseq2seq.optimizers import SGD, Adam
from tests.gradutil import random_batch


def _steps(opt, n=5, dtype="float32", seed=0, skip=None):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s).astype(dtype) for s in [(3,), (4, 5)]]
    seen = []
    for step in range(n):
        grads = [rng.standard_normal(p.shape).astype(dtype) for p in params]
        if skip is not None:
            grads[skip] = None
        opt.update(params, grads)
        seen.append([p.copy() for p in params])
    return params, seen


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_average_is_keras_formula_replayed(dtype):
    opt = SGD(0.1, use_ema=True, ema_momentum=0.7)
    params, seen = _steps(opt, dtype=dtype)
    m = np.dtype(dtype).type(0.7)
    replay = [w.copy() for w in seen[0]]                     # the first step's average: the weights
    for weights in seen[1:]:
        replay = [m * a + (np.dtype(dtype).type(1) - m) * w for a, w in zip(replay, weights)]
    state = opt.get_state()
    assert list(state)[2:4] == ["average_0", "average_1"]   # before the rule's slots, as Keras
    assert all(replay[i].tobytes() == state[f"average_{i}"].tobytes() for i in range(2))
    assert all(a.tobytes() == b.tobytes() for a, b in zip(params, seen[-1]))   # the weights untouched


def test_the_weights_become_the_average_every_kth_step_and_at_finalize():
    opt = RMSprop(0.01, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2)
    params, seen = _steps(opt, n=4)
    averages = [opt.get_state()[f"average_{i}"] for i in range(2)]
    assert all(np.array_equal(p, a) for p, a in zip(params, averages))   # step 4: overwritten
    plain = RMSprop(0.01, use_ema=True, ema_momentum=0.5)
    params, _ = _steps(plain, n=3)
    averages = [plain.get_state()[f"average_{i}"] for i in range(2)]
    assert not np.array_equal(params[1], averages[1])
    plain.finalize_variable_values(params)
    assert all(np.array_equal(p, a) for p, a in zip(params, averages))
    with pytest.raises(ValueError, match="length of model variables \\(1\\) to override"):
        plain.finalize_variable_values(params[:1])


def test_a_weight_without_a_gradient_is_still_averaged():
    opt = Adam(use_ema=True, ema_momentum=0.5)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        params, seen = _steps(opt, n=2, skip=0)
    assert np.array_equal(seen[0][0], seen[1][0])           # not stepped
    assert np.array_equal(opt.get_state()["average_0"], seen[1][0])   # averaged: still itself


def test_finalize_before_any_update_leaves_the_weights():
    params = [np.ones(3, "float32")]
    RMSprop(use_ema=True).finalize_variable_values(params)
    assert np.array_equal(params[0], np.ones(3))


@pytest.mark.parametrize("kwargs, message", [
    (dict(use_ema=1), "Argument `use_ema` must be a bool"),
    (dict(use_ema=True, ema_momentum=1.5), "`ema_momentum` must be in the range \\[0, 1\\]"),
    (dict(use_ema=True, ema_overwrite_frequency=0), "`ema_overwrite_frequency` must be an integer >= 1"),
    (dict(use_ema=True, ema_overwrite_frequency=2.0), "`ema_overwrite_frequency` must be an integer >= 1"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RMSprop(**kwargs)


class RawWeights(Callback):
    """The weights at each epoch's end (before fit's finalize)."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append([p.copy() for p in self.model.params])


def test_fit_trains_on_the_weights_and_ends_on_the_averages(tmp_path):
    x_enc, x_dec, y = random_batch(np.random.default_rng(0), 24, 4, 3, 5, 6)
    models, raws = [], []
    for use_ema in (False, True):
        model = Seq2Seq(5, 6, 4, seed=3)
        model.compile(RMSprop(0.01, use_ema=use_ema, ema_momentum=0.9))
        raw = RawWeights()
        history = model.fit([x_enc, x_dec], y, batch_size=8, epochs=3, verbose=0, callbacks=[raw])
        models.append((model, history.history["loss"]))
        raws.append(raw.seen)
    (plain, plain_losses), (ema, ema_losses) = models
    assert plain_losses == ema_losses                        # training never read the average
    assert all(a.tobytes() == b.tobytes() for a, b in zip(plain.params, raws[1][-1]))
    averages = ema.optimizer.get_state()
    assert all(np.array_equal(w, averages[f"average_{i}"]) for i, w in enumerate(ema.params))
    assert any(not np.array_equal(a, b) for a, b in zip(plain.params, ema.params))
    npio.save_checkpoint(ema, tmp_path / "m.npz", 3, {})     # the averages travel with the model
    again, _ = npio.load_checkpoint(tmp_path / "m.npz")
    assert again.optimizer.get_config() == ema.optimizer.get_config()
    state = again.optimizer.get_state()
    assert all(np.array_equal(state[k], v) for k, v in averages.items())


def test_a_run_resumed_from_an_epochs_checkpoint_is_the_uninterrupted_run(tmp_path):
    x_enc, x_dec, y = random_batch(np.random.default_rng(1), 24, 4, 3, 5, 6)

    def model():
        m = Seq2Seq(5, 6, 4, seed=3)
        m.compile(RMSprop(0.01, use_ema=True, ema_momentum=0.9))
        return m

    whole = model()
    whole.fit([x_enc, x_dec], y, batch_size=8, epochs=3, verbose=0)

    class SaveAt(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                npio.save_checkpoint(self.model, tmp_path / "c.npz", 2, {})

    model().fit([x_enc, x_dec], y, batch_size=8, epochs=3, verbose=0, callbacks=[SaveAt()])
    resumed, state = npio.load_checkpoint(tmp_path / "c.npz")
    resumed.fit([x_enc, x_dec], y, batch_size=8, epochs=3, initial_epoch=state["epoch"], verbose=0)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(whole.params, resumed.params))
