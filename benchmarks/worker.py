"""Measurements that need a process of their own: ``python -m benchmarks.worker TASK JSON``.

Each task prints one JSON object as the last line of stdout. Tasks:

* ``memory``: peak RSS (``ru_maxrss``) of one tutorial training epoch of one framework;
* ``startup_numpy`` / ``startup_keras``: import → load a saved model → translate
  one sentence, timed from before the first import;
* ``numpy_training``: npseq2seq's training epochs, for running the NumPy side
  again under another BLAS environment.

Only the standard library is imported at the top, so that the startup tasks
time every import they need.
"""
from __future__ import annotations

import json
import resource
import sys
import time


def _status_mb(field: str) -> float | None:
    """A memory field of /proc/self/status (Linux) in MB, None elsewhere."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _rss_mb() -> float | None:
    return _status_mb("VmRSS")


def _peak_rss_mb() -> float:
    """Peak resident set size of this process in MB.

    VmHWM, not ``ru_maxrss``: Linux carries ``ru_maxrss`` over ``execve``, so a
    worker started by a parent that holds TensorFlow and the data would report
    the parent's peak. VmHWM belongs to the new address space.
    """
    hwm = _status_mb("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory(args: dict) -> dict:
    from .common import Config, load_data

    cfg = Config(**args["cfg"])
    framework = args["framework"]
    data = load_data(cfg)
    if framework == "numpy":           # the tutorial's code path: one-hot arrays into fit
        from .numpy_side import build_model
        model = build_model(data, cfg)
        enc, dec, tgt = data.one_hot("float32")
        baseline = _rss_mb()
        model.fit([enc, dec], tgt, batch_size=cfg.batch_size, epochs=1, verbose=0,
                  validation_split=cfg.validation_split)
    elif framework == "numpy-ids":     # npseq2seq's own form: token ids, no one-hot tensors
        from .numpy_side import build_model
        model = build_model(data, cfg)
        enc, dec, tgt = data.ids
        baseline = _rss_mb()
        model.fit([enc, dec], tgt, batch_size=cfg.batch_size, epochs=1, verbose=0,
                  validation_split=cfg.validation_split)
    elif framework == "keras":
        from .keras_side import KerasTrainer
        from .numpy_side import build_model
        enc, dec, tgt = data.one_hot("float32")
        model = KerasTrainer(build_model(data, cfg), data, cfg).model
        baseline = _rss_mb()
        model.fit([enc, dec], tgt, batch_size=cfg.batch_size, epochs=1, verbose=0,
                  validation_split=cfg.validation_split)
    elif framework == "torch":
        from .numpy_side import build_model
        from .torch_side import TorchTrainer
        trainer = TorchTrainer(build_model(data, cfg), data, cfg)
        baseline = _rss_mb()
        trainer.epoch()
    else:
        raise ValueError(f"framework must be numpy, numpy-ids, keras or torch, received {framework!r}")
    return {"framework": framework, "rss_before_training_mb": baseline, "peak_rss_mb": _peak_rss_mb()}


def startup_numpy(args: dict) -> dict:
    start = time.perf_counter()
    import npseq2seq
    model = npseq2seq.load_model(args["model_path"])
    translation = model.translate([args["sentence"]])[0]
    seconds = time.perf_counter() - start
    heavy = [m for m in ("tensorflow", "keras", "torch") if m in sys.modules]
    return {"seconds": seconds, "translation": translation, "heavy_modules_loaded": heavy,
            "peak_rss_mb": _peak_rss_mb()}


def startup_keras(args: dict) -> dict:
    start = time.perf_counter()
    import os
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras

    from npseq2seq.text import CharVocab, encode_input_texts
    from reference.models import build_inference_models, decode_sequence

    model = keras.models.load_model(args["keras_path"])
    encoder_model, decoder_model = build_inference_models(model)
    with open(args["vocab_path"]) as f:
        vocab = CharVocab.from_config(json.load(f))
    input_seq = encode_input_texts([args["sentence"]], vocab)
    translation = decode_sequence(input_seq, encoder_model, decoder_model, vocab.target_token_index,
                                  vocab.reverse_target_char_index, vocab.max_decoder_seq_length,
                                  vocab.num_decoder_tokens)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "translation": translation.rstrip("\n"), "peak_rss_mb": _peak_rss_mb()}


def numpy_training(args: dict) -> dict:
    import numpy as np

    from .common import Config, alternate, blas_info, load_data
    from .flops import gemm_rates, step_shapes, training_step_gemms
    from .numpy_side import NumpyTrainer, build_model

    cfg = Config(**args["cfg"])
    data = load_data(cfg)
    model = build_model(data, cfg)
    with np.load(args["weights_path"]) as f:
        model.set_weights([f[f"w{i}"] for i in range(len(f.files))])
    trainer = NumpyTrainer(model, data, cfg)
    times = alternate({"numpy": trainer.epoch}, cfg.rounds, cfg.warmup)["numpy"]
    return {"times": times, "blas": blas_info(), "gemm_rates": gemm_rates(training_step_gemms(*step_shapes(cfg, data))),
            "losses": trainer.losses}


TASKS = {"memory": memory, "startup_numpy": startup_numpy, "startup_keras": startup_keras,
         "numpy_training": numpy_training}


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] not in TASKS:
        raise SystemExit(f"usage: python -m benchmarks.worker {{{','.join(TASKS)}}} JSON_ARGS")
    result = TASKS[argv[0]](json.loads(argv[1]))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
