"""Every relative link of the README, benchmarks/README.md and docs/*.md leads somewhere: the file or folder
exists, and a ``#fragment`` names a heading of the Markdown file it points into (GitHub's
anchors: lower case, punctuation but hyphens dropped, spaces as hyphens).

The README keeps the project's front matter and links to docs/ for the measurement logs
(``docs/recipe-runs.md``, ``docs/speed.md``); a section moved without its links mended
would leave a reader at a dead end, which this test reports with the file and line.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", ROOT / "benchmarks" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")


def anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading's text."""
    text = heading.lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """The anchors of the page's headings (outside code blocks)."""
    found, fenced = set(), False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            found.add(anchor(line.lstrip("#").strip()))
    return found


def links(page: Path):
    """(line number, target) of every relative link on the page, outside code blocks."""
    fenced = False
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            continue
        for match in LINK.finditer(line):
            target = match.group(1) or match.group(2)
            if not re.match(r"[a-z][a-z0-9+.-]*:", target):      # http:, https:, mailto: …
                yield number, target


def test_the_anchor_rule_on_headings_of_these_pages():
    assert anchor("The halves in two processes: `fit` without a shared GIL") == \
        "the-halves-in-two-processes-fit-without-a-shared-gil"
    assert anchor("Decoding 1,000 sentences at once: greedy and beam search") == \
        "decoding-1000-sentences-at-once-greedy-and-beam-search"


def broken_links(page: Path) -> list[str]:
    """"file:line: target (why)" for every relative link of the page that leads nowhere."""
    broken = []
    for number, target in links(page):
        path, _, fragment = target.partition("#")
        goal = (page.parent / path).resolve() if path else page
        if not goal.exists():
            broken.append(f"{page.name}:{number}: {target} (no such file)")
        elif fragment and goal.suffix == ".md" and fragment not in anchors(goal):
            broken.append(f"{page.name}:{number}: {target} (no such heading)")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_leads_somewhere(page):
    broken = broken_links(page)
    assert not broken, "\n".join(broken)


def test_a_broken_link_is_reported(tmp_path):
    (tmp_path / "other.md").write_text("## A heading, `code`\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text("# Top\n\n[ok](#top) [gone](missing.md) [bad](#nowhere)\n"
                    "![img](other.md) [there](other.md#a-heading-code) [not there](other.md#b)\n"
                    "```\n[in code](ignored.md)\n```\n[web](https://example.org/x)\n", encoding="utf-8")
    assert broken_links(page) == ["page.md:3: missing.md (no such file)", "page.md:3: #nowhere (no such heading)",
                                  "page.md:4: other.md#b (no such heading)"]
