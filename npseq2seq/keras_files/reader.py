"""``load_keras``: a Keras seq2seq model file → an npseq2seq ``Seq2Seq``, without TensorFlow.

The steps, each refusing what it cannot vouch for before the next one costs anything:

1. The file's kind from its first bytes: a zip (``.keras``: ``archive.py``) or HDF5
   (legacy ``.h5`` or weights only: ``h5.py``). Its era from ``keras_version``.
2. The architecture, read as data (``architecture.py``): a Seq2SeqConfig and the Keras
   layer of each part of the model. A weights-only file takes the caller's ``config``.
3. The weights' places (``layouts.py``) and their shapes and dtypes, from HDF5 metadata
   alone; together they must fit in the file (no HDF5 filter inflating a small file) and
   hold at least what the config's sizes need.
4. The vocabulary, from the training data or a file, checked against the sizes
   (``vocabulary.py``).
5. The model, then each array checked against its weight (shape, dtype, finite) and set.
"""
from __future__ import annotations

from ..io import MAX_SEQ_LENGTH, min_weight_count
from ..model import Seq2Seq, Seq2SeqConfig
from ..model.build import keras_order
from ..npz import _SLACK, MAX_INFLATION, ModelFileError, open_regular
from ..text.errors import excerpt
from .architecture import Architecture, read_architecture
from .archive import CONFIG, METADATA, WEIGHTS, KerasArchive
from .h5 import H5File
from .layouts import keras3_paths, legacy_group, legacy_paths
from .vocabulary import vocabulary

__all__ = ["load_keras", "keras_era"]

ZIP_MAGIC, HDF5_MAGIC = b"PK\x03\x04", b"\x89HDF\r\n\x1a\n"
# the Keras class of each npseq2seq role (for a weights-only file read with a config)
_ROLE_CLASS = {"encoder_embedding": "Embedding", "dense": "Dense"}


def load_keras(path, data=None, num_samples=None, vocab=None, config=None, padding=None) -> Seq2Seq:
    """A ``Seq2Seq`` with the weights of a Keras seq2seq model file, read with h5py alone.

    ``path``: ``model.save("s2s_model.keras")`` (Keras 3), ``model.save("s2s.h5")``
    (Keras 3, tf.keras 2.x, or standalone Keras 2.0–2.2 as in the 2017 blog post), or
    ``model.save_weights("x.weights.h5")`` with ``config``, a ``Seq2SeqConfig`` giving the
    sizes and variant (a file with its architecture ignores ``config`` but checks it).
    The vocabulary, which no Keras file holds: ``data`` (the training file, e.g.
    ``fra.txt``) and ``num_samples`` (its first lines the model was trained on) rebuild it
    as the tutorial does; or ``vocab``: a ``Vocab``, an npseq2seq model file, or a JSON
    file of ``Vocab.to_config()``. Without either the model has no vocabulary (it runs on
    arrays, and cannot ``translate``). ``padding``: "space" or "zero" for a character
    vocabulary built from ``data`` (default: the file's era's, see ``vocabulary.py``).

    Any problem is a ``ModelFileError`` (or ``DataError`` for the data file) naming the
    file and the part; nothing in the file is executed or unpickled.
    """
    path, size = open_regular(path)
    with open(path, "rb") as f:
        magic = f.read(8)
    if magic.startswith(ZIP_MAGIC):
        with KerasArchive(path, size) as archive:
            model_config, metadata = archive.json(CONFIG), archive.json(METADATA)
            version = metadata.get("keras_version") if isinstance(metadata, dict) else None
            era = keras_era(path, version) if version is not None else "keras3"   # only Keras 3 writes .keras
            with H5File(path, archive.read(WEIGHTS), part=WEIGHTS) as h5:
                return _load(path, size, h5, (model_config, CONFIG), era, config,
                             dict(data=data, num_samples=num_samples, vocab=vocab, padding=padding))
    if magic != HDF5_MAGIC:
        raise ModelFileError(path, "neither a .keras archive (zip) nor an HDF5 file (.h5): not a Keras model file")
    with H5File(path) as h5:
        model_config, era = None, "keras3"
        if h5.has_attribute(h5.file, "model_config"):
            model_config = h5.json(h5.file, "model_config")
        group = legacy_group(h5)
        if group is not None:
            for where in (group, h5.file):
                if h5.has_attribute(where, "keras_version"):
                    era = keras_era(path, h5.text(where, "keras_version"))
                    break
            else:
                era = keras_era(path, None)
        return _load(path, size, h5, (model_config, "model_config"), era, config,
                     dict(data=data, num_samples=num_samples, vocab=vocab, padding=padding))


def keras_era(path, version) -> str:
    """"keras3", "tf.keras" (2.3 and later, and TF's "-tf" builds) or "keras2" (2.0–2.2)
    from a ``keras_version``; Keras 1 (no version, per-gate weights) is refused."""
    parts = str(version).split(".") if isinstance(version, str) else []
    if len(parts) < 2 or not parts[0].isdigit():
        raise ModelFileError(path, f"keras_version {excerpt(version)}: written by Keras 1 or not by Keras "
                                   "(npseq2seq reads Keras 2.0 and later)")
    major, minor = int(parts[0]), int("".join(c for c in parts[1] if c.isdigit()) or 0)
    if major >= 3:
        return "keras3"
    if major == 2:
        return "keras2" if minor < 3 and not version.endswith("-tf") else "tf.keras"
    raise ModelFileError(path, f"keras_version {version!r}: Keras 1 keeps each gate's weights apart; "
                               "npseq2seq reads Keras 2.0 and later")


