"""Sampling: draw each next token from the model's distribution instead of taking its best.

Greedy decoding and beam search look for the most probable output; sampling shows what
else the model finds plausible, and is how character-level generation is usually taught.
At every step the decoder's distribution p(v | prefix, input) (R rows, V tokens) is
reshaped, then one token per row is drawn from it:

- ``"temperature"``: softmax(logits / T). ``decode_step`` returns probabilities, not
  logits, but log p = logits - logsumexp(logits), and the constant cancels in the
  softmax: softmax(log p / T) = p ** (1/T) / Σ p ** (1/T). T < 1 sharpens, T > 1
  flattens, T = 1 draws from p itself, and as T -> 0 all the mass goes to the argmax
  (greedy). A token whose probability underflowed to exactly 0 stays at 0.
- ``"top_k"``: the temperature, then only the k most probable tokens keep their mass
  (fairseq's ``--sampling-topk``, OpenNMT's ``random_sampling_topk``). k = 1 is greedy.
- ``"top_p"``: the temperature, then the nucleus (Holtzman et al. 2020, "The Curious
  Case of Neural Text Degeneration"): the smallest set of most probable tokens whose
  mass reaches p (fairseq's ``--sampling-topp``, OpenNMT's ``random_sampling_topp``).

Tokens are ranked by the model's own probability; equal ones by id, the lower first (as
``argmax`` and beam search break ties), so which tokens a tie leaves in the top k or the
nucleus is decided, not left to a sort. The nucleus is counted in float64; a mass within
``NUCLEUS_TOLERANCE`` of p counts as reaching it, so that 0.7 + 0.2 "reaches" 0.9 though
in floating point it falls short by an ulp.

Drawing is vectorised over the batch by the inverse CDF: with u ~ U[0, 1) per row, the
token is the first whose cumulative weight exceeds u · total, which never picks a token
of weight 0. Each step draws one u for every row the batch started with (finished rows'
draws are thrown away), so a sentence's draws do not depend on when the others finish.
The same seed, texts and batch size give the same strings.

The log-probability reported with a sample is the model's, log P(ids | input) summed
over its tokens from the unreshaped p (the same quantity beam search ranks by), in
float64; not the probability of having drawn it.
"""
from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np

from ..checks import check_integer
from .start import start_decoding

SAMPLING = ("temperature", "top_k", "top_p")
NUCLEUS_TOLERANCE = 1e-12


class Sampler(NamedTuple):
    mode: str                # one of SAMPLING
    temperature: float       # > 0
    k: int | None            # top_k's k >= 1
    p: float | None          # top_p's p in (0, 1]


class Sample(NamedTuple):
    ids: np.ndarray          # (L,) int64 token ids, ending with stop_id unless cut off at max_steps
    log_prob: float          # log P(ids | input) under the model (see the module docstring)


def make_sampler(sampling: str, temperature=None, k=None, p=None) -> Sampler:
    """The checked sampling arguments: ValueError for an unknown mode, a bad value, or an
    argument the mode does not take (k with top_p, p with top_k, either with temperature)."""
    if sampling not in SAMPLING:
        raise ValueError(f"sampling must be one of {', '.join(map(repr, SAMPLING))}, received {sampling!r}")
    if temperature is None:
        temperature = 1.0
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real) \
            or not math.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a finite number > 0, received {temperature!r} (for "
                         "greedy decoding leave sampling=None, or sample with top_k and k=1)")
    if k is not None and sampling != "top_k":
        raise ValueError(f"k={k!r} is top_k's argument, not {sampling}'s: pass sampling='top_k'")
    if p is not None and sampling != "top_p":
        raise ValueError(f"p={p!r} is top_p's argument, not {sampling}'s: pass sampling='top_p'")
    if sampling == "top_k":
        if k is None:
            raise ValueError("sampling='top_k' needs k, the number of tokens kept (k=1 is greedy)")
        k = check_integer(k, "k")
    if sampling == "top_p":
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 < p <= 1:
            raise ValueError(f"sampling='top_p' needs p, the nucleus's mass, in (0, 1], received {p!r}")
        p = float(p)
    return Sampler(sampling, float(temperature), k, p)


