"""The benchmark harness's arithmetic and reports (no timing is asserted anywhere)."""
import json

import numpy as np
import pytest

from benchmarks import report
from benchmarks.common import Config, alternate, summarize
from benchmarks.flops import Gemm, _operands, total_flops, training_step_gemms, validation_batch_gemms
from benchmarks.run import parse_args


def test_gemm_flops_are_two_m_k_n_per_call():
    assert Gemm("x", 2, 3, 5, 7, "A@B").flops == 2 * 2 * 3 * 5 * 7


def test_training_step_flops_of_the_tutorial_configuration():
    n, te, td, h, g, v = 64, 16, 59, 256, 4, 90
    gemms = training_step_gemms(n, te, td, h, g, v)
    per_step_recurrent = 2 * n * h * g * h                        # h @ U, and dz @ Uᵀ back
    weight_gradients = 2 * h * n * (te + td) * g * h              # Σ_t hᵀ dz, one GEMM per layer
    dense = 3 * 2 * n * td * h * v                                # forward, dW, dx
    expected = 2 * per_step_recurrent * (te + td) + weight_gradients + dense
    assert total_flops(gemms) == expected
    assert total_flops(validation_batch_gemms(n, te, td, h, g, v)) == \
        per_step_recurrent * (te + td) + dense // 3
    assert 0.9e12 < expected * 8000 / n < 1.1e12                  # ~1 TFLOP an epoch (issue 5)


@pytest.mark.parametrize("layout, shapes", [("A@B", ((2, 3), (3, 5))), ("A@B.T", ((2, 3), (3, 5))),
                                             ("A.T@B", ((2, 3), (3, 5)))])
def test_gemm_operands_have_the_layout_npseq2seq_uses(layout, shapes):
    a, b = _operands(Gemm("x", 2, 3, 5, 1, layout), "float32", np.random.default_rng(0))
    assert (a.shape, b.shape) == shapes and (a @ b).shape == (2, 5)
    assert a.flags.f_contiguous == (layout == "A.T@B")
    assert b.flags.f_contiguous == (layout == "A@B.T")
    with pytest.raises(ValueError, match="layout"):
        _operands(Gemm("x", 2, 3, 5, 1, "B@A"), "float32", np.random.default_rng(0))


def test_alternate_runs_tasks_in_turn_and_drops_the_warm_up():
    calls = []

    def task(name):
        def run():
            calls.append(name)
            return {"train": float(len(calls))}
        return run

    times = alternate({"a": task("a"), "b": task("b")}, rounds=2, warmup=1)
    assert calls == ["a", "b", "a", "b", "a", "b"]
    assert times["a"]["train"]["times"] == [3.0, 5.0] and times["b"]["train"]["median"] == 5.0
    assert summarize([3.0, 1.0, 2.0]) == {"median": 2.0, "min": 1.0, "max": 3.0, "n": 3,
                                          "times": [3.0, 1.0, 2.0]}


def test_quick_mode_and_flags():
    cfg, _ = parse_args(["--quick", "--latent-dim", "8"])
    assert cfg.quick and cfg.latent_dim == 8 and cfg.num_lines == Config.quick_mode().num_lines
    assert Config().latent_dim == 256 and Config().batch_size == 64 and not Config().quick
    with pytest.raises(SystemExit, match="--rounds must be a positive integer"):
        parse_args(["--rounds", "0"])
    cfg, args = parse_args(["--only", "decoding", "--decode-rounds", "5"])
    assert args.only == "decoding" and cfg.decode_rounds == 5 and Config().decode_rounds == 3
    with pytest.raises(SystemExit, match="--decode-rounds must be a positive integer"):
        parse_args(["--decode-rounds", "0"])
    assert parse_args(["--threads-ab", "1"])[1].threads_ab == 1


def test_the_threads_row_of_the_report():
    results = fake_results()
    lstm = results["training"][0]
    lstm["times"]["numpy_threads"] = timing(3.0, 0.3)
    lstm["ratio"]["numpy_threads"] = 3.3 / 9.0
    lstm["final_val_loss"]["numpy_threads"] = 1.1
    lstm["threads"] = {"numpy": 1, "numpy_threads": 2}
    md = report.to_markdown(results)
    assert ("| char LSTM, threads=2 (npseq2seq only; the row above: threads=1) | float32 | 3.00 / 0.30 "
            "| | | **0.37** | | 1.100 |") in md


# --------------------------------------------------------------------------- reports


def timing(train, val):
    return {"train": summarize([train]), "val": summarize([val])}


