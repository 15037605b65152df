"""Text in, text out: ``translate`` for any vocabulary, by greedy decoding, beam search or
sampling.

The vocabulary (``text.Vocab``) turns texts into the encoder's input and output ids
back into text; this module only batches the texts and picks the search.
"""
from __future__ import annotations

from typing import NamedTuple

from ..checks import check_integer
from ..text.checks import check_texts
from .beam import DEFAULT_LENGTH_PENALTY, beam_search, length_normaliser
from .greedy import greedy_decode, vocab_of
from .one_sentence import OneSentenceGreedy, supports
from .sampling import make_rng, make_sampler, sample_decode


class Translation(NamedTuple):
    text: str
    log_prob: float    # log P(text | input) under the model, the end token included
    score: float       # log_prob, length-normalised: what the n best are ranked by


def translate(model, texts, vocab=None, batch_size: int = 256, errors: str = "raise",
              truncate: bool = False, keep_end: bool = False, beam_width: int | None = None,
              n_best: int | None = None, length_penalty: float = DEFAULT_LENGTH_PENALTY,
              sampling: str | None = None, temperature: float | None = None, k: int | None = None,
              p: float | None = None, seed=None, num_samples: int | None = None):
    """Translate raw strings: batched greedy decoding, beam search with ``beam_width``, or
    sampling with ``sampling``.

    texts: a list (or any iterable but a str, bytes or dict) of str, else ``TypeError``.
    Character level: greedy returns the strings ``decode_sequence`` would return for the
    same inputs, without the final ``'\\n'`` unless ``keep_end``; characters outside the
    input vocabulary raise ``UnknownTokenError`` unless ``errors="ignore"``. Word level:
    unknown words become ``<unk>``; the output words are joined back into a sentence.
    Inputs longer than ``max_encoder_seq_length`` raise ``TextTooLongError`` unless ``truncate``.

    A text with nothing to encode (``""``; at the character level with ``errors="ignore"``,
    only unknown characters; at the word level, no word or punctuation mark) translates to
    ``""`` (one ``Translation("", 0.0, 0.0)`` with ``n_best`` or ``num_samples``) without
    running the model: decoding all padding would only show what the model makes of no input.

    beam_width: None for greedy decoding; B ≥ 1 for beam search (B = 1 gives greedy's
        strings), ranked with ``length_penalty`` (GNMT's α, see ``beam.py``).
    n_best: None returns one string per input. An integer k returns, per input, a list of
        its k best ``Translation``, best first (beam search with ``beam_width`` if given, else k).
    sampling: None, or "temperature", "top_k" or "top_p" to draw each token (see
        ``sampling.py``) with ``temperature`` (default 1), top_k's ``k``, top_p's ``p``, from
        ``np.random.default_rng(seed)``: the same seed (and texts, batch_size) gives the same
        strings. ``num_samples``: None returns one string per input; an integer S returns, per
        input, S ``Translation`` in the order drawn. Not with ``beam_width`` / ``n_best``.
    """
    vocab = vocab_of(model, vocab)
    texts = check_texts(texts, "texts")
    check_integer(batch_size, "batch_size")
    if errors not in ("raise", "ignore"):
        raise ValueError(f"errors must be 'raise' or 'ignore', received {errors!r}")
    search = _search(sampling, beam_width, n_best, temperature, k, p, seed, num_samples)
    if "greedy" in search and supports(model):   # one sentence at a time: one_sentence.py
        search["one"] = OneSentenceGreedy(model, vocab.start_id, vocab.stop_id, vocab.max_decoder_seq_length + 1)
    empty = [not vocab.has_tokens(text, errors=errors) for text in texts]
    todo = [text for text, skip in zip(texts, empty) if not skip]
    results = []
    for first in range(0, len(todo), batch_size):
        batch = vocab.encode_inputs(todo[first:first + batch_size], truncate=truncate, errors=errors,
                                    dtype=model.dtype)
        results += _decode(model, vocab, batch, search, keep_end, length_penalty)
    listed = search.get("n_best") or search.get("num_samples")
    done, nothing = iter(results), "" if listed is None else [Translation("", 0.0, 0.0)]
    return [nothing if skip else next(done) for skip in empty]


def _search(sampling, beam_width, n_best, temperature, k, p, seed, num_samples) -> dict:
    """The search asked for, checked: {"greedy"}, {"beam_width", "n_best"} or {"sampler",
    "rng", "num_samples"}; ValueError for the sampling arguments without ``sampling`` or
    ``sampling`` with beam search's."""
    if sampling is None:
        given = {"temperature": temperature, "k": k, "p": p, "seed": seed, "num_samples": num_samples}
        for name, value in given.items():
            if value is not None:
                raise ValueError(f"{name}={value!r} is a sampling argument: pass sampling='temperature', "
                                 "'top_k' or 'top_p' with it")
        if n_best is not None and beam_width is None:
            beam_width = n_best
        return {"greedy": True} if beam_width is None else {"beam_width": beam_width, "n_best": n_best}
    if beam_width is not None or n_best is not None:
        raise ValueError(f"sampling={sampling!r} draws tokens; beam_width and n_best belong to beam "
                         "search: pass one or the other (num_samples=S gives S samples per input)")
    return {"sampler": make_sampler(sampling, temperature, k, p), "rng": make_rng(seed),
            "num_samples": check_integer(num_samples, "num_samples", none_ok=True)}


def _decode(model, vocab, batch, search: dict, keep_end: bool, length_penalty: float) -> list:
    """One batch of encoded inputs -> its strings, or its lists of ``Translation``."""
    max_steps = vocab.max_decoder_seq_length + 1
    if "greedy" in search and len(batch) == 1 and "one" in search:
        return [vocab.decode(search["one"].decode(batch), keep_end=keep_end)]
    if "greedy" in search:
        return [vocab.decode(ids, keep_end=keep_end)
                for ids in greedy_decode(model, batch, vocab.start_id, vocab.stop_id, max_steps)]
    if "sampler" in search:
        found = sample_decode(model, batch, search["sampler"], vocab.start_id, vocab.stop_id, max_steps,
                              search["rng"], num_samples=search["num_samples"] or 1)
        if search["num_samples"] is None:
            return [vocab.decode(samples[0].ids, keep_end=keep_end) for samples in found]
        return [[Translation(vocab.decode(s.ids, keep_end=keep_end), s.log_prob,
                             s.log_prob / float(length_normaliser(len(s.ids), length_penalty)))
                 for s in samples] for samples in found]
    found = beam_search(model, batch, search["beam_width"], vocab.start_id, vocab.stop_id, max_steps,
                        n_best=search["n_best"] or 1, length_penalty=length_penalty)
    if search["n_best"] is None:
        return [vocab.decode(hypotheses[0].ids, keep_end=keep_end) for hypotheses in found]
    return [[Translation(vocab.decode(h.ids, keep_end=keep_end), h.log_prob, h.score)
             for h in hypotheses] for hypotheses in found]
