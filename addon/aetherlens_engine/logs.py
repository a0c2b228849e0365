"""Structured logging: one JSON object per line, with time, level, logger and message."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged.
_STANDARD = frozenset(
    {*vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)), "message", "asctime"}
)


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON; exceptions and stacks go in as text fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Return RECORD as a JSON object on one line."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(
    level: int | str = logging.INFO, stream: TextIO | None = None
) -> logging.Handler:
    """Send every record at LEVEL (a number or a name such as "info") or above to STREAM.

    STREAM is standard error by default; each record is one JSON line. Return the handler.
    """
    if isinstance(level, str):
        level = level.upper()
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
