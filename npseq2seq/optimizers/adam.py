"""Adam with Keras's folded bias correction and float32-rounded betas (keras ``adam.py``).

Update rule (``g`` the gradient after clipping, ``lr`` the learning rate, ``t`` the
step number counting from 1, i.e. ``iterations + 1``; slots start at 0)::

    alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
    m += (g - m)*(1 - beta_1)
    v += (g*g - v)*(1 - beta_2)
    amsgrad:  v_hat = max(v_hat, v), used instead of v below
    w -= m*alpha / (sqrt(v) + eps)             (eps not bias-corrected)

Differences from PyTorch: the bias correction is folded into the step size ``alpha``,
so epsilon is added to the *uncorrected* ``sqrt(v)`` ("epsilon hat" of Kingma & Ba).
PyTorch's ``m_hat/(sqrt(v_hat) + eps)`` equals Keras's rule with
``eps_keras = eps_torch*sqrt(1 - beta_2**t)``. Keras's default eps is 1e-7.

Keras rounds ``beta_1`` and ``beta_2`` to float32 first, so even in float64 ``beta**t``
uses 0.8999999761581421 and 0.9990000128746033; the ``1 - beta`` factors are converted
straight to the parameter's dtype (arguments.py). The step is the same bits inside a
``tf.function`` (Keras's ``fit``) as eagerly.
"""
import numpy as np

from .arguments import as_dtype, as_dtype_via_float32, check_bool, check_real
from .base import Optimizer


class Adam(Optimizer):
    """Adam with Keras's folded bias correction and float32-rounded betas (``adam.py``)."""

    _default_name = "adam"

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, name=None):
        super().__init__(learning_rate, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency, name=name)
        self.beta_1 = check_real("beta_1", beta_1, low=0.0, high=1.0, high_open=True,
                                 expected="a float in [0, 1)")
        self.beta_2 = check_real("beta_2", beta_2, low=0.0, high=1.0, high_open=True,
                                 expected="a float in [0, 1)")
        self.epsilon = check_real("epsilon", epsilon, low=0.0,
                                  expected="a non-negative finite float")
        self.amsgrad = check_bool("amsgrad", amsgrad)

    def _slot_groups(self):
        groups = [("momentum", "velocity")]
        if self.amsgrad:
            groups.append(("velocity_hat",))
        return groups

    def _update_step(self, w, g, g2, slots, lr):
        dt = w.dtype
        t = as_dtype(self._iterations + 1, dt)
        beta_1_power = as_dtype_via_float32(self.beta_1, dt) ** t
        beta_2_power = as_dtype_via_float32(self.beta_2, dt) ** t
        one = as_dtype(1, dt)
        alpha = lr * np.sqrt(one - beta_2_power) / (one - beta_1_power)
        m, v = slots["momentum"], slots["velocity"]
        m += (g - m) * as_dtype(1 - self.beta_1, dt)
        v += ((np.square(g) if g2 is None else g2) - v) * as_dtype(1 - self.beta_2, dt)
        if self.amsgrad:
            v_hat = slots["velocity_hat"]
            np.maximum(v_hat, v, out=v_hat)
            v = v_hat
        w -= m * alpha / (np.sqrt(v) + as_dtype(self.epsilon, dt))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}
