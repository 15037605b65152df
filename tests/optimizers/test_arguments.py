"""optimizers/arguments.py: a bad argument raises a ValueError naming the argument, what it
must be and the value received (Keras's wording); the learning-rate setter checks too."""
import re

import pytest

from npseq2seq.optimizers import SGD, Adam, RMSprop


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


def test_learning_rate_setter_is_checked():
    o = Adam()
    o.learning_rate = 0.5
    assert o.learning_rate == 0.5
    with pytest.raises(ValueError, match="learning_rate=-1"):
        o.learning_rate = -1
