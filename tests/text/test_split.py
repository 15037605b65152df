"""Tests of npseq2seq.text.split: a held-out split by input sentence."""
import pytest

from npseq2seq.text import load_pairs
from npseq2seq.text.split import held_out_split

INPUTS = ["Go.", "Go.", "Run!", "Run!", "Run!", "Hi.", "Stop!", "Wait!", "Hello!"]
TARGETS = ["Va !", "Marche.", "Cours !", "Courez !", "Fuyez !", "Salut !", "Arrête !", "Attends !", "Bonjour !"]


@pytest.mark.parametrize("seed", range(6))
def test_every_pair_of_a_held_out_sentence_is_out_of_training(seed):
    (train_in, train_tg), (held_in, held_tg) = held_out_split(INPUTS, TARGETS, 2, seed=seed)
    assert len(held_in) == len(set(held_in)) == 2
    assert not set(held_in) & set(train_in)
    assert len(train_in) == sum(text not in held_in for text in INPUTS)
    for text, target in zip(held_in, held_tg):          # the first translation is the reference
        assert target == TARGETS[INPUTS.index(text)]
    # training pairs keep the file's order and their own targets
    assert [(i, t) for i, t in zip(INPUTS, TARGETS) if i not in held_in] == list(zip(train_in, train_tg))


@pytest.mark.parametrize("seed", range(6))
def test_every_pair_keeps_all_the_translations_of_the_same_draw(seed):
    """every_pair (a validation set): the same sentences as the first-pair split, each with
    every one of its pairs, in file order; together with training, the whole file."""
    first = held_out_split(INPUTS, TARGETS, 2, seed=seed)
    train, held = held_out_split(INPUTS, TARGETS, 2, seed=seed, every_pair=True)
    assert train == first[0] and set(held[0]) == set(first[1][0])
    assert list(zip(*held)) == [(i, t) for i, t in zip(INPUTS, TARGETS) if i in held[0]]
    assert len(train[0]) + len(held[0]) == len(INPUTS)


def test_seeded_and_different_seeds_differ():
    assert held_out_split(INPUTS, TARGETS, 3, seed=1) == held_out_split(INPUTS, TARGETS, 3, seed=1)
    assert len({tuple(held_out_split(INPUTS, TARGETS, 3, seed=s)[1][0]) for s in range(10)}) > 1


def test_too_many_held_out_is_refused():
    with pytest.raises(ValueError, match="only 6 distinct input texts"):
        held_out_split(INPUTS, TARGETS, 6)
    with pytest.raises(ValueError, match="n must be an int >= 1"):
        held_out_split(INPUTS, TARGETS, 0)


def test_on_fra_txt_held_out_sentences_span_the_file(fra_path):
    inputs, targets = load_pairs(fra_path, 20_000)
    train, held = held_out_split(inputs, targets, 500)
    assert len(held[0]) == 500 and len(train[0]) + len(held[0]) < 20_000   # their other pairs left out too
    lengths, everyone = sorted(map(len, held[0])), sorted(map(len, inputs))
    # the file is sorted by length: held-out sentences come from its first and last tenths
    assert lengths[0] <= everyone[len(everyone) // 10] and lengths[-1] >= everyone[-len(everyone) // 10]
