"""Reading a Keras model file: ``npseq2seq.load_keras`` against ``keras.models.load_model``,
each in fresh processes, from the interpreter's start to a model ready to translate.

    python -m benchmarks.keras_load s2s_model.keras --data fra.txt --num-samples 10000 [--repeats 5]

Each repeat starts two processes, alternating (npseq2seq, Keras, npseq2seq, ...). Each
reports the time from before its first import to the loaded model (``time.perf_counter``;
imports included, as a user waits for them) and its peak resident memory
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``). npseq2seq's process cannot import
TensorFlow or Keras (``sys.modules[...] = None``), so its numbers are h5py's and
NumPy's alone; its load includes rebuilding the vocabulary from ``--data`` (Keras has
none to build). Keras's is ``keras.models.load_model(path)`` with the TensorFlow
backend. Medians are printed as a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

NPSEQ2SEQ = r"""
import time; t0 = time.perf_counter()
import json, resource, sys
for name in ("tensorflow", "keras", "tf_keras", "jax", "torch"):
    sys.modules[name] = None
from npseq2seq import load_keras
model = load_keras(sys.argv[1], data=sys.argv[2] or None, num_samples=int(sys.argv[3]) if sys.argv[3] else None)
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "params": model.count_params()}))
"""

KERAS = r"""
import time; t0 = time.perf_counter()
import json, os, resource, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
model = keras.models.load_model(sys.argv[1])
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "params": model.count_params()}))
"""


def measure(code: str, args: list[str]) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=900)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(path, data, num_samples, repeats: int) -> dict:
    rows = {"npseq2seq.load_keras": [], "keras.models.load_model": []}
    for _ in range(repeats):
        rows["npseq2seq.load_keras"].append(measure(NPSEQ2SEQ, [str(path), str(data or ""), str(num_samples or "")]))
        rows["keras.models.load_model"].append(measure(KERAS, [str(path)]))
    return rows


def table(rows: dict) -> str:
    lines = ["| reader (fresh process) | import + load, s (median) | peak RSS, MiB (median) | weights |",
             "|---|---|---|---|"]
    for name, runs in rows.items():
        lines.append(f"| `{name}` | {statistics.median(r['seconds'] for r in runs):.2f} | "
                     f"{statistics.median(r['peak_rss_mib'] for r in runs):.0f} | {runs[0]['params']:,} |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("path", help="a Keras model file (.keras or .h5)")
    p.add_argument("--data", help="the training data, for npseq2seq's vocabulary")
    p.add_argument("--num-samples", type=int)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args(argv)
    rows = run(args.path, args.data, args.num_samples, args.repeats)
    print(table(rows))
    return rows


if __name__ == "__main__":
    main()
