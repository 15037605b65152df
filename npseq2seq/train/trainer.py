"""The training loop, as Keras keeps it in its trainer: ``compile``, ``fit``, ``evaluate``,
``predict`` and ``train_on_batch``.

``Trainer`` is a base class of ``Seq2Seq`` (Keras's ``Model`` inherits its ``Trainer``
the same way). It knows nothing of the layers: it asks the model for

- ``_prepare_x(x)`` / ``_prepare_y(y, dec)``: the checked id arrays;
- ``_loss_and_grads(batch, with_grads, embedding_rows)``: the loss of a ``Batch``, the
  gradients in ``params`` order and the batch's weight in an epoch's mean;
- ``forward(enc, dec, steps)``: the probabilities, for ``predict``;
- ``params``, ``param_names()``, ``rng``, ``config`` and ``vocab``.
"""
from __future__ import annotations

import math
import numbers
import sys
import time

import numpy as np

from .. import losses as losses_mod
from .. import optimizers as optimizers_mod
from ..checks import check_integer
from ..memory import retain_freed_memory
from ..ops import RowGradient
from .batches import Batch, BucketedBatches, PaddedBatches
from .callbacks import CallbackList, History


class Trainer:
    optimizer = None
    loss = None

    def compile(self, optimizer="rmsprop", loss="categorical_crossentropy") -> None:
        self.optimizer = optimizers_mod.get(optimizer)
        self.loss = losses_mod.get(loss)

    # --- one batch ------------------------------------------------------------------------
    def _batch(self, x, y) -> Batch:
        enc, dec = self._prepare_x(x)
        return Batch(enc, dec, self._prepare_y(y, dec))

    def train_on_batch(self, x, y) -> float:
        """One optimiser step on one batch; returns the loss *before* the update (as Keras)."""
        self._check_compiled()
        return self._train_step(self._batch(x, y))[0]

    def _train_step(self, batch: Batch) -> tuple[float, int]:
        """One optimiser step → (pre-update loss, the batch's weight in the epoch's mean)."""
        # the Embeddings' gradients as rows: Keras's optimizers square them row by row
        loss, grads, weight = self._loss_and_grads(batch, embedding_rows=True)
        self._apply_gradients(loss, grads)
        return loss, weight

    def _apply_gradients(self, loss, grads) -> None:
        """One optimiser step, refused (weights untouched) if the loss or a gradient is not finite."""
        if not math.isfinite(loss):
            raise FloatingPointError(f"loss became {loss}; weights left as they were before this batch")
        # A finite loss can still overflow on the way back. Checking gradients and weights
        # costs about 0.7 % of a char-level step and 3 % of a word-level one (cProfile).
        bad = [name for name, g in zip(self.param_names(), grads)
               if not np.isfinite(g.rows if isinstance(g, RowGradient) else g).all()]
        if bad:
            raise FloatingPointError(f"the gradient of {', '.join(bad)} holds NaN or Inf; "
                                     "weights left as they were before this batch")
        self.optimizer.apply_gradients(zip(grads, self.params))
        bad = [name for name, w in zip(self.param_names(), self.params) if not np.isfinite(w).all()]
        if bad:   # the step itself overflowed (a huge learning rate): too late to undo in place
            raise FloatingPointError(f"the update made {', '.join(bad)} NaN or Inf; these weights "
                                     "are lost (reload the last checkpoint)")

    def _check_compiled(self):
        if self.optimizer is None or self.loss is None:   # a ValueError, as Keras 3 raises
            raise ValueError("the model must be compiled before training: "
                             "call model.compile(optimizer='rmsprop', loss='categorical_crossentropy')")

    def _loss_fn(self):
        if self.loss is None:   # a ValueError, as Keras 3 raises
            raise ValueError("the model must be compiled before training or evaluation: "
                             "call model.compile(optimizer=..., loss=...)")
        return self.loss

    # --- many batches -----------------------------------------------------------------------
    def _mean_loss(self, batches) -> float:
        """The loss over all of ``batches``' data: each batch's mean weighted by its size
        (samples, or real target steps when packed), as Keras's ``Mean`` metric."""
        total, count = 0.0, 0
        for sel in batches.plan():
            loss, _, n = self._loss_and_grads(batches.batch(sel), with_grads=False)
            total, count = total + loss * n, count + n
        return total / count

    def evaluate(self, x, y, batch_size: int = 64, verbose: int = 0) -> float:
        """Mean loss over batches, weighted by batch size (Keras's ``Mean`` metric).
        ``verbose`` is accepted, for Keras's signature, and ignored: nothing is printed."""
        batch = self._batch(x, y)
        return self._mean_loss(PaddedBatches(*batch[:3], check_integer(batch_size, "batch_size")))

    def predict(self, x, batch_size: int = 64, verbose: int = 0, steps: int | None = None) -> np.ndarray:
        """The training model's probabilities (N, Td, Vd); without teacher forcing the decoder
        runs ``steps`` steps (default: the decoder input's length). ``verbose`` is accepted,
        for Keras's signature, and ignored."""
        enc, dec = self._prepare_x(x)
        batch_size = check_integer(batch_size, "batch_size")
        return np.concatenate([self.forward(enc[s:s + batch_size], dec[s:s + batch_size], steps)[0]
                               for s in range(0, len(enc), batch_size)], axis=0)

    # --- fit ------------------------------------------------------------------------------
    def fit(self, x, y, batch_size: int = 64, epochs: int = 1, verbose: int = 1,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True,
            initial_epoch: int = 0, callbacks=None, bucket_by_length: bool = False) -> History:
        """Train as Keras's ``fit`` does.

        validation_split takes the *last* fraction of the samples, before any
        shuffling; each epoch's ``loss`` is the batch-size-weighted mean of the
        batches' pre-update losses, ``val_loss`` uses the end-of-epoch weights.
        callbacks: ``train.Callback`` objects (Keras's hooks), or functions
        ``f(epoch, logs, model)`` run after each epoch.
        bucket_by_length: beyond Keras, train on batches of similar target lengths with the
        padded target steps neither computed nor counted in the loss (zero-padded or
        word-level data; see ``train/batches.py``).
        """
        self._check_compiled()
        batch_size = check_integer(batch_size, "batch_size")
        check_integer(epochs, "epochs", least=0)
        if (isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real)
                or not 0.0 <= validation_split < 1.0):
            raise ValueError(f"validation_split must be a number in [0, 1), received {validation_split!r}")
        check_integer(initial_epoch, "initial_epoch", least=0)
        train, val = self._split(self._batch(x, y), validation_data, validation_split)
        retain_freed_memory()   # each batch reuses the last one's memory (memory.py: no page faults)

        def batches(data, rng):
            if bucket_by_length:   # beyond Keras: padded steps skipped
                return BucketedBatches(self.config, self.vocab, *data, batch_size, rng)
            return PaddedBatches(*data, batch_size, rng)

        training = batches(train, self.rng if shuffle else None)
        validation = None if val is None else batches(val, None)
        history = History()
        callbacks = CallbackList([history, *(callbacks or ())], self)
        label = " (bucketed)" if bucket_by_length else ""
        callbacks.on_train_begin()
        for epoch in range(initial_epoch, epochs):
            callbacks.on_epoch_begin(epoch)
            logs = self._run_epoch(epoch, epochs, training, validation, verbose, callbacks, label)
            callbacks.on_epoch_end(epoch, logs)
        callbacks.on_train_end({k: v[-1] for k, v in history.history.items()})
        return history

    def _split(self, data: Batch, validation_data, validation_split):
        """(training arrays, validation arrays or None) as Keras's ``fit`` takes them."""
        if validation_data is not None:
            if not isinstance(validation_data, (list, tuple)) or len(validation_data) != 2:
                raise ValueError("validation_data must be a pair ([encoder_input, decoder_input], "
                                 f"decoder_target), received {type(validation_data).__name__}"
                                 + (f" of length {len(validation_data)}"
                                    if isinstance(validation_data, (list, tuple)) else ""))
            return data[:3], self._batch(*validation_data)[:3]
        if validation_split == 0:
            return data[:3], None
        n = len(data.enc)
        split_at = int(math.floor(n * (1.0 - validation_split)))
        if split_at == 0 or split_at == n:
            raise ValueError(f"validation_split={validation_split} leaves no samples for "
                             f"{'training' if split_at == 0 else 'validation'} out of {n}")
        return tuple(a[:split_at] for a in data[:3]), tuple(a[split_at:] for a in data[:3])

    def _run_epoch(self, epoch, epochs, training, validation, verbose, callbacks, label) -> dict:
        """One epoch: every batch's optimiser step, then the validation loss → the epoch's logs."""
        start_time = time.perf_counter()
        plan = training.plan()
        total, count = 0.0, 0
        for step, sel in enumerate(plan):
            callbacks.on_train_batch_begin(step)
            try:
                loss, weight = self._train_step(training.batch(sel))
            except FloatingPointError as err:
                raise FloatingPointError(f"epoch {epoch + 1}, batch {step + 1}: {err}") from None
            total, count = total + loss * weight, count + weight
            callbacks.on_train_batch_end(step, {"loss": total / count})
            if verbose == 1 and sys.stdout.isatty():
                print(f"\r{step + 1}/{len(plan)} - loss: {total / count:.4f}", end="", flush=True)
        logs = {"loss": total / count}
        if validation is not None:
            logs["val_loss"] = self._mean_loss(validation)
        if verbose:
            seconds = time.perf_counter() - start_time
            metrics = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
            print(f"\rEpoch {epoch + 1}/{epochs}{label}\n{len(plan)}/{len(plan)} - {seconds:.1f}s - "
                  f"{1000 * seconds / len(plan):.0f}ms/step - {metrics}", flush=True)
        return logs
