"""Keras's callbacks for npseq2seq's ``fit``, in one place, as ``keras.callbacks``::

    from npseq2seq.callbacks import EarlyStopping, ModelCheckpoint, ReduceLROnPlateau

    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=100, validation_split=0.2, callbacks=[
        EarlyStopping(patience=5, restore_best_weights=True),
        ReduceLROnPlateau(factor=0.5, patience=2),
        ModelCheckpoint("best.npz", save_best_only=True)])

Each takes Keras's arguments and makes Keras's decisions on the same logs (tests/train/
test_parity_callbacks.py drives both with the same logs). They live in
``train/callbacks/`` (one file each, with Keras's file names), except ``ModelCheckpoint``
and npseq2seq's resume file ``Checkpointer``, which write model files through ``io`` and
so live above it, in ``checkpointing.py``.
"""
from .checkpointing import Checkpointer, ModelCheckpoint
from .train.callbacks import (
    Callback,
    CallbackList,
    CSVLogger,
    EarlyStopping,
    History,
    LearningRateScheduler,
    ReduceLROnPlateau,
    StepDecay,
    TerminateOnNaN,
)

__all__ = ["Callback", "CallbackList", "History", "EarlyStopping", "ReduceLROnPlateau",
           "LearningRateScheduler", "CSVLogger", "TerminateOnNaN", "ModelCheckpoint", "Checkpointer",
           "StepDecay"]
