"""A refactor keeps the numbers: train every model variant from one seed and record the bits.

    python -m benchmarks.same_bits record before.json     # on the old code
    python -m benchmarks.same_bits record after.json      # on the new code
    python -m benchmarks.same_bits compare before.json after.json

For each variant (char/word, LSTM/GRU, teacher forcing or not, attention, mask_zero,
bucketed, float64, Adam; dropout, attention inside the recurrence, stacked and
bidirectional) it trains a small model on the first lines of
``../shared/data/fra-eng/fra.txt`` with a validation split and shuffling, and records
the SHA-256 of every weight array's bytes, every logged loss written out with
``float.hex`` (so equal means bit-equal), the greedy and beam translations of a few
sentences, and the bits of ``encode`` / ``decode_step`` on them. Only the public API
is used, so the same file runs on the code before and after a change; the one import
that moved (the text helpers) is looked up in both places.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from npseq2seq import RMSprop, Seq2Seq

try:                                     # the layout after "One model, composed"
    from npseq2seq.text import CharVocab, WordVocab, load_pairs, vectorize, vectorize_words
except ImportError:                      # the layout before it
    from npseq2seq.data import CharVocab, load_pairs, vectorize    # noqa: I001
    from npseq2seq.words import WordVocab, vectorize_words

FRA = Path(__file__).resolve().parents[2] / "shared" / "data" / "fra-eng" / "fra.txt"
SENTENCES = ["Go.", "Run!", "Help!", "I'm cold.", "Stop!"]

VARIANTS = {   # name: (Seq2Seq keyword arguments, fit extras, data kind)
    "char_lstm": (dict(), dict(), "char"),
    "char_gru": (dict(cell="gru"), dict(), "char"),
    "char_lstm_f64": (dict(dtype="float64"), dict(), "char"),
    "char_lstm_adam": (dict(), dict(optimizer="adam"), "char"),
    "char_no_tf": (dict(teacher_forcing=False), dict(), "char"),
    "char_gru_no_tf": (dict(cell="gru", teacher_forcing=False), dict(), "char"),
    "char_attention": (dict(attention="luong"), dict(), "char"),
    "char_gru_attention": (dict(cell="gru", attention="luong"), dict(), "char"),
    "char_bucketed": (dict(), dict(bucket_by_length=True), "char_zero"),
    "word_lstm": (dict(level="word"), dict(), "word"),
    "word_gru_mask": (dict(level="word", cell="gru", mask_zero=True), dict(), "word"),
    "word_lstm_mask_attention": (dict(level="word", mask_zero=True, attention="luong"), dict(), "word"),
    "word_bucketed": (dict(level="word", mask_zero=True), dict(bucket_by_length=True), "word"),
    "word_gru_bucketed": (dict(level="word", cell="gru"), dict(bucket_by_length=True), "word"),
    # the parts added since (dropout, attention inside the recurrence, deeper models)
    "char_lstm_dropout": (dict(dropout=0.2, recurrent_dropout=0.2), dict(), "char"),
    "char_gru_dropout": (dict(cell="gru", dropout=0.2, recurrent_dropout=0.2), dict(), "char"),
    "char_gru_reset_before_dropout": (dict(cell="gru", reset_after=False, dropout=0.2, recurrent_dropout=0.2),
                                      dict(), "char"),
    "word_recipe": (dict(level="word", mask_zero=True, attention="luong_general", input_feeding=True,
                         dropout=0.2, recurrent_dropout=0.2), dict(bucket_by_length=True), "word"),
    "word_bahdanau_dropout": (dict(level="word", mask_zero=True, attention="bahdanau", dropout=0.2,
                                   recurrent_dropout=0.2), dict(), "word"),
    "word_luong_general_input_dropout": (dict(level="word", mask_zero=True, attention="luong_general",
                                              input_feeding=True, dropout=0.2), dict(), "word"),
    "char_stacked_bidirectional_dropout": (dict(num_layers=2, bidirectional=True, dropout=0.2,
                                                recurrent_dropout=0.2), dict(), "char"),
    "word_recipe_output_dropout": (dict(level="word", mask_zero=True, attention="luong_general", input_feeding=True,
                                        dropout=0.2, recurrent_dropout=0.2, output_dropout=0.2),
                                   dict(bucket_by_length=True), "word"),
    "word_stacked_bidirectional_word_dropout": (dict(level="word", mask_zero=True, num_layers=2, bidirectional=True,
                                                     word_dropout=0.2, output_dropout=0.2), dict(), "word"),
    "word_recipe_tied": (dict(level="word", mask_zero=True, attention="luong_general", input_feeding=True,
                              dropout=0.2, recurrent_dropout=0.2, output_dropout=0.2, tie_embeddings=True),
                         dict(bucket_by_length=True), "word"),
}


def _sha(a) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]


def run_variant(name: str, inputs, targets) -> dict:
    kwargs, extras, kind = VARIANTS[name]
    extras = dict(extras)
    optimizer = extras.pop("optimizer", None)
    if kind == "word":
        vocab = WordVocab.from_texts(inputs, targets)
        enc, dec, y = vectorize_words(inputs, targets, vocab)
        loss = "sparse_categorical_crossentropy"
    else:
        padding = "zero" if kind == "char_zero" else "space"
        vocab = CharVocab.from_texts(inputs, targets, padding=padding)
        enc, dec, y = vectorize(inputs, targets, vocab)
        loss = "categorical_crossentropy"
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, latent_dim=24,
                    seed=7, vocab=vocab, **kwargs)
    model.compile(optimizer=optimizer or RMSprop(), loss=loss)
    x = [enc, dec[:, :1]] if kwargs.get("teacher_forcing") is False else [enc, dec]
    history = model.fit(x, y, batch_size=32, epochs=2, validation_split=0.2, verbose=0, **extras)
    record = {"weights": [_sha(w) for w in model.get_weights()],
              "history": {k: [float(v).hex() for v in vs] for k, vs in history.history.items()},
              "evaluate": float(model.evaluate(x, y)).hex(),
              "greedy": model.translate(SENTENCES),
              "beam": model.translate(SENTENCES, beam_width=3)}
    states = model.encode(enc[:5])
    record["encode"] = [_sha(s) for s in states]
    start = dec[:5, 0] if np.issubdtype(dec.dtype, np.integer) else dec[:5, 0].argmax(-1)
    probs, new_states = model.decode_step(start, states)
    record["decode_step"] = [_sha(probs)] + [_sha(s) for s in new_states]
    record["predict"] = _sha(model.predict(x))
    return record


def record(path: str) -> None:
    inputs, targets = load_pairs(FRA, num_samples=400)
    results = {name: run_variant(name, inputs, targets) for name in VARIANTS}
    Path(path).write_text(json.dumps(results, indent=1, ensure_ascii=False))
    print(f"{len(results)} variants recorded in {path}")


def compare(before: str, after: str) -> int:
    """Every variant of ``before`` must be in ``after`` with the same bits; a variant only in
    ``after`` (one the change added) is listed as new and not counted."""
    a, b = (json.loads(Path(p).read_text()) for p in (before, after))
    bad = 0
    for name in sorted(set(b) - set(a)):
        print(f"{'new':>10}  {name}")
    for name in sorted(a):
        same = a[name] == b.get(name)
        bad += not same
        print(f"{'same bits' if same else 'DIFFERENT' if name in b else 'MISSING':>10}  {name}")
        if not same and name in a and name in b:
            for key in a[name]:
                if a[name][key] != b[name].get(key):
                    print(f"            {key}: {a[name][key]} != {b[name].get(key)}")
    print(f"{len(a) - bad} of {len(a)} variants bit-identical")
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "record":
        record(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
