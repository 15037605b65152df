"""Batched greedy decoding, one core each: the CPU time of the calling thread.

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python -m benchmarks.decoding_one_core MODEL.npz

Wall-clock rows (``benchmarks.run --only decoding``) measure the machine's load as much as
the decoders when other processes share the two cores. With OpenBLAS and PyTorch on one
thread, ``time.thread_time`` of the calling thread is the work each decoder does, whatever
else runs: npseq2seq's ``greedy_decode`` against PyTorch's greedy loop
(``torch_side.greedy_decode``), alternating, on the same saved model (a char LSTM of
``--only decoding``'s data, as ``--model`` takes it) and the first 1,000 sentences.

Measured with it (2026-12-05, load 6.1, 7 rounds, trained char LSTM latent 256): npseq2seq
0.225 s (0.208–0.231), PyTorch 0.215 s (0.202–0.225); again at load 2.6: npseq2seq 0.224
(0.220–0.229), PyTorch 0.230 (0.223–0.287); 1000/1000 strings equal: on one core each the
two are level (within 5 %, either way); the wall-clock rows where PyTorch led by 1.4×
gave PyTorch both cores. A batched twin of ``OneSentenceGreedy`` (preallocated (N, ·)
buffers, no softmax, finished rows dropped) was built and measured at 0.221 s: the per-step
overheads it removes are small next to the GEMMs and gate passes both paths share, so it was
not kept (branch ``batch-decode``).
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

from . import numpy_side, torch_side
from .common import Config, load_data
from .decoding import _load_decoding_model


def main(model_path: Path, rounds: int = 7, sentences: int = 1000) -> None:
    import torch
    torch.set_num_threads(1)
    from npseq2seq.text import one_hot

    data = load_data(Config())
    model = _load_decoding_model(model_path, data)
    x = one_hot(data.ids[0][:sentences], data.vocab.num_encoder_tokens, "float32")
    torch_model = torch_side.build_model(model)
    decoders = {"npseq2seq greedy_decode": lambda: numpy_side.greedy_batch(model, x, sentences),
                "PyTorch greedy loop": lambda: torch_side.greedy_decode(torch_model, x, data.vocab, sentences)}
    reference = decoders["npseq2seq greedy_decode"]()
    agree = {name: sum(a == b for a, b in zip(fn(), reference)) for name, fn in decoders.items()}
    times = {name: [] for name in decoders}
    load = os.getloadavg()
    for _ in range(rounds):
        for name, fn in decoders.items():
            start = time.thread_time()
            fn()
            times[name].append(time.thread_time() - start)
    chars = sum(len(s) for s in reference)
    print(f"load average before {load}, after {os.getloadavg()}; {sentences} sentences, {chars} characters; "
          f"CPU seconds of one thread, {rounds} rounds")
    for name, t in times.items():
        print(f"{name:45s} median {np.median(t):.4f} (min {min(t):.4f}, max {max(t):.4f}) "
              f"{1e3 * np.median(t) / chars:.5f} ms/char, same strings {agree[name]}/{sentences}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]))
