"""The dead-letter file: readings the database refused for what they hold, kept with the reason.

A batch the database refuses for its data (not for an outage) would block the spool for good if
it were retried; its refused readings are set aside here instead, one JSON object per line
(`time`, `device_id`, `value`, `quality`, `reason`, `quarantined_at`), fsync'd before the
readings count as handled, so an operator can fix and resubmit them. Nothing reads it back.

The methods block (file I/O, fsync): the pipeline calls them from its spool thread.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from .records import Record


class DeadLetters:
    """An append-only JSON-lines file of refused readings."""

    def __init__(self, path: Path) -> None:
        """Describe the file at PATH; it is made on the first refusal."""
        self.path = path

    def count(self) -> int:
        """Return how many readings the file holds (0 when there is none)."""
        try:
            with self.path.open("rb") as file:
                return sum(1 for _ in file)
        except FileNotFoundError:
            return 0

    def append(self, refused: list[tuple[Record, str]], now: datetime) -> None:
        """Add each refused record with its reason, quarantined at NOW; raise OSError on failure."""
        lines = "".join(
            json.dumps(
                {
                    "time": time.isoformat(),
                    "device_id": device_id,
                    "value": value,
                    "quality": quality,
                    "reason": reason,
                    "quarantined_at": now.isoformat(),
                },
                ensure_ascii=True,
            )
            + "\n"
            for (time, device_id, value, quality), reason in refused
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            data = memoryview(lines.encode())
            while data:
                data = data[os.write(fd, data) :]
            os.fsync(fd)
        finally:
            os.close(fd)
