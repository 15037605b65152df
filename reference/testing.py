"""Helpers for the parity suite: random padded batches (one-hot characters, word ids),
random weights, Keras gradients through ``tf.GradientTape``, max-difference measures, and
the side-by-side runs (``train_on_batch`` steps, ``fit``) every model variant goes through."""
from __future__ import annotations

import numpy as np


def random_ids(rng, n, t, vocab_size, min_len=1, pad_id=-1, start_id=None, end_id=None, low=0):
    """(n, t) token ids in [low, vocab_size): each row a random length in [min_len, t],
    then ``pad_id``."""
    ids = rng.integers(low, vocab_size, size=(n, t))
    lengths = rng.integers(min_len, t + 1, size=n)
    lengths[0] = t                      # one full-length row, so t is the real maximum
    for row, length in zip(ids, lengths):
        if start_id is not None:
            row[0] = start_id
        if end_id is not None:
            row[length - 1] = end_id
        row[length:] = pad_id
    return ids


def one_hot(ids, vocab_size, dtype):
    """One-hot rows; id -1 gives an all-zero row (the 2017 blog's zero padding)."""
    out = np.zeros(ids.shape + (vocab_size,), dtype)
    rows = ids >= 0
    out[rows, ids[rows]] = 1.0
    return out


def random_batch(rng, n, te, td, ve, vd, padding, dtype):
    """([encoder_input, decoder_input], decoder_target) one-hot, padded like the tutorial.

    padding "space": pad with the one-hot of token 0 (standing for ' '); "zero": all-zero
    rows. Token 1 of the decoder stands for '\\t' (start), token 2 for '\\n' (end).
    The decoder target is the decoder input one step ahead, padded at the end.
    """
    pad = 0 if padding == "space" else -1
    enc = random_ids(rng, n, te, ve, pad_id=pad)
    dec = random_ids(rng, n, td, vd, min_len=2, pad_id=pad, start_id=1, end_id=2)
    tgt = np.full_like(dec, pad)
    tgt[:, :-1] = dec[:, 1:]
    return ([one_hot(enc, ve, dtype), one_hot(dec, vd, dtype)], one_hot(tgt, vd, dtype))


def random_word_batch(rng, n, te, td, ve, vd, targets="onehot", dtype="float32"):
    """([encoder ids (n, te), decoder ids (n, td)], decoder targets) as ``text.vectorize_words``
    makes them: int32 ids, padding id 0 at the end only (other ids drawn from [1, V)),
    decoder rows START (2) ... END (3), targets the decoder ids one step ahead padded with 0.

    targets "onehot": (n, td, vd) one-hot rows (the FAQ's; PAD is the one-hot of id 0);
    "sparse": the (n, td) int32 ids themselves.
    """
    enc = random_ids(rng, n, te, ve, pad_id=0, low=1).astype(np.int32)
    dec = random_ids(rng, n, td, vd, min_len=2, pad_id=0, start_id=2, end_id=3, low=1).astype(np.int32)
    tgt = np.zeros_like(dec)
    tgt[:, :-1] = dec[:, 1:]
    if targets == "sparse":
        return [enc, dec], tgt
    if targets != "onehot":
        raise ValueError(f"targets must be 'onehot' or 'sparse', got {targets!r}")
    return [enc, dec], one_hot(tgt, vd, dtype)


def random_weights(rng, shapes, dtype, scale=0.5):
    """Normal(0, scale²) arrays of the given shapes: every weight, biases included."""
    return [(scale * rng.standard_normal(s)).astype(dtype) for s in shapes]


def randomise_biases(np_model, seed=1, scale=0.1):
    """Add Normal(0, scale²) noise to every bias of an npseq2seq model, in place.

    Training-parity runs start from Keras's initialisers, whose biases are zeros (and
    the LSTM's forget block ones): a bias bug would not show in the first steps. The
    noise is added to npseq2seq's weights before they are copied to Keras.
    """
    rng = np.random.default_rng(seed)
    weights = np_model.get_weights()
    for i, name in enumerate(np_model.param_names()):
        if name.endswith("/bias"):
            weights[i] = (weights[i] + scale * rng.standard_normal(weights[i].shape)).astype(weights[i].dtype)
    np_model.set_weights(weights)


def keras_loss_and_gradients(model, x, y):
    """(loss, grads in get_weights() order) of a compiled Keras model, as fit computes them.

    Inside the tape: ``y_pred = model(x, training=True)`` and ``model.compute_loss``,
    which is what ``Model.train_step`` does with the TensorFlow backend. The eager
    softmax output carries ``_keras_logits``, so the loss takes the fused from-logits
    path (``tf.nn.softmax_cross_entropy_with_logits``), as in ``fit``.
    """
    import tensorflow as tf

    dtype = model.get_weights()[0].dtype

    def constant(a):   # floats in the model's dtype; integer ids (word level, sparse) stay ids
        a = np.asarray(a)
        return tf.constant(a, a.dtype if np.issubdtype(a.dtype, np.integer) else dtype)

    # a list of inputs (functional models), or one array (a Sequential model's one input)
    x = [constant(a) for a in x] if isinstance(x, (list, tuple)) else constant(x)
    y = constant(y)
    weights = model.trainable_weights
    with tf.GradientTape() as tape:
        y_pred = model(x, training=True)
        loss = model.compute_loss(x=x, y=y, y_pred=y_pred, training=True)
    grads = tape.gradient(loss, weights)
    # an Embedding's gradient comes as tf.IndexedSlices (one row per looked-up id, repeats
    # not yet summed): convert_to_tensor scatter-adds it into the dense (V, E) array
    return float(loss), [np.asarray(tf.convert_to_tensor(g)) for g in grads]


