"""Subword units against words on the recipe's split of fra.txt: vocabulary sizes, tokens
per sentence, how many held-out reference words become ``<unk>``, and the CPU seconds of the
recipe's model per training batch at each level (the same model, its Embedding and softmax
sized by the vocabulary).

    OPENBLAS_NUM_THREADS=1 python -m benchmarks.subword_units --merges 6000 --max-words 6000

The splits and vocabularies are the ones `train` builds (``cli.args.new_vocab`` of the pairs
``--held-out`` leaves). The timing trains the recipe's model (``RECIPE``) for ``--batches``
bucketed batches of one sample of the training pairs at each level, interleaved,
``--repeats`` times, and reports the fastest of each (``time.process_time``: run with one
BLAS thread); × batches per epoch gives an epoch's estimate.
"""
from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np

from npseq2seq.cli import build_parser
from npseq2seq.cli.args import new_model, new_vocab, training_arrays
from npseq2seq.cli.splits import held_out_pairs
from npseq2seq.cli.train import _load_training_pairs, train_settings
from npseq2seq.text import load_pairs, tokenize

FRA = Path(__file__).resolve().parents[2] / "shared/data/fra-eng/fra.txt"
RECIPE = ["--num-samples", "66000", "--held-out", "2000", "--mask-zero", "--attention", "luong_general",
          "--input-feeding", "--latent-dim", "256", "--dropout", "0.2", "--recurrent-dropout", "0.2",
          "--bucket-by-length", "--validation-split", "0"]


def settings_of(data, level_flags):
    args = build_parser().parse_args(["train", "--data", str(data), "--out", "unused.npz", *RECIPE, *level_flags])
    return train_settings(args, None)


def sizes(vocab, pairs, held) -> dict:
    """Vocabulary sizes, mean tokens per sentence (words, and as encoded), and the share of
    held-out inputs, references and reference words that hold an ``<unk>``."""
    def unknown(text):   # the target tokens of one reference that the vocabulary lacks
        return [t for t in vocab.target_tokens(text) if t not in vocab.target_token_index]
    words = [len(tokenize(t)) for t in pairs[1]]
    unk_refs = [unknown(t) for t in held[1]]
    held_words = sum(len(tokenize(t)) for t in held[1])
    return {"input_tokens": vocab.num_encoder_tokens, "target_tokens": vocab.num_decoder_tokens,
            "input_per_sentence": float(np.mean([len(vocab.tokenize(t)) for t in pairs[0]])),
            "input_words_per_sentence": float(np.mean([len(tokenize(t)) for t in pairs[0]])),
            "target_per_sentence": float(np.mean([len(vocab.target_tokens(t)) for t in pairs[1]])),
            "target_words_per_sentence": float(np.mean(words)),
            "max_lengths": [vocab.max_encoder_seq_length, vocab.max_decoder_seq_length],
            "held_out_inputs_with_unk": sum(bool(vocab.unknown_tokens(t)) for t in held[0]) / len(held[0]),
            "held_out_refs_with_unk": sum(map(bool, unk_refs)) / len(held[1]),
            "held_out_unk_tokens_per_word": sum(map(len, unk_refs)) / held_words}


def batch_seconds(model, pairs, batches: int, batch_size: int) -> float:
    """CPU seconds of ``batches`` bucketed training batches (one epoch of that many)."""
    x, y = training_arrays(model, pairs)
    n = batches * batch_size
    start = time.process_time()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        model.fit([a[:n] for a in x], y[:n], batch_size=batch_size, epochs=1, shuffle=True,
                  verbose=0, bucket_by_length=True)
    return time.process_time() - start


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=str(FRA))
    p.add_argument("--merges", type=int, default=6000)
    p.add_argument("--max-words", type=int, default=6000)
    p.add_argument("--batches", type=int, default=20)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out")
    args = p.parse_args(argv)
    levels = {"word": ["--level", "word", "--max-words", str(args.max_words)],
              "subword": ["--level", "subword", "--subword-merges", str(args.merges)]}
    result, models = {}, {}
    for level, flags in levels.items():
        settings = settings_of(args.data, flags)
        pairs = _load_training_pairs(settings)
        held = held_out_pairs(load_pairs(args.data, settings["num_samples"]), settings, held_out_only=True)
        start = time.process_time()
        vocab = new_vocab(pairs, settings)
        result[level] = {"flags": flags, "vocab_cpu_s": time.process_time() - start, **sizes(vocab, pairs, held)}
        order = np.random.default_rng(0).permutation(len(pairs[0]))     # one sample for both levels
        sample = [[side[i] for i in order] for side in pairs]
        models[level] = (new_model(vocab, settings), sample, len(pairs[0]) / settings["batch_size"])
        print(json.dumps({level: result[level]}), flush=True)
    times = {level: [] for level in levels}
    for _, level in itertools.product(range(args.repeats), levels):      # interleaved A/B
        model, sample, _ = models[level]
        times[level].append(batch_seconds(model, sample, args.batches, 64))
    for level, (_, _, per_epoch) in models.items():
        best = min(times[level]) / args.batches
        result[level].update(batch_cpu_s=best, all_batch_cpu_s=[t / args.batches for t in times[level]],
                             epoch_cpu_s_estimate=best * per_epoch)
    print(json.dumps({level: {k: result[level][k] for k in ("batch_cpu_s", "epoch_cpu_s_estimate")}
                      for level in levels}))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
