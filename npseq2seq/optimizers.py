"""Keras-exact SGD, RMSprop and Adam for lists of NumPy arrays, updated in place.

The spec is the Keras 3 source (``keras/src/optimizers/{base_optimizer,sgd,
rmsprop,adam}.py`` and ``keras/src/backend/tensorflow/optimizer.py``, checked
against keras 3.15.1 / tensorflow 2.21). Every step is computed in the
parameter's dtype with Keras's order of operations and Keras's conversions of
the hyper-parameters. Against eager ``keras_optimizer.apply_gradients`` the
parameters come out bit-for-bit identical, in float32 and float64, for every
rule and option here, except with ``clipnorm``/``global_clipnorm``: TF sums the
squares for the norm in another order than NumPy, so the norm, and then the
parameters, can differ in the last bits (measured after 20 steps: <= 4.4e-16
in float64, <= 2.4e-7 in float32).

Inside ``model.fit`` (a ``tf.function``) TensorFlow's graph optimiser rewrites
RMSprop's ``lr*g / sqrt(d)`` into ``lr*g * rsqrt(d)``, so fit's RMSprop differs
from this module (and from eager Keras) by an ulp now and then. In float64
``rsqrt(d)`` is exactly ``1/sqrt(d)``; in float32 it is not correctly rounded.
SGD and Adam are bitwise the same in graph mode.

Update rules (``g`` the gradient after clipping, ``lr`` the learning rate, ``t``
the step number counting from 1, i.e. ``iterations + 1``; slots start at 0)::

    SGD       momentum == 0:  w -= g*lr
              momentum  > 0:  m  = m*mu - g*lr
                              w += m                     (nesterov=False)
                              w += m*mu - g*lr           (nesterov=True)
    RMSprop   v  = rho*v + (1-rho)*g**2
              centered:  a = rho*a + (1-rho)*g ;  d = v - a**2 + eps
              else:      d = v + eps
              inc = lr*g / sqrt(d)                       (eps INSIDE the root)
              momentum == 0:  w -= inc
              momentum  > 0:  m = momentum*m + inc ;  w -= m
    Adam      alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
              m += (g - m)*(1 - beta_1)
              v += (g*g - v)*(1 - beta_2)
              amsgrad:  v_hat = max(v_hat, v), used instead of v below
              w -= m*alpha / (sqrt(v) + eps)             (eps not bias-corrected)

Gradient clipping, applied to all gradients before the update (at most one):

- ``clipnorm=c`` (per tensor; TF's ``tf.clip_by_norm``, which the TF backend
  uses instead of the base class formula): ``g*c / max(||g||, c)`` -- the
  product first, then the division.
- ``global_clipnorm=c`` (over all tensors; ``clip_by_global_norm`` in
  base_optimizer.py): ``N = sqrt(sum_i sum(g_i**2))``,
  ``g_i *= c * min(1/N, 1/c) + (N - N)``. The scale is ``c*(1/c)`` when nothing
  needs clipping, which is not always exactly 1 (e.g. c = 49): Keras then still
  changes the gradients by an ulp, and so does this module.
- ``clipvalue=c`` (elementwise): ``max(min(g, c), -c)``.

An Embedding's gradient reaches Keras's optimizers as ``tf.IndexedSlices``: one
row per lookup, repeated ids not summed. Keras sums the rows where an update is
linear in ``g``, but squares each row *before* summing where it squares ``g``:
RMSprop's and Adam's ``g**2`` becomes ``Σ_j rows_j**2`` per table row, not
``(Σ_j rows_j)**2``. Clipping works on the rows: ``clipnorm`` and ``clipvalue``
keep them rows, ``global_clipnorm`` takes its norm over them and hands on the
dense sum. ``RowGradient`` carries such a gradient so that the update is the same
(measured against keras 3.15.1; ``tests/test_parity_variants.py``).

Differences from PyTorch (and other places where Keras has quirks):

- RMSprop: epsilon goes inside the square root, ``g/sqrt(v + eps)``; PyTorch
  uses ``g/(sqrt(v) + eps)``. Keras defaults: lr=1e-3, rho=0.9, eps=1e-7
  (PyTorch: lr=1e-2, alpha=0.99, eps=1e-8). With momentum Keras keeps ``lr``
  inside the momentum buffer.
- Adam: the bias correction is folded into the step size ``alpha``, so epsilon
  is added to the *uncorrected* ``sqrt(v)`` ("epsilon hat" of Kingma & Ba).
  PyTorch's ``m_hat/(sqrt(v_hat) + eps)`` equals Keras's rule with
  ``eps_keras = eps_torch*sqrt(1 - beta_2**t)``. Keras's default eps is 1e-7.
- Keras turns ``beta_1``, ``beta_2`` (Adam) and ``momentum`` (SGD) into
  float32 first (``ops.cast(python_float, dtype)`` goes through a float32
  tensor), so even in float64 Adam's ``beta**t`` uses 0.8999999761581421 and
  0.9990000128746033, and SGD's momentum 0.9 is 0.8999999761581421. The
  ``1 - beta`` factors and RMSprop's rho/momentum/epsilon are converted
  straight to the parameter's dtype (no float32 rounding). Reproduced here.
- SGD with momentum keeps ``lr`` inside the buffer (``m = mu*m - lr*g``,
  ``w += m``); PyTorch uses ``b = mu*b + g``, ``w -= lr*b``.

The learning rate is converted straight to the parameter's dtype. Keras keeps it
in a ``floatx`` variable, which is the same thing as long as floatx and the
parameters share a dtype (the only set-up this project uses).

Not implemented: weight_decay, EMA, loss scaling, gradient accumulation and
learning-rate schedules (``from_config`` accepts a Keras config only with those
at their defaults). Arguments are checked more strictly than Keras does: a
clipping value <= 0 raises instead of silently meaning "no clipping"; integers
are accepted where Keras insists on a float (learning_rate, momentum).

The optimiser binds its slots to parameters by *position* in the list (the
Keras ``get_weights()`` order used by the model), and creates them lazily on the
first update. ``get_state()`` lists arrays in the order of Keras's
``optimizer.variables``: ``iterations``, ``learning_rate``, then the slots.
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from .ops import RowGradient

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "RowGradient", "get", "serialize"]


# --- argument checking --------------------------------------------------------------

def _check_real(name, value, *, low=None, high=None, low_open=False, high_open=False,
                expected=None):
    """Return ``float(value)``, or raise ValueError naming the argument and the range."""
    ok = (isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
          and math.isfinite(value))
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        raise ValueError(f"Argument `{name}` must be {expected}. Received: {name}={value!r}")
    return float(value)


def _check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"Argument `{name}` must be a bool. Received: {name}={value!r}")
    return bool(value)


def _as(x, dtype):
    """A Python number converted straight to ``dtype``, as Keras's ``ops.multiply(x, t)``."""
    return dtype.type(x)


