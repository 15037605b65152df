"""What every measurement shares: the configuration, the data, the timing helper, machine facts.

Nothing here imports Keras, TensorFlow or PyTorch: the subprocess workers that
measure a NumPy-only process import this module too.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
FRA_PATH = REPO.parent / "shared" / "data" / "fra-eng" / "fra.txt"
# The two variables that pin OpenBLAS's kernels (see benchmarks/README.md).
BLAS_ENV_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


@dataclass(frozen=True)
class Config:
    """Sizes of one benchmark run; the defaults are the tutorial's configuration."""
    num_lines: int = 10_000          # first lines of fra.txt (tutorial: num_samples = 10000)
    latent_dim: int = 256
    batch_size: int = 64
    validation_split: float = 0.2    # Keras: the last 20 % → 8,000 train / 2,000 validation
    warmup: int = 1                  # epochs per framework before timing (tracing, caches)
    rounds: int = 3                  # timed epochs per framework, alternating
    float64_rounds: int = 1          # float64 is for information: fewer epochs
    decode_sentences: int = 100      # npseq2seq one sentence at a time
    decode_rounds: int = 3           # timed rounds of every decoder, alternating
    keras_tutorial_sentences: int = 5  # Keras predict() per character: ~2 s per sentence
    batched_sentences: int = 1000    # batched greedy decoding
    startup_repeats: int = 3         # import-to-first-translation subprocesses per framework
    variant_lines: int = 3000        # the variant rows' data (benchmarks.variants): fewer lines
    data_path: str = str(FRA_PATH)
    seed: int = 0
    quick: bool = False

    @classmethod
    def quick_mode(cls, **overrides) -> "Config":
        """Small sizes that exercise every code path in under a minute."""
        small = dict(num_lines=600, latent_dim=32, warmup=1, rounds=1, float64_rounds=1,
                     decode_sentences=10, keras_tutorial_sentences=1, batched_sentences=100,
                     startup_repeats=1, variant_lines=300, quick=True)
        return cls(**{**small, **overrides})

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


# --------------------------------------------------------------------------- data


@dataclass
class Data:
    """The tutorial's arrays, split as Keras's ``validation_split`` splits them.

    ``ids`` hold (encoder input, decoder input, decoder target) token ids, the form
    npseq2seq works in internally; ``one_hot(dtype)`` gives the tutorial's float
    arrays (what Keras and PyTorch are fed).
    """
    vocab: object
    input_texts: list
    target_texts: list
    ids: tuple            # three int32 arrays (N, Te), (N, Td), (N, Td)
    split_at: int

    @property
    def num_samples(self) -> int:
        return len(self.ids[0])

    def train_ids(self):
        return tuple(a[:self.split_at] for a in self.ids)

    def val_ids(self):
        return tuple(a[self.split_at:] for a in self.ids)

    def one_hot(self, dtype="float32"):
        from npseq2seq.text import one_hot
        v = self.vocab
        sizes = (v.num_encoder_tokens, v.num_decoder_tokens, v.num_decoder_tokens)
        return tuple(one_hot(a, n, dtype) for a, n in zip(self.ids, sizes))


def load_data(cfg: Config, level: str = "char", padding: str = "space") -> Data:
    """The first ``cfg.num_lines`` pairs of fra.txt as ids: characters (the tutorial's
    vocabulary, space or zero padding) or words (``text.WordVocab``, PAD 0)."""
    from npseq2seq.text import CharVocab, load_pairs, vectorize_ids

    input_texts, target_texts = load_pairs(cfg.data_path, cfg.num_lines)
    if level == "word":
        from npseq2seq.text import WordVocab, vectorize_words
        vocab = WordVocab.from_texts(input_texts, target_texts)
        ids = vectorize_words(input_texts, target_texts, vocab)
    else:
        vocab = CharVocab.from_texts(input_texts, target_texts, padding=padding)
        ids = vectorize_ids(input_texts, target_texts, vocab)
    split_at = int(math.floor(len(input_texts) * (1.0 - cfg.validation_split)))
    return Data(vocab, input_texts, target_texts, ids, split_at)


# --------------------------------------------------------------------------- timing


def clock() -> float:
    return time.perf_counter()


def summarize(times: list[float]) -> dict:
    """Median (the number reported) and the spread of repeated measurements, in seconds."""
    return {"median": statistics.median(times), "min": min(times), "max": max(times),
            "n": len(times), "times": list(times)}


