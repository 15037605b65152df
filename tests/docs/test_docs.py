"""Every ```python block of docs/tutorial.md, docs/tutorial.ko.md and docs/parity.md runs.

The blocks of one file run in order in one namespace, as a reader runs them in one
session. Their hidden directives (``tests/docs/blocks.py``) shrink the tutorial's sizes
(``<!-- test: replace epochs = 100 -> epochs = 1 -->``) so that the three files run in
well under a minute, point ``"fra.txt"`` at the shared copy (``FRA_PATH``, defined by
this test, ``../shared/data/fra-eng/fra.txt``), mark the blocks that need Keras, and the
few that are not meant to run. The blocks run in a temporary working directory, so the
files they write (models, plots) go there.

Keras blocks run in a second session, as the docs tell the reader to: it starts as a
copy of the first session at the first Keras block (so it has the data made before), and
the Keras blocks share it from then on. So the Keras side of a side-by-side uses the
tutorial's names (``model``) without replacing npseq2seq's, a Keras block cannot use what
an npseq2seq block defines after the first Keras block, and no npseq2seq block can depend
on a Keras one: without Keras, the npseq2seq blocks still run, and the test is then
skipped (failed under ``NPSEQ2SEQ_REQUIRE_PARITY=1``) for the Keras blocks it could not run.

A failing block's traceback names the Markdown file and the line in it.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.conftest import FRA_PATH, missing
from tests.docs.blocks import parse_blocks

DOCS = Path(__file__).resolve().parents[2] / "docs"
FILES = ["tutorial.md", "tutorial.ko.md", "parity.md"]
COUNTS: dict[str, dict[str, int]] = {}     # file → blocks run / not run / Keras skipped, for the summary


def run_block(block, namespace, path):
    code = block.runnable_code()
    # blank lines in front, so that a traceback's line numbers are the Markdown file's
    exec(compile("\n" * (block.line - 1) + code, str(path), "exec"), namespace)


def run_blocks(blocks, path, has_keras: bool, session: dict) -> dict[str, int]:
    """Run the python ``blocks`` in order (see the module docstring); returns the counts."""
    keras_session = None                                # the second session, from the first Keras block on
    counts = {"run": 0, "not run": 0, "Keras skipped": 0}
    for block in blocks:
        if not block.run:
            counts["not run"] += 1
        elif not block.keras:
            run_block(block, session, path)
            counts["run"] += 1
        elif not has_keras:
            counts["Keras skipped"] += 1
        else:
            if keras_session is None:
                keras_session = dict(session)
            run_block(block, keras_session, path)
            counts["run"] += 1
    return counts


def run_file(path: Path, request, tmp_path, monkeypatch) -> dict[str, int]:
    blocks = [b for b in parse_blocks(path.read_text(encoding="utf-8"), path.name) if b.language == "python"]
    if any("FRA_PATH" in new for b in blocks for _, new in b.replacements):
        request.getfixturevalue("fra_path")             # skip (or fail) without the data
    has_keras = importlib.util.find_spec("keras") is not None
    if has_keras and any(b.keras for b in blocks):
        request.getfixturevalue("keras")                # TensorFlow backend, quiet logs
    monkeypatch.chdir(tmp_path)
    return run_blocks(blocks, path, has_keras, {"__name__": "__docs__", "FRA_PATH": str(FRA_PATH)})


@pytest.mark.parametrize("name", FILES)
def test_every_code_block_runs(name, request, tmp_path, monkeypatch):
    counts = run_file(DOCS / name, request, tmp_path, monkeypatch)
    COUNTS[name] = counts
    print(f"{name}: {counts}")
    assert counts["run"] > 0, f"{name}: no block ran"
    if counts["Keras skipped"]:
        missing(f"{name}: {counts['Keras skipped']} blocks need Keras, which is not installed")


def test_the_tutorial_exists_in_both_languages_with_the_same_code():
    """The Korean tutorial is the English one for a Korean reader: the same code blocks,
    comments aside (those may be translated), with the same directives."""
    def code(name):
        blocks = parse_blocks((DOCS / name).read_text(encoding="utf-8"), name)
        return [([line.split("#")[0].rstrip() for line in b.code.splitlines()], b.keras, b.run, b.replacements)
                for b in blocks if b.language == "python"]
    english, korean = code("tutorial.md"), code("tutorial.ko.md")
    assert len(english) == len(korean)
    for k, (a, b) in enumerate(zip(english, korean)):
        assert a == b, f"python block {k + 1} differs between tutorial.md and tutorial.ko.md"
