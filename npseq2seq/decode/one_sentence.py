"""Greedy decoding of one sentence at a time, with as few NumPy calls per step as the math needs.

How a dependency-light service translates: one request, one sentence. ``greedy_decode``
with a batch of one pays for its generality at every step (a state list, the Embedding
and projection calls, fresh arrays for every state and gate, the Dense layer's softmax);
for one sentence of a 256-unit model those cost more than the step's 1 MB GEMV. Here the
weights are prepared once per model and every step writes into buffers allocated once:

    token ─► InputTable row (x W + b, input_table.py) ─► Stepper of each RNN layer
          ─► [attention] ─► h W_dense + b ─► argmax of the logits (ties.py) ─► token

The same operations on the same shapes as the layers' own step (``model.decode_step``),
so the states and logits are the reference's to the last bit, and ``ties.first_max``
turns the logits' argmax into the probabilities' (``np.argmax(probs)``, the tutorial's
rule) with no softmax except on a near-tie: the strings are ``decode_sequence``'s.

Per model kind:

* LSTM and GRU (reset_after True/False, sigmoid or hard_sigmoid), char and word level,
  stacks, mask_zero: every RNN layer runs on a ``Stepper``;
* post-RNN attention ("luong", "additive"): the attention is the layer's own ``forward``
  on the top state (about ten calls; it is the one part of the step that reads the whole
  memory, and its masking rules stay in one place), into a preallocated [h; context];
* attention inside the recurrence ("bahdanau", "luong_general" ± input_feeding): the top
  layer is ``AttentiveRNN``'s own step (its ~20 calls: the attention between the cell's
  GEMVs cannot be reordered), fed from the input table; the Dense and the argmax as above;
* the encoder: ``one_sentence_encoder.py`` (the model's own ``encode`` for bidirectional
  encoders and attention's memory).

Letters: Te input steps, V output tokens, H units, G·H the fused gate width.
"""
from __future__ import annotations

import numpy as np

from ..layers.attentive_rnn import AttentiveRNN
from ..ops import softmax
from .input_table import InputTable
from .one_sentence_encoder import OneSentenceEncoder
from .steppers import stepper
from .ties import first_max, near_tie_bound


def supports(model) -> bool:
    """True for a ``Seq2Seq`` (an encoder and a decoder of RNN layers and a softmax Dense);
    other models (``RepeatSeq2Seq``) decode through their own methods."""
    decoder = getattr(model, "decoder", None)
    return (hasattr(getattr(model, "encoder", None), "rnns") and hasattr(decoder, "rnns")
            and getattr(getattr(decoder, "dense", None), "activation", None) == "softmax")


