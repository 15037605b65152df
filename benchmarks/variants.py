"""Variant training rows: each model variant of npseq2seq against the Keras model a Keras
user writes for it (``reference/``), trained from the same weights, alternating, in one run.

    python -m benchmarks.run --only variants                       # every variant row
    python -m benchmarks.run --only variants --variants stacked,bahdanau
    python -m benchmarks.run --skip variants                       # the full run without them

Every row is the character model of the tutorial's sizes (latent 256, batch 64, RMSprop,
float32) with one thing changed, on fewer samples than the main rows
(``Config.variant_lines``: the first 3,000 lines of fra.txt, 2,400 training / 600
validation samples) so that the block stays short (ten rows: 897 s at load average 3.3-6.4
on 2 cores, 504 s at 1.8-2.3; ``results/variants-*.json``, ``total_seconds``). ``plain`` (no
change) is the baseline measured the same way, so a variant's ratio reads against it.

Both sides of a row are one model: npseq2seq's ``Seq2Seq(**kwargs)`` builds it,
``keras_side.keras_model_for`` picks the Keras model of ``reference/`` for it, its initial
weights are copied into that with ``reference.bridge.to_keras`` (which checks every shape,
in Keras's ``get_weights()`` order), and ``tests/test_benchmark_variants.py``
checks that both give the same loss on the same batch. Keras models are compiled with
``rmsprop`` and the loss only (no ``accuracy`` metric: npseq2seq computes none), and run by
``fit`` / ``evaluate`` with Keras's defaults (graph mode, no XLA; on CPU every RNN layer
is Keras's generic ``tf.while_loop`` over its cell, as cuDNN needs a GPU).

bahdanau and luong_general attend *inside* the recurrence, for which Keras has no layer:
their Keras side is ``reference/attentive.py``'s ``AttentiveCell``, a cell written in
``keras.ops`` around ``LSTMCell`` and run by ``keras.layers.RNN``, as a Keras user has to
write it (traced into the same graph loop as Keras's own cells, but without any kernel
of Keras's own for the attention step), so those ratios measure that cell.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from . import numpy_side
from .common import Config, Data, alternate_epochs, clock, epoch_times, load_data, log, results_header


@dataclass(frozen=True)
class Variant:
    """One row: ``kwargs`` change ``Seq2Seq``'s defaults; ``half``: latent_dim // 2 a direction
    (a bidirectional encoder, so that the decoder keeps the tutorial's width)."""
    label: str
    kwargs: dict = field(default_factory=dict)
    half: bool = False

    @property
    def level(self) -> str:
        return self.kwargs.get("level", "char")

    @property
    def padding(self) -> str:
        """Masking() needs all-zero padding rows (a space is a real one-hot row)."""
        return "zero" if self.kwargs.get("mask_padding") else "space"


VARIANTS = {
    "plain": Variant("char LSTM, the tutorial's model (baseline at these sizes)"),
    "stacked": Variant("2 layers", {"num_layers": 2}),
    "bidir": Variant("bidirectional encoder (latent/2 a direction)", {"bidirectional": True}, half=True),
    "stacked-bidir": Variant("2 layers + bidirectional encoder (latent/2 a direction; the main run's deep row)",
                             {"num_layers": 2, "bidirectional": True}, half=True),
    "masked": Variant("mask_padding / Keras Masking(), zero-padded", {"mask_padding": True}),
    "word-mask": Variant("word level, Embedding(mask_zero=True)", {"level": "word", "mask_zero": True}),
    "luong": Variant("Luong dot attention after the RNN (Keras Attention())", {"attention": "luong"}),
    "bahdanau": Variant("Bahdanau attention inside the recurrence (Keras: AttentiveCell)",
                        {"attention": "bahdanau"}),
    "luong-feeding": Variant("Luong general + input feeding, inside the recurrence (Keras: AttentiveCell)",
                             {"attention": "luong_general", "input_feeding": True}),
    "dropout": Variant("dropout 0.2 / recurrent_dropout 0.2", {"dropout": 0.2, "recurrent_dropout": 0.2}),
    "output-dropout": Variant("output_dropout 0.2 / Keras Dropout() before the Dense layer", {"output_dropout": 0.2}),
    "word-dropout": Variant("word level, mask_zero, word_dropout 0.1 / Keras Dropout(noise_shape=(None, None, 1)) "
                            "after each Embedding", {"level": "word", "mask_zero": True, "word_dropout": 0.1}),
}


def parse_names(text: str | None) -> list[str]:
    """``--variants a,b``: the names, in VARIANTS' order; None → every variant."""
    if not text:
        return list(VARIANTS)
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown or not names:
        raise SystemExit(f"--variants: unknown {', '.join(unknown) or '(none given)'}; "
                         f"choose from {', '.join(VARIANTS)}")
    return [n for n in VARIANTS if n in names]


def variant_config(cfg: Config) -> Config:
    """The block's sizes: the run's, on the first ``cfg.variant_lines`` lines."""
    return replace(cfg, num_lines=cfg.variant_lines)


def np_model_for(variant: Variant, data: Data, cfg: Config):
    """npseq2seq's model of the variant, built and compiled by ``numpy_side.build_model``."""
    latent = max(1, cfg.latent_dim // 2) if variant.half else cfg.latent_dim
    kwargs = {**variant.kwargs, "latent_dim": latent}
    kwargs.pop("level", None)
    return numpy_side.build_model(data, cfg, "lstm", "float32", variant.level, kwargs)


def pair(variant: Variant, data: Data, cfg: Config):
    """(npseq2seq model, KerasTrainer holding the same model with the same weights: the Keras
    model of ``reference/`` that ``keras_side.keras_model_for`` picks, with no metrics)."""
    from .keras_side import KerasTrainer

    np_model = np_model_for(variant, data, cfg)
    return np_model, KerasTrainer(np_model, data, cfg, tutorial_metrics=False)


def measure_variant(name: str, data: Data, cfg: Config) -> dict:
    """One row: npseq2seq and Keras epochs alternating (warm-up dropped), the load around them."""
    variant = VARIANTS[name]
    np_model, keras_trainer = pair(variant, data, cfg)
    trainers = {"numpy": numpy_side.NumpyTrainer(np_model, data, cfg), "keras": keras_trainer}
    log(f"variant {name}: {variant.label}: {cfg.warmup} warm-up + {cfg.rounds} timed epochs each")
    before = os.getloadavg()
    times, epoch = alternate_epochs(trainers, cfg.rounds, cfg.warmup)
    after = os.getloadavg()
    spread = {fw: epoch_times(t) for fw, t in times.items()}
    return {"name": name, "label": variant.label, "kwargs": variant.kwargs,
            "latent_dim": np_model.config.latent_dim, "padding": variant.padding, "times": times,
            "epoch_seconds": epoch, "epoch_min_max": {fw: (min(s), max(s)) for fw, s in spread.items()},
            "ratio": epoch["numpy"] / epoch["keras"],
            "final_val_loss": {fw: t.losses[-1][1] for fw, t in trainers.items()},
            "loadavg": {"before": before, "after": after}}


def measure_variants(cfg: Config, names: list[str]) -> dict:
    """Every named variant's row, on the block's data (loaded once per level and padding)."""
    vcfg = variant_config(cfg)
    datasets: dict[tuple, Data] = {}
    rows = []
    for name in names:
        v = VARIANTS[name]
        key = (v.level, v.padding)
        if key not in datasets:
            datasets[key] = load_data(vcfg, level=v.level, padding=v.padding)
        rows.append(measure_variant(name, datasets[key], vcfg))
    some = next(iter(datasets.values()))
    return {"num_lines": vcfg.num_lines, "train_samples": some.split_at,
            "val_samples": some.num_samples - some.split_at, "latent_dim": vcfg.latent_dim,
            "batch_size": vcfg.batch_size, "rounds": vcfg.rounds, "warmup": vcfg.warmup, "rows": rows}


def run_variants_only(cfg: Config, out, names_text: str | None = None) -> dict:
    """``--only variants``: the machine, then the variant rows; writes
    ``variants-<timestamp>.json`` and ``variants-latest.md`` (never ``latest.*``)."""
    from . import keras_side, report
    from .variants_report import variants_markdown

    started = clock()
    results = {**results_header(cfg), "frameworks": keras_side.versions()}
    results["machine"]["thread_env"] = {v: os.environ.get(v) for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    results["variants"] = measure_variants(cfg, parse_names(names_text))
    report.write_run(results, out, started, "variants-", variants_markdown)
    return results
