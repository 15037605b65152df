"""npseq2seq.optimizers against Keras's own optimizers, step for step.

Both sides start from the same parameters and receive the same random gradients
for 20 steps; afterwards the parameters and every optimizer variable (in the
order of Keras's ``optimizer.variables``) must agree. Measured with keras 3.15.1
/ tensorflow-cpu 2.21 on x86-64 (eager ``apply_gradients``): bit-for-bit equal in
float64 and float32 for every case, except with clipnorm / global_clipnorm, where
TF's reduce_sum adds the squares in another order than NumPy's: then the
parameters differ by at most 4.4e-16 (float64) and 2.4e-7 (float32, ~2 ulp).

Keras comes from conftest's ``keras`` fixture (imported lazily: collecting this file,
or running ``-m "not parity"``, never imports TensorFlow; without Keras the tests skip)
and the dtype from ``keras_floatx``; tolerances from ``reference.tolerances``.
"""
import numpy as np
import pytest

from npseq2seq import optimizers as npopt
from npseq2seq.optimizers import base
from reference.tolerances import tol

pytestmark = pytest.mark.parity

SHAPES = [(8,), (2, 12), (6, 16)]  # a bias, a GRU-style (2, 3*units) bias, a kernel
# larger than base._PIECE: the update runs on it in cache-sized pieces (one test per rule)
LARGE_SHAPES = [(8,), (300, 250)]
STEPS = 20

CASES = [
    ("SGD", dict(learning_rate=0.1)),
    ("SGD", dict(learning_rate=0.1, momentum=0.9)),
    ("SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(learning_rate=0.01, centered=True)),
    ("RMSprop", dict(learning_rate=0.01, momentum=0.9)),
    ("RMSprop", dict(learning_rate=0.01, momentum=0.5, centered=True, rho=0.8)),
    ("Adam", dict()),
    ("Adam", dict(learning_rate=0.01, amsgrad=True)),
    ("Adam", dict(learning_rate=0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-3)),
    # use_ema: the moving average of the weights as a slot before the rule's; overwriting
    # the weights with it every k-th step
    ("RMSprop", dict(use_ema=True, ema_momentum=0.9)),
    ("Adam", dict(learning_rate=0.01, use_ema=True, ema_overwrite_frequency=3)),
    ("SGD", dict(learning_rate=0.1, momentum=0.9, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=7)),
]
# (clip arguments, tolerance check or None for bitwise). Norm clipping needs a sum of
# squares, which TF's reduce_sum adds in another order than NumPy's: the norm can then
# differ in the last bit, so those cases get reference.tolerances' "optimizer_norm_clip";
# the rest is bitwise.
CLIPS = [(dict(clipnorm=1.0), "optimizer_norm_clip"), (dict(clipvalue=0.5), None),
         (dict(global_clipnorm=2.0), "optimizer_norm_clip"),
         # never binding here, so the scale is the constant 49*(1/49), which is
         # 0.9999999999999999 in float64: Keras rescales unclipped gradients by it
         (dict(global_clipnorm=49.0), None)]
ALL_CASES = ([(name, kw, None) for name, kw in CASES]
             + [(name, {**kw, **clip}, check)
                for name, kw in [("SGD", dict(learning_rate=0.1, momentum=0.9)),
                                 ("RMSprop", dict()), ("Adam", dict())]
                for clip, check in CLIPS])


def _case_id(name, kwargs):
    return "-".join([name, *(f"{k}={v}" for k, v in kwargs.items())])


def _gradients(rng, dtype, shapes=SHAPES):
    """Per-step gradients whose size varies, so clipping is active on some steps only."""
    scale = rng.uniform(0.05, 3.0)
    return [(scale * rng.standard_normal(s)).astype(dtype) for s in shapes]


def _run_both(keras, name, kwargs, dtype, seed=0, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s).astype(dtype) for s in shapes]
    ours = [p.copy() for p in params]
    theirs = [keras.Variable(p, dtype=dtype) for p in params]
    k_opt = getattr(keras.optimizers, name)(**kwargs)
    n_opt = getattr(npopt, name)(**kwargs)
    for _ in range(STEPS):
        grads = _gradients(rng, dtype, shapes)
        k_opt.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in grads], theirs))
        n_opt.apply_gradients(zip(grads, ours))
    return ours, [v.numpy() for v in theirs], n_opt, k_opt


