"""The fenced code blocks of a Markdown file, and the hidden directives that tell the docs
test how to run each one.

A block is a fence (```python or ```text) and its lines. The HTML comments on the
lines directly above a fence are its directives (invisible on a rendered page):

    <!-- test: replace OLD -> NEW -->   run the block with the text OLD replaced by NEW
                                        (OLD must occur in it: a stale directive fails);
                                        how the tutorial's sizes shrink (epochs=100 -> 1)
    <!-- test: keras -->                the block needs Keras (skipped without it, failed
                                        then under NPSEQ2SEQ_REQUIRE_PARITY=1)
    <!-- test: no-run -->               the block is not run (the text must say why)

Only ``python`` blocks run; ``text`` blocks show output or diagrams. Any other language
is refused, so that no unrun shell command slips into the docs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

LANGUAGES = ("python", "text")
_FENCE = re.compile(r"^```(\S*)\s*$")
_DIRECTIVE = re.compile(r"^<!--\s*test:\s*(.*?)\s*-->\s*$")


@dataclass
class Block:
    """One fenced block: its language, its first code line's number (1-based), its code,
    and its directives."""
    language: str
    line: int
    code: str
    keras: bool = False
    run: bool = True
    replacements: list[tuple[str, str]] = field(default_factory=list)

    def runnable_code(self) -> str:
        """The code with every ``replace`` directive applied; each OLD must occur."""
        code = self.code
        for old, new in self.replacements:
            if old not in code:
                raise ValueError(f"line {self.line}: 'replace {old} -> {new}': {old!r} is not in the block")
            code = code.replace(old, new)
        return code


def _directive(block: Block, text: str, where: str) -> None:
    if text == "keras":
        block.keras = True
    elif text == "no-run":
        block.run = False
    elif text.startswith("replace ") and " -> " in text:
        old, new = text[len("replace "):].split(" -> ", 1)
        block.replacements.append((old, new))
    else:
        raise ValueError(f"{where}: unknown docs-test directive {text!r}")


def parse_blocks(markdown: str, name: str = "<markdown>") -> list[Block]:
    """Every fenced block of ``markdown`` in order, with its directives."""
    lines = markdown.split("\n")
    blocks, i = [], 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        language = opening.group(1)
        if language not in LANGUAGES:
            raise ValueError(f"{name}, line {i + 1}: a ```{language} block; only {LANGUAGES} are allowed "
                             "(python blocks run in the tests, text blocks show output)")
        end = next((j for j in range(i + 1, len(lines)) if lines[j].rstrip() == "```"), None)
        if end is None:
            raise ValueError(f"{name}, line {i + 1}: the block is never closed")
        block = Block(language, i + 2, "\n".join(lines[i + 1:end]) + "\n")
        j = i - 1
        while j >= 0 and _DIRECTIVE.match(lines[j]):        # the comments directly above
            _directive(block, _DIRECTIVE.match(lines[j]).group(1), f"{name}, line {j + 1}")
            j -= 1
        block.replacements.reverse()                       # in the order they are written
        if language != "python" and (block.keras or block.replacements or not block.run):
            raise ValueError(f"{name}, line {i + 1}: directives on a ```{language} block")
        blocks.append(block)
        i = end + 1
    return blocks
