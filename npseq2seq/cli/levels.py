"""The one place of the CLI that asks "character or word?": a stand-in for the vocabulary
interface ``text/`` is bringing (``vocab.encode_pairs``, ``vocab.input_tokens``, ...).

When ``npseq2seq.text`` lands, ``training_arrays`` becomes ``vocab.encode_pairs`` +
``config.training_inputs`` and ``input_problems`` reads the interface; the rest of the
package already calls only these functions.
"""
from __future__ import annotations

from ..data import CharVocab, vectorize
from ..words import WordVocab, tokenize, vectorize_words

VOCABS = {"char": CharVocab, "word": WordVocab}


def new_vocab(pairs, settings):
    """The vocabulary of ``--level`` built from the training pairs (``--padding`` at char level)."""
    options = {"padding": settings["padding"]} if settings["level"] == "char" else {}
    return VOCABS[settings["level"]].from_texts(*pairs, **options)


def training_arrays(model, pairs):
    """(x, y) for ``model.fit``: the pairs encoded as the model's level trains on them, the
    decoder input as its variant takes it (``Seq2SeqConfig.training_inputs``)."""
    vocab = model.vocab
    if model.level == "word":
        enc, dec, tgt = vectorize_words(*pairs, vocab)
    else:
        enc, dec, tgt = vectorize(*pairs, vocab, padding=vocab.padding, dtype=model.dtype)
    return model.config.training_inputs(enc, dec), tgt


def input_problems(vocab, texts) -> str:
    """What translating will change in the inputs to fit the model: a note, or ''."""
    if isinstance(vocab, WordVocab):
        tokens = [tokenize(t, vocab.lower) for t in texts]
        unknown = sum(any(w not in vocab.input_token_index for w in ws) for ws in tokens)
        long = sum(len(ws) > vocab.max_encoder_seq_length for ws in tokens)
        changed, unit = "unknown words read as <unk>", "words"
    else:
        known = [[c for c in t if c in vocab.input_token_index] for t in texts]
        unknown = sum(len(k) < len(t) for k, t in zip(known, texts))
        long = sum(len(k) > vocab.max_encoder_seq_length for k in known)
        changed, unit = "unknown characters dropped", "characters"
    notes = ([f"{unknown} with {changed}"] if unknown else []) + \
        ([f"{long} cut to the model's {vocab.max_encoder_seq_length} {unit}"] if long else [])
    return f" ({'; '.join(notes)})" if notes else ""
