"""optimizers/base.py on its own (NumPy only): slots, dtypes and in-place updates,
iterations, the state round trip, bad updates and states, and large parameters updated in
pieces with the same bits."""
import json

import numpy as np
import pytest

from npseq2seq import optimizers as opt
from npseq2seq.optimizers import SGD, Adam, Optimizer, RMSprop, base


def _params(dtype="float64", seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((3,)).astype(dtype), rng.standard_normal((2, 4)).astype(dtype)]


def _grads(dtype="float64", seed=1):
    return _params(dtype, seed)



# --- slots, dtypes, in-place updates ----------------------------------------------------

@pytest.mark.parametrize("o,slots", [
    (SGD(), []), (SGD(momentum=0.9), ["momentum"]),
    (RMSprop(), ["velocity"]),
    (RMSprop(momentum=0.5, centered=True), ["velocity", "momentum", "average_gradient"]),
    (Adam(), ["momentum", "velocity"]), (Adam(amsgrad=True), ["momentum", "velocity", "velocity_hat"]),
])
def test_slots_are_created_lazily_in_keras_order(o, slots):
    params = _params()
    assert list(o.get_state()) == ["iterations", "learning_rate"] and not o.built
    o.update(params, _grads())
    keys = list(o.get_state())[2:]
    if o.__class__ is Adam:   # one build call for momentum+velocity: interleaved
        expected = ["momentum_0", "velocity_0", "momentum_1", "velocity_1"]
        expected += [f"velocity_hat_{i}" for i in range(2)] if len(slots) == 3 else []
    else:                     # one call per slot name
        expected = [f"{s}_{i}" for s in slots for i in range(2)]
    assert keys == expected
    for key in keys:
        p = params[int(key.rsplit("_", 1)[1])]
        assert o.get_state()[key].shape == p.shape and o.get_state()[key].dtype == p.dtype


def test_build_makes_zero_slots():
    o = Adam()
    o.build(_params("float32"))
    state = o.get_state()
    assert state["iterations"] == 0
    for key in list(state)[2:]:
        assert state[key].dtype == np.float32 and not state[key].any()


@pytest.mark.parametrize("make", [lambda: SGD(momentum=0.9, nesterov=True),
                                  lambda: RMSprop(centered=True, momentum=0.9),
                                  lambda: Adam(amsgrad=True)])
def test_float32_stays_float32_and_updates_in_place(make):
    params = _params("float32")
    held = list(params)                      # what a model holds
    before = [p.copy() for p in params]
    o = make()
    o.update(params, _grads("float64"))      # float64 gradients are cast to float32
    for p, h, b in zip(params, held, before):
        assert p is h and p.dtype == np.float32 and not np.array_equal(p, b)
    for v in list(o.get_state().values())[2:]:
        assert v.dtype == np.float32


def test_float32_step_is_computed_in_float32():
    w32, g32 = np.array([1.0], np.float32), np.array([0.3], np.float32)
    RMSprop().update([w32], [g32])
    f = np.float32
    v = f(0.9) * f(0) + f(1 - 0.9) * g32 * g32
    assert w32[0] == (f(1.0) - f(0.001) * g32 / np.sqrt(v + f(1e-7)))[0]


def test_iterations_and_apply_gradients_alias():
    a, b = _params(), _params()
    o1, o2 = Adam(), Adam()
    for step in range(3):
        assert o1.update(a, _grads(seed=step)) == step + 1
        assert o2.apply_gradients(zip(_grads(seed=step), b)) == step + 1
    assert o1.iterations == o2.iterations == 3
    for x, y in zip(a, b):
        assert np.array_equal(x, y)


def test_none_gradient_leaves_its_parameter_alone():
    params = _params()
    before = [p.copy() for p in params]
    o = Adam()
    with pytest.warns(UserWarning, match=r"\[1\]"):
        o.update(params, [_grads()[0], None])
    assert not np.array_equal(params[0], before[0])
    assert np.array_equal(params[1], before[1]) and o.iterations == 1


