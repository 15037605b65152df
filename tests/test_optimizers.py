"""npseq2seq.optimizers on its own (NumPy only): single steps worked out by hand,
slots, dtypes, clipping, state and config round trips, and argument checking."""
import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npseq2seq import optimizers as opt
from npseq2seq.optimizers import SGD, Adam, Optimizer, RMSprop

F32_BETA1 = float(np.float32(0.9))    # 0.8999999761581421
F32_BETA2 = float(np.float32(0.999))  # 0.9990000128746033


def _params(dtype="float64", seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((3,)).astype(dtype), rng.standard_normal((2, 4)).astype(dtype)]


def _grads(dtype="float64", seed=1):
    return _params(dtype, seed)


def _close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-16)


# --- single steps by hand -------------------------------------------------------------

def test_sgd_plain_step():
    w, g = np.array([1.0, -2.0]), np.array([0.5, 4.0])
    SGD(learning_rate=0.1).update([w], [g])
    _close(w, [1.0 - 0.05, -2.0 - 0.4])


def test_sgd_momentum_two_steps():
    w, g1, g2 = np.array([1.0]), np.array([2.0]), np.array([-1.0])
    o = SGD(learning_rate=0.1, momentum=0.5)
    o.update([w], [g1])
    m1 = -0.1 * 2.0                 # m = mu*0 - lr*g
    _close(w, [1.0 + m1])
    o.update([w], [g2])
    m2 = 0.5 * m1 - 0.1 * (-1.0)
    _close(w, [1.0 + m1 + m2])
    _close(o.get_state()["momentum_0"], [m2])


def test_sgd_nesterov_two_steps():
    w, g1, g2 = np.array([1.0]), np.array([2.0]), np.array([-1.0])
    o = SGD(learning_rate=0.1, momentum=0.5, nesterov=True)
    o.update([w], [g1])
    m1 = -0.2
    w1 = 1.0 + 0.5 * m1 - 0.1 * 2.0  # w += mu*m - lr*g with the new m
    _close(w, [w1])
    o.update([w], [g2])
    m2 = 0.5 * m1 + 0.1
    _close(w, [w1 + 0.5 * m2 + 0.1])


def test_sgd_momentum_is_rounded_to_float32_as_in_keras():
    w, g = np.array([0.0]), np.array([1.0])
    o = SGD(learning_rate=1.0, momentum=0.9, nesterov=True)
    o.update([w], [g])
    assert w[0] == F32_BETA1 * -1.0 - 1.0  # not 0.9*-1 - 1


def test_rmsprop_plain_step_eps_inside_the_root():
    w, g = np.array([1.0, -1.0]), np.array([0.3, -2.0])
    RMSprop(learning_rate=0.01, rho=0.9, epsilon=1e-3).update([w], [g])
    v = 0.1 * g**2
    _close(w, np.array([1.0, -1.0]) - 0.01 * g / np.sqrt(v + 1e-3))


def test_rmsprop_centered_and_momentum_two_steps():
    w = np.array([0.5, 2.0])
    gs = [np.array([1.0, -0.5]), np.array([0.2, 0.7])]
    o = RMSprop(learning_rate=0.01, rho=0.8, momentum=0.7, epsilon=1e-6, centered=True)
    v, a, m, ref = np.zeros(2), np.zeros(2), np.zeros(2), w.copy()
    for g in gs:
        o.update([w], [g])
        v = 0.8 * v + 0.2 * g**2
        a = 0.8 * a + 0.2 * g
        m = 0.7 * m + 0.01 * g / np.sqrt(v - a**2 + 1e-6)
        ref = ref - m
        _close(w, ref)
    state = o.get_state()
    _close(state["velocity_0"], v)
    _close(state["momentum_0"], m)
    _close(state["average_gradient_0"], a)


def test_adam_first_step_and_float32_rounded_betas():
    w0 = np.array([1.0, -3.0, 0.25])
    g = np.array([0.5, 2.0, -0.1])
    w = w0.copy()
    Adam(learning_rate=0.01).update([w], [g])
    alpha = 0.01 * np.sqrt(1 - F32_BETA2) / (1 - F32_BETA1)  # t = 1
    m = (1 - 0.9) * g                                         # 1 - beta exact
    v = (1 - 0.999) * g * g
    _close(w, w0 - m * alpha / (np.sqrt(v) + 1e-7))
    # Adam's first step is about lr*sign(g) whenever |g| >> eps
    np.testing.assert_allclose(w0 - w, 0.01 * np.sign(g), rtol=1e-3)


