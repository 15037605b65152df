"""The splits of a run's pairs, each drawn by input sentence so that no sentence's other
translations cross a split: the test sentences (``--held-out``, seed 0), then the validation
sentences (``--validation-held-out``, seed 1); training keeps the rest. ``train``,
``evaluate`` and the recipe's benchmark draw them alike from here."""
from __future__ import annotations

from ..text.split import held_out_split
from .args import UsageError


def held_out_pairs(pairs, settings, held_out_only: bool = False):
    """The training pairs of ``pairs`` (the first --num-samples of the data): all of them,
    or with --held-out N all but those of N input sentences drawn at random
    (``text.held_out_split``, seed 0 whatever --seed, so every run holds out the same);
    ``held_out_only``: those held-out pairs instead."""
    if not settings.get("held_out"):
        return pairs
    try:
        train, held = held_out_split(*pairs, settings["held_out"], seed=HELD_OUT_SEED)
    except ValueError as err:
        raise UsageError(f"--held-out {settings['held_out']}: {err}") from None
    return held if held_out_only else train


HELD_OUT_SEED = 0


def validation_pairs(pairs, settings):
    """(training pairs, validation pairs or None) of ``pairs`` (those ``held_out_pairs``
    left): with --validation-held-out N, every pair of N more input sentences drawn at
    random is validation data, neither trained on nor test (``text.held_out_split``, seed
    VALIDATION_SEED whatever --seed, so a resumed run validates on the same sentences)."""
    n = settings.get("validation_held_out")
    if not n:
        return pairs, None
    try:
        return held_out_split(*pairs, n, seed=VALIDATION_SEED, every_pair=True)
    except ValueError as err:
        after = f" (drawn from what --held-out {settings['held_out']} leaves)" if settings.get("held_out") else ""
        raise UsageError(f"--validation-held-out {n}{after}: {err}") from None


# Another seed than --held-out's: the draws stay unrelated (they are of different pairs anyway).
VALIDATION_SEED = 1


def check_validation(settings) -> None:
    """--validation-held-out replaces Keras's --validation-split: both at once is refused,
    naming both (``train`` turns the split's default, 0.2, to 0 when only the first is given)."""
    if settings.get("validation_held_out") and settings["validation_split"]:
        raise UsageError(f"--validation-held-out {settings['validation_held_out']} and --validation-split "
                         f"{settings['validation_split']} both choose the validation data: give one "
                         "(--validation-split 0 with --validation-held-out)")