def _max_diff(xs, ys):
    return max([float(np.max(np.abs(np.asarray(x, np.float64) - np.asarray(y, np.float64))))
                for x, y in zip(xs, ys)], default=0.0)


@pytest.mark.parametrize(
    "name,kwargs,check", ALL_CASES,
    ids=[_case_id(n, kw) for n, kw, _ in ALL_CASES])
def test_matches_keras(keras, keras_floatx, name, kwargs, check):
    floatx = keras_floatx
    ours, theirs, n_opt, k_opt = _run_both(keras, name, kwargs, floatx)
    for a, b in zip(ours, theirs):
        assert a.dtype == b.dtype == np.dtype(floatx)
    # our state lists Keras's optimizer.variables in the same order
    state = list(n_opt.get_state().values())
    k_vars = [v.numpy() for v in k_opt.variables]
    assert [np.shape(s) for s in state] == [np.shape(v) for v in k_vars]
    assert int(state[0]) == int(k_vars[0]) == STEPS
    assert np.asarray(state[1], floatx) == k_vars[1]  # Keras keeps lr in floatx
    tolerance = 0.0 if check is None else tol(floatx, check)
    diff, slot_diff = _max_diff(ours, theirs), _max_diff(state[2:], k_vars[2:])
    assert diff <= tolerance, f"parameters differ by {diff:.3g}"
    assert slot_diff <= tolerance, f"slots differ by {slot_diff:.3g}"


@pytest.mark.parametrize("name,kwargs", CASES,
                         ids=[_case_id(n, kw) for n, kw in CASES])
def test_large_parameters_match_keras_bitwise(keras, keras_floatx, name, kwargs):
    """A parameter larger than ``_PIECE`` elements is updated in pieces: still Keras's bits."""
    assert max(np.prod(s) for s in LARGE_SHAPES) > base._PIECE
    ours, theirs, n_opt, k_opt = _run_both(keras, name, kwargs, keras_floatx, shapes=LARGE_SHAPES)
    state, k_vars = list(n_opt.get_state().values()), [v.numpy() for v in k_opt.variables]
    assert _max_diff(ours, theirs) == 0.0
    assert _max_diff(state[2:], k_vars[2:]) == 0.0


def test_float64_adam_needs_float32_betas(keras):
    """The quirk matters: Adam with exact float64 betas drifts from Keras-float64."""
    from reference import floatx

    with floatx("float64"):
        _, theirs, _, _ = _run_both(keras, "Adam", {}, "float64")
    rng = np.random.default_rng(0)  # same draws as _run_both
    params = [rng.standard_normal(s) for s in SHAPES]
    ms, vs = [np.zeros(s) for s in SHAPES], [np.zeros(s) for s in SHAPES]
    lr, b1, b2, eps = 0.001, 0.9, 0.999, 1e-7
    for t in range(1, STEPS + 1):
        for w, g, m, v in zip(params, _gradients(rng, "float64"), ms, vs):
            alpha = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
            m += (g - m) * (1 - b1)
            v += (g * g - v) * (1 - b2)
            w -= m * alpha / (np.sqrt(v) + eps)
    assert _max_diff(params, theirs) > 1e-10


