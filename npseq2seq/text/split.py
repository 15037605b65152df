"""A held-out split of sentence pairs that training never sees, not even as a paraphrase.

``fra.txt`` is sorted by length, and one English sentence often has several French
translations on consecutive lines ("Run!" → "Cours !", "Courez !"). Holding out the last
lines would test only long sentences, and holding out random *lines* would leave most
held-out English sentences in the training data with another translation. So the split is
by English sentence: ``n`` distinct inputs drawn at random (seeded), every pair of each
left out of training, and the first of each scored as its reference. A validation set is
drawn the same way from what remains, with every pair of each of its sentences kept
(``every_pair=True``), so that its loss counts every translation the file gives.

    >>> train, held_out = held_out_split(*load_pairs("fra.txt"), 2000, seed=0)  # doctest: +SKIP
    >>> len(held_out[0])                                                         # doctest: +SKIP
    2000
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .checks import check_count, check_pairs

__all__ = ["held_out_split", "every_translation"]

Pairs = tuple[list[str], list[str]]


def held_out_split(input_texts: Sequence[str], target_texts: Sequence[str], n: int,
                   seed: int = 0, every_pair: bool = False) -> tuple[Pairs, Pairs]:
    """(training pairs, held-out pairs): ``n`` distinct input texts drawn with
    ``numpy.random.default_rng(seed)``; every pair of those inputs is out of training, and
    the held-out pairs are the first pair of each (``every_pair``: every pair of each), in
    file order. Training pairs keep their file order. ValueError if there are not more
    than ``n`` distinct inputs."""
    inputs, targets = check_pairs(input_texts, target_texts)
    n = check_count(n, "n", 1)
    first = {}                                    # input text → its first line
    for k, text in enumerate(inputs):
        first.setdefault(text, k)
    if n >= len(first):
        raise ValueError(f"n={n}: the pairs have only {len(first)} distinct input texts; "
                         "hold out fewer, so that some remain to train on")
    lines = np.fromiter(first.values(), int, len(first))
    chosen = np.sort(np.random.default_rng(seed).choice(lines, size=n, replace=False))
    held = {inputs[k] for k in chosen}
    train = [k for k, text in enumerate(inputs) if text not in held]
    if every_pair:
        chosen = [k for k, text in enumerate(inputs) if text in held]
    return ([inputs[k] for k in train], [targets[k] for k in train]), \
        ([inputs[k] for k in chosen], [targets[k] for k in chosen])


def every_translation(input_texts: Sequence[str], target_texts: Sequence[str],
                      inputs: Sequence[str]) -> list[list[str]]:
    """Each of ``inputs``' translations among the pairs, in file order (the first is the
    reference ``held_out_split`` keeps): the references of a multi-reference score."""
    translations: dict[str, list[str]] = {}
    for source, target in zip(input_texts, target_texts):
        translations.setdefault(source, []).append(target)
    return [translations[source] for source in inputs]
