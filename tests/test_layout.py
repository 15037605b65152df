"""The house rules of the package, read from its source: which module may import which
(the arrows point down, as the README's tour says), and NumPy as the only third-party
import outside the optional extras."""
import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "npseq2seq"

# Each module's level: a module-level import must point to a lower level. Within
# layers/, a cell (lstm, gru) sits on the shared time loop (recurrent), which sits on base,
# the input projection, its reverse loop (recurrent_backward) and its checks (recurrent_checks); both, and the cells, on the dropout masks' products (rnn_dropout).
# The attentive layer sits on its inputs, its attention step (attentive_memory) and its backward.
# Within optimizers/, a rule (sgd, rmsprop, adam) sits on base, which sits on its slots' state
# and on clipping, which sits on arguments (the hyper-parameter checks and dtype conversions, imports none).
# text/ sits low beside them (it imports nothing of the model): errors and argument checks,
# then the readers, the tokenizer and the id arrays, the interface (vocab, on its file form,
# vocab_config), and the two vocabularies that implement it (each on its arrays: char_arrays,
# word_arrays, which take the vocabulary as an argument).
LEVELS = {
    "ops": 0, "memory": 0, "blas": 0, "threads": 0.5, "gradcheck": 0, "metrics": 0, "checks": 0,
    "layers.base": 1, "layers.rnn_dropout": 0.5, "layers.projection": 1, "layers.recurrent_checks": 1,
    "layers.recurrent_backward": 1, "layers.recurrent": 2, "layers.lstm": 3, "layers.gru": 3,
    "layers.bidirectional": 3, "layers.attentive_inputs": 1.5, "layers.attentive_memory": 2.5,
    "layers.attentive_backward": 2.7, "layers.attentive_rnn": 3,
    "layers.dense": 2, "layers.embedding": 2, "layers.attention": 2, "layers.dropout": 2, "layers.masking": 2,
    "layers.additive_attention": 3, "layers.bahdanau_attention": 3, "layers.tied_dense": 3, "layers.__init__": 4,
    "layers": 4, "losses": 1,
    "optimizers.arguments": 0, "optimizers.clipping": 1, "optimizers.ema": 1, "optimizers.state": 1, "optimizers.base": 2,
    "optimizers.sgd": 3, "optimizers.rmsprop": 3, "optimizers.adam": 3,
    "optimizers.__init__": 4, "optimizers": 4,
    "text.errors": 0, "text.checks": 0, "text.pairs": 1, "text.split": 1, "text.truecase": 0, "text.corpora": 1, "text.tokenizer": 1,
    "text.ids": 1, "text.table": 2, "text.vocab_config": 1, "text.vocab": 2, "text.char_arrays": 1.5, "text.word_arrays": 1.5, "text.chars": 3, "text.words": 3, "text.bpe": 1, "text.subwords": 3.5, "text.__init__": 4, "text": 4,
    # the training loop and decoding sit below the model: Seq2Seq inherits its Trainer (as
    # Keras's Model does) and offers translate(); neither knows the layers
    # within train/: the callbacks as Keras files them (the base, History and the learning
    # rate's reading; the list and MonitorCallback's rule; the callbacks deciding with it),
    # the metrics and the validation split, the forward-only evaluate / predict, then the
    # loop over them all
    "train.callbacks.callback": 5, "train.callbacks.history": 5.1, "train.callbacks.learning_rate": 5,
    "train.callbacks.callback_list": 5.2, "train.callbacks.monitor_callback": 5.1,
    "train.callbacks.csv_logger": 5.1, "train.callbacks.terminate_on_nan": 5.1,
    "train.callbacks.learning_rate_scheduler": 5.1, "train.callbacks.step_decay": 5,
    "train.callbacks.early_stopping": 5.2, "train.callbacks.reduce_lr_on_plateau": 5.2,
    "train.callbacks.__init__": 5.5, "train.callbacks": 5.5,
    "train.batches": 5, "train.metrics": 5, "train.validation": 5, "train.halves": 5, "train.processes": 5.1, "train.evaluation": 5.8,
    "train.trainer": 6, "train.__init__": 7, "train": 7,
    "decode.start": 4.5, "decode.greedy": 5, "decode.beam": 5, "decode.sampling": 5, "decode.translate": 6,
    # one sentence at a time: the cells' steps on buffers, the input table, the tie rule,
    # the encoder, then the decoder over them (these read the layers' weights)
    "decode.steppers": 5, "decode.input_table": 5, "decode.ties": 5, "decode.one_sentence_encoder": 5.1,
    "decode.one_sentence": 5.2,
    "decode.__init__": 7, "decode": 7,
    # the model: its config, the inputs to its RNNs, encoder and decoder, their composition
    "model.config": 8, "model.weights": 8, "model.inputs": 9, "model.masking": 9, "model.encoder": 10, "model.decoder": 10, "model.attentive_decoder": 10.5,
    "model.free_running": 11, "model.build": 11, "model.inference": 11, "model.seq2seq": 12, "model.repeat": 10, "model.__init__": 13, "model": 13,
    "atomic": 0, "npz": 1,   # writing a file atomically; reading an untrusted .npz within bounds
    # the model file (io/): its names, then writing and reading it, then a model from what was read
    "io.schema": 13.5, "io.writing": 14, "io.reading": 14, "io.loading": 14.05, "io.__init__": 14.08, "io": 14.08,
    "inspect": 15,
    # Keras model files (h5py, the [keras] extra): beside io, building a Seq2Seq from a file;
    # reading: the safe readers of the zip and the HDF5, the era layouts and the architecture (on
    # the layers' settings), then the vocabulary (which reads npseq2seq model files through io)
    # and load_keras over them;
    # writing: a functional graph and Keras's layer configs, the Seq2Seq graph on them, the writer
    "keras_files.h5": 14, "keras_files.archive": 14, "keras_files.layouts": 14.1,
    "keras_files.graph": 14, "keras_files.layer_settings": 14.05, "keras_files.architecture": 14.1, "keras_files.vocabulary": 14.5, "keras_files.reader": 14.6,
    "keras_files.writer_graph": 14, "keras_files.writer_layers": 14.1, "keras_files.writer_model": 14.2,
    "keras_files.writer": 14.3, "keras_files.__init__": 14.7, "keras_files": 14.7,
    # the checkpoint writer: one step above io, as it writes through io
    "checkpointing": 15,
    # Keras's callbacks gathered, as keras.callbacks (ModelCheckpoint from checkpointing)
    "callbacks": 16,
    # the command line on top: the shared helpers, a file per command, the parser over them
    "cli.arg_types": 15, "cli.args": 16, "cli.callback_flags": 16.1,
    # the commands' robustness helpers: exit statuses, then paths to write, signals, streams,
    # stdin, memory limits and what a resumed run may take from its checkpoint
    "cli.exits": 15, "cli.outputs": 16, "cli.signals": 16, "cli.streams": 16, "cli.stdin": 16,
    "cli.limits": 16, "cli.resume": 16, "cli.rescue": 16.1, "cli.splits": 16.2, "cli.keras_source": 16.5,
    "cli.demo_repeat": 16.5, "cli.demo": 17, "cli.train": 17, "cli.translate": 17, "cli.evaluate": 17, "cli.inspect": 17,
    "cli.export_keras": 17, "cli.import_keras": 17,
    "cli.__init__": 18, "cli": 18, "__init__": 19, "__main__": 19,
}
# The imports inside a function that point up: ``Seq2Seq.save`` / ``Seq2Seq.load`` (and
# ``RepeatSeq2Seq``'s), the
# Keras-style conveniences for the file format that io, above the model, implements.
# And the vocabulary class each level's arrays are handed, named for the type hints only
# (under ``if TYPE_CHECKING``, never run).
LAZY_UPWARDS = {("model.seq2seq", "io"), ("model.repeat", "io"),
                ("text.char_arrays", "text.chars"), ("text.word_arrays", "text.words")}
