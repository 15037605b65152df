"""Greedy decoding: the tutorial's one-sentence loop, and a batched one that agrees with it.

Inference runs the two halves of the training model separately (the
tutorial's ``encoder_model`` and ``decoder_model``): encode the input once,
then feed the decoder one character at a time, starting from ``'\\t'`` and
feeding back the most probable character until ``'\\n'`` (at word level: one
word at a time, from ``words.START`` to ``words.END``).

``decode_sequence`` is the tutorial's function line for line (one sentence,
one-hot arrays, ``predict`` calls), kept for parity with Keras and for reading.
``greedy_decode`` does the same for many sentences at once on token ids, and
drops each sentence from the batch as soon as it has emitted ``'\\n'``, so
finished sentences stop costing compute. ``decode_sequence`` stops as the tutorial
does: at ``'\\n'`` or once the output is longer than ``max_decoder_seq_length``;
``greedy_decode`` at its stop id or after ``max_steps`` tokens, which ``translate``
sets to ``max_decoder_seq_length + 1``, the same rule.

``translate`` turns raw strings into translations with ``greedy_decode``, or with beam
search (``beam_width=B``, ``beam.py``).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .beam import DEFAULT_LENGTH_PENALTY, beam_search
from .checks import check_integer
from .text import words
from .text.chars import END, START, encode_input_texts
from .text.checks import check_texts


def _vocab_of(model, vocab):
    vocab = vocab if vocab is not None else getattr(model, "vocab", None)
    if vocab is None:
        raise ValueError("decoding needs the vocabulary: pass vocab=... or build the model with vocab=")
    return vocab


def decode_sequence(model, input_seq, vocab=None) -> str:
    """The tutorial's ``decode_sequence`` for one input (1, Te, Ve); keeps the final ``'\\n'``."""
    vocab = _vocab_of(model, vocab)
    states_value = model.encoder_model.predict(input_seq)
    target_seq = np.zeros((1, 1, vocab.num_decoder_tokens), model.dtype)
    target_seq[0, 0, vocab.target_token_index[START]] = 1.0
    decoded_sentence = ""
    while True:
        output_tokens, *states_value = model.decoder_model.predict([target_seq] + states_value)
        sampled_token_index = int(np.argmax(output_tokens[0, -1, :]))
        sampled_char = vocab.reverse_target_char_index[sampled_token_index]
        decoded_sentence += sampled_char
        if sampled_char == END or len(decoded_sentence) > vocab.max_decoder_seq_length:
            return decoded_sentence
        target_seq = np.zeros((1, 1, vocab.num_decoder_tokens), model.dtype)
        target_seq[0, 0, sampled_token_index] = 1.0


def greedy_decode(model, encoder_input, start_id: int, stop_id: int, max_steps: int) -> list[np.ndarray]:
    """Greedy decoding of a batch: encoder_input (N, Te, Ve) one-hot or (N, Te) ids.

    Returns one id array per sentence, ending with ``stop_id`` if it was emitted
    within ``max_steps``. Sentences leave the batch when they finish.
    """
    states = model.encode(encoder_input)
    n = len(states[0])
    out = np.full((n, max_steps), -1, dtype=np.int64)
    lengths = np.zeros(n, dtype=np.int64)
    active = np.arange(n)                       # rows of `out` still being decoded
    tokens = np.full(n, start_id, dtype=np.int64)
    for step in range(max_steps):
        probs, states = model.decode_step(tokens, states)
        tokens = probs.argmax(axis=-1)          # argmax of the probabilities, as the tutorial
        out[active, step] = tokens
        lengths[active] = step + 1
        running = tokens != stop_id
        if not running.all():                   # shrink the batch: finished rows cost nothing more
            active, tokens = active[running], tokens[running]
            states = [s[running] for s in states]
            if not len(active):
                break
    return [out[i, :lengths[i]] for i in range(n)]


