"""Every relative link of the repository's own Markdown (README, CONTRIBUTING, …) resolves.

The site's pages are checked by its strict build; these files are read on GitHub and in the
Supervisor, outside the site. A link to a file must name one that exists, and an anchor one of
the target's headings as GitHub names them.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[2]
FILES = [
    "README.md",
    "CONTRIBUTING.md",
    "SECURITY.md",
    "CODE_OF_CONDUCT.md",
    "CHANGELOG.md",
    "addon/DOCS.md",
    "addon/CHANGELOG.md",
    "benchmarks/README.md",
    ".github/pull_request_template.md",
]
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)


class Links(HTMLParser):
    """The `href` and `src` of every element of a rendered page."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.targets += [value for name, value in attrs if name in ("href", "src") and value]


def links(path: Path) -> list[str]:
    """Return the link targets of the Markdown file PATH as rendered (code blocks excluded)."""
    parser = Links()
    # CommonMark with tables, as GitHub reads it (markdown-it-py: schemathesis brings it).
    parser.feed(MarkdownIt("commonmark").enable("table").render(path.read_text()))
    return parser.targets


def github_anchors(path: Path) -> set[str]:
    """Return the anchors GitHub gives the headings of the Markdown file PATH."""
    anchors: set[str] = set()
    for title in HEADING.findall(FENCE.sub("", path.read_text())):
        text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", title).strip().lower()
        slug = re.sub(r"[^\w\- ]", "", text).replace(" ", "-")
        anchor, n = slug, 0
        while anchor in anchors:
            n += 1
            anchor = f"{slug}-{n}"
        anchors.add(anchor)
    return anchors


def broken(path: Path) -> list[str]:
    """Return the relative links of PATH that name no file or no heading."""
    found = []
    for target in links(path):
        parts = urlsplit(target)
        if parts.scheme or parts.netloc:
            continue  # external: not checked offline
        file = (path.parent / unquote(parts.path)).resolve() if parts.path else path
        if not file.exists() or (
            parts.fragment and file.suffix == ".md" and parts.fragment not in github_anchors(file)
        ):
            found.append(target)
    return found


@pytest.mark.parametrize("name", FILES)
def test_relative_links_resolve(name: str) -> None:
    assert broken(ROOT / name) == []


def test_the_readme_links_are_read() -> None:
    targets = links(ROOT / "README.md")
    assert "docs/configuration.md" in targets
    assert "docs/screenshots/ha-engine-device.png" in targets  # an image's src too


def test_a_missing_file_and_a_missing_heading_are_found(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other\n\n## The bill card\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n## Known `limits`\n\n[ok](other.md#the-bill-card) [ok](#known-limits)\n"
        "[gone](missing.md) [gone](other.md#no-such) [gone](#nowhere) [web](https://example.org/x)\n"
    )
    assert broken(page) == ["missing.md", "other.md#no-such", "#nowhere"]