def max_abs_diff(a, b) -> float:
    """max |a − b| over one array or a list of arrays."""
    if isinstance(a, (list, tuple)):
        return max(max_abs_diff(x, y) for x, y in zip(a, b))
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


def max_rel_diff(ours, theirs) -> float:
    """max over arrays of max |ours − theirs| / max |theirs| (per array)."""
    if isinstance(ours, (list, tuple)):
        return max(max_rel_diff(x, y) for x, y in zip(ours, theirs))
    theirs = np.asarray(theirs, np.float64)
    scale = max(float(np.max(np.abs(theirs))), np.finfo(np.float64).tiny)
    return max_abs_diff(ours, theirs) / scale


def gradient_differences(ours, theirs, dtype, names) -> dict:
    """Per named weight: max abs difference (float64) or max abs difference / max |Keras|
    (float32), the measures ``reference.tolerances`` states the gradient tolerance in."""
    measure = max_abs_diff if str(dtype) == "float64" else max_rel_diff
    return {name: measure(a, b) for name, a, b in zip(names, ours, theirs)}


def train_on_batch_side_by_side(keras_model, np_model, batches, steps=20) -> dict:
    """``train_on_batch`` on both models for ``steps`` steps, cycling through ``batches``.

    Returns the largest differences: "loss" (the pre-update losses, every step),
    "weights_1_step", "weights_20_steps" (after the first and the last step; the keys
    are the tolerance names), and "moved" (how far npseq2seq's weights went from the
    start, so a test can check the weights really changed).
    """
    start = np_model.get_weights()
    out = {"loss": 0.0}
    for step in range(steps):
        x, y = batches[step % len(batches)]
        k_loss = float(keras_model.train_on_batch(x, y))
        n_loss = np_model.train_on_batch(x, y)
        out["loss"] = max(out["loss"], abs(k_loss - n_loss))
        if step == 0:
            out["weights_1_step"] = max_abs_diff(np_model.get_weights(), keras_model.get_weights())
    out["weights_20_steps"] = max_abs_diff(np_model.get_weights(), keras_model.get_weights())
    out["moved"] = max_abs_diff(np_model.get_weights(), start)
    return out


def fit_side_by_side(keras_model, np_model, x, y, **kwargs):
    """``fit(x, y, verbose=0, **kwargs)`` on both (Keras first): (npseq2seq history, Keras
    history, max difference of the per-epoch values over every key both report)."""
    k_hist = keras_model.fit(x, y, verbose=0, **kwargs).history
    n_hist = np_model.fit(x, y, verbose=0, **kwargs).history
    keys = sorted(set(k_hist) & set(n_hist))
    diff = max(abs(a - b) for key in keys for a, b in zip(n_hist[key], k_hist[key]))
    return n_hist, k_hist, diff


def check_three_epochs(km, nm, x, y, dtype, label, record):
    """fit(shuffle=False, validation_split=0.2), 3 epochs of batch 5, on both: per-epoch loss
    and val_loss, then the weights, within ``reference.tolerances`` (recorded as ``label``)."""
    from .tolerances import tol

    n_hist, _, diff = fit_side_by_side(km, nm, x, y, epochs=3, batch_size=5, shuffle=False,
                                       validation_split=0.2)
    assert set(n_hist) >= {"loss", "val_loss"} and len(n_hist["loss"]) == 3
    record(label, dtype, diff)
    assert diff <= tol(dtype, "history")
    assert max_abs_diff(nm.get_weights(), km.get_weights()) <= tol(dtype, "weights_20_steps")


def greedy_steps_difference(keras_decoder, np_model, k_states, n_states, num_tokens, dtype,
                            steps=4) -> float:
    """``steps`` one-hot decoder steps from token 1, each fed the argmax of Keras's output, on
    Keras's one-step ``decoder_model`` and on npseq2seq's ``decoder_model`` and ``decode_step``
    (what greedy decoding runs): the largest difference of their probabilities and states."""
    from reference.models import _call

    s_states, n = n_states, len(n_states[0])
    target = np.zeros((n, 1, num_tokens), dtype)
    target[:, 0, 1] = 1.0
    diff = 0.0
    for _ in range(steps):
        k_out, *k_states = _call(keras_decoder, [target] + k_states)
        n_out, *n_states = np_model.decoder_model.predict([target] + n_states)
        s_out, s_states = np_model.decode_step(target[:, 0].argmax(-1), s_states)
        assert len(n_states) == len(k_states) and n_out.shape == k_out.shape == (n, 1, num_tokens)
        diff = max(diff, max_abs_diff(n_out, k_out), max_abs_diff(n_states, k_states),
                   max_abs_diff(s_out, k_out[:, 0]), max_abs_diff(s_states, k_states))
        target = np.zeros((n, 1, num_tokens), dtype)
        target[np.arange(n), 0, k_out[:, 0].argmax(-1)] = 1.0
    return diff