class OneSentenceGreedy:
    """``OneSentenceGreedy(model, start_id=None, stop_id=None, max_steps=None)``; ``decode(x)``
    → the ids ``greedy_decode`` returns for the one sentence x in a batch of its own, which
    are ``decode_sequence``'s (ending with ``stop_id`` if emitted within ``max_steps``). A
    larger batch's GEMMs round differently from one row's GEMVs: batched greedy can, rarely,
    reach another near-tie (tests/decode/test_one_sentence.py). Defaults from ``model.vocab``:
    its start and stop ids and ``max_decoder_seq_length + 1`` steps (``translate``'s, the
    tutorial's stopping rule).

    The prepared weights are copies (the one-hot input table) or views: build it again after
    training the model further or setting its weights.
    """

    def __init__(self, model, start_id: int | None = None, stop_id: int | None = None,
                 max_steps: int | None = None):
        if not supports(model):
            raise ValueError(f"OneSentenceGreedy decodes a Seq2Seq; received {type(model).__name__}")
        vocab = getattr(model, "vocab", None)
        if None in (start_id, stop_id, max_steps) and vocab is None:
            raise ValueError("start_id, stop_id and max_steps default to the model's vocab: pass them "
                             "or build the model with vocab=")
        self.start_id = vocab.start_id if start_id is None else int(start_id)
        self.stop_id = vocab.stop_id if stop_id is None else int(stop_id)
        self.max_steps = vocab.max_decoder_seq_length + 1 if max_steps is None else int(max_steps)
        self.model, self.decoder, self.dtype = model, model.decoder, model.dtype
        self.encoder = OneSentenceEncoder(model)
        self.bound = near_tie_bound(self.dtype)
        self._prepare_decoder()

    def _prepare_decoder(self) -> None:
        dec = self.decoder
        self.top = dec.rnn if isinstance(dec.rnn, AttentiveRNN) else None
        plain = dec.rnns[:-1] if self.top is not None else dec.rnns
        self.post = dec.attention if self.top is None else None      # post-RNN attention or None
        h = dec.rnn.units
        width = self.top.output_dim if self.top is not None else (2 * h if self.post is not None else h)
        self.features = np.empty((1, width), self.dtype)              # the Dense layer's input
        self.steppers = [stepper(rnn) for rnn in plain]
        if self.steppers and self.top is None:                        # the top h is the features' head
            top = self.steppers[-1]
            top.states[0] = top.h = self.features[:, :h]
        first = dec.rnns[0]
        project = first.project if first is self.top else first.project_inputs
        self.table = InputTable(project, dec.embedding, first.input_dim)
        self.mask_zero = dec.embedding is not None and dec.embedding.mask_zero
        self.logits = np.empty((1, dec.dense.units), self.dtype)
        self.dense_kernel, self.dense_bias = dec.dense.kernel, dec.dense.bias
        if self.top is not None:
            rnn = self.top.rnn
            self.z = np.empty((1, rnn.num_gates * rnn.units), self.dtype)
            self.extras = [np.empty((1, rnn.units), self.dtype) for _ in range(rnn.num_extras)]
            self.top_kernel, self.top_bias = rnn.kernel[:self.top.input_dim], rnn.input_bias()

    @property
    def reason(self) -> str | None:
        """What does not run on the fast path, or None."""
        parts = [self.encoder.reason,
                 self.top is not None and "the attentive top layer's own step",
                 self.post is not None and "the attention layer's own forward"]
        return "; ".join(p for p in parts if p) or None

    # --- one sentence ---------------------------------------------------------------------
    def decode(self, encoder_input) -> np.ndarray:
        """encoder_input: one sentence, (Te,) ids or (Te, V) one-hot rows (or a batch of one
        of either) → the greedy ids (int64)."""
        self._start(self._ids(encoder_input))
        out, token = [], self.start_id
        for _ in range(self.max_steps):
            token = first_max(self._step(token), self.bound, self._probabilities)
            out.append(token)
            if token == self.stop_id:
                break
        return np.array(out, np.int64)

    def _ids(self, x) -> np.ndarray:
        """One sentence → (1, Te) ids, checked as the model checks its input."""
        x = np.asarray(x)
        integer = np.issubdtype(x.dtype, np.integer)
        if x.ndim == (1 if integer else 2):
            x = x[None]
        if len(x) != 1:
            raise ValueError(f"encoder_input: one sentence, (Te,) ids or (Te, V) rows, received shape "
                             f"{np.asarray(x).shape}")
        return self.model._prepare_x([x, np.zeros((1, 0), np.int64)])[0]

    def _start(self, ids) -> None:
        """Encode, and set the decoder's states (and the attention's memory) for this sentence."""
        encoded = self.decoder.start_states(self.encoder.encode(ids))
        states, memory = self.decoder.split_state(encoded)
        layers = self.decoder.per_layer(states)
        for step, layer_states in zip(self.steppers, layers):
            step.set_states(layer_states)
        if self.top is not None:
            self.memory = self.top.memory(memory[0], memory[1] if len(memory) > 1 else None)
            self.prev = [np.array(s, self.dtype) for s in layers[-1]]    # the cell's states (, ã)
            self.new = [np.empty_like(s) for s in self.prev[:self.top.rnn.state_size]]
        elif self.post is not None:
            self.values, self.value_mask = memory[0], (memory[1] if len(memory) > 1 else None)

    def _step(self, token: int) -> np.ndarray:
        """One decoder step from the previous token → the logits (1, V) (a buffer)."""
        masked = self.mask_zero and token == 0          # mask_zero: padding fed back is skipped
        x = self.table.rows[token]                      # (made at first use at word level)
        if x is None:
            x = self.table[token]
        if not masked:
            for k, step in enumerate(self.steppers):
                step.step(x if k == 0 else step.project(self.steppers[k - 1].h))
        if self.top is not None:
            if self.steppers:
                x = np.matmul(self.steppers[-1].h, self.top_kernel)
                x += self.top_bias
            features = self._attentive(x, masked)
        elif self.post is not None:
            features = self._attend(masked)
        else:
            features = self.features
        np.matmul(features, self.dense_kernel, self.logits)
        self.logits += self.dense_bias
        return self.logits

    def _attend(self, masked: bool) -> np.ndarray:
        """Post-RNN attention: [h; context] in ``features`` (h is already its head)."""
        h = self.decoder.rnn.units
        query = self.features[None, :, :h]                               # (1, 1, H)
        query_mask = np.zeros((1, 1), bool) if masked else None           # masked query: context 0
        context, _ = self.post.forward(query, self.values, query_mask, self.value_mask)
        self.features[:, h:] = context[0]
        return self.features

    def _attentive(self, xw, masked: bool) -> np.ndarray:
        """The AttentiveRNN top layer's own step from x W + b (1, G·H) → its output (1, ·)."""
        top, k = self.top, self.top.rnn.state_size
        np.copyto(self.z, xw)                            # the step turns it into the gates
        feed = self.prev[k] if top.input_feeding else None
        mask = np.array([not masked]) if self.mask_zero else None
        out, *_, attentional = top._step(self.z, self.prev[:k], self.new, self.extras, feed, self.memory, mask)
        self.prev[:k], self.new = self.new, self.prev[:k]
        if top.input_feeding and not masked:
            self.prev[k] = attentional
        return out

    def _probabilities(self, logits) -> np.ndarray:
        """The softmax as the Dense layer computes it (a near-tie only: ``ties.py``)."""
        return softmax(logits[None])[0]
