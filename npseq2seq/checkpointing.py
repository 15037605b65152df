"""Model files written during ``fit``, by two callbacks.

``ModelCheckpoint`` is Keras's (``keras/src/callbacks/model_checkpoint.py``): after
each epoch (or every ``save_freq`` batches) it writes the model to ``filepath``, or only
when the monitored quantity improves (``save_best_only``), in npseq2seq's ``.npz``
format, atomically. It lives here, not in ``train/callbacks/``, because it writes through
``io``, which knows the model and so sits above ``train``; it decides through the same
``MonitorCallback`` as EarlyStopping.

``Checkpointer`` is npseq2seq's resume file: the state after the last completed epoch,
kept in memory and written on demand, so an interrupt in the middle of an epoch loses
only that epoch.

    from npseq2seq import io
    from npseq2seq.checkpointing import Checkpointer

    ckpt = Checkpointer("run.ckpt.npz", every=5)       # also written every 5 epochs
    try:
        model.fit(x, y, epochs=50, callbacks=[ckpt])
    except (KeyboardInterrupt, FloatingPointError):
        ckpt.save()                                    # the last completed epoch, whole
        raise

    model, state = io.load_checkpoint("run.ckpt.npz")  # later: go on where it stopped
    ckpt = Checkpointer("run.ckpt.npz", every=5, initial_epoch=state["epoch"],
                        history=state["history"])
    model.fit(x, y, epochs=50, initial_epoch=state["epoch"], callbacks=[ckpt])

The file is a model file with the optimizer's slots and ``io.training_state`` (epochs
done, their history, the RNG state that shuffles the next epoch), which is what makes a
resumed run end bit-equal to an uninterrupted one. Writes are atomic (``io.atomic_savez``):
a kill during a write leaves the previous file whole.

Why in memory: a Ctrl-C or a NaN arrives in the middle of an epoch, when the weights and
the optimizer hold part of it; what can be saved then is the copy taken when the last
epoch ended (``on_epoch_end``), not the live model.
"""
from __future__ import annotations

import os
import warnings

from .io import atomic_savez, model_arrays, training_state
from .train import Callback
from .train.callbacks import MonitorCallback


class Checkpointer(Callback):
    """Keeps a copy of the model's state after each completed epoch; writes it to ``path``
    every ``every`` epochs (None: only when ``save()`` is called).

    initial_epoch, history: where a resumed run starts (``io.load_checkpoint``'s state),
    so the file keeps counting epochs and the history from there. ``extra``: more
    JSON-able keys for the file's training state (the CLI stores its settings and a hash
    of its data there). on_error: None lets an error writing an every-N-epochs file
    (``OSError``: a full disk) stop ``fit``; a function ``on_error(error, epoch)`` is told
    instead and training goes on (the state stays in memory for the next ``save()``).
    """

    def __init__(self, path, every: int | None = None, initial_epoch: int = 0,
                 history: dict[str, list[float]] | None = None, on_error=None, **extra):
        super().__init__()
        self.path, self.every, self.extra, self.on_error = path, every, extra, on_error
        self.epoch, self.history, self.snapshot = initial_epoch, dict(history or {}), None

    def set_model(self, model) -> None:
        """Also copies the state the run starts from: what ``save()`` writes if no epoch
        completes. Later calls (``fit`` calls it again) keep the copy already taken."""
        super().set_model(model)
        if self.snapshot is None:
            self._remember(self.epoch, self.history)

    def on_epoch_end(self, epoch, logs=None):
        self._remember(epoch + 1, {k: self.history.get(k, []) + [v] for k, v in (logs or {}).items()})
        if self.every and self.epoch % self.every == 0:
            try:
                self.save()
            except OSError as error:
                if self.on_error is None:
                    raise
                self.on_error(error, self.epoch)

    def on_train_end(self, logs=None):
        """A callback before this one may have changed the weights at the end (EarlyStopping
        with restore_best_weights gives the best epoch's back): keep the model as it ends,
        with the epochs and history counted so far. Otherwise nothing changed since the last
        epoch's end, and the copy is the same."""
        self._remember(self.epoch, self.history)

    def _remember(self, epoch, history):
        snapshot = model_arrays(self.model, optimizer=True,
                                training_state=training_state(self.model, epoch, history, **self.extra))
        # assigned together at the end: an interrupt above leaves the previous epoch's state whole
        self.epoch, self.history, self.snapshot = epoch, history, snapshot

    def save(self, path=None) -> None:
        """Write the last completed epoch's state to ``path`` (default: the checkpoint's)."""
        if self.snapshot is None:
            raise RuntimeError("nothing to save yet: the Checkpointer has no model (pass it to fit)")
        atomic_savez(self.path if path is None else path, self.snapshot)

    def describe(self) -> str:
        """Which state ``save()`` writes, in words: "epoch 3", or the state before epoch 1."""
        return f"epoch {self.epoch}" if self.epoch else "the state before epoch 1 (no epoch completed)"


class ModelCheckpoint(MonitorCallback):
    """Keras's arguments and decisions: ``filepath`` (may hold ``{epoch}`` and log keys, as
    ``"model-{epoch:02d}-{val_loss:.2f}.npz"``), monitor="val_loss", verbose=0,
    save_best_only=False, save_weights_only=False, mode="auto", save_freq="epoch" (or a
    number of batches), initial_value_threshold=None.

    The file is npseq2seq's model file (``.npz``, required, where Keras requires ``.keras``):
    with the optimizer's state, as Keras's ``model.save`` keeps it, unless
    ``save_weights_only`` (then the weights, config and vocabulary, which ``load_model``
    and ``translate`` read).
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        self.filepath, self.verbose = os.fspath(filepath), verbose
        self.save_best_only, self.save_weights_only, self.save_freq = save_best_only, save_weights_only, save_freq
        self._batches_seen_since_last_saving, self._last_batch_seen, self._current_epoch = 0, None, 0
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are 'epoch' or integer values")
        if not self.filepath.endswith(".npz"):
            raise ValueError("The filepath provided must end in `.npz` (npseq2seq's model format). "
                             f"Received: filepath={self.filepath}")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch) -> bool:
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:   # a new epoch
            add_batches = batch + 1
        else:
            add_batches = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add_batches
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch, logs, filepath) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=2)
            return True
        if self.monitor_op is None:   # a save within the first epoch (save_freq batches)
            self._set_monitor_op()
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to {current:.5f}, "
                      f"saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save_model(self, epoch, batch, logs) -> None:
        logs = logs or {}
        try:
            fields = {"epoch": epoch + 1, **logs} if batch is None or "batch" in logs else \
                {"epoch": epoch + 1, "batch": batch + 1, **logs}
            filepath = self.filepath.format(**fields)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}') from None
        if os.path.isdir(filepath):
            raise IOError("Please specify a non-directory filepath for ModelCheckpoint. "
                          f"Filepath used is an existing directory: {filepath}")
        if self._should_save_model(epoch, logs, filepath):
            atomic_savez(filepath, model_arrays(self.model, optimizer=not self.save_weights_only))
