"""The engine's one clock: every "now" and "today" of the engine comes from a `Clock`.

The engine makes one clock at start and hands it to each part that needs the time of day (the
pipeline, collectors, plugins, tariffs, budgets, retention, the API), so a test pins the date of
all of them at once. `system_clock` is the only place that reads the system's time;
`tests/test_clock_use.py` fails when engine or integration code reads it anywhere else.
Durations (timeouts, rates) use `time.monotonic`, which is no calendar time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

type Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Return the system's time now, in UTC."""
    return datetime.now(UTC)