def fake_results():
    """What run.py writes, with made-up numbers: every section present."""
    lstm = {"model": "char LSTM", "dtype": "float32", "status": "ok",
            "times": {"numpy": timing(4.0, 0.4), "keras": timing(8.0, 1.0), "bucketed": timing(2.0, 0.2)},
            "epoch_seconds": {"numpy": 4.4, "keras": 9.0, "bucketed": 2.2},
            "ratio": {"numpy": 4.4 / 9.0, "bucketed": 2.2 / 9.0},
            "losses": {}, "final_val_loss": {"numpy": 1.1, "keras": 1.1, "bucketed": 1.9},
            "real_steps_val_loss": {"numpy": 2.0, "bucketed": 1.9}}
    gemm_rate = {"name": "decoder h@U (per step)", "shape": "(64×256) @ (256×1024)", "layout": "A@B",
                 "count": 59, "flops": 1, "seconds_per_call": 1e-4, "gflops": 335.0, "floor_seconds": 5.9e-3}
    return {
        "started": "2026-01-01 00:00 UTC", "json_name": "x.json", "total_seconds": 100.0,
        "config": Config().to_dict(), "skipped": [],
        "machine": {"cpu": "a CPU", "cores": 2, "platform": "Linux", "python": "3.11", "numpy": "2.4",
                    "blas": [{"internal_api": "openblas", "version": "0.3", "architecture": "SkylakeX",
                              "num_threads": 2}],
                    "blas_env": {"OPENBLAS_CORETYPE": None, "OPENBLAS_L2_SIZE": None},
                    "loadavg_start": (0.1, 0.2, 0.3), "loadavg_end": (0.1, 0.2, 0.3)},
        "frameworks": {"keras": "3.15", "tensorflow": "2.21", "torch": None},
        "data": {"train_samples": 8000, "val_samples": 2000},
        "training": [lstm, {"model": "char GRU", "dtype": "float32", "status": "not available",
                            "reason": "no GRU"}],
        "decoding": {"mean_chars": 20.0, "rows": [
            {"name": "npseq2seq greedy_decode, batch 1", "framework": "numpy", "kind": "single",
             "sentences": 2, "chars": 40, "seconds": summarize([0.002]), "ms_per_sentence": 1.0,
             "ms_per_char": 0.05, "agree": "2/2", "vs_keras_tutorial": 0.001, "vs_keras_best": 0.5,
             "keras_best": "k", "vs_keras_xla": 0.4},
            {"name": "Keras tutorial decode_sequence", "framework": "keras", "kind": "tutorial",
             "sentences": 1, "chars": 20, "seconds": summarize([1.0]), "ms_per_sentence": 1000.0,
             "ms_per_char": 50.0, "agree": "1/1"}]},
        "gflops": {"train_flops": 1.0e12, "val_flops": 1.0e11, "steps": 125, "rates": [gemm_rate],
                   "rows": [{"env": "main", "kernel": "SkylakeX", "train_seconds": 4.0,
                             "achieved_gflops": 250.0, "floor_seconds": 3.0, "fraction": 0.75}]},
        "blas_variant": {"status": "skipped", "reason": "--skip blas-variant"},
        "memory": [{"framework": "numpy", "label": "npseq2seq", "rss_before_training_mb": 50.0,
                    "peak_rss_mb": 100.0, "ratio": 0.2},
                   {"framework": "keras", "label": "Keras", "rss_before_training_mb": 400.0,
                    "peak_rss_mb": 500.0, "ratio": 1.0}],
        "startup": None,
    }


def test_markdown_report_has_every_row_and_says_what_was_skipped():
    md = report.to_markdown(fake_results())
    assert "| char LSTM | float32 | 4.00 / 0.40 | 8.00 / 1.00 | – | **0.49** |" in md
    assert "char LSTM, masked + length-bucketed (npseq2seq only)" in md and "**0.24**" in md
    assert "1.900 (tutorial mode: 2.000)" in md
    assert "| char GRU | float32 | not available: no GRU |" in md
    assert "npseq2seq greedy_decode, batch 1" in md and "**0.75**" in md
    assert "| 0.0500 (0.0500–0.0500) | 1.0e-03 | 0.50 | 0.40 |" in md      # spread, vs XLA
    assert "Skipped in this run" in md and "Not run: --skip blas-variant" in md
    assert "a CPU, 2 cores" in md and "kernel SkylakeX" in md
    assert "machine was busy" not in md
    busy = fake_results()
    busy["machine"]["loadavg_end"] = (2.0, 1.9, 1.5)      # the benchmark's own load: not a warning
    assert "machine was busy" not in report.to_markdown(busy)
    busy["machine"]["loadavg_start"] = (7.5, 5.0, 3.0)
    assert "machine was busy (load average 7.5 on 2 cores)" in report.to_markdown(busy)


def test_json_report_round_trips(tmp_path):
    results = fake_results()
    report.write_json(results, tmp_path / "r.json")
    back = json.loads((tmp_path / "r.json").read_text())
    assert back["training"][0]["ratio"]["numpy"] == pytest.approx(4.4 / 9.0)


def test_a_run_is_written_under_its_prefix(tmp_path):
    from benchmarks.common import clock

    results = fake_results()
    del results["total_seconds"], results["json_name"], results["machine"]["loadavg_end"]
    report.write_run(results, tmp_path / "out", clock(), "variants-", lambda r: f"# {r['json_name']}\n")
    assert results["json_name"].startswith("variants-") and results["total_seconds"] >= 0
    assert len(results["machine"]["loadavg_end"]) == 3
    assert json.loads((tmp_path / "out" / results["json_name"]).read_text())["json_name"] == results["json_name"]
    assert (tmp_path / "out" / "variants-latest.md").read_text() == f"# {results['json_name']}\n"


