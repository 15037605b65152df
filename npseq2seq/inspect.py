"""A look inside: record what the network computes for one sentence, and plot it.

``record(model, text)`` translates one sentence by greedy decoding, exactly as
``translate`` does, and keeps for every time step of the encoder and the decoder:

- the gate activations, read from what the cells themselves stored (the fused gate
  arrays: input i, forget f, candidate g, output o for LSTM; update z, reset r,
  candidate hh for GRU), so nothing of the cell is computed a second time;
  of a stacked model, the *top* layer of the encoder and of the decoder (what the
  decoder's Dense layer, and attention, read); of a bidirectional encoder both
  directions side by side, units [forward; backward] (2H rows), the backward direction's
  steps put back in the input's order;
- the states after the step: h and c (LSTM) or h (GRU);
- at each decoder step, the probabilities of the next token: the whole distribution
  and its ``top_k`` most probable tokens;
- with an attention model, the attention weights of each decoder step over the
  encoder steps.

How it records: the encoder's own ``forward`` runs over the input (its cache holds
every step's gates and states; ``encode`` computes the same final states without
keeping them), and ``greedy_decode`` runs with ``trace=``, which collects the
``StepTrace`` of every ``decode_step`` (probabilities, states, gates, attention
weights). The trace is what the model computed, not a re-implementation of it.

Plots (``save_plots``; matplotlib, an optional dependency: ``pip install
'npseq2seq[plot]'``, imported only there) are heatmaps of gates and states over time
(one row per unit, one column per step), the probability of each emitted token
with its top-k alternatives and, for attention models, the alignment.

Letters: Te encoder steps, Td decoder steps, H units, V tokens, k alternatives.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from .atomic import atomic_write
from .checks import check_integer
from .decode.greedy import greedy_decode, vocab_of
from .layers.bidirectional import BidirectionalCache
from .layers.recurrent import split_gates
from .model import as_token_ids
from .text import excerpt

GATES = {"lstm": ("i", "f", "g", "o"), "gru": ("z", "r", "hh")}   # Keras's block order in the caches
STATES = {"lstm": ("h", "c"), "gru": ("h",)}
TITLES = {"i": "input gate i", "f": "forget gate f", "g": "candidate g = tanh(...)", "o": "output gate o",
          "z": "update gate z (share of the old h kept)", "r": "reset gate r",
          "hh": "candidate h~ = tanh(...)", "h": "hidden state h", "c": "cell state c"}
_SHOWN = {"\t": "<start>", "\n": "<end>", " ": "␣"}   # characters that would not show on an axis


@dataclass
class RNNTrace:
    """What one RNN (encoder or decoder) computed for one sentence, step by step."""
    tokens: list[str]              # (T,) the input token of each step
    gates: dict[str, np.ndarray]   # gate name → (T, H) activations
    states: dict[str, np.ndarray]  # state name → (T, H), the state after each step


@dataclass
class Trace:
    """Everything ``record`` keeps about the translation of one sentence."""
    text: str                      # the input sentence
    translation: str               # its greedy translation: what ``translate`` returns
    cell: str                      # "lstm" or "gru"
    encoder: RNNTrace              # Te steps; tokens are the (padded) encoder input
    decoder: RNNTrace              # Td steps; tokens are the decoder's inputs: start, then outputs
    output_tokens: list[str]       # (Td,) the token emitted at each decoder step
    probs: np.ndarray              # (Td, V) the next-token distribution at each decoder step
    top_tokens: list[list[str]]    # (Td, k) the k most probable tokens, most probable first
    top_probs: np.ndarray          # (Td, k) their probabilities
    attention: np.ndarray | None = None   # (Td, Te) weights of each decoder step over the
                                          # encoder steps (rows sum to 1); None without attention


def _rnn_trace(cell: str, tokens: list[str], gates: np.ndarray, states: list[np.ndarray]) -> RNNTrace:
    """gates (T, G·H), the fused gate activations of each step; states: (T, H) per state."""
    blocks = split_gates(gates, len(GATES[cell]))
    return RNNTrace(tokens, dict(zip(GATES[cell], blocks)), dict(zip(STATES[cell], states)))


def _forward_trace(cell, tokens, cache) -> RNNTrace:
    """``cache``: a layer's ``forward`` cache, batch of one; a Bidirectional's cache gives
    both directions, units side by side, the backward one in the input's step order."""
    if isinstance(cache, BidirectionalCache):
        fw, bw = _forward_trace(cell, tokens, cache.forward), _forward_trace(cell, tokens, cache.backward)
        return RNNTrace(tokens, _side_by_side(fw.gates, bw.gates), _side_by_side(fw.states, bw.states))
    return _rnn_trace(cell, tokens, cache.gates[:, 0], [s[1:, 0] for s in cache.states])


