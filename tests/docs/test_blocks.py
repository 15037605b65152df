"""The docs test's own machinery: how blocks and directives are read, and how the Keras
blocks' namespace is kept apart (without running Keras)."""
import pytest

from tests.docs.blocks import parse_blocks
from tests.docs.test_docs import run_blocks

DOC = """Intro.

```text
output, not run
```

<!-- test: replace epochs = 100 -> epochs = 1 -->
<!-- test: replace epochs = 1 -> epochs = 2 -->
```python
epochs = 100
model = "npseq2seq"
```

<!-- test: keras -->
```python
seen_by_keras = (model, epochs)
model = "keras"
```

<!-- test: keras -->
```python
assert model == "keras"
```

```python
assert model == "npseq2seq" and "seen_by_keras" not in globals()
later = 1
```

<!-- test: keras -->
```python
assert "later" not in globals()
```

<!-- test: no-run -->
```python
raise RuntimeError("never run")
```
"""


def test_blocks_and_their_directives():
    blocks = parse_blocks(DOC, "doc.md")
    assert [b.language for b in blocks] == ["text"] + ["python"] * 6
    assert [b.line for b in blocks] == [4, 10, 16, 22, 26, 32, 37]
    assert blocks[1].replacements == [("epochs = 100", "epochs = 1"), ("epochs = 1", "epochs = 2")]
    assert blocks[1].runnable_code().startswith("epochs = 2\n")    # applied in the written order
    assert [b.keras for b in blocks] == [False, False, True, True, False, True, False]
    assert [b.run for b in blocks] == [True] * 6 + [False]


def test_keras_blocks_run_in_a_second_session_copied_at_the_first(tmp_path):
    python = [b for b in parse_blocks(DOC, "doc.md") if b.language == "python"]
    session = {}
    counts = run_blocks(python, tmp_path / "doc.md", True, session)
    assert counts == {"run": 5, "not run": 1, "Keras skipped": 0}
    assert session["model"] == "npseq2seq" and session["epochs"] == 2


def test_without_keras_the_numpy_blocks_still_run(tmp_path):
    python = [b for b in parse_blocks(DOC, "doc.md") if b.language == "python"]
    counts = run_blocks(python, tmp_path / "doc.md", False, {})
    assert counts == {"run": 2, "not run": 1, "Keras skipped": 3}


def test_a_failing_block_names_the_markdown_line(tmp_path):
    doc = "text\n\n```python\nx = 1\n\nraise ValueError('here')\n```\n"
    python = parse_blocks(doc, "doc.md")
    with pytest.raises(ValueError) as info:
        run_blocks(python, tmp_path / "doc.md", False, {})
    assert info.traceback[-1].lineno + 1 == 6                      # pytest's lineno is 0-based


@pytest.mark.parametrize("doc, message", [
    ("```bash\nls\n```\n", "only ('python', 'text')"),
    ("```python\nx = 1\n", "never closed"),
    ("<!-- test: skip -->\n```python\nx = 1\n```\n", "unknown docs-test directive 'skip'"),
    ("<!-- test: keras -->\n```text\nx\n```\n", "directives on a ```text block"),
])
def test_what_the_docs_may_not_contain(doc, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_blocks(doc, "doc.md")


def test_a_stale_replacement_fails():
    block = parse_blocks("<!-- test: replace epochs = 100 -> epochs = 1 -->\n```python\nepochs = 10\n```\n")[0]
    with pytest.raises(ValueError, match="'epochs = 100' is not in the block"):
        block.runnable_code()