@pytest.mark.parametrize("use_ema", [False, True])
def test_slot_names_follow_keras_variable_order(keras, use_ema):
    k_opt = keras.optimizers.Adam(amsgrad=True, use_ema=use_ema)
    k_opt.build([keras.Variable(np.zeros(s, "float32"), name=f"w{i}")
                 for i, s in enumerate(SHAPES)])
    n_opt = npopt.Adam(amsgrad=True, use_ema=use_ema)
    n_opt.build([np.zeros(s, "float32") for s in SHAPES])
    keras_names = [v.name for v in k_opt.variables]
    ours = list(n_opt.get_state())
    assert keras_names[:2] == ["iteration", "learning_rate"] and ours[:2] == [
        "iterations", "learning_rate"]
    assert len(keras_names) == len(ours) == 2 + (3 + use_ema) * len(SHAPES)
    for k_name, n_key in zip(keras_names[2:], ours[2:]):  # "w1_velocity" <-> "velocity_1"
        slot, i = n_key.rsplit("_", 1)
        assert k_name == f"w{i}_{slot}"


def test_get_reads_a_keras_serialized_optimizer(keras):
    k_opt = keras.optimizers.RMSprop(learning_rate=0.01, centered=True, clipnorm=1.0)
    ours = npopt.get(keras.optimizers.serialize(k_opt))
    assert type(ours) is npopt.RMSprop and ours.centered and ours.clipnorm == 1.0
    assert ours.learning_rate == float(np.float32(0.01))  # Keras stores lr in floatx


@pytest.mark.parametrize("name,kwargs,bitwise", [
    ("SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True), True),
    ("Adam", dict(amsgrad=True), True),
    ("Adam", dict(use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=4), True),
    # graph mode rewrites RMSprop's lr*g/sqrt(d) into lr*g*rsqrt(d): ulps apart
    ("RMSprop", dict(momentum=0.5, centered=True), False),
])
def test_matches_keras_inside_tf_function_as_in_fit(keras, keras_floatx, name, kwargs, bitwise):
    import tensorflow as tf

    floatx = keras_floatx

    rng = np.random.default_rng(0)
    ours = [rng.standard_normal(s).astype(floatx) for s in SHAPES]
    theirs = [keras.Variable(p.copy(), dtype=floatx) for p in ours]
    k_opt = getattr(keras.optimizers, name)(**kwargs)
    k_opt.build(theirs)
    n_opt = getattr(npopt, name)(**kwargs)
    step = tf.function(lambda grads: k_opt.apply_gradients(zip(grads, theirs)))
    for _ in range(STEPS):
        grads = _gradients(rng, floatx)
        step([tf.constant(g) for g in grads])
        n_opt.update(ours, grads)
    diff = _max_diff(ours, [v.numpy() for v in theirs])
    assert diff == 0.0 if bitwise else diff <= tol(floatx, "optimizer_graph_mode")


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adam"])
def test_defaults_and_config_are_keras_defaults(keras, keras_floatx, name):
    """Default constructors, against live Keras: every get_config() key of ours is in Keras's,
    and every one but "name" (Keras calls RMSprop "rm_sprop") holds Keras's value, as does
    the attribute of that name on both optimizers; learning_rate is compared rounded to floatx,
    the dtype Keras stores it in (in float64: exactly). from_config reads Keras's whole config
    (Keras-only arguments at their defaults) back to those values, and refuses it with a
    weight_decay, which npseq2seq does not implement."""
    k_opt, ours = getattr(keras.optimizers, name)(), getattr(npopt, name)()
    theirs, mine = k_opt.get_config(), ours.get_config()
    assert set(mine) <= set(theirs)
    keys = sorted(set(mine) - {"name"})
    as_keras_stores = {**mine, "learning_rate": float(np.asarray(mine["learning_rate"], keras_floatx))}
    assert {k: as_keras_stores[k] for k in keys} == {k: theirs[k] for k in keys}
    assert float(np.asarray(k_opt.learning_rate)) == as_keras_stores["learning_rate"]
    for key in set(keys) - {"learning_rate"}:
        assert getattr(ours, key) == getattr(k_opt, key), key
    again = getattr(npopt, name).from_config(theirs).get_config()
    assert {k: again[k] for k in keys} == {k: theirs[k] for k in keys}
    with pytest.raises(ValueError, match="weight_decay"):
        getattr(npopt, name).from_config(getattr(keras.optimizers, name)(weight_decay=0.01).get_config())
