"""The hand-written Green Button file of the meter data tests, and reading it changed.

Holds no tests itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

HOUSEHOLD = Path(__file__).parent / "household.xml"
DAY = datetime(2024, 6, 10, tzinfo=UTC)
POINT = "urn:uuid:0b1c2d3e-0000-4000-8000-000000000010"


def household(old: str = "", new: str = "", count: int = 1) -> bytes:
    """The hand-written file, with its first COUNT occurrences of OLD replaced by NEW."""
    text = HOUSEHOLD.read_text()
    if old:
        assert old in text
        text = text.replace(old, new, count)
    return text.encode()


def line_of(text: str, nth: int = 1) -> int:
    """The line of the file on which TEXT occurs for the NTH time."""
    lines = [n for n, line in enumerate(HOUSEHOLD.read_text().splitlines(), 1) if text in line]
    return lines[nth - 1]
