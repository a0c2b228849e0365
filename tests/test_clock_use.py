"""Engine and integration code asks one clock for "now", never the system directly.

The engine's clock is `aetherlens_engine.clock` (the only module allowed to read the system's
time); the integration's is Home Assistant's `dt_util`, which tests freeze. Any other call of
`datetime.now`, `date.today`, `time.time` and their kin makes the date of a test depend on the
day it runs, so this test fails on it. Durations (`time.monotonic`, `loop.time`) are no calendar
time and stay allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
CHECKED = (ROOT / "addon" / "aetherlens_engine", ROOT / "custom_components" / "aetherlens")
ALLOWED = {ROOT / "addon" / "aetherlens_engine" / "clock.py"}
# Calls that read the calendar time of the system, by their full dotted name.
SYSTEM_TIME = {
    "datetime.datetime.now",
    "datetime.datetime.utcnow",
    "datetime.datetime.today",
    "datetime.date.today",
    "time.time",
    "time.time_ns",
    "time.localtime",
    "time.gmtime",
    "time.ctime",
    "time.asctime",
    "time.strftime",
}


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and (base := _dotted(node.value)) is not None:
        return f"{base}.{node.attr}"
    return None


def system_time_calls(source: str) -> list[tuple[int, str]]:
    """Return (line, call as written) for every read of the system's calendar time in SOURCE."""
    tree = ast.parse(source)
    # The full name each imported local name stands for: `from datetime import date as d` → d is
    # datetime.date, `from datetime import time` is datetime.time (no clock), `import time` time.
    imported: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            for name in node.names:
                imported[name.asname or name.name] = f"{node.module}.{name.name}"
        elif isinstance(node, ast.Import):
            for name in node.names:
                imported[name.asname or name.name] = name.name
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (called := _dotted(node.func)) is not None:
            head, _, rest = called.partition(".")
            full = ".".join(filter(None, (imported.get(head, head), rest)))
            if full in SYSTEM_TIME:
                found.append((node.lineno, called))
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from datetime import datetime, UTC\nx = datetime.now(UTC)\n", [(2, "datetime.now")]),
        ("import datetime\nx = datetime.date.today()\n", [(2, "datetime.date.today")]),
        ("import datetime as dt\nx = dt.datetime.utcnow()\n", [(2, "dt.datetime.utcnow")]),
        ("from datetime import date as d\nx = d.today()\n", [(2, "d.today")]),
        ("import time\nx = time.time()\n", [(2, "time.time")]),
        ("from time import time\nx = time()\n", [(2, "time")]),
        ("import time\nx = time.monotonic()\n", []),
        ("from datetime import time\nx = time(0, 30)\n", []),
        ("from datetime import datetime\nx = datetime.fromisoformat('2026-01-01')\n", []),
        ("from homeassistant.util import dt as dt_util\nx = dt_util.utcnow()\n", []),
    ],
)
def test_the_scanner_finds_system_time(source: str, expected: list[tuple[int, str]]) -> None:
    """The scanner finds each way of reading the system's time, and nothing else."""
    assert system_time_calls(source) == expected


def test_engine_and_integration_ask_their_clock() -> None:
    """No module of the engine or the integration reads the system's time itself."""
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {call}()"
        for folder in CHECKED
        for path in sorted(folder.rglob("*.py"))
        if path not in ALLOWED
        for line, call in system_time_calls(path.read_text())
    ]
    assert offenders == [], "read the time from the injected clock instead:\n" + "\n".join(
        offenders
    )
