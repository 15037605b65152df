"""What the optimizer tests share: Keras's float32-rounded betas and momentum, and the
comparison used where a step is worked out by hand."""
import numpy as np

F32_BETA1 = float(np.float32(0.9))    # 0.8999999761581421
F32_BETA2 = float(np.float32(0.999))  # 0.9990000128746033


def assert_close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-16)
