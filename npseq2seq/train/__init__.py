"""Training: the loop (``Trainer``, which ``Seq2Seq`` inherits, as Keras's ``Model`` inherits
its trainer), the batches it feeds the model, and the callbacks it calls."""
from .batches import Batch, BucketedBatches, PaddedBatches
from .callbacks import Callback, CallbackList, FunctionCallback, History
from .trainer import Trainer

__all__ = ["Trainer", "Batch", "PaddedBatches", "BucketedBatches", "Callback", "CallbackList",
           "FunctionCallback", "History"]
