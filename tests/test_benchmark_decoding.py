"""The decoding benchmark's beam rows and ``--only decoding``: the Keras and PyTorch beams
find npseq2seq's strings on the same weights, the ranking is beam_search's, the flags
are checked."""
import numpy as np
import pytest

from benchmarks import report
from benchmarks.common import best_beam_strings, summarize
from benchmarks.run import main, parse_args


def small_model():
    """A float32 char LSTM with peaked random weights (varied, finished and cut-off outputs)."""
    from npseq2seq import Seq2Seq
    from npseq2seq.text import CharVocab, number_word_pairs

    inputs, targets = number_word_pairs(num_samples=40, seed=0)
    vocab = CharVocab.from_texts(inputs, targets)
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, 16, seed=0, vocab=vocab)
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(0, 1.2, w.shape).astype(np.float32) for w in model.get_weights()])
    return model, vocab.encode_inputs(inputs[:24], dtype="float32")


def test_the_flags():
    _, args = parse_args(["--only", "decoding", "--decoders", "beam", "--decoders", "batched"])
    assert args.only == "decoding" and args.decoders == ["beam", "batched"]
    with pytest.raises(SystemExit, match="go with --only decoding"):
        main(["--decoders", "beam"])
    with pytest.raises(SystemExit):
        parse_args(["--only", "training"])


def test_best_beam_strings_ranks_as_beam_search():
    """Finished before cut off, then GNMT's score; the length counts the stop token."""
    class Vocab:
        reverse_target_char_index = {0: "a", 1: "b", 2: "\n"}
    ids = np.full((2, 3, 4), -1)
    ids[0, 0, :4] = [0, 0, 0, 0]             # cut off, the highest log P
    ids[0, 1, :2] = [1, 2]                   # finished, short
    ids[0, 2, :4] = [0, 1, 0, 2]             # finished, longer: wins with the length penalty
    ids[1, 0, :2] = [0, 2]
    ids[1, 1, :3] = [1, 1, 2]
    ids[1, 2, :4] = [1, 1, 1, 1]
    log_prob = np.array([[-0.1, -2.0, -2.2], [-1.0, -0.9, -0.1]])
    finished = np.array([[False, True, True], [True, True, False]])
    assert best_beam_strings(ids, log_prob, finished, Vocab) == ["aba\n", "bb\n"]
    assert best_beam_strings(ids, log_prob, finished, Vocab, alpha=0.0) == ["b\n", "bb\n"]


def beam_strings(model, enc, width):
    from benchmarks.numpy_side import beam_batch
    return beam_batch(model, enc, width, len(enc))


@pytest.mark.parity
def test_the_keras_beam_finds_npseq2seqs_strings(keras):
    from benchmarks.keras_side import BatchedBeam, keras_model_from

    model, enc = small_model()
    keras_model = keras_model_from(model)
    expected = beam_strings(model, enc, 3)
    assert len(set(expected)) > 5 and any(not s.endswith("\n") for s in expected) \
        and any(s.endswith("\n") for s in expected), "finished and cut-off outputs, varied"
    assert BatchedBeam(keras_model, model.vocab, 3)(enc, 10) == expected


def test_the_pytorch_beam_finds_npseq2seqs_strings():
    pytest.importorskip("torch", reason="PyTorch is the benchmark's optional column")
    from benchmarks.torch_side import beam_decode, build_model

    model, enc = small_model()
    assert beam_decode(build_model(model), enc, model.vocab, 3, 10) == beam_strings(model, enc, 3)


def test_the_decoding_only_report():
    row = {"name": "npseq2seq beam_search, beam 5, batch 2", "framework": "numpy", "kind": "beam",
           "sentences": 2, "chars": 40, "seconds": summarize([0.2, 0.3, 0.25]), "ms_per_sentence": 125.0,
           "ms_per_char": 6.25, "agree": "2/2", "vs_keras_best": 0.8, "keras_best": "k"}
    results = {"started": "2026-01-01 00:00 UTC", "json_name": "decoding-x.json", "total_seconds": 10.0,
               "config": {"quick": False, "num_lines": 10000, "latent_dim": 256, "batch_size": 64, "rounds": 3,
                          "warmup": 1},
               "machine": {"cpu": "a CPU", "cores": 2, "platform": "Linux", "python": "3.11", "numpy": "2.4",
                           "blas": [], "blas_env": {}, "loadavg_start": (9.0, 8.0, 7.0),
                           "loadavg_end": (9.0, 8.0, 7.0)},
               "frameworks": {"keras": "3.15", "tensorflow": "2.21"}, "val_loss": 1.25,
               "data": {"train_samples": 8000, "val_samples": 2000},
               "decoding": {"mean_chars": 20.0, "mean_beam_chars": 21.0, "rows": [row],
                            "loadavg": {"before": (9.0, 8.0, 7.0), "after": (10.0, 8.5, 7.1)}}}
    md = report.decoding_markdown(results)
    # per character: 1e3 × (0.2 … 0.3 s) / 40 characters
    assert "| npseq2seq beam_search, beam 5, batch 2 | 2 | 125.000 | 6.2500 (5.0000–7.5000) | – | 0.80 | – |" in md
    assert "21.0 (beam search)" in md and "before the timed rounds 9.00, 8.00, 7.00" in md
    assert "machine was busy" in md and "trained alone first (validation loss 1.2500)" in md
    assert "`python -m benchmarks.run --only decoding`" in md and "epochs per framework" not in md  # none timed


def test_the_halves_benchmark_runs_every_variant_and_restores_the_threads(tmp_path, capsys, monkeypatch, fra_path):
    """``benchmarks.decoding_halves`` on a saved small model: every variant prints, all ids
    agree with the whole batch's, the halves really split (MIN_ROWS lowered), and our and
    OpenBLAS's thread counts are what they were before."""
    from benchmarks import decoding_halves
    from npseq2seq import blas, threads

    model, _ = small_model()
    model.save(tmp_path / "m.npz")
    monkeypatch.setattr(threads, "MIN_ROWS", 4)
    split, run_blocks = [], threads._run_blocks
    monkeypatch.setattr(threads, "_run_blocks", lambda calls: (split.append(len(calls)), run_blocks(calls)))
    before = threads.get_num_threads(), blas.get_num_threads()
    decoding_halves.main(["--model", str(tmp_path / "m.npz"), "--sentences", "20", "--rounds", "1"])
    out = capsys.readouterr().out
    for name in ("whole", "halves", "halves, OpenBLAS threads left on", "whole, OpenBLAS 1 thread"):
        assert f"\n{name} " in out
    assert out.count("same ids 20/20") == 4
    assert split and set(split) == {2}, "the halves variants must have run in two threads"
    assert (threads.get_num_threads(), blas.get_num_threads()) == before