def _as_via_float32(x, dtype):
    """A Python number rounded to float32 first, as Keras's ``ops.cast(x, dtype)``."""
    return dtype.type(np.float32(x))


# Elements per piece of an update. A step makes 6-9 passes over its arrays; on a large
# parameter (a word-level Dense kernel has 1.1M) each pass would stream them all through
# the cache again, while the ~6 arrays of one 64K-element piece stay in L2 between
# passes (measured 1.6× faster on a (256, 4436) kernel). Every rule here is elementwise,
# so each element goes through the same operations either way: the same bits.
_PIECE = 1 << 16


def _pieces(w, g, g2, slots):
    """(w, g, g2, slots) for ``_update_step``, cut into flat pieces of ``_PIECE`` elements:
    views of w and its slots (so the step still updates them in place)."""
    if w.size <= _PIECE or not w.flags.c_contiguous:
        yield w, g, g2, slots
        return
    w, g = w.reshape(-1), g.reshape(-1)
    g2 = None if g2 is None else g2.reshape(-1)
    slots = {name: a.reshape(-1) for name, a in slots.items()}   # (built contiguous)
    for start in range(0, w.size, _PIECE):
        part = slice(start, start + _PIECE)
        yield (w[part], g[part], None if g2 is None else g2[part],
               {name: a[part] for name, a in slots.items()})


