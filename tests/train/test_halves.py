"""Training in batch halves (``train/halves.py``, ``set_num_threads(2)``): each half's forward
and backward pass in its own thread, the halves' losses, gradients, weights and metrics
added, give the whole batch's, on every model kind, padded and packed, float64 and float32,
for batch sizes that do not halve evenly.

The tolerance. A weight's gradient is a sum over the batch's rows: one GEMM sums the whole
batch in its own order, the halves sum two partial sums and add them, so the two differ by
rounding only. A sum of k terms in float64 carries a relative error of at most about
k·2⁻⁵³ ≈ k·1.1e-16 of the sum of the terms' magnitudes; these batches sum a few hundred
terms, so the bound is ``TOL = 1e-12`` of the gradient's largest element, per element (and
of the loss). Measured on these cases: at most 1.1e-15 of the gradient's max in float64
(5.6e-7 in float32); at the tutorial's sizes the largest seen was 1.2e-13 (bahdanau, packed).
float32: ``TOL32 = 1e-5``. Each of these bugs, tried once as an edit, fails this file: each
half divided by its own count, an Embedding's second-half rows lost, the metrics not merged,
both halves' dropout from one seed, a draw without dropout, ``Batch.rows`` without its sort
or its cut, ``_loss_count`` ignoring the mask.

Also checked: the worker thread really ran a half (the splits forced onto these tiny
batches by a small ``halves.MIN_ROWS``); ``_loss_count`` is the divisor each loss path
uses; ``Batch.rows`` of a packed batch is the packing of those samples; ``fit`` with two
threads is reproducible bit for bit and close to one thread's; dropout draws one number of
the model's ``rng`` per step and gives each half masks of its own; a batch below
``2 * MIN_ROWS`` and ``set_num_threads(1)`` train exactly as before (bit for bit); ``evaluate``
and ``fit``'s validation batches go forward in blocks too, within rounding of one thread."""
import copy
import threading

import numpy as np
import pytest

from npseq2seq import RMSprop, Seq2Seq, threads
from npseq2seq.ops import RowGradient
from npseq2seq.train import halves, processes
from npseq2seq.train.batches import BucketedBatches, pack
from npseq2seq.train.metrics import Accuracy
from tests.train.test_bucketing import padded_ids

TOL, TOL32 = 1e-12, 1e-5
VE, VD, H = 7, 8, 5

KINDS = {
    "lstm": dict(),
    "gru": dict(cell="gru"),
    "gru_reset_before": dict(cell="gru", reset_after=False),
    "word_mask_zero": dict(level="word", mask_zero=True),
    "luong": dict(attention="luong"),
    "gru_luong_general_input_feeding": dict(cell="gru", attention="luong_general", input_feeding=True),
    "bahdanau": dict(attention="bahdanau"),
    "bahdanau_word_mask_zero": dict(attention="bahdanau", level="word", mask_zero=True),
    "stacked_bidirectional": dict(num_layers=2, bidirectional=True),
    "stacked_bidirectional_luong_word": dict(num_layers=2, bidirectional=True, attention="luong",
                                             level="word", mask_zero=True),
    "no_teacher_forcing": dict(teacher_forcing=False),
}
CASES = [(kind, layout) for kind in KINDS for layout in ("padded", "packed")
         if layout == "padded" or KINDS[kind].get("teacher_forcing", True)]