def _side_by_side(forward: dict, backward: dict) -> dict:
    """name → (T, 2H): the forward units, then the backward ones (its steps reversed back)."""
    return {name: np.concatenate([forward[name], backward[name][::-1]], axis=1) for name in forward}


def _steps_trace(cell, tokens, steps) -> RNNTrace:
    """``steps``: the ``StepTrace`` of each ``decode_step``, batch of one; the top layer's
    gates and states (the last of each step's states)."""
    top = len(steps[0].states) - len(STATES[cell])
    return _rnn_trace(cell, tokens, np.stack([step.gates[0] for step in steps]),
                      [np.stack([step.states[top + k][0] for step in steps]) for k in range(len(STATES[cell]))])


def record(model, text: str, top_k: int = 5, vocab=None) -> Trace:
    """Translate ``text`` greedily and record every step (see the module docstring).

    Raises as ``translate`` does for unknown characters and over-long inputs.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, received {type(text).__name__}")
    check_integer(top_k, "top_k")
    vocab = vocab_of(model, vocab)
    if not vocab.has_tokens(text):
        raise ValueError(f"text {excerpt(text)} has no token to encode: nothing to look at")
    encoder_input = vocab.encode_inputs([text], dtype=model.dtype)
    ids = as_token_ids(encoder_input, model.num_encoder_tokens, "encoder input")   # (1, Te)
    if model.mask_zero or model.config.mask_padding:   # the model skips padded steps: leave them out too
        ids = ids[:, ids[0] != model.config.padding_id]     # (first, with reverse_input)
    steps = []             # each decode_step's StepTrace
    output_ids = greedy_decode(model, ids, vocab.start_id, vocab.stop_id,
                               vocab.max_decoder_seq_length + 1, trace=steps)[0]
    *_, encoder_cache = model.encoder.forward(ids)
    decoder_ids = np.concatenate([[vocab.start_id], output_ids[:-1]])
    probs = np.stack([step.probs[0] for step in steps])                      # (Td, V)
    top_ids = np.argsort(-probs, axis=1, kind="stable")[:, :top_k]
    attention = None
    if model.decoder.attention is not None:       # the weights each step used, (Td, Te)
        attention = np.stack([step.attention[0] for step in steps])
    source_name, target_name = vocab.input_token, vocab.target_token
    return Trace(
        text=text, translation=vocab.decode(output_ids), cell=model.cell,
        encoder=_forward_trace(model.cell, [source_name(int(i)) for i in ids[0]], encoder_cache.rnn),
        decoder=_steps_trace(model.cell, [target_name(int(i)) for i in decoder_ids], steps),
        output_tokens=[target_name(int(i)) for i in output_ids], probs=probs,
        top_tokens=[[target_name(int(i)) for i in row] for row in top_ids],
        top_probs=np.take_along_axis(probs, top_ids, axis=1), attention=attention)


def summary(trace: Trace) -> str:
    """The decoder's choices as text: each step's token, its probability, the runners-up."""
    lines = [f"{trace.text!r} -> {trace.translation!r}",
             f"{'step':>4}  {'emitted':<10} {'p':>6}   alternatives"]
    for t, (tokens, probs) in enumerate(zip(trace.top_tokens, trace.top_probs)):
        # greedy decoding emits the most probable token: the first of the top k
        alternatives = "  ".join(f"{_shown(a)} {q:.3f}" for a, q in zip(tokens[1:], probs[1:]))
        lines.append(f"{t + 1:>4}  {_shown(tokens[0]):<10} {probs[0]:6.3f}   {alternatives}")
    return "\n".join(lines)


# --- plots (matplotlib) ------------------------------------------------------------------

def _figure(**kwargs):
    """A matplotlib Figure not attached to pyplot: no window, no global state, any backend."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("the plots need matplotlib, an optional dependency: "
                          "pip install 'npseq2seq[plot]' (or pip install matplotlib)") from None
    return Figure(**kwargs)


def _shown(token: str) -> str:
    return _SHOWN.get(token, token)


def _token_axis(ax, tokens, axis="x"):
    ticks = range(len(tokens))
    labels = [_shown(t) for t in tokens]
    if axis == "x":
        ax.set_xticks(ticks, labels, rotation=90 if max(map(len, labels), default=0) > 1 else 0)
    else:
        ax.set_yticks(ticks, labels)