def _on_rows(clip, g, value):
    """``clip(g, value)``, on the rows of a RowGradient (which stays one)."""
    if g is None:
        return None
    return g._replace(rows=clip(g.rows, value)) if isinstance(g, RowGradient) else clip(g, value)


# --- clipping (keras/src/optimizers/base_optimizer.py, backend/tensorflow/optimizer.py)

def _clip_by_norm(g, clipnorm):
    """``tf.clip_by_norm(g, clipnorm)``: g*c / max(||g||, c), with ||0|| taken as 0."""
    c = _as(clipnorm, g.dtype)
    l2sum = np.sum(g * g)
    l2norm = np.sqrt(l2sum) if l2sum > 0 else l2sum
    return g * c / np.maximum(l2norm, c)


def _clip_by_global_norm(grads, clipnorm):
    """Keras's ``clip_by_global_norm``: one scale for all gradients (None kept)."""
    # the norm over a RowGradient's rows; the scaled gradient is their dense sum (as Keras)
    present = [g.rows if isinstance(g, RowGradient) else g for g in grads if g is not None]
    dtype = np.result_type(*present)
    use_norm = np.sqrt(np.sum(np.stack([np.sum(np.square(g)) for g in present])))
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_norm = _as(1.0, dtype) / use_norm
        scale = _as(clipnorm, dtype) * np.minimum(inv_norm, _as(1.0 / clipnorm, dtype))
        scale = scale + (use_norm - use_norm)  # NaN when the norm is inf/NaN, as Keras
    return [None if g is None else (g.dense() if isinstance(g, RowGradient) else g) * scale
            for g in grads]


def _clip_by_value(g, clipvalue):
    c = _as(clipvalue, g.dtype)
    return np.maximum(np.minimum(g, c), -c)


# --- the optimisers -----------------------------------------------------------------

# Keras base-optimizer arguments that a Keras config carries but this module does not
# implement; from_config accepts them only at their inert default values.
_KERAS_ONLY_DEFAULTS = {
    "weight_decay": None, "use_ema": False, "ema_momentum": 0.99,
    "ema_overwrite_frequency": None, "loss_scale_factor": None,
    "gradient_accumulation_steps": None, "decay": None,
}