def _codec(vocab, dtype, errors, truncate, keep_end):
    """How a vocabulary turns texts into encoder input and decoder ids back into text:
    (encode(texts), start id, stop id, ids → str, text → True if it leaves no token to encode)."""
    if isinstance(vocab, words.WordVocab):
        # unknown words become <unk>: a word vocabulary never raises on them
        return (lambda texts: words.encode_input_words(texts, vocab, truncate=truncate),
                words.START, words.END, lambda ids: words.decode_ids(ids, vocab),
                lambda text: not words.tokenize(text, vocab.lower))
    reverse = vocab.reverse_target_char_index
    index = vocab.input_token_index

    def to_text(ids):
        text = "".join(reverse[int(i)] for i in ids)
        return text if keep_end or not text.endswith(END) else text[:-1]

    def no_tokens(text):   # errors="ignore" drops the unknown characters before encoding
        return not any(c in index for c in text) if errors == "ignore" else not text

    return (lambda texts: encode_input_texts(texts, vocab, dtype=dtype, errors=errors, truncate=truncate),
            vocab.target_token_index[START], vocab.target_token_index[END], to_text, no_tokens)


class Translation(NamedTuple):
    text: str
    log_prob: float    # log P(text | input) under the model, the end token included
    score: float       # log_prob, length-normalised: what the n best are ranked by


def translate(model, texts, vocab=None, batch_size: int = 256, errors: str = "raise",
              truncate: bool = False, keep_end: bool = False, beam_width: int | None = None,
              n_best: int | None = None, length_penalty: float = DEFAULT_LENGTH_PENALTY):
    """Translate raw strings: batched greedy decoding, or beam search with ``beam_width``.

    Character level: greedy returns the strings ``decode_sequence`` would return for
    the same inputs, without the final ``'\\n'`` unless ``keep_end``; characters outside
    the input vocabulary raise ``UnknownTokenError`` unless ``errors="ignore"``.
    Word level: unknown words become ``<unk>``; the output words are joined back
    into a sentence. Inputs longer than ``max_encoder_seq_length`` raise
    ``TextTooLongError`` unless ``truncate``.

    A text that leaves nothing to encode (``""``; at the character level with
    ``errors="ignore"``, only unknown characters; at the word level, no word or
    punctuation mark) translates to ``""`` (with ``n_best``, one
    ``Translation("", 0.0, 0.0)``) without running the model: decoding an
    all-padding input would only show what the model makes of no input at all.
    ``texts`` must be a list (or any iterable but a str, bytes or dict) of str,
    else ``TypeError``.

    beam_width: None for greedy decoding; B ≥ 1 for beam search (B = 1 gives greedy's
        strings), ranked with ``length_penalty`` (GNMT's α, see ``beam.py``).
    n_best: None returns one string per input. An integer k returns, per input, a
        list of its k best ``Translation(text, log_prob, score)``, best first (beam
        search with ``beam_width`` if given, else k).
    """
    vocab = _vocab_of(model, vocab)
    texts = check_texts(texts, "texts")
    check_integer(batch_size, "batch_size")
    if errors not in ("raise", "ignore"):
        raise ValueError(f"errors must be 'raise' or 'ignore', received {errors!r}")
    if n_best is not None and beam_width is None:
        beam_width = n_best
    encode, start_id, stop_id, to_text, no_tokens = _codec(vocab, model.dtype, errors, truncate, keep_end)
    empty = [no_tokens(text) for text in texts]
    todo = [text for text, skip in zip(texts, empty) if not skip]
    max_steps = vocab.max_decoder_seq_length + 1
    results = []
    for first in range(0, len(todo), batch_size):
        batch = encode(todo[first:first + batch_size])
        if beam_width is None:
            results += [to_text(ids) for ids in greedy_decode(model, batch, start_id, stop_id, max_steps)]
            continue
        found = beam_search(model, batch, beam_width, start_id, stop_id, max_steps,
                            n_best=n_best or 1, length_penalty=length_penalty)
        if n_best is None:
            results += [to_text(hypotheses[0].ids) for hypotheses in found]
        else:
            results += [[Translation(to_text(h.ids), h.log_prob, h.score) for h in hypotheses]
                        for hypotheses in found]
    done, nothing = iter(results), "" if n_best is None else [Translation("", 0.0, 0.0)]
    return [nothing if skip else next(done) for skip in empty]
