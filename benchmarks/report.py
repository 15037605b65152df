"""Turn a results dict (what ``run.py`` measured) into JSON, a Markdown table and a PNG plot."""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path


def write_json(results: dict, path: Path) -> None:
    path.write_text(json.dumps(results, indent=1, default=float) + "\n")


def write_run(results: dict, out: Path, started: float, prefix: str, markdown) -> None:
    """The end of every run: the load at the end and the total time into ``results``, then
    ``<prefix><timestamp>.json`` and ``<prefix>latest.md`` (``markdown(results)``) in ``out``."""
    from .common import clock, log

    results["machine"]["loadavg_end"] = os.getloadavg()
    results["total_seconds"] = clock() - started
    out.mkdir(parents=True, exist_ok=True)
    results["json_name"] = f"{prefix}{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.json"
    write_json(results, out / results["json_name"])
    (out / f"{prefix}latest.md").write_text(markdown(results))
    log(f"wrote {out / results['json_name']} and {out / f'{prefix}latest.md'}")


def _s(x, digits=2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _ratio(x) -> str:
    if x is None:
        return "–"
    return f"{x:.2f}" if x >= 0.01 else f"{x:.1e}"


def _median(entry, part):
    return entry[part]["median"] if entry and part in entry else None


def _machine_lines(r: dict, only_decoding: bool = False) -> list[str]:
    """The run's command and sizes, then the machine. only_decoding: ``--only decoding``, which
    times no training epochs (its npseq2seq model is trained alone, untimed)."""
    m, cfg = r["machine"], r["config"]
    env = ", ".join(f"{k}={v if v is not None else 'unset'}" for k, v in m["blas_env"].items())
    fw = r["frameworks"]
    torch = fw.get("torch") or "not installed"
    mode = "quick mode (`--quick`)" if cfg["quick"] else "full tutorial configuration"
    epochs = "." if only_decoding else (f"; medians of {cfg['rounds']} epochs per framework after "
                                        f"{cfg['warmup']} warm-up, frameworks alternating epoch by epoch.")
    return [
        f"Run {r['started']} with `python -m benchmarks.run{' --quick' if cfg['quick'] else ''}"
        f"{' --only decoding' if only_decoding else ''}` ({mode}): "
        f"first {cfg['num_lines']:,} lines of fra.txt → {r['data']['train_samples']:,} training / "
        f"{r['data']['val_samples']:,} validation samples, latent {cfg['latent_dim']}, batch {cfg['batch_size']}"
        + epochs,
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['platform']}, Python {m['python']}",
        f"- NumPy {m['numpy']}, BLAS: {blas_text(m)}; {env}",
        f"- Keras {fw['keras']} / TensorFlow {fw['tensorflow']} (CPU); PyTorch {torch}",
        f"- {load_text(m)}",
    ] + _busy_warning(m)


def blas_text(m: dict) -> str:
    """The BLAS libraries of ``machine_info()``: name, version, kernel, threads."""
    return "; ".join(f"{b.get('internal_api')} {b.get('version')} (kernel {b.get('architecture')}, "
                     f"{b.get('num_threads')} threads)" if "error" not in b else b["error"]
                     for b in m["blas"]) or "none found"


def load_text(m: dict) -> str:
    """The load average at the run's start and end."""
    return (f"Load average (1, 5, 15 min) at start {tuple(round(x, 2) for x in m['loadavg_start'])}, "
            f"at end {tuple(round(x, 2) for x in m.get('loadavg_end', ()))}")


def _busy_warning(m: dict) -> list[str]:
    """Other processes on the cores slow OpenBLAS's threads most (they wait for each other).

    Only the load at the start tells of other processes: by the end the benchmark's own
    threads (OpenBLAS's and TensorFlow's keep both cores busy) have raised it to about the
    number of cores, so the end's load is shown, not judged."""
    load = m["loadavg_start"][0]
    if load <= 0.5 * m["cores"]:
        return []
    return ["", f"**The machine was busy (load average {load:.1f} on {m['cores']} cores): these "
                "numbers measure the contention more than the libraries.**"]


