"""The training loop, as Keras keeps it in its trainer: ``compile``, ``fit`` and
``train_on_batch`` here; ``evaluate`` and ``predict``, which only run forward, in its base
class ``Evaluation`` (``evaluation.py``).

``Trainer`` is a base class of ``Seq2Seq`` (Keras's ``Model`` inherits its ``Trainer``
the same way). It knows nothing of the layers: it asks the model for

- ``_prepare_x(x)`` / ``_prepare_y(y, dec)``: the checked id arrays;
- ``_loss_and_grads(batch, with_grads, embedding_rows, metrics, training)``: the loss of a
  ``Batch``, the gradients in ``params`` order and the batch's weight in an epoch's mean
  (and the compiled metrics updated from the same forward pass); ``training=True`` (Keras's
  ``training`` argument: dropout on) from ``fit`` and ``train_on_batch`` only, never from
  ``evaluate``, the validation loss or ``predict``;
- ``_loss_count(batch)``: the divisor of a batch's loss, which each half of it is handed as
  ``_loss_and_grads(..., count=)`` when it trains in halves on two threads (``halves.py``),
  for a model that declares ``trains_in_halves = True`` (the default, False, trains whole);
- ``forward(enc, dec, steps)``: the probabilities, for ``predict``;
- ``params``, ``param_names()``, ``rng``, ``config`` and ``vocab``.
"""
from __future__ import annotations

import math
import sys
import time

import numpy as np

from .. import losses as losses_mod
from .. import optimizers as optimizers_mod
from ..checks import check_integer
from ..memory import retain_freed_memory
from ..ops import RowGradient
from . import metrics as metrics_mod
from . import processes
from .batches import Batch, BucketedBatches, PaddedBatches
from .callbacks import CallbackList, History
from .evaluation import Evaluation
from .validation import check_validation_split, split_validation


class NonFiniteLoss(FloatingPointError):
    """A batch's loss is NaN or infinite: its step is not applied (``fit`` passes the loss
    to the callbacks first, so that ``TerminateOnNaN`` can stop training instead)."""

    def __init__(self, loss: float, weight: int):
        super().__init__(f"loss became {loss}; weights left as they were before this batch")
        self.loss, self.weight = loss, weight


