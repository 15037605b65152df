"""What a Keras layer's config must say for npseq2seq to compute what Keras computes, and
the RNN layers' settings read as the one cell npseq2seq's models use: its class, units,
recurrent_activation, reset_after and dropout rates. The path through the graph (which
layer plays which part) is ``architecture.py``'s, which builds on this.

An option other than the value npseq2seq computes with is refused with a message naming
the layer (class_name and name), the option and the value it has.
"""
from __future__ import annotations

from ..text.errors import excerpt
from .graph import RNNS, Graph, check_object

__all__ = ["LayerSettings", "config_int"]

# what a layer's config must say for npseq2seq's computation to be Keras's (absent = default)
DEFAULTS = {"activation": "tanh", "use_bias": True, "go_backwards": False, "stateful": False,
            "time_major": False}



class LayerSettings(Graph):
    """The graph (graph.py) with the checks of each layer's settings; ``era``: "keras3",
    "tf.keras" or "keras2" (the defaults a config leaves out differ between them)."""

    def __init__(self, config: dict, era: str, error):
        super().__init__(config, error)
        self.era = era

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
                    units.add(("encoder", config_int(config, "units", name, kind, self.error)))
            else:
                units.add(("encoder" if name in encoders else "decoder", config_int(config, "units", name, kind,
                                                                              self.error)))
            cells.add(kind)
            self._expect(name, kind, config, **DEFAULTS)
            activations.add(self._recurrent_activation(name, kind, config))
            if kind == "GRU":     # Keras 2's GRU default reset_after=False, Keras 3's True
                resets.add(bool(config.get("reset_after", self.era != "keras2")))
            # training-only options: kept, so that training on in npseq2seq trains as Keras would
            rates.add(tuple(dropout_rate(config, key, name, kind, self.error)
                            for key in ("dropout", "recurrent_dropout")))
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

    def _expect(self, name, kind, config, **values):
        for key, value in values.items():
            if key in config and config[key] != value:
                raise self.fail(name, kind, f"{key}={excerpt(config[key])} is not supported (npseq2seq's models "
                                            f"have {key}={value!r})")


def config_int(config, key, name, kind, error) -> int:
    value = config.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10_000_000:
        raise error(f"layer {name!r} (class_name {kind!r}): {key} is {excerpt(value)}, expected a positive integer")
    return value


def dropout_rate(config, key, name, kind, error) -> float:
    """A dropout rate of an RNN layer's config: absent is 0 (as in Keras), else a number in [0, 1)."""
    value = config.get(key, 0.0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise error(f"layer {name!r} (class_name {kind!r}): {key} is {excerpt(value)}, expected a number in [0, 1)")
    return float(value)
