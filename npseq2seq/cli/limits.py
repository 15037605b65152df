"""The limits the commands keep to: --beam / --n-best at most ``MAX_BEAM``, --length-penalty
finite and at most 10 either way, and sizes against the machine's memory, checked before
the allocation they decide:

    check_memory(nbytes, "a model of --latent-dim 100000")     # TooBigError if it cannot fit
    with too_big("translating with --beam 1000000"):            # MemoryError -> TooBigError
        ...

The memory a process may use is the smaller of the machine's physical memory and what its
address-space limit (``ulimit -v``) leaves. ``check_memory`` refuses what can never fit;
``too_big`` names what was being done when an allocation failed anyway.
"""
from __future__ import annotations

import os
from contextlib import contextmanager

try:
    import resource
except ImportError:   # not on Windows: physical memory only
    resource = None

import argparse
import math

import numpy as np

from ..io import load_model, min_weight_count
from .exits import TooBigError

__all__ = ["available_memory", "check_memory", "too_big", "describe_bytes", "check_training_memory",
           "MAX_BEAM", "beam_width", "loaded_model", "check_length_penalty"]

MAX_BEAM = 1000   # hypotheses per sentence: 5-10 is usual; more only costs memory and time


def beam_width(text: str) -> int:
    """The argparse type of --beam and --n-best: an integer in [1, MAX_BEAM]."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text[:40]!r}") from None
    if not 1 <= value <= MAX_BEAM:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_BEAM}, got {value}")
    return value


MAX_LENGTH_PENALTY = 10.0   # GNMT's alpha is 0 to 1; beyond +-10 the ranking only overflows


def check_length_penalty(alpha: float) -> None:
    """ValueError unless --length-penalty is a finite number in [-10, 10]."""
    if not math.isfinite(alpha) or abs(alpha) > MAX_LENGTH_PENALTY:
        raise ValueError(f"--length-penalty {alpha}: expected a number from -{MAX_LENGTH_PENALTY:g} to "
                         f"{MAX_LENGTH_PENALTY:g} (GNMT uses 0 to 1)")


def loaded_model(path, command: str | None = None):
    """``io.load_model(path)``, running out of memory on the way said as such. command: a
    command that reads encoder-decoders only (``ValueError`` for the repeat model's file)."""
    with too_big(f"loading the model file {path}"):
        model = load_model(path)
    if command is not None and model.kind != "seq2seq":
        raise ValueError(f"{path} holds a RepeatSeq2Seq (demo --model repeat): `{command}` reads "
                         "encoder-decoder models; `translate` reads both")
    return model


def describe_bytes(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def _address_space_used() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def available_memory() -> int:
    """Bytes this process could still allocate at most (physical memory, address-space limit)."""
    try:
        limit = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        limit = 1 << 62
    soft, _ = resource.getrlimit(resource.RLIMIT_AS) if resource else (-1, -1)
    if resource and soft != resource.RLIM_INFINITY:
        limit = min(limit, soft - _address_space_used())
    return max(limit, 0)


def check_memory(nbytes: int, what: str) -> None:
    """TooBigError naming ``what`` if ``nbytes`` cannot fit in the memory available."""
    free = available_memory()
    if nbytes > free:
        raise TooBigError(f"{what} needs at least {describe_bytes(nbytes)}, more than the "
                          f"{describe_bytes(free)} of memory available")


@contextmanager
def too_big(what: str):
    """A MemoryError inside the block becomes a TooBigError naming ``what``."""
    try:
        yield
    except MemoryError:
        raise TooBigError(f"out of memory {what}") from None


def check_training_memory(config, vocab, pairs, settings) -> None:
    """Refuse, before building anything, a model or training arrays that cannot fit: the
    weights (with their gradients, optimizer slots and the checkpoint's copy: 4x) and the
    encoded pairs (int32 token ids, ``args.training_arrays``), naming the sizes that decide them."""
    itemsize = np.dtype(config.dtype).itemsize
    check_memory(4 * min_weight_count(config) * itemsize,
                 f"a model of --latent-dim {config.latent_dim} with {config.num_encoder_tokens} input "
                 f"and {config.num_decoder_tokens} target tokens")
    inputs, targets = pairs
    n, t_e, t_d = len(inputs), vocab.max_encoder_seq_length, vocab.max_decoder_seq_length
    per_pair = 4 * (t_e + 2 * t_d)
    longest = max(range(n), key=lambda i: max(len(inputs[i]), len(targets[i])))
    where = (f"{settings['data']}, line {longest + 1}" if settings.get("data")
             else f"pair {longest + 1}")
    check_memory(n * per_pair, f"encoding {n} pairs padded to {t_e} input and {t_d} target "
                               f"{vocab.unit} (the longest at {where})")