def test_adam_amsgrad_uses_the_running_max():
    w = np.array([0.0])
    o = Adam(learning_rate=0.1, beta_1=0.5, beta_2=0.5, epsilon=0.0, amsgrad=True)
    o.update([w], [np.array([4.0])])
    o.update([w], [np.array([0.0])])  # v falls to 4, v_hat stays at 8
    state = o.get_state()
    assert state["velocity_0"][0] == 4.0 and state["velocity_hat_0"][0] == 8.0
    b = float(np.float32(0.5))
    ref = -0.1 * np.sqrt(1 - b) / (1 - b) * 2.0 / np.sqrt(8.0)
    alpha2 = 0.1 * np.sqrt(1 - b**2) / (1 - b**2)
    ref -= 1.0 * alpha2 / np.sqrt(8.0)
    _close(w, [ref])


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


# --- clipping (SGD with lr=1 exposes the clipped gradient as w0 - w1) -----------------

def _clipped(grads, **clip):
    params = [np.zeros_like(g) for g in grads]
    SGD(learning_rate=1.0, **clip).update(params, grads)
    return [-p for p in params]


def test_clipnorm_is_per_tensor():
    big, small = np.array([3.0, 4.0]), np.array([0.3, 0.4])
    out_big, out_small = _clipped([big, small], clipnorm=1.0)
    _close(out_big, [0.6, 0.8])
    assert np.array_equal(out_small, small * 1.0 / 1.0)
    # the TF formula: g*c / max(||g||, c), product first
    assert np.array_equal(_clipped([big], clipnorm=2.0)[0], big * 2.0 / 5.0)


def test_clipnorm_of_a_zero_gradient_is_zero_not_nan():
    assert np.array_equal(_clipped([np.zeros(3)], clipnorm=1.0)[0], np.zeros(3))


def test_global_clipnorm_scales_all_tensors_together():
    a, b = np.array([3.0, 0.0]), np.array([[0.0], [4.0]])  # global norm 5
    out_a, out_b = _clipped([a, b], global_clipnorm=1.0)
    _close(out_a, a / 5)
    _close(out_b, b / 5)
    # unclipped gradients are scaled by c*(1/c), which is not 1 for c = 49 (Keras does too)
    g = np.array([1.0, 1.0])
    assert np.array_equal(_clipped([g], global_clipnorm=49.0)[0], g * (49.0 * (1 / 49.0)))
    assert _clipped([g], global_clipnorm=49.0)[0][0] == 0.9999999999999999


def test_clipvalue_is_elementwise():
    out, = _clipped([np.array([-3.0, -0.2, 0.0, 0.4, 9.0])], clipvalue=0.5)
    assert np.array_equal(out, [-0.5, -0.2, 0.0, 0.4, 0.5])


def test_clipping_does_not_modify_the_callers_gradients():
    g = np.array([3.0, 4.0])
    _clipped([g], clipnorm=1.0)
    _clipped([g], clipvalue=1.0)
    assert np.array_equal(g, [3.0, 4.0])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=12),
       st.floats(1e-3, 1e2), st.sampled_from(["clipnorm", "global_clipnorm"]))
def test_norm_clipping_bounds_the_norm(values, c, kind):
    g = np.array(values)
    out, = _clipped([g], **{kind: c})
    norm = np.linalg.norm(g)
    assert np.linalg.norm(out) <= max(c, 0) * (1 + 1e-12) or norm <= c
    if norm <= c:
        np.testing.assert_allclose(out, g, rtol=1e-15, atol=1e-300)  # subnormals lose bits


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


# --- config and get --------------------------------------------------------------------

@pytest.mark.parametrize("o", [SGD(0.2, momentum=0.3, nesterov=True, clipvalue=1.0),
                               RMSprop(0.01, rho=0.8, momentum=0.1, epsilon=1e-6,
                                       centered=True, global_clipnorm=3.0, name="r"),
                               Adam(0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-8,
                                    amsgrad=True, clipnorm=2.0)])
def test_config_round_trip(o):
    config = json.loads(json.dumps(o.get_config()))
    again = type(o).from_config(config)
    assert again.get_config() == o.get_config()
    via_get = opt.get(json.loads(json.dumps(opt.serialize(o))))
    assert type(via_get) is type(o) and via_get.get_config() == o.get_config()


