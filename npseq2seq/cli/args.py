"""What the commands share on the way from flags to the library: the usage error, the exit
statuses, argument types, the training flags of ``demo`` and ``train``, and the model
those flags describe (its rules are ``Seq2SeqConfig``'s; only the CLI's own are here)."""
from __future__ import annotations

import hashlib
import json
import re

from ..decode import DEFAULT_LENGTH_PENALTY
from ..losses import get as get_loss
from ..model import Seq2Seq, Seq2SeqConfig
from ..model.config import ATTENTION, CELLS
from ..ops import RECURRENT_ACTIVATIONS
from ..optimizers import NAMES as OPTIMIZERS
from ..optimizers import get as get_optimizer
from ..text import CORPORA, CORPUS_SIZES, DEFAULT_MERGES, generated_corpus, vocab_class, vocab_levels
from ..train.batches import check_bucketable
from .arg_types import fraction, momentum, non_negative_int, positive_int, rate  # noqa: F401 (the commands import them from here)


class UsageError(ValueError):
    """Flags that do not fit together (or do not fit the checkpoint being resumed)."""


EXIT_USER_ERROR, EXIT_DIVERGED, EXIT_INTERRUPTED = 2, 1, 130
CORPUS_NAMES = sorted(CORPORA)

# `train` flags that decide the weights. A fresh run takes them from the command line
# (these defaults where absent); a resumed run takes them from the checkpoint, and a flag
# given again must agree with it, so the resumed run is the run that was interrupted.
TRAIN_DEFAULTS = {"corpus": None, "num_samples": 10000, "held_out": None, "validation_held_out": None,
                  "max_words": None, "subword_merges": None,
                  "padding": "space", "cell": "lstm",
                  "latent_dim": 256, "batch_size": 64, "optimizer": "rmsprop", "learning_rate": 0.001,
                  "validation_split": 0.2, "dtype": "float32", "seed": 0,
                  "clipnorm": None, "clipvalue": None, "ema": None, "label_smoothing": 0.0,
                  "level": "char", "teacher_forcing": True, "mask_zero": False, "attention": None,
                  "bucket_by_length": False, "num_layers": 1, "bidirectional": False,
                  "mask_padding": False, "reverse_input": False, "dropout": 0.0, "recurrent_dropout": 0.0,
                  "reset_after": True, "recurrent_activation": "sigmoid", "input_feeding": False,
                  "output_dropout": 0.0, "word_dropout": 0.0, "tie_embeddings": False}
# The flags that are fields of Seq2SeqConfig (the rest are about data and training).
CONFIG_FLAGS = ("latent_dim", "cell", "dtype", "seed", "level", "teacher_forcing", "mask_zero", "attention",
                "num_layers", "bidirectional", "mask_padding", "dropout", "recurrent_dropout", "reset_after",
                "recurrent_activation", "input_feeding", "output_dropout", "word_dropout", "tie_embeddings")


def flag(key: str) -> str:
    return "--" + key.replace("_", "-")


def add_training_args(p, defaults):
    """The flags of a training run: the model (Seq2SeqConfig's fields), the data's
    vectorisation, and fit's own."""
    _add_model_args(p, defaults)
    _add_data_args(p, defaults)
    _add_fit_args(p, defaults)


def _add_model_args(p, defaults):
    """The model's variant: one flag per Seq2SeqConfig field (CONFIG_FLAGS); the tutorial's
    model and its FAQ variants here, what goes beyond them in ``_add_extended_model_args``."""
    p.add_argument("--cell", choices=sorted(CELLS), default=defaults["cell"])
    p.add_argument("--no-reset-after", dest="reset_after", action="store_const", const=False,
                   default=defaults.get("reset_after", True),
                   help="--cell gru: Keras 2's GRU (reset_after=False: the reset gate applied to "
                        "the state before the recurrent kernel, one bias (3*units,)) instead of "
                        "Keras 3's default")
    p.add_argument("--latent-dim", type=positive_int, default=defaults["latent_dim"])
    p.add_argument("--dtype", choices=["float32", "float64"], default=defaults["dtype"])
    p.add_argument("--seed", type=int, default=defaults["seed"])
    # the tutorial's FAQ variants (the GRU one is --cell gru)
    p.add_argument("--level", choices=vocab_levels(), default=defaults["level"],
                   help="char: one-hot characters (the tutorial); word: word ids through "
                        "Embedding layers (the FAQ's word-level model); subword: the word-level "
                        "model reading and writing byte-pair-encoded pieces of words "
                        "(--subword-merges), so that no word of known letters is <unk>")
    p.add_argument("--no-teacher-forcing", dest="teacher_forcing", action="store_const",
                   const=False, default=defaults["teacher_forcing"],
                   help="train the decoder on its own fed-back softmax outputs from the start "
                        "character (the FAQ's model without teacher forcing; --level char)")
    p.add_argument("--mask-zero", action="store_const", const=True, default=defaults["mask_zero"],
                   help="--level word: leave padded steps out of the RNNs and the loss "
                        "(Keras's Embedding(mask_zero=True))")
    p.add_argument("--mask-padding", action="store_const", const=True,
                   default=defaults.get("mask_padding", False),
                   help="--level char --padding zero: Keras's Masking() on both inputs, so the "
                        "encoder skips padded steps and the loss leaves them out")
    _add_extended_model_args(p, defaults)


