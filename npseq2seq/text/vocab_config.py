"""A vocabulary's file form: the JSON-able dict ``to_config`` writes (a model file keeps it
beside the weights) and the class of its level that reads it back (``vocab_from_config``),
apart from what a vocabulary does with text (``vocab.py``).

A level declares itself by subclassing with its name (``class CharVocab(Vocab,
level="char")``), which registers it here; a file names the level in the model's config.
A vocabulary's ``model_level`` is the ``Seq2SeqConfig.level`` of the model that reads its
ids: its own level, unless it inherits another (``SubwordVocab(WordVocab, level="subword")``
feeds ids to the word-level model, which does not care what an id stands for). Such a
vocabulary names its own level in its config (``"level"``), since the model's does not.
A dict is read back only with exactly the class's fields (a file written before an
optional field existed gets its default), so that a file from a newer or foreign writer
is an error naming the keys, not a vocabulary half read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

__all__ = ["VocabConfig", "vocab_from_config", "vocab_class", "vocab_levels"]

_CLASSES: dict[str, type[VocabConfig]] = {}   # level → class, filled as the classes are defined


class VocabConfig:
    """The file form every vocabulary shares (``Vocab`` inherits it): the level registry,
    ``from_config`` and the repr of a frozen dataclass whose fields are its config."""

    level: str
    model_level: str

    def __init_subclass__(cls, level: str | None = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if level is not None:
            cls.level = level
            cls.model_level = getattr(cls, "model_level", level)   # a parent level's model, or its own
            _CLASSES[level] = cls

    @classmethod
    def from_config(cls, config: Mapping) -> VocabConfig:
        """Rebuild a vocabulary from ``to_config()`` output."""
        expected = set(cls.__dataclass_fields__)
        if config.get("level", cls.level) != cls.level:
            raise ValueError(f"a {config['level']!r:.40} vocabulary config read as a {cls.level!r} one")
        config = {"reverse_input": False, **{k: v for k, v in config.items() if k != "level"}}
        if set(config) != expected:
            raise ValueError(
                f"vocabulary config needs exactly the keys {sorted(expected)}, got {sorted(config)}"
            )
        return cls(**config)

    def __repr__(self) -> str:
        # the level's own option: padding, lower
        setting = next(f.name for f in dataclasses.fields(self) if f.name in ("padding", "lower"))
        return (
            f"{type(self).__name__}(num_encoder_tokens={self.num_encoder_tokens}, "
            f"num_decoder_tokens={self.num_decoder_tokens}, "
            f"max_encoder_seq_length={self.max_encoder_seq_length}, "
            f"max_decoder_seq_length={self.max_decoder_seq_length}, {setting}={getattr(self, setting)!r}"
            + (", reverse_input=True)" if self.reverse_input else ")")
        )

    def _with_reverse(self, config: dict) -> dict:
        """A ``to_config`` dict with ``reverse_input`` when set (left out otherwise, so a file
        of an unreversed vocabulary is the same as before the option existed)."""
        return {**config, "reverse_input": True} if self.reverse_input else config

    def _with_level(self, config: dict) -> dict:
        """A ``to_config`` dict that names the level when the model's level does not."""
        return config if self.level == self.model_level else {"level": self.level, **config}


def vocab_from_config(config: Mapping, level: str | None = None) -> VocabConfig:
    """The vocabulary ``to_config()`` wrote, as the class of its level.

    ``level``: "char", "word" or "subword", or the level of the model that reads the
    vocabulary (a model file names it in the model's config); a config that names its own
    level (``"level"``: one whose ``model_level`` is another's) is read as that level,
    which must then feed a model of ``level``. None reads it from the keys: ``"input_words"``
    is a word vocabulary's, anything else is taken for a character vocabulary's (whose
    ``from_config`` checks it).
    """
    if not isinstance(config, Mapping):
        raise ValueError(f"a vocabulary config must be a mapping, got {type(config).__name__}")
    own = config.get("level")
    if own is not None:
        feeds = vocab_class(own).model_level
        if level not in (None, own, feeds):
            raise ValueError(f"a {own} vocabulary feeds a {feeds}-level model, not a {level!r:.40} one")
        level = own
    if level is None:
        level = "word" if "input_words" in config else "char"
    return vocab_class(level).from_config(config)


def vocab_class(level: str) -> type:
    """The vocabulary class of ``level`` ("char", "word", "subword")."""
    if not isinstance(level, str) or level not in _CLASSES:   # a file's value: shown cut short
        raise ValueError(f"level must be one of {sorted(_CLASSES)}, got {level!r:.40}")
    return _CLASSES[level]


def vocab_levels() -> tuple[str, ...]:
    """The levels a vocabulary can have, in the order they were defined."""
    return tuple(_CLASSES)
