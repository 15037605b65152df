"""Helpers shared by the gradient-check tests of layers and whole models, and the random
one-hot batches of the whole-model tests."""
import numpy as np

from npseq2seq.gradcheck import numerical_gradient
from npseq2seq.text import one_hot


def assert_gradient(f, x, analytic, name="", rtol=1e-5, atol=1e-8):
    """Compare an analytic gradient with centred finite differences of the scalar f()."""
    numeric = numerical_gradient(f, x)
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol,
                               err_msg=f"gradient of {name} disagrees with finite differences")


def randomised(model, rng, scale=0.5):
    """Random weights everywhere, biases included (a zero bias hides bias bugs)."""
    model.set_weights([rng.normal(scale=scale, size=w.shape) for w in model.params])
    return model


def word_batch(rng, n, te, td, ve, vd):
    """(encoder ids, decoder input ids, target ids): random tokens padded with 0 at the
    end, as the word tokeniser makes them; the target is the decoder input one step on."""
    enc = rng.integers(1, ve, size=(n, te))
    dec = rng.integers(1, vd, size=(n, td + 1))
    for i in range(n):
        enc[i, rng.integers(1, te + 1):] = 0
        dec[i, rng.integers(1, td + 2):] = 0
    return enc, dec[:, :-1], dec[:, 1:]


def random_batch(rng, n, te, td, ve, vd, zero_pad=False):
    """(encoder input, decoder input, target), one-hot float64 arrays of random tokens for the
    char-level model; each decoder sequence has a padded tail, as the tutorial's data have:
    token 0, or all-zero rows (id -1) with ``zero_pad``. The target is the decoder input one
    step on."""
    pad = -1 if zero_pad else 0
    enc = rng.integers(0, ve, size=(n, te))
    dec = rng.integers(0, vd, size=(n, td + 1))
    lengths = rng.integers(1, td + 1, size=n)
    for i, L in enumerate(lengths):
        dec[i, L:] = pad
    return (one_hot(enc, ve, "float64"), one_hot(dec[:, :-1], vd, "float64"),
            one_hot(dec[:, 1:], vd, "float64"))


def check_all_gradients(model, x, y):
    """Every weight's gradient of ``model.loss_and_gradients`` against finite differences;
    returns the loss."""
    loss, grads = model.loss_and_gradients(x, y)
    f = lambda: model.loss_and_gradients(x, y)[0]
    for k, (param, grad) in enumerate(zip(model.params, grads)):
        assert_gradient(f, param, grad, f"weight {k}")
    return loss


def packed_batch(model, enc, dec, y):
    """A length-bucketed (packed) batch of all the rows of (enc, dec, y), as ``fit(...,
    bucket_by_length=True)`` trains on it; rows without a target token get one (bucketing
    needs one in every row: y and dec are changed in place)."""
    from npseq2seq.train.batches import BucketedBatches

    empty = y[:, 0] == 0
    y[empty, 0] = dec[empty, 1] = 1
    batch = model._batch([enc, dec], y)
    packed = BucketedBatches(model.config, model.vocab, *batch[:3], len(enc)).batch(np.arange(len(enc)))
    assert packed.packed
    return packed