def _add_extended_model_args(p, defaults):
    """Beyond the tutorial and its FAQ: attention, stacked and bidirectional layers, dropout,
    the gates' activation (help in this order, after ``_add_model_args``'s)."""
    p.add_argument("--attention", choices=[a for a in ATTENTION if a], default=defaults["attention"],
                   help="the decoder attends to the encoder's outputs: after its RNN, luong "
                        "(dot-product scores, Keras's layers.Attention) or additive (Keras's "
                        "layers.AdditiveAttention); inside its recurrence, bahdanau (additive scores "
                        "of the previous state, the context fed to each step) or luong_general "
                        "(s_t W_a h_j, the attentional vector to the softmax); needs teacher forcing")
    p.add_argument("--input-feeding", action="store_const", const=True,
                   default=defaults.get("input_feeding", False),
                   help="--attention luong_general: feed each step's attentional vector into the "
                        "next step's input (Luong et al. 2015)")
    p.add_argument("--tie-embeddings", action="store_const", const=True,
                   default=defaults.get("tie_embeddings", False),
                   help="--level word/subword: the Dense layer's kernel is the decoder Embedding's "
                        "table, transposed (Press & Wolf 2017's weight tying); no attention or "
                        "luong_general, not --bidirectional")
    p.add_argument("--num-layers", type=positive_int, default=defaults["num_layers"],
                   help="stacked RNN layers in the encoder and in the decoder (encoder layer k "
                        "starts decoder layer k); default 1, the tutorial's")
    p.add_argument("--bidirectional", action="store_const", const=True, default=defaults["bidirectional"],
                   help="a bidirectional encoder (Keras's Bidirectional): --latent-dim units a "
                        "direction, a decoder of twice as many")
    p.add_argument("--dropout", type=rate, default=defaults.get("dropout", 0.0), metavar="RATE",
                   help="Keras's LSTM/GRU(dropout=RATE) on every RNN layer: each step's inputs "
                        "dropped with one mask per sequence, in training only; default 0")
    p.add_argument("--recurrent-dropout", type=rate, default=defaults.get("recurrent_dropout", 0.0),
                   metavar="RATE",
                   help="Keras's recurrent_dropout=RATE: the previous output dropped, one mask per "
                        "gate and sequence, in training only (slower: a product per gate); default 0")
    p.add_argument("--output-dropout", type=rate, default=defaults.get("output_dropout", 0.0), metavar="RATE",
                   help="Keras's Dropout(RATE) on the decoder's outputs, before the Dense layer: a new "
                        "mask for every entry and step, in training only; default 0")
    p.add_argument("--word-dropout", type=rate, default=defaults.get("word_dropout", 0.0), metavar="RATE",
                   help="--level word/subword: Keras's Dropout(RATE, noise_shape=(None, None, 1)) after "
                        "each Embedding: a token's whole vector dropped, in training only; default 0")
    p.add_argument("--recurrent-activation", choices=sorted(RECURRENT_ACTIVATIONS),
                   default=defaults.get("recurrent_activation", "sigmoid"),
                   help="the LSTM/GRU gates' activation: sigmoid (Keras 3's default) or hard_sigmoid, "
                        "Keras 2's clip(0.2x + 0.5, 0, 1) (standalone Keras 2.0-2.2's default)")


