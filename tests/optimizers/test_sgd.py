"""optimizers/sgd.py: single SGD steps worked out by hand, plain, with momentum and with
Nesterov momentum, and the momentum rounded to float32 as Keras does."""
import numpy as np

from npseq2seq.optimizers import SGD
from tests.optimizers.util import F32_BETA1, assert_close


def test_sgd_plain_step():
    w, g = np.array([1.0, -2.0]), np.array([0.5, 4.0])
    SGD(learning_rate=0.1).update([w], [g])
    assert_close(w, [1.0 - 0.05, -2.0 - 0.4])


def test_sgd_momentum_two_steps():
    w, g1, g2 = np.array([1.0]), np.array([2.0]), np.array([-1.0])
    o = SGD(learning_rate=0.1, momentum=0.5)
    o.update([w], [g1])
    m1 = -0.1 * 2.0                 # m = mu*0 - lr*g
    assert_close(w, [1.0 + m1])
    o.update([w], [g2])
    m2 = 0.5 * m1 - 0.1 * (-1.0)
    assert_close(w, [1.0 + m1 + m2])
    assert_close(o.get_state()["momentum_0"], [m2])


def test_sgd_nesterov_two_steps():
    w, g1, g2 = np.array([1.0]), np.array([2.0]), np.array([-1.0])
    o = SGD(learning_rate=0.1, momentum=0.5, nesterov=True)
    o.update([w], [g1])
    m1 = -0.2
    w1 = 1.0 + 0.5 * m1 - 0.1 * 2.0  # w += mu*m - lr*g with the new m
    assert_close(w, [w1])
    o.update([w], [g2])
    m2 = 0.5 * m1 + 0.1
    assert_close(w, [w1 + 0.5 * m2 + 0.1])


def test_sgd_momentum_is_rounded_to_float32_as_in_keras():
    w, g = np.array([0.0]), np.array([1.0])
    o = SGD(learning_rate=1.0, momentum=0.9, nesterov=True)
    o.update([w], [g])
    assert w[0] == F32_BETA1 * -1.0 - 1.0  # not 0.9*-1 - 1
