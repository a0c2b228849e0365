"""`python -m tests.integration.pinned_engine INSTANT CONFIG`: `serve` on a pinned clock.

The same `Engine` as `python -m aetherlens_engine serve --config CONFIG`, given a clock that always
answers INSTANT (ISO 8601 with its offset): every "now" and "today" of the engine and of its
plugins comes from that one clock (aetherlens_engine.clock), so a test of the engine as a process
asserts the calendar figures of a day it chose (its last seconds, a month's first day) instead of
those of whenever it runs. Durations (poll intervals, timeouts) keep the monotonic clock.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path

from aetherlens_engine.config import load_config
from aetherlens_engine.engine import Engine
from aetherlens_engine.logs import configure_logging


def main(argv: list[str]) -> int:
    """Serve with the options file CONFIG on a clock pinned to INSTANT; return the exit status."""
    instant_text, config_file = argv
    instant = datetime.fromisoformat(instant_text)
    if instant.tzinfo is None:
        print(f"pinned_engine: {instant_text} has no UTC offset", file=sys.stderr)  # noqa: T201
        return 2
    config = load_config(file=Path(config_file))
    configure_logging(config.log_level)
    asyncio.run(Engine(config, clock=lambda: instant).run())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
