"""The variant rows (``benchmarks.variants``) as Markdown: a table of seconds per epoch, the
ratio to Keras with its spread over the rounds, and the load around each row."""
from __future__ import annotations

from .common import epoch_times
from .report import _busy_warning, _ratio, _s, _skipped, _table, blas_text, load_text


def _pair_ratios(row: dict) -> list[float]:
    """npseq2seq / Keras of each round (round k of one against round k of the other)."""
    return [n / k for n, k in zip(epoch_times(row["times"]["numpy"]), epoch_times(row["times"]["keras"]))]


def _load(pair) -> str:
    return f"{pair[0]:.1f}"


def variants_table(r: dict) -> list[str]:
    v = r.get("variants")
    if v is None:
        return _skipped("Variant rows")
    header = ["variant", "npseq2seq s/epoch (min–max)", "Keras s/epoch (min–max)", "npseq2seq / Keras",
              "per-round ratio min–max", "final val_loss np / Keras", "load before → after"]
    rows = []
    for row in v["rows"]:
        e, mm, ratios = row["epoch_seconds"], row["epoch_min_max"], _pair_ratios(row)
        rows.append([f"`{row['name']}`: {row['label']}",
                     f"{_s(e['numpy'])} ({_s(mm['numpy'][0])}–{_s(mm['numpy'][1])})",
                     f"{_s(e['keras'])} ({_s(mm['keras'][0])}–{_s(mm['keras'][1])})",
                     f"**{_ratio(row['ratio'])}**", f"{_ratio(min(ratios))}–{_ratio(max(ratios))}",
                     f"{_s(row['final_val_loss']['numpy'], 3)} / {_s(row['final_val_loss']['keras'], 3)}",
                     f"{_load(row['loadavg']['before'])} → {_load(row['loadavg']['after'])}"])
    notes = [
        f"Each row: the character model of latent {v['latent_dim']}, batch {v['batch_size']}, RMSprop, float32, "
        "with one thing changed, on the first "
        f"{v['num_lines']:,} lines of fra.txt ({v['train_samples']:,} training / {v['val_samples']:,} validation "
        f"samples; fewer than the main rows, to keep the block short); npseq2seq and Keras alternating, "
        f"{v['warmup']} warm-up + {v['rounds']} timed epochs each (train + validation), medians; both start "
        "from npseq2seq's initial weights (`reference.bridge.to_keras`), and "
        "`tests/test_benchmark_variants.py` checks that both sides are the same model (same loss on the "
        "same batch). `plain` is the tutorial's model at these sizes: read each variant's ratio against it.",
        "",
        "The Keras side of each row is the model of `reference/` a Keras user writes: `Masking(mask_value=0.0)` "
        "after each input (`masked`, zero-padded data), `Embedding(mask_zero=True)` (`word-mask`, the word "
        "vocabulary), `Bidirectional(LSTM)` with joined states, `Attention()` after the decoder RNN (`luong`). "
        "`bahdanau` and `luong-feeding` attend inside the recurrence, for which Keras has no layer: their "
        "Keras side is `reference/attentive.py`'s `AttentiveCell`, a Python-level cell written in `keras.ops` "
        "around `LSTMCell` and run by `keras.layers.RNN` (traced into the graph's loop, but no kernel of "
        "Keras's own for the attention step), so those ratios measure that cell against npseq2seq's.",
        "",
        "Load average: the 1-minute figure before and after each row's epochs (it counts the benchmark's "
        "own threads as well as other processes). The final val_losses differ by more than the tolerance of the test: "
        "each side shuffles the training set with its own random generator, so after a few epochs they "
        "are two training runs of one model (the trajectories with `shuffle=False` are checked by "
        "`tests/model/`'s parity suite).",
    ]
    return ["## Variant rows: seconds per epoch, npseq2seq against the same model in Keras", ""] + notes + [
        ""] + _table(header, rows)


def variants_markdown(r: dict) -> str:
    """The report of ``--only variants``: the machine, then the variant table."""
    m, fw = r["machine"], r["frameworks"]
    lines = ["# npseq2seq vs Keras: variant rows (`--only variants`)", "",
             f"Run {r['started']}. Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, "
             f"NumPy {m['numpy']} ({blas_text(m)}); Keras {fw['keras']} / TensorFlow {fw['tensorflow']} (CPU).",
             f"{load_text(m)}. " + ", ".join(f"{k}={v or 'unset'}" for k, v in m.get("thread_env", {}).items()),
             *_busy_warning(m), "",
             "Ratios are npseq2seq / Keras: below 1 means npseq2seq is faster.", "",
             *variants_table(r), "",
             f"Raw numbers (every repeat): `{r['json_name']}`. Total benchmark time {r['total_seconds']:.0f} s."]
    return "\n".join(lines) + "\n"
