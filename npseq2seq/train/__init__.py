"""Training: the loop (``Trainer``, which ``Seq2Seq`` inherits, as Keras's ``Model`` inherits
its trainer; ``evaluate`` and ``predict`` from its base ``Evaluation``), the batches it feeds
the model, its metrics, and the callbacks it calls (Keras's callbacks are gathered in
``npseq2seq.callbacks``)."""
from .batches import Batch, BucketedBatches, PaddedBatches
from .callbacks import Callback, CallbackList, FunctionCallback, History
from .metrics import Accuracy
from .trainer import NonFiniteLoss, Trainer

__all__ = ["Trainer", "NonFiniteLoss", "Batch", "PaddedBatches", "BucketedBatches", "Accuracy",
           "Callback", "CallbackList", "FunctionCallback", "History"]