def _table(header: list[str], rows) -> list[str]:
    """A Markdown table: the header, its rule, then one line per row (a list of cells)."""
    return [_row(header), "|" + "---|" * len(header), *(_row(cells) for cells in rows)]


def _row(cells) -> str:
    return "|" + "|".join(f" {c} " if c != "" else " " for c in map(str, cells)) + "|"


def _training_table(r: dict) -> list[str]:
    if not r["training"]:
        return _skipped("Training")
    rows, notes = [], []
    for row in r["training"]:
        if row.get("status") != "ok":
            rows.append([row["model"], row["dtype"], f"not available: {row['reason']}", "", "", "", "", ""])
            continue
        cells = []
        for fw in ("numpy", "keras", "torch"):
            e = row["times"].get(fw)
            cells.append(f"{_s(_median(e, 'train'))} / {_s(_median(e, 'val'))}" if e else "–")
        losses = " / ".join(_s(row["final_val_loss"].get(fw), 3) for fw in ("numpy", "keras", "torch"))
        rows.append([row["model"], row["dtype"], *cells, f"**{_ratio(row['ratio'].get('numpy'))}**",
                     _ratio(row["ratio"].get("torch")), losses])
        if "numpy_threads" in row["times"]:
            e, k = row["times"]["numpy_threads"], row["threads"]
            rows.append([f"{row['model']}, threads={k['numpy_threads']} (npseq2seq only; the row above: "
                         f"threads={k['numpy']})", row["dtype"],
                         f"{_s(_median(e, 'train'))} / {_s(_median(e, 'val'))}", "", "",
                         f"**{_ratio(row['ratio'].get('numpy_threads'))}**", "",
                         _s(row["final_val_loss"].get("numpy_threads"), 3)])
        if "bucketed" in row["times"]:
            e, real = row["times"]["bucketed"], row["real_steps_val_loss"]
            rows.append([f"{row['model']}, masked + length-bucketed (npseq2seq only)", row["dtype"],
                         f"{_s(_median(e, 'train'))} / {_s(_median(e, 'val'))}", "", "",
                         f"**{_ratio(row['ratio'].get('bucketed'))}**", "",
                         f"{_s(real['bucketed'], 3)} (tutorial mode: {_s(real['numpy'], 3)})"])
            notes.append("The bucketed row trains the same model from the same weights for the same "
                         "number of epochs on zero-padded data, with the padded target steps neither "
                         "computed nor counted (`fit(bucket_by_length=True)`; the encoder still reads "
                         "its input's padding, as it does when translating). Its val_loss is the mean over real "
                         "target characters; beside it, in brackets, the tutorial-mode npseq2seq model "
                         "scored the same way. The other val_loss columns follow Keras (every padded step "
                         "counted), which is lower: trailing spaces are easy to predict.")
    header = ["model", "dtype", "npseq2seq train / val", "Keras train / val", "PyTorch train / val",
              "npseq2seq / Keras (epoch)", "PyTorch / Keras (epoch)", "final val_loss np / Keras / torch"]
    return (["## Training: seconds per epoch (train part + validation part)", ""] + _table(header, rows)
            + ([""] + notes if notes else []))


def _variants_table(r: dict) -> list[str]:
    from .variants_report import variants_table
    return variants_table(r) if "variants" in r else []


def _skipped(title: str) -> list[str]:
    return [f"## {title}", "", "Skipped in this run (`--skip`)."]


