"""The decoding rows of ``python -m benchmarks.run``: greedy decoding one sentence at a time
and 1,000 at once, and beam search, npseq2seq against Keras (and PyTorch), on the same
trained weights; ``--only decoding`` runs them alone (``run_decoding_only``).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from . import numpy_side, report, torch_side
from .common import Config, Data, alternate, clock, load_data, log, results_header

DECODER_KINDS = ("single", "tutorial", "batched", "beam")
BEAM_WIDTH = 5


def measure_decoding(cfg: Config, data: Data, np_model, with_torch: bool, kinds=None) -> dict:
    """Greedy decoding, one sentence at a time and batched, and beam search (width
    ``BEAM_WIDTH``) batched, npseq2seq against Keras (and PyTorch).

    All decoders run the same trained weights on the first sentences of the
    data; each row counts how many of its strings equal npseq2seq's (greedy's, or for
    the beam rows npseq2seq's beam search's). kinds: the kinds of row to time ("single",
    "tutorial", "batched", "beam"; None: all).
    """
    from npseq2seq.text import one_hot

    from . import keras_side

    vocab = data.vocab
    encoder_input = one_hot(data.ids[0][:cfg.batched_sentences], vocab.num_encoder_tokens, "float32")
    one = encoder_input[:cfg.decode_sentences]
    few = encoder_input[:cfg.keras_tutorial_sentences]
    cached = encoder_input[:min(20, cfg.decode_sentences)]
    expected = numpy_side.greedy_batch(np_model, encoder_input, len(encoder_input))
    expected_beam = numpy_side.beam_batch(np_model, encoder_input, BEAM_WIDTH, len(encoder_input))

    keras_model = keras_side.keras_model_from(np_model)
    encoder_model, decoder_model = keras_side.tutorial_decoders(keras_model)
    graph, xla = keras_side.BatchedGreedy(keras_model, vocab), keras_side.BatchedGreedy(keras_model, vocab, True)
    beam_graph = keras_side.BatchedBeam(keras_model, vocab, BEAM_WIDTH)
    beam_xla = keras_side.BatchedBeam(keras_model, vocab, BEAM_WIDTH, jit_compile=True)
    torch_model = torch_side.build_model(np_model) if with_torch else None

    def reference_cached(inputs):
        from reference.models import decode_sequence
        return [decode_sequence(inputs[i:i + 1], encoder_model, decoder_model, vocab.target_token_index,
                                vocab.reverse_target_char_index, vocab.max_decoder_seq_length,
                                vocab.num_decoder_tokens) for i in range(len(inputs))]

    def tutorial(inputs):
        return [keras_side.tutorial_decode_sequence(inputs[i:i + 1], encoder_model, decoder_model, vocab)
                for i in range(len(inputs))]

    # (name, framework, kind, inputs, decode function)
    decoders = [
        ("npseq2seq decode_sequence (tutorial loop)", "numpy", "single", one,
         lambda x: numpy_side.decode_one_at_a_time(np_model, x)),
        ("npseq2seq greedy_decode, batch 1", "numpy", "single", one,
         lambda x: numpy_side.greedy_batch(np_model, x, 1)),
        ("npseq2seq OneSentenceGreedy, one sentence at a time", "numpy", "single", one,
         lambda x: numpy_side.one_sentence(np_model, x)),
        ("Keras tutorial decode_sequence (predict per character)", "keras", "tutorial", few, tutorial),
        ("Keras decode_sequence, cached tf.function per character", "keras", "single", cached, reference_cached),
        ("Keras tf.function greedy loop, batch 1", "keras", "single", one, lambda x: graph(x, 1)),
        ("Keras tf.function + XLA greedy loop, batch 1", "keras", "single", one, lambda x: xla(x, 1)),
        (f"npseq2seq greedy_decode, batch {len(encoder_input)}", "numpy", "batched", encoder_input,
         lambda x: numpy_side.greedy_batch(np_model, x, len(x))),
        (f"Keras tf.function greedy loop, batch {len(encoder_input)}", "keras", "batched", encoder_input,
         lambda x: graph(x, len(x))),
        (f"Keras tf.function + XLA greedy loop, batch {len(encoder_input)}", "keras", "batched", encoder_input,
         lambda x: xla(x, len(x))),
        (f"npseq2seq beam_search, beam {BEAM_WIDTH}, batch {len(encoder_input)}", "numpy", "beam", encoder_input,
         lambda x: numpy_side.beam_batch(np_model, x, BEAM_WIDTH, len(x))),
        (f"Keras tf.function beam loop, beam {BEAM_WIDTH}, batch {len(encoder_input)}", "keras", "beam",
         encoder_input, lambda x: beam_graph(x, len(x))),
        (f"Keras tf.function + XLA beam loop, beam {BEAM_WIDTH}, batch {len(encoder_input)}", "keras", "beam",
         encoder_input, lambda x: beam_xla(x, len(x))),
    ]
    if torch_model is not None:
        decoders += [
            ("PyTorch greedy loop, batch 1", "torch", "single", one,
             lambda x: torch_side.greedy_decode(torch_model, x, vocab, 1)),
            (f"PyTorch greedy loop, batch {len(encoder_input)}", "torch", "batched", encoder_input,
             lambda x: torch_side.greedy_decode(torch_model, x, vocab, len(x))),
            (f"PyTorch beam loop, beam {BEAM_WIDTH}, batch {len(encoder_input)}", "torch", "beam", encoder_input,
             lambda x: torch_side.beam_decode(torch_model, x, vocab, BEAM_WIDTH, len(x))),
        ]
    if kinds:                                    # --decoders: a subset of the kinds
        decoders = [d for d in decoders if d[2] in kinds]

    outputs: dict[str, list[str]] = {}

    def task(name, inputs, fn):
        def run():
            start = clock()
            outputs[name] = fn(inputs)
            return {"total": clock() - start}
        return run

    # the tutorial's predict loop is ~2 s per sentence: warm it up on one sentence, time it once
    slow = {name: task(name, x, fn) for name, _, kind, x, fn in decoders if kind == "tutorial"}
    if slow:
        tutorial(few[:1])
    fast = {name: task(name, x, fn) for name, _, kind, x, fn in decoders if kind != "tutorial"}
    log(f"decoding: {len(fast)} decoders alternating, then the tutorial's predict loop on {len(few)} sentences")
    load = {"before": os.getloadavg()}
    times = {**alternate(fast, rounds=cfg.decode_rounds, warmup=1, log=log),
             **alternate(slow, rounds=1, warmup=0, log=log)}
    load["after"] = os.getloadavg()

    rows = []
    for name, framework, kind, inputs, _ in decoders:
        out, reference = outputs[name], expected_beam if kind == "beam" else expected
        chars = sum(len(s) for s in out)
        seconds = times[name]["total"]["median"]
        rows.append({"name": name, "framework": framework, "kind": kind, "sentences": len(out),
                     "chars": chars, "seconds": times[name]["total"],
                     "ms_per_sentence": 1e3 * seconds / len(out), "ms_per_char": 1e3 * seconds / chars,
                     "agree": f"{sum(a == b for a, b in zip(out, reference))}/{len(out)}"})
    tutorial_row = next((r for r in rows if r["kind"] == "tutorial"), None)
    best = {kind: min(keras, key=lambda r: r["ms_per_char"]) for kind in ("single", "batched", "beam")
            if (keras := [r for r in rows if r["framework"] == "keras" and r["kind"] == kind])}
    xla = {kind: keras[0] for kind in ("single", "batched", "beam")
           if (keras := [r for r in rows if r["framework"] == "keras" and r["kind"] == kind and "XLA" in r["name"]])}
    for r in rows:
        if r["framework"] != "keras":
            if tutorial_row is not None and r["kind"] != "beam":
                r["vs_keras_tutorial"] = r["ms_per_char"] / tutorial_row["ms_per_char"]
            if r["kind"] in best:
                r["vs_keras_best"] = r["ms_per_char"] / best[r["kind"]]["ms_per_char"]
                r["keras_best"] = best[r["kind"]]["name"]
            if r["kind"] in xla:
                r["vs_keras_xla"] = r["ms_per_char"] / xla[r["kind"]]["ms_per_char"]
    return {"rows": rows, "mean_chars": np.mean([len(s) for s in expected]), "loadavg": load,
            "mean_beam_chars": np.mean([len(s) for s in expected_beam]),
            "sample": [(data.input_texts[i], expected[i]) for i in range(min(5, len(expected)))]}


# --------------------------------------------------------------------------- GFLOP/s


def run_decoding_only(cfg: Config, skip: set[str], out: Path, kinds=None, model_path=None) -> dict:
    """``--only decoding``: npseq2seq's char LSTM trained alone for warm-up + rounds epochs
    (the epochs the full run's LSTM row trains it), or loaded from ``model_path`` (a model
    saved by npseq2seq on the same data), then ``measure_decoding``."""
    started = clock()
    torch_reason = torch_side.available() if "torch" not in skip else "skipped (--skip torch)"
    from . import keras_side

    results: dict = {**results_header(cfg), "skipped": sorted(skip),
                     "frameworks": {**keras_side.versions(), "torch_reason": torch_reason}}
    if torch_reason is None:
        import torch
        results["frameworks"]["torch"] = f"{torch.__version__} ({torch.get_num_threads()} threads)"
    data = load_data(cfg)
    results["data"] = {"train_samples": data.split_at, "val_samples": data.num_samples - data.split_at,
                       "vocab": repr(data.vocab)}
    if model_path is not None:
        np_model = _load_decoding_model(model_path, data)
        results["model_path"] = str(model_path)
        venc, vdec, vtgt = data.val_ids()
        results["val_loss"] = np_model.evaluate([venc, vdec], vtgt, batch_size=cfg.batch_size)
    else:
        np_model = numpy_side.build_model(data, cfg)
        trainer = numpy_side.NumpyTrainer(np_model, data, cfg)
        log(f"decoding only: training npseq2seq's LSTM alone for {cfg.warmup + cfg.rounds} epochs")
        for _ in range(cfg.warmup + cfg.rounds):
            trainer.epoch()
        results["val_loss"] = trainer.losses[-1][1]
    results["decoding"] = measure_decoding(cfg, data, np_model, torch_reason is None, kinds)
    report.write_run(results, out, started, "decoding-", report.decoding_markdown)
    return results


def _load_decoding_model(path: Path, data: Data):
    """``--model``: a saved one-layer char LSTM of the data's vocabulary (the one the Keras and
    PyTorch decoders are built like), else SystemExit naming the file."""
    from npseq2seq import Seq2Seq

    model = Seq2Seq.load(path)
    c, v = model.config, data.vocab
    if (c.cell, c.level, c.num_layers, c.bidirectional, c.attention) != ("lstm", "char", 1, False, None) \
            or (c.num_encoder_tokens, c.num_decoder_tokens) != (v.num_encoder_tokens, v.num_decoder_tokens):
        raise SystemExit(f"--model {path}: needs the tutorial's model (a one-layer char LSTM) with "
                         f"{v.num_encoder_tokens}/{v.num_decoder_tokens} tokens, as these --num-lines give")
    model.vocab = v
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy")   # for its validation loss
    return model