class Optimizer:
    """Base class: clipping, lazily created slots, ``iterations`` and state.

    Subclasses set ``_default_name``, list their slots in ``_slot_groups`` and
    implement ``_update_step(w, g, g2, slots, lr)``; one whose step never reads ``g2``
    sets ``uses_squares = False``.
    """

    _default_name = "optimizer"
    uses_squares = True   # whether _update_step reads g2: a RowGradient's squares cost a scatter-add

    def __init__(self, learning_rate, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None):
        self.learning_rate = learning_rate  # validated by the property setter
        clips = {"clipnorm": clipnorm, "clipvalue": clipvalue,
                 "global_clipnorm": global_clipnorm}
        if sum(v is not None for v in clips.values()) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}")
        for key, value in clips.items():
            if value is not None:
                clips[key] = _check_real(key, value, low=0.0, low_open=True,
                                         expected="None or a positive finite number")
        self.clipnorm = clips["clipnorm"]
        self.clipvalue = clips["clipvalue"]
        self.global_clipnorm = clips["global_clipnorm"]
        if name is None:
            name = self._default_name
        if not isinstance(name, str):
            raise ValueError(f"Argument `name` must be a str. Received: name={name!r}")
        self.name = name
        self._iterations = 0
        self._slots: dict[str, list[np.ndarray]] | None = None  # None until built

    # learning rate and counter ---------------------------------------------------

    @property
    def learning_rate(self) -> float:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate = _check_real("learning_rate", value, low=0.0, low_open=True,
                                          expected="a positive finite float")

    @property
    def iterations(self) -> int:
        """Number of updates applied so far (Keras increments it after each update)."""
        return self._iterations

    @property
    def built(self) -> bool:
        return self._slots is not None

    # slots ----------------------------------------------------------------------

    def _slot_groups(self) -> list[tuple[str, ...]]:
        """Slot names, grouped as Keras's ``add_optimizer_variables`` calls in ``build``.

        Within a group Keras interleaves the names per parameter (Adam:
        momentum_0, velocity_0, momentum_1, ...); groups follow one another.
        """
        return []

    def _slot_keys(self, n_params):
        return [f"{name}_{i}" for group in self._slot_groups()
                for i in range(n_params) for name in group]

    def build(self, params) -> None:
        """Create the zero slots for ``params`` (done by the first update if not called)."""
        params = self._check_params(params)
        self._slots = {name: [np.zeros_like(p) for p in params]
                       for group in self._slot_groups() for name in group}
        self._built_specs = [(p.shape, p.dtype) for p in params]

    @staticmethod
    def _check_params(params):
        params = list(params)
        for k, p in enumerate(params):
            if not (isinstance(p, np.ndarray) and p.dtype.kind == "f"):
                raise ValueError(f"Parameter {k} must be a floating-point numpy array. "
                                 f"Received: {type(p).__name__} "
                                 f"{getattr(p, 'dtype', '')}")
            if not p.flags.writeable:
                raise ValueError(f"Parameter {k} is read-only; the optimizer updates "
                                 "parameters in place")
        return params

    def _check_built_for(self, params):
        specs = [(p.shape, p.dtype) for p in params]
        if specs != self._built_specs:
            raise ValueError(
                f"This optimizer was built for {len(self._built_specs)} parameters "
                f"{[(s, str(d)) for s, d in self._built_specs]}; received "
                f"{len(specs)} parameters {[(s, str(d)) for s, d in specs]}. "
                "Use a new optimizer for a new set of parameters.")

    # the update -----------------------------------------------------------------

    def update(self, params, grads) -> int:
        """Apply one step to ``params`` in place from ``grads`` (same order and shapes).

        A ``None`` gradient leaves its parameter (and slots) unchanged, with a
        warning, as in Keras. Returns the new ``iterations``.
        """
        params = list(params)
        grads = list(grads)
        if len(params) != len(grads):
            raise ValueError(f"Expected as many gradients as parameters. Received "
                             f"{len(grads)} gradients for {len(params)} parameters")
        if not params:
            return self._iterations  # Keras: an empty update is a no-op
        if self._slots is None:
            self.build(params)
        else:
            self._check_params(params)
            self._check_built_for(params)
        missing = [k for k, g in enumerate(grads) if g is None]
        if len(missing) == len(grads):
            raise ValueError("No gradients provided for any variable.")
        if missing:
            warnings.warn(f"Gradients do not exist for parameters {missing}; "
                          "they are left unchanged.", stacklevel=2)
        grads = [g if g is None or isinstance(g, RowGradient) else np.asarray(g) for g in grads]
        for k, (p, g) in enumerate(zip(params, grads)):
            if g is not None and g.shape != p.shape:
                raise ValueError(f"Gradient {k} has shape {g.shape} but its parameter "
                                 f"has shape {p.shape}")

        grads = self._clip_gradients(grads)
        for i, (p, g) in enumerate(zip(params, grads)):
            if g is None:
                continue
            g2 = None
            if isinstance(g, RowGradient):   # the dense sum, but g**2 summed row by row
                if self.uses_squares:
                    g2 = g.squares().astype(p.dtype, copy=False)
                g = g.dense()
            g, lr = g.astype(p.dtype, copy=False), _as(self._learning_rate, p.dtype)
            slots = {name: arrays[i] for name, arrays in self._slots.items()}
            for piece in _pieces(p, g, g2, slots):
                self._update_step(*piece, lr)
        self._iterations += 1
        return self._iterations

    def apply_gradients(self, grads_and_vars) -> int:
        """Keras-style ``apply_gradients(zip(grads, params))``; same as ``update``."""
        pairs = list(grads_and_vars)
        return self.update([p for _, p in pairs], [g for g, _ in pairs])

    def _clip_gradients(self, grads):
        if self.clipnorm is not None:
            return [_on_rows(_clip_by_norm, g, self.clipnorm) for g in grads]
        if self.global_clipnorm is not None:
            return _clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue is not None:
            return [_on_rows(_clip_by_value, g, self.clipvalue) for g in grads]
        return grads

    def _update_step(self, w, g, g2, slots, lr):
        """One parameter's step, in place on w and its ``slots`` (name → array shaped
        like w); ``g2`` replaces ``g**2`` where given (a RowGradient, when ``uses_squares``),
        else None. g2 is the optimizer's own array: the step may overwrite it."""
        raise NotImplementedError

    # state and config -------------------------------------------------------------

    def get_state(self) -> dict[str, np.ndarray]:
        """Copies of ``iterations``, ``learning_rate`` and every slot, in Keras's order.

        Keys: ``"iterations"``, ``"learning_rate"``, then ``"<slot>_<i>"`` for
        parameter number ``i`` (``"velocity_3"``). Before the first update there
        are no slots.
        """
        state = {"iterations": np.array(self._iterations, dtype=np.int64),
                 "learning_rate": np.array(self._learning_rate, dtype=np.float64)}
        if self._slots is not None:
            n = len(self._built_specs)
            for key in self._slot_keys(n):
                name, i = key.rsplit("_", 1)
                state[key] = self._slots[name][int(i)].copy()
        return state

    def set_state(self, state, params) -> None:
        """Restore a ``get_state()`` dict for ``params`` (the parameters to be updated).

        The keys must be exactly those this optimizer has for ``params``, or only
        ``iterations`` and ``learning_rate`` (a state saved before the first
        update: the slots are then created at the next update, as zeros).
        """
        params = self._check_params(params)
        state = dict(state)
        base = {"iterations", "learning_rate"}
        full = base | set(self._slot_keys(len(params)))
        if set(state) not in (base, full):
            raise ValueError(
                f"State keys do not match this {type(self).__name__} for "
                f"{len(params)} parameters: expected {sorted(full)}, "
                f"received {sorted(state)}")
        iterations = np.asarray(state["iterations"])
        if iterations.shape != () or iterations.dtype.kind not in "iu" or iterations < 0:
            raise ValueError("State `iterations` must be a non-negative integer scalar. "
                             f"Received: {state['iterations']!r}")
        lr = np.asarray(state["learning_rate"])
        if lr.shape != ():
            raise ValueError("State `learning_rate` must be a scalar. "
                             f"Received shape {lr.shape}")
        if set(state) == full and full != base:
            for key in full - base:
                p = params[int(key.rsplit("_", 1)[1])]
                if np.shape(state[key]) != p.shape:
                    raise ValueError(f"State `{key}` has shape {np.shape(state[key])}; "
                                     f"its parameter has shape {p.shape}")
        self.learning_rate = float(lr)
        self._iterations = int(iterations)
        if set(state) == full:
            self.build(params)
            for key in full - base:
                name, i = key.rsplit("_", 1)
                self._slots[name][int(i)][...] = state[key]
        else:
            self._slots = None

    def get_config(self) -> dict:
        """Constructor arguments (JSON-serialisable), Keras's ``get_config`` keys."""
        return {"name": self.name, "learning_rate": self._learning_rate,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue}

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild from ``get_config()``; also accepts a Keras optimizer's config.

        Keras-only arguments (weight_decay, use_ema, ...) are accepted only at
        their inert defaults, since this module does not implement them.
        """
        config = dict(config)
        for key, default in _KERAS_ONLY_DEFAULTS.items():
            if key in config:
                value = config.pop(key)
                if value != default:
                    raise ValueError(f"Argument `{key}` is not supported by npseq2seq "
                                     f"optimizers (only {default!r}). Received: "
                                     f"{key}={value!r}")
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items()
                         if k != "name")
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Gradient descent, optionally with (Nesterov) momentum (keras ``sgd.py``)."""

    _default_name = "sgd"
    uses_squares = False

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, name=None):
        super().__init__(learning_rate, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name)
        self.momentum = _check_real("momentum", momentum, low=0.0, high=1.0,
                                    expected="a float between [0, 1]")
        self.nesterov = _check_bool("nesterov", nesterov)

    def _slot_groups(self):
        return [("momentum",)] if self.momentum != 0 else []

    def _update_step(self, w, g, g2, slots, lr):
        if self.momentum == 0:
            w -= g * lr
            return
        mu = _as_via_float32(self.momentum, w.dtype)
        m = slots["momentum"]
        m[...] = m * mu - g * lr
        if self.nesterov:
            w += m * mu - g * lr
        else:
            w += m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum,
                "nesterov": self.nesterov}


