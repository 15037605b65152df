"""optimizers/rmsprop.py: single RMSprop steps worked out by hand (epsilon inside the
root; centered and with momentum)."""
import numpy as np

from npseq2seq.optimizers import RMSprop
from tests.optimizers.util import assert_close


def test_rmsprop_plain_step_eps_inside_the_root():
    w, g = np.array([1.0, -1.0]), np.array([0.3, -2.0])
    RMSprop(learning_rate=0.01, rho=0.9, epsilon=1e-3).update([w], [g])
    v = 0.1 * g**2
    assert_close(w, np.array([1.0, -1.0]) - 0.01 * g / np.sqrt(v + 1e-3))


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
        assert_close(w, ref)
    state = o.get_state()
    assert_close(state["velocity_0"], v)
    assert_close(state["momentum_0"], m)
    assert_close(state["average_gradient_0"], a)
