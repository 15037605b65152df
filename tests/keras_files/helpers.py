"""Shared by the Keras-file tests: reading files in a process where TensorFlow and Keras
cannot be imported, and the Keras models of every kind, written as reference/ writes them.

``read_without_tensorflow(jobs)`` runs ``python -c`` with ``sys.modules["tensorflow"] =
sys.modules["keras"] = sys.modules["tf_keras"] = None`` set before npseq2seq is imported
(any ``import tensorflow`` then raises ImportError), calls ``load_keras`` on each job and
returns, per job, the model's ``get_weights()``, its ``translate`` strings and its
probabilities on given inputs, or the error message.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, sys
for blocked in ("tensorflow", "keras", "tf_keras", "jax", "torch"):
    sys.modules[blocked] = None          # import tensorflow -> ImportError
import numpy as np
from npseq2seq import load_keras
jobs, out = json.load(open(sys.argv[1])), sys.argv[2]
arrays, results = {}, []
for j, job in enumerate(jobs):
    try:
        model = load_keras(job["path"], **job.get("kwargs", {}))
    except Exception as err:
        results.append({"error": f"{type(err).__name__}: {err}"})
        continue
    for i, w in enumerate(model.get_weights()):
        arrays[f"{j}/{i}"] = w
    result = {"config": model.config.to_dict(), "count": len(model.get_weights())}
    if job.get("texts"):
        result["translations"] = model.translate(job["texts"], keep_end=True)
    if job.get("probabilities"):
        x = [np.load(p) for p in job["probabilities"]]
        arrays[f"{j}/probabilities"] = model.predict(x)
    results.append(result)
np.savez(out + ".npz", **arrays)
json.dump({"results": results, "tensorflow": "tensorflow" in sys.modules and sys.modules["tensorflow"] is not None},
          open(out + ".json", "w"))
"""


def read_without_tensorflow(tmp_path: Path, jobs: list[dict]) -> list[dict]:
    """load_keras on each job ({"path", "kwargs", "texts", "probabilities"}) in a child
    process that cannot import TensorFlow or Keras; each result gets "weights" (a list)
    and "probabilities" when asked for."""
    spec, out = tmp_path / "jobs.json", tmp_path / "read"
    spec.write_text(json.dumps(jobs))
    done = subprocess.run([sys.executable, "-c", CHILD, str(spec), str(out)], cwd=ROOT, capture_output=True,
                          text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(Path(f"{out}.json").read_text())
    assert not report["tensorflow"]
    with np.load(f"{out}.npz") as arrays:
        for j, result in enumerate(report["results"]):
            if "count" in result:
                result["weights"] = [arrays[f"{j}/{i}"] for i in range(result["count"])]
            if f"{j}/probabilities" in arrays:
                result["probabilities"] = arrays[f"{j}/probabilities"]
    return report["results"]


def write_pairs(path: Path, inputs, targets) -> Path:
    """A fra.txt-style file of the pairs (English<TAB>French)."""
    path.write_text("".join(f"{a}\t{b}\n" for a, b in zip(inputs, targets)), encoding="utf-8")
    return path


def assert_bit_equal(ours, theirs, what: str) -> None:
    assert len(ours) == len(theirs), f"{what}: {len(ours)} arrays, Keras has {len(theirs)}"
    for k, (a, b) in enumerate(zip(ours, theirs)):
        assert a.dtype == b.dtype and a.shape == b.shape, f"{what}: array {k} {a.dtype}{a.shape} != {b.dtype}{b.shape}"
        assert np.array_equal(a, b), f"{what}: array {k} differs"