def test_plot_draws_the_ratios(tmp_path):
    pytest.importorskip("matplotlib")      # the bench extra; the PNG is skipped without it
    report.plot(fake_results(), tmp_path / "r.png")
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"


def test_the_numpy_side_runs_on_the_models_caches():
    """The benchmark reads the model's named caches (a positional read broke a full run):
    the real-steps validation loss of a space-padded model equals the masked loss computed
    here from the model's own logits."""
    from benchmarks.common import Data
    from benchmarks.numpy_side import real_steps_val_loss
    from npseq2seq import Seq2Seq
    from npseq2seq.text import CharVocab, number_word_pairs, vectorize_ids

    inputs, targets = number_word_pairs(num_samples=12)
    space, zero = CharVocab.from_texts(inputs, targets), CharVocab.from_texts(inputs, targets, padding="zero")
    data = Data(space, inputs, targets, vectorize_ids(inputs, targets, space), 8)
    zero_data = Data(zero, inputs, targets, vectorize_ids(inputs, targets, zero), 8)
    model = Seq2Seq(space.num_encoder_tokens, space.num_decoder_tokens, 4, seed=0, dtype="float64")
    model.compile()
    enc, dec, y = data.val_ids()
    real = zero_data.val_ids()[2] >= 0
    _, cache = model.forward(enc, dec)
    logits = cache.decoder.dense.logits
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = -np.take_along_axis(log_probs, y[..., None], -1)[..., 0][real].mean()
    assert real_steps_val_loss(model, data, zero_data, batch_size=3) == pytest.approx(expected, rel=1e-12)


def test_the_one_sentence_rows_run():
    """numpy_side.one_sentence gives greedy_batch's strings; the step microbenchmark runs
    (its numbers are not asserted)."""
    from benchmarks import numpy_side, one_sentence_steps
    from npseq2seq import Seq2Seq
    from npseq2seq.text import CharVocab, number_word_pairs, vectorize

    inputs, targets = number_word_pairs(num_samples=12)
    vocab = CharVocab.from_texts(inputs, targets)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 8, seed=0, vocab=vocab)
    enc = vectorize(inputs, targets, vocab)[0]
    assert numpy_side.one_sentence(model, enc) == numpy_side.greedy_batch(model, enc, 4)
    row = one_sentence_steps.measure("char GRU", 8, number=2, repeat=1)
    assert row["fast"][0] > 0 and set(row["parts"]) == {"recurrent GEMV h U", "Dense GEMV"}


@pytest.mark.parity
def test_the_deep_row_builds_the_same_model_on_both_sides(keras):
    """The stacked bidirectional row (``run.DEEP_ROW``): npseq2seq's model and the Keras one
    the benchmark trains (``reference.deep``) start from the same weights and give the
    same validation loss, so their epochs time the same computation."""
    from benchmarks.common import Config, Data
    from benchmarks.keras_side import KerasTrainer
    from benchmarks.numpy_side import build_model
    from benchmarks.run import DEEP_ROW
    from npseq2seq.text import CharVocab, number_word_pairs, vectorize_ids

    inputs, targets = number_word_pairs(num_samples=12)
    vocab = CharVocab.from_texts(inputs, targets)
    data = Data(vocab, inputs, targets, vectorize_ids(inputs, targets, vocab), 8)
    cfg = Config.quick_mode(latent_dim=8, batch_size=4)
    model = build_model(data, cfg, deep={**DEEP_ROW, "latent_dim": 4})
    assert (model.num_layers, model.bidirectional, model.decoder.rnn.units) == (2, True, 8)
    trainer = KerasTrainer(model, data, cfg)
    for ours, theirs in zip(model.get_weights(), trainer.model.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)
    x, y = trainer.val
    assert trainer.model.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y), rel=1e-5)


def test_the_side_by_side_counts_real_characters_only():
    """benchmarks.deeper_side_by_side's val_loss: the mean -log p over each target's
    characters and its end character, the steps a zero-padded target marks as real; the
    same number for a space-padded model's own probabilities at those steps."""
    from benchmarks.deeper_side_by_side import real_val_loss
    from npseq2seq import Seq2Seq
    from npseq2seq.text import CharVocab, number_word_pairs

    inputs, targets = number_word_pairs(num_samples=12)
    for padding in ("zero", "space"):
        vocab = CharVocab.from_texts(inputs, targets, padding=padding)
        model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 4, seed=0, dtype="float64",
                        vocab=vocab)
        enc, dec, tgt = vocab.encode_pairs(inputs, targets, dtype="float64")
        zero = CharVocab.from_texts(inputs, targets, padding="zero").encode_pairs(inputs, targets)[2]
        real = zero.any(-1)                          # the rows a zero-padded target fills
        probs = model.predict([enc, dec])
        expected = -np.log((probs * tgt).sum(-1)[real]).mean()
        assert real_val_loss(model, vocab, (inputs, targets)) == pytest.approx(expected, rel=1e-12)
