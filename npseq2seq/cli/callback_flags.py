"""``train``'s flags that add Keras callbacks, their checks, and the callbacks themselves:
``--early-stopping`` (EarlyStopping, restore_best_weights=True), ``--reduce-lr-on-plateau``
(ReduceLROnPlateau), both watching ``val_loss`` (the loss without validation data), and
``--decay-from`` / ``--decay-factor`` (LearningRateScheduler with ``StepDecay``: the rate
falls by the factor at each epoch's start from that epoch on).

A resumed run takes the decay from its checkpoint (it decides the weights, and as a function
of the epoch it gives the uninterrupted run's rates), but may change it, as it may change
``--epochs``; the two plateau-watching callbacks start afresh, as Keras's do with each ``fit``.
"""
from __future__ import annotations

from ..callbacks import EarlyStopping, LearningRateScheduler, ReduceLROnPlateau, StepDecay
from .arg_types import fraction, non_negative_int, positive_int
from .args import UsageError

DECAY_FACTOR = 0.5   # --decay-factor's default: Luong et al.'s halving


def add_callback_args(train) -> None:
    train.add_argument("--early-stopping", type=non_negative_int, metavar="PATIENCE",
                       help="stop when the validation loss (--validation-held-out's or "
                            "--validation-split's; the loss, without either) "
                            "has not improved for PATIENCE epochs, and keep the best epoch's "
                            "weights (Keras's EarlyStopping, restore_best_weights=True)")
    train.add_argument("--reduce-lr-on-plateau", type=non_negative_int, nargs="?", const=10,
                       metavar="PATIENCE", help="divide the learning rate by 10 when the validation "
                                                "loss has not improved for PATIENCE epochs (default "
                                                "10; Keras's ReduceLROnPlateau and its defaults)")
    train.add_argument("--decay-from", type=positive_int, metavar="EPOCH",
                       help="from this epoch on (counted from 1), multiply the learning rate by "
                            f"--decay-factor (default {DECAY_FACTOR}) at each epoch's start, as Luong "
                            "et al. (2015) halve theirs; --resume keeps it (and may change it)")
    train.add_argument("--decay-factor", type=fraction, metavar="F",
                       help="with --decay-from: the factor, in (0, 1]")


def check_callbacks(settings) -> None:
    """--decay-factor needs --decay-from; a decay must start within --epochs, and not beside
    --reduce-lr-on-plateau (two rules setting one rate)."""
    start = settings.get("decay_from")
    if start is None:
        if settings.get("decay_factor") is not None:
            raise UsageError(f"--decay-factor {settings['decay_factor']} needs --decay-from EPOCH "
                             "(the first epoch at the lower rate)")
        return
    if start > settings["epochs"]:
        raise UsageError(f"--decay-from {start} is after the last epoch (--epochs {settings['epochs']}): "
                         "the learning rate would never fall")
    if settings.get("reduce_lr_on_plateau") is not None:
        raise UsageError("--decay-from and --reduce-lr-on-plateau both set the learning rate: give one")


def keras_callbacks(settings) -> list:
    """The Keras callbacks the flags ask for, watching val_loss (loss without validation)."""
    monitor = "val_loss" if settings["validation_split"] or settings.get("validation_held_out") else "loss"
    callbacks = []
    if settings.get("decay_from") is not None:
        factor = settings.get("decay_factor") or DECAY_FACTOR
        callbacks.append(LearningRateScheduler(StepDecay(settings["learning_rate"], settings["decay_from"],
                                                         factor)))
    if settings.get("reduce_lr_on_plateau") is not None:
        callbacks.append(ReduceLROnPlateau(monitor, patience=settings["reduce_lr_on_plateau"], verbose=1))
    if settings.get("early_stopping") is not None:
        callbacks.append(EarlyStopping(monitor, patience=settings["early_stopping"],
                                       restore_best_weights=True, verbose=1))
    return callbacks
