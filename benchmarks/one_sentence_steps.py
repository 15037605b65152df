"""Microbenchmark: µs per decoder step, one sentence, the fast path against ``decode_step``.

    python -m benchmarks.one_sentence_steps            # tutorial sizes: 256 units
    python -m benchmarks.one_sentence_steps --quick    # 32 units, for the tests

Models at the tutorial's sizes with random weights (the cost of a step does not depend on
the values): char LSTM and char GRU (93 output characters, the 10,000-line fra.txt's), and
a word LSTM with Luong attention after the RNN (4,000 words, 15 encoder steps). For each:
``OneSentenceGreedy``'s step and argmax, ``model.decode_step`` + argmax (the batched path
with a batch of one), and the step's parts timed alone (the recurrent GEMV, the Dense
GEMV), so that "the rest" is what the Python and the small ufunc calls cost. Medians of
``timeit`` repeats; the machine's load average is printed with them.
"""
from __future__ import annotations

import argparse
import os
import timeit

import numpy as np

KINDS = {"char LSTM": ({"cell": "lstm"}, 93, 93), "char GRU": ({"cell": "gru"}, 93, 93),
         "word LSTM + luong": ({"cell": "lstm", "level": "word", "attention": "luong"}, 4000, 4000)}


def build(kind: str, units: int):
    from npseq2seq import Seq2Seq

    options, ne, nd = KINDS[kind]
    model = Seq2Seq(ne, nd, units, seed=0, **options)
    rng = np.random.default_rng(0)
    model.set_weights([w + rng.normal(0, 0.1, w.shape).astype(w.dtype) for w in model.get_weights()])
    return model


def best(fn, number: int, repeat: int) -> tuple[float, float]:
    """(median, spread max−min) of µs per call over ``repeat`` timings of ``number`` calls."""
    times = np.array(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6
    return float(np.median(times)), float(times.max() - times.min())


def measure(kind: str, units: int, number: int, repeat: int) -> dict:
    from npseq2seq.decode import OneSentenceGreedy
    from npseq2seq.decode.ties import first_max

    model = build(kind, units)
    one = OneSentenceGreedy(model, 1, 2, 10 ** 9)
    ids = np.arange(15)[None] % model.num_encoder_tokens
    one._start(ids)
    states = model.encode(ids)
    token = np.array([3])

    def fast():
        first_max(one._step(3), one.bound, one._probabilities)

    def old():
        probs, _ = model.decode_step(token, states)
        probs.argmax(axis=-1)

    rnn = model.decoder.rnn
    h, z = np.zeros((1, units), model.dtype), np.empty((1, rnn.recurrent_kernel.shape[1]), model.dtype)
    feats = one.features
    logits = np.empty((1, model.num_decoder_tokens), model.dtype)
    parts = {
        "recurrent GEMV h U": lambda: np.matmul(h, rnn.recurrent_kernel, out=z),
        "Dense GEMV": lambda: np.matmul(feats, model.decoder.dense.kernel, out=logits),
    }
    if one.post is not None:
        query = feats[None, :, :units]
        parts["attention forward"] = lambda: one.post.forward(query, one.values, None, one.value_mask)
    row = {"kind": kind, "units": units, "fast": best(fast, number, repeat), "decode_step": best(old, number, repeat)}
    row["parts"] = {name: best(fn, number, repeat) for name, fn in parts.items()}
    row["rest"] = row["fast"][0] - sum(m for m, _ in row["parts"].values())
    return row


def profile_lstm(units: int, number: int, repeat: int) -> dict:
    """The char LSTM step call by call, each timed alone on the step's own buffers (µs,
    median): what is left of a step once the softmax and the allocations are gone."""
    from npseq2seq.decode import OneSentenceGreedy
    from npseq2seq.decode.ties import first_max

    model = build("char LSTM", units)
    one = OneSentenceGreedy(model, 1, 2, 10 ** 9)
    one._start(np.arange(15)[None] % model.num_encoder_tokens)
    st, row, logits = one.steppers[0], one.table.rows[3], one.logits
    dense = model.decoder.dense
    calls = {
        "h U (GEMV, 1 MB)": lambda: np.matmul(st.h, st.recurrent_kernel, st.z),
        "z += x W + b (table row)": lambda: np.add(st.z, row, st.z),
        "σ/tanh in place (4 calls)": lambda: st.activation(st.z),
        "f ⊙ c, i ⊙ g, c += (3 calls)": lambda: (np.multiply(st.f, st.c, st.c), np.multiply(st.i, st.g, st.ig),
                                                 np.add(st.c, st.ig, st.c)),
        "tanh(c), o ⊙ tanh(c) (2 calls)": lambda: (np.tanh(st.c, st.tanh_c), np.multiply(st.o, st.tanh_c, st.h)),
        "Dense: h W (GEMV) + b (2 calls)": lambda: (np.matmul(one.features, dense.kernel, logits),
                                                    np.add(logits, dense.bias, logits)),
        "argmax, tie check (2 calls)": lambda: logits[0, :logits[0].argmax()].argmax(),
    }
    st.c[...] = 0.5
    parts = {name: best(fn, number, repeat)[0] for name, fn in calls.items()}
    whole = best(lambda: first_max(one._step(3), one.bound, one._probabilities), number, repeat)[0]
    return {"parts": parts, "step": whole, "python": whole - sum(parts.values())}


def main(argv=None) -> list[dict]:
    p = argparse.ArgumentParser(prog="python -m benchmarks.one_sentence_steps", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="32 units, few repeats")
    args = p.parse_args(argv)
    units, number, repeat = (32, 50, 3) if args.quick else (256, 2000, 7)
    print(f"load average {os.getloadavg()}; {units} units; medians of {repeat} × {number} steps (spread max−min)")
    rows = []
    for kind in KINDS:
        r = measure(kind, units, number, repeat)
        rows.append(r)
        parts = ", ".join(f"{n} {m:.1f}" for n, (m, _) in r["parts"].items())
        fast, old = r["fast"], r["decode_step"]
        print(f"{kind:18s} fast {fast[0]:6.1f} µs (±{fast[1]:.1f})   decode_step {old[0]:6.1f} µs "
              f"(±{old[1]:.1f})   ×{r['decode_step'][0] / r['fast'][0]:.2f}   parts: {parts}; "
              f"the rest {r['rest']:.1f}")
    prof = profile_lstm(units, number, repeat)
    print("char LSTM step, call by call (µs): " + "; ".join(f"{n} {t:.1f}" for n, t in prof["parts"].items())
          + f"; the whole step with its Python {prof['step']:.1f} (Python, attribute lookups: {prof['python']:.1f})")
    return rows


if __name__ == "__main__":
    main()