def _decoding_table(r: dict) -> list[str]:
    d = r["decoding"]
    if d is None:
        return _skipped("Decoding")
    header = ["decoder", "sentences", "ms / sentence", "ms / character (min–max)", "vs Keras tutorial",
              "vs Keras best", "vs Keras XLA", "same strings as npseq2seq"]
    rows = [[row["name"], row["sentences"], _s(row["ms_per_sentence"], 3),
             f"{_s(row['ms_per_char'], 4)} ({_spread(row)})",
             _ratio(row.get("vs_keras_tutorial")), _ratio(row.get("vs_keras_best")),
             _ratio(row.get("vs_keras_xla")), row["agree"]]
            for row in d["rows"]]
    notes = [f"Mean decoded length {d['mean_chars']:.1f} characters (greedy)"
             + (f", {d['mean_beam_chars']:.1f} (beam search)" if "mean_beam_chars" in d else "")
             + ". Ratios are per decoded character; the beam rows' strings are compared with npseq2seq's "
               "beam search's, the others with its greedy decoding's."]
    if "loadavg" in d:
        notes.append("Load average (1, 5, 15 min) before the timed rounds "
                     f"{', '.join(f'{x:.2f}' for x in d['loadavg']['before'])}, after "
                     f"{', '.join(f'{x:.2f}' for x in d['loadavg']['after'])}.")
    return (["## Decoding (greedy and beam search, trained weights from the LSTM float32 run)", "",
             *notes, ""] + _table(header, rows))


def decoding_markdown(r: dict) -> str:
    """The report of ``--only decoding``: the machine, then the decoding table."""
    parts = [["# npseq2seq vs Keras and PyTorch: decoding only (`--only decoding`)", ""],
             _machine_lines(r, only_decoding=True),
             [""], [(f"npseq2seq's LSTM loaded from `{r['model_path']}`" if r.get("model_path")
               else "npseq2seq's LSTM trained alone first") + f" (validation loss {r['val_loss']:.4f})."], [""],
             _decoding_table(r), [""],
             [f"Raw numbers (every repeat): `{r['json_name']}`. Total benchmark time {r['total_seconds']:.0f} s."]]
    return "\n".join(line for part in parts for line in part) + "\n"


def _spread(row: dict) -> str:
    """The per-character min–max over the timed rounds."""
    seconds, chars = row["seconds"], row["chars"]
    return f"{1e3 * seconds['min'] / chars:.4f}–{1e3 * seconds['max'] / chars:.4f}"


def _memory_table(r: dict) -> list[str]:
    if r["memory"] is None:
        return _skipped("Peak memory")
    header = ["framework", "RSS before training (MB)", "peak RSS (MB)", "peak / Keras peak"]
    rows = [[row["label"], f"{row['rss_before_training_mb']:.0f}", f"{row['peak_rss_mb']:.0f}",
             _ratio(row.get("ratio"))] for row in r["memory"]]
    return ["## Peak memory of one training epoch (RSS, one subprocess per framework)", ""] + _table(header, rows)


def _startup_table(r: dict) -> list[str]:
    if r["startup"] is None:
        return _skipped("Import → first translation")
    header = ["path", "in-process seconds (median)", "process wall seconds", "peak RSS (MB)",
              "TensorFlow loaded", "translation of the test sentence"]
    rows = [[row["label"], f"{row['seconds']['median']:.2f}", f"{row['wall']['median']:.2f}",
             f"{row['peak_rss_mb']:.0f}", row["tensorflow_loaded"], f"`{row['translation']}`"]
            for row in r["startup"]["rows"]]
    return (["## Import → load saved model → first translation (one subprocess each)", ""]
            + _table(header, rows)
            + ["", f"npseq2seq / Keras (in-process): **{_ratio(r['startup']['ratio'])}**"])


def _gflops_table(r: dict) -> list[str]:
    g = r["gflops"]
    if g is None:
        return _skipped("Achieved GFLOP/s")
    header = ["BLAS environment", "kernel", "train s/epoch", "achieved GFLOP/s", "GEMM floor s/epoch",
              "fraction of the GEMM limit"]
    rows = [[row["env"], row["kernel"], _s(row["train_seconds"]), f"{row['achieved_gflops']:.0f}",
             _s(row["floor_seconds"]), f"**{row['fraction']:.2f}**"] for row in g["rows"]]
    rate_header = ["GEMM", "shape", "layout", "calls per step", "GFLOP/s", "floor ms per step"]
    rates = [[row["name"], row["shape"], f"`{row['layout']}`", row["count"], f"{row['gflops']:.0f}",
              f"{1e3 * row['floor_seconds']:.2f}"] for row in g["rates"]]
    return (["## Achieved GFLOP/s of npseq2seq's training step (LSTM, float32)", "",
             f"GEMM FLOPs per epoch (counted analytically, one-hot products as gathers): train "
             f"{g['train_flops'] / 1e12:.3f} TFLOP, validation {g['val_flops'] / 1e12:.3f} TFLOP.", ""]
            + _table(header, rows)
            + ["", "NumPy's measured float32 GEMM rate on the step's shapes (BLAS environment of the main run):", ""]
            + _table(rate_header, rates))


