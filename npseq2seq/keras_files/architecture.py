"""A Keras model's architecture (``config.json`` / ``model_config``) → a Seq2SeqConfig and
the Keras layer that plays each part of npseq2seq's model.

Nothing in the config is ever deserialised or run: it is read as JSON data. Each layer
must be one of ``graph.LAYERS`` (built-in Keras classes, no ``registered_name`` or foreign
``module``: custom objects are refused, and ``Lambda``, whose config holds marshalled
bytecode, is refused by name as Keras's ``safe_mode`` does). Then the graph is walked
back from the output, as a Keras user wrote it (reference/: models.py, attention.py,
deep.py, masking.py)::

    Dense(softmax) ← [Dropout] ← [Concatenate ← (Attention | AdditiveAttention)(decoder, encoder)]
                   ← decoder RNN L ← … ← decoder RNN 1 ← [[Dropout] ← Embedding | Masking] ← Input
    decoder RNN k's initial_state = encoder RNN k's states (a Bidirectional's through
                   Concatenate([forward, backward]) layers, one per state)
    encoder RNN L ← … ← encoder RNN 1 ← [[Dropout] ← Embedding | Masking] ← Input

Anything else (another wiring, an activation other than Keras's defaults, a layer off
the path) is refused with a message naming the layer (class_name and name).

The config is read as a graph by ``graph.py`` (classes checked, calls in either Keras
dialect); each layer's settings are checked by ``layer_settings.py``; this file walks the
path.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..text.errors import excerpt
from .graph import MASK_OPS, MODELS, RNNS, check_object
from .layer_settings import LayerSettings, config_int, dropout_rate

__all__ = ["Architecture", "read_architecture"]


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


class _Walk(LayerSettings):
    """The graph walked back from the output, each part of npseq2seq's model found."""

    def architecture(self) -> Architecture:
        name, kind, config, inputs, _ = self.layer(self.output, "Dense", role="output Dense softmax")
        self._expect(name, kind, config, activation="softmax", use_bias=True)
        if len(inputs) != 1:
            raise self.fail(name, kind, f"reads {len(inputs)} tensors, expected 1")
        roles, sizes = {("dense", 0): name}, {"num_decoder_tokens": config_int(config, "units", name, kind, self.error)}
        top, memory = self._attention(self._output_dropout(inputs[0], sizes), roles, sizes)
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

    def _output_dropout(self, ref, sizes):
        """The Dense layer's input, past a ``Dropout(rate)`` (output_dropout) if one is there."""
        name, kind, config, inputs, _ = self.layer(ref, role="Dense's input")
        if kind != "Dropout":
            return ref
        if config.get("noise_shape") is not None or len(inputs) != 1:
            raise self.fail(name, kind, "npseq2seq's output_dropout is Dropout(rate) on one tensor, with a mask "
                                        "for every entry (noise_shape None); found noise_shape "
                                        f"{excerpt(config.get('noise_shape'))} on {len(inputs)} tensor(s)")
        sizes["output_dropout"] = dropout_rate(config, "rate", name, kind, self.error)
        return inputs[0]

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

    def _word_dropout(self, ref, side, sizes):
        """(the RNN's input past a ``Dropout(rate, noise_shape=(None, None, 1))`` after an
        Embedding, its rate) — (ref, 0.0) without one; both sides must drop alike."""
        name, kind, config, inputs, _ = self.layer(ref, role=f"{side}'s input")
        rate = 0.0
        if kind == "Dropout":
            if config.get("noise_shape") != [None, None, 1] or len(inputs) != 1:
                raise self.fail(name, kind, "npseq2seq's word_dropout is Dropout(rate, noise_shape=(None, None, 1)) "
                                            "after an Embedding; found noise_shape "
                                            f"{excerpt(config.get('noise_shape'))} on {len(inputs)} tensor(s)")
            rate = dropout_rate(config, "rate", name, kind, self.error)
            self.layer(inputs[0], "Embedding", role=f"the layer before {side}'s Dropout {name!r}")
            ref = inputs[0]
        if sizes.setdefault("word_dropout", rate) != rate:
            def shown(r):
                return f"Dropout({r})" if r else "no Dropout"
            raise self.fail(name, kind, f"the encoder's Embedding is followed by {shown(sizes['word_dropout'])}, the "
                                        f"decoder's by {shown(rate)}: npseq2seq's word_dropout is one rate for both")
        return ref

    def _input_side(self, first, side, roles, sizes) -> dict:
        """The layers between an Input and the side's first RNN: nothing (one-hot
        characters), Masking (mask_padding) or Embedding (word level), which a Dropout may
        follow (word_dropout)."""
        ref = self._word_dropout(self.layers[first][2][0], side, sizes)
        name, kind, config, inputs, _ = self.layer(ref, "InputLayer", "Masking", "Embedding",
                                                   role=f"{side}'s input")
        out = {}
        if kind == "Embedding":
            tokens = config_int(config, "input_dim", name, kind, self.error)
            if config_int(config, "output_dim", name, kind, self.error) != sizes["latent_dim"]:
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