class Trainer(Evaluation):
    optimizer = None
    stop_training = False         # a callback sets it to end fit, as in Keras
    trains_in_halves = False      # whether two threads may train a batch in halves (halves.py)

    def compile(self, optimizer="rmsprop", loss="categorical_crossentropy", *, metrics=None) -> None:
        """Keras's compile: the optimizer, the loss and ``metrics`` (None or ["accuracy"])."""
        compiled = optimizers_mod.get(optimizer), losses_mod.get(loss), metrics_mod.get(metrics)
        self.optimizer, self.loss, self.compiled_metrics = compiled

    # --- one batch ------------------------------------------------------------------------
    def train_on_batch(self, x, y) -> float:
        """One optimiser step on one batch; returns the loss *before* the update (as Keras)."""
        self._check_compiled()
        return self._train_step(self._batch(x, y))[0]

    def _train_step(self, batch: Batch, workers=None) -> tuple[float, int]:
        """One optimiser step → (pre-update loss, the batch's weight in the epoch's mean);
        ``workers``: fit's worker processes (``processes.py``), or None."""
        # the Embeddings' gradients as rows: Keras's optimizers square them row by row; with
        # two threads each half of the batch on a core (``_forward_batch``)
        loss, grads, weight = self._forward_batch(batch, True, embedding_rows=True, training=True,
                                                  workers=workers)
        if not math.isfinite(loss):
            raise NonFiniteLoss(loss, weight)
        self._apply_gradients(grads)
        return loss, weight

    def _apply_gradients(self, grads) -> None:
        """One optimiser step, refused (weights untouched) if a gradient is not finite."""
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

    # --- fit ------------------------------------------------------------------------------
    def fit(self, x, y, batch_size: int = 64, epochs: int = 1, verbose: int = 1,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True,
            initial_epoch: int = 0, callbacks=None, bucket_by_length: bool = False) -> History:
        """Train as Keras's ``fit`` does.

        validation_split takes the *last* fraction of the samples, before any
        shuffling; each epoch's ``loss`` is the batch-size-weighted mean of the
        batches' pre-update losses, ``val_loss`` uses the end-of-epoch weights.
        callbacks: ``train.Callback`` objects (Keras's hooks; one that sets
        ``model.stop_training`` ends the run after the batch or epoch, as in Keras), or
        functions ``f(epoch, logs, model)`` run after each epoch.
        bucket_by_length: beyond Keras, train on batches of similar target lengths with the
        padded target steps neither computed nor counted in the loss (zero-padded or
        word-level data; see ``train/batches.py``).
        """
        self._check_compiled()
        batch_size = check_integer(batch_size, "batch_size")
        check_integer(epochs, "epochs", least=0)
        check_validation_split(validation_split)
        check_integer(initial_epoch, "initial_epoch", least=0)
        data = self._batch(x, y)[:3]
        validation = None if validation_data is None else self._batch(*_pair(validation_data))[:3]
        train, val = split_validation(data, validation, validation_split)
        retain_freed_memory()   # each batch reuses the last one's memory (memory.py: no page faults)

        def batches(data, rng):
            if bucket_by_length:   # beyond Keras: padded steps skipped
                return BucketedBatches(self.config, self.vocab, *data, batch_size, rng)
            return PaddedBatches(*data, batch_size, rng)

        training = batches(train, self.rng if shuffle else None)
        validation = None if val is None else batches(val, None)
        params = {"verbose": verbose, "epochs": epochs, "steps": -(-len(train[0]) // batch_size)}
        callbacks = CallbackList(callbacks, self, params)
        label = " (bucketed)" if bucket_by_length else ""
        self.stop_training, logs = False, None
        callbacks.on_train_begin()
        with processes.workers_for(self) as workers:   # two threads: the batches' halves in two processes
            for epoch in range(initial_epoch, epochs):
                callbacks.on_epoch_begin(epoch)
                logs, steps, seconds = self._run_epoch(epoch, training, validation, verbose, callbacks, workers)
                callbacks.on_epoch_end(epoch, logs)
                if verbose:   # after the callbacks, as Keras's progress bar: learning_rate shows
                    _print_epoch(f"{epoch + 1}/{epochs}{label}", steps, seconds, logs)
                if self.stop_training:
                    break
        if epochs > 0:   # as Keras, before on_train_end: use_ema's averages become the weights
            self.optimizer.finalize_variable_values(self.params)
        callbacks.on_train_end(logs)
        return callbacks.history

    def _run_epoch(self, epoch, training, validation, verbose, callbacks, workers=None) -> tuple[dict, int, float]:
        """One epoch: every batch's optimiser step, then the validation loss → (the epoch's
        logs, the batches run, seconds)."""
        start_time = time.perf_counter()
        for metric in self.compiled_metrics:
            metric.reset()
        plan = training.plan()
        total, count = 0.0, 0
        for step, sel in enumerate(plan):
            callbacks.on_train_batch_begin(step)
            refused = None
            try:
                loss, weight = self._train_step(training.batch(sel), workers)
            except NonFiniteLoss as err:   # the callbacks see it first (TerminateOnNaN)
                loss, weight, refused = err.loss, err.weight, err
            except FloatingPointError as err:
                raise FloatingPointError(f"epoch {epoch + 1}, batch {step + 1}: {err}") from None
            total, count = total + loss * weight, count + weight
            logs = self._logs(total / count)
            callbacks.on_train_batch_end(step, logs)
            if refused is not None and not self.stop_training:
                raise FloatingPointError(f"epoch {epoch + 1}, batch {step + 1}: {refused}") from None
            if verbose == 1 and sys.stdout.isatty():
                running = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
                print(f"\r{step + 1}/{len(plan)} - {running}", end="", flush=True)
            if self.stop_training:
                break
        logs = self._logs(total / count)
        if validation is not None:
            logs.update({f"val_{k}": v for k, v in self._evaluate_batches(validation, callbacks, workers).items()})
        return logs, step + 1, time.perf_counter() - start_time


def _print_epoch(which: str, steps: int, seconds: float, logs: dict) -> None:
    """The epoch's line; "Epoch k/n" at its end too (cli's tests read it as "epoch k done")."""
    metrics = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
    print(f"\rEpoch {which}\n{steps}/{steps} - {seconds:.1f}s - "
          f"{1000 * seconds / steps:.0f}ms/step - {metrics}", flush=True)


def _pair(validation_data):
    """validation_data as Keras takes it: ([encoder_input, decoder_input], decoder_target)."""
    if not isinstance(validation_data, (list, tuple)) or len(validation_data) != 2:
        raise ValueError("validation_data must be a pair ([encoder_input, decoder_input], "
                         f"decoder_target), received {type(validation_data).__name__}"
                         + (f" of length {len(validation_data)}"
                            if isinstance(validation_data, (list, tuple)) else ""))
    return validation_data
