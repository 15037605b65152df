"""The variant rows of the benchmark (``benchmarks.variants``) time the same model on both
sides: for each variant, npseq2seq's model and the Keras model the benchmark trains
(``reference/``, weights copied by ``KerasTrainer``) hold the same weights and give the
same loss on the same batch, with every weight randomised (biases included) so that a
missing mask, layer or attention term would change it. One case runs by default, the
others are marked slow. Timings are never asserted."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.variants import VARIANTS, parse_names
from reference.tolerances import tol

FAST = ("luong-feeding",)


def _data(variant):
    """Number-word pairs ("twelve" … "four hundred fifty-nine") at the variant's level and padding,
    24 train / 12 validation: inputs and targets of several lengths, so the padding is there
    to be masked."""
    from benchmarks.common import Data
    from npseq2seq.text import CharVocab, WordVocab, number_word_pairs, vectorize_ids, vectorize_words

    inputs, targets = number_word_pairs(num_samples=36, seed=5)
    if variant.level == "word":
        vocab = WordVocab.from_texts(inputs, targets)
        return Data(vocab, inputs, targets, vectorize_words(inputs, targets, vocab), 24)
    vocab = CharVocab.from_texts(inputs, targets, padding=variant.padding)
    return Data(vocab, inputs, targets, vectorize_ids(inputs, targets, vocab), 24)


@pytest.mark.parity
@pytest.mark.parametrize("name", [pytest.param(n, marks=() if n in FAST else pytest.mark.slow)
                                  for n in VARIANTS])
def test_each_variant_row_trains_the_same_model_in_keras(keras, name):
    from benchmarks.common import Config
    from benchmarks.variants import pair
    from reference.bridge import to_keras
    from reference.testing import random_weights

    variant = VARIANTS[name]
    data = _data(variant)
    cfg = Config.quick_mode(latent_dim=6, batch_size=4)
    np_model, trainer = pair(variant, data, cfg)
    for ours, theirs in zip(np_model.get_weights(), trainer.model.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)         # the benchmark's own copy
    for key, value in variant.kwargs.items():               # the variant is what the row says
        assert getattr(np_model.config, key) == value
    compiled = trainer.model.get_compile_config()           # the loss only, as npseq2seq computes
    assert (compiled["loss"], compiled["metrics"]) == (np_model.config.default_loss, None)
    np_model.set_weights(random_weights(np.random.default_rng(3), [w.shape for w in np_model.get_weights()],
                                        "float32"))
    to_keras(np_model, trainer.model)
    x, y = trainer.val
    masked_pad = 0 if variant.level == "word" else -1 if variant.padding == "zero" else None
    if masked_pad is not None:       # the batch has padding for the masks to act on
        assert all((a == masked_pad).any() for a in data.val_ids()[:2])
    theirs = trainer.model.evaluate(x, y, batch_size=len(y), verbose=0)
    ours = np_model.evaluate([np.asarray(a) for a in data.val_ids()[:2]], data.val_ids()[2], batch_size=len(y))
    assert abs(ours - theirs) <= tol("float32", "loss") * max(1.0, abs(theirs)), (name, ours, theirs)
    if variant.kwargs.get("dropout"):      # evaluate drops nothing: check the Keras layers' rates
        rates = {(layer.dropout, layer.recurrent_dropout) for layer in trainer.model.layers
                 if hasattr(layer, "recurrent_dropout")}
        assert rates == {(0.2, 0.2)}
    dropouts = [(layer.rate, layer.noise_shape) for layer in trainer.model.layers if type(layer).__name__ == "Dropout"]
    if variant.kwargs.get("output_dropout"):    # the Keras model has its Dropout before the Dense
        assert dropouts == [(0.2, None)]
    if variant.kwargs.get("word_dropout"):      # and after each Embedding
        assert sorted(dropouts) == [(0.1, (None, None, 1))] * 2


def test_variant_names_and_flags_are_checked():
    from benchmarks.common import Config
    from benchmarks.run import main, parse_args

    assert parse_names(None) == list(VARIANTS)
    assert parse_names("bahdanau, stacked") == ["stacked", "bahdanau"]     # VARIANTS' order
    with pytest.raises(SystemExit, match="--variants: unknown nope"):
        parse_names("stacked,nope")
    cfg, args = parse_args(["--only", "variants", "--variants", "masked", "--variant-lines", "400"])
    assert (args.only, args.variants, cfg.variant_lines) == ("variants", "masked", 400)
    assert Config().variant_lines == 3000 and Config.quick_mode().variant_lines == 300
    with pytest.raises(SystemExit, match="--variant-lines must be a positive integer"):
        parse_args(["--variant-lines", "0"])
    for argv in (["--variants", "masked", "--skip", "variants"], ["--only", "decoding", "--variants", "masked"]):
        with pytest.raises(SystemExit, match="--variants goes with"):
            main(argv)                                    # refused before anything runs
    with pytest.raises(SystemExit, match="--variants: unknown"):
        main(["--only", "variants", "--variants", "stacked,nope"])


def test_the_variant_table_of_the_report():
    from benchmarks import report
    from benchmarks.common import summarize
    from benchmarks.variants_report import variants_markdown
    from tests.test_benchmarks import fake_results

    times = {"numpy": {"train": summarize([2.0, 3.0, 4.0]), "val": summarize([0.5, 0.5, 0.5])},
             "keras": {"train": summarize([8.0, 6.0, 10.0]), "val": summarize([1.0, 1.0, 1.0])}}
    row = {"name": "bahdanau", "label": "Bahdanau", "times": times, "epoch_seconds": {"numpy": 3.5, "keras": 9.0},
           "epoch_min_max": {"numpy": (2.5, 4.5), "keras": (7.0, 11.0)}, "ratio": 3.5 / 9.0,
           "final_val_loss": {"numpy": 1.25, "keras": 1.5}, "loadavg": {"before": (1.0, 1, 1), "after": (2.5, 1, 1)}}
    results = {**fake_results(), "variants": {"num_lines": 1500, "train_samples": 1200, "val_samples": 300,
                                              "latent_dim": 256, "batch_size": 64, "rounds": 3, "warmup": 1,
                                              "rows": [row]}}
    line = ("| `bahdanau`: Bahdanau | 3.50 (2.50–4.50) | 9.00 (7.00–11.00) | **0.39** | 0.28–0.50 "
            "| 1.250 / 1.500 | 1.0 → 2.5 |")
    assert line in report.to_markdown(results)
    assert line in variants_markdown(results) and "Python-level cell" in variants_markdown(results)
    assert "Variant rows" in report.to_markdown({**fake_results(), "variants": None})  # skipped
