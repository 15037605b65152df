"""Variant training rows: each model variant of npseq2seq against the Keras model a Keras
user writes for it (``reference/``), trained from the same weights, alternating, in one run.

    python -m benchmarks.run --only variants                       # every variant row
    python -m benchmarks.run --only variants --variants stacked,bahdanau
    python -m benchmarks.run --skip variants                       # the full run without them

Every row is the character model of the tutorial's sizes (latent 256, batch 64, RMSprop,
float32) with one thing changed, on fewer samples than the main rows
(``Config.variant_lines``: the first 3,000 lines of fra.txt, 2,400 training / 600
validation samples) so that the block stays short (15 minutes measured at load average 3-6 on 2 cores). ``plain`` (no
change) is the baseline measured the same way, so a variant's ratio reads against it.

Both sides of a row are one model: npseq2seq's ``Seq2Seq(**kwargs)`` builds it, its initial
weights are copied into the Keras model with ``reference.bridge.to_keras`` (which checks
every shape, in Keras's ``get_weights()`` order), and ``tests/test_benchmark_variants.py``
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
from dataclasses import dataclass, field

from . import numpy_side
from .common import Config, Data, alternate, load_data, log


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
    from dataclasses import replace
    return replace(cfg, num_lines=cfg.variant_lines)


def np_model_for(variant: Variant, data: Data, cfg: Config):
    """npseq2seq's model of the variant, compiled as ``numpy_side.build_model`` compiles it."""
    latent = max(1, cfg.latent_dim // 2) if variant.half else cfg.latent_dim
    deep = {**variant.kwargs, "latent_dim": latent}
    deep.pop("level", None)
    return numpy_side.build_model(data, cfg, "lstm", "float32", variant.level, deep)


def keras_model_for(np_model):
    """The Keras model a Keras user writes for ``np_model``'s variant (``reference/``),
    uncompiled, with no weights copied yet. The builder is chosen by what the variant is:
    one layer with no attention → the tutorial's / masking's / the FAQ's word builder (the
    dropout row: ``reference.deep`` with one layer, which passes ``dropout=``);
    attention after the RNN → ``reference.attention``; inside it → ``reference.attentive``;
    stacks and bidirectional encoders → ``reference.deep``."""
    c = np_model.config
    sizes = (c.num_encoder_tokens, c.num_decoder_tokens, c.latent_dim)
    if c.attention == "luong" and c.num_layers == 1 and not c.bidirectional:
        from reference.attention import build_attention_training_model
        return build_attention_training_model(*sizes, level=c.level, mask_zero=c.mask_zero, compile=False)
    if c.attention in ("bahdanau", "luong_general"):
        from reference.attentive import build_attentive_training_model
        return build_attentive_training_model(*sizes, kind=c.attention, input_feeding=c.input_feeding,
                                              num_layers=c.num_layers, bidirectional=c.bidirectional,
                                              level=c.level, mask_zero=c.mask_zero, mask_padding=c.mask_padding,
                                              dropout=c.dropout, recurrent_dropout=c.recurrent_dropout,
                                              compile=False)
    simple = c.num_layers == 1 and not c.bidirectional and not c.attention and not c.dropout \
        and not c.recurrent_dropout
    if simple and c.level == "word":
        from reference.word_models import build_word_training_model
        return build_word_training_model(*sizes, mask_zero=c.mask_zero, compile=False)
    if simple and c.mask_padding:
        from reference.masking import build_masked_training_model
        return build_masked_training_model(*sizes, compile=False)
    if simple:
        from reference.models import build_training_model
        return build_training_model(*sizes, compile=False)
    from reference.deep import build_deep_training_model
    return build_deep_training_model(*sizes, num_layers=c.num_layers, bidirectional=c.bidirectional,
                                     level=c.level, mask_zero=c.mask_zero, attention=bool(c.attention),
                                     mask_padding=c.mask_padding, dropout=c.dropout,
                                     recurrent_dropout=c.recurrent_dropout, compile=False)


def pair(variant: Variant, data: Data, cfg: Config):
    """(npseq2seq model, KerasTrainer holding the same model with the same weights)."""
    from .keras_side import KerasTrainer

    np_model = np_model_for(variant, data, cfg)
    keras_trainer = KerasTrainer(np_model, data, cfg, level=variant.level, keras_model=keras_model_for)
    return np_model, keras_trainer


def measure_variant(name: str, data: Data, cfg: Config) -> dict:
    """One row: npseq2seq and Keras epochs alternating (warm-up dropped), the load around them."""
    variant = VARIANTS[name]
    np_model, keras_trainer = pair(variant, data, cfg)
    trainers = {"numpy": numpy_side.NumpyTrainer(np_model, data, cfg), "keras": keras_trainer}
    log(f"variant {name}: {variant.label}: {cfg.warmup} warm-up + {cfg.rounds} timed epochs each")
    before = os.getloadavg()
    times = alternate({fw: t.epoch for fw, t in trainers.items()}, cfg.rounds, cfg.warmup, log)
    after = os.getloadavg()
    epoch = {fw: t["train"]["median"] + t["val"]["median"] for fw, t in times.items()}
    spread = {fw: [a + b for a, b in zip(t["train"]["times"], t["val"]["times"])] for fw, t in times.items()}
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
    from datetime import datetime, timezone

    from . import keras_side, report
    from .common import clock, machine_info
    from .variants_report import variants_markdown

    started = clock()
    results: dict = {"started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                     "config": cfg.to_dict(), "machine": machine_info(), "frameworks": keras_side.versions()}
    results["machine"]["thread_env"] = {v: os.environ.get(v) for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    results["variants"] = measure_variants(cfg, parse_names(names_text))
    results["machine"]["loadavg_end"] = os.getloadavg()
    results["total_seconds"] = clock() - started
    out.mkdir(parents=True, exist_ok=True)
    results["json_name"] = f"variants-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.json"
    report.write_json(results, out / results["json_name"])
    (out / "variants-latest.md").write_text(variants_markdown(results))
    log(f"wrote {out / results['json_name']} and {out / 'variants-latest.md'}")
    return results