def random_model(kind, dtype="float64", seed=0, **extra):
    """A compiled model with randomised weights and biases (no gate starts symmetric)."""
    rng = np.random.default_rng(seed)
    model = Seq2Seq(VE, VD, H, seed=seed, dtype=dtype, **KINDS[kind], **extra)
    model.compile(optimizer=RMSprop(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.set_weights([w + rng.normal(0, 0.5, w.shape).astype(w.dtype) for w in model.get_weights()])
    return model


def random_data(model, n, seed=1, te=5, td=6):
    """(enc, dec, y) ids with ragged lengths and zero padding (the padding bucketing reads)."""
    rng = np.random.default_rng(seed)
    pad = model.config.padding_id
    first = 0 if pad == -1 else pad + 1
    enc = padded_ids(rng, n, te, VE, pad)
    y = padded_ids(rng, n, td, VD, pad, min_length=1)
    y[0, -1] = pad                       # zero padding shows (sequence_lengths needs it)
    dec = np.where(y == pad, pad, rng.integers(first, VD, size=y.shape))
    if not model.teacher_forcing:        # the decoder reads its start token only
        dec = dec[:, :1]
    return enc, dec, y


def make_batch(model, layout, enc, dec, y):
    batch = model._batch([enc, dec], y)
    if layout == "padded":
        return batch
    return BucketedBatches(model.config, model.vocab, *batch[:3], len(enc)).batch(np.arange(len(enc)))


def dense(g):
    return g.dense() if isinstance(g, RowGradient) else g


def assert_close(whole, split, tol):
    """(loss, grads, weight) of the halves within ``tol`` of the whole batch's (see the module
    docstring): the loss relatively, every gradient element within tol of that gradient's max."""
    (loss_w, grads_w, weight_w), (loss_h, grads_h, weight_h) = whole, split
    assert weight_h == weight_w
    assert abs(loss_h - loss_w) <= tol * abs(loss_w)
    assert len(grads_h) == len(grads_w)
    for g, h in zip(grads_w, grads_h):
        g, h = dense(g), dense(h)
        assert g.shape == h.shape and g.dtype == h.dtype
        np.testing.assert_allclose(h, g, rtol=0, atol=tol * np.abs(g).max())
    assert any(np.abs(dense(g)).max() > 0 for g in grads_w)


@pytest.fixture
def forced(monkeypatch):
    """Two threads, halves even for tiny batches (``MIN_ROWS`` 2); yields the row counts of
    the halves the worker thread ran. ``fit`` runs its blocks in threads too (not in worker
    processes, ``processes.ENABLED``: ``test_processes.py`` checks those against these)."""
    monkeypatch.setattr(halves, "MIN_ROWS", 2)
    monkeypatch.setattr(processes, "ENABLED", False)
    monkeypatch.setattr(threads, "_pool", threads._Pool(2))
    ran, real, caller = [], threads.split_batch, threading.current_thread()

    def counting(fn, batch, min_rows=None):
        def counted(rows):
            if threading.current_thread() is not caller:
                ran.append(len(rows))
            return fn(rows)
        return real(counted, batch, min_rows=min_rows)
    monkeypatch.setattr(threads, "split_batch", counting)
    yield ran


def whole_and_halves(model, batch, training=False):
    """(loss, grads, weight, accuracy) of the whole batch in one thread, then in halves."""
    threads.set_num_threads(1)
    metrics = [Accuracy()]
    *whole, = model._loss_and_grads(batch, True, True, metrics=metrics, training=training)
    whole_acc = metrics[0]
    threads.set_num_threads(2)
    metrics = [Accuracy()]
    split = halves.loss_and_grads(model, batch, True, metrics, training)
    return whole, whole_acc, split, metrics[0]


@pytest.mark.parametrize("n", [5, 8])
@pytest.mark.parametrize("kind, layout", CASES)
def test_halves_give_the_whole_batchs_loss_gradients_and_accuracy(forced, kind, layout, n):
    model = random_model(kind)
    batch = make_batch(model, layout, *random_data(model, n))
    assert batch.packed == (layout == "packed")
    whole, whole_acc, split, split_acc = whole_and_halves(model, batch)
    assert forced == [n - n // 2], "the second half must have run in the worker thread"
    assert_close(whole, split, TOL)
    assert whole_acc.count > 0 and abs(split_acc.result() - whole_acc.result()) <= TOL
    assert abs(split_acc.count - whole_acc.count) <= TOL * whole_acc.count


@pytest.mark.parametrize("kind, layout", [("lstm", "padded"), ("gru", "packed"), ("bahdanau", "packed"),
                                          ("word_mask_zero", "padded"), ("no_teacher_forcing", "padded")])
def test_float32_halves_within_float32s_rounding(forced, kind, layout):
    model = random_model(kind, dtype="float32")
    batch = make_batch(model, layout, *random_data(model, 7))
    whole, _, split, _ = whole_and_halves(model, batch)
    assert forced == [4]
    assert_close(whole, split, TOL32)


def test_three_threads_cut_three_blocks(forced):
    model = random_model("luong")
    batch = make_batch(model, "packed", *random_data(model, 9))
    threads.set_num_threads(3)
    whole, _, _, _ = whole_and_halves(model, batch)
    forced.clear()
    threads.set_num_threads(3)
    split = halves.loss_and_grads(model, batch, True, [], False)
    assert sorted(forced) == [3, 3]
    assert_close(whole, split, TOL)


@pytest.mark.parametrize("kind, layout", CASES)
def test_loss_count_is_the_divisor_each_loss_path_uses(kind, layout):
    model = random_model(kind)
    batch = make_batch(model, layout, *random_data(model, 6))
    count = model._loss_count(batch)
    loss, grads, weight = model._loss_and_grads(batch, True, True)
    loss_c, grads_c, weight_c = model._loss_and_grads(batch, True, True, count=count)
    assert float.hex(float(loss)) == float.hex(float(loss_c)) and weight == weight_c
    for g, h in zip(grads, grads_c):
        assert dense(g).tobytes() == dense(h).tobytes()
    double = model._loss_and_grads(batch, False, count=2 * count)[0]   # the count is really used
    assert double == pytest.approx(loss / 2, rel=1e-14)


@pytest.mark.parametrize("kind", ["lstm", "word_mask_zero", "stacked_bidirectional_luong_word"])
def test_rows_of_a_packed_batch_are_those_samples_packed(kind):
    """Every cut lo..hi: the same arrays, each decoder row reading the same encoder row, as
    ``pack`` of those samples, and the same loss (divided by the whole batch's count)."""
    model = random_model(kind)
    ids_enc, ids_dec, ids_y = random_data(model, 7)
    enc, dec, y = model._batch([ids_enc, ids_dec], ids_y)[:3]
    batches = BucketedBatches(model.config, model.vocab, enc, dec, y, 7)
    batch = batches.batch(np.arange(7))
    order = np.argsort(-batches.dec_lengths, kind="stable")        # the decoder's rows
    count = model._loss_count(batch)
    for lo, hi in [(0, 3), (3, 7), (2, 5), (6, 7)]:
        cut = batch.rows(lo, hi)
        direct = pack(order[lo:hi], enc, dec, y, batches.enc_lengths, batches.dec_lengths)
        for name in ("dec", "y", "dec_lengths"):
            np.testing.assert_array_equal(getattr(cut, name), getattr(direct, name))
        np.testing.assert_array_equal(cut.enc[cut.to_decoder], direct.enc[direct.to_decoder])
        if cut.enc_lengths is not None:
            np.testing.assert_array_equal(cut.enc_lengths[cut.to_decoder], direct.enc_lengths[direct.to_decoder])
            assert (np.diff(cut.enc_lengths) <= 0).all()              # still packable
        loss_cut = model._loss_and_grads(cut, False, count=count)[0]
        loss_direct = model._loss_and_grads(direct, False, count=count)[0]
        assert loss_cut == pytest.approx(loss_direct, rel=TOL)


def _fit(kind, num_threads, bucket=False, seed=0, **extra):
    threads.set_num_threads(num_threads)
    model = random_model(kind, seed=seed, **extra)
    enc, dec, y = random_data(model, 24, seed=seed + 1)
    history = model.fit([enc, dec], y, batch_size=8, epochs=2, verbose=0, bucket_by_length=bucket)
    threads.set_num_threads(1)
    return history.history, model.get_weights()


@pytest.mark.parametrize("kind, bucket", [("lstm", False), ("word_mask_zero", True)])
def test_fit_in_halves_is_reproducible_and_close_to_one_thread(forced, kind, bucket):
    two, again = _fit(kind, 2, bucket), _fit(kind, 2, bucket)
    assert forced, "fit must have trained in halves"
    assert two[0] == again[0]
    assert all(a.tobytes() == b.tobytes() for a, b in zip(two[1], again[1]))
    one = _fit(kind, 1, bucket)
    for key in one[0]:
        np.testing.assert_allclose(two[0][key], one[0][key], rtol=1e-10)
    for a, b in zip(two[1], one[1]):           # RMSprop's steps: rounding stays rounding
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-9 * np.abs(b).max())


@pytest.mark.parametrize("kind", ["gru", "gru_luong_general_input_feeding", "stacked_bidirectional_luong_word"])
def test_fit_in_halves_with_dropout_is_reproducible(forced, kind):
    two = _fit(kind, 2, dropout=0.2, recurrent_dropout=0.3)
    again = _fit(kind, 2, dropout=0.2, recurrent_dropout=0.3)
    assert forced and two[0] == again[0]
    assert all(a.tobytes() == b.tobytes() for a, b in zip(two[1], again[1]))


@pytest.mark.parametrize("kind", ["lstm", "gru_luong_general_input_feeding"])
@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_dropout_draws_one_number_a_step_and_masks_differ_per_half(forced, monkeypatch, dropout, kind):
    """The second half repeats the first's samples: without dropout the halves' losses are
    equal; with it each half draws masks of its own, so they differ (and no layer draws from
    the model's rng, which both threads would share)."""
    model = random_model(kind, dropout=dropout, recurrent_dropout=dropout)
    enc, dec, y = random_data(model, 4)
    batch = model._batch([np.concatenate([enc, enc]), np.concatenate([dec, dec])], np.concatenate([y, y]))
    parts, real = [], model._loss_and_grads

    def recording(*args, **kwargs):
        out = real(*args, **kwargs)
        parts.append(out[0])
        return out
    monkeypatch.setattr(model, "_loss_and_grads", recording)
    expected = copy.deepcopy(model.rng)
    if dropout:
        expected.integers(2**63)
    threads.set_num_threads(2)
    model._train_step(batch)
    assert forced == [4] and len(parts) == 2
    assert model.rng.bit_generator.state == expected.bit_generator.state
    assert (parts[0] != parts[1]) == bool(dropout)


@pytest.mark.parametrize("kind", ["lstm", "word_mask_zero"])
def test_a_batch_below_two_min_rows_trains_whole(monkeypatch, kind):
    """Default ``MIN_ROWS``: 2 * MIN_ROWS - 1 rows train whole, bit for bit one thread's,
    dropout's masks from the model's rng included; 2 * MIN_ROWS rows split."""
    monkeypatch.setattr(threads, "_pool", threads._Pool(2))
    calls = []
    real = halves.loss_and_grads
    monkeypatch.setattr(halves, "loss_and_grads", lambda *a: calls.append(1) or real(*a))
    n = 2 * halves.MIN_ROWS - 1

    def step(num_threads, rows):
        threads.set_num_threads(num_threads)
        model = random_model(kind, dropout=0.2, recurrent_dropout=0.2)
        enc, dec, y = random_data(model, rows)
        losses = [model.train_on_batch([enc, dec], y) for _ in range(2)]
        threads.set_num_threads(1)
        return losses, model.get_weights()
    one, two = step(1, n), step(2, n)
    assert not calls
    assert [float.hex(float(x)) for x in one[0]] == [float.hex(float(x)) for x in two[0]]
    assert all(a.tobytes() == b.tobytes() for a, b in zip(one[1], two[1]))
    step(2, n + 1)
    assert calls


def test_one_thread_never_goes_through_halves(monkeypatch):
    """``set_num_threads(1)``, the default: ``_train_step`` is the whole batch's
    ``_loss_and_grads`` as before halves existed, bit for bit."""
    def refuse(*args):
        raise AssertionError("halves with one thread")
    monkeypatch.setattr(halves, "loss_and_grads", refuse)
    threads.set_num_threads(1)
    model, reference = random_model("luong"), random_model("luong")
    enc, dec, y = random_data(model, 40)
    batch = model._batch([enc, dec], y)
    loss = model._train_step(batch)[0]
    ref_loss, grads, _ = reference._loss_and_grads(batch, True, True, metrics=reference.compiled_metrics,
                                                   training=True)
    reference._apply_gradients(grads)
    assert float.hex(float(loss)) == float.hex(float(ref_loss))
    assert all(a.tobytes() == b.tobytes() for a, b in zip(model.get_weights(), reference.get_weights()))


def test_only_a_model_that_declares_it_trains_in_halves(monkeypatch):
    """``trains_in_halves``: Seq2Seq declares it; RepeatSeq2Seq (addition_rnn's model,
    without ``_loss_count``) keeps the Trainer's False and trains whole on two threads."""
    from npseq2seq.model import RepeatSeq2Seq

    monkeypatch.setattr(threads, "_pool", threads._Pool(2))
    threads.set_num_threads(2)
    try:
        model = random_model("lstm")
        batch = model._batch(*(lambda e, d, y: ([e, d], y))(*random_data(model, 2 * halves.MIN_ROWS)))
        assert halves.splits(model, batch)
        repeat = RepeatSeq2Seq(5, 6, 3, 8, seed=0)
        assert not repeat.trains_in_halves and not halves.splits(repeat, batch)
    finally:
        threads.set_num_threads(1)


@pytest.mark.parametrize("kind, layout", [("lstm", "padded"), ("word_mask_zero", "packed"), ("bahdanau", "padded")])
def test_evaluate_in_halves_gives_the_whole_batchs_loss_and_accuracy(forced, kind, layout):
    """``evaluate`` (and so fit's validation loss) with two threads runs each batch forward
    in blocks: the loss and the accuracy within rounding of one thread's, and the worker
    thread ran a block of every batch."""
    model = random_model(kind)
    enc, dec, y = random_data(model, 20, seed=3)
    threads.set_num_threads(1)
    one = model.evaluate([enc, dec], y, batch_size=10, return_dict=True)
    assert not forced
    threads.set_num_threads(2)
    try:
        two = model.evaluate([enc, dec], y, batch_size=10, return_dict=True)
    finally:
        threads.set_num_threads(1)
    assert forced == [5, 5], "each batch of 10 must have gone forward in two blocks of 5"
    assert two["loss"] == pytest.approx(one["loss"], rel=TOL)
    assert two["accuracy"] == pytest.approx(one["accuracy"], rel=1e-12)


def test_validation_in_halves_is_close_to_one_thread(forced):
    """fit's val_loss with two threads: its batches in blocks, within rounding of one thread's."""
    def run(num_threads):
        threads.set_num_threads(num_threads)
        try:
            model = random_model("gru")
            enc, dec, y = random_data(model, 16, seed=4)
            val = random_data(model, 12, seed=5)
            return model.fit([enc, dec], y, batch_size=8, epochs=2, verbose=0,
                             validation_data=([val[0], val[1]], val[2])).history
        finally:
            threads.set_num_threads(1)
    one = run(1)
    forced.clear()
    two = run(2)
    # training batches of 8 (blocks of 4); validation batches of 8 and 4 (blocks of 4 and 2)
    assert forced == [4, 4, 4, 2] * 2, "every training and validation batch in two blocks"
    np.testing.assert_allclose(two["val_loss"], one["val_loss"], rtol=1e-10)
    assert two["val_accuracy"] == pytest.approx(one["val_accuracy"], rel=1e-12)