class RMSprop(Optimizer):
    """RMSprop with epsilon inside the square root (keras ``rmsprop.py``)."""

    _default_name = "rmsprop"

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name=None):
        super().__init__(learning_rate, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name)
        self.rho = _check_real("rho", rho, low=0.0, high=1.0,
                               expected="a float between [0, 1]")
        self.momentum = _check_real("momentum", momentum, low=0.0, high=1.0,
                                    expected="a float between [0, 1]")
        self.epsilon = _check_real("epsilon", epsilon, low=0.0,
                                   expected="a non-negative finite float")
        self.centered = _check_bool("centered", centered)

    def _slot_groups(self):
        groups = [("velocity",)]
        if self.momentum > 0:
            groups.append(("momentum",))
        if self.centered:
            groups.append(("average_gradient",))
        return groups

    def _update_step(self, w, g, g2, slots, lr):
        dt = w.dtype
        rho, one_minus_rho = _as(self.rho, dt), _as(1 - self.rho, dt)
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
            denominator += _as(self.epsilon, dt)            # d = v - a**2 + eps
        else:
            np.add(v, _as(self.epsilon, dt), out=denominator)   # d = v + eps
        increment = np.multiply(lr, g)
        increment /= np.sqrt(denominator, out=denominator)     # inc = lr*g / sqrt(d)
        if self.momentum > 0:
            m = slots["momentum"]
            m[...] = _as(self.momentum, dt) * m + increment
            w -= m
        else:
            w -= increment

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adam(Optimizer):
    """Adam with Keras's folded bias correction and float32-rounded betas (``adam.py``)."""

    _default_name = "adam"

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name=None):
        super().__init__(learning_rate, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name)
        self.beta_1 = _check_real("beta_1", beta_1, low=0.0, high=1.0, high_open=True,
                                  expected="a float in [0, 1)")
        self.beta_2 = _check_real("beta_2", beta_2, low=0.0, high=1.0, high_open=True,
                                  expected="a float in [0, 1)")
        self.epsilon = _check_real("epsilon", epsilon, low=0.0,
                                   expected="a non-negative finite float")
        self.amsgrad = _check_bool("amsgrad", amsgrad)

    def _slot_groups(self):
        groups = [("momentum", "velocity")]
        if self.amsgrad:
            groups.append(("velocity_hat",))
        return groups

    def _update_step(self, w, g, g2, slots, lr):
        dt = w.dtype
        t = _as(self._iterations + 1, dt)
        beta_1_power = _as_via_float32(self.beta_1, dt) ** t
        beta_2_power = _as_via_float32(self.beta_2, dt) ** t
        one = _as(1, dt)
        alpha = lr * np.sqrt(one - beta_2_power) / (one - beta_1_power)
        m, v = slots["momentum"], slots["velocity"]
        m += (g - m) * _as(1 - self.beta_1, dt)
        v += ((np.square(g) if g2 is None else g2) - v) * _as(1 - self.beta_2, dt)
        if self.amsgrad:
            v_hat = slots["velocity_hat"]
            np.maximum(v_hat, v, out=v_hat)
            v = v_hat
        w -= m * alpha / (np.sqrt(v) + _as(self.epsilon, dt))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


# --- lookup -------------------------------------------------------------------------

_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam}


def serialize(optimizer: Optimizer) -> dict:
    """``{"class_name": ..., "config": ...}``, JSON-serialisable; ``get`` reverses it."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def get(identifier) -> Optimizer:
    """An optimizer from a name ("adam", "rmsprop", "sgd"; any case, default
    arguments), a ``serialize()`` dict, or an Optimizer instance (returned as is)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    if (isinstance(identifier, dict) and set(identifier) >= {"class_name", "config"}
            and str(identifier["class_name"]).lower() in _BY_NAME):
        return _BY_NAME[identifier["class_name"].lower()].from_config(identifier["config"])
    raise ValueError(
        "Could not interpret optimizer identifier: expected one of "
        f"{sorted(_BY_NAME)} (any case), an Optimizer instance, or a "
        f"{{'class_name': ..., 'config': ...}} dict. Received: {identifier!r}")