def sampling_weights(probs: np.ndarray, sampler: Sampler) -> np.ndarray:
    """The distribution to draw from: probs (R, V) of ``decode_step`` -> (R, V) float64,
    each row summing to 1, reshaped by the temperature then cut to the top k or nucleus."""
    with np.errstate(divide="ignore"):          # log 0 = -inf: a token the model rules out
        log_p = np.log(np.asarray(probs, np.float64))
    z = log_p / sampler.temperature             # softmax(logits / T), logits = log p + const
    weights = np.exp(z - z.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    if sampler.mode == "temperature":
        return weights
    # rank 0 = most probable; ties by id, the lower first (a stable sort of -log p)
    order = np.argsort(-log_p, axis=1, kind="stable")            # (R, V) token ids by rank
    if sampler.mode == "top_k":
        keep_sorted = np.arange(log_p.shape[1]) < sampler.k       # (V,) a k > V keeps all
    else:   # the nucleus: a token is in if the tokens ranked above it hold less than p
        sorted_weights = np.take_along_axis(weights, order, axis=1)
        mass_above = np.cumsum(sorted_weights, axis=1) - sorted_weights
        keep_sorted = mass_above < sampler.p - NUCLEUS_TOLERANCE  # rank 0 always (p > tol)
    keep = np.zeros(weights.shape, bool)
    np.put_along_axis(keep, order, np.broadcast_to(keep_sorted, order.shape), axis=1)
    weights = np.where(keep, weights, 0.0)
    return weights / weights.sum(axis=1, keepdims=True)


def draw(weights: np.ndarray, u: np.ndarray) -> np.ndarray:
    """One token per row of weights (R, V) >= 0, by the inverse CDF with u (R,) in [0, 1):
    the first token whose cumulative weight exceeds u · total (never one of weight 0)."""
    cdf = np.cumsum(weights, axis=1)                             # non-decreasing, cdf[:, -1] = total
    tokens = (cdf <= (u * cdf[:, -1])[:, None]).sum(axis=1)
    # u · total can round up to total itself: then the last token of positive weight
    last = weights.shape[1] - 1 - (weights[:, ::-1] > 0).argmax(axis=1)
    return np.minimum(tokens, last)


def sample_decode(model, encoder_input, sampler: Sampler, start_id: int, stop_id: int, max_steps: int,
                  rng: np.random.Generator, num_samples: int = 1) -> list[list[Sample]]:
    """Sampled decoding of a batch: encoder_input (N, Te, Ve) one-hot or (N, Te) ids.

    Returns, for each of the N sentences, ``num_samples`` independent samples in the order
    drawn. The input is encoded once and its states repeated; the N · num_samples rows then
    decode as one batch, leaving it when they emit ``stop_id`` or after ``max_steps`` tokens.
    """
    check_integer(max_steps, "max_steps")
    check_integer(num_samples, "num_samples")
    states = start_decoding(model, encoder_input)
    n = len(states[0])
    if num_samples > 1:                          # sentence i's samples are rows i·S ... i·S + S-1
        states = [np.repeat(s, num_samples, axis=0) for s in states]
    m = n * num_samples
    out = np.full((m, max_steps), -1, dtype=np.int64)
    lengths = np.zeros(m, dtype=np.int64)
    log_prob = np.zeros(m)                       # float64: Σ log p of the tokens drawn
    active = np.arange(m)                        # rows of `out` still being decoded
    tokens = np.full(m, start_id, dtype=np.int64)
    for step in range(max_steps):
        if not len(active):
            break
        probs, states = model.decode_step(tokens, states)
        u = rng.random(m)[active]                # one draw per starting row: see the docstring
        tokens = draw(sampling_weights(probs, sampler), u)
        log_prob[active] += np.log(probs[np.arange(len(tokens)), tokens].astype(np.float64))
        out[active, step] = tokens
        lengths[active] = step + 1
        running = tokens != stop_id
        if not running.all():                    # shrink the batch: finished rows cost nothing more
            active, tokens = active[running], tokens[running]
            states = [s[running] for s in states]
    samples = [Sample(out[i, :lengths[i]], float(log_prob[i])) for i in range(m)]
    return [samples[i * num_samples:(i + 1) * num_samples] for i in range(n)]


def make_rng(seed) -> np.random.Generator:
    """``np.random.default_rng(seed)``: None (fresh entropy), an int >= 0, or a Generator."""
    if isinstance(seed, bool) or not (seed is None or isinstance(seed, (numbers.Integral, np.random.Generator))):
        raise ValueError(f"seed must be None, a non-negative integer or a numpy Generator, received {seed!r}")
    if isinstance(seed, numbers.Integral) and seed < 0:
        raise ValueError(f"seed must be None, a non-negative integer or a numpy Generator, received {seed!r}")
    return np.random.default_rng(seed)