def _blas_variant_lines(r: dict) -> list[str]:
    v = r.get("blas_variant")
    if not v:
        return []
    if v.get("status") != "ok":
        return ["## NumPy under the other BLAS environment", "", f"Not run: {v.get('reason')}"]
    return ["## NumPy under the other BLAS environment (separate process, not alternating)", "",
            f"{v['env']}: kernel {v['kernel']}, train {v['times']['train']['median']:.2f} s / "
            f"val {v['times']['val']['median']:.2f} s per epoch "
            f"(main run: train {v['main_train']:.2f} s / val {v['main_val']:.2f} s)."]


def to_markdown(r: dict) -> str:
    parts = [["# npseq2seq vs Keras: benchmark results", ""], _machine_lines(r), [""],
             ["Ratios are npseq2seq / Keras: below 1 means npseq2seq is faster (or smaller)."], [""],
             _training_table(r), [""], _variants_table(r), [""], _decoding_table(r), [""], _gflops_table(r), [""],
             _blas_variant_lines(r), [""], _memory_table(r), [""], _startup_table(r), [""],
             [f"Raw numbers (every repeat): `{r['json_name']}`. Total benchmark time {r['total_seconds']:.0f} s."]]
    return "\n".join(line for part in parts for line in part) + "\n"


def plot(r: dict, path: Path) -> None:
    """Horizontal bars of the npseq2seq / Keras ratios (log scale; 1 = as fast as Keras)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, ratios = [], []
    for row in r["training"]:
        if row.get("status") == "ok":
            labels.append(f"train epoch {row['model']} {row['dtype']}")
            ratios.append(row["ratio"]["numpy"])
            if "bucketed" in row["ratio"]:
                labels.append(f"train epoch {row['model']} {row['dtype']}, bucketed")
                ratios.append(row["ratio"]["bucketed"])
    for row in (r.get("variants") or {}).get("rows", []):
        labels.append(f"train epoch, variant {row['name']}")
        ratios.append(row["ratio"])
    for row in (r["decoding"] or {}).get("rows", []):
        if row["name"].startswith("npseq2seq"):
            for key, what in (("vs_keras_tutorial", "Keras tutorial"), ("vs_keras_best", "Keras best")):
                if row.get(key) is not None:
                    labels.append(f"{row['name'][len('npseq2seq '):]} vs {what}")
                    ratios.append(row[key])
    for row in r["memory"] or []:
        if row["label"].startswith("npseq2seq") and row.get("ratio") is not None:
            labels.append(f"peak RSS, {row['label']}")
            ratios.append(row["ratio"])
    if r["startup"]:
        labels.append("import → first translation")
        ratios.append(r["startup"]["ratio"])

    fig, ax = plt.subplots(figsize=(9, 0.38 * len(labels) + 1.5))
    y = range(len(labels))
    colors = ["tab:green" if x < 1 else "tab:red" for x in ratios]
    ax.barh(list(y), ratios, color=colors)
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_yticks(list(y), labels, fontsize=8)
    ax.invert_yaxis()
    for yi, x in zip(y, ratios):
        ax.text(x, yi, f" {_ratio(x)}", va="center", fontsize=7)
    ax.set_xlabel("npseq2seq / Keras (log scale; < 1: npseq2seq faster or smaller)")
    ax.set_title(f"npseq2seq vs Keras on {r['machine']['cpu']}, {r['machine']['cores']} cores", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
