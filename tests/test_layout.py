"""The house rules of the package, read from its source: which module may import which
(the arrows point down, as the README's tour says), and NumPy as the only third-party
import outside the optional extras."""
import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "npseq2seq"

# Each module's level: a module-level import must point to a lower level. Within
# layers/, a cell (lstm, gru) sits on the shared time loop (recurrent), which sits on base.
# text/ sits low beside them (it imports nothing of the model): errors and argument checks,
# then the readers, the tokenizer and the id arrays, the interface (vocab), and the two
# vocabularies that implement it.
LEVELS = {
    "ops": 0, "memory": 0, "gradcheck": 0, "metrics": 0, "checks": 0,
    "layers.base": 1, "layers.recurrent": 2, "layers.lstm": 3, "layers.gru": 3,
    "layers.dense": 2, "layers.embedding": 2, "layers.attention": 2, "layers.__init__": 4,
    "layers": 4, "losses": 1, "optimizers": 1,
    "text.errors": 0, "text.checks": 0, "text.pairs": 1, "text.corpora": 1, "text.tokenizer": 1,
    "text.ids": 1, "text.vocab": 2, "text.chars": 3, "text.words": 3, "text.__init__": 4, "text": 4,
    "model": 5, "beam": 5, "bucketing": 5, "io": 6, "decoding": 6, "inspect": 7,
    "cli": 8, "__init__": 9, "__main__": 9,
}
# Imports inside a function that point up: Keras-style conveniences on the model,
# imported when called (``Seq2Seq.translate``, ``.save``, ``fit(bucket_by_length=True)``).
LAZY_UPWARDS = {("model", "decoding"), ("model", "io"), ("model", "bucketing")}
# Third-party packages of the optional extras, imported inside the functions that need them.
OPTIONAL = {"matplotlib": "plot", "sacrebleu": "eval"}


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


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield ".".join(path.with_suffix("").relative_to(PACKAGE).parts), path


def test_every_module_has_a_level():
    assert sorted(m for m, _ in _modules()) == sorted(set(LEVELS) - {"layers", "text"})


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
        assert target in LEVELS, where
        if module_level:
            assert LEVELS[target] < LEVELS[module], f"{where}, which is not below it"
        else:
            assert LEVELS[target] < LEVELS[module] or (module, target) in LAZY_UPWARDS, where