def plot_rnn(rnn: RNNTrace, title: str, tokens: list[str] | None = None, xlabel: str = "input token",
             units: int | None = None):
    """Heatmaps of every gate and state of one RNN over time → a Figure.

    One panel per gate or state: row u is unit u, column t is step t. Gates squashed by
    σ run 0–1 (white to black); tanh values and states run -1–1 (blue–white–red), the
    cell state c on its own symmetric scale (it is not bounded). ``tokens`` labels the
    steps (default: the RNN's input tokens); ``units`` shows only the first that many.
    """
    panels = [(name, values[:, :units]) for name, values in [*rnn.gates.items(), *rnn.states.items()]]
    steps, shown_units = panels[0][1].shape
    panel_height = min(3.0, max(1.5, 0.012 * shown_units + 1.0))     # inches; 256 units ≈ 1 px each
    fig = _figure(figsize=(max(6.0, 0.3 * steps + 2.5), len(panels) * panel_height + 0.6),
                  layout="constrained")
    fig.suptitle(title, fontsize=10)
    for ax, (name, values) in zip(fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0], panels):
        if name in ("i", "f", "o", "z", "r"):
            limits, cmap = (0.0, 1.0), "Greys"
        else:
            bound = 1.0 if name != "c" else max(1.0, float(np.abs(values).max()))
            limits, cmap = (-bound, bound), "RdBu_r"
        image = ax.imshow(values.T, aspect="auto", interpolation="nearest", cmap=cmap,
                          vmin=limits[0], vmax=limits[1])
        ax.set_title(TITLES[name], fontsize=9, loc="left")
        ax.set_ylabel("unit")
        fig.colorbar(image, ax=ax, pad=0.01)
    _token_axis(ax, tokens if tokens is not None else rnn.tokens)
    ax.set_xlabel(xlabel)
    return fig


def plot_probabilities(trace: Trace):
    """The probability of each emitted token (bars) and the top-k alternatives (a table
    coloured by probability, most probable on top) → a Figure."""
    steps, k = trace.top_probs.shape
    fig = _figure(figsize=(max(6.0, 0.5 * steps + 2.0), 2.2 + 0.45 * k), layout="constrained")
    bars, table = fig.subplots(2, 1, sharex=True, height_ratios=[1.0, 0.35 * k + 0.2])
    bars.bar(np.arange(steps), trace.top_probs[:, 0], color="tab:blue")   # greedy emits the top one
    bars.set_ylim(0, 1)
    bars.set_ylabel("p(emitted)")
    bars.set_title(f"{trace.text!r} -> {trace.translation!r}: probability of each emitted token",
                   fontsize=9, loc="left")
    table.imshow(trace.top_probs.T, aspect="auto", cmap="Blues", vmin=0, vmax=1, interpolation="nearest")
    for t in range(steps):
        for rank in range(k):
            p = trace.top_probs[t, rank]
            table.text(t, rank, f"{_shown(trace.top_tokens[t][rank])}\n{p:.2f}", ha="center", va="center",
                       fontsize=7, color="white" if p > 0.6 else "black")
    table.set_yticks(range(k), [f"#{r + 1}" for r in range(k)])
    table.set_title(f"the {k} most probable tokens at each step", fontsize=9, loc="left")
    _token_axis(table, trace.output_tokens)
    return fig


def plot_attention(trace: Trace):
    """The alignment: row t is the attention of decoder step t over the encoder steps."""
    if trace.attention is None:
        raise ValueError("this trace has no attention weights (the model has no attention)")
    steps_out, steps_in = trace.attention.shape
    fig = _figure(figsize=(max(4.0, 0.3 * steps_in + 2.0), max(3.0, 0.3 * steps_out + 1.5)),
                  layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(trace.attention, aspect="auto", cmap="Greys", vmin=0, vmax=1, interpolation="nearest")
    _token_axis(ax, trace.encoder.tokens, "x")
    _token_axis(ax, trace.output_tokens, "y")
    ax.set_xlabel("encoder step (input token)")
    ax.set_ylabel("decoder step (emitted token)")
    ax.set_title("attention weights", fontsize=9, loc="left")
    fig.colorbar(image, ax=ax)
    return fig


def save_plots(trace: Trace, out_dir, units: int | None = None, dpi: int = 100) -> list[str]:
    """Write encoder.png, decoder.png, probabilities.png (and attention.png) to ``out_dir``
    (created if missing); returns their paths. ``units``: plot only the first that many."""
    figures = {"encoder": plot_rnn(trace.encoder, f"encoder ({trace.cell}) reading {trace.text!r}",
                                   units=units),
               "decoder": plot_rnn(trace.decoder, f"decoder ({trace.cell}) writing {trace.translation!r}",
                                   tokens=trace.output_tokens, xlabel="token emitted at this step",
                                   units=units),
               "probabilities": plot_probabilities(trace)}
    if trace.attention is not None:
        figures["attention"] = plot_attention(trace)
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for name, fig in figures.items():
        path = os.path.join(out_dir, f"{name}.png")
        atomic_write(path, lambda f, fig=fig: fig.savefig(f, format="png", dpi=dpi))   # as model files are
        paths.append(path)
    return paths