def test_from_config_takes_keras_only_arguments_only_at_their_inert_defaults():
    """Arguments npseq2seq does not implement (weight_decay, use_ema, ...) pass through
    from_config at their do-nothing values and are refused at any other. (That Keras's own
    get_config() reads back, and the defaults match Keras's: test_optimizers_parity.py.)"""
    inert = {"weight_decay": None, "use_ema": False, "ema_momentum": 0.99,
             "ema_overwrite_frequency": None, "loss_scale_factor": None,
             "gradient_accumulation_steps": None}
    config = Adam(0.02, beta_2=0.99).get_config()
    assert Adam.from_config({**config, **inert}).get_config() == config
    for key, active in [("weight_decay", 0.01), ("use_ema", True),
                        ("gradient_accumulation_steps", 2)]:
        with pytest.raises(ValueError, match=f"{key}.*Received: {key}={active}"):
            Adam.from_config({**config, **inert, key: active})


@pytest.mark.parametrize("name,cls", [("adam", Adam), ("ADAM", Adam), ("RMSprop", RMSprop),
                                      ("rmsprop", RMSprop), ("Sgd", SGD)])
def test_get_by_name(name, cls):
    o = opt.get(name)
    assert type(o) is cls and o.get_config() == cls().get_config()


def test_get_passes_instances_through():
    a = Adam(0.5)
    assert opt.get(a) is a


@pytest.mark.parametrize("bad", ["adagrad", "", None, 3, {"class_name": "Nadam", "config": {}}])
def test_get_rejects_anything_else_listing_the_names(bad):
    with pytest.raises(ValueError, match=r"\['adam', 'rmsprop', 'sgd'\].*Received"):
        opt.get(bad)


# --- argument checking -----------------------------------------------------------------

@pytest.mark.parametrize("make,arg,received", [
    (lambda: SGD(learning_rate=0.0), "learning_rate", "0.0"),
    (lambda: Adam(learning_rate=-1e-3), "learning_rate", "-0.001"),
    (lambda: RMSprop(learning_rate=float("nan")), "learning_rate", "nan"),
    (lambda: Adam(learning_rate=float("inf")), "learning_rate", "inf"),
    (lambda: Adam(learning_rate="0.1"), "learning_rate", "'0.1'"),
    (lambda: Adam(learning_rate=True), "learning_rate", "True"),
    (lambda: SGD(clipnorm=0.0), "clipnorm", "0.0"),
    (lambda: SGD(clipvalue=-1.0), "clipvalue", "-1.0"),
    (lambda: SGD(global_clipnorm=float("inf")), "global_clipnorm", "inf"),
    (lambda: SGD(momentum=1.5), "momentum", "1.5"),
    (lambda: SGD(momentum=-0.1), "momentum", "-0.1"),
    (lambda: SGD(nesterov=1), "nesterov", "1"),
    (lambda: RMSprop(rho=1.1), "rho", "1.1"),
    (lambda: RMSprop(momentum=2.0), "momentum", "2.0"),
    (lambda: RMSprop(epsilon=-1e-7), "epsilon", "-1e-07"),
    (lambda: RMSprop(centered="yes"), "centered", "'yes'"),
    (lambda: Adam(beta_1=1.0), "beta_1", "1.0"),
    (lambda: Adam(beta_2=-0.5), "beta_2", "-0.5"),
    (lambda: Adam(epsilon=None), "epsilon", "None"),
    (lambda: Adam(amsgrad=None), "amsgrad", "None"),
    (lambda: Adam(name=3), "name", "3"),
])
def test_bad_arguments_name_the_argument_and_the_value(make, arg, received):
    with pytest.raises(ValueError, match=rf"`{arg}` must be .*Received: {arg}={re.escape(received)}"):
        make()


def test_only_one_clipping_argument():
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue` and "
                                         "`global_clipnorm`.*clipnorm=1.0.*global_clipnorm=2.0"):
        Adam(clipnorm=1.0, global_clipnorm=2.0)
    with pytest.raises(ValueError, match="Only one"):
        SGD(clipnorm=1.0, clipvalue=1.0)


def test_learning_rate_setter_is_checked():
    o = Adam()
    o.learning_rate = 0.5
    assert o.learning_rate == 0.5
    with pytest.raises(ValueError, match="learning_rate=-1"):
        o.learning_rate = -1


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
    row (Embedding) gradients. (tests/test_optimizers_parity.py checks a large parameter
    against Keras too.)"""
    rng = np.random.default_rng(0)
    table, kernel = rng.standard_normal((700, 100)), rng.standard_normal((3, 7))
    assert table.size > opt._PIECE
    results = []
    for piece in (opt._PIECE, table.size + 1):      # pieces, then the whole array at once
        monkeypatch.setattr(opt, "_PIECE", piece)
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
