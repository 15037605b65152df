"""SGD: gradient descent, optionally with (Nesterov) momentum (keras ``sgd.py``).

Update rule (``g`` the gradient after clipping, ``lr`` the learning rate, ``mu`` the
momentum; the slot ``m`` starts at 0)::

    momentum == 0:  w -= g*lr
    momentum  > 0:  m  = m*mu - g*lr
                    w += m                     (nesterov=False)
                    w += m*mu - g*lr           (nesterov=True)

SGD with momentum keeps ``lr`` inside the buffer (``m = mu*m - lr*g``, ``w += m``);
PyTorch uses ``b = mu*b + g``, ``w -= lr*b``. Keras rounds the momentum to float32
first, so even in float64 0.9 is 0.8999999761581421 (arguments.py). The step is the
same bits inside a ``tf.function`` (Keras's ``fit``) as eagerly.
"""
from .arguments import as_dtype_via_float32, check_bool, check_real
from .base import Optimizer


class SGD(Optimizer):
    """Gradient descent, optionally with (Nesterov) momentum (keras ``sgd.py``)."""

    _default_name = "sgd"
    uses_squares = False

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, name=None):
        super().__init__(learning_rate, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency, name=name)
        self.momentum = check_real("momentum", momentum, low=0.0, high=1.0,
                                   expected="a float between [0, 1]")
        self.nesterov = check_bool("nesterov", nesterov)

    def _slot_groups(self):
        return [("momentum",)] if self.momentum != 0 else []

    def _update_step(self, w, g, g2, slots, lr):
        if self.momentum == 0:
            w -= g * lr
            return
        mu = as_dtype_via_float32(self.momentum, w.dtype)
        m = slots["momentum"]
        m[...] = m * mu - g * lr
        if self.nesterov:
            w += m * mu - g * lr
        else:
            w += m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum,
                "nesterov": self.nesterov}