def _add_data_args(p, defaults):
    """How the texts become arrays (stored with the vocabulary)."""
    p.add_argument("--padding", choices=["space", "zero"], default=defaults["padding"],
                   help="--level char: pad with the one-hot of ' ' (keras.io) or with all-zero rows "
                        "(the 2017 blog)")
    p.add_argument("--max-words", type=positive_int, default=defaults.get("max_words"), metavar="N",
                   help="--level word: keep each side's N most frequent words (the rest read and "
                        "are written as <unk>); the output layer's cost grows with the target's")
    p.add_argument("--subword-merges", type=positive_int, default=defaults.get("subword_merges"), metavar="N",
                   help="--level subword: learn N byte-pair merges on each side's words (default "
                        f"{DEFAULT_MERGES}: about as many units as merges, 5,830 French units on "
                        "the recipe's fra.txt split); the output layer's cost grows with N")
    p.add_argument("--reverse-input", action="store_const", const=True,
                   default=defaults.get("reverse_input", False),
                   help="read each input backwards, padding first (as Keras's addition_rnn); "
                        "stored with the vocabulary, so translate reverses too")


def _add_fit_args(p, defaults):
    """fit's own arguments and the optimizer's."""
    p.add_argument("--epochs", type=positive_int, default=defaults["epochs"])
    p.add_argument("--batch-size", type=positive_int, default=defaults["batch_size"])
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=defaults["optimizer"],
                   help="Keras's optimizer of that name, with --learning-rate and its other defaults "
                        "(default rmsprop, the tutorial's)")
    p.add_argument("--learning-rate", type=float, default=defaults["learning_rate"])
    p.add_argument("--validation-split", type=float, default=defaults["validation_split"], metavar="F",
                   help="Keras's validation_split: validate on the last fraction F of the pairs, cut "
                        "before shuffling (default 0.2; train: 0 with --validation-held-out)")
    p.add_argument("--bucket-by-length", action="store_const", const=True,
                   default=defaults["bucket_by_length"],
                   help="beyond Keras: batches of similar target lengths, padded target steps "
                        "neither computed nor counted (--padding zero or --level word)")
    p.add_argument("--ema", type=momentum, default=defaults.get("ema"), metavar="M",
                   help="keep Keras's moving average of the weights (the optimizer's use_ema=True, "
                        "ema_momentum=M: average = M·average + (1 − M)·weights after every step) "
                        "and end training on it")
    p.add_argument("--label-smoothing", type=rate, default=defaults.get("label_smoothing"), metavar="S",
                   help="train on the targets y·(1 − S) + S/V (Keras's CategoricalCrossentropy("
                        "label_smoothing=S); the loss reported is theirs; default 0")
    clip = p.add_mutually_exclusive_group()
    clip.add_argument("--clipnorm", type=float, default=None,
                      help="clip each gradient array to this L2 norm (Keras's clipnorm)")
    clip.add_argument("--clipvalue", type=float, default=None,
                      help="clip each gradient element to [-v, v] (Keras's clipvalue)")


def add_length_penalty_arg(p):
    p.add_argument("--length-penalty", type=float, default=DEFAULT_LENGTH_PENALTY, metavar="ALPHA",
                   help="beam search ranks log P / ((5 + length) / 6) ** ALPHA (GNMT's length "
                        "normalisation; 0 ranks by log P itself); default %(default)s")


def corpus_pairs(name: str, num_samples: int):
    """The first ``num_samples`` pairs of a generated corpus; UsageError if it has fewer."""
    size = CORPUS_SIZES[name]
    if num_samples > size:
        raise UsageError(f"--num-samples {num_samples}: the {name} corpus has only {size} distinct pairs")
    return generated_corpus(name, num_samples=num_samples)


def fingerprint(pairs) -> str:
    """SHA-256 of the training pairs: a resumed run must train on exactly the same data."""
    return hashlib.sha256(json.dumps(pairs).encode("ascii")).hexdigest()


# --- the model the flags describe --------------------------------------------------------

def _as_typed(key, value) -> str:
    """A config field's value as the flag that sets it."""
    if key == "teacher_forcing":
        return "--no-teacher-forcing" if not value else "teacher forcing (no --no-teacher-forcing)"
    if key == "reset_after":
        return "--no-reset-after" if not value else "reset_after (no --no-reset-after)"
    if key in ("mask_zero", "bidirectional", "mask_padding", "input_feeding", "tie_embeddings"):
        return flag(key) if value else f"no {flag(key)}"
    return f"{flag(key)} {value}"


def _usage(err: ValueError, settings) -> UsageError:
    """The library's ValueError about the config, prefixed with the flags it is about."""
    named = [_as_typed(k, settings[k]) for k in CONFIG_FLAGS if re.search(rf"\b{k}\b", str(err))]
    return UsageError(f"{' '.join(named)}: {err}" if named else str(err))


