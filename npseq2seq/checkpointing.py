"""A checkpoint writer as a ``fit`` callback: the state after the last completed epoch,
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

from .io import atomic_savez, model_arrays, training_state
from .train import Callback


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