def repeat(fn: Callable[[], object], repeats: int, warmup: int = 0) -> dict:
    """Time ``fn()`` ``repeats`` times after ``warmup`` untimed calls: summarize(seconds)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = clock()
        fn()
        times.append(clock() - start)
    return summarize(times)


def alternate(tasks: dict[str, Callable[[], dict[str, float]]], rounds: int, warmup: int,
              log: Callable[[str], None] = lambda s: None) -> dict[str, dict[str, dict]]:
    """Run every task once per round, in turn (A B C A B C ...), so load drifts hit all alike.

    Each task returns a dict of named durations in seconds (e.g. ``{"train": …,
    "val": …}``). Warm-up rounds run the same way and are dropped. Returns
    ``{task: {part: summarize(...)}}``.
    """
    collected: dict[str, dict[str, list[float]]] = {name: {} for name in tasks}
    for r in range(warmup + rounds):
        for name, task in tasks.items():
            parts = task()
            label = "warm-up" if r < warmup else f"round {r - warmup + 1}/{rounds}"
            log(f"  {name:<28} {label:<12} " + "  ".join(f"{k} {v:.3f}s" for k, v in parts.items()))
            if r >= warmup:
                for part, seconds in parts.items():
                    collected[name].setdefault(part, []).append(seconds)
    return {name: {part: summarize(ts) for part, ts in parts.items()}
            for name, parts in collected.items()}


def alternate_epochs(trainers: dict, rounds: int, warmup: int) -> tuple[dict, dict[str, float]]:
    """Training epochs of every trainer (``.epoch() -> {"train": s, "val": s}``), alternating
    (``alternate``, warm-up dropped): (``alternate``'s times, seconds per epoch of each
    trainer: the median train part plus the median validation part)."""
    times = alternate({name: t.epoch for name, t in trainers.items()}, rounds, warmup, log)
    return times, {name: t["train"]["median"] + t["val"]["median"] for name, t in times.items()}


def epoch_times(parts: dict) -> list[float]:
    """Each timed round's whole epoch (train + validation) of one trainer's ``alternate`` times."""
    return [a + b for a, b in zip(parts["train"]["times"], parts["val"]["times"])]


# --------------------------------------------------------------------------- subprocesses


def run_worker(task: str, args: dict, env: dict | None = None, timeout: float = 1800) -> dict:
    """Run ``python -m benchmarks.worker TASK ARGS`` and return its JSON answer plus wall time.

    The worker prints one JSON object as its last line of stdout.
    """
    start = clock()
    proc = subprocess.run([sys.executable, "-m", "benchmarks.worker", task, json.dumps(args)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    wall = clock() - start
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark worker {task!r} failed (exit {proc.returncode}):\n"
                           f"{proc.stderr[-3000:]}")
    answer = json.loads(proc.stdout.strip().splitlines()[-1])
    answer["wall_seconds"] = wall
    return answer


def env_without_blas_pins() -> dict:
    env = dict(os.environ)
    for var in BLAS_ENV_VARS:
        env.pop(var, None)
    return env


# --------------------------------------------------------------------------- machine


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_info() -> list[dict]:
    """threadpoolctl's view of the BLAS NumPy loaded (kernel ``architecture``, threads)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [{"error": "threadpoolctl not installed (pip install threadpoolctl)"}]
    import numpy  # noqa: F401  (loads the BLAS so threadpoolctl can see it)
    keys = ("internal_api", "version", "architecture", "num_threads", "threading_layer", "filepath")
    return [{k: info.get(k) for k in keys} for info in threadpool_info() if info.get("user_api") == "blas"]


def results_header(cfg: Config) -> dict:
    """The first keys of every run's results: when it started, its sizes, the machine."""
    from datetime import datetime, timezone

    return {"started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "config": cfg.to_dict(), "machine": machine_info()}


def machine_info() -> dict:
    import numpy as np

    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas_info(),
        "blas_env": {var: os.environ.get(var) for var in BLAS_ENV_VARS},
        "loadavg_start": os.getloadavg(),
    }


def best_beam_strings(ids, log_prob, finished, vocab, alpha: float = 0.6) -> list[str]:
    """Each sentence's best of its B hypotheses as npseq2seq's ``beam_search`` ranks them:
    finished before cut off, then by GNMT's log P / ((5 + |Y|) / 6) ** α, |Y| counting the
    stop token. ids (N, B, T) with -1 after a hypothesis ends; log_prob, finished (N, B)."""
    import numpy as np
    lengths = (ids >= 0).sum(axis=2)
    score = log_prob / ((5.0 + lengths) / 6.0) ** alpha
    best = [int(np.lexsort((-score[i], ~finished[i]))[0]) for i in range(len(ids))]
    reverse = vocab.reverse_target_char_index
    return ["".join(reverse[int(t)] for t in ids[i, b] if t >= 0) for i, b in enumerate(best)]


def log(message: str) -> None:
    """A progress line on stderr, with the time."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
