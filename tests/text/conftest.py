"""The fixture the word and tokenizer tests share: the first 10,000 pairs of fra.txt."""
import pytest

from npseq2seq.text import load_pairs


@pytest.fixture(scope="session")
def fra_10000(fra_path):
    return load_pairs(fra_path, 10_000)
