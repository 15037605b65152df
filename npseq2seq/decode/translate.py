"""Text in, text out: ``translate`` for any vocabulary, by greedy decoding or beam search.

The vocabulary (``text.Vocab``) turns texts into the encoder's input and output ids
back into text; this module only batches the texts and picks the search.
"""
from __future__ import annotations

from typing import NamedTuple

from ..checks import check_integer
from ..text.checks import check_texts
from .beam import DEFAULT_LENGTH_PENALTY, beam_search
from .greedy import greedy_decode, vocab_of


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
    vocab = vocab_of(model, vocab)
    texts = check_texts(texts, "texts")
    check_integer(batch_size, "batch_size")
    if errors not in ("raise", "ignore"):
        raise ValueError(f"errors must be 'raise' or 'ignore', received {errors!r}")
    if n_best is not None and beam_width is None:
        beam_width = n_best
    empty = [not vocab.has_tokens(text, errors=errors) for text in texts]
    todo = [text for text, skip in zip(texts, empty) if not skip]
    max_steps = vocab.max_decoder_seq_length + 1
    results = []
    for first in range(0, len(todo), batch_size):
        batch = vocab.encode_inputs(todo[first:first + batch_size], truncate=truncate, errors=errors,
                                    dtype=model.dtype)
        if beam_width is None:
            results += [vocab.decode(ids, keep_end=keep_end) for ids in
                        greedy_decode(model, batch, vocab.start_id, vocab.stop_id, max_steps)]
            continue
        found = beam_search(model, batch, beam_width, vocab.start_id, vocab.stop_id, max_steps,
                            n_best=n_best or 1, length_penalty=length_penalty)
        if n_best is None:
            results += [vocab.decode(hypotheses[0].ids, keep_end=keep_end) for hypotheses in found]
        else:
            results += [[Translation(vocab.decode(h.ids, keep_end=keep_end), h.log_prob, h.score)
                         for h in hypotheses] for hypotheses in found]
    done, nothing = iter(results), "" if n_best is None else [Translation("", 0.0, 0.0)]
    return [nothing if skip else next(done) for skip in empty]
