"""Helpers shared by the gradient-check tests."""
import numpy as np

from npseq2seq.gradcheck import numerical_gradient


def assert_gradient(f, x, analytic, name="", rtol=1e-5, atol=1e-8):
    """Compare an analytic gradient with centred finite differences of the scalar f()."""
    numeric = numerical_gradient(f, x)
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol,
                               err_msg=f"gradient of {name} disagrees with finite differences")
