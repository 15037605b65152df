"""Measurements that each need a fresh process (``benchmarks.worker``): peak memory of one
training epoch per framework, and import → load a saved model → first translation."""
from __future__ import annotations

import json
from pathlib import Path

from .common import Config, Data, log, run_worker, summarize

MEMORY_LABELS = {"numpy": "npseq2seq, one-hot arrays (the tutorial's code)",
                 "numpy-ids": "npseq2seq, token-id arrays",
                 "keras": "Keras", "torch": "PyTorch"}


def measure_memory(cfg: Config, with_torch: bool) -> list[dict]:
    """Peak RSS of one training epoch (with validation), one fresh subprocess per framework."""
    frameworks = ["numpy", "numpy-ids", "keras"] + (["torch"] if with_torch else [])
    rows = []
    for fw in frameworks:
        log(f"peak memory: one training epoch of {fw} in a subprocess")
        answer = run_worker("memory", {"framework": fw, "cfg": cfg.to_dict()})
        rows.append({**answer, "label": MEMORY_LABELS[fw]})
    keras_peak = next(r["peak_rss_mb"] for r in rows if r["framework"] == "keras")
    for r in rows:
        r["ratio"] = r["peak_rss_mb"] / keras_peak
    return rows


def measure_startup(cfg: Config, data: Data, np_model, tmp: Path) -> dict:
    """Import → load a saved model → translate one sentence: NumPy only vs Keras/TensorFlow.

    The Keras side decodes with ``reference.models.decode_sequence`` (a cached
    ``tf.function`` per character, Keras's faster path), not the tutorial's
    ``predict`` loop.
    """
    from . import keras_side

    np_path, keras_path, vocab_path = tmp / "model.npz", tmp / "model.keras", tmp / "vocab.json"
    np_model.save(np_path)
    keras_side.keras_model_from(np_model).save(keras_path)
    vocab_path.write_text(json.dumps(data.vocab.to_config()))
    sentence = data.input_texts[0]
    tasks = {
        "numpy": ("startup_numpy", {"model_path": str(np_path), "sentence": sentence},
                  "npseq2seq: import npseq2seq, load_model(.npz), translate"),
        "keras": ("startup_keras", {"keras_path": str(keras_path), "vocab_path": str(vocab_path),
                                    "sentence": sentence},
                  "Keras: import keras, load_model(.keras), inference models, decode_sequence"),
    }
    answers: dict[str, list[dict]] = {fw: [] for fw in tasks}
    for r in range(cfg.startup_repeats):       # alternating, like everything else
        for fw, (task, args, _) in tasks.items():
            log(f"import → first translation, {fw}, {r + 1}/{cfg.startup_repeats}")
            answers[fw].append(run_worker(task, args))
    rows = []
    for fw, (_, _, label) in tasks.items():
        last = answers[fw][-1]
        rows.append({"framework": fw, "label": label,
                     "seconds": summarize([a["seconds"] for a in answers[fw]]),
                     "wall": summarize([a["wall_seconds"] for a in answers[fw]]),
                     "peak_rss_mb": last["peak_rss_mb"], "translation": last["translation"],
                     "tensorflow_loaded": "no" if fw == "numpy" and not last.get("heavy_modules_loaded")
                     else ("yes" if fw == "keras" else ", ".join(last["heavy_modules_loaded"]))})
    ratio = rows[0]["seconds"]["median"] / rows[1]["seconds"]["median"]
    return {"sentence": sentence, "rows": rows, "ratio": ratio}
