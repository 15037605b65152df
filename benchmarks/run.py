"""npseq2seq vs the Keras reference (and PyTorch if installed), side by side in one run.

    python -m benchmarks.run            # the tutorial configuration (a few minutes)
    python -m benchmarks.run --quick    # tiny sizes, every code path, under a minute
    python -m benchmarks.run --only decoding   # the decoding rows alone (npseq2seq's LSTM
                                               # trained as the full run trains it, no peers' epochs)
    python -m benchmarks.run --only variants [--variants stacked,bahdanau]   # the variant rows
                                               # (benchmarks.variants) alone

One function per measurement (the training rows here; the variant rows in ``variants.py``,
decoding in ``decoding.py``, GFLOP/s and the other BLAS setting in ``flops.py``, memory and
start-up in ``fresh_process.py``); each returns plain dicts that ``report.py`` turns
into ``results/<timestamp>.json``, ``results/latest.md`` and ``results/latest.png``
(``--quick`` writes to ``results/quick/`` so it never overwrites a full run).
Frameworks alternate epoch by epoch (npseq2seq, Keras, PyTorch, npseq2seq, …)
so that a change in the machine's load hits all of them alike; every number
reported is a median over repeats, timed with ``time.perf_counter``.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from . import numpy_side, report, torch_side, variants
from .common import (
    REPO,
    Config,
    Data,
    alternate_epochs,
    clock,
    load_data,
    log,
    results_header,
)
from .decoding import DECODER_KINDS, measure_decoding, run_decoding_only
from .flops import measure_blas_variant, measure_gemm_rates, measure_gflops
from .fresh_process import measure_memory, measure_startup

RESULTS = REPO / "benchmarks" / "results"


# --------------------------------------------------------------------------- training


# The deeper model's row: a 2-layer bidirectional encoder (Keras's Bidirectional) and a
# 2-layer decoder; half the latent units a direction, so that its decoder has the
# tutorial's width (2 x 128 = 256 at full size).
DEEP_ROW = {"num_layers": 2, "bidirectional": True}


def measure_training(cfg: Config, data: Data, cell: str, dtype: str, rounds: int, with_torch: bool,
                     level: str = "char", bucketed: Data | None = None,
                     warmup: int | None = None, deep: dict | None = None,
                     other_threads: int | None = None) -> tuple[dict, object, list]:
    """Seconds per epoch (train part, validation part) of each framework, alternating.

    All frameworks start from npseq2seq's initial weights. ``bucketed`` (zero-padded
    data of the same texts) adds npseq2seq's masked, length-bucketed mode to the
    alternation, from the same weights. ``other_threads`` adds npseq2seq with
    ``set_num_threads(K)`` as its own trainer, ``numpy_threads``, from the same weights: ``fit``
    then trains each batch in K blocks, one in this process and the others in worker processes
    (``train/processes.py``; the blocks' sums round otherwise than the whole batch's). Returns
    (row, the trained npseq2seq model, its initial weights); the model is None when npseq2seq
    lacks the cell.
    """
    from . import keras_side

    row = {"model": f"{level} {cell.upper()}", "dtype": dtype}
    if deep:
        row["model"] += (f", {deep['num_layers']} layers" + (", bidirectional" if deep.get("bidirectional") else "")
                         + f", {deep['latent_dim']} units" + (" a direction" if deep.get("bidirectional") else ""))
    reason = numpy_side.cell_available(cell)
    if reason:
        return {**row, "status": "not available", "reason": reason}, None, []
    np_model = numpy_side.build_model(data, cfg, cell, dtype, level, deep)
    initial = np_model.get_weights()
    trainers = {"numpy": numpy_side.NumpyTrainer(np_model, data, cfg),
                "keras": keras_side.KerasTrainer(np_model, data, cfg)}
    if with_torch and level == "char":
        trainers["torch"] = torch_side.TorchTrainer(np_model, data, cfg, cell)
    if other_threads is not None:
        threaded_model = numpy_side.build_model(data, cfg, cell, dtype, level, deep)
        threaded_model.set_weights(initial)
        trainers["numpy_threads"] = numpy_side.NumpyTrainer(threaded_model, data, cfg, threads=other_threads)
    if bucketed is not None:
        bucketed_model = numpy_side.build_model(bucketed, cfg, cell, dtype, level)
        bucketed_model.set_weights(initial)
        trainers["bucketed"] = numpy_side.NumpyTrainer(bucketed_model, bucketed, cfg, bucket_by_length=True)
    warmup = cfg.warmup if warmup is None else warmup
    log(f"training {row['model']} {dtype}: {warmup} warm-up + {rounds} timed epochs each")
    times, epoch = alternate_epochs(trainers, rounds, warmup)
    row.update(status="ok", times=times, epoch_seconds=epoch, threads=_threads(other_threads),
               ratio={fw: epoch[fw] / epoch["keras"] for fw in epoch if fw != "keras"},
               losses={fw: t.losses for fw, t in trainers.items()},
               final_val_loss={fw: t.losses[-1][1] for fw, t in trainers.items()})
    if bucketed is not None:
        # the tutorial-mode model scored like the bucketed one: over real target steps only
        row["real_steps_val_loss"] = {
            "numpy": numpy_side.real_steps_val_loss(np_model, data, bucketed, cfg.batch_size),
            "bucketed": row["final_val_loss"]["bucketed"]}
    return row, np_model, initial


def _threads(other: int | None) -> dict:
    from npseq2seq import threads

    return {"numpy": threads.get_num_threads(), **({"numpy_threads": other} if other else {})}


# --------------------------------------------------------------------------- main


SKIPPABLE = ("gru", "word", "deep", "bucketed", "float64", "variants", "torch", "decoding", "blas-variant",
             "memory", "startup")


def parse_args(argv=None) -> tuple[Config, argparse.Namespace]:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes: every code path in under a minute")
    p.add_argument("--num-lines", type=int, help="first lines of fra.txt (default 10000; quick 600)")
    p.add_argument("--latent-dim", type=int, help="LSTM units (default 256; quick 32)")
    p.add_argument("--batch-size", type=int, help="default 64")
    p.add_argument("--rounds", type=int, help="timed epochs per framework (default 3; quick 1)")
    p.add_argument("--warmup", type=int, help="untimed epochs per framework first (default 1)")
    p.add_argument("--batched-sentences", type=int, help="sentences decoded in one batch (default 1000)")
    p.add_argument("--data", help=f"path of fra.txt (default {Config().data_path})")
    p.add_argument("--skip", action="append", default=[], choices=SKIPPABLE,
                   help="leave a measurement out (repeatable)")
    p.add_argument("--only", choices=("decoding", "variants"),
                   help="only this measurement (decoding: npseq2seq's LSTM trained alone, as long as the "
                        "full run trains it, then the decoders; variants: the variant rows against Keras)")
    p.add_argument("--variants", metavar="A,B", help="the variant rows to run (default all: "
                                                     f"{','.join(variants.VARIANTS)})")
    p.add_argument("--variant-lines", type=int, help="first lines of fra.txt for the variant rows "
                                                     "(default 3000; quick 300)")
    p.add_argument("--decoders", action="append", choices=DECODER_KINDS,
                   help="with --only decoding: these kinds of decoder row only (repeatable; default all)")
    p.add_argument("--model", type=Path, help="with --only decoding: decode with this saved npseq2seq "
                                              "model instead of training one")
    p.add_argument("--decode-rounds", type=int, help="timed rounds of each decoder (default 3)")
    p.add_argument("--out", type=Path, help="output folder (default benchmarks/results, quick: results/quick)")
    p.add_argument("--threads-ab", type=int, metavar="K",
                   help="also train the char LSTM and GRU with npseq2seq.set_num_threads(K) (fit: each "
                        "batch in K blocks, K - 1 of them in worker processes), alternating with the "
                        "default, from the same weights")
    args = p.parse_args(argv)
    overrides = {k: v for k, v in {"num_lines": args.num_lines, "latent_dim": args.latent_dim,
                                   "batch_size": args.batch_size, "rounds": args.rounds,
                                   "warmup": args.warmup, "batched_sentences": args.batched_sentences,
                                   "decode_rounds": args.decode_rounds, "variant_lines": args.variant_lines,
                                   "data_path": args.data}.items() if v is not None}
    for name, value in overrides.items():
        if name != "data_path" and value < (0 if name == "warmup" else 1):
            raise SystemExit(f"--{name.replace('_', '-')} must be a positive integer, received {value}")
    cfg = Config.quick_mode(**overrides) if args.quick else Config(**overrides)
    if not Path(cfg.data_path).exists():
        raise SystemExit(f"--data: {cfg.data_path} not found (the tutorial's fra.txt; "
                         "it lives in ../shared/data/fra-eng/ beside the repository)")
    return cfg, args


def run(cfg: Config, skip: set[str], out: Path, threads_ab: int | None = None,
        variant_names: str | None = None) -> dict:
    started = clock()
    torch_reason = torch_side.available() if "torch" not in skip else "skipped (--skip torch)"
    with_torch = torch_reason is None
    from . import keras_side

    results: dict = {**results_header(cfg), "skipped": sorted(skip)}
    import_versions = keras_side.versions()
    if with_torch:
        import torch
        import_versions["torch"] = f"{torch.__version__} ({torch.get_num_threads()} threads)"
    results["frameworks"] = {**import_versions, "torch_reason": torch_reason}
    data = load_data(cfg)
    results["data"] = {"train_samples": data.split_at, "val_samples": data.num_samples - data.split_at,
                       "vocab": repr(data.vocab)}
    log(f"data: {data.vocab}; {data.split_at} train / {data.num_samples - data.split_at} validation")

    rates = measure_gemm_rates(cfg, data)   # before any other framework's threads exist
    rows = []
    bucketed = load_data(cfg, padding="zero") if "bucketed" not in skip else None
    lstm_row, np_model, initial = measure_training(cfg, data, "lstm", "float32", cfg.rounds, with_torch,
                                                   bucketed=bucketed, other_threads=threads_ab)
    rows.append(lstm_row)
    if "gru" not in skip:
        rows.append(measure_training(cfg, data, "gru", "float32", cfg.rounds, with_torch,
                                     other_threads=threads_ab)[0])
    if "word" not in skip:
        word_data = load_data(cfg, level="word")
        log(f"word level: {word_data.vocab}")
        rows.append(measure_training(cfg, word_data, "lstm", "float32", cfg.rounds, False, level="word")[0])
    if "deep" not in skip:
        deep = {**DEEP_ROW, "latent_dim": max(1, cfg.latent_dim // 2)}
        rows.append(measure_training(cfg, data, "lstm", "float32", cfg.rounds, False, deep=deep)[0])
    if "float64" not in skip:
        # for information; quick mode only checks that it runs (no warm-up: Keras traces in the timed epoch)
        rows.append(measure_training(cfg, data, "lstm", "float64", cfg.float64_rounds, False,
                                     warmup=0 if cfg.quick else None)[0])
    results["training"] = rows
    names = variants.parse_names(variant_names)
    results["variants"] = variants.measure_variants(cfg, names) if "variants" not in skip else None

    with tempfile.TemporaryDirectory(prefix="npseq2seq-bench-") as tmp_name:
        tmp = Path(tmp_name)
        results["decoding"] = measure_decoding(cfg, data, np_model, with_torch) if "decoding" not in skip else None
        variant = (measure_blas_variant(cfg, initial, lstm_row, tmp) if "blas-variant" not in skip
                   else {"status": "skipped", "reason": "--skip blas-variant"})
        results["blas_variant"] = variant
        results["gflops"] = measure_gflops(cfg, data, lstm_row, variant, rates)
        results["memory"] = measure_memory(cfg, with_torch) if "memory" not in skip else None
        results["startup"] = measure_startup(cfg, data, np_model, tmp) if "startup" not in skip else None

    report.write_run(results, out, started, "", report.to_markdown)
    try:
        report.plot(results, out / "latest.png")
        log(f"wrote the plot {out / 'latest.png'}")
    except ImportError as err:   # matplotlib is in the bench extra only
        log(f"no plot ({err}): pip install matplotlib, or the 'bench' extra")
    return results


def main(argv=None) -> dict:
    cfg, args = parse_args(argv)
    out = args.out or (RESULTS / "quick" if cfg.quick else RESULTS)
    if args.threads_ab is not None and args.threads_ab < 1:
        raise SystemExit(f"--threads-ab must be a positive integer, received {args.threads_ab}")
    if (args.decoders or args.model) and args.only != "decoding":
        raise SystemExit("--decoders and --model go with --only decoding")
    if args.variants and (args.only == "decoding" or "variants" in args.skip):
        raise SystemExit("--variants goes with --only variants or the full run, not with "
                         "--only decoding or --skip variants")
    variants.parse_names(args.variants)          # refuse unknown names before anything runs
    if args.only == "decoding":
        return run_decoding_only(cfg, set(args.skip), out, args.decoders, args.model)
    if args.only == "variants":
        return variants.run_variants_only(cfg, out, args.variants)
    return run(cfg, set(args.skip), out, args.threads_ab, args.variants)


if __name__ == "__main__":
    main()
