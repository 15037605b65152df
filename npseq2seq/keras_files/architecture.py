"""A Keras model's architecture (``config.json`` / ``model_config``) → a Seq2SeqConfig and
the Keras layer that plays each part of npseq2seq's model.

Nothing in the config is ever deserialised or run: it is read as JSON data. Each layer
must be one of ``graph.LAYERS`` (built-in Keras classes, no ``registered_name`` or foreign
``module``: custom objects are refused, and ``Lambda``, whose config holds marshalled
bytecode, is refused by name as Keras's ``safe_mode`` does). Then the graph is walked
back from the output, as a Keras user wrote it (reference/: models.py, attention.py,
deep.py, masking.py)::

    Dense(softmax) ← [Concatenate ← (Attention | AdditiveAttention)(decoder, encoder)]
                   ← decoder RNN L ← … ← decoder RNN 1 ← [Embedding | Masking] ← Input
    decoder RNN k's initial_state = encoder RNN k's states (a Bidirectional's through
                   Concatenate([forward, backward]) layers, one per state)
    encoder RNN L ← … ← encoder RNN 1 ← [Embedding | Masking] ← Input

Anything else (another wiring, an activation other than Keras's defaults, a layer off
the path) is refused with a message naming the layer (class_name and name).

The config is read as a graph by ``graph.py`` (classes checked, calls in either Keras
dialect); this file walks it.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..text.errors import excerpt
from .graph import MASK_OPS, MODELS, RNNS, Graph, check_object

__all__ = ["Architecture", "read_architecture"]

# what a layer's config must say for npseq2seq's computation to be Keras's (absent = default)
DEFAULTS = {"activation": "tanh", "use_bias": True, "go_backwards": False, "stateful": False,
            "time_major": False}


@dataclass(frozen=True)
class Architecture:
    """What the config says: Seq2SeqConfig's arguments (but dtype, which the weights give),
    the Keras layer name of each role of ``model.build.keras_order`` (plus ``("attention",
    0)``), each layer's class, and the layers in the config's order (= ``model.layers``)."""
    sizes: dict
    roles: dict
    classes: dict
    order: tuple


def read_architecture(model_config, era: str, error) -> Architecture:
    """``model_config``: the parsed JSON; ``era``: "keras3", "tf.keras" or "keras2" (Keras
    2.0–2.2, whose GRU has no reset_after); ``error(problem)`` → the exception to raise."""
    if not isinstance(model_config, dict) or not isinstance(model_config.get("config"), dict):
        raise error("the model config is not a Keras model's (no 'config' object)")
    kind = model_config.get("class_name")
    if kind not in MODELS:
        raise error(f"the model is a {excerpt(kind)}, not a functional model (npseq2seq reads the encoder-decoder "
                    "training model, keras.Model([encoder_inputs, decoder_inputs], decoder_outputs))")
    check_object(model_config, "the model", error)
    graph = _Walk(model_config["config"], era, error)
    return graph.architecture()


class _Walk(Graph):
    """The graph walked back from the output, each part of npseq2seq's model found."""

    def __init__(self, config: dict, era: str, error):
        super().__init__(config, error)
        self.era = era

    def architecture(self) -> Architecture:
        name, kind, config, inputs, _ = self.layer(self.output, "Dense", role="output Dense softmax")
        self._expect(name, kind, config, activation="softmax", use_bias=True)
        if len(inputs) != 1:
            raise self.fail(name, kind, f"reads {len(inputs)} tensors, expected 1")
        roles, sizes = {("dense", 0): name}, {"num_decoder_tokens": _int(config, "units", name, kind, self.error)}
        top, memory = self._attention(inputs[0], roles, sizes)
        decoders = self._decoder_chain(top)
        encoders, bidirectional = self._encoders(decoders)
        if memory is not None and memory != (encoders[-1], 0):
            raise self.error(f"the attention layer reads {memory[0]!r}, not the top encoder layer {encoders[-1]!r}")
        sizes.update(self._rnn_sizes(encoders, decoders, bidirectional))
        sizes.update(self._input_side(encoders[0], "encoder", roles, sizes),
                     **self._input_side(decoders[0], "decoder", roles, sizes))
        for k, (enc, dec) in enumerate(zip(encoders, decoders)):
            roles["encoder", k], roles["decoder", k] = enc, dec
        extra = [f"{n!r} (class_name {k!r})" for n, k in self.order
                 if n not in self.used and k != "InputLayer" and k not in MASK_OPS]
        if extra:
            raise self.error(f"layer {extra[0]} is not on the encoder-decoder's path in npseq2seq's models")
        return Architecture(sizes, roles, {n: k for n, k in self.order}, tuple(self.order))

    def _attention(self, ref, roles, sizes):
        """(the top decoder tensor, the attended encoder tensor or None)."""
        name, kind, config, inputs, _ = self.layer(ref, role="Dense's input")
        if kind != "Concatenate":
            sizes["attention"] = None
            return ref, None
        self._expect(name, kind, config, axis=-1)
        if len(inputs) != 2:
            raise self.fail(name, kind, f"joins {len(inputs)} tensors; with attention npseq2seq's model joins "
                                        "[decoder outputs, context]")
        att, att_kind, att_config, att_inputs, _ = self.layer(inputs[1], "Attention", "AdditiveAttention",
                                                              role="attention layer")
        if att_kind == "Attention":
            self._expect(att, att_kind, att_config, use_scale=False, score_mode="dot")
            sizes["attention"] = "luong"
        else:
            self._expect(att, att_kind, att_config, use_scale=True)
            sizes["attention"] = "additive"
        if len(att_inputs) not in (2, 3) or att_inputs[0] != inputs[0] or \
                (len(att_inputs) == 3 and att_inputs[2] != att_inputs[1]):
            raise self.fail(att, att_kind, "expected [decoder outputs, encoder outputs] as query and value")
        roles["attention", 0] = att
        return inputs[0], att_inputs[1]

    def _decoder_chain(self, ref) -> list[str]:
        chain = []
        while True:
            name, kind, config, inputs, states = self.layer(ref, role="decoder")
            if kind not in RNNS or ref[1] != 0:
                if not chain:
                    raise self.fail(name, kind, "is where npseq2seq's model has the decoder RNN (LSTM or GRU)")
                return chain
            if not config.get("return_sequences"):
                raise self.fail(name, kind, "a decoder layer must return_sequences")
            if len(inputs) != 1 or not states:
                raise self.fail(name, kind, "a decoder layer reads its input with initial_state from the encoder")
            chain.insert(0, name)
            ref = inputs[0]

    def _encoders(self, decoders):
        """The encoder layer of each decoder layer's initial_state, and whether they are
        Bidirectional."""
        encoders, kinds = [], set()
        for dec in decoders:
            kind, _, _, states = self.layers[dec]
            count = 2 if kind == "LSTM" else 1
            if len(states) != count:
                raise self.fail(dec, kind, f"has {len(states)} initial states, an {kind} has {count}")
            owners = {self.layers[s[0]][0] if s[0] in self.layers else None for s in states}
            if owners == {"Concatenate"}:
                encoders.append(self._bidirectional_states(dec, states, count))
                kinds.add("Bidirectional")
            else:
                enc = states[0][0]
                if states != [(enc, 1 + i) for i in range(count)]:
                    raise self.fail(dec, kind, f"initial_state {states} is not one encoder layer's states")
                self.layer(states[0], *RNNS, role=f"encoder layer under {dec!r}")
                encoders.append(enc)
                kinds.add("RNN")
        if len(kinds) > 1:
            raise self.error("the encoder mixes Bidirectional and one-directional layers")
        for k in range(1, len(encoders)):
            name, kind, _, inputs, _ = self.layer((encoders[k], 0), role="encoder")
            if inputs != [(encoders[k - 1], 0)]:
                raise self.fail(name, kind, f"reads {inputs}, expected the outputs of {encoders[k - 1]!r}")
        return encoders, kinds == {"Bidirectional"}

    def _bidirectional_states(self, dec, states, count) -> str:
        owner = None
        for i, state in enumerate(states):
            name, kind, config, inputs, _ = self.layer(state, "Concatenate", role=f"state of {dec!r}")
            bi = inputs[0][0] if inputs else None
            if inputs != [(bi, 1 + i), (bi, 1 + count + i)] or (owner and bi != owner):
                raise self.fail(name, kind, f"joins {inputs}; expected a Bidirectional's forward and backward "
                                            f"state {i}")
            owner = bi
        self.layer((owner, 0), "Bidirectional", role=f"encoder layer under {dec!r}")
        return owner

    def _rnn_sizes(self, encoders, decoders, bidirectional) -> dict:
        cells, units, activations, resets, rates = set(), set(), set(), set(), set()
        for name in encoders + decoders:
            kind, config = self.layers[name][:2]
            if kind == "Bidirectional":
                self._expect(name, kind, config, merge_mode="concat")
                inner = config.get("layer")
                if not isinstance(inner, dict) or inner.get("class_name") not in RNNS:
                    raise self.fail(name, kind, "wraps no LSTM or GRU layer")
                check_object(inner, f"the layer inside {name!r}", self.error)
                kind, config = inner["class_name"], inner.get("config") or {}
                if name in encoders:
                    units.add(("encoder", _int(config, "units", name, kind, self.error)))
            else:
                units.add(("encoder" if name in encoders else "decoder", _int(config, "units", name, kind,
                                                                              self.error)))
            cells.add(kind)
            self._expect(name, kind, config, **DEFAULTS)
            activations.add(self._recurrent_activation(name, kind, config))
            if kind == "GRU":     # Keras 2's GRU default reset_after=False, Keras 3's True
                resets.add(bool(config.get("reset_after", self.era != "keras2")))
            # training-only options: kept, so that training on in npseq2seq trains as Keras would
            rates.add(tuple(_rate(config, key, name, kind, self.error) for key in ("dropout", "recurrent_dropout")))
            if name in encoders and not config.get("return_state"):
                raise self.fail(name, kind, "an encoder layer must return_state")
        if len(cells) != 1:
            raise self.error(f"the model mixes {sorted(cells)} layers; npseq2seq's models use one cell")
        enc = {u for side, u in units if side == "encoder"}
        dec = {u for side, u in units if side == "decoder"}
        if len(enc) != 1 or dec != {next(iter(enc)) * (2 if bidirectional else 1)}:
            raise self.error(f"encoder units {sorted(enc)} and decoder units {sorted(dec)}: npseq2seq's models have "
                             "latent_dim in every encoder layer (each direction) and in the decoder "
                             "(2*latent_dim after a Bidirectional encoder)")
        if len(activations) > 1 or len(resets) > 1 or len(rates) > 1:
            raise self.error("the RNN layers differ in recurrent_activation, reset_after or their dropout rates; "
                             "npseq2seq's models use one cell throughout")
        dropout, recurrent_dropout = rates.pop()
        sizes = {"cell": cells.pop().lower(), "latent_dim": enc.pop(), "num_layers": len(decoders),
                 "bidirectional": bidirectional, "recurrent_activation": activations.pop(),
                 "dropout": dropout, "recurrent_dropout": recurrent_dropout}
        if resets == {False}:
            sizes["reset_after"] = False
        return sizes

    def _recurrent_activation(self, name, kind, config) -> str:
        """The gates' activation as npseq2seq names it. "hard_sigmoid" is Keras 2's
        clip(0.2x + 0.5, 0, 1) in Keras 2 and tf.keras files (the default until Keras 2.3);
        Keras 3 redefined the name as clip(x/6 + 0.5, 0, 1), which npseq2seq does not have."""
        value = config.get("recurrent_activation", "hard_sigmoid" if self.era == "keras2" else "sigmoid")
        if value == "sigmoid" or (value == "hard_sigmoid" and self.era != "keras3"):
            return value
        shown = "Keras 3's 'hard_sigmoid' (x/6 + 0.5)" if value == "hard_sigmoid" else excerpt(value)
        raise self.fail(name, kind, f"recurrent_activation {shown} is not supported: npseq2seq's cells have "
                                    "'sigmoid' and Keras 2's 'hard_sigmoid' (0.2x + 0.5)")

    def _input_side(self, first, side, roles, sizes) -> dict:
        """The layers between an Input and the side's first RNN: nothing (one-hot
        characters), Masking (mask_padding) or Embedding (word level)."""
        ref = self.layers[first][2][0]
        name, kind, config, inputs, _ = self.layer(ref, "InputLayer", "Masking", "Embedding",
                                                   role=f"{side}'s input")
        out = {}
        if kind == "Embedding":
            tokens = _int(config, "input_dim", name, kind, self.error)
            if _int(config, "output_dim", name, kind, self.error) != sizes["latent_dim"]:
                raise self.fail(name, kind, f"output_dim {config.get('output_dim')}: npseq2seq's Embedding has "
                                            f"latent_dim ({sizes['latent_dim']}) columns")
            mask = bool(config.get("mask_zero", False))
            if sizes.get("mask_zero", mask) != mask:
                raise self.fail(name, kind, "mask_zero differs between the encoder's and decoder's Embedding")
            out.update(level="word", mask_zero=mask)
            roles[("encoder_embedding", 0) if side == "encoder" else ("decoder", -1)] = name
        else:
            if kind == "Masking":
                self._expect(name, kind, config, mask_value=0.0)
                if side == "encoder":
                    out["mask_padding"] = True
            tokens = self._one_hot_width(inputs[0] if inputs else ref, side)
            out["level"] = "char"
            if sizes.get("level", "char") != "char":
                raise self.error("one side reads words through an Embedding, the other one-hot characters")
        if kind != "InputLayer":
            self.layer(inputs[0], "InputLayer", role=f"{side}'s Input")
        out[f"num_{side}_tokens"] = tokens if side == "encoder" else sizes["num_decoder_tokens"]
        if side == "decoder" and tokens != sizes["num_decoder_tokens"]:
            raise self.error(f"the decoder reads {tokens} tokens but its Dense writes {sizes['num_decoder_tokens']}")
        return out

    def _one_hot_width(self, ref, side) -> int:
        name, kind, config, _, _ = self.layer(ref, "InputLayer", role=f"{side}'s Input")
        shape = config.get("batch_shape", config.get("batch_input_shape"))
        if not isinstance(shape, list) or len(shape) != 3 or not isinstance(shape[-1], int) or shape[-1] < 1:
            raise self.fail(name, kind, f"shape {excerpt(shape)}: a character model's Input is (None, None, tokens)")
        return shape[-1]

    def _expect(self, name, kind, config, **values):
        for key, value in values.items():
            if key in config and config[key] != value:
                raise self.fail(name, kind, f"{key}={excerpt(config[key])} is not supported (npseq2seq's models "
                                            f"have {key}={value!r})")


def _int(config, key, name, kind, error) -> int:
    value = config.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10_000_000:
        raise error(f"layer {name!r} (class_name {kind!r}): {key} is {excerpt(value)}, expected a positive integer")
    return value


def _rate(config, key, name, kind, error) -> float:
    """A dropout rate of an RNN layer's config: absent is 0 (as in Keras), else a number in [0, 1)."""
    value = config.get(key, 0.0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise error(f"layer {name!r} (class_name {kind!r}): {key} is {excerpt(value)}, expected a number in [0, 1)")
    return float(value)
