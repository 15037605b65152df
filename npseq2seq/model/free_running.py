"""Training without teacher forcing (the tutorial's FAQ): the decoder fed its own outputs.

    start token ─► decoder step ─► p_1 ─► decoder step ─► p_2 ─► ... ─► p_Td
                                    │                      │
                                    └─ loss                └─ loss

Each step is ``Decoder.forward`` on one step, and its softmax output (N, 1, V) is the
next step's input, as Keras's FAQ model concatenates them. The outputs are
probabilities, not logits, so the loss is Keras's probability path. Backward runs the
steps in reverse: the probabilities of step t reach the loss *and* the input of step
t+1, so their gradient is the sum of both.
"""
from __future__ import annotations

import numpy as np


def forward(decoder, start, states, steps: int, training: bool = False, rng=None):
    """start (N, 1) ids: the first decoder input → (probabilities (N, steps, V), step caches).
    training, rng: dropout; each step is a new call of the layers, so it draws new masks, as
    the FAQ's Keras loop calling ``decoder_lstm`` once per step does."""
    inputs = start                           # ids: one-hot × W is exact
    probs = np.empty((len(start), steps, decoder.dense.units), decoder.dense.dtype)
    caches = []
    for t in range(steps):
        p, states, cache = decoder.forward(inputs, states, training=training, rng=rng)
        probs[:, t] = p[:, 0]
        caches.append(cache)
        inputs = p                           # (N, 1, V): fed back, and differentiated through
    return probs, caches


def backward(decoder, dprobs: np.ndarray, caches) -> tuple[list, dict[str, list]]:
    """d(loss)/d(probabilities) (N, steps, V) → (d initial states, {layer name: grads})."""
    dstates = None
    dfed_back = 0.0
    grads = {layer.name: [np.zeros_like(w) for w in layer.weights] for layer in (*decoder.rnns, decoder.dense)}
    for t in reversed(range(len(caches))):
        dp = dprobs[:, t:t + 1] + dfed_back
        dfed_back, dstates, _, step_grads = decoder.backward(dp, caches[t], dstates, from_logits=False)
        # dfed_back is None at t = 0: the start token is data
        for name, arrays in step_grads.items():
            for acc, g in zip(grads[name], arrays):
                acc += g
    return dstates, grads
