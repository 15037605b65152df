"""Keras's callbacks (``keras/src/callbacks/``), a file each with Keras's file names:
the ``Callback`` base and its hooks, the ``CallbackList`` ``fit`` calls, ``History``, and
the callbacks that decide: ``EarlyStopping``, ``ReduceLROnPlateau``,
``LearningRateScheduler``, ``CSVLogger``, ``TerminateOnNaN``; and ``StepDecay``, a schedule
for ``LearningRateScheduler`` (not a Keras class: Luong et al.'s halving, by epoch).

``ModelCheckpoint`` writes npseq2seq's model files, which ``io`` (above the model, and so
above ``train``) knows: it lives in ``npseq2seq/checkpointing.py``; ``npseq2seq.callbacks``
gathers all of them, as ``keras.callbacks`` does.
"""
from .callback import Callback, FunctionCallback
from .callback_list import CallbackList
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping
from .history import History
from .learning_rate_scheduler import LearningRateScheduler
from .monitor_callback import MonitorCallback
from .reduce_lr_on_plateau import ReduceLROnPlateau
from .step_decay import StepDecay
from .terminate_on_nan import TerminateOnNaN

__all__ = ["Callback", "FunctionCallback", "CallbackList", "History", "MonitorCallback",
           "EarlyStopping", "ReduceLROnPlateau", "LearningRateScheduler", "CSVLogger",
           "TerminateOnNaN", "StepDecay"]
