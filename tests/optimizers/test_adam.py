"""optimizers/adam.py: single Adam steps worked out by hand (float32-rounded betas, the
bias correction folded into the step size; amsgrad's running maximum)."""
import numpy as np

from npseq2seq.optimizers import Adam
from tests.optimizers.util import F32_BETA1, F32_BETA2, assert_close


def test_adam_first_step_and_float32_rounded_betas():
    w0 = np.array([1.0, -3.0, 0.25])
    g = np.array([0.5, 2.0, -0.1])
    w = w0.copy()
    Adam(learning_rate=0.01).update([w], [g])
    alpha = 0.01 * np.sqrt(1 - F32_BETA2) / (1 - F32_BETA1)  # t = 1
    m = (1 - 0.9) * g                                         # 1 - beta exact
    v = (1 - 0.999) * g * g
    assert_close(w, w0 - m * alpha / (np.sqrt(v) + 1e-7))
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
    assert_close(w, [ref])