# Third-party packages of the optional extras, imported inside the functions that need them.
OPTIONAL = {"matplotlib": "plot", "sacrebleu": "eval", "h5py": "keras"}


def _imports(path: Path, module: str):
    """(target, is_module_level, line) for every import in a module; relative targets are
    package modules ("layers.base"), absolute ones their top-level package name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    parts = module.split(".")
    package = parts[:-1]                        # the package the module sits in
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - (node.level - 1)]
            targets = (([".".join(base + [node.module])]) if node.module
                       else [".".join(base + [a.name]) for a in node.names])
            for target in targets:
                yield target, id(node) in top_level, node.lineno, True
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            for name in names:
                yield name.split(".")[0], id(node) in top_level, node.lineno, False


def _own_module(target: str) -> str:
    """An import of a package (``from .cli import main``) is an import of its ``__init__``."""
    return f"{target}.__init__" if target not in LEVELS and f"{target}.__init__" in LEVELS else target


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield ".".join(path.with_suffix("").relative_to(PACKAGE).parts), path


def test_every_module_has_a_level():
    packages = {"layers", "optimizers", "text", "train", "train.callbacks", "decode", "model", "cli", "keras_files",
                "io"}
    assert sorted(m for m, _ in _modules()) == sorted(set(LEVELS) - packages)


@pytest.mark.parametrize("module, path", list(_modules()), ids=[m for m, _ in _modules()])
def test_imports_point_down(module, path):
    for target, module_level, line, internal in _imports(path, module):
        where = f"npseq2seq/{path.relative_to(PACKAGE)}:{line} imports {target}"
        if not internal:
            if target in OPTIONAL:
                assert not module_level, f"{where} at module level (extra [{OPTIONAL[target]}])"
            else:
                assert target == "numpy" or target in sys.stdlib_module_names, \
                    f"{where}: npseq2seq's only runtime dependency is NumPy"
            continue
        target = _own_module(target)
        assert target in LEVELS, where
        if module_level:
            assert LEVELS[target] < LEVELS[module], f"{where}, which is not below it"
        else:
            assert LEVELS[target] < LEVELS[module] or (module, target) in LAZY_UPWARDS, where