def _architecture(path, model_config, era, config) -> tuple[Seq2SeqConfig | None, Architecture | None]:
    """(the caller's config, None) for a weights-only file, else (None, the file's architecture)."""
    model_config, part = model_config
    if model_config is None:
        if config is None:
            raise ModelFileError(path, "holds weights only (no model config): pass config=Seq2SeqConfig(...) "
                                       "with the model's sizes and variant (CLI: import-keras --config)")
        if not isinstance(config, Seq2SeqConfig):
            raise ValueError(f"config must be a Seq2SeqConfig, received {type(config).__name__}")
        return config, None
    arch = read_architecture(model_config, era, lambda problem: ModelFileError(path, f"{part}: {problem}"))
    return None, arch


def _count(role: str, k: int, config: Seq2SeqConfig) -> int:
    """How many arrays npseq2seq's layer of a role holds (Keras's layer holds the same)."""
    if role == "dense":
        return 2                                  # kernel, bias
    if role == "attention":
        return 1 if config.attention == "additive" else 0     # scale; Attention() has none
    if role == "encoder_embedding" or k < 0:
        return 1                                  # embeddings
    return 6 if role == "encoder" and config.bidirectional else 3    # kernel, recurrent_kernel, bias (x2)


def _wanted(config: Seq2SeqConfig, roles: list, arch: Architecture | None) -> list:
    """(Keras layer name, class_name, number of arrays) of each role."""
    out = []
    for role, k in roles:
        if arch is not None:
            name = arch.roles.get((role, k))
            kind = arch.classes.get(name)
        else:        # a weights-only file: npseq2seq's role names, Keras's classes
            name = f"{role}_{k}"
            kind = _ROLE_CLASS.get(role) or ("Embedding" if k < 0 else "AdditiveAttention" if role == "attention"
                                             else "Bidirectional" if role == "encoder" and config.bidirectional
                                             else config.cell.upper())
        out.append((name, kind, _count(role, k, config)))
    return out


def _roles(config: Seq2SeqConfig) -> list:
    """The role of each of ``Seq2Seq(config).layers`` (``model.build``: the attention
    layer just before the Dense)."""
    roles = keras_order(config.num_layers, config.bidirectional, config.level == "word", bool(config.word_dropout))
    return roles[:-1] + [("attention", 0)] + roles[-1:] if config.attention else roles


def _load(path, size, h5: H5File, model_config, era, config, text) -> Seq2Seq:
    given, arch = _architecture(path, model_config, era, config)
    sizes = dict(arch.sizes) if arch is not None else given.to_dict()
    sizes.pop("dtype", None)
    sizes.pop("seed", None)
    part = model_config[1] if arch is not None else None
    try:
        shaped = Seq2SeqConfig(**sizes, dtype="float32")
    except ValueError as err:
        raise ModelFileError(path, f"{part}: the architecture is not a model npseq2seq builds: {err}") from None
    if given is None and config is not None:
        _check_given(path, part, shaped, config)
    wanted = _wanted(shaped, _roles(shaped), arch)
    if "layers" in h5.file and legacy_group(h5) is None:
        order = arch.order if arch is not None else [(n, k) for n, k, _ in wanted]
        paths = keras3_paths(h5, order, wanted)
    else:
        paths = legacy_paths(h5, wanted, by_order=arch is None)
    datasets = [h5.dataset(p) for group in paths for p in group]
    dtypes = {ds.dtype.name for ds in datasets}
    if len(dtypes) != 1:
        raise h5.error(f"the weights mix dtypes {sorted(dtypes)}; npseq2seq's model has one")
    held, nbytes = sum(ds.size for ds in datasets), sum(ds.size * ds.dtype.itemsize for ds in datasets)
    if nbytes > MAX_INFLATION * size + _SLACK:
        raise h5.error(f"its weights would take {nbytes} bytes from a {size}-byte file: refused before reading them")
    model_config = shaped.replace(dtype=dtypes.pop(), seed=given.seed if given is not None else None)
    if min_weight_count(model_config) > held:
        raise h5.error(f"the architecture needs at least {min_weight_count(model_config)} weights, "
                       f"the file holds {held}")
    vocab = vocabulary(model_config, era=era, **text)
    if vocab is not None and max(vocab.max_encoder_seq_length, vocab.max_decoder_seq_length) > MAX_SEQ_LENGTH:
        raise ValueError(f"the vocabulary's texts are longer than the {MAX_SEQ_LENGTH} tokens npseq2seq decodes")
    model = Seq2Seq(model_config, vocab=vocab)
    weights = []
    assert [len(layer.weight_names) for layer in model.layers] == [len(group) for group in paths]
    for group, layer in zip(paths, model.layers):
        for p, name, param in zip(group, layer.weight_names, layer.weights):
            weights.append(h5.read(p, param.shape, f"{layer.name}/{name}"))
    model.set_weights(weights)
    return model


def _check_given(path, part: str, found: Seq2SeqConfig, config) -> None:
    """A config passed with a file that has its own architecture must agree with it."""
    if not isinstance(config, Seq2SeqConfig):
        raise ValueError(f"config must be a Seq2SeqConfig, received {type(config).__name__}")
    differ = [f"{key} {getattr(config, key)!r} (the file: {value!r})" for key, value in found.to_dict().items()
              if key not in ("dtype", "seed") and getattr(config, key) != value]
    if differ:
        raise ModelFileError(path, f"{part}: the config passed differs from the file's architecture: "
                                   f"{', '.join(differ)}")
