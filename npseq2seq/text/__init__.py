"""Text in and out of the model: sentence pairs, the two vocabularies behind one interface,
and the arrays they encode.

- ``pairs.py``: read ``fra.txt``-style files; ``corpora.py``: generated corpora (number
  words, additions).
- ``vocab.py``: ``Vocab``, the interface both vocabularies implement; ``vocab_config.py``: its
  file form, ``from_config`` and ``vocab_from_config``.
- ``ids.py``: tokens to id arrays and one-hot rows, the steps both levels encode with.
- ``chars.py``: ``CharVocab``; ``char_arrays.py``: its one-hot arrays (the tutorial's
  character level).
- ``tokenizer.py``, ``words.py``, ``word_arrays.py``: words from sentences and back;
  ``WordVocab``; the reserved ids, its id arrays and ids back to sentences (the FAQ's
  word level).
- ``bpe.py``: byte-pair encoding (learn merges, words → pieces → words); ``subwords.py``:
  ``SubwordVocab``, the word level with BPE pieces for tokens.
- ``table.py``: ``CharTable``, the fixed-width character table of Keras's ``addition_rnn``
  (the repeat model's text, optionally reversed).
- ``errors.py``: ``DataError``, ``UnknownTokenError``, ``TextTooLongError``; ``checks.py``:
  the argument checks every function shares.

The start/end/padding constants are not re-exported here: ``chars.START`` is a character
(``"\\t"``), ``words.START`` an id (2); a vocabulary's ``start_id`` is either.
"""

from .bpe import BPE, join_pieces, learn_merges
from .chars import PADDINGS, CharVocab, encode_input_texts, vectorize, vectorize_ids
from .corpora import (
                      CORPORA,
                      CORPUS_SIZES,
                      addition_pairs,
                      english_number,
                      french_number,
                      generated_corpus,
                      number_word_pairs,
)
from .errors import DataError, TextTooLongError, UnknownTokenError, excerpt, shown_path, training_side
from .ids import char_ids, one_hot, texts_to_ids
from .pairs import load_pairs
from .subwords import DEFAULT_MERGES, SubwordVocab
from .table import CharTable
from .tokenizer import LANGUAGES, detokenize, tokenize
from .vocab import Vocab, vocab_from_config
from .vocab_config import vocab_class, vocab_levels
from .words import RESERVED_TOKENS, WordVocab, decode_ids, encode_input_words, ids_to_words, vectorize_words

__all__ = [
    "Vocab", "vocab_from_config", "vocab_class", "vocab_levels", "CharVocab", "WordVocab", "SubwordVocab",
    "CharTable", "BPE", "learn_merges", "join_pieces", "DEFAULT_MERGES",
    "load_pairs", "DataError", "UnknownTokenError", "TextTooLongError", "training_side", "excerpt", "shown_path",
    "PADDINGS", "one_hot", "char_ids", "texts_to_ids", "vectorize_ids", "vectorize", "encode_input_texts",
    "LANGUAGES", "tokenize", "detokenize",
    "RESERVED_TOKENS", "vectorize_words", "encode_input_words", "ids_to_words", "decode_ids",
    "english_number", "french_number", "number_word_pairs", "addition_pairs", "CORPORA", "CORPUS_SIZES",
    "generated_corpus",
]
