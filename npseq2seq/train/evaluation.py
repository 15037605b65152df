"""The forward-only half of the trainer: ``evaluate`` and ``predict``, and the one-batch
steps training shares with them.

Nothing here changes a weight: a batch goes forward through the model (the loss, the
compiled metrics), never back. ``Trainer`` (``trainer.py``) builds on it, adding the
optimiser's steps (``compile``, ``fit``, ``train_on_batch``), and ``fit``'s validation
loss is this module's ``_evaluate_batches``. It asks the model for ``_prepare_x`` /
``_prepare_y``, ``_loss_and_grads`` and ``forward`` (see ``trainer.py``).
"""
from __future__ import annotations

import numpy as np

from ..checks import check_integer
from . import halves
from .batches import Batch, PaddedBatches
from .callbacks import CallbackList


class Evaluation:
    """``evaluate`` and ``predict``: the base class of ``Trainer`` (see the module docstring)."""
    loss = None
    compiled_metrics = ()         # compile(metrics=...)'s accumulators (train/metrics.py)

    # --- one batch ------------------------------------------------------------------------
    def _batch(self, x, y) -> Batch:
        enc, dec = self._prepare_x(x)
        return Batch(enc, dec, self._prepare_y(y, dec))

    def _forward_batch(self, batch: Batch, with_grads: bool, embedding_rows: bool = False,
                       training: bool = False, workers=None):
        """The model's ``_loss_and_grads``, updating the compiled metrics from the same
        forward pass; without metrics called as before they existed (a model, or a test's
        stand-in, that does not take ``metrics`` keeps working). training: Keras's.

        With ``set_num_threads(2)`` (``halves.splits``) the batch goes through in blocks, a
        training step's and a validation batch's alike (``halves.py``; in ``fit``'s worker
        processes, ``workers``, when given): the loss the blocks' sum, within rounding of the
        whole batch's. Measured: a validation pass run whole with its elementwise passes split
        over two threads took the char GRU 1.17 s against one thread's 0.94 (docs/speed.md,
        "The halves in two processes")."""
        if halves.splits(self, batch):
            return halves.loss_and_grads(self, batch, embedding_rows, self.compiled_metrics, training,
                                         workers, with_grads)
        if self.compiled_metrics:
            return self._loss_and_grads(batch, with_grads, embedding_rows, metrics=self.compiled_metrics,
                                        training=training)
        return self._loss_and_grads(batch, with_grads, embedding_rows, training=training)

    def _loss_fn(self):
        if self.loss is None:   # a ValueError, as Keras 3 raises
            raise ValueError("the model must be compiled before training or evaluation: "
                             "call model.compile(optimizer=..., loss=...)")
        return self.loss

    def _logs(self, loss: float) -> dict[str, float]:
        """{"loss": ..., then each compiled metric's result}, Keras's order."""
        return {"loss": loss, **{m.name: m.result() for m in self.compiled_metrics}}

    # --- many batches -----------------------------------------------------------------------
    def _evaluate_batches(self, batches, callbacks=None, workers=None) -> dict[str, float]:
        """The loss over all of ``batches``' data, each batch's mean weighted by its size
        (samples, or real target steps when packed), as Keras's ``Mean`` metric; and the
        compiled metrics over the same data. Keras's test hooks run on ``callbacks``;
        ``workers``: ``fit``'s worker processes, or None (``_forward_batch``)."""
        callbacks = callbacks or CallbackList([], self, add_history=False)
        for metric in self.compiled_metrics:
            metric.reset()
        callbacks.on_test_begin()
        total, count = 0.0, 0
        for step, sel in enumerate(batches.plan()):
            callbacks.on_test_batch_begin(step)
            loss, _, n = self._forward_batch(batches.batch(sel), with_grads=False, workers=workers)
            total, count = total + loss * n, count + n
            callbacks.on_test_batch_end(step, self._logs(total / count))
        logs = self._logs(total / count)
        callbacks.on_test_end(logs)
        return logs

    def _mean_loss(self, batches) -> float:
        return self._evaluate_batches(batches)["loss"]

    def evaluate(self, x, y, batch_size: int = 64, verbose: int = 0, callbacks=None,
                 return_dict: bool = False):
        """Keras's evaluate: the mean loss over batches, weighted by batch size (Keras's
        ``Mean`` metric); with compiled metrics ``[loss, metric, ...]`` (or, ``return_dict``,
        ``{"loss": ..., "accuracy": ...}``). ``verbose`` is accepted, for Keras's signature,
        and ignored: nothing is printed."""
        batch = self._batch(x, y)
        batches = PaddedBatches(*batch[:3], check_integer(batch_size, "batch_size"))
        logs = self._evaluate_batches(batches, CallbackList(callbacks, self, add_history=False))
        if return_dict:
            return logs
        return logs["loss"] if len(logs) == 1 else list(logs.values())

    def predict(self, x, batch_size: int = 64, verbose: int = 0, steps: int | None = None,
                callbacks=None) -> np.ndarray:
        """The training model's probabilities (N, Td, Vd); without teacher forcing the decoder
        runs ``steps`` steps (default: the decoder input's length). ``verbose`` is accepted,
        for Keras's signature, and ignored; ``callbacks`` get Keras's predict hooks."""
        enc, dec = self._prepare_x(x)
        batch_size = check_integer(batch_size, "batch_size")
        callbacks = CallbackList(callbacks, self, add_history=False)
        callbacks.on_predict_begin()
        outputs = []
        for k, s in enumerate(range(0, len(enc), batch_size)):
            callbacks.on_predict_batch_begin(k)
            outputs.append(self.forward(enc[s:s + batch_size], dec[s:s + batch_size], steps)[0])
            callbacks.on_predict_batch_end(k, {"outputs": outputs[-1]})
        callbacks.on_predict_end()
        return np.concatenate(outputs, axis=0)
