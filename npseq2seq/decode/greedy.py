"""Greedy decoding: the tutorial's one-sentence loop, and a batched one that agrees with it.

Inference runs the two halves of the training model separately (the
tutorial's ``encoder_model`` and ``decoder_model``): encode the input once,
then feed the decoder one token at a time, starting from the start token and
feeding back the most probable token until the end token.

``decode_sequence`` is the tutorial's function line for line (one sentence,
one-hot arrays, ``predict`` calls), kept for parity with Keras and for reading.
``greedy_decode`` does the same for many sentences at once on token ids, and
drops each sentence from the batch as soon as it has emitted its end token, so
finished sentences stop costing compute. ``decode_sequence`` stops as the tutorial
does: at ``'\\n'`` or once the output is longer than ``max_decoder_seq_length``;
``greedy_decode`` at its stop id or after ``max_steps`` tokens, which ``translate``
sets to ``max_decoder_seq_length + 1``, the same rule.
"""
from __future__ import annotations

import numpy as np

from ..ops import softmax
from ..threads import split_batch
from .start import start_decoding, takes


def vocab_of(model, vocab=None):
    """The vocabulary given, else the model's own; decoding text needs one."""
    vocab = vocab if vocab is not None else getattr(model, "vocab", None)
    if vocab is None:
        raise ValueError("decoding needs the vocabulary: pass vocab=... or build the model with vocab=")
    return vocab


def decode_sequence(model, input_seq, vocab=None) -> str:
    """The tutorial's ``decode_sequence`` for one input (1, Te, Ve); keeps the final ``'\\n'``."""
    vocab = vocab_of(model, vocab)
    states_value = model.encoder_model.predict(input_seq)
    target_seq = np.zeros((1, 1, vocab.num_decoder_tokens), model.dtype)
    target_seq[0, 0, vocab.start_id] = 1.0
    decoded_sentence = ""
    while True:
        output_tokens, *states_value = model.decoder_model.predict([target_seq] + states_value)
        sampled_token_index = int(np.argmax(output_tokens[0, -1, :]))
        sampled_char = vocab.reverse_target_char_index[sampled_token_index]
        decoded_sentence += sampled_char
        if sampled_token_index == vocab.stop_id or len(decoded_sentence) > vocab.max_decoder_seq_length:
            return decoded_sentence
        target_seq = np.zeros((1, 1, vocab.num_decoder_tokens), model.dtype)
        target_seq[0, 0, sampled_token_index] = 1.0


def greedy_decode(model, encoder_input, start_id: int, stop_id: int, max_steps: int,
                  trace: list | None = None) -> list[np.ndarray]:
    """Greedy decoding of a batch: encoder_input (N, Te, Ve) one-hot or (N, Te) ids.

    Returns one id array per sentence, ending with ``stop_id`` if it was emitted
    within ``max_steps``. Sentences leave the batch when they finish.
    trace: a list that receives each step's ``StepTrace`` (``decode_step(trace=...)``).

    With ``set_num_threads(2)`` (and no ``trace``) the batch is cut into halves, each
    decoded whole (encoder, then the loop) in its own thread (``threads.split_batch``):
    the rows never meet. In float32 a GEMM's row has the same bits in any batch of ≥ 2
    rows, so the halves' ids are the whole batch's unless a half is down to 1 row (a GEMV)
    while the whole is not, and that ulp meets a near-tie; in float64 OpenBLAS's kernels
    depend on the batch size more (``benchmarks/gemm_rows.py``): the same caveat, wider,
    as between batched and one-sentence decoding (docs/speed.md, "Both cores through batch halves").

    A model whose ``decode_step`` takes ``logits=True`` (``Seq2Seq``) skips the softmax:
    the ids are read from the logits by ``argmax_as_probabilities``, the same ids as the
    probabilities' argmax. One whose ``encode`` takes ``decoding=True`` gets the state
    list made for a loop (Bahdanau's keys projected once).
    """
    if trace is None:
        halves = split_batch(lambda part: _greedy_loop(model, part, start_id, stop_id, max_steps), encoder_input)
        return [ids for half in halves for ids in half]
    return _greedy_loop(model, encoder_input, start_id, stop_id, max_steps, trace)


def _greedy_loop(model, encoder_input, start_id, stop_id, max_steps, trace=None) -> list[np.ndarray]:
    """``greedy_decode`` of one batch in the calling thread."""
    states = start_decoding(model, encoder_input)
    read_logits = trace is None and takes(model.decode_step, "logits")
    n = len(states[0])
    out = np.full((n, max_steps), -1, dtype=np.int64)
    lengths = np.zeros(n, dtype=np.int64)
    active = np.arange(n)                       # rows of `out` still being decoded
    tokens = np.full(n, start_id, dtype=np.int64)
    for step in range(max_steps):
        if read_logits:
            logits, states = model.decode_step(tokens, states, logits=True)
            tokens = argmax_as_probabilities(logits)
        else:
            if trace is None:
                probs, states = model.decode_step(tokens, states)
            else:
                probs, states = model.decode_step(tokens, states, trace=trace)
            tokens = probs.argmax(axis=-1)      # argmax of the probabilities, as the tutorial
        out[active, step] = tokens
        lengths[active] = step + 1
        running = tokens != stop_id
        if not running.all():                   # shrink the batch: finished rows cost nothing more
            active, tokens = active[running], tokens[running]
            states = [s[running] for s in states]
            if not len(active):
                break
    return [out[i, :lengths[i]] for i in range(n)]


def argmax_as_probabilities(logits: np.ndarray) -> np.ndarray:
    """argmax(softmax(logits), axis=1) for logits (N, V), read from the logits themselves.

    The softmax is monotonic, but in floating point two logits a few ulps apart can
    round to the *same* probability, and then argmax picks the lower id where the
    logits' argmax picks the larger logit. exp and the division each err by an ulp or
    two, so a row whose top logit exceeds every other by more than ``near_tie(dtype)``
    (128 ulps of 1: the probabilities' ratio exp(-gap) then stays below 1 after
    rounding) has the same argmax either way; the other rows (near ties, and non-finite
    logits) are decided by their probabilities, computed as ``Dense`` computes them.
    Skipping the softmax saved ~1 ms of a ~10 ms step at N = 1,000, V = 92.
    """
    ids = logits.argmax(axis=1)
    top = logits[np.arange(len(logits)), ids]
    close = (logits >= (top - near_tie(logits.dtype))[:, None]).sum(axis=1) > 1
    close |= ~np.isfinite(top)
    if close.any():
        ids[close] = softmax(logits[close]).argmax(axis=1)
    return ids


def near_tie(dtype) -> float:
    """The logit gap below which ``argmax_as_probabilities`` asks the probabilities."""
    return float(np.finfo(dtype).eps * 128)
