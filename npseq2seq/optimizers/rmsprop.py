"""RMSprop with epsilon inside the square root (keras ``rmsprop.py``).

Update rule (``g`` the gradient after clipping, ``lr`` the learning rate; slots start
at 0)::

    v  = rho*v + (1-rho)*g**2
    centered:  a = rho*a + (1-rho)*g ;  d = v - a**2 + eps
    else:      d = v + eps
    inc = lr*g / sqrt(d)                       (eps INSIDE the root)
    momentum == 0:  w -= inc
    momentum  > 0:  m = momentum*m + inc ;  w -= m

Differences from PyTorch: epsilon goes inside the square root, ``g/sqrt(v + eps)``;
PyTorch uses ``g/(sqrt(v) + eps)``. Keras defaults: lr=1e-3, rho=0.9, eps=1e-7
(PyTorch: lr=1e-2, alpha=0.99, eps=1e-8). With momentum Keras keeps ``lr``
inside the momentum buffer. rho, momentum and epsilon are converted straight to the
parameter's dtype, with no float32 rounding (arguments.py).

Inside ``model.fit`` (a ``tf.function``) TensorFlow's graph optimiser rewrites
RMSprop's ``lr*g / sqrt(d)`` into ``lr*g * rsqrt(d)``, so fit's RMSprop differs
from this module (and from eager Keras) by an ulp now and then. In float64
``rsqrt(d)`` is exactly ``1/sqrt(d)``; in float32 it is not correctly rounded.
SGD and Adam are bitwise the same in graph mode.
"""
import numpy as np

from .arguments import as_dtype, check_bool, check_real
from .base import Optimizer


class RMSprop(Optimizer):
    """RMSprop with epsilon inside the square root (keras ``rmsprop.py``)."""

    _default_name = "rmsprop"

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, name=None):
        super().__init__(learning_rate, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency, name=name)
        self.rho = check_real("rho", rho, low=0.0, high=1.0,
                              expected="a float between [0, 1]")
        self.momentum = check_real("momentum", momentum, low=0.0, high=1.0,
                                   expected="a float between [0, 1]")
        self.epsilon = check_real("epsilon", epsilon, low=0.0,
                                  expected="a non-negative finite float")
        self.centered = check_bool("centered", centered)

    def _slot_groups(self):
        groups = [("velocity",)]
        if self.momentum > 0:
            groups.append(("momentum",))
        if self.centered:
            groups.append(("average_gradient",))
        return groups

    def _update_step(self, w, g, g2, slots, lr):
        dt = w.dtype
        rho, one_minus_rho = as_dtype(self.rho, dt), as_dtype(1 - self.rho, dt)
        # In place, with the same operations in the same order as the formulas in the
        # module docstring (so the same bits), and two temporaries instead of six.
        v = slots["velocity"]
        # g2 is our own array (Optimizer._update_step's contract), so it may be overwritten
        g2 = np.square(g) if g2 is None else g2
        g2 *= one_minus_rho
        v *= rho
        v += g2                                            # v = rho*v + (1-rho)*g**2
        denominator = g2                                   # (reuses g2's memory)
        if self.centered:
            a = slots["average_gradient"]
            a[...] = rho * a + one_minus_rho * g
            np.subtract(v, np.square(a), out=denominator)
            denominator += as_dtype(self.epsilon, dt)       # d = v - a**2 + eps
        else:
            np.add(v, as_dtype(self.epsilon, dt), out=denominator)   # d = v + eps
        increment = np.multiply(lr, g)
        increment /= np.sqrt(denominator, out=denominator)     # inc = lr*g / sqrt(d)
        if self.momentum > 0:
            m = slots["momentum"]
            m[...] = as_dtype(self.momentum, dt) * m + increment
            w -= m
        else:
            w -= increment

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