def test_empty_update_is_a_no_op():
    o = SGD()
    assert o.update([], []) == 0 and o.iterations == 0 and not o.built


# --- state round trip ------------------------------------------------------------------

STATEFUL = [
    lambda: SGD(learning_rate=0.05, momentum=0.9, nesterov=True, clipnorm=1.0),
    lambda: SGD(learning_rate=0.05),
    lambda: RMSprop(momentum=0.5, centered=True, global_clipnorm=1.0),
    lambda: RMSprop(),
    lambda: Adam(amsgrad=True, clipvalue=0.5),
    lambda: Adam(),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("make", STATEFUL)
def test_state_round_trip_is_bitwise(make, dtype):
    n, m = 3, 4
    grads = [_grads(dtype, seed=10 + k) for k in range(n + m)]
    straight = _params(dtype)
    o = make()
    for g in grads:
        o.update(straight, g)

    resumed = _params(dtype)
    first = make()
    for g in grads[:n]:
        first.update(resumed, g)
    state = first.get_state()
    saved = {k: v.copy() for k, v in state.items()}
    restored_params = [p.copy() for p in resumed]
    second = type(first).from_config(json.loads(json.dumps(first.get_config())))
    second.set_state(saved, restored_params)
    for g in grads[n:]:
        second.update(restored_params, g)
        first.update(resumed, g)
    for a, b, c in zip(straight, restored_params, resumed):
        assert np.array_equal(a, b) and np.array_equal(a, c)
    assert second.iterations == o.iterations == n + m
    for (k1, v1), (k2, v2) in zip(o.get_state().items(), second.get_state().items()):
        assert k1 == k2 and np.array_equal(v1, v2)


def test_get_state_returns_copies():
    params = _params()
    o = Adam()
    o.update(params, _grads())
    o.get_state()["momentum_0"][...] = 123.0
    assert not (o.get_state()["momentum_0"] == 123.0).any()


def test_state_saved_before_the_first_update():
    o = Adam(learning_rate=0.01)
    state = o.get_state()
    p1, p2 = _params(), _params()
    o2 = Adam()
    o2.set_state(state, p2)
    assert not o2.built and o2.learning_rate == 0.01
    o.update(p1, _grads())
    o2.update(p2, _grads())
    assert all(np.array_equal(a, b) for a, b in zip(p1, p2))


def test_set_state_restores_learning_rate_like_keras():
    o = SGD(learning_rate=0.5)
    o2 = SGD(learning_rate=0.1)
    o2.set_state(o.get_state(), _params())
    assert o2.learning_rate == 0.5


# --- bad updates and states, pieces and rows ----------------------------------------------

def test_bad_updates():
    o = Adam()
    params = _params()
    with pytest.raises(ValueError, match="2 parameters.*1 gradients|1 gradients for 2"):
        o.update(params, _grads()[:1])
    with pytest.raises(ValueError, match=r"Gradient 1 has shape \(4, 2\)"):
        o.update(params, [_grads()[0], np.zeros((4, 2))])
    with pytest.raises(ValueError, match="No gradients provided"):
        o.update(params, [None, None])
    with pytest.raises(ValueError, match="floating-point numpy array"):
        Adam().update([[1.0, 2.0]], [np.ones(2)])
    with pytest.raises(ValueError, match="floating-point numpy array"):
        Adam().update([np.arange(3)], [np.ones(3)])
    ro = np.ones(2)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        Adam().update([ro], [np.ones(2)])
    assert o.iterations == 0  # nothing above counted as a step


def test_an_optimizer_is_bound_to_its_parameters():
    o = Adam()
    params = _params()
    o.update(params, _grads())
    with pytest.raises(ValueError, match="built for 2 parameters"):
        o.update(params[:1], _grads()[:1])
    with pytest.raises(ValueError, match="built for 2 parameters"):
        o.update([params[0], np.zeros((4, 2))], [_grads()[0], np.zeros((4, 2))])
    with pytest.raises(ValueError, match="built for 2 parameters"):
        o.update([p.astype(np.float32) for p in params], _grads("float32"))


def test_bad_states():
    params = _params()
    o = Adam()
    o.update(params, _grads())
    good = o.get_state()
    with pytest.raises(ValueError, match="State keys do not match.*velocity_1"):
        Adam().set_state({k: v for k, v in good.items() if k != "velocity_1"}, params)
    with pytest.raises(ValueError, match="State keys do not match"):
        RMSprop().set_state(good, params)
    with pytest.raises(ValueError, match=r"`momentum_1` has shape \(8,\)"):
        Adam().set_state({**good, "momentum_1": np.zeros(8)}, params)
    with pytest.raises(ValueError, match="iterations"):
        Adam().set_state({**good, "iterations": np.array(1.5)}, params)
    with pytest.raises(ValueError, match="iterations"):
        Adam().set_state({**good, "iterations": np.array(-1)}, params)
    with pytest.raises(ValueError, match="learning_rate"):
        Adam().set_state({**good, "learning_rate": np.array(-1.0)}, params)
    fresh = Adam()
    with pytest.raises(ValueError):
        fresh.set_state({**good, "momentum_1": np.zeros(8)}, params)
    assert not fresh.built and fresh.iterations == 0  # a failed restore changes nothing


def test_optimizer_base_is_abstract():
    with pytest.raises(NotImplementedError):
        Optimizer(0.1).update([np.zeros(1)], [np.ones(1)])


@pytest.mark.parametrize("make", [lambda: RMSprop(centered=True, momentum=0.5), Adam,
                                  lambda: SGD(momentum=0.9)])
def test_large_parameters_are_updated_in_pieces_with_the_same_bits(make, monkeypatch):
    """A parameter larger than ``_PIECE`` elements is updated piece by piece (for the
    cache); the result must be bitwise that of one whole-array step, with dense and with
    row (Embedding) gradients. (tests/optimizers/test_parity.py checks a large parameter
    against Keras too.)"""
    rng = np.random.default_rng(0)
    table, kernel = rng.standard_normal((700, 100)), rng.standard_normal((3, 7))
    assert table.size > base._PIECE
    results = []
    for piece in (base._PIECE, table.size + 1):     # pieces, then the whole array at once
        monkeypatch.setattr(base, "_PIECE", piece)
        params, optimizer = [table.copy(), kernel.copy()], make()
        steps = np.random.default_rng(1)
        for _ in range(3):
            ids = steps.integers(0, 700, size=50)
            optimizer.update(params, [opt.RowGradient(ids, steps.standard_normal((50, 100)), 700),
                                      steps.standard_normal((3, 7))])
            optimizer.update(params, [steps.standard_normal((700, 100)), steps.standard_normal((3, 7))])
        results.append(params + [a for arrays in optimizer._slots.values() for a in arrays])
    for pieces, whole in zip(*results):
        np.testing.assert_array_equal(pieces, whole)


@pytest.mark.parametrize("make, squares", [(lambda: SGD(momentum=0.9), 0), (SGD, 0),
                                           (RMSprop, 1), (Adam, 1)])
def test_row_squares_are_summed_only_for_optimizers_that_read_them(make, squares, monkeypatch):
    """SGD never reads ``g**2``: a RowGradient's squares (a scatter-add) are not computed for
    it, and the step is bitwise the one from the dense gradient."""
    calls = []
    real_squares = opt.RowGradient.squares
    monkeypatch.setattr(opt.RowGradient, "squares", lambda g: calls.append(1) or real_squares(g))
    rng = np.random.default_rng(2)
    table = rng.standard_normal((6, 3))
    rows = opt.RowGradient(np.array([1, 4, 1]), rng.standard_normal((3, 3)), 6)
    params, optimizer = [table.copy()], make()
    optimizer.update(params, [rows])
    assert len(calls) == squares
    if squares == 0:
        dense = [table.copy()]
        make().update(dense, [rows.dense()])
        np.testing.assert_array_equal(params[0], dense[0])