def check_variant(settings, given=()) -> Seq2SeqConfig:
    """The flags' variant as a config (token counts not known yet: 1), before any data is
    read; UsageError naming the flags where the model's rules or the CLI's own refuse it."""
    try:    # --level names the vocabulary; the model's level is the one it feeds (subword: word)
        config = Seq2SeqConfig(1, 1, **{**{k: settings[k] for k in CONFIG_FLAGS},
                                        "level": vocab_class(settings["level"]).model_level})
    except ValueError as err:
        raise _usage(err, settings) from None
    if settings["bucket_by_length"]:
        try:
            check_bucketable(config)
        except ValueError as err:
            raise UsageError(f"--bucket-by-length: {err}") from None
    # The library reads the padding from the arrays only once fit starts; a flag check here
    # names the flags, and refuses before the data is read (or a checkpoint resumed).
    if settings["bucket_by_length"] and settings["level"] == "char" and settings["padding"] != "zero":
        raise UsageError("--bucket-by-length needs --padding zero (or --level word): with space "
                         "padding every padded step is a real target")
    if settings.get("mask_padding") and settings["padding"] != "zero":
        raise UsageError("--mask-padding needs --padding zero: a space that pads is a real character")
    for key, level in VOCAB_FLAGS.items():   # --padding has a default: refused only if given
        if settings.get(key) is not None and settings["level"] != level and (key != "padding" or key in given):
            raise UsageError(f"{flag(key)} is for --level {level}, not --level {settings['level']} "
                             f"({VOCAB_FLAG_REASONS[key]})")
    return config


def new_model(vocab, settings) -> Seq2Seq:
    """A compiled model of the flags' variant, sized to ``vocab``."""
    config = check_variant(settings).replace(num_encoder_tokens=vocab.num_encoder_tokens,
                                             num_decoder_tokens=vocab.num_decoder_tokens)
    model = Seq2Seq(config, vocab=vocab)
    loss = get_loss({"name": config.default_loss, "label_smoothing": settings.get("label_smoothing", 0.0)})
    model.compile(optimizer=new_optimizer(settings), loss=loss)
    return model


def new_optimizer(settings):
    """``--optimizer`` with ``--learning-rate``, ``--clipnorm`` / ``--clipvalue`` and
    ``--ema``; the rest of its hyper-parameters Keras's defaults."""
    config = {k: settings[k] for k in ("learning_rate", "clipnorm", "clipvalue")}
    if settings.get("ema") is not None:
        config.update(use_ema=True, ema_momentum=settings["ema"])
    return get_optimizer({"class_name": settings.get("optimizer", "rmsprop"), "config": config})


# the flags of one level's vocabulary (refused at the others), and the from_texts options
# each level's vocabulary is built with: the word levels learn the targets' case, so that
# translations read as the data is written (``text/truecase.py``)
VOCAB_FLAGS = {"padding": "char", "max_words": "word", "subword_merges": "subword"}
VOCAB_FLAG_REASONS = {"padding": "word and subword ids are always padded with id 0",
                      "max_words": "a character vocabulary is every character; a subword one's "
                                   "size is set by --subword-merges",
                      "subword_merges": "the word level's size is set by --max-words"}
VOCAB_OPTIONS = {"char": lambda s: {"padding": s["padding"]},
                 "word": lambda s: {"restore_case": True, "max_words": s.get("max_words")},
                 "subword": lambda s: {"restore_case": True, "merges": s.get("subword_merges")}}


def new_vocab(pairs, settings):
    """The vocabulary of ``--level`` built from the training pairs (``VOCAB_OPTIONS``)."""
    level = settings["level"]
    return vocab_class(level).from_texts(*pairs, **VOCAB_OPTIONS[level](settings),
                                         reverse_input=settings.get("reverse_input", False))


def training_arrays(model, pairs):
    """(x, y) for ``model.fit``: the pairs as int32 token ids (``Vocab.encode_pair_ids``; the
    model makes the same ids of one-hot rows, so the weights are the same to the bit), the
    decoder input as the variant takes it (``Seq2SeqConfig.training_inputs``). One-hot
    arrays of fra.txt's 66,000 pairs would take about 5 GB; these take 25 MB."""
    enc, dec, tgt = model.vocab.encode_pair_ids(*pairs)
    return model.config.training_inputs(enc, dec), tgt
