"""The dead-letter file: readings the database refused for what they hold, kept with the reason.

A batch the database refuses for its data (not for an outage) would block the spool for good if
it were retried; its refused readings are set aside here instead, one JSON object per line
(`time`, `device_id`, `value`, `quality`, `reason`, `quarantined_at`), fsync'd before the
readings count as handled, so an operator can fix and resubmit them. Nothing reads the readings
back; its lines are counted (at start, and again whenever it changed: removed, emptied or edited
by hand), so the count in health survives a restart and is 0 once the file is dealt with.

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
        self.held = 0  # readings in the file, as last counted plus those appended since
        self._counted: tuple[int, int, int] | None = None  # the file's (inode, size, mtime) then

    def recount(self) -> int:
        """Count the file's readings again if it changed since the last count; return the count.

        Raises OSError when the file exists but cannot be read.
        """
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self.held, self._counted = 0, None
            return 0
        signature = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if signature != self._counted:
            with self.path.open("rb") as file:
                self.held = sum(1 for line in file if line.strip())
            self._counted = signature
        return self.held

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
        # The file changed: the next recount reads it again, and sees any edit made meanwhile.
        self.held += len(refused)
